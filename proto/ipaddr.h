/*
 * ipaddr: IPv4/IPv6 addresses, prefixes and endpoints as plain values.
 *
 * Vocabulary:
 *   address   one IPv4 or IPv6 address (struct ipaddr), family AF_INET or AF_INET6
 *   prefix    an address plus a length (CIDR), host bits zero (struct ipprefix)
 *   endpoint  an address plus a UDP port (struct endpoint)
 *
 * Pure functions, no I/O, no name resolution. Every parser takes a
 * NUL-terminated string, returns 0 or -EINVAL, and leaves *out untouched on
 * failure. Formatters write into a caller buffer of at least the _STRLEN size.
 */
#ifndef WGNM_PROTO_IPADDR_H
#define WGNM_PROTO_IPADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct ipaddr {
	sa_family_t family; /* AF_INET, AF_INET6, or AF_UNSPEC for "none" */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	};
};

struct ipprefix {
	struct ipaddr addr;
	uint8_t len; /* 0..32 or 0..128 */
};

struct endpoint {
	struct ipaddr addr;
	uint16_t port; /* host byte order; 0 = unset */
};

#define IPADDR_STRLEN 46    /* INET6_ADDRSTRLEN */
#define IPPREFIX_STRLEN 50  /* address + "/128" */
#define ENDPOINT_STRLEN 56  /* "[" address "]:65535" */

/* "10.1.2.3" or "fd00::1". */
int ipaddr_parse(struct ipaddr *out, const char *s);
/* "10.1.0.0/16". Host bits must be zero unless allow_host_bits. */
int ipprefix_parse(struct ipprefix *out, const char *s, bool allow_host_bits);
/* "192.0.2.1:51820" or "[2001:db8::1]:51820"; port 1..65535. */
int endpoint_parse(struct endpoint *out, const char *s);

const char *ipaddr_fmt(const struct ipaddr *a, char *buf, size_t len);
const char *ipprefix_fmt(const struct ipprefix *p, char *buf, size_t len);
const char *endpoint_fmt(const struct endpoint *e, char *buf, size_t len);

bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b);
int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b);
bool endpoint_equal(const struct endpoint *a, const struct endpoint *b);
/* Address length in bytes for the family (4 or 16), 0 for AF_UNSPEC. */
size_t ipaddr_len(const struct ipaddr *a);
/* Maximum prefix length for the family (32 or 128). */
unsigned ipaddr_bits(const struct ipaddr *a);
bool ipprefix_contains(const struct ipprefix *p, const struct ipaddr *a);
/* A prefix of full length (/32 or /128) holding exactly a. */
struct ipprefix ipprefix_host(const struct ipaddr *a);
/* Clear the host bits of p. */
void ipprefix_mask(struct ipprefix *p);

/* Address classes, for picking local candidate endpoints. */
bool ipaddr_is_loopback(const struct ipaddr *a);
bool ipaddr_is_link_local(const struct ipaddr *a);
bool ipaddr_is_multicast(const struct ipaddr *a);
bool ipaddr_is_unspecified(const struct ipaddr *a);

/* Conversions to and from sockaddr (sockaddr_in / sockaddr_in6). */
socklen_t endpoint_to_sockaddr(const struct endpoint *e, struct sockaddr_storage *ss);
int endpoint_from_sockaddr(struct endpoint *e, const struct sockaddr *sa, socklen_t len);

#endif
