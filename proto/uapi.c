/*
 * uapi: encoder and decoder of the WireGuard UAPI text format (see uapi.h for
 * the grammar and the error rules).
 *
 * The decoder walks the buffer line by line with memchr() and never looks
 * past len. A value is copied into a bounded, NUL-terminated scratch buffer
 * only to hand it to the ipaddr parsers; scratch copies of keys are wiped.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/uapi.h"

void
uapi_buf_free(struct uapi_buf *buf)
{
	if (buf->data != NULL) {
		sodium_memzero(buf->data, buf->cap);
		free(buf->data);
	}
	buf->data = NULL;
	buf->len = buf->cap = 0;
}

int
uapi_buf_reserve(struct uapi_buf *buf, size_t extra)
{
	size_t cap;
	char *p;

	if (buf->len + extra <= buf->cap)
		return 0;
	if (extra > SIZE_MAX / 2 - buf->len)
		return -ENOMEM;
	cap = buf->cap ? buf->cap : 256;
	while (cap < buf->len + extra)
		cap *= 2;
	p = malloc(cap);
	if (p == NULL)
		return -ENOMEM;
	if (buf->data != NULL) {
		memcpy(p, buf->data, buf->len);
		sodium_memzero(buf->data, buf->cap);
		free(buf->data);
	}
	buf->data = p;
	buf->cap = cap;
	return 0;
}

static int __attribute__((format(printf, 2, 3)))
buf_printf(struct uapi_buf *buf, const char *fmt, ...)
{
	char line[UAPI_LINE_MAX + 2];
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		rc = -EINVAL;
		goto out;
	}
	rc = uapi_buf_reserve(buf, (size_t)n);
	if (rc < 0)
		goto out;
	memcpy(buf->data + buf->len, line, (size_t)n);
	buf->len += (size_t)n;
out:
	sodium_memzero(line, sizeof(line));
	return rc;
}

static int
put_key(struct uapi_buf *buf, const char *name, const uint8_t key[WG_KEY_LEN])
{
	char hex[2 * WG_KEY_LEN + 1];
	int rc;

	wg_key_to_hex(hex, key);
	rc = buf_printf(buf, "%s=%s\n", name, hex);
	sodium_memzero(hex, sizeof(hex));
	return rc;
}

static int
put_endpoint(struct uapi_buf *buf, const struct endpoint *ep)
{
	char s[ENDPOINT_STRLEN];

	if ((ep->addr.family != AF_INET && ep->addr.family != AF_INET6) || ep->port == 0)
		return -EINVAL;
	if (endpoint_fmt(ep, s, sizeof(s)) == NULL)
		return -EINVAL;
	return buf_printf(buf, "endpoint=%s\n", s);
}

static int
put_allowedips(struct uapi_buf *buf, const struct wg_peer *peer)
{
	const struct wg_allowedip *aip;
	char s[IPPREFIX_STRLEN];
	int rc;

	for (aip = peer->first_allowedip; aip != NULL; aip = aip->next) {
		const struct ipprefix *p = &aip->prefix;

		if ((p->addr.family != AF_INET && p->addr.family != AF_INET6) ||
		    p->len > ipaddr_bits(&p->addr))
			return -EINVAL;
		if (ipprefix_fmt(p, s, sizeof(s)) == NULL)
			return -EINVAL;
		rc = buf_printf(buf, "allowed_ip=%s\n", s);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
encode_set(const struct wg_device *dev, struct uapi_buf *out)
{
	const struct wg_peer *peer;
	int rc;

	if ((rc = buf_printf(out, "set=1\n")) < 0)
		return rc;
	if ((dev->flags & WGDEV_HAS_PRIVATE_KEY) &&
	    (rc = put_key(out, "private_key", dev->private_key)) < 0)
		return rc;
	if ((dev->flags & WGDEV_HAS_LISTEN_PORT) &&
	    (rc = buf_printf(out, "listen_port=%u\n", (unsigned)dev->listen_port)) < 0)
		return rc;
	if ((dev->flags & WGDEV_HAS_FWMARK) &&
	    (rc = buf_printf(out, "fwmark=%" PRIu32 "\n", dev->fwmark)) < 0)
		return rc;
	if ((dev->flags & WGDEV_REPLACE_PEERS) &&
	    (rc = buf_printf(out, "replace_peers=true\n")) < 0)
		return rc;

	for (peer = dev->first_peer; peer != NULL; peer = peer->next) {
		if (!(peer->flags & WGPEER_HAS_PUBLIC_KEY))
			return -EINVAL;
		if ((rc = put_key(out, "public_key", peer->public_key)) < 0)
			return rc;
		if (peer->flags & WGPEER_REMOVE_ME) {
			if ((rc = buf_printf(out, "remove=true\n")) < 0)
				return rc;
			continue;
		}
		if ((peer->flags & WGPEER_UPDATE_ONLY) &&
		    (rc = buf_printf(out, "update_only=true\n")) < 0)
			return rc;
		if ((peer->flags & WGPEER_HAS_PRESHARED_KEY) &&
		    (rc = put_key(out, "preshared_key", peer->preshared_key)) < 0)
			return rc;
		if ((peer->flags & WGPEER_HAS_ENDPOINT) &&
		    (rc = put_endpoint(out, &peer->endpoint)) < 0)
			return rc;
		if ((peer->flags & WGPEER_HAS_KEEPALIVE) &&
		    (rc = buf_printf(out, "persistent_keepalive_interval=%u\n",
		                     (unsigned)peer->keepalive_s)) < 0)
			return rc;
		if ((peer->flags & WGPEER_REPLACE_ALLOWEDIPS) &&
		    (rc = buf_printf(out, "replace_allowed_ips=true\n")) < 0)
			return rc;
		if ((rc = put_allowedips(out, peer)) < 0)
			return rc;
	}
	return buf_printf(out, "\n");
}

static int
encode_reply(const struct wg_device *dev, int err, struct uapi_buf *out)
{
	const struct wg_peer *peer;
	int rc;

	if (err < 0)
		return buf_printf(out, "errno=%d\n\n", err);
	if ((dev->flags & WGDEV_HAS_PRIVATE_KEY) &&
	    (rc = put_key(out, "private_key", dev->private_key)) < 0)
		return rc;
	if ((dev->flags & WGDEV_HAS_LISTEN_PORT) &&
	    (rc = buf_printf(out, "listen_port=%u\n", (unsigned)dev->listen_port)) < 0)
		return rc;
	if ((dev->flags & WGDEV_HAS_FWMARK) &&
	    (rc = buf_printf(out, "fwmark=%" PRIu32 "\n", dev->fwmark)) < 0)
		return rc;
	for (peer = dev->first_peer; peer != NULL; peer = peer->next) {
		if ((rc = put_key(out, "public_key", peer->public_key)) < 0)
			return rc;
		if ((peer->flags & WGPEER_HAS_PRESHARED_KEY) &&
		    (rc = put_key(out, "preshared_key", peer->preshared_key)) < 0)
			return rc;
		if ((rc = buf_printf(out, "protocol_version=1\n")) < 0)
			return rc;
		if ((peer->flags & WGPEER_HAS_ENDPOINT) &&
		    (rc = put_endpoint(out, &peer->endpoint)) < 0)
			return rc;
		if (peer->last_handshake.tv_sec < 0 || peer->last_handshake.tv_nsec < 0 ||
		    peer->last_handshake.tv_nsec >= 1000000000L)
			return -EINVAL;
		if ((rc = buf_printf(out,
		                     "last_handshake_time_sec=%lld\n"
		                     "last_handshake_time_nsec=%ld\n"
		                     "tx_bytes=%" PRIu64 "\nrx_bytes=%" PRIu64 "\n",
		                     (long long)peer->last_handshake.tv_sec,
		                     (long)peer->last_handshake.tv_nsec, peer->tx_bytes,
		                     peer->rx_bytes)) < 0)
			return rc;
		if ((peer->flags & WGPEER_HAS_KEEPALIVE) &&
		    (rc = buf_printf(out, "persistent_keepalive_interval=%u\n",
		                     (unsigned)peer->keepalive_s)) < 0)
			return rc;
		if ((rc = put_allowedips(out, peer)) < 0)
			return rc;
	}
	return buf_printf(out, "errno=0\n\n");
}

/* Run an encoder; on failure roll back (and wipe) what it appended. */
static int
encode_rollback(struct uapi_buf *out, size_t start, int rc)
{
	if (rc < 0 && out->data != NULL) {
		sodium_memzero(out->data + start, out->len - start);
		out->len = start;
	}
	return rc;
}

