/*
 * conf: the config module, net.yaml and peer.yaml (see conf.h for the vocabulary).
 *
 * How a parse goes: the whole file is in memory; libyaml composes it into a
 * document (a node tree with start marks); a schema walk over that tree checks
 * types, required, duplicate and unknown keys and every value, appending
 * "FILE:LINE:COLUMN: text" messages to the caller's config_diag and filling a
 * private struct. Only when the walk recorded no error is the struct handed
 * out; otherwise it is freed. The walk follows the fixed schema only (it never
 * descends into unknown keys), so aliases cannot make it explode.
 *
 * Message style: "KEY must be WHAT, got WHAT-IT-IS" for type and format
 * errors, a sentence for semantic ones ("wgIp 10.2.0.1 is outside subnet
 * 10.1.0.0/16"), and positions of earlier definitions as "(first at L:C)".
 * Values are echoed escaped and shortened; the shared key never is.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "proto/num.h"
#include "src/conf.h"
#include "src/log.h"

#define CONFIG_FILE_MAX (1024 * 1024) /* larger files are not configuration */
#define CONFIG_ECHO_MAX 48            /* characters of a bad value shown in a message */

static const char fingerprint_context[] = "wgnm sharedKey fingerprint";

/* ---- diagnostics ------------------------------------------------------------ */

void
config_diag_init(struct config_diag *d)
{
	memset(d, 0, sizeof(*d));
}

static void __attribute__((format(printf, 4, 0)))
diag_add(char (*msgs)[CONFIG_DIAG_LEN], unsigned *n, unsigned *dropped, const char *fmt, va_list ap)
{
	if (*n >= CONFIG_DIAG_MAX) {
		(*dropped)++;
		return;
	}
	vsnprintf(msgs[*n], CONFIG_DIAG_LEN, fmt, ap);
	(*n)++;
}

void
config_diag_error(struct config_diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d->errors, &d->nerrors, &d->errors_dropped, fmt, ap);
	va_end(ap);
}

void
config_diag_warning(struct config_diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d->warnings, &d->nwarnings, &d->warnings_dropped, fmt, ap);
	va_end(ap);
}

/* ---- the schema walk ---------------------------------------------------------- */

struct parse {
	const char *name;
	yaml_document_t doc;
	struct config_diag *d;
	unsigned nerr; /* errors of this parse, including dropped ones */
};

static struct config_mark
mark_of(const yaml_mark_t *m)
{
	struct config_mark cm = {(unsigned)m->line + 1, (unsigned)m->column + 1};

	return cm;
}

static void __attribute__((format(printf, 3, 4)))
perr(struct parse *p, const yaml_node_t *n, const char *fmt, ...)
{
	struct config_mark m = mark_of(&n->start_mark);
	char msg[CONFIG_DIAG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	config_diag_error(p->d, "%s:%u:%u: %s", p->name, m.line, m.column, msg);
	p->nerr++;
}

static void __attribute__((format(printf, 3, 4)))
pwarn(struct parse *p, const yaml_node_t *n, const char *fmt, ...)
{
	struct config_mark m = mark_of(&n->start_mark);
	char msg[CONFIG_DIAG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	config_diag_warning(p->d, "%s:%u:%u: %s", p->name, m.line, m.column, msg);
}

static bool
is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return strcmp(v, "") == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

static const char *
kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_SCALAR_NODE:
		return is_null(n) ? "an empty value" : "a scalar";
	case YAML_NO_NODE:
		break;
	}
	return "nothing";
}

/* A scalar's text, escaped and shortened, for messages. */
static const char *
echo(const yaml_node_t *n, char *buf, size_t len)
{
	size_t vlen = n->data.scalar.length;

	if (vlen > CONFIG_ECHO_MAX) {
		log_escape(buf, len > 3 ? len - 3 : len, n->data.scalar.value, CONFIG_ECHO_MAX);
		strncat(buf, "...", len - strlen(buf) - 1);
		return buf;
	}
	return log_escape(buf, len, n->data.scalar.value, vlen);
}

#define ECHO_LEN (CONFIG_ECHO_MAX * 4 + 4)

