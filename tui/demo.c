/*
 * demo: the built-in demo mesh (see demo.h). It goes through the same entry
 * points as a real feed (snapshot begin, parts, end, then events), so it also
 * exercises the model.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tui/demo.h"

struct demo_peer {
	const char *name, *addr, *endpoint, *gw;
	enum ctl_peer_state state;
	enum ctl_nat_state nat;
	const char *reason;
	int hs_ago; /* -1: never */
	uint32_t rtt_us;
	const char *warm;
	const char *conflict;
};

static const struct demo_peer named[] = {
    {"alice", "10.1.1.1", NULL, NULL, CTL_PEER_SELF, CTL_NAT_NOT_TRIED, "", -1, 0, NULL, NULL},
    {"beta", "10.1.1.2", "203.0.113.10:50000", NULL, CTL_PEER_DIRECT, CTL_NAT_NOT_TRIED,
     "public endpoint", 12, 18400, "gateway for 3 nodes", NULL},
    {"gamma", "10.1.1.3", "192.168.1.20:50000", NULL, CTL_PEER_DIRECT_LAN, CTL_NAT_DIRECT,
     "same LAN", 47, 650, NULL, NULL},
    {"delta", "10.1.1.4", "198.51.100.77:41234", NULL, CTL_PEER_DIRECT_NAT, CTL_NAT_DIRECT,
     "punched after 3 probes", 95, 31000, "NAT mapping", NULL},
    {"epsilon", "10.1.1.5", NULL, "beta", CTL_PEER_VIA_GATEWAY, CTL_NAT_BACKING_OFF,
     "no answer to 5 probes (endpoint-dependent NAT)", 200, 52000, NULL, NULL},
    {"zeta", "10.1.1.6", NULL, NULL, CTL_PEER_DOWN, CTL_NAT_FAILED, "peer unreachable", -1, 0, NULL,
     NULL},
    {"a-very-long-node-name-that-does-not-fit-anywhere", "fd00::1:2:3:4", "[2001:db8::4]:50000",
     "beta", CTL_PEER_VIA_GATEWAY, CTL_NAT_PROBING, "probing 2 candidates", 3700, 2400000, NULL,
     NULL},
    {"omega", "10.1.9.9", "203.0.113.99:50000", NULL, CTL_PEER_CONFLICT, CTL_NAT_NOT_TRIED, "",
     4000, 0, NULL, "10.1.9.9 is also claimed by psi (live since 2h)"},
};
#define N_NAMED (sizeof(named) / sizeof(named[0]))

static const char *const log_text[] = {
    "wgnm 0.1.0 starting on wg0 (kernel)",
    "static peer vps.example.net resolved to 203.0.113.10",
    "handshake with beta",
    "beta: admin hello answered, 3 nodes learned",
    "gamma: same LAN candidate 192.168.1.20:50000 answered",
    "delta: punching via 198.51.100.77:41234",
    "delta: direct path proven, moving 10.1.1.4/32 off beta",
    "epsilon: no answer to 5 probes, backing off 4m",
    "zeta: no handshake for 180s, marked down",
    "omega: address 10.1.9.9 already held by psi",
    "route 10.1.1.5/32 via beta cost 20",
};

static void
mkid(uint8_t *id, unsigned n)
{
	unsigned i;

	for (i = 0; i < CTL_ID_LEN; i++)
		id[i] = (uint8_t)((n + 1) * 37 + i * 11);
	id[0] = (uint8_t)(n >> 8);
	id[1] = (uint8_t)n;
}