int
uapi_encode_set(const struct wg_device *dev, struct uapi_buf *out)
{
	size_t start = out->len;

	return encode_rollback(out, start, encode_set(dev, out));
}

int
uapi_encode_reply(const struct wg_device *dev, int err, struct uapi_buf *out)
{
	size_t start = out->len;

	if (err > 0 || (err == 0 && dev == NULL))
		return -EINVAL;
	return encode_rollback(out, start, encode_reply(dev, err, out));
}

/* ---- decoding ------------------------------------------------------------ */

size_t
uapi_reply_complete(const char *buf, size_t len)
{
	size_t pos = 0;

	/* The reply ends at the first empty line: a '\n' at the start of a line. */
	while (pos < len) {
		const char *nl;

		if (buf[pos] == '\n')
			return pos + 1;
		nl = memchr(buf + pos, '\n', len - pos);
		if (nl == NULL)
			return 0;
		pos = (size_t)(nl - buf) + 1;
	}
	return 0;
}

struct line {
	const char *key, *val;
	size_t klen, vlen;
};

/*
 * Take the next line at *pos. Returns 1 for a key=value line, 0 for the
 * empty line, -EPROTO for a missing newline (truncated), an overlong line,
 * a NUL byte, a missing '=' or a malformed key.
 */
static int
next_line(const char *buf, size_t len, size_t *pos, struct line *l)
{
	const char *start = buf + *pos, *nl, *eq;
	size_t n, i;

	if (*pos >= len)
		return -EPROTO;
	nl = memchr(start, '\n', len - *pos);
	if (nl == NULL)
		return -EPROTO;
	n = (size_t)(nl - start);
	*pos += n + 1;
	if (n == 0)
		return 0;
	if (n > UAPI_LINE_MAX || memchr(start, '\0', n) != NULL)
		return -EPROTO;
	eq = memchr(start, '=', n);
	if (eq == NULL || eq == start)
		return -EPROTO;
	l->key = start;
	l->klen = (size_t)(eq - start);
	l->val = eq + 1;
	l->vlen = n - l->klen - 1;
	for (i = 0; i < l->klen; i++) {
		char c = l->key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return -EPROTO;
	}
	return 1;
}