/* The text of a scalar node holding a value of the key, or NULL after an error. */
static const char *
scalar(struct parse *p, const yaml_node_t *n, const char *key, const char *what)
{
	if (n->type != YAML_SCALAR_NODE || is_null(n)) {
		perr(p, n, "%s must be %s, got %s", key, what, kind(n));
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
		perr(p, n, "%s must be %s, got text with a NUL byte", key, what);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static bool
scalar_port(struct parse *p, const yaml_node_t *n, const char *key, uint16_t *out)
{
	const char *what = "a port number 1-65535";
	const char *s = scalar(p, n, key, what);
	char e[ECHO_LEN];
	long v;

	if (s == NULL)
		return false;
	v = num_parse(s, 65535);
	if (v < 1) {
		perr(p, n, "%s must be %s, got \"%s\"", key, what, echo(n, e, sizeof(e)));
		return false;
	}
	*out = (uint16_t)v;
	return true;
}

static bool
scalar_seconds(struct parse *p, const yaml_node_t *n, const char *key, unsigned *out)
{
	const char *what = "a number of seconds " "5-86400";
	const char *s = scalar(p, n, key, what);
	char e[ECHO_LEN];
	long v;

	if (s == NULL)
		return false;
	v = num_parse(s, CONFIG_IDLE_MAX);
	if (v < CONFIG_IDLE_MIN) {
		perr(p, n, "%s must be %s, got \"%s\"", key, what, echo(n, e, sizeof(e)));
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static bool
scalar_bool(struct parse *p, const yaml_node_t *n, const char *key, bool *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes",
	                                  "YES",  "on",   "On",   "ON"};
	static const char *const no[] = {"false", "False", "FALSE", "no", "No",
	                                 "NO",    "off",   "Off",   "OFF"};
	const char *s = scalar(p, n, key, "true or false");
	char e[ECHO_LEN];
	size_t i;

	if (s == NULL)
		return false;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	perr(p, n, "%s must be true or false, got \"%s\"", key, echo(n, e, sizeof(e)));
	return false;
}

static bool
scalar_ipv4(struct parse *p, const yaml_node_t *n, const char *key, struct ipaddr *out)
{
	const char *what = "an IPv4 address";
	const char *s = scalar(p, n, key, what);
	char e[ECHO_LEN];
	struct ipaddr a;

	if (s == NULL)
		return false;
	if (ipaddr_parse(&a, s) < 0 || a.family != AF_INET) {
		perr(p, n, "%s must be %s, got \"%s\"", key, what, echo(n, e, sizeof(e)));
		return false;
	}
	*out = a;
	return true;
}

/* A string copy of a scalar, or NULL after an error (or on ENOMEM, counted as an error). */
static char *
scalar_dup(struct parse *p, const yaml_node_t *n, const char *key, const char *what,
           bool (*valid)(const char *))
{
	const char *s = scalar(p, n, key, what);
	char e[ECHO_LEN], *copy;

	if (s == NULL)
		return NULL;
	if (!valid(s)) {
		perr(p, n, "%s must be %s, got \"%s\"", key, what, echo(n, e, sizeof(e)));
		return NULL;
	}
	copy = strdup(s);
	if (copy == NULL)
		perr(p, n, "out of memory");
	return copy;
}

/*
 * Walk the pairs of a mapping: every key must be a scalar; keys of the list
 * are stored in val[] (and their key nodes in keyn[]); a repeated key is an
 * error, any other key a warning. where names the mapping in messages ("" at
 * the top level).
 */
static void
map_walk(struct parse *p, const yaml_node_t *map, const char *const keys[], size_t nkeys,
         yaml_node_t *val[], yaml_node_t *keyn[], const char *where)
{
	yaml_node_pair_t *pair;
	char e[ECHO_LEN];
	size_t i;

	for (i = 0; i < nkeys; i++)
		val[i] = keyn[i] = NULL;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&p->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&p->doc, pair->value);

		if (k == NULL || v == NULL)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			perr(p, k, "a key must be a scalar, got %s", kind(k));
			continue;
		}
		for (i = 0; i < nkeys; i++)
			if (strlen(keys[i]) == k->data.scalar.length &&
			    memcmp(keys[i], k->data.scalar.value, k->data.scalar.length) == 0)
				break;
		if (i == nkeys) {
			pwarn(p, k, "unknown key %s%s%s (ignored)", echo(k, e, sizeof(e)),
			      *where ? " in " : "", where);
			continue;
		}
		if (keyn[i] != NULL) {
			struct config_mark first = mark_of(&keyn[i]->start_mark);

			perr(p, k, "duplicate key %s (first at %u:%u)", keys[i], first.line,
			     first.column);
			continue;
		}
		keyn[i] = k;
		val[i] = v;
	}
}

static bool
need(struct parse *p, const yaml_node_t *map, const yaml_node_t *v, const char *key,
     const char *where)
{
	if (v != NULL)
		return true;
	perr(p, map, "missing required key %s%s%s", key, *where ? " in " : "", where);
	return false;
}

static bool
is_mapping(struct parse *p, const yaml_node_t *n, const char *what)
{
	if (n->type == YAML_MAPPING_NODE)
		return true;
	perr(p, n, "%s must be a mapping, got %s", what, kind(n));
	return false;
}

/* Load the one document of buf into p->doc. 0, -EINVAL (message recorded) or -ENOMEM. */
static int
load(struct parse *p, const void *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t extra;
	bool more;
	int rc = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, buf, len);
	if (!yaml_parser_load(&parser, &p->doc))
		goto syntax;
	if (yaml_document_get_root_node(&p->doc) == NULL) {
		config_diag_error(p->d, "%s:1:1: file is empty, expected a mapping", p->name);
		p->nerr++;
		yaml_document_delete(&p->doc);
		rc = -EINVAL;
		goto out;
	}
	if (!yaml_parser_load(&parser, &extra)) {
		yaml_document_delete(&p->doc);
		goto syntax;
	}
	more = yaml_document_get_root_node(&extra) != NULL;
	if (more) {
		struct config_mark m = mark_of(&extra.start_mark);

		config_diag_error(p->d, "%s:%u:%u: only one YAML document is allowed", p->name,
		                  m.line, m.column);
		p->nerr++;
		yaml_document_delete(&p->doc);
		rc = -EINVAL;
	}
	yaml_document_delete(&extra);
	goto out;

syntax:
	if (parser.error == YAML_MEMORY_ERROR) {
		rc = -ENOMEM;
	} else if (parser.error == YAML_READER_ERROR) {
		/* Reader errors carry a byte offset, not a mark. */
		const char *s = buf;
		unsigned line = 1, col = 1;
		size_t i;

		for (i = 0; i < parser.problem_offset && i < len; i++) {
			if (s[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		config_diag_error(p->d, "%s:%u:%u: YAML syntax error: %s", p->name, line, col,
		                  parser.problem);
		rc = -EINVAL;
	} else {
		struct config_mark m = mark_of(&parser.problem_mark);

		if (parser.context != NULL) {
			struct config_mark c = mark_of(&parser.context_mark);

			config_diag_error(p->d, "%s:%u:%u: YAML syntax error: %s (%s at %u:%u)",
			                  p->name, m.line, m.column,
			                  parser.problem ? parser.problem : "?", parser.context,
			                  c.line, c.column);
		} else {
			config_diag_error(p->d, "%s:%u:%u: YAML syntax error: %s", p->name, m.line,
			                  m.column, parser.problem ? parser.problem : "?");
		}
		rc = -EINVAL;
	}
	p->nerr++;
out:
	yaml_parser_delete(&parser);
	return rc;
}

/* ---- names and endpoints ------------------------------------------------------- */

bool
config_name_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > CONFIG_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* As the kernel's dev_valid_name(). */
bool
config_ifname_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > CONFIG_IFNAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]) ||
		    !isprint((unsigned char)s[i]))
			return false;
	return true;
}

