/*
 * wgspec: test notation for WireGuard requests and states, and the semantic
 * table every backend must pass (see wgspec.h).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/wgspec.h"

void
wgspec_keypair(char letter, uint8_t priv[WG_KEY_LEN], uint8_t pub[WG_KEY_LEN])
{
	memset(priv, letter, WG_KEY_LEN);
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
	wg_key_public_from_private(pub, priv);
}

/* K: letter, "0" or base64. want_priv selects the letter's private key. */
static int
parse_key(uint8_t key[WG_KEY_LEN], const char *s, int want_priv)
{
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];

	if (s[0] >= 'A' && s[0] <= 'Z' && s[1] == '\0') {
		wgspec_keypair(s[0], priv, pub);
		memcpy(key, want_priv ? priv : pub, WG_KEY_LEN);
		return 0;
	}
	if (strcmp(s, "0") == 0) {
		memset(key, 0, WG_KEY_LEN);
		return 0;
	}
	return wg_key_from_base64(key, s);
}

static int
parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return (errno || end == s || *end != '\0' || *out > max) ? -EINVAL : 0;
}

static int
apply_token(struct wg_device *dev, struct wg_peer **peerp, const char *tok)
{
	const char *eq = strchr(tok, '=');
	const char *v = eq ? eq + 1 : "";
	size_t klen = eq ? (size_t)(eq - tok) : strlen(tok);
	struct wg_peer *peer = *peerp;
	uint8_t key[WG_KEY_LEN];
	struct ipprefix prefix;
	unsigned long n;

#define K(name) (klen == strlen(name) && strncmp(tok, name, klen) == 0)
	if (K("priv")) {
		if (peer || parse_key(dev->private_key, v, 1) < 0)
			return -EINVAL;
		dev->flags |= WGDEV_HAS_PRIVATE_KEY;
	} else if (K("port")) {
		if (peer || parse_num(v, 65535, &n) < 0)
			return -EINVAL;
		dev->listen_port = (uint16_t)n;
		dev->flags |= WGDEV_HAS_LISTEN_PORT;
	} else if (K("fwmark")) {
		if (peer || parse_num(v, 0xffffffffUL, &n) < 0)
			return -EINVAL;
		dev->fwmark = (uint32_t)n;
		dev->flags |= WGDEV_HAS_FWMARK;
	} else if (K("replace_peers")) {
		if (peer)
			return -EINVAL;
		dev->flags |= WGDEV_REPLACE_PEERS;
	} else if (K("peer")) {
		if (parse_key(key, v, 0) < 0 || (*peerp = wg_device_add_peer(dev, key)) == NULL)
			return -EINVAL;
	} else if (peer == NULL) {
		return -EINVAL;
	} else if (K("remove")) {
		peer->flags |= WGPEER_REMOVE_ME;
	} else if (K("update_only")) {
		peer->flags |= WGPEER_UPDATE_ONLY;
	} else if (K("replace_ips")) {
		peer->flags |= WGPEER_REPLACE_ALLOWEDIPS;
	} else if (K("psk")) {
		if (parse_key(peer->preshared_key, v, 1) < 0)
			return -EINVAL;
		peer->flags |= WGPEER_HAS_PRESHARED_KEY;
	} else if (K("ep")) {
		if (endpoint_parse(&peer->endpoint, v) < 0)
			return -EINVAL;
		peer->flags |= WGPEER_HAS_ENDPOINT;
	} else if (K("ka")) {
		if (parse_num(v, 65535, &n) < 0)
			return -EINVAL;
		peer->keepalive_s = (uint16_t)n;
		peer->flags |= WGPEER_HAS_KEEPALIVE;
	} else if (K("ip")) {
		if (ipprefix_parse(&prefix, v, true) < 0 || !wg_peer_add_allowedip(peer, &prefix))
			return -EINVAL;
	} else {
		return -EINVAL;
	}
#undef K
	return 0;
}

int
wgspec_parse(const char *ifname, const char *spec, struct wg_device **out)
{
	struct wg_device *dev = wg_device_new(ifname);
	struct wg_peer *peer = NULL;
	char *copy, *tok, *save = NULL;
	int rc = 0;

	*out = NULL;
	copy = strdup(spec);
	if (dev == NULL || copy == NULL) {
		free(copy);
		wg_device_free(dev);
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save))
		if ((rc = apply_token(dev, &peer, tok)) < 0)
			break;
	free(copy);
	if (rc < 0) {
		wg_device_free(dev);
		return rc;
	}
	*out = dev;
	return 0;
}