static int
key_is(const struct line *l, const char *name)
{
	size_t n = strlen(name);

	return l->klen == n && memcmp(l->key, name, n) == 0;
}

/* Unsigned decimal, 1..20 digits, no sign or blanks, at most max. */
static int
parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "errno=N", N optionally negative; returns 0 or -|N|, or -EPROTO if malformed. */
static int
parse_errno(const struct line *l)
{
	const char *s = l->val;
	size_t n = l->vlen;
	uint64_t v;

	if (n > 0 && s[0] == '-') {
		s++;
		n--;
	}
	if (parse_u64(s, n, UAPI_ERRNO_MAX, &v) < 0)
		return -EPROTO;
	return -(int)v;
}

/* Copy a value into a NUL-terminated scratch buffer (for the ipaddr parsers). */
static int
value_str(const struct line *l, char *dst, size_t dstlen)
{
	if (l->vlen >= dstlen)
		return -EINVAL;
	memcpy(dst, l->val, l->vlen);
	dst[l->vlen] = '\0';
	return 0;
}

static int
parse_endpoint(const struct line *l, struct endpoint *ep)
{
	char s[ENDPOINT_STRLEN + 1];
	char *pct, *rb;

	if (value_str(l, s, sizeof(s)) < 0)
		return -EINVAL;
	/* "[fe80::1%eth0]:51820": the model has no scope id, drop the zone. */
	if (s[0] == '[' && (pct = strchr(s, '%')) != NULL) {
		rb = strchr(pct, ']');
		if (rb == NULL || rb == pct + 1)
			return -EINVAL;
		memmove(pct, rb, strlen(rb) + 1);
	}
	return endpoint_parse(ep, s);
}

