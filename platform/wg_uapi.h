/*
 * wg_uapi: the userspace WireGuard backend. Talks the UAPI text protocol
 * (proto/uapi.h) over the UNIX stream socket <sockdir>/<ifname>.sock that
 * wireguard-go and boringtun listen on.
 *
 * One request per connection: connect, write the whole request, read until
 * the reply's blank line, close. Everything is non-blocking under one overall
 * deadline enforced with poll(), so a hung userspace process costs the daemon
 * at most timeout_ms per call (then -ETIMEDOUT and a log line naming the
 * interface). Request and reply buffers hold keys and are wiped.
 */
#ifndef WGNM_PLATFORM_WG_UAPI_H
#define WGNM_PLATFORM_WG_UAPI_H

#include <stdbool.h>

#include "platform/wgdev.h"

#define WG_UAPI_SOCKDIR    "/var/run/wireguard"
#define WG_UAPI_TIMEOUT_MS 2000
/* A reply larger than this is refused (-EMSGSIZE). */
#define WG_UAPI_REPLY_MAX (64u << 20)

/* Per-backend settings; a zeroed struct (or a NULL ctx) means the defaults. */
struct wg_uapi_ctx {
	const char *sockdir; /* NULL: WG_UAPI_SOCKDIR */
	int timeout_ms;      /* overall deadline per call; <= 0: WG_UAPI_TIMEOUT_MS */
};

/* name "userspace", ctx is a struct wg_uapi_ctx * (may be NULL). */
extern const struct wg_backend_ops wg_uapi_ops;

/*
 * Read the device. *out is the caller's (wg_device_free). Returns 0,
 * -ENOENT (no socket: no such userspace interface), -ECONNREFUSED (stale
 * socket), -ETIMEDOUT, -EPROTO/-EINVAL (bad reply), -EMSGSIZE, the
 * implementation's errno, or another -errno from the socket calls.
 */
int wg_uapi_get(const struct wg_uapi_ctx *ctx, const char *ifname, struct wg_device **out);
/* Apply dev (dev->name is the interface). Same errors as wg_uapi_get. */
int wg_uapi_set(const struct wg_uapi_ctx *ctx, const struct wg_device *dev);

/* Does a live UAPI socket answer a connect for this interface? */
bool wg_uapi_exists(const char *ifname);
bool wg_uapi_ctx_exists(const struct wg_uapi_ctx *ctx, const char *ifname);

/* The socket path for ifname into buf. Returns 0, -EINVAL (bad name), -ENAMETOOLONG. */
int wg_uapi_path(const struct wg_uapi_ctx *ctx, const char *ifname, char *buf, size_t len);

#endif
