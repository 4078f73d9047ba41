/*
 * wg_kernel_test: drives real kernel WireGuard interfaces through the kernel
 * backend only (platform/wg_kernel), for tests/net/kernel_vm.sh (run inside
 * a VM whose kernel has WireGuard). Output is TAP (flushed after every line).
 *
 *   wg_kernel_test pair NSA IFA NSB IFB
 *       configure both ends of a tunnel (keys, port, fwmark, peer with
 *       endpoint, keepalive, preshared key, allowed IPs), read back, compare;
 *       underlay 198.51.100.1 (A) / 198.51.100.2 (B), port 51820, tunnel
 *       10.77.0.1 / 10.77.0.2
 *   wg_kernel_test ops NS IF
 *       replace vs append, remove, update_only, REPLACE_PEERS, errors, and
 *       the split paths for real: 300 peers, one with 2000 allowed IPs; the
 *       interface is left with BIG_PEERS peers and BIG_AIPS allowed IPs
 *   wg_kernel_test dump NS IF
 *       print the device as `wg show IF dump` does (no TAP), for cross-checks
 *   wg_kernel_test create NS IF...
 *       create kernel WireGuard interfaces with wgnm's own rtnetlink code
 *       (rtnl_link_add, as the daemon does), read each back (kind wireguard,
 *       down), and pin the errors: -EEXIST for a second add of the same name,
 *       -EOPNOTSUPP for a kind the kernel does not know
 *   wg_kernel_test delete NS IF...
 *       delete them with rtnl_link_del: 0, then gone (-ENODEV), then a second
 *       delete of the same ifindex is 1 (already gone)
 *
 * NS is a name from `ip netns` (/run/netns/NS) or "-" for the current one.
 * One context is opened per namespace, after entering it: a netlink socket
 * belongs to the namespace it was made in.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "platform/rtnl.h"
#include "platform/wg_kernel.h"
#include "tests/tap.h"

#define BIG_PEERS      300
#define BIG_FIRST_AIPS 2000

static int
enter_netns(const char *ns)
{
	char path[256];
	int fd, rc;

	if (strcmp(ns, "-") == 0)
		return 0;
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* A context opened inside ns; exits on failure (the test cannot go on). */
static struct wg_kernel *
open_in(const char *ns)
{
	struct wg_kernel *k = NULL;
	int rc = enter_netns(ns);

	if (rc == 0)
		rc = wg_kernel_open(&k);
	if (!ok(rc == 0, "open a kernel backend context in netns %s", ns)) {
		diag("%s", wg_kernel_strerror(rc));
		exit(tap_done());
	}
	return k;
}

static struct ipprefix
prefix(const char *s)
{
	struct ipprefix p;

	if (ipprefix_parse(&p, s, false) < 0) {
		fprintf(stderr, "bad prefix %s\n", s);
		exit(2);
	}
	return p;
}

/* The n-th of many distinct /32s: 10.(64 + n / 65536).(n / 256).(n % 256). */
static struct ipprefix
nth_prefix(unsigned n)
{
	struct ipprefix p;

	memset(&p, 0, sizeof(p));
	p.addr.family = AF_INET;
	p.addr.bytes[0] = 10;
	p.addr.bytes[1] = (uint8_t)(64 + (n >> 16));
	p.addr.bytes[2] = (uint8_t)(n >> 8);
	p.addr.bytes[3] = (uint8_t)n;
	p.len = 32;
	return p;
}

static void
add_aip(struct wg_peer *peer, const char *s)
{
	struct ipprefix p = prefix(s);

	wg_peer_add_allowedip(peer, &p);
}

static struct wg_peer *
add_peer(struct wg_device *dev, const uint8_t key[WG_KEY_LEN], uint32_t flags)
{
	struct wg_peer *peer = wg_device_add_peer(dev, key);

	peer->flags |= flags;
	return peer;
}

static void
clear_aips(struct wg_peer *peer)
{
	struct wg_allowedip *aip, *next;

	for (aip = peer->first_allowedip; aip != NULL; aip = next) {
		next = aip->next;
		free(aip);
	}
	peer->first_allowedip = peer->last_allowedip = NULL;
}