static int
parse_prefix(const struct line *l, struct ipprefix *p)
{
	char s[IPPREFIX_STRLEN + 1];

	if (value_str(l, s, sizeof(s)) < 0)
		return -EINVAL;
	if (ipprefix_parse(p, s, true) < 0)
		return -EINVAL;
	ipprefix_mask(p);
	return 0;
}

static int
parse_key(const struct line *l, uint8_t key[WG_KEY_LEN])
{
	return wg_key_from_hex(key, l->val, l->vlen) < 0 ? -EINVAL : 0;
}

/* One device-level line. Returns 0 (handled or unknown), 1 (not a device key) or -errno. */
static int
decode_device_line(struct wg_device *dev, const struct line *l)
{
	uint64_t v;

	if (key_is(l, "private_key")) {
		if (parse_key(l, dev->private_key) < 0)
			return -EINVAL;
		if (wg_key_is_zero(dev->private_key)) {
			dev->flags &= ~(uint32_t)(WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_PUBLIC_KEY);
			return 0;
		}
		dev->flags |= WGDEV_HAS_PRIVATE_KEY;
		if (wg_key_public_from_private(dev->public_key, dev->private_key) == 0)
			dev->flags |= WGDEV_HAS_PUBLIC_KEY;
		return 0;
	}
	if (key_is(l, "listen_port")) {
		if (parse_u64(l->val, l->vlen, UINT16_MAX, &v) < 0)
			return -EINVAL;
		dev->listen_port = (uint16_t)v;
		dev->flags |= WGDEV_HAS_LISTEN_PORT;
		return 0;
	}
	if (key_is(l, "fwmark")) {
		if (parse_u64(l->val, l->vlen, UINT32_MAX, &v) < 0)
			return -EINVAL;
		dev->fwmark = (uint32_t)v;
		dev->flags |= WGDEV_HAS_FWMARK;
		return 0;
	}
	return 1;
}

/* One peer-level line. Returns 0 (handled), 1 (not a peer key) or -errno. */
static int
decode_peer_line(struct wg_peer *peer, const struct line *l)
{
	struct ipprefix prefix;
	uint64_t v;

	if (key_is(l, "preshared_key")) {
		if (parse_key(l, peer->preshared_key) < 0)
			return -EINVAL;
		if (wg_key_is_zero(peer->preshared_key))
			peer->flags &= ~(uint32_t)WGPEER_HAS_PRESHARED_KEY;
		else
			peer->flags |= WGPEER_HAS_PRESHARED_KEY;
		return 0;
	}
	if (key_is(l, "protocol_version")) {
		if (parse_u64(l->val, l->vlen, UINT32_MAX, &v) < 0)
			return -EINVAL;
		return v == 1 ? 0 : -EPROTO;
	}
	if (key_is(l, "endpoint")) {
		if (parse_endpoint(l, &peer->endpoint) < 0)
			return -EINVAL;
		peer->flags |= WGPEER_HAS_ENDPOINT;
		return 0;
	}
	if (key_is(l, "last_handshake_time_sec")) {
		if (parse_u64(l->val, l->vlen, INT64_MAX, &v) < 0)
			return -EINVAL;
		peer->last_handshake.tv_sec = (time_t)v;
		return 0;
	}
	if (key_is(l, "last_handshake_time_nsec")) {
		if (parse_u64(l->val, l->vlen, 999999999, &v) < 0)
			return -EINVAL;
		peer->last_handshake.tv_nsec = (long)v;
		return 0;
	}
	if (key_is(l, "rx_bytes")) {
		if (parse_u64(l->val, l->vlen, UINT64_MAX, &v) < 0)
			return -EINVAL;
		peer->rx_bytes = v;
		return 0;
	}
	if (key_is(l, "tx_bytes")) {
		if (parse_u64(l->val, l->vlen, UINT64_MAX, &v) < 0)
			return -EINVAL;
		peer->tx_bytes = v;
		return 0;
	}
	if (key_is(l, "persistent_keepalive_interval")) {
		if (parse_u64(l->val, l->vlen, UINT16_MAX, &v) < 0)
			return -EINVAL;
		peer->keepalive_s = (uint16_t)v;
		peer->flags |= WGPEER_HAS_KEEPALIVE;
		return 0;
	}
	if (key_is(l, "allowed_ip")) {
		if (parse_prefix(l, &prefix) < 0)
			return -EINVAL;
		return wg_peer_add_allowedip(peer, &prefix) == NULL ? -ENOMEM : 0;
	}
	return 1;
}

