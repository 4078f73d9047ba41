/*
 * ipaddr: parsing, formatting and comparing addresses, prefixes, endpoints.
 * See ipaddr.h for the vocabulary.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ipaddr.h"
#include "proto/num.h"

int
ipaddr_parse(struct ipaddr *out, const char *s)
{
	struct ipaddr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &a.v4) == 1) {
		a.family = AF_INET;
	} else if (inet_pton(AF_INET6, s, &a.v6) == 1) {
		a.family = AF_INET6;
	} else {
		return -EINVAL;
	}
	*out = a;
	return 0;
}

int
ipprefix_parse(struct ipprefix *out, const char *s, bool allow_host_bits)
{
	char buf[IPPREFIX_STRLEN];
	struct ipprefix p;
	const char *slash;
	size_t alen;
	long len;

	slash = strchr(s, '/');
	if (slash == NULL)
		return -EINVAL;
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= IPADDR_STRLEN)
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(&p, 0, sizeof(p));
	if (ipaddr_parse(&p.addr, buf) < 0)
		return -EINVAL;
	len = num_parse(slash + 1, (long)ipaddr_bits(&p.addr));
	if (len < 0)
		return -EINVAL;
	p.len = (uint8_t)len;
	if (!allow_host_bits) {
		struct ipprefix m = p;

		ipprefix_mask(&m);
		if (!ipaddr_equal(&m.addr, &p.addr))
			return -EINVAL;
	}
	*out = p;
	return 0;
}

int
endpoint_parse(struct endpoint *out, const char *s)
{
	char buf[IPADDR_STRLEN];
	struct endpoint e;
	const char *host, *colon;
	size_t hlen;
	long port;

	memset(&e, 0, sizeof(e));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return -EINVAL;
		host = s + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || strchr(s, ':') != colon)
			return -EINVAL; /* bare IPv6 must be bracketed */
		host = s;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	if (ipaddr_parse(&e.addr, buf) < 0)
		return -EINVAL;
	if (s[0] == '[' && e.addr.family != AF_INET6)
		return -EINVAL;
	port = num_parse(colon + 1, 65535);
	if (port < 1)
		return -EINVAL;
	e.port = (uint16_t)port;
	*out = e;
	return 0;
}

const char *
ipaddr_fmt(const struct ipaddr *a, char *buf, size_t len)
{
	if (a->family != AF_INET && a->family != AF_INET6) {
		snprintf(buf, len, "(none)");
		return buf;
	}
	if (inet_ntop(a->family, a->bytes, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

const char *
ipprefix_fmt(const struct ipprefix *p, char *buf, size_t len)
{
	char a[IPADDR_STRLEN];

	snprintf(buf, len, "%s/%u", ipaddr_fmt(&p->addr, a, sizeof(a)), p->len);
	return buf;
}

const char *
endpoint_fmt(const struct endpoint *e, char *buf, size_t len)
{
	char a[IPADDR_STRLEN];

	ipaddr_fmt(&e->addr, a, sizeof(a));
	if (e->addr.family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, e->port);
	else
		snprintf(buf, len, "%s:%u", a, e->port);
	return buf;
}

size_t
ipaddr_len(const struct ipaddr *a)
{
	return a->family == AF_INET ? 4 : a->family == AF_INET6 ? 16 : 0;
}

unsigned
ipaddr_bits(const struct ipaddr *a)
{
	return (unsigned)ipaddr_len(a) * 8;
}

bool
ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, ipaddr_len(a)) == 0;
}

int
ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, ipaddr_len(a));
}

bool
endpoint_equal(const struct endpoint *a, const struct endpoint *b)
{
	return a->port == b->port && ipaddr_equal(&a->addr, &b->addr);
}

bool
ipprefix_contains(const struct ipprefix *p, const struct ipaddr *a)
{
	struct ipprefix m;

	if (p->addr.family != a->family)
		return false;
	m.addr = *a;
	m.len = p->len;
	ipprefix_mask(&m);
	return ipaddr_equal(&m.addr, &p->addr);
}

struct ipprefix
ipprefix_host(const struct ipaddr *a)
{
	struct ipprefix p;

	p.addr = *a;
	p.len = (uint8_t)ipaddr_bits(a);
	return p;
}

void
ipprefix_mask(struct ipprefix *p)
{
	size_t n = ipaddr_len(&p->addr), i;

	for (i = 0; i < n; i++) {
		unsigned bit = (unsigned)i * 8;

		if (bit >= p->len)
			p->addr.bytes[i] = 0;
		else if (bit + 8 > p->len)
			p->addr.bytes[i] &= (uint8_t)(0xff << (8 - (p->len - bit)));
	}
	if (n < sizeof(p->addr.bytes))
		memset(p->addr.bytes + n, 0, sizeof(p->addr.bytes) - n);
}

bool
ipaddr_is_loopback(const struct ipaddr *a)
{
	if (a->family == AF_INET)
		return a->bytes[0] == 127;
	return a->family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&a->v6);
}

bool
ipaddr_is_link_local(const struct ipaddr *a)
{
	if (a->family == AF_INET)
		return a->bytes[0] == 169 && a->bytes[1] == 254;
	return a->family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a->v6);
}

bool
ipaddr_is_multicast(const struct ipaddr *a)
{
	if (a->family == AF_INET)
		return (a->bytes[0] & 0xf0) == 0xe0;
	return a->family == AF_INET6 && a->bytes[0] == 0xff;
}

bool
ipaddr_is_unspecified(const struct ipaddr *a)
{
	static const uint8_t zero[16];

	return a->family == AF_UNSPEC || memcmp(a->bytes, zero, ipaddr_len(a)) == 0;
}

socklen_t
endpoint_to_sockaddr(const struct endpoint *e, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (e->addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(e->port);
		sin->sin_addr = e->addr.v4;
		return sizeof(*sin);
	}
	if (e->addr.family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(e->port);
		sin6->sin6_addr = e->addr.v6;
		return sizeof(*sin6);
	}
	return 0;
}

int
endpoint_from_sockaddr(struct endpoint *e, const struct sockaddr *sa, socklen_t len)
{
	memset(e, 0, sizeof(*e));
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		e->addr.family = AF_INET;
		e->addr.v4 = sin->sin_addr;
		e->port = ntohs(sin->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		/* An IPv4-mapped address is reported as IPv4. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			e->addr.family = AF_INET;
			memcpy(&e->addr.v4, &sin6->sin6_addr.s6_addr[12], 4);
		} else {
			e->addr.family = AF_INET6;
			e->addr.v6 = sin6->sin6_addr;
		}
		e->port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}
