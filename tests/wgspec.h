/*
 * wgspec: a compact text notation for WireGuard device requests and states,
 * shared by the tests of the UAPI codec, the fake backend and the network
 * test helper (tests/net/wgctl_test), plus the table of set semantics that
 * every backend must agree on.
 *
 * Request spec: space-separated tokens applied in order.
 *   priv=K port=N fwmark=N replace_peers           device fields
 *   peer=K                                          starts a peer
 *   remove update_only psk=K ep=ENDPOINT ka=N replace_ips ip=PREFIX
 * K is one letter A..Z (a fixed test key pair: private key = 32 bytes of the
 * letter, clamped; "peer=A" means A's public key), "0" (all-zero key), or a
 * 44-character base64 key.
 *
 * State (wgspec_format): canonical and order-independent, so a fake and a real
 * backend can be compared:
 *   "priv=A port=N fwmark=N | B psk=- ep=- ka=0 ips=10.0.0.0/24,10.0.1.1/32 | C ..."
 * Peers sorted by key, allowed IPs sorted; absent fields shown as 0 or "-".
 */
#ifndef WGNM_TESTS_WGSPEC_H
#define WGNM_TESTS_WGSPEC_H

#include <stddef.h>

#include "platform/wgdev.h"

/* The fixed test key pair of a letter. */
void wgspec_keypair(char letter, uint8_t priv[WG_KEY_LEN], uint8_t pub[WG_KEY_LEN]);
/* Parse a request spec. Returns 0 or -EINVAL; *out is the caller's. */
int wgspec_parse(const char *ifname, const char *spec, struct wg_device **out);
/* Canonical state text into buf (truncated to len). Returns buf. */
char *wgspec_format(const struct wg_device *dev, char *buf, size_t len);

/* One step of the semantic table: apply set, expect rc, then expect state. */
struct wgsem_step {
	const char *what;
	const char *set;
	int rc;
	const char *want;
};
extern const struct wgsem_step wgsem_table[];
extern const size_t wgsem_table_len;

/*
 * Run the table against a backend on interface ifname (which must exist and
 * start empty or be reset by the first step). For each step calls
 * report(arg, index, pass, got_state); returns the number of failed steps.
 */
size_t wgsem_run(const struct wg_backend_ops *ops, void *ctx, const char *ifname,
                 void (*report)(void *arg, size_t i, int pass, int rc, const char *got), void *arg);

#endif
