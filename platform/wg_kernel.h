/*
 * wg_kernel: the kernel WireGuard backend, generic netlink family
 * "wireguard" over libmnl. It reads and writes the neutral model of
 * platform/wgdev.h; messages are built and parsed by platform/wg_kernel_msg.
 *
 * A context (struct wg_kernel) owns one netlink socket, bound to the network
 * namespace it was opened in, with its port id, its sequence counter and the
 * family id (resolved by name on first use, then cached). Requests are
 * synchronous: a set sends its chunks one by one, each acknowledged; a get
 * reads a whole dump, retried when the kernel flags it inconsistent.
 *
 * A set that fails in a later chunk leaves the earlier chunks applied (the
 * kernel has no transaction over several messages); the caller re-reads.
 *
 * Errors are -errno. -ENODEV: no such interface; -EOPNOTSUPP: not a
 * WireGuard interface; WG_KERNEL_ENOWG: the kernel has no WireGuard (no
 * generic netlink family "wireguard").
 */
#ifndef WGNM_PLATFORM_WG_KERNEL_H
#define WGNM_PLATFORM_WG_KERNEL_H

#include <errno.h>

#include "platform/wgdev.h"

/* The error for "no WireGuard in this kernel" (the family lookup's ENOENT). */
#define WG_KERNEL_ENOWG (-EPROTONOSUPPORT)
/* What to log for it. */
#define WG_KERNEL_ENOWG_MSG "kernel has no WireGuard"

struct wg_kernel;

/* Open a context in the current network namespace; the caller closes it. */
int wg_kernel_open(struct wg_kernel **out);
void wg_kernel_close(struct wg_kernel *k);

/*
 * 1 when the kernel has WireGuard (the family resolves), else 0. Opens and
 * closes a socket of its own, nothing else.
 */
int wg_kernel_available(void);

/* WG_KERNEL_ENOWG_MSG for WG_KERNEL_ENOWG, else strerror(-err). */
const char *wg_kernel_strerror(int err);

/* Read ifname. *out is the caller's, to free with wg_device_free(). */
int wg_kernel_get(struct wg_kernel *k, const char *ifname, struct wg_device **out);
/* Apply dev (fields by their flags). dev stays the caller's. */
int wg_kernel_set(struct wg_kernel *k, const struct wg_device *dev);

/* The backend ops; ctx is a struct wg_kernel *. */
extern const struct wg_backend_ops wg_kernel_ops;

#endif
