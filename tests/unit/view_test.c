/*
 * view: nodes → control-protocol rows → events, and the events (or a
 * snapshot) applied to a TUI model give the rows back. Nodes are made by
 * hand (struct node from src/node.h) behind a view_source.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "src/log.h"
#include "src/node.h"
#include "src/route.h"
#include "src/view.h"
#include "tests/tap.h"
#include "tui/model.h"

#define N 6

static struct node nodes[N];
static struct link links[N];
static bool present[N];

static const struct node *
at(const void *ctx, uint32_t i)
{
	(void)ctx;
	return i < N && present[i] ? &nodes[i] : NULL;
}

static void
mk(uint32_t i, const char *name, const char *addr, enum node_state st, uint32_t next_hop)
{
	struct node *n = &nodes[i];

	memset(n, 0, sizeof(*n));
	/* ids sorted in reverse of the index: the view must sort */
	memset(n->id, 0, sizeof(n->id));
	n->id[0] = (uint8_t)(0xf0 - i);
	n->id[31] = (uint8_t)i;
	snprintf(n->short_id, sizeof(n->short_id), "short%03u", i);
	n->index = i;
	n->has_record = true;
	snprintf(n->rec.name, sizeof(n->rec.name), "%s", name);
	ipaddr_parse(&n->rec.addr, addr);
	n->state = st;
	n->next_hop = next_hop;
	n->cost = next_hop == ROUTE_NONE ? 0 : 10 + i;
	n->state_since = 100.0 + i;
	present[i] = true;
}

struct rec {
	struct ctl_event ev[64];
	int n;
};

static void
rec_cb(const struct ctl_event *ev, void *arg)
{
	struct rec *r = arg;

	if (r->n < 64)
		r->ev[r->n] = *ev;
	r->n++;
}

static int
count(const struct rec *r, enum ctl_event_type t)
{
	int i, c = 0;

	for (i = 0; i < r->n && i < 64; i++)
		c += r->ev[i].type == t;
	return c;
}

static bool
seq_ok(const struct rec *r, uint64_t first)
{
	int i;

	for (i = 0; i < r->n && i < 64; i++)
		if (r->ev[i].seq != first + (uint64_t)i)
			return false;
	return true;
}

static const struct ctl_peer *
find_peer(const struct view *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->n_peers; i++)
		if (strcmp(v->peers[i].name, name) == 0)
			return &v->peers[i];
	return NULL;
}

struct snap {
	struct tui_model *m;
	int end_rc;
	int begins, parts, ends;
};

static void
snap_cb(const struct ctl_msg *msg, void *arg)
{
	struct snap *s = arg;
	int rc = tui_model_feed(s->m, msg, 1000);

	s->begins += msg->type == CTL_MSG_SNAPSHOT_BEGIN;
	s->parts += msg->type == CTL_MSG_SNAPSHOT_PART;
	if (msg->type == CTL_MSG_SNAPSHOT_END) {
		s->ends++;
		s->end_rc = rc;
	}
}

static void
model_cb(const struct ctl_event *ev, void *arg)
{
	tui_model_apply(arg, ev, 2000);
}

/* The model holds exactly the view's peers and routes. */
static bool
model_matches(const struct tui_model *m, const struct view *v)
{
	size_t i;

	if (m->n_peers != v->n_peers || m->n_routes != v->n_routes)
		return false;
	for (i = 0; i < v->n_peers; i++)
		if (memcmp(&m->peers[i].p, &v->peers[i], sizeof(v->peers[i])) != 0)
			return false;
	for (i = 0; i < v->n_routes; i++)
		if (memcmp(&m->routes[i], &v->routes[i], sizeof(v->routes[i])) != 0)
			return false;
	return memcmp(&m->header, &v->header, sizeof(v->header)) == 0;
}

