/*
 * conf: the config module: net.yaml and peer.yaml, parsed and validated (libyaml).
 *
 * (The files are conf.{c,h}, the prefix config_: a src/config.h would shadow
 * autoconf's config.h for every file in src/, as quoted includes search the
 * including file's directory first.)
 *
 * Vocabulary:
 *   net config   the contents of net.yaml, shared by every node of a network
 *                (struct config): the shared key, the overlay subnet and the
 *                static peers.
 *   static peer  one entry of net.yaml's peers: list (struct config_static):
 *                a node everybody can reach at a known endPoint.
 *   member       one entry of net.yaml's optional nodes: list (struct
 *                config_member): a node's name and overlay address bound to
 *                its identity public key. When the list is present, it is
 *                the whole membership: nodes not in it are refused (pinning).
 *   node config  the contents of peer.yaml (struct config_node): local settings
 *                of this one node; every field is optional.
 *   diag         the errors and warnings of one parse (struct config_diag),
 *                each "FILE:LINE:COLUMN: text" (1-based, libyaml marks).
 *
 * Invariants:
 *   - A config is built completely or not at all: on any error the parser
 *     returns < 0, *out is untouched and nothing is allocated. A returned
 *     config is immutable (handed out as const) and freed with one call, so a
 *     reload can parse a new one, validate it and swap pointers.
 *   - The parser never prints: errors and warnings go into the caller's
 *     config_diag; the caller decides whether to print or log them.
 *   - The shared key lives in sodium_malloc'd memory, is wiped on free and
 *     never appears in any message.
 *   - Host names of endPoints are kept as text; nothing here resolves names.
 */
#ifndef WGNM_CONF_H
#define WGNM_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/ipaddr.h"

#define CONFIG_KEY_LEN    32  /* sharedKey, decoded */
#define CONFIG_ID_LEN     32  /* a node's identity public key (Ed25519), decoded */
#define CONFIG_MEMBER_NAME_MAX 32 /* names in nodes: (the length a node record carries) */
#define CONFIG_NAME_MAX   63  /* node name, characters */
#define CONFIG_IFNAME_MAX 15  /* IFNAMSIZ - 1 */
#define CONFIG_HOST_MAX   253 /* DNS name or address literal */
#define CONFIG_DIAG_MAX   20  /* errors (and, separately, warnings) kept per parse */
#define CONFIG_DIAG_LEN   256 /* one message, including the NUL */
#define CONFIG_IDLE_MIN   5     /* idleTimeout bounds, seconds */
#define CONFIG_IDLE_MAX   86400

/* A position in a configuration file; 1-based, 0 = unknown. */
struct config_mark {
	unsigned line;
	unsigned column;
};

/* Errors and warnings of one parse. Initialise with config_diag_init(). */
struct config_diag {
	unsigned nerrors;        /* messages in errors[] */
	unsigned nwarnings;      /* messages in warnings[] */
	unsigned errors_dropped; /* errors beyond CONFIG_DIAG_MAX, counted only */
	unsigned warnings_dropped;
	char errors[CONFIG_DIAG_MAX][CONFIG_DIAG_LEN];
	char warnings[CONFIG_DIAG_MAX][CONFIG_DIAG_LEN];
};

/* One static peer of net.yaml. */
struct config_static {
	char *host;           /* as written, IPv6 without brackets; owned */
	uint16_t port;        /* WireGuard port of the endPoint */
	bool host_is_literal; /* host is an IP address: endpoint is valid */
	struct endpoint endpoint;
	uint16_t admin_port;
	struct ipaddr wg_ip;     /* overlay address, inside the subnet */
	struct config_mark mark; /* where the entry starts (0:0 for command-line entries) */
};

/* One entry of net.yaml's nodes: (identity pinning). */
struct config_member {
	char name[CONFIG_MEMBER_NAME_MAX + 1];
	struct ipaddr wg_ip;              /* inside the subnet */
	uint8_t identity[CONFIG_ID_LEN];  /* Ed25519 public key = the node id */
	struct config_mark mark;          /* where the entry starts */
};

/* net.yaml. */
struct config {
	char *source;           /* file name used in messages; owned */
	uint8_t *shared_key;    /* CONFIG_KEY_LEN bytes, sodium_malloc'd; owned */
	struct ipprefix subnet; /* IPv4, host bits zero */
	size_t npeers;          /* >= 1 */
	struct config_static *peers;
	/*
	 * nodes: — has_members when the key is present (then nmembers >= 1 and
	 * only these identities are members). Sorted by identity, so lookups are
	 * a binary search (config_find_member).
	 */
	bool has_members;
	size_t nmembers;
	struct config_member *members;
};

/* peer.yaml. Absent keys: NULL pointers, AF_UNSPEC address, 0 ports, has_* false. */
struct config_node {
	char *source; /* file name used in messages; owned */
	char *name;
	struct ipaddr wg_ip; /* IPv4; checked against a subnet by the caller */
	struct config_mark wg_ip_mark;
	char *wg_interface;
	bool has_existing_interface, existing_interface;
	uint16_t wg_port;
	uint16_t admin_port;
	bool has_mobile, mobile;
	unsigned idle_timeout;  /* idleTimeout, seconds; 0 = not set */
};