/* A key's name: its letter when it is a test key, else base64. */
static void
key_name(char out[WG_KEY_B64_LEN], const uint8_t key[WG_KEY_LEN], int is_priv)
{
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	char c;

	for (c = 'A'; c <= 'Z'; c++) {
		wgspec_keypair(c, priv, pub);
		if (memcmp(is_priv ? priv : pub, key, WG_KEY_LEN) == 0) {
			out[0] = c;
			out[1] = '\0';
			return;
		}
	}
	wg_key_to_base64(out, key);
}

static int
prefix_cmp(const void *a, const void *b)
{
	const struct ipprefix *x = *(const struct ipprefix *const *)a;
	const struct ipprefix *y = *(const struct ipprefix *const *)b;
	int c = ipaddr_cmp(&x->addr, &y->addr);

	return c ? c : (int)x->len - (int)y->len;
}

static int
peer_cmp(const void *a, const void *b)
{
	const struct wg_peer *x = *(const struct wg_peer *const *)a;
	const struct wg_peer *y = *(const struct wg_peer *const *)b;
	char nx[WG_KEY_B64_LEN], ny[WG_KEY_B64_LEN];

	key_name(nx, x->public_key, 0);
	key_name(ny, y->public_key, 0);
	return strcmp(nx, ny);
}