static void
demo_peer(struct ctl_peer *p, unsigned i, int64_t now, uint64_t bump)
{
	char s[64];

	memset(p, 0, sizeof(*p));
	mkid(p->id, i);
	if (i < N_NAMED) {
		const struct demo_peer *d = &named[i];

		snprintf(p->name, sizeof(p->name), "%s", d->name);
		ipaddr_parse(&p->addr, d->addr);
		if (d->endpoint != NULL)
			endpoint_parse(&p->endpoint, d->endpoint);
		p->state = d->state;
		if (d->gw != NULL) {
			mkid(p->gw_id, 1);
			snprintf(p->gw_name, sizeof(p->gw_name), "%s", d->gw);
		}
		p->nat_state = d->nat;
		snprintf(p->nat_reason, sizeof(p->nat_reason), "%s", d->reason);
		p->last_handshake = d->hs_ago < 0 ? 0 : now - d->hs_ago;
		p->rtt_us = d->rtt_us;
		if (d->warm != NULL) {
			p->kept_warm = true;
			snprintf(p->warm_reason, sizeof(p->warm_reason), "%s", d->warm);
		}
		if (d->conflict != NULL)
			snprintf(p->conflict, sizeof(p->conflict), "%s", d->conflict);
		if (p->nat_state == CTL_NAT_BACKING_OFF)
			p->backoff_s = 240;
	} else {
		snprintf(p->name, sizeof(p->name), "node-%03u", i - (unsigned)N_NAMED);
		snprintf(s, sizeof(s), "10.1.%u.%u", 2 + i / 250, 1 + i % 250);
		ipaddr_parse(&p->addr, s);
		p->state = i % 3 == 0 ? CTL_PEER_DIRECT : CTL_PEER_VIA_GATEWAY;
		if (p->state == CTL_PEER_VIA_GATEWAY) {
			mkid(p->gw_id, 1);
			snprintf(p->gw_name, sizeof(p->gw_name), "beta");
		} else {
			snprintf(s, sizeof(s), "198.51.100.%u:50000", 1 + i % 250);
			endpoint_parse(&p->endpoint, s);
		}
		p->last_handshake = now - (int64_t)(i % 170);
		p->rtt_us = 1000 * (i % 90 + 5);
	}
	if (p->state != CTL_PEER_SELF && p->state != CTL_PEER_DOWN) {
		p->rx_bytes = (uint64_t)(i + 1) * 1234567 + bump * (i + 1) * 2048;
		p->tx_bytes = (uint64_t)(i + 1) * 654321 + bump * (i + 1) * 1024;
		p->keepalives_sent = 10 * i + 3;
		p->probes_sent = i % 7;
		p->probes_answered = i % 7 > 1 ? i % 7 - 1 : 0;
		p->admin_in = 40 + i;
		p->admin_out = 38 + i;
	}
	p->idle_s = (uint32_t)(i * 13 % 400);
}

static void
demo_route(struct ctl_route *r, const struct ctl_peer *p, int64_t now, unsigned i)
{
	memset(r, 0, sizeof(*r));
	r->dst = ipprefix_host(&p->addr);
	if (p->state == CTL_PEER_VIA_GATEWAY) {
		memcpy(r->nexthop_id, p->gw_id, CTL_ID_LEN);
		snprintf(r->nexthop_name, sizeof(r->nexthop_name), "%s", p->gw_name);
		r->cost = 20;
	} else {
		memcpy(r->nexthop_id, p->id, CTL_ID_LEN);
		snprintf(r->nexthop_name, sizeof(r->nexthop_name), "%s", p->name);
		r->cost = p->state == CTL_PEER_DIRECT_LAN ? 1 : 10;
	}
	r->since = now - 60 * (int64_t)(i + 1);
}

static bool
routed(const struct ctl_peer *p)
{
	return p->state != CTL_PEER_SELF && p->state != CTL_PEER_DOWN &&
	       p->state != CTL_PEER_CONFLICT;
}