void config_diag_init(struct config_diag *d);
/* Record one error or warning (printf format). Past CONFIG_DIAG_MAX only counts. */
void config_diag_error(struct config_diag *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void config_diag_warning(struct config_diag *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Parse net.yaml from a file or from memory. name is used in messages.
 * Returns 0 and sets *out (caller frees with config_free), or:
 *   -EINVAL  the file is not a valid net.yaml (reasons in d->errors)
 *   -errno   the file cannot be read (reason in d->errors)
 *   -ENOMEM
 * Warnings (unknown keys, a file readable by group or others) go to d->warnings
 * whatever the result.
 */
int config_parse_net_file(const char *path, const struct config **out, struct config_diag *d);
int config_parse_net_buf(const char *name, const void *buf, size_t len, const struct config **out,
                         struct config_diag *d);
/* Wipes the key and frees everything; NULL is a no-op. */
void config_free(const struct config *c);

/* Same for peer.yaml; caller frees with config_node_free. */
int config_parse_node_file(const char *path, struct config_node **out, struct config_diag *d);
int config_parse_node_buf(const char *name, const void *buf, size_t len, struct config_node **out,
                          struct config_diag *d);
void config_node_free(struct config_node *n);

/*
 * A new config: base plus the extra static peers (e.g. from the command line),
 * checked like net.yaml entries (wgIp inside the subnet and unique; messages
 * start with "--static HOST:PORT: "). The extra entries are copied; base is
 * not changed. Same return values as config_parse_net_buf.
 */
int config_add_statics(const struct config *base, const struct config_static *extra, size_t n,
                       const struct config **out, struct config_diag *d);

/*
 * Parse a static peer written as HOST:PORT (HOST a DNS name, an IPv4 address
 * or a bracketed IPv6 address) into s->host, s->port, s->host_is_literal and
 * s->endpoint; s->host is allocated (free it). Returns 0, -EINVAL with a
 * reason (no position) in why, or -ENOMEM.
 */
int config_parse_endpoint(struct config_static *s, const char *text, char *why, size_t whylen);

/*
 * Parse an overlay subnet: IPv4, host bits zero, at most /30. On error returns
 * -EINVAL and writes a sentence about it, starting with subject, into msg
 * ("subnet 10.1.0.1/16 has host bits set (did you mean 10.1.0.0/16?)").
 */
int config_parse_subnet(struct ipprefix *out, const char *text, const char *subject, char *msg,
                        size_t len);

/*
 * Is a usable as a node address in subnet (inside it, neither its network
 * nor its broadcast address)? On error returns -EINVAL and writes a sentence
 * starting with subject into msg ("wgIp 10.2.0.1 is outside subnet 10.1.0.0/16").
 */
int config_check_address(const struct ipprefix *subnet, const struct ipaddr *a, const char *subject,
                         char *msg, size_t len);

/* Valid node name / interface name / DNS name? */
bool config_name_valid(const char *s);
bool config_ifname_valid(const char *s);
bool config_hostname_valid(const char *s);

/* Default ports of a node at overlay address a: 50000 / 50500 + last octet. */
uint16_t config_default_wg_port(const struct ipaddr *a);
uint16_t config_default_admin_port(const struct ipaddr *a);

/* The static peer whose wgIp is a, or NULL. */
const struct config_static *config_find_static(const struct config *c, const struct ipaddr *a);

/*
 * The nodes: entry of identity id, or NULL (also NULL when the config has no
 * nodes: list: check c->has_members first). O(log n).
 */
const struct config_member *config_find_member(const struct config *c,
                                               const uint8_t id[CONFIG_ID_LEN]);

/*
 * Pinning: may the node with identity id, name and overlay address a be a
 * member? Always 0 without a nodes: list. Otherwise 0 when it is listed with
 * that name and address (name NULL or a AF_UNSPEC: not checked), else
 * -EPERM with a sentence in why ("is not listed in nodes:", "claims
 * 10.1.1.9 but nodes: binds it to 10.1.1.2", "is named x but nodes: names it
 * y"). Names compare at most CONFIG_MEMBER_NAME_MAX characters.
 */
int config_member_check(const struct config *c, const uint8_t id[CONFIG_ID_LEN], const char *name,
                        const struct ipaddr *a, char *why, size_t len);

/* The first 8 hex characters of a keyed BLAKE2b hash of the shared key, for
 * comparing keys between nodes without showing them. buf: at least 9 bytes. */
const char *config_key_fingerprint(const struct config *c, char *buf, size_t len);

/*
 * A new net.yaml as text: a fresh random sharedKey, the subnet and the static
 * peers (each needs host, port, admin_port and wg_ip set). Returns 0 and sets
 * *text (NUL-terminated, caller wipes and frees with config_text_free), or -ENOMEM.
 */
int config_generate(const struct ipprefix *subnet, const struct config_static *peers, size_t n,
                    char **text);
void config_text_free(char *text);

#endif
