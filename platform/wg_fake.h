/*
 * wg_fake: an in-memory WireGuard backend for unit tests of the core.
 *
 * Holds one struct wg_device per interface and applies sets with the
 * semantics of the real backends (wireguard-go and the kernel agree):
 *   - a request is validated whole first; an invalid one (peer without
 *     public key, endpoint without address or port, bad prefix) changes
 *     nothing and returns -EINVAL, like the UAPI encoder;
 *   - private_key: all-zero clears it; a new key removes the peer that has
 *     the matching public key;
 *   - replace_peers removes every peer first, so a listed peer starts fresh;
 *   - a peer with the device's own public key is ignored;
 *   - remove deletes the peer (no-op when missing); update_only skips a
 *     peer that does not exist; otherwise a missing peer is created;
 *   - preshared_key all-zero clears it; endpoint and keepalive overwrite;
 *   - replace_allowed_ips empties the peer's set first; allowed IPs are
 *     masked, kept once, and an allowed IP belongs to one peer only (adding it
 *     to one removes it from any other).
 * Every get and set is recorded in an op log: a line of text and, for sets,
 * a copy of the request.
 */
#ifndef WGNM_PLATFORM_WG_FAKE_H
#define WGNM_PLATFORM_WG_FAKE_H

#include <stddef.h>

#include "platform/wgdev.h"

struct wg_fake;

/* name "fake", ctx is a struct wg_fake *. get/set of an unknown interface: -ENODEV. */
extern const struct wg_backend_ops wg_fake_ops;

/* NULL on ENOMEM. Free with wg_fake_free (wipes keys). */
struct wg_fake *wg_fake_new(void);
void wg_fake_free(struct wg_fake *fake);

/* Create an empty interface. 0, -EEXIST, -EINVAL (bad name), -ENOMEM. */
int wg_fake_add_device(struct wg_fake *fake, const char *ifname);
/* Remove an interface. 0 or -ENODEV. */
int wg_fake_del_device(struct wg_fake *fake, const char *ifname);
/* The live device (owned by the fake; tests may set counters/handshakes). NULL if unknown. */
struct wg_device *wg_fake_device(struct wg_fake *fake, const char *ifname);
/* Make the next get or set fail with err (< 0) without touching state. */
void wg_fake_fail_next(struct wg_fake *fake, int err);

/*
 * Op log. Lines look like
 *   "get wg0 rc=0"
 *   "set wg0 priv port=51820 fwmark=1 replace_peers peers=3 remove=1 rc=0"
 * (device fields only when flagged; peers counts listed peers, remove those
 * with WGPEER_REMOVE_ME). Pointers stay valid until wg_fake_clear_ops/free.
 */
size_t wg_fake_op_count(const struct wg_fake *fake);
const char *wg_fake_op(const struct wg_fake *fake, size_t i);
/* The request of op i if it was a set, else NULL. Owned by the fake. */
const struct wg_device *wg_fake_op_request(const struct wg_fake *fake, size_t i);
void wg_fake_clear_ops(struct wg_fake *fake);

#endif