int
tui_demo_fill(struct tui_model *m, unsigned extra, int64_t now)
{
	struct ctl_snapshot_begin b;
	struct ctl_snapshot_end e = {0};
	struct ctl_event ev;
	unsigned i, n = (unsigned)N_NAMED + extra;
	int rc;

	memset(&b, 0, sizeof(b));
	b.seq = 1000;
	snprintf(b.header.name, sizeof(b.header.name), "alice");
	snprintf(b.header.id_short, sizeof(b.header.id_short), "1a2b3c4d");
	snprintf(b.header.ifname, sizeof(b.header.ifname), "wg0");
	b.header.backend = CTL_BACKEND_KERNEL;
	ipaddr_parse(&b.header.addr, "10.1.1.1");
	ipprefix_parse(&b.header.subnet, "10.1.0.0/16", false);
	b.header.wg_port = 50000;
	b.header.admin_port = 55555;
	b.header.start_time = now - 3 * 3600 - 12 * 60;
	snprintf(b.header.version, sizeof(b.header.version), "0.1.0");
	b.nat.n_local = 3;
	endpoint_parse(&b.nat.local[0], "192.168.1.10:50000");
	endpoint_parse(&b.nat.local[1], "10.0.2.15:50000");
	endpoint_parse(&b.nat.local[2], "[fd00:abcd::10]:50000");
	b.nat.n_reflexive = 2;
	snprintf(b.nat.reflexive[0].seen_by, sizeof(b.nat.reflexive[0].seen_by), "beta");
	endpoint_parse(&b.nat.reflexive[0].endpoint, "198.51.100.20:61001");
	snprintf(b.nat.reflexive[1].seen_by, sizeof(b.nat.reflexive[1].seen_by), "vps2");
	endpoint_parse(&b.nat.reflexive[1].endpoint, "198.51.100.20:61001");
	b.nat.behaviour = CTL_NATB_ENDPOINT_INDEPENDENT;
	b.n_peers = n;
	tui_model_snapshot_begin(m, &b);

	for (i = 0; i < n; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.seq = b.seq;
		ev.type = CTL_EV_PEER_UPSERT;
		demo_peer(&ev.peer, i, now, 0);
		if ((rc = tui_model_apply(m, &ev, 1000)) < 0)
			return rc;
		if (routed(&ev.peer)) {
			struct ctl_peer p = ev.peer;

			ev.type = CTL_EV_ROUTE_UPSERT;
			demo_route(&ev.route, &p, now, i);
			if ((rc = tui_model_apply(m, &ev, 1000)) < 0)
				return rc;
			e.n_routes++;
		}
	}
	for (i = 0; i < sizeof(log_text) / sizeof(log_text[0]); i++) {
		memset(&ev, 0, sizeof(ev));
		ev.seq = b.seq;
		ev.type = CTL_EV_LOG;
		ev.log.seq = i + 1;
		ev.log.realtime_ms = (now - 600 + 50 * (int64_t)i) * 1000;
		ev.log.level =
		    i % 4 == 3 ? CTL_LOG_DEBUG
		    : strstr(log_text[i], "down") != NULL || strstr(log_text[i], "already") != NULL
		        ? CTL_LOG_WARN
		        : CTL_LOG_INFO;
		snprintf(ev.log.text, sizeof(ev.log.text), "%s", log_text[i]);
		if ((rc = tui_model_apply(m, &ev, 1000)) < 0)
			return rc;
		e.n_logs++;
	}
	e.seq = b.seq;
	e.n_peers = n;
	if ((rc = tui_model_snapshot_end(m, &e)) < 0)
		return rc;

	/* A second sample two seconds later, so that rates show. */
	for (i = 0; i < n; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.seq = b.seq + 1 + i;
		ev.type = CTL_EV_PEER_UPSERT;
		demo_peer(&ev.peer, i, now, 1);
		if ((rc = tui_model_apply(m, &ev, 3000)) < 0)
			return rc;
	}
	return 0;
}

int
tui_demo_tick(struct tui_model *m, unsigned frame, int64_t now, int64_t now_ms)
{
	struct ctl_event ev;
	unsigned i = frame % (m->n_peers > 0 ? (unsigned)m->n_peers : 1);
	int rc;

	memset(&ev, 0, sizeof(ev));
	ev.seq = m->seq + 1;
	ev.type = CTL_EV_PEER_UPSERT;
	demo_peer(&ev.peer, i, now, 2 + frame);
	if (frame % 5 == 4 && ev.peer.state == CTL_PEER_VIA_GATEWAY) {
		ev.peer.state = CTL_PEER_DIRECT_NAT;
		ev.peer.nat_state = CTL_NAT_DIRECT;
	}
	if ((rc = tui_model_apply(m, &ev, now_ms)) < 0)
		return rc;
	memset(&ev, 0, sizeof(ev));
	ev.seq = m->seq + 1;
	ev.type = CTL_EV_LOG;
	ev.log.seq = (m->log_n > 0 ? tui_model_log(m, m->log_n - 1)->seq : 0) + 1;
	ev.log.realtime_ms = now * 1000;
	ev.log.level = frame % 3 == 0 ? CTL_LOG_DEBUG : CTL_LOG_INFO;
	snprintf(ev.log.text, sizeof(ev.log.text), "demo frame %u: peer %u updated", frame, i);
	return tui_model_apply(m, &ev, now_ms);
}
