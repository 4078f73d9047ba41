/*
 * wgdev: the one neutral model of a WireGuard device.
 *
 * A struct wg_device is both a request ("set these fields") and a report
 * ("this is what the device holds"). Flag bits say which fields are set; a
 * field whose flag is clear is neither changed by a set nor valid after a get.
 * Every backend (kernel genetlink, userspace UAPI, in-memory fake) fills and
 * consumes exactly this model, so nothing above platform/ sees netlink or UAPI.
 *
 * Replace vs. append:
 *   WGDEV_REPLACE_PEERS        remove every peer before applying (a listed peer
 *                              is created afresh: its old state is gone)
 *   WGPEER_REPLACE_ALLOWEDIPS  the listed allowed IPs replace the peer's set
 *                              (otherwise they are added to it)
 *   WGPEER_REMOVE_ME           remove this peer (other fields ignored)
 *   WGPEER_UPDATE_ONLY         change the peer only if it already exists
 *
 * Ownership: a device owns its peers, a peer owns its allowed IPs. Free with
 * wg_device_free(), which wipes keys. Peers and allowed IPs are singly linked
 * lists in insertion order (first/last pointers for O(1) append).
 */
#ifndef WGNM_PLATFORM_WGDEV_H
#define WGNM_PLATFORM_WGDEV_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "proto/ipaddr.h"

#define WG_KEY_LEN 32
#define WG_KEY_B64_LEN 45 /* 44 characters + NUL */
/* A keepalive is a transport message with no payload: 16-byte header + 16-byte tag. */
#define WG_KEEPALIVE_BYTES 32

enum wg_device_flags {
	WGDEV_REPLACE_PEERS = 1U << 0,
	WGDEV_HAS_PRIVATE_KEY = 1U << 1,
	WGDEV_HAS_PUBLIC_KEY = 1U << 2,
	WGDEV_HAS_LISTEN_PORT = 1U << 3,
	WGDEV_HAS_FWMARK = 1U << 4,
};

enum wg_peer_flags {
	WGPEER_REMOVE_ME = 1U << 0,
	WGPEER_REPLACE_ALLOWEDIPS = 1U << 1,
	WGPEER_HAS_PUBLIC_KEY = 1U << 2,
	WGPEER_HAS_PRESHARED_KEY = 1U << 3,
	WGPEER_HAS_KEEPALIVE = 1U << 4,
	WGPEER_HAS_ENDPOINT = 1U << 5,
	WGPEER_UPDATE_ONLY = 1U << 6,
};

struct wg_allowedip {
	struct ipprefix prefix;
	struct wg_allowedip *next;
};

struct wg_peer {
	uint32_t flags;
	uint8_t public_key[WG_KEY_LEN];
	uint8_t preshared_key[WG_KEY_LEN];
	struct endpoint endpoint;
	uint16_t keepalive_s; /* persistent keepalive interval, 0 = off */

	/* Reported by the device (get only). */
	struct timespec last_handshake; /* wall clock; {0,0} = never */
	uint64_t rx_bytes;
	uint64_t tx_bytes;

	struct wg_allowedip *first_allowedip, *last_allowedip;
	struct wg_peer *next;
};

struct wg_device {
	char name[IFNAMSIZ];
	uint32_t ifindex; /* reported by get; 0 if unknown */
	uint32_t flags;
	uint8_t private_key[WG_KEY_LEN];
	uint8_t public_key[WG_KEY_LEN];
	uint16_t listen_port;
	uint32_t fwmark;
	struct wg_peer *first_peer, *last_peer;
};

/* Allocation. All return NULL on ENOMEM. */
struct wg_device *wg_device_new(const char *ifname);
void wg_device_free(struct wg_device *dev);
/* Append a zeroed peer with the given public key (flags = HAS_PUBLIC_KEY). */
struct wg_peer *wg_device_add_peer(struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN]);
struct wg_allowedip *wg_peer_add_allowedip(struct wg_peer *peer, const struct ipprefix *prefix);
struct wg_peer *wg_device_find_peer(const struct wg_device *dev,
				    const uint8_t public_key[WG_KEY_LEN]);
size_t wg_device_peer_count(const struct wg_device *dev);
size_t wg_peer_allowedip_count(const struct wg_peer *peer);
/* Deep copy (keys included); NULL on ENOMEM. */
struct wg_device *wg_device_clone(const struct wg_device *dev);

/* Keys. */
void wg_key_to_base64(char out[WG_KEY_B64_LEN], const uint8_t key[WG_KEY_LEN]);
int wg_key_from_base64(uint8_t key[WG_KEY_LEN], const char *b64);
void wg_key_to_hex(char out[2 * WG_KEY_LEN + 1], const uint8_t key[WG_KEY_LEN]);
int wg_key_from_hex(uint8_t key[WG_KEY_LEN], const char *hex, size_t len);
bool wg_key_is_zero(const uint8_t key[WG_KEY_LEN]);
bool wg_key_equal(const uint8_t a[WG_KEY_LEN], const uint8_t b[WG_KEY_LEN]);
/* Curve25519: fresh private key (clamped) and its public key. */
void wg_key_generate_private(uint8_t key[WG_KEY_LEN]);
int wg_key_public_from_private(uint8_t pub[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN]);

/*
 * A backend: how one WireGuard device is read and written. All functions
 * return 0 or -errno (negative), never a positive error.
 */
struct wg_backend_ops {
	const char *name; /* "kernel", "wireguard-go", "boringtun", "existing", "fake" */
	/* Read the whole device. *out is the caller's, to free with wg_device_free(). */
	int (*get)(void *ctx, const char *ifname, struct wg_device **out);
	/* Apply dev (fields by flags, peers by their flags). */
	int (*set)(void *ctx, const struct wg_device *dev);
};

#endif