int
main(void)
{
	struct view_info info = {.ifname = "wg0",
	                         .backend = "wireguard-go",
	                         .wg_port = 50001,
	                         .admin_port = 50501,
	                         .start_time = 1700000000};
	struct view_source src = {.at = at, .ctx = NULL, .span = N};
	struct view pub, fresh;
	struct tui_model model, model2;
	struct snap snap = {0};
	struct rec r;
	const struct ctl_peer *p;
	uint64_t seq0;
	size_t i;

	log_init(LOG_TO_NONE, 0, "view_test");
	ipprefix_parse(&info.subnet, "10.1.0.0/16", false);
	view_init(&pub);
	view_init(&fresh);
	fresh.mono_offset = pub.mono_offset;
	tui_model_init(&model);
	tui_model_init(&model2);

	/* self a; b direct over the LAN; c via b; d down; e without a record */
	mk(0, "alice", "10.1.1.1", NODE_SELF, ROUTE_NONE);
	mk(1, "bob", "10.1.1.2", NODE_DIRECT, 1);
	nodes[1].link = &links[1];
	links[1].kind = LINK_LAN;
	endpoint_parse(&links[1].wg_seen, "192.168.1.2:50002");
	links[1].rx_bytes = 1000;
	links[1].handshake_wall = 1700000100;
	mk(2, "carol", "10.1.1.3", NODE_VIA_GATEWAY, 1);
	nodes[2].path.state = PATH_BACKOFF;
	snprintf(nodes[2].path.reason, sizeof(nodes[2].path.reason), "symmetric NAT");
	mk(3, "dave", "10.1.1.4", NODE_DOWN, ROUTE_NONE);
	mk(4, "", "10.1.1.5", NODE_UNKNOWN, ROUTE_NONE);
	nodes[4].has_record = false;
	src.self = &nodes[0];
	src.self_conflict = "";

	/* ---- rows */
	is_int(view_build_nodes(&fresh, &src, &info, 200.0), 0, "build rows");
	is_int(fresh.n_peers, 4, "4 peers: nodes with a record, self included");
	is_int(fresh.n_routes, 2, "2 routes: bob (direct) and carol (via bob)");
	ok(fresh.n_peers == 4 && memcmp(fresh.peers[0].id, fresh.peers[1].id, CTL_ID_LEN) < 0 &&
	       memcmp(fresh.peers[2].id, fresh.peers[3].id, CTL_ID_LEN) < 0,
	   "peers sorted by id");
	is_str(fresh.header.name, "alice", "header: name");
	is_str(fresh.header.ifname, "wg0", "header: interface");
	is_int(fresh.header.backend, CTL_BACKEND_WIREGUARD_GO, "header: backend");
	is_int(strlen(fresh.header.id_short), CTL_ID_SHORT_LEN, "header: short id, 8 characters");
	is_str(fresh.header.id_short, "f0000000", "header: short id is hex of the id");
	is_int(fresh.header.wg_port, 50001, "header: WireGuard port");
	p = find_peer(&fresh, "alice");
	ok(p != NULL && p->state == CTL_PEER_SELF, "self is SELF");
	p = find_peer(&fresh, "bob");
	ok(p != NULL && p->state == CTL_PEER_DIRECT_LAN, "LAN link: direct LAN");
	ok(p != NULL && p->endpoint.port == 50002 && p->rx_bytes == 1000 &&
	       p->last_handshake == 1700000100,
	   "bob: endpoint, counters and handshake from the link");
	p = find_peer(&fresh, "carol");
	ok(p != NULL && p->state == CTL_PEER_VIA_GATEWAY && strcmp(p->gw_name, "bob") == 0 &&
	       memcmp(p->gw_id, nodes[1].id, CTL_ID_LEN) == 0,
	   "carol: via gateway bob");
	ok(p != NULL && p->nat_state == CTL_NAT_BACKING_OFF &&
	       strcmp(p->nat_reason, "symmetric NAT") == 0,
	   "carol: direct path backing off, with the reason");
	p = find_peer(&fresh, "dave");
	ok(p != NULL && p->state == CTL_PEER_DOWN, "dave: down");
	ok(fresh.routes[0].dst.len == 32 && strcmp(fresh.routes[1].nexthop_name, "bob") == 0 &&
	       fresh.routes[1].cost == 12,
	   "routes: host prefixes, next hop and cost");
	is_int(view_backend("existing (wireguard-go)"), CTL_BACKEND_EXISTING, "backend: existing");
	is_int(view_backend("kernel"), CTL_BACKEND_KERNEL, "backend: kernel");

	/* ---- first publish: everything is new */
	memset(&r, 0, sizeof(r));
	tui_model_snapshot_begin(&model, &(struct ctl_snapshot_begin){0});
	tui_model_snapshot_end(&model, &(struct ctl_snapshot_end){0});
	is_int(view_publish(&pub, &fresh, rec_cb, &r), 7, "first publish: 7 events");
	is_int(count(&r, CTL_EV_HEADER), 1, "... a header");
	is_int(count(&r, CTL_EV_PEER_UPSERT), 4, "... 4 peer upserts");
	is_int(count(&r, CTL_EV_ROUTE_UPSERT), 2, "... 2 route upserts");
	ok(seq_ok(&r, 1), "seq 1, 2, 3, ... one per event");
	for (i = 0; i < (size_t)r.n; i++)
		model_cb(&r.ev[i], &model);
	ok(model_matches(&model, &pub), "the model fed with the events equals the view");

	/* ---- nothing changed: no events */
	memset(&r, 0, sizeof(r));
	view_build_nodes(&fresh, &src, &info, 200.0);
	is_int(view_publish(&pub, &fresh, rec_cb, &r), 0, "unchanged: no events");

	/* ---- carol goes direct (NAT), dave comes back via bob, bob's counters move */
	seq0 = pub.seq;
	nodes[2].state = NODE_DIRECT;
	nodes[2].next_hop = 2;
	nodes[2].link = &links[2];
	links[2].kind = LINK_NAT;
	nodes[3].state = NODE_VIA_GATEWAY;
	nodes[3].next_hop = 1;
	links[1].rx_bytes = 5000;
	memset(&r, 0, sizeof(r));
	view_build_nodes(&fresh, &src, &info, 201.0);
	is_int(view_publish(&pub, &fresh, rec_cb, &r), 5, "changes: 5 events");
	is_int(count(&r, CTL_EV_PEER_UPSERT), 3, "... bob, carol, dave upserted");
	is_int(count(&r, CTL_EV_ROUTE_UPSERT), 2, "... carol's route changed, dave's is new");
	ok(seq_ok(&r, seq0 + 1), "... seq continues");
	p = find_peer(&pub, "carol");
	ok(p != NULL && p->state == CTL_PEER_DIRECT_NAT, "carol: direct NAT");
	for (i = 0; i < (size_t)r.n; i++)
		model_cb(&r.ev[i], &model);
	ok(model_matches(&model, &pub), "the model follows");

	/* ---- bob leaves the table, carol loses her record */
	present[1] = false;
	nodes[3].state = NODE_DOWN;
	nodes[3].next_hop = ROUTE_NONE;
	memset(&r, 0, sizeof(r));
	view_build_nodes(&fresh, &src, &info, 202.0);
	view_publish(&pub, &fresh, rec_cb, &r);
	is_int(count(&r, CTL_EV_PEER_REMOVE), 1, "bob removed: one PEER_REMOVE");
	for (i = 0; i < (size_t)r.n && r.ev[i].type != CTL_EV_PEER_REMOVE; i++)
		;
	ok(i < (size_t)r.n && memcmp(r.ev[i].peer_id, nodes[1].id, CTL_ID_LEN) == 0,
	   "... with bob's id");
	is_int(count(&r, CTL_EV_ROUTE_REMOVE), 2, "bob's and dave's routes removed");
	is_int(count(&r, CTL_EV_PEER_UPSERT), 1, "dave down: one PEER_UPSERT");
	for (i = 0; i < (size_t)r.n; i++)
		model_cb(&r.ev[i], &model);
	ok(model_matches(&model, &pub), "the model follows removals");

	/* ---- self conflict */
	src.self_conflict = "10.1.1.1 is held by zed";
	memset(&r, 0, sizeof(r));
	view_build_nodes(&fresh, &src, &info, 203.0);
	view_publish(&pub, &fresh, rec_cb, &r);
	p = find_peer(&pub, "alice");
	ok(p != NULL && p->state == CTL_PEER_CONFLICT && strstr(p->conflict, "zed") != NULL,
	   "own address refused: self shown in conflict, with the reason");
	src.self_conflict = "";

	/* ---- log lines become events, then part of the snapshot */
	memset(&r, 0, sizeof(r));
	view_publish_log(&pub, rec_cb, &r);
	seq0 = pub.seq;
	memset(&r, 0, sizeof(r));
	log_info("first line");
	log_warnx("second line");
	is_int(view_publish_log(&pub, rec_cb, &r), 2, "two new log lines: two events");
	ok(r.n == 2 && r.ev[0].type == CTL_EV_LOG && strcmp(r.ev[0].log.text, "first line") == 0 &&
	       r.ev[1].log.level == CTL_LOG_WARN && r.ev[1].seq == seq0 + 2,
	   "... in order, with level and seq");
	is_int(view_publish_log(&pub, rec_cb, &r), 0, "no new lines: nothing");

	/* ---- snapshot into a fresh model: the same as the event-fed one */
	snap.m = &model2;
	view_snapshot(&pub, snap_cb, &snap);
	is_int(snap.begins, 1, "snapshot: one BEGIN");
	is_int(snap.ends, 1, "snapshot: one END");
	is_int(snap.end_rc, 0, "snapshot: counts check out");
	ok(model_matches(&model2, &pub), "snapshot-fed model equals the view");
	ok(model2.log_n >= 2 &&
	       strcmp(tui_model_log(&model2, model2.log_n - 1)->text, "second line") == 0,
	   "snapshot carries the log ring");
	is_int(model2.seq, pub.seq, "snapshot seq is the view's");
	for (i = 0; i < (size_t)r.n; i++)
		model_cb(&r.ev[i], &model);
	ok(model.n_peers == model2.n_peers && model.n_routes == model2.n_routes,
	   "event-fed and snapshot-fed models agree");

	tui_model_free(&model);
	tui_model_free(&model2);
	view_free(&pub);
	view_free(&fresh);
	return tap_done();
}