/* RFC 1123 host names; the last label must not be all digits (that is a bad IPv4 literal). */
bool
config_hostname_valid(const char *s)
{
	size_t n = strlen(s), label = 0, i;
	bool digits_only = true;

	if (n == 0 || n > CONFIG_HOST_MAX)
		return false;
	if (s[n - 1] == '.') /* a fully qualified "name." */
		n--;
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			if (i == n && digits_only)
				return false;
			label = 0;
			digits_only = true;
			continue;
		}
		if (label == 0 && s[i] == '-')
			return false;
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
		if (!isdigit((unsigned char)s[i]))
			digits_only = false;
		label++;
	}
	return true;
}

int
config_parse_endpoint(struct config_static *s, const char *text, char *why, size_t whylen)
{
	char host[CONFIG_HOST_MAX + 1];
	const char *colon;
	struct ipaddr a;
	bool bracketed = text[0] == '[';
	size_t hlen;
	long port;

	if (bracketed) {
		const char *close = strchr(text, ']');

		if (close == NULL) {
			snprintf(why, whylen, "missing ]");
			return -EINVAL;
		}
		if (close[1] != ':') {
			snprintf(why, whylen, "missing :PORT");
			return -EINVAL;
		}
		colon = close + 1;
		hlen = (size_t)(close - text - 1);
		if (hlen > CONFIG_HOST_MAX)
			hlen = CONFIG_HOST_MAX;
		memcpy(host, text + 1, hlen);
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL) {
			snprintf(why, whylen, "missing :PORT");
			return -EINVAL;
		}
		if (strchr(text, ':') != colon) {
			snprintf(why, whylen,
			         "an IPv6 address must be in brackets: [ADDRESS]:PORT");
			return -EINVAL;
		}
		hlen = (size_t)(colon - text);
		if (hlen > CONFIG_HOST_MAX) {
			snprintf(why, whylen, "host name too long");
			return -EINVAL;
		}
		memcpy(host, text, hlen);
	}
	host[hlen] = '\0';
	if (hlen == 0) {
		snprintf(why, whylen, "missing host");
		return -EINVAL;
	}
	port = num_parse(colon + 1, 65535);
	if (port < 1) {
		snprintf(why, whylen, "port must be 1-65535");
		return -EINVAL;
	}
	memset(&s->endpoint, 0, sizeof(s->endpoint));
	if (ipaddr_parse(&a, host) == 0) {
		if (bracketed != (a.family == AF_INET6)) {
			snprintf(why, whylen,
			         bracketed ? "only IPv6 addresses go in brackets"
			                   : "an IPv6 address must be in brackets");
			return -EINVAL;
		}
		s->host_is_literal = true;
		s->endpoint.addr = a;
		s->endpoint.port = (uint16_t)port;
	} else if (bracketed) {
		snprintf(why, whylen, "not an IPv6 address in brackets");
		return -EINVAL;
	} else if (!config_hostname_valid(host)) {
		snprintf(why, whylen, "not a DNS name or IP address");
		return -EINVAL;
	} else {
		s->host_is_literal = false;
	}
	s->host = strdup(host);
	if (s->host == NULL)
		return -ENOMEM;
	s->port = (uint16_t)port;
	return 0;
}

/* ---- net.yaml ----------------------------------------------------------------- */

static void
statics_free(struct config_static *peers, size_t n)
{
	size_t i;

	if (peers == NULL)
		return;
	for (i = 0; i < n; i++)
		free(peers[i].host);
	free(peers);
}

void
config_free(const struct config *cc)
{
	struct config *c = (struct config *)cc;

	if (c == NULL)
		return;
	if (c->shared_key != NULL)
		sodium_free(c->shared_key); /* sodium_free wipes before unmapping */
	statics_free(c->peers, c->npeers);
	free(c->members);
	free(c->source);
	free(c);
}