static int
is_peer_key(const struct line *l)
{
	static const char *const keys[] = {
	    "preshared_key",
	    "protocol_version",
	    "endpoint",
	    "last_handshake_time_sec",
	    "last_handshake_time_nsec",
	    "rx_bytes",
	    "tx_bytes",
	    "persistent_keepalive_interval",
	    "allowed_ip",
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (key_is(l, keys[i]))
			return 1;
	return 0;
}

/*
 * After the errno line only the terminating empty line may follow, and it
 * must be the last byte of the buffer.
 */
static int
expect_end(const char *buf, size_t len, size_t pos)
{
	return (pos < len && buf[pos] == '\n' && pos + 1 == len) ? 0 : -EPROTO;
}

static int
decode_get(const char *buf, size_t len, struct wg_device *dev)
{
	struct wg_peer *peer = NULL;
	uint8_t pub[WG_KEY_LEN];
	struct line l;
	size_t pos = 0;
	int rc;

	for (;;) {
		rc = next_line(buf, len, &pos, &l);
		if (rc < 0)
			return rc;
		if (rc == 0) /* empty line before errno */
			return -EPROTO;
		if (key_is(&l, "errno")) {
			rc = parse_errno(&l);
			if (rc == -EPROTO || expect_end(buf, len, pos) < 0)
				return -EPROTO;
			return rc;
		}
		if (key_is(&l, "public_key")) {
			if (parse_key(&l, pub) < 0)
				return -EINVAL;
			peer = wg_device_add_peer(dev, pub);
			sodium_memzero(pub, sizeof(pub));
			if (peer == NULL)
				return -ENOMEM;
			continue;
		}
		if (peer == NULL) {
			rc = decode_device_line(dev, &l);
			if (rc <= 0) {
				if (rc < 0)
					return rc;
				continue;
			}
			/* A peer field before any public_key cannot be placed. */
			if (is_peer_key(&l))
				return -EPROTO;
			continue; /* unknown key */
		}
		rc = decode_peer_line(peer, &l);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			/* Device fields after the first peer are out of order. */
			if (key_is(&l, "private_key") || key_is(&l, "listen_port") ||
			    key_is(&l, "fwmark"))
				return -EPROTO;
		}
	}
}

int
uapi_decode_get(const char *buf, size_t len, const char *ifname, struct wg_device **out)
{
	struct wg_device *dev;
	int rc;

	*out = NULL;
	dev = wg_device_new(ifname);
	if (dev == NULL)
		return -ENOMEM;
	rc = decode_get(buf, len, dev);
	if (rc < 0) {
		wg_device_free(dev);
		return rc;
	}
	*out = dev;
	return 0;
}

int
uapi_decode_set(const char *buf, size_t len)
{
	struct line l;
	size_t pos = 0;
	int rc;

	for (;;) {
		rc = next_line(buf, len, &pos, &l);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return -EPROTO;
		if (key_is(&l, "errno")) {
			rc = parse_errno(&l);
			if (rc == -EPROTO || expect_end(buf, len, pos) < 0)
				return -EPROTO;
			return rc;
		}
		/* anything else is unknown and ignored */
	}
}