/* Unlink the peer with this key from dev and free it. */
static void
drop_peer(struct wg_device *dev, const uint8_t key[WG_KEY_LEN])
{
	struct wg_peer **pp, *prev = NULL, *peer;
	uint8_t k[WG_KEY_LEN];

	memcpy(k, key, WG_KEY_LEN); /* key may point into the peer */
	for (pp = &dev->first_peer; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
		peer = *pp;
		if (!wg_key_equal(peer->public_key, k))
			continue;
		*pp = peer->next;
		if (dev->last_peer == peer)
			dev->last_peer = prev;
		clear_aips(peer);
		sodium_memzero(peer, sizeof(*peer));
		free(peer);
		return;
	}
}

static void
random_pubkey(uint8_t pub[WG_KEY_LEN])
{
	uint8_t priv[WG_KEY_LEN];

	wg_key_generate_private(priv);
	wg_key_public_from_private(pub, priv);
}

static int
prefix_cmp(const void *a, const void *b)
{
	const struct ipprefix *x = a, *y = b;
	int c = ipaddr_cmp(&x->addr, &y->addr);

	return c != 0 ? c : (int)x->len - (int)y->len;
}

/* Allowed IPs of a peer, sorted (the kernel keeps its own order). */
static struct ipprefix *
sorted_aips(const struct wg_peer *peer, size_t *n)
{
	const struct wg_allowedip *aip;
	struct ipprefix *v;
	size_t i = 0;

	*n = wg_peer_allowedip_count(peer);
	v = calloc(*n + 1, sizeof(*v));
	for (aip = peer->first_allowedip; aip != NULL; aip = aip->next)
		v[i++] = aip->prefix;
	qsort(v, *n, sizeof(*v), prefix_cmp);
	return v;
}

/*
 * Compare a device read back with the state expected. Peers are matched by
 * key, allowed IPs as sets. Returns the number of differences (diag'ed).
 */