static void
key_decode(struct parse *p, struct config *c, const yaml_node_t *n)
{
	const char *what = "base64 of 32 bytes";
	const char *s = scalar(p, n, "sharedKey", what);
	size_t slen, blen = 0;
	uint8_t *bin;

	if (s == NULL)
		return;
	/*
	 * Padding is optional: strip it and decode without. (libyaml frees its
	 * copies of the text without wiping them; the file buffer is wiped.)
	 */
	slen = strlen(s);
	if (slen > 0 && s[slen - 1] == '=')
		slen--;
	if (slen > 0 && s[slen - 1] == '=')
		slen--;
	bin = sodium_malloc(slen + 1);
	if (bin == NULL) {
		perr(p, n, "out of memory");
		return;
	}
	if (sodium_base642bin(bin, slen + 1, s, slen, NULL, &blen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0) {
		perr(p, n, "sharedKey must be %s (not valid base64)", what);
		sodium_free(bin);
		return;
	}
	if (blen != CONFIG_KEY_LEN) {
		perr(p, n, "sharedKey must be %s (got %zu bytes)", what, blen);
		sodium_free(bin);
		return;
	}
	c->shared_key = sodium_malloc(CONFIG_KEY_LEN);
	if (c->shared_key == NULL) {
		perr(p, n, "out of memory");
	} else {
		memcpy(c->shared_key, bin, CONFIG_KEY_LEN);
		sodium_mprotect_readonly(c->shared_key);
	}
	sodium_free(bin);
}

int
config_parse_subnet(struct ipprefix *out, const char *text, const char *subject, char *msg,
                    size_t len)
{
	const char *what = "an IPv4 CIDR prefix like 10.1.0.0/16";
	char e[ECHO_LEN], b[IPPREFIX_STRLEN];
	struct ipprefix pfx;

	log_escape(e, sizeof(e), text, strnlen(text, CONFIG_ECHO_MAX));
	if (ipprefix_parse(&pfx, text, true) < 0) {
		snprintf(msg, len, "%s must be %s, got \"%s\"", subject, what, e);
		return -EINVAL;
	}
	if (pfx.addr.family != AF_INET) {
		snprintf(msg, len, "%s must be %s, got \"%s\" (IPv6 overlays are not supported)",
		         subject, what, e);
		return -EINVAL;
	}
	if (ipprefix_parse(&pfx, text, false) < 0) {
		ipprefix_parse(&pfx, text, true);
		ipprefix_mask(&pfx);
		snprintf(msg, len, "%s %s has host bits set (did you mean %s?)", subject, e,
		         ipprefix_fmt(&pfx, b, sizeof(b)));
		return -EINVAL;
	}
	if (pfx.len > 30) {
		snprintf(msg, len, "%s %s is too small (at most /30)", subject, e);
		return -EINVAL;
	}
	*out = pfx;
	return 0;
}

int
config_check_address(const struct ipprefix *subnet, const struct ipaddr *a, const char *subject,
                     char *msg, size_t len)
{
	char as[IPADDR_STRLEN], ss[IPPREFIX_STRLEN];
	struct ipaddr bcast;
	uint32_t hostmask;

	ipaddr_fmt(a, as, sizeof(as));
	ipprefix_fmt(subnet, ss, sizeof(ss));
	if (!ipprefix_contains(subnet, a)) {
		snprintf(msg, len, "%s %s is outside subnet %s", subject, as, ss);
		return -EINVAL;
	}
	if (ipaddr_equal(a, &subnet->addr)) {
		snprintf(msg, len, "%s %s is the network address of subnet %s", subject, as, ss);
		return -EINVAL;
	}
	hostmask = subnet->len == 0 ? 0xffffffffu : (1u << (32 - subnet->len)) - 1;
	bcast = subnet->addr;
	bcast.v4.s_addr |= htonl(hostmask);
	if (a->family == AF_INET && ipaddr_equal(a, &bcast)) {
		snprintf(msg, len, "%s %s is the broadcast address of subnet %s", subject, as, ss);
		return -EINVAL;
	}
	return 0;
}

static void
subnet_parse(struct parse *p, struct config *c, const yaml_node_t *n, bool *ok)
{
	const char *s = scalar(p, n, "subnet", "an IPv4 CIDR prefix like 10.1.0.0/16");
	char msg[CONFIG_DIAG_LEN];

	if (s == NULL)
		return;
	if (config_parse_subnet(&c->subnet, s, "subnet", msg, sizeof(msg)) < 0) {
		perr(p, n, "%s", msg);
		return;
	}
	*ok = true;
}

/*
 * Checks of one static peer's wgIp against the subnet and the earlier peers.
 * prefix starts each message; on error returns false (message recorded).
 * source, when set, names the file of the earlier peers.
 */
static bool
wg_ip_check(struct config_diag *d, const char *prefix, const struct ipprefix *subnet,
            const struct ipaddr *ip, const struct config_static *peers, size_t n,
            const char *source)
{
	char a[IPADDR_STRLEN], msg[CONFIG_DIAG_LEN];
	size_t i;

	if (config_check_address(subnet, ip, "wgIp", msg, sizeof(msg)) < 0) {
		config_diag_error(d, "%s%s", prefix, msg);
		return false;
	}
	ipaddr_fmt(ip, a, sizeof(a));
	for (i = 0; i < n; i++) {
		if (peers[i].wg_ip.family == AF_UNSPEC || !ipaddr_equal(&peers[i].wg_ip, ip))
			continue;
		if (peers[i].mark.line == 0)
			config_diag_error(d,
			                  "%sduplicate wgIp %s (first used by an earlier --static)",
			                  prefix, a);
		else if (source != NULL)
			config_diag_error(
			    d, "%sduplicate wgIp %s (first used by the peer at %s:%u:%u)", prefix,
			    a, source, peers[i].mark.line, peers[i].mark.column);
		else
			config_diag_error(d,
			                  "%sduplicate wgIp %s (first used by the peer at %u:%u)",
			                  prefix, a, peers[i].mark.line, peers[i].mark.column);
		return false;
	}
	return true;
}

static void
static_parse(struct parse *p, struct config *c, const yaml_node_t *entry, bool subnet_ok)
{
	static const char *const keys[] = {"endPoint", "adminPort", "wgIp"};
	struct config_static *s = &c->peers[c->npeers];
	yaml_node_t *val[3], *keyn[3];
	char where[32], why[96], e[ECHO_LEN];
	const char *text;
	bool ip_ok;
	int rc;

	snprintf(where, sizeof(where), "peers[%zu]", c->npeers);
	memset(s, 0, sizeof(*s));
	s->mark = mark_of(&entry->start_mark);
	if (!is_mapping(p, entry, where)) {
		c->npeers++;
		return;
	}
	map_walk(p, entry, keys, 3, val, keyn, where);
	if (need(p, entry, val[0], "endPoint", where) &&
	    (text = scalar(p, val[0], "endPoint", "HOST:PORT")) != NULL) {
		rc = config_parse_endpoint(s, text, why, sizeof(why));
		if (rc == -ENOMEM)
			perr(p, val[0], "out of memory");
		else if (rc < 0)
			perr(p, val[0], "endPoint must be HOST:PORT, got \"%s\" (%s)",
			     echo(val[0], e, sizeof(e)), why);
	}
	if (need(p, entry, val[1], "adminPort", where))
		scalar_port(p, val[1], "adminPort", &s->admin_port);
	if (need(p, entry, val[2], "wgIp", where)) {
		struct config_mark m = mark_of(&val[2]->start_mark);
		char prefix[CONFIG_DIAG_LEN];

		ip_ok = scalar_ipv4(p, val[2], "wgIp", &s->wg_ip);
		snprintf(prefix, sizeof(prefix), "%s:%u:%u: ", p->name, m.line, m.column);
		if (ip_ok && subnet_ok &&
		    !wg_ip_check(p->d, prefix, &c->subnet, &s->wg_ip, c->peers, c->npeers, NULL)) {
			p->nerr++;
			s->wg_ip.family = AF_UNSPEC;
		}
	}
	c->npeers++;
}

/* ---- nodes: (identity pinning) ------------------------------------------------- */

static bool
member_name_valid_cb(const char *s)
{
	return config_name_valid(s) && strlen(s) <= CONFIG_MEMBER_NAME_MAX;
}

/* An identity public key: base64 of 32 bytes, padding optional. */
static bool
identity_decode(struct parse *p, const yaml_node_t *n, uint8_t out[CONFIG_ID_LEN])
{
	const char *what = "base64 of a 32-byte Ed25519 public key";
	const char *s = scalar(p, n, "identity", what);
	size_t slen, blen = 0;
	uint8_t *bin;
	bool ok = false;

	if (s == NULL)
		return false;
	slen = strlen(s);
	if (slen > 0 && s[slen - 1] == '=')
		slen--;
	if (slen > 0 && s[slen - 1] == '=')
		slen--;
	bin = malloc(slen * 3 / 4 + 3);
	if (bin == NULL) {
		perr(p, n, "out of memory");
		return false;
	}
	if (sodium_base642bin(bin, slen * 3 / 4 + 3, s, slen, NULL, &blen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0) {
		perr(p, n, "identity must be %s (not valid base64)", what);
	} else if (blen != CONFIG_ID_LEN) {
		perr(p, n, "identity must be %s (got %zu bytes)", what, blen);
	} else {
		memcpy(out, bin, CONFIG_ID_LEN);
		ok = true;
	}
	free(bin);
	return ok;
}

static void
member_parse(struct parse *p, struct config *c, const yaml_node_t *entry, bool subnet_ok)
{
	static const char *const keys[] = {"name", "wgIp", "identity"};
	struct config_member *e = &c->members[c->nmembers];
	yaml_node_t *val[3], *keyn[3];
	char where[32], a[IPADDR_STRLEN], msg[CONFIG_DIAG_LEN];
	bool name_ok = false, ip_ok = false, id_ok = false;
	size_t i;

	snprintf(where, sizeof(where), "nodes[%zu]", c->nmembers);
	memset(e, 0, sizeof(*e));
	e->mark = mark_of(&entry->start_mark);
	if (!is_mapping(p, entry, where))
		return;
	map_walk(p, entry, keys, 3, val, keyn, where);
	if (need(p, entry, val[0], "name", where)) {
		char *name = scalar_dup(p, val[0], "name",
		                        "a node name (1-32 letters, digits, '.', '-', '_')",
		                        member_name_valid_cb);

		if (name != NULL) {
			snprintf(e->name, sizeof(e->name), "%s", name);
			free(name);
			name_ok = true;
		}
	}
	if (need(p, entry, val[1], "wgIp", where) && scalar_ipv4(p, val[1], "wgIp", &e->wg_ip)) {
		if (!subnet_ok)
			ip_ok = false;
		else if (config_check_address(&c->subnet, &e->wg_ip, "wgIp", msg, sizeof(msg)) < 0)
			perr(p, val[1], "%s", msg);
		else
			ip_ok = true;
	}
	if (need(p, entry, val[2], "identity", where))
		id_ok = identity_decode(p, val[2], e->identity);
	/* unique: identity, wgIp, name */
	for (i = 0; i < c->nmembers; i++) {
		const struct config_member *o = &c->members[i];

		if (id_ok && sodium_memcmp(o->identity, e->identity, CONFIG_ID_LEN) == 0) {
			perr(p, val[2], "duplicate identity (first used by the node at %u:%u)",
			     o->mark.line, o->mark.column);
			id_ok = false;
		}
		if (ip_ok && o->wg_ip.family != AF_UNSPEC && ipaddr_equal(&o->wg_ip, &e->wg_ip)) {
			perr(p, val[1], "duplicate wgIp %s (first used by the node at %u:%u)",
			     ipaddr_fmt(&e->wg_ip, a, sizeof(a)), o->mark.line, o->mark.column);
			ip_ok = false;
		}
		if (name_ok && o->name[0] != '\0' && strcmp(o->name, e->name) == 0) {
			perr(p, val[0], "duplicate name %s (first used by the node at %u:%u)",
			     e->name, o->mark.line, o->mark.column);
			name_ok = false;
		}
	}
	if (!name_ok)
		e->name[0] = '\0';
	if (!ip_ok)
		e->wg_ip.family = AF_UNSPEC;
	if (!id_ok)
		memset(e->identity, 0, sizeof(e->identity));
	c->nmembers++;
}

static int
member_cmp(const void *a, const void *b)
{
	const struct config_member *x = a, *y = b;

	return memcmp(x->identity, y->identity, CONFIG_ID_LEN);
}

const struct config_member *
config_find_member(const struct config *c, const uint8_t id[CONFIG_ID_LEN])
{
	struct config_member key;

	if (!c->has_members || c->nmembers == 0)
		return NULL;
	memcpy(key.identity, id, CONFIG_ID_LEN);
	return bsearch(&key, c->members, c->nmembers, sizeof(key), member_cmp);
}

int
config_member_check(const struct config *c, const uint8_t id[CONFIG_ID_LEN], const char *name,
                    const struct ipaddr *a, char *why, size_t len)
{
	const struct config_member *e;
	char x[IPADDR_STRLEN], y[IPADDR_STRLEN], n[CONFIG_MEMBER_NAME_MAX * 4 + 1];

	if (!c->has_members)
		return 0;
	e = config_find_member(c, id);
	if (e == NULL) {
		snprintf(why, len, "is not listed in nodes:");
		return -EPERM;
	}
	if (a != NULL && a->family != AF_UNSPEC && !ipaddr_equal(a, &e->wg_ip)) {
		snprintf(why, len, "claims %s but nodes: binds it to %s",
		         ipaddr_fmt(a, x, sizeof(x)), ipaddr_fmt(&e->wg_ip, y, sizeof(y)));
		return -EPERM;
	}
	if (name != NULL && strncmp(name, e->name, CONFIG_MEMBER_NAME_MAX) != 0) {
		log_escape(n, sizeof(n), name, strnlen(name, CONFIG_MEMBER_NAME_MAX));
		snprintf(why, len, "is named %s but nodes: names it %s", n, e->name);
		return -EPERM;
	}
	return 0;
}

static void
members_walk(struct parse *p, struct config *c, const yaml_node_t *list, bool subnet_ok)
{
	yaml_node_item_t *item;
	size_t n, i;

	c->has_members = true;
	if (list->type != YAML_SEQUENCE_NODE) {
		if (is_null(list))
			perr(p, list, "nodes must list at least one node (or be left out)");
		else
			perr(p, list, "nodes must be a sequence of {name, wgIp, identity}, got %s",
			     kind(list));
		return;
	}
	n = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
	if (n == 0) {
		perr(p, list, "nodes must list at least one node (or be left out)");
		return;
	}
	c->members = calloc(n, sizeof(*c->members));
	if (c->members == NULL) {
		perr(p, list, "out of memory");
		return;
	}
	for (item = list->data.sequence.items.start; item < list->data.sequence.items.top; item++) {
		yaml_node_t *entry = yaml_document_get_node(&p->doc, *item);

		if (entry != NULL)
			member_parse(p, c, entry, subnet_ok);
	}
	/* A static peer whose node is not listed will be refused by everyone. */
	for (i = 0; i < c->npeers && p->nerr == 0; i++) {
		size_t k;
		char a[IPADDR_STRLEN];

		for (k = 0; k < c->nmembers; k++)
			if (ipaddr_equal(&c->members[k].wg_ip, &c->peers[i].wg_ip))
				break;
		if (k == c->nmembers)
			config_diag_warning(p->d,
			                    "%s:%u:%u: static peer %s has no entry in nodes: its "
			                    "node will be refused",
			                    p->name, c->peers[i].mark.line, c->peers[i].mark.column,
			                    ipaddr_fmt(&c->peers[i].wg_ip, a, sizeof(a)));
	}
	qsort(c->members, c->nmembers, sizeof(*c->members), member_cmp);
}

static void
net_walk(struct parse *p, struct config *c)
{
	static const char *const top_keys[] = {"network", "peers", "nodes"};
	static const char *const net_keys[] = {"sharedKey", "subnet"};
	yaml_node_t *root = yaml_document_get_root_node(&p->doc);
	yaml_node_t *top[3], *topk[3], *net[2], *netk[2];
	bool subnet_ok = false;
	yaml_node_item_t *item;
	size_t n;

	if (root->type != YAML_MAPPING_NODE) {
		perr(p, root, "expected a mapping with keys network and peers, got %s", kind(root));
		return;
	}
	map_walk(p, root, top_keys, 3, top, topk, "");
	if (need(p, root, top[0], "network", "") && is_mapping(p, top[0], "network")) {
		map_walk(p, top[0], net_keys, 2, net, netk, "network");
		if (need(p, top[0], net[0], "sharedKey", "network"))
			key_decode(p, c, net[0]);
		if (need(p, top[0], net[1], "subnet", "network"))
			subnet_parse(p, c, net[1], &subnet_ok);
	}
	if (!need(p, root, top[1], "peers", ""))
		return;
	if (top[1]->type != YAML_SEQUENCE_NODE) {
		if (is_null(top[1]))
			perr(p, top[1], "peers must list at least one static peer");
		else
			perr(p, top[1], "peers must be a sequence of static peers, got %s",
			     kind(top[1]));
		return;
	}
	n = (size_t)(top[1]->data.sequence.items.top - top[1]->data.sequence.items.start);
	if (n == 0) {
		perr(p, top[1], "peers must list at least one static peer");
		return;
	}
	c->peers = calloc(n, sizeof(*c->peers));
	if (c->peers == NULL) {
		perr(p, top[1], "out of memory");
		return;
	}
	for (item = top[1]->data.sequence.items.start; item < top[1]->data.sequence.items.top;
	     item++) {
		yaml_node_t *entry = yaml_document_get_node(&p->doc, *item);

		if (entry != NULL)
			static_parse(p, c, entry, subnet_ok);
	}
	if (top[2] != NULL)
		members_walk(p, c, top[2], subnet_ok);
}

static int
parse_begin(struct parse *p, const char *name, struct config_diag *d)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->d = d;
	if (sodium_init() < 0)
		return -ENOMEM;
	return 0;
}

int
config_parse_net_buf(const char *name, const void *buf, size_t len, const struct config **out,
                     struct config_diag *d)
{
	struct parse p;
	struct config *c;
	int rc;

	rc = parse_begin(&p, name, d);
	if (rc < 0)
		return rc;
	rc = load(&p, buf, len);
	if (rc < 0)
		return rc;
	c = calloc(1, sizeof(*c));
	if (c == NULL || (c->source = strdup(name)) == NULL) {
		free(c);
		yaml_document_delete(&p.doc);
		return -ENOMEM;
	}
	net_walk(&p, c);
	yaml_document_delete(&p.doc);
	if (p.nerr > 0) {
		config_free(c);
		return -EINVAL;
	}
	*out = c;
	return 0;
}

/* ---- peer.yaml ---------------------------------------------------------------- */

void
config_node_free(struct config_node *n)
{
	if (n == NULL)
		return;
	free(n->source);
	free(n->name);
	free(n->wg_interface);
	free(n);
}

static bool
name_valid_cb(const char *s)
{
	return config_name_valid(s);
}

static bool
ifname_valid_cb(const char *s)
{
	return config_ifname_valid(s);
}

static void
node_walk(struct parse *p, struct config_node *nc)
{
	static const char *const keys[] = {
	    "name",     "wgIp",      "wgInterface", "existingInterface",
	    "wgPort",   "adminPort", "mobile",      "idleTimeout"};
	yaml_node_t *root = yaml_document_get_root_node(&p->doc);
	yaml_node_t *val[8], *keyn[8];

	if (root->type != YAML_MAPPING_NODE) {
		perr(p, root, "expected a mapping of node settings, got %s", kind(root));
		return;
	}
	map_walk(p, root, keys, 8, val, keyn, "");
	if (val[0] != NULL)
		nc->name =
		    scalar_dup(p, val[0], "name",
		               "a node name (1-63 letters, digits, '.', '-', '_')", name_valid_cb);
	if (val[1] != NULL && scalar_ipv4(p, val[1], "wgIp", &nc->wg_ip))
		nc->wg_ip_mark = mark_of(&val[1]->start_mark);
	if (val[2] != NULL)
		nc->wg_interface = scalar_dup(p, val[2], "wgInterface",
		                              "an interface name (1-15 characters, no '/', ':' or "
		                              "spaces)",
		                              ifname_valid_cb);
	if (val[3] != NULL)
		nc->has_existing_interface =
		    scalar_bool(p, val[3], "existingInterface", &nc->existing_interface);
	if (val[4] != NULL)
		scalar_port(p, val[4], "wgPort", &nc->wg_port);
	if (val[5] != NULL)
		scalar_port(p, val[5], "adminPort", &nc->admin_port);
	if (val[6] != NULL)
		nc->has_mobile = scalar_bool(p, val[6], "mobile", &nc->mobile);
	if (val[7] != NULL)
		scalar_seconds(p, val[7], "idleTimeout", &nc->idle_timeout);
}

int
config_parse_node_buf(const char *name, const void *buf, size_t len, struct config_node **out,
                      struct config_diag *d)
{
	struct config_node *nc;
	struct parse p;
	int rc;

	rc = parse_begin(&p, name, d);
	if (rc < 0)
		return rc;
	rc = load(&p, buf, len);
	if (rc < 0)
		return rc;
	nc = calloc(1, sizeof(*nc));
	if (nc == NULL || (nc->source = strdup(name)) == NULL) {
		free(nc);
		yaml_document_delete(&p.doc);
		return -ENOMEM;
	}
	node_walk(&p, nc);
	yaml_document_delete(&p.doc);
	if (p.nerr > 0) {
		config_node_free(nc);
		return -EINVAL;
	}
	*out = nc;
	return 0;
}

/* ---- files -------------------------------------------------------------------- */

/*
 * Read a whole file into a malloc'd buffer (wipe it before freeing: it may
 * hold the shared key). *mode gets the file's permission bits.
 */
static int
file_read(const char *path, char **out, size_t *outlen, mode_t *mode, struct config_diag *d)
{
	size_t len = 0, cap = 4096;
	struct stat st;
	char *buf;
	ssize_t r;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		config_diag_error(d, "%s: cannot open: %s", path, strerror(err));
		return -err;
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		config_diag_error(d, "%s: cannot stat: %s", path, strerror(err));
		close(fd);
		return -err;
	}
	if (S_ISDIR(st.st_mode)) {
		config_diag_error(d, "%s: cannot read: %s", path, strerror(EISDIR));
		close(fd);
		return -EISDIR;
	}
	*mode = st.st_mode;
	buf = malloc(cap);
	if (buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (len == cap) {
			char *nbuf;

			if (cap >= CONFIG_FILE_MAX) {
				config_diag_error(d, "%s: file is larger than %d bytes", path,
				                  CONFIG_FILE_MAX);
				err = EFBIG;
				goto fail;
			}
			/* Grow by copying, so no stale copy of the key stays behind. */
			nbuf = malloc(cap * 2);
			if (nbuf == NULL) {
				err = ENOMEM;
				goto fail;
			}
			memcpy(nbuf, buf, len);
			sodium_memzero(buf, cap);
			free(buf);
			buf = nbuf;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			config_diag_error(d, "%s: cannot read: %s", path, strerror(err));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	*out = buf;
	*outlen = len;
	return 0;
fail:
	sodium_memzero(buf, cap);
	free(buf);
	close(fd);
	return -err;
}

int
config_parse_net_file(const char *path, const struct config **out, struct config_diag *d)
{
	size_t len = 0;
	mode_t mode;
	char *buf = NULL;
	int rc;

	rc = file_read(path, &buf, &len, &mode, d);
	if (rc < 0)
		return rc;
	if (S_ISREG(mode) && (mode & (S_IRWXG | S_IRWXO)) != 0)
		config_diag_warning(d,
		                    "%s: mode %04o lets group or others access the shared key "
		                    "(chmod 600 %s)",
		                    path, (unsigned)(mode & 07777), path);
	rc = config_parse_net_buf(path, buf, len, out, d);
	sodium_memzero(buf, len);
	free(buf);
	return rc;
}

int
config_parse_node_file(const char *path, struct config_node **out, struct config_diag *d)
{
	size_t len = 0;
	mode_t mode;
	char *buf = NULL;
	int rc;

	rc = file_read(path, &buf, &len, &mode, d);
	if (rc < 0)
		return rc;
	rc = config_parse_node_buf(path, buf, len, out, d);
	free(buf);
	return rc;
}

/* ---- derived configs ------------------------------------------------------------ */

static int
static_copy(struct config_static *dst, const struct config_static *src)
{
	*dst = *src;
	dst->host = strdup(src->host);
	return dst->host == NULL ? -ENOMEM : 0;
}

int
config_add_statics(const struct config *base, const struct config_static *extra, size_t n,
                   const struct config **out, struct config_diag *d)
{
	struct config *c;
	unsigned errs = 0;
	size_t i;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->subnet = base->subnet;
	c->source = strdup(base->source);
	c->shared_key = sodium_malloc(CONFIG_KEY_LEN);
	c->peers = calloc(base->npeers + n, sizeof(*c->peers));
	if (c->source == NULL || c->shared_key == NULL || c->peers == NULL) {
		config_free(c);
		return -ENOMEM;
	}
	memcpy(c->shared_key, base->shared_key, CONFIG_KEY_LEN);
	sodium_mprotect_readonly(c->shared_key);
	c->has_members = base->has_members;
	if (base->nmembers > 0) {
		c->members = malloc(base->nmembers * sizeof(*c->members));
		if (c->members == NULL) {
			config_free(c);
			return -ENOMEM;
		}
		memcpy(c->members, base->members, base->nmembers * sizeof(*c->members));
		c->nmembers = base->nmembers;
	}
	for (i = 0; i < base->npeers; i++) {
		if (static_copy(&c->peers[c->npeers], &base->peers[i]) < 0) {
			config_free(c);
			return -ENOMEM;
		}
		c->npeers++;
	}
	for (i = 0; i < n; i++) {
		char prefix[CONFIG_HOST_MAX + 32], ep[CONFIG_HOST_MAX + 16];

		if (strchr(extra[i].host, ':') != NULL)
			snprintf(ep, sizeof(ep), "[%s]:%u", extra[i].host, extra[i].port);
		else
			snprintf(ep, sizeof(ep), "%s:%u", extra[i].host, extra[i].port);
		snprintf(prefix, sizeof(prefix), "--static %s: ", ep);
		if (!wg_ip_check(d, prefix, &c->subnet, &extra[i].wg_ip, c->peers, c->npeers,
		                 c->source)) {
			errs++;
			continue;
		}
		if (static_copy(&c->peers[c->npeers], &extra[i]) < 0) {
			config_free(c);
			return -ENOMEM;
		}
		memset(&c->peers[c->npeers].mark, 0, sizeof(c->peers[c->npeers].mark));
		c->npeers++;
	}
	if (errs > 0) {
		config_free(c);
		return -EINVAL;
	}
	*out = c;
	return 0;
}

/* ---- helpers -------------------------------------------------------------------- */

static unsigned
last_octet(const struct ipaddr *a)
{
	size_t n = ipaddr_len(a);

	return n > 0 ? a->bytes[n - 1] : 0;
}

uint16_t
config_default_wg_port(const struct ipaddr *a)
{
	return (uint16_t)(50000 + last_octet(a));
}

uint16_t
config_default_admin_port(const struct ipaddr *a)
{
	return (uint16_t)(50500 + last_octet(a));
}

const struct config_static *
config_find_static(const struct config *c, const struct ipaddr *a)
{
	size_t i;

	for (i = 0; i < c->npeers; i++)
		if (ipaddr_equal(&c->peers[i].wg_ip, a))
			return &c->peers[i];
	return NULL;
}

const char *
config_key_fingerprint(const struct config *c, char *buf, size_t len)
{
	uint8_t h[16];

	crypto_generichash(h, sizeof(h), (const uint8_t *)fingerprint_context,
	                   sizeof(fingerprint_context) - 1, c->shared_key, CONFIG_KEY_LEN);
	snprintf(buf, len, "%02x%02x%02x%02x", h[0], h[1], h[2], h[3]);
	return buf;
}

int
config_generate(const struct ipprefix *subnet, const struct config_static *peers, size_t n,
                char **text)
{
	char b64[sodium_base64_ENCODED_LEN(CONFIG_KEY_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char pfx[IPPREFIX_STRLEN], ip[IPADDR_STRLEN];
	uint8_t *key;
	size_t cap, off = 0, i;
	char *buf;

	if (sodium_init() < 0)
		return -ENOMEM;
	cap = 1024 + n * (CONFIG_HOST_MAX + 128);
	buf = malloc(cap);
	key = sodium_malloc(CONFIG_KEY_LEN);
	if (buf == NULL || key == NULL) {
		free(buf);
		if (key != NULL)
			sodium_free(key);
		return -ENOMEM;
	}
	randombytes_buf(key, CONFIG_KEY_LEN);
	sodium_bin2base64(b64, sizeof(b64), key, CONFIG_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
	sodium_free(key);
	off += (size_t)snprintf(buf + off, cap - off,
	                        "# wgnm network configuration (net.yaml), written by wgnm init.\n"
	                        "# Every node of the network uses this same file. It holds the "
	                        "network's\n"
	                        "# secret: copy it only over secure channels and keep it mode "
	                        "0600.\n"
	                        "network:\n"
	                        "  sharedKey: %s\n"
	                        "  subnet: %s\n"
	                        "peers:\n",
	                        b64, ipprefix_fmt(subnet, pfx, sizeof(pfx)));
	sodium_memzero(b64, sizeof(b64));
	for (i = 0; i < n && off < cap; i++) {
		const struct config_static *s = &peers[i];
		/* "[" would start a YAML flow sequence: quote IPv6 endpoints. */
		bool v6 = strchr(s->host, ':') != NULL;

		off += (size_t)snprintf(buf + off, cap - off,
		                        "  - endPoint: %s%s%s:%u%s\n"
		                        "    adminPort: %u\n"
		                        "    wgIp: %s\n",
		                        v6 ? "\"[" : "", s->host, v6 ? "]" : "", s->port,
		                        v6 ? "\"" : "", s->admin_port,
		                        ipaddr_fmt(&s->wg_ip, ip, sizeof(ip)));
	}
	*text = buf;
	return 0;
}

void
config_text_free(char *text)
{
	if (text == NULL)
		return;
	sodium_memzero(text, strlen(text));
	free(text);
}