static void cat(char *buf, size_t len, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
cat(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n;
}

char *
wgspec_format(const struct wg_device *dev, char *buf, size_t len)
{
	size_t np = wg_device_peer_count(dev), i, j, pos = 0;
	const struct wg_peer **peers = calloc(np + 1, sizeof(*peers));
	const struct wg_peer *peer;
	char name[WG_KEY_B64_LEN], s[ENDPOINT_STRLEN];

	buf[0] = '\0';
	if (peers == NULL)
		return buf;
	if (dev->flags & WGDEV_HAS_PRIVATE_KEY)
		key_name(name, dev->private_key, 1);
	else
		strcpy(name, "-");
	cat(buf, len, &pos, "priv=%s port=%u fwmark=%u", name,
	    (dev->flags & WGDEV_HAS_LISTEN_PORT) ? dev->listen_port : 0,
	    (dev->flags & WGDEV_HAS_FWMARK) ? (unsigned)dev->fwmark : 0);
	for (i = 0, peer = dev->first_peer; peer != NULL; peer = peer->next)
		peers[i++] = peer;
	qsort(peers, np, sizeof(*peers), peer_cmp);
	for (i = 0; i < np; i++) {
		size_t na = wg_peer_allowedip_count(peers[i]);
		const struct ipprefix **ips = calloc(na + 1, sizeof(*ips));
		const struct wg_allowedip *aip;

		peer = peers[i];
		key_name(name, peer->public_key, 0);
		cat(buf, len, &pos, " | %s", name);
		if (peer->flags & WGPEER_HAS_PRESHARED_KEY)
			key_name(name, peer->preshared_key, 1);
		else
			strcpy(name, "-");
		cat(buf, len, &pos, " psk=%s ep=%s ka=%u ips=", name,
		    (peer->flags & WGPEER_HAS_ENDPOINT)
		        ? endpoint_fmt(&peer->endpoint, s, sizeof(s))
		        : "-",
		    (peer->flags & WGPEER_HAS_KEEPALIVE) ? peer->keepalive_s : 0);
		if (ips == NULL)
			break;
		for (j = 0, aip = peer->first_allowedip; aip != NULL; aip = aip->next)
			ips[j++] = &aip->prefix;
		qsort(ips, na, sizeof(*ips), prefix_cmp);
		for (j = 0; j < na; j++)
			cat(buf, len, &pos, "%s%s", j ? "," : "",
			    ipprefix_fmt(ips[j], s, sizeof(s)));
		if (na == 0)
			cat(buf, len, &pos, "-");
		free(ips);
	}
	free(peers);
	return buf;
}

#define HDR "priv=A port=51001 fwmark=0"
#define B1  " | B psk=- ep=198.51.100.7:51002 ka=0 ips="
#define C1  " | C psk=D ep=[2001:db8::3]:51003 ka=25 ips="

const struct wgsem_step wgsem_table[] = {
    {"reset: private key, port, no peers", "priv=A port=51001 replace_peers", 0, HDR},
    {"add a peer with endpoint and allowed IP", "peer=B ep=198.51.100.7:51002 ip=10.0.0.2/32", 0,
     HDR B1 "10.0.0.2/32"},
    {"allowed IPs are appended by default", "peer=B ip=10.0.1.0/24 ip=fd00::2/128", 0,
     HDR B1 "10.0.0.2/32,10.0.1.0/24,fd00::2/128"},
    {"the same allowed IP twice is kept once", "peer=B ip=10.0.1.0/24", 0,
     HDR B1 "10.0.0.2/32,10.0.1.0/24,fd00::2/128"},
    {"replace_allowed_ips replaces the set", "peer=B replace_ips ip=10.0.2.0/24", 0,
     HDR B1 "10.0.2.0/24"},
    {"host bits of an allowed IP are masked", "peer=B ip=10.0.3.7/24", 0,
     HDR B1 "10.0.2.0/24,10.0.3.0/24"},
    {"a second peer with psk, IPv6 endpoint, keepalive",
     "peer=C psk=D ep=[2001:db8::3]:51003 ka=25 ip=10.0.0.3/32", 0,
     HDR B1 "10.0.2.0/24,10.0.3.0/24" C1 "10.0.0.3/32"},
    {"an allowed IP moves to the peer that last claimed it", "peer=C ip=10.0.2.0/24", 0,
     HDR B1 "10.0.3.0/24" C1 "10.0.0.3/32,10.0.2.0/24"},
    {"update_only on a missing peer changes nothing", "peer=E update_only ip=10.0.0.5/32", 0,
     HDR B1 "10.0.3.0/24" C1 "10.0.0.3/32,10.0.2.0/24"},
    {"update_only on an existing peer updates it", "peer=C update_only ka=0 psk=0", 0,
     HDR B1 "10.0.3.0/24"
            " | C psk=- ep=[2001:db8::3]:51003 ka=0 ips=10.0.0.3/32,10.0.2.0/24"},
    {"endpoint and keepalive are overwritten", "peer=C ep=198.51.100.9:4000 ka=10", 0,
     HDR B1 "10.0.3.0/24"
            " | C psk=- ep=198.51.100.9:4000 ka=10 ips=10.0.0.3/32,10.0.2.0/24"},
    {"remove a peer", "peer=B remove", 0,
     HDR " | C psk=- ep=198.51.100.9:4000 ka=10 ips=10.0.0.3/32,10.0.2.0/24"},
    {"removing a missing peer is a no-op", "peer=F remove", 0,
     HDR " | C psk=- ep=198.51.100.9:4000 ka=10 ips=10.0.0.3/32,10.0.2.0/24"},
    {"the device's own public key is not added as a peer", "peer=A ip=10.0.0.1/32", 0,
     HDR " | C psk=- ep=198.51.100.9:4000 ka=10 ips=10.0.0.3/32,10.0.2.0/24"},
    {"replace_peers drops listed peers' old state too", "replace_peers peer=C ka=5 peer=G", 0,
     HDR " | C psk=- ep=- ka=5 ips=- | G psk=- ep=- ka=0 ips=-"},
    {"a new private key removes the peer with its public key", "priv=G", 0,
     "priv=G port=51001 fwmark=0 | C psk=- ep=- ka=5 ips=-"},
    {"port and fwmark change", "port=51005 fwmark=7", 0,
     "priv=G port=51005 fwmark=7 | C psk=- ep=- ka=5 ips=-"},
    {"an all-zero private key clears it", "priv=0 replace_peers", 0, "priv=- port=51005 fwmark=7"},
};
const size_t wgsem_table_len = sizeof(wgsem_table) / sizeof(wgsem_table[0]);

size_t
wgsem_run(const struct wg_backend_ops *ops, void *ctx, const char *ifname,
          void (*report)(void *arg, size_t i, int pass, int rc, const char *got), void *arg)
{
	char got[4096];
	size_t i, failed = 0;

	for (i = 0; i < wgsem_table_len; i++) {
		const struct wgsem_step *st = &wgsem_table[i];
		struct wg_device *req = NULL, *now = NULL;
		int rc, pass;

		got[0] = '\0';
		rc = wgspec_parse(ifname, st->set, &req);
		if (rc == 0)
			rc = ops->set(ctx, req);
		pass = rc == st->rc;
		if (ops->get(ctx, ifname, &now) == 0) {
			wgspec_format(now, got, sizeof(got));
			pass = pass && strcmp(got, st->want) == 0;
		} else {
			pass = 0;
		}
		wg_device_free(req);
		wg_device_free(now);
		if (!pass)
			failed++;
		report(arg, i, pass, rc, got);
	}
	return failed;
}