static int
compare(const struct wg_device *want, const struct wg_device *got)
{
	const struct wg_peer *pw, *pg;
	int diffs = 0;
	char b1[ENDPOINT_STRLEN], b2[ENDPOINT_STRLEN];

#define DIFF(...)                                                                                  \
	do {                                                                                       \
		if (diffs++ < 5)                                                                   \
			diag(__VA_ARGS__);                                                         \
	} while (0)

	if (want->flags & WGDEV_HAS_PRIVATE_KEY) {
		uint8_t pub[WG_KEY_LEN];

		if (!(got->flags & WGDEV_HAS_PRIVATE_KEY) ||
		    !wg_key_equal(want->private_key, got->private_key))
			DIFF("private key differs");
		wg_key_public_from_private(pub, want->private_key);
		if (!(got->flags & WGDEV_HAS_PUBLIC_KEY) || !wg_key_equal(pub, got->public_key))
			DIFF("public key is not the private key's");
	}
	if ((want->flags & WGDEV_HAS_LISTEN_PORT) && want->listen_port != got->listen_port)
		DIFF("listen port %u, want %u", got->listen_port, want->listen_port);
	if ((want->flags & WGDEV_HAS_FWMARK) && want->fwmark != got->fwmark)
		DIFF("fwmark %#x, want %#x", got->fwmark, want->fwmark);
	if (wg_device_peer_count(want) != wg_device_peer_count(got))
		DIFF("%zu peers, want %zu", wg_device_peer_count(got), wg_device_peer_count(want));
	for (pw = want->first_peer; pw != NULL; pw = pw->next) {
		struct ipprefix *vw, *vg;
		size_t nw, ng;
		char kb[WG_KEY_B64_LEN];

		wg_key_to_base64(kb, pw->public_key);
		pg = wg_device_find_peer(got, pw->public_key);
		if (pg == NULL) {
			DIFF("peer %s missing", kb);
			continue;
		}
		if (((pw->flags & WGPEER_HAS_PRESHARED_KEY) != 0) !=
		        ((pg->flags & WGPEER_HAS_PRESHARED_KEY) != 0) ||
		    !wg_key_equal(pw->preshared_key, pg->preshared_key))
			DIFF("peer %s: preshared key differs", kb);
		if ((pw->flags & WGPEER_HAS_ENDPOINT) &&
		    (!(pg->flags & WGPEER_HAS_ENDPOINT) ||
		     !endpoint_equal(&pw->endpoint, &pg->endpoint)))
			DIFF("peer %s: endpoint %s, want %s", kb,
			     endpoint_fmt(&pg->endpoint, b1, sizeof(b1)),
			     endpoint_fmt(&pw->endpoint, b2, sizeof(b2)));
		if (pw->keepalive_s != pg->keepalive_s)
			DIFF("peer %s: keepalive %u, want %u", kb, pg->keepalive_s,
			     pw->keepalive_s);
		vw = sorted_aips(pw, &nw);
		vg = sorted_aips(pg, &ng);
		if (nw != ng || memcmp(vw, vg, nw * sizeof(*vw)) != 0)
			DIFF("peer %s: %zu allowed IPs, want %zu (or they differ)", kb, ng, nw);
		free(vw);
		free(vg);
	}
#undef DIFF
	return diffs;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Set, read back, compare with want. */
static void
set_and_check(struct wg_kernel *k, const struct wg_device *req, const struct wg_device *want,
              const char *what)
{
	struct wg_device *got = NULL;
	double t0 = now_s();
	int rc;

	rc = wg_kernel_set(k, req);
	if (!ok(rc == 0, "%s: set", what))
		diag("set: %s", wg_kernel_strerror(rc));
	rc = wg_kernel_get(k, req->name, &got);
	if (!ok(rc == 0, "%s: get", what)) {
		diag("get: %s", wg_kernel_strerror(rc));
		return;
	}
	ok(compare(want, got) == 0, "%s: read back equals the expected state (%.2f s)", what,
	   now_s() - t0);
	wg_device_free(got);
}

/* ---- pair ------------------------------------------------------------------ */

static struct wg_device *
pair_side(const char *ifname, const uint8_t priv[WG_KEY_LEN], const uint8_t peer_pub[WG_KEY_LEN],
          const uint8_t psk[WG_KEY_LEN], const char *peer_ep, const char *peer_ip4,
          const char *peer_ip6, uint16_t keepalive)
{
	struct wg_device *dev = wg_device_new(ifname);
	struct wg_peer *peer;

	dev->flags =
	    WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT | WGDEV_HAS_FWMARK | WGDEV_REPLACE_PEERS;
	memcpy(dev->private_key, priv, WG_KEY_LEN);
	dev->listen_port = 51820;
	dev->fwmark = 0x77;
	peer = add_peer(dev, peer_pub,
	                WGPEER_HAS_PRESHARED_KEY | WGPEER_HAS_ENDPOINT | WGPEER_HAS_KEEPALIVE |
	                    WGPEER_REPLACE_ALLOWEDIPS);
	memcpy(peer->preshared_key, psk, WG_KEY_LEN);
	endpoint_parse(&peer->endpoint, peer_ep);
	peer->keepalive_s = keepalive;
	add_aip(peer, peer_ip4);
	add_aip(peer, peer_ip6);
	return dev;
}

static int
cmd_pair(char **argv)
{
	uint8_t priv_a[WG_KEY_LEN], priv_b[WG_KEY_LEN], pub_a[WG_KEY_LEN], pub_b[WG_KEY_LEN];
	uint8_t psk[WG_KEY_LEN];
	struct wg_kernel *ka, *kb;
	struct wg_device *a, *b;

	/* Contexts first: each socket stays in the namespace it was made in. */
	ka = open_in(argv[0]);
	kb = open_in(argv[2]);
	wg_key_generate_private(priv_a);
	wg_key_generate_private(priv_b);
	wg_key_public_from_private(pub_a, priv_a);
	wg_key_public_from_private(pub_b, priv_b);
	wg_key_generate_private(psk);
	a = pair_side(argv[1], priv_a, pub_b, psk, "198.51.100.2:51820", "10.77.0.2/32",
	              "fd77::2/128", 25);
	b = pair_side(argv[3], priv_b, pub_a, psk, "198.51.100.1:51820", "10.77.0.1/32",
	              "fd77::1/128", 0);
	set_and_check(ka, a, a, "pair side A");
	set_and_check(kb, b, b, "pair side B");
	wg_device_free(a);
	wg_device_free(b);
	wg_kernel_close(ka);
	wg_kernel_close(kb);
	sodium_memzero(priv_a, sizeof(priv_a));
	sodium_memzero(priv_b, sizeof(priv_b));
	sodium_memzero(psk, sizeof(psk));
	return tap_done();
}

/* ---- ops ------------------------------------------------------------------- */

static int
cmd_ops(char **argv)
{
	const char *ifname = argv[1];
	uint8_t keys[6][WG_KEY_LEN], priv[WG_KEY_LEN];
	struct wg_kernel *k;
	struct wg_device *want, *req, *got = NULL;
	struct wg_peer *p, *big;
	unsigned i, n = 0;
	int rc;

	k = open_in(argv[0]);
	is_int(wg_kernel_available(), 1, "wg_kernel_available() in a kernel with WireGuard");
	for (i = 0; i < 6; i++)
		random_pubkey(keys[i]);
	wg_key_generate_private(priv);

	/* Errors come back as the kernel's -errno. */
	rc = wg_kernel_get(k, "nonexist0", &got);
	is_int(rc, -ENODEV, "get of a missing interface is -ENODEV");
	rc = wg_kernel_get(k, "lo", &got);
	is_int(rc, -EOPNOTSUPP, "get of a non-WireGuard interface is -EOPNOTSUPP");
	req = wg_device_new("lo");
	req->flags = WGDEV_HAS_LISTEN_PORT;
	is_int(wg_kernel_set(k, req), -EOPNOTSUPP,
	       "set of a non-WireGuard interface is -EOPNOTSUPP");
	wg_device_free(req);

	/* The base state; want tracks what the kernel should hold. */
	want = wg_device_new(ifname);
	want->flags =
	    WGDEV_REPLACE_PEERS | WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT | WGDEV_HAS_FWMARK;
	memcpy(want->private_key, priv, WG_KEY_LEN);
	want->listen_port = 51900;
	want->fwmark = 0x1234;
	p = add_peer(want, keys[1],
	             WGPEER_HAS_PRESHARED_KEY | WGPEER_HAS_ENDPOINT | WGPEER_HAS_KEEPALIVE);
	wg_key_generate_private(p->preshared_key);
	endpoint_parse(&p->endpoint, "198.51.100.77:1234");
	p->keepalive_s = 15;
	add_aip(p, "10.10.1.0/24");
	add_aip(p, "10.10.2.1/32");
	p = add_peer(want, keys[2], WGPEER_HAS_ENDPOINT);
	endpoint_parse(&p->endpoint, "[2001:db8::5]:5000");
	add_aip(p, "fd10::/64");
	p = add_peer(want, keys[3], 0);
	add_aip(p, "10.10.3.3/32");
	set_and_check(k, want, want, "base: keys, port, fwmark, 3 peers");

	/* Append: allowed IPs without REPLACE_ALLOWEDIPS add to the set. */
	req = wg_device_new(ifname);
	p = add_peer(req, keys[1], 0);
	add_aip(p, "10.10.4.0/24");
	add_aip(wg_device_find_peer(want, keys[1]), "10.10.4.0/24");
	set_and_check(k, req, want, "append an allowed IP");
	wg_device_free(req);

	/* Replace: REPLACE_ALLOWEDIPS drops the old set. */
	req = wg_device_new(ifname);
	p = add_peer(req, keys[1], WGPEER_REPLACE_ALLOWEDIPS);
	add_aip(p, "10.10.5.5/32");
	p = wg_device_find_peer(want, keys[1]);
	clear_aips(p);
	add_aip(p, "10.10.5.5/32");
	set_and_check(k, req, want, "replace allowed IPs");
	wg_device_free(req);

	/* Remove a peer. */
	req = wg_device_new(ifname);
	add_peer(req, keys[2], WGPEER_REMOVE_ME);
	drop_peer(want, keys[2]);
	set_and_check(k, req, want, "remove a peer");
	wg_device_free(req);

	/* update_only: changes an existing peer, never creates one. */
	req = wg_device_new(ifname);
	p = add_peer(req, keys[4], WGPEER_UPDATE_ONLY);
	add_aip(p, "10.10.9.9/32");
	p = add_peer(req, keys[3], WGPEER_UPDATE_ONLY | WGPEER_HAS_KEEPALIVE);
	p->keepalive_s = 33;
	add_aip(p, "10.10.3.4/32");
	p = wg_device_find_peer(want, keys[3]);
	p->keepalive_s = 33;
	add_aip(p, "10.10.3.4/32");
	set_and_check(k, req, want, "update_only: existing peer updated, missing one not created");
	wg_device_free(req);

	/* Device fields alone; fwmark 0 clears it; peers and key stay. */
	req = wg_device_new(ifname);
	req->flags = WGDEV_HAS_LISTEN_PORT | WGDEV_HAS_FWMARK;
	req->listen_port = 51901;
	req->fwmark = 0;
	want->listen_port = 51901;
	want->fwmark = 0;
	set_and_check(k, req, want, "device fields alone");
	wg_device_free(req);

	/* REPLACE_PEERS: only the listed peers remain. */
	req = wg_device_new(ifname);
	req->flags = WGDEV_REPLACE_PEERS;
	p = add_peer(req, keys[5], 0);
	add_aip(p, "10.10.6.0/24");
	while (want->first_peer != NULL)
		drop_peer(want, want->first_peer->public_key);
	p = add_peer(want, keys[5], 0);
	add_aip(p, "10.10.6.0/24");
	set_and_check(k, req, want, "REPLACE_PEERS keeps only the listed peer");
	wg_device_free(req);

	/* REPLACE_ALLOWEDIPS with none clears them. */
	req = wg_device_new(ifname);
	add_peer(req, keys[5], WGPEER_REPLACE_ALLOWEDIPS);
	clear_aips(want->first_peer);
	set_and_check(k, req, want, "REPLACE_ALLOWEDIPS with none clears them");
	wg_device_free(req);
	wg_device_free(want);

	/* The split paths: 300 peers, the first with 2000 allowed IPs. */
	want = wg_device_new(ifname);
	want->flags = WGDEV_REPLACE_PEERS | WGDEV_HAS_PRIVATE_KEY;
	memcpy(want->private_key, priv, WG_KEY_LEN);
	for (i = 0; i < BIG_PEERS; i++) {
		uint8_t key[WG_KEY_LEN];
		unsigned j, m = i == 0 ? BIG_FIRST_AIPS : 1;

		random_pubkey(key);
		p = add_peer(want, key, WGPEER_HAS_KEEPALIVE | WGPEER_HAS_ENDPOINT);
		p->keepalive_s = (uint16_t)(i % 100);
		endpoint_parse(&p->endpoint, i % 2 ? "[2001:db8::9]:7000" : "198.51.100.9:7000");
		if (i % 3 == 0) {
			p->flags |= WGPEER_HAS_PRESHARED_KEY;
			wg_key_generate_private(p->preshared_key);
		}
		for (j = 0; j < m; j++) {
			struct ipprefix px = nth_prefix(n++);

			wg_peer_add_allowedip(p, &px);
		}
	}
	set_and_check(k, want, want, "300 peers, one with 2000 allowed IPs (split set and dump)");

	/* Replacing 2000 by 2000 others over several chunks keeps only the new ones. */
	big = want->first_peer;
	req = wg_device_new(ifname);
	p = add_peer(req, big->public_key, WGPEER_REPLACE_ALLOWEDIPS);
	clear_aips(big);
	for (i = 0; i < BIG_FIRST_AIPS; i++) {
		struct ipprefix px = nth_prefix(n++);

		wg_peer_add_allowedip(p, &px);
		wg_peer_add_allowedip(big, &px);
	}
	set_and_check(k, req, want, "REPLACE_ALLOWEDIPS of 2000 over several chunks");
	wg_device_free(req);

	/* update_only split over chunks: the continuation must not create the peer. */
	req = wg_device_new(ifname);
	random_pubkey(keys[0]);
	p = add_peer(req, keys[0], WGPEER_UPDATE_ONLY);
	for (i = 0; i < 1500; i++) {
		struct ipprefix px = nth_prefix(n++);

		wg_peer_add_allowedip(p, &px);
	}
	set_and_check(k, req, want, "update_only over several chunks creates nothing");
	wg_device_free(req);
	wg_device_free(want);

	wg_kernel_close(k);
	sodium_memzero(priv, sizeof(priv));
	return tap_done();
}

/* ---- dump ------------------------------------------------------------------ */

static int
cmd_dump(char **argv)
{
	struct wg_kernel *k = NULL;
	struct wg_device *dev = NULL;
	const struct wg_peer *p;
	const struct wg_allowedip *aip;
	char b[WG_KEY_B64_LEN], e[ENDPOINT_STRLEN];
	int rc;

	rc = enter_netns(argv[0]);
	if (rc == 0)
		rc = wg_kernel_open(&k);
	if (rc == 0) {
		rc = wg_kernel_get(k, argv[1], &dev);
		wg_kernel_close(k);
	}
	if (rc < 0 || dev == NULL) {
		fprintf(stderr, "wg_kernel_test dump: %s\n", wg_kernel_strerror(rc < 0 ? rc : -ENODATA));
		return 1;
	}
	wg_key_to_base64(b, dev->private_key);
	printf("%s\t", (dev->flags & WGDEV_HAS_PRIVATE_KEY) ? b : "(none)");
	wg_key_to_base64(b, dev->public_key);
	printf("%s\t%u\t", (dev->flags & WGDEV_HAS_PUBLIC_KEY) ? b : "(none)", dev->listen_port);
	if (dev->fwmark != 0)
		printf("0x%x\n", dev->fwmark);
	else
		printf("off\n");
	for (p = dev->first_peer; p != NULL; p = p->next) {
		wg_key_to_base64(b, p->public_key);
		printf("%s\t", b);
		wg_key_to_base64(b, p->preshared_key);
		printf("%s\t", (p->flags & WGPEER_HAS_PRESHARED_KEY) ? b : "(none)");
		printf("%s\t", (p->flags & WGPEER_HAS_ENDPOINT)
		                   ? endpoint_fmt(&p->endpoint, e, sizeof(e))
		                   : "(none)");
		if (p->first_allowedip == NULL)
			printf("(none)");
		for (aip = p->first_allowedip; aip != NULL; aip = aip->next)
			printf("%s%s", ipprefix_fmt(&aip->prefix, e, sizeof(e)),
			       aip->next != NULL ? "," : "");
		printf("\t%lld\t%llu\t%llu\t", (long long)p->last_handshake.tv_sec,
		       (unsigned long long)p->rx_bytes, (unsigned long long)p->tx_bytes);
		if (p->keepalive_s != 0)
			printf("%u\n", p->keepalive_s);
		else
			printf("off\n");
	}
	wg_device_free(dev);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* ---- create / delete ------------------------------------------------------- */

/* An rtnetlink request socket opened inside ns; exits on failure. */
static struct rtnl *
rtnl_in(const char *ns)
{
	struct rtnl *r = NULL;
	int rc = enter_netns(ns);

	if (rc == 0)
		rc = rtnl_open(&r);
	if (!ok(rc == 0, "open an rtnetlink socket in netns %s", ns)) {
		diag("%s", strerror(-rc));
		exit(tap_done());
	}
	return r;
}

static int
cmd_create(const char *ns, char **names, int n)
{
	struct rtnl *r = rtnl_in(ns);
	struct rtnl_link l;
	int i, rc;

	for (i = 0; i < n; i++) {
		rc = rtnl_link_add(r, names[i], "wireguard");
		is_int(rc, 0, "rtnl_link_add %s kind wireguard in netns %s", names[i], ns);
		memset(&l, 0, sizeof(l));
		rc = rtnl_link_get(r, 0, names[i], &l);
		if (!ok(rc == 0 && strcmp(l.kind, "wireguard") == 0 && !(l.flags & IFF_UP) &&
		            l.ifindex > 0,
		        "rtnl_link_get %s: kind wireguard, down", names[i]))
			diag("rc %d, kind \"%s\", flags 0x%x, ifindex %d", rc, l.kind, l.flags,
			     l.ifindex);
	}
	is_int(rtnl_link_add(r, names[0], "wireguard"), -EEXIST,
	       "rtnl_link_add of an existing name is -EEXIST (not idempotent)");
	is_int(rtnl_link_add(r, "wgnmnokind", "wgnm-no-such-kind"), -EOPNOTSUPP,
	       "rtnl_link_add of a kind the kernel lacks is -EOPNOTSUPP");
	rtnl_close(r);
	return tap_done();
}

static int
cmd_delete(const char *ns, char **names, int n)
{
	struct rtnl *r = rtnl_in(ns);
	int i, idx;

	for (i = 0; i < n; i++) {
		idx = rtnl_link_index(r, names[i]);
		if (!ok(idx > 0, "%s exists in netns %s (ifindex %d)", names[i], ns, idx))
			continue;
		is_int(rtnl_link_del(r, idx), 0, "rtnl_link_del %s", names[i]);
		is_int(rtnl_link_index(r, names[i]), -ENODEV, "%s is gone", names[i]);
		is_int(rtnl_link_del(r, idx), 1, "rtnl_link_del %s again: 1, already gone",
		       names[i]);
	}
	rtnl_close(r);
	return tap_done();
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 2;
	if (argc == 6 && strcmp(argv[1], "pair") == 0)
		return cmd_pair(argv + 2);
	if (argc == 4 && strcmp(argv[1], "ops") == 0)
		return cmd_ops(argv + 2);
	if (argc == 4 && strcmp(argv[1], "dump") == 0)
		return cmd_dump(argv + 2);
	if (argc >= 4 && strcmp(argv[1], "create") == 0)
		return cmd_create(argv[2], argv + 3, argc - 3);
	if (argc >= 4 && strcmp(argv[1], "delete") == 0)
		return cmd_delete(argv[2], argv + 3, argc - 3);
	fprintf(stderr, "usage: wg_kernel_test pair NSA IFA NSB IFB | ops NS IF | dump NS IF |\n"
	                "       create NS IF... | delete NS IF...\n");
	return 2;
}
