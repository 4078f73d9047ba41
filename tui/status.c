/*
 * status: --status and --json (see status.h). Peers are listed in a stable
 * order (name, then id) so that two runs over the same model print the same
 * bytes.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tui/status.h"
#include "tui/ui.h"

static int
by_name(const void *a, const void *b)
{
	const struct ctl_peer *p = &(*(const struct tui_peer *const *)a)->p;
	const struct ctl_peer *q = &(*(const struct tui_peer *const *)b)->p;
	int c = strcmp(p->name, q->name);

	return c != 0 ? c : memcmp(p->id, q->id, CTL_ID_LEN);
}

/* Peers in print order; caller frees. NULL with n 0 when there are none (or no memory). */
static const struct tui_peer **
sorted(const struct tui_model *m, size_t *n)
{
	const struct tui_peer **v = NULL;
	size_t i;

	*n = 0;
	if (m->n_peers == 0 || (v = calloc(m->n_peers, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < m->n_peers; i++)
		v[i] = &m->peers[i];
	qsort(v, m->n_peers, sizeof(*v), by_name);
	*n = m->n_peers;
	return v;
}

static void
hex(char *out, const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static const char *
addr_or(const struct ipaddr *a, char *buf, size_t len, const char *none)
{
	return a->family != AF_UNSPEC ? ipaddr_fmt(a, buf, len) : none;
}

static const char *
ep_or(const struct endpoint *e, char *buf, size_t len, const char *none)
{
	return e->addr.family != AF_UNSPEC ? endpoint_fmt(e, buf, len) : none;
}

/* ---------------------------------------------------------------- text */

void
tui_status_text(FILE *f, const struct tui_model *m, int64_t now)
{
	const struct ctl_header *h = &m->header;
	const struct tui_peer **v;
	char a[IPPREFIX_STRLEN], b[IPPREFIX_STRLEN], id[2 * CTL_ID_LEN + 1], t[64], t2[64];
	size_t i, n, direct = 0, via = 0, down = 0, others = 0;

	v = sorted(m, &n);
	for (i = 0; i < n; i++) {
		enum ctl_peer_state s = v[i]->p.state;

		if (s == CTL_PEER_SELF)
			continue;
		others++;
		direct +=
		    s == CTL_PEER_DIRECT || s == CTL_PEER_DIRECT_LAN || s == CTL_PEER_DIRECT_NAT;
		via += s == CTL_PEER_VIA_GATEWAY;
		down += s == CTL_PEER_DOWN;
	}
	fprintf(f, "node: %s [%s]\n", h->name, h->id_short);
	fprintf(f, "  interface: %s\n", h->ifname);
	fprintf(f, "  backend: %s\n", ctl_backend_str(h->backend));
	fprintf(f, "  address: %s in %s\n", addr_or(&h->addr, a, sizeof(a), "(none)"),
	        h->subnet.addr.family != AF_UNSPEC ? ipprefix_fmt(&h->subnet, b, sizeof(b)) : "?");
	fprintf(f, "  listening port: %u\n", h->wg_port);
	fprintf(f, "  admin port: %u\n", h->admin_port);
	ui_fmt_age(t, sizeof(t), now - h->start_time);
	fprintf(f, "  uptime: %s\n", t);
	fprintf(f, "  nodes: %zu (%zu direct, %zu via gateway, %zu down)\n", others, direct, via,
	        down);
	fprintf(f, "  nat: %s\n", ctl_nat_behaviour_str(m->nat.behaviour));
	for (i = 0; i < m->nat.n_reflexive; i++)
		fprintf(f, "  reflexive endpoint: %s (seen by %s)\n",
		        endpoint_fmt(&m->nat.reflexive[i].endpoint, a, sizeof(a)),
		        m->nat.reflexive[i].seen_by);
	fprintf(f, "  version: %s%s\n", h->version, h->mobile ? " (mobile)" : "");
	if (h->ndrops > 0) {
		fprintf(f, "  dropped:");
		for (i = 0; i < h->ndrops; i++)
			fprintf(f, "%s %s %" PRIu64, i ? "," : "", h->drops[i].name, h->drops[i].count);
		fprintf(f, "\n");
	}
	for (i = 0; i < n; i++) {
		const struct ctl_peer *p = &v[i]->p;

		if (p->state == CTL_PEER_SELF)
			continue;
		hex(id, p->id, CTL_ID_LEN);
		fprintf(f, "\npeer: %s [%.8s]\n", p->name[0] != '\0' ? p->name : "(unnamed)", id);
		fprintf(f, "  id: %s\n", id);
		fprintf(f, "  address: %s\n", addr_or(&p->addr, a, sizeof(a), "(none)"));
		if (p->state == CTL_PEER_VIA_GATEWAY)
			fprintf(f, "  state: via gateway %s\n", p->gw_name);
		else
			fprintf(f, "  state: %s\n", ctl_peer_state_str(p->state));
		if (p->state == CTL_PEER_CONFLICT)
			fprintf(f, "  conflict: %s\n", p->conflict);
		if (p->endpoint.addr.family != AF_UNSPEC)
			fprintf(f, "  endpoint: %s\n", ep_or(&p->endpoint, a, sizeof(a), "-"));
		if (p->last_handshake != 0) {
			ui_fmt_age(t, sizeof(t), now - p->last_handshake);
			fprintf(f, "  latest handshake: %s ago\n", t);
		}
		if (p->rx_bytes != 0 || p->tx_bytes != 0) {
			ui_fmt_bytes(t, sizeof(t), p->rx_bytes);
			ui_fmt_bytes(t2, sizeof(t2), p->tx_bytes);
			fprintf(f, "  transfer: %s received, %s sent\n", t, t2);
		}
		if (p->rtt_us != 0) {
			ui_fmt_rtt(t, sizeof(t), p->rtt_us);
			fprintf(f, "  rtt: %s\n", t);
		}
		fprintf(f, "  direct path: %s%s%s\n", ctl_nat_state_str(p->nat_state),
		        p->nat_reason[0] != '\0' ? " - " : "", p->nat_reason);
		fprintf(f, "  keepalives sent: %llu\n", (unsigned long long)p->keepalives_sent);
		if (p->state == CTL_PEER_DIRECT || p->state == CTL_PEER_DIRECT_LAN ||
		    p->state == CTL_PEER_DIRECT_NAT)
			fprintf(f, "  kept warm: %s%s%s\n", p->kept_warm ? "yes" : "no",
			        p->warm_reason[0] != '\0' ? " - " : "", p->warm_reason);
	}
	if (m->n_routes > 0)
		fprintf(f, "\nroutes:\n");
	for (i = 0; i < m->n_routes; i++) {
		const struct ctl_route *r = &m->routes[i];

		fprintf(f, "  %s via %s (cost %u)\n", ipprefix_fmt(&r->dst, a, sizeof(a)),
		        r->nexthop_name, r->cost);
	}
	free(v);
}

/* ---------------------------------------------------------------- JSON */

const char *
tui_json_peer_state(enum ctl_peer_state s)
{
	static const char *const names[CTL_PEER_STATE_COUNT] = {
	    "unknown", "self",        "direct-lan", "direct-nat",
	    "direct",  "via-gateway", "down",       "conflict",
	};

	return (unsigned)s < CTL_PEER_STATE_COUNT ? names[s] : "unknown";
}

const char *
tui_json_nat_state(enum ctl_nat_state s)
{
	static const char *const names[CTL_NAT_STATE_COUNT] = {
	    "not-tried", "probing", "punching", "direct", "failed", "backing-off",
	};

	return (unsigned)s < CTL_NAT_STATE_COUNT ? names[s] : "not-tried";
}

const char *
tui_json_nat_behaviour(enum ctl_nat_behaviour b)
{
	static const char *const names[CTL_NATB_COUNT] = {
	    "unknown",
	    "none",
	    "endpoint-independent",
	    "endpoint-dependent",
	};

	return (unsigned)b < CTL_NATB_COUNT ? names[b] : "unknown";
}

const char *
tui_json_backend(enum ctl_backend b)
{
	static const char *const names[CTL_BACKEND_COUNT] = {
	    "kernel", "wireguard-go", "boringtun", "existing", "fake",
	};

	return (unsigned)b < CTL_BACKEND_COUNT ? names[b] : "kernel";
}

static void
jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* "key": "value" with a leading comma unless first. */
static void
jkv(FILE *f, const char *indent, const char *k, const char *v, bool first)
{
	fprintf(f, "%s%s\"%s\": ", first ? "" : ",\n", indent, k);
	if (v == NULL)
		fputs("null", f);
	else
		jstr(f, v);
}

static void
jnum(FILE *f, const char *indent, const char *k, long long v)
{
	fprintf(f, ",\n%s\"%s\": %lld", indent, k, v);
}

static void
jbool(FILE *f, const char *indent, const char *k, bool v)
{
	fprintf(f, ",\n%s\"%s\": %s", indent, k, v ? "true" : "false");
}

void
tui_status_json(FILE *f, const struct tui_model *m, int64_t now)
{
	const struct ctl_header *h = &m->header;
	const struct tui_peer **v;
	char a[IPPREFIX_STRLEN], id[2 * CTL_ID_LEN + 1];
	const char *in = "    ", *in2 = "      ";
	size_t i, n, k;

	v = sorted(m, &n);
	fprintf(f, "{\n  \"format\": %d,\n  \"node\": {\n", TUI_JSON_FORMAT);
	jkv(f, in, "name", h->name, true);
	jkv(f, in, "id_short", h->id_short, false);
	jkv(f, in, "interface", h->ifname, false);
	jkv(f, in, "backend", tui_json_backend(h->backend), false);
	jkv(f, in, "address", h->addr.family ? ipaddr_fmt(&h->addr, a, sizeof(a)) : NULL, false);
	jkv(f, in, "subnet", h->subnet.addr.family ? ipprefix_fmt(&h->subnet, a, sizeof(a)) : NULL,
	    false);
	jnum(f, in, "listen_port", h->wg_port);
	jnum(f, in, "admin_port", h->admin_port);
	jnum(f, in, "start_time", h->start_time);
	jnum(f, in, "uptime_s", now - h->start_time);
	jkv(f, in, "daemon_version", h->version, false);
	jbool(f, in, "mobile", h->mobile);
	fprintf(f, ",\n%s\"dropped\": {", in);
	for (i = 0; i < h->ndrops; i++) {
		fputs(i ? ", " : "", f);
		jstr(f, h->drops[i].name);
		fprintf(f, ": %" PRIu64, h->drops[i].count);
	}
	fprintf(f, "}");
	fprintf(f, "\n  },\n  \"nat\": {\n");
	jkv(f, in, "behaviour", tui_json_nat_behaviour(m->nat.behaviour), true);
	fprintf(f, ",\n%s\"local\": [", in);
	for (i = 0; i < m->nat.n_local; i++) {
		fputs(i ? ", " : "", f);
		jstr(f, endpoint_fmt(&m->nat.local[i], a, sizeof(a)));
	}
	fprintf(f, "],\n%s\"reflexive\": [", in);
	for (i = 0; i < m->nat.n_reflexive; i++) {
		fprintf(f, "%s{\"seen_by\": ", i ? ", " : "");
		jstr(f, m->nat.reflexive[i].seen_by);
		fputs(", \"endpoint\": ", f);
		jstr(f, endpoint_fmt(&m->nat.reflexive[i].endpoint, a, sizeof(a)));
		fputc('}', f);
	}
	fprintf(f, "]\n  },\n  \"peers\": [");
	for (i = 0, k = 0; i < n; i++) {
		const struct ctl_peer *p = &v[i]->p;

		if (p->state == CTL_PEER_SELF)
			continue;
		fprintf(f, "%s\n    {\n", k++ ? "," : "");
		hex(id, p->id, CTL_ID_LEN);
		jkv(f, in2, "id", id, true);
		jkv(f, in2, "name", p->name, false);
		jkv(f, in2, "address", p->addr.family ? ipaddr_fmt(&p->addr, a, sizeof(a)) : NULL,
		    false);
		jkv(f, in2, "state", tui_json_peer_state(p->state), false);
		jkv(f, in2, "gateway", p->state == CTL_PEER_VIA_GATEWAY ? p->gw_name : NULL, false);
		jkv(f, in2, "endpoint",
		    p->endpoint.addr.family ? endpoint_fmt(&p->endpoint, a, sizeof(a)) : NULL,
		    false);
		jnum(f, in2, "latest_handshake", p->last_handshake);
		jnum(f, in2, "rx_bytes", (long long)p->rx_bytes);
		jnum(f, in2, "tx_bytes", (long long)p->tx_bytes);
		jnum(f, in2, "rtt_us", p->rtt_us);
		jkv(f, in2, "direct_path", tui_json_nat_state(p->nat_state), false);
		jkv(f, in2, "direct_path_reason", p->nat_reason, false);
		jnum(f, in2, "keepalives_sent", (long long)p->keepalives_sent);
		jnum(f, in2, "probes_sent", (long long)p->probes_sent);
		jnum(f, in2, "probes_answered", (long long)p->probes_answered);
		jnum(f, in2, "admin_in", (long long)p->admin_in);
		jnum(f, in2, "admin_out", (long long)p->admin_out);
		jnum(f, in2, "idle_s", p->idle_s);
		jbool(f, in2, "kept_warm", p->kept_warm);
		jkv(f, in2, "kept_warm_reason", p->warm_reason, false);
		jkv(f, in2, "conflict", p->state == CTL_PEER_CONFLICT ? p->conflict : NULL, false);
		fprintf(f, "\n    }");
	}
	fprintf(f, "%s],\n  \"routes\": [", k ? "\n  " : "");
	for (i = 0; i < m->n_routes; i++) {
		const struct ctl_route *r = &m->routes[i];

		fprintf(f, "%s\n    {\"destination\": ", i ? "," : "");
		jstr(f, ipprefix_fmt(&r->dst, a, sizeof(a)));
		fputs(", \"nexthop\": ", f);
		jstr(f, r->nexthop_name);
		hex(id, r->nexthop_id, CTL_ID_LEN);
		fputs(", \"nexthop_id\": ", f);
		jstr(f, id);
		fprintf(f, ", \"cost\": %u, \"since\": %lld}", r->cost, (long long)r->since);
	}
	fprintf(f, "%s]\n}\n", m->n_routes ? "\n  " : "");
	free(v);
}
