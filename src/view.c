/*
 * view: mesh state as control-protocol rows, and the events between two
 * versions of them (see view.h for the vocabulary and invariants).
 *
 * Owns: the published rows and the event sequence. Reads the mesh through
 * its read API (src/mesh.h, struct node) and the log ring (src/log.h); writes
 * nothing anywhere but into the view and the callbacks it is given.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/log.h"
#include "src/mesh.h"
#include "src/node.h"
#include "src/route.h"
#include "src/view.h"

#define VIEW_LOG_CHUNK 64

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
view_init(struct view *v)
{
	struct timespec rt;

	memset(v, 0, sizeof(*v));
	clock_gettime(CLOCK_REALTIME, &rt);
	/* Whole seconds: a time converted twice gives the same second. */
	v->mono_offset = floor((double)rt.tv_sec - mono_now());
	return 0;
}

void
view_free(struct view *v)
{
	free(v->peers);
	free(v->routes);
	v->peers = NULL;
	v->routes = NULL;
	v->n_peers = v->cap_peers = v->n_routes = v->cap_routes = 0;
}

/* ---------------------------------------------------------------- rows */

static void
addr_copy(struct ipaddr *d, const struct ipaddr *s)
{
	memset(d, 0, sizeof(*d));
	if (s->family == AF_INET || s->family == AF_INET6) {
		d->family = s->family;
		memcpy(d->bytes, s->bytes, ipaddr_len(s));
	}
}

static void
ep_copy(struct endpoint *d, const struct endpoint *s)
{
	memset(d, 0, sizeof(*d));
	addr_copy(&d->addr, &s->addr);
	if (d->addr.family != AF_UNSPEC)
		d->port = s->port;
}

static void
str_copy(char *d, size_t len, const char *s)
{
	/* d is zeroed: the tail stays NUL. */
	size_t n = strlen(s);

	if (n > len - 1)
		n = len - 1;
	memcpy(d, s, n);
}

static int64_t
wall_of(const struct view *v, double mono)
{
	return mono > 0 ? (int64_t)floor(mono + v->mono_offset) : 0;
}

/* Ages shown as "42s", "5m", "3h": coarser steps mean fewer change events. */
static uint32_t
coarse_age(double s)
{
	uint32_t a;

	if (s <= 0)
		return 0;
	a = s > 4e9 ? 4000000000U : (uint32_t)s;
	if (a >= 3600)
		return a - a % 3600;
	if (a >= 60)
		return a - a % 60;
	return a;
}

static const struct node *
src_at(const struct view_source *src, uint32_t index)
{
	return index < src->span ? src->at(src->ctx, index) : NULL;
}

static const char *
name_of(const struct node *n)
{
	return n->has_record && n->rec.name[0] != '\0' ? n->rec.name : n->short_id;
}

static enum ctl_peer_state
peer_state(const struct node *n, const struct view_source *src)
{
	if (n == src->self)
		return src->self_conflict != NULL && src->self_conflict[0] != '\0'
		           ? CTL_PEER_CONFLICT
		           : CTL_PEER_SELF;
	switch (n->state) {
	case NODE_SELF:
		return CTL_PEER_SELF;
	case NODE_DIRECT:
		if (n->link != NULL && n->link->kind == LINK_LAN)
			return CTL_PEER_DIRECT_LAN;
		if (n->link != NULL && n->link->kind == LINK_NAT)
			return CTL_PEER_DIRECT_NAT;
		return CTL_PEER_DIRECT;
	case NODE_VIA_GATEWAY:
		return CTL_PEER_VIA_GATEWAY;
	case NODE_DOWN:
		return CTL_PEER_DOWN;
	case NODE_CONFLICT:
		return CTL_PEER_CONFLICT;
	case NODE_UNKNOWN:
		break;
	}
	return CTL_PEER_UNKNOWN;
}

static enum ctl_nat_state
nat_state(enum path_state s)
{
	switch (s) {
	case PATH_PROBING:
		return CTL_NAT_PROBING;
	case PATH_PUNCHING:
		return CTL_NAT_PUNCHING;
	case PATH_DIRECT:
		return CTL_NAT_DIRECT;
	case PATH_FAILED:
		return CTL_NAT_FAILED;
	case PATH_BACKOFF:
		return CTL_NAT_BACKING_OFF;
	case PATH_NOT_TRIED:
		break;
	}
	return CTL_NAT_NOT_TRIED;
}

static void
peer_row(const struct view *v, struct ctl_peer *p, const struct node *n,
         const struct view_source *src, double now)
{
	const struct link *l = n->link;

	memset(p, 0, sizeof(*p));
	memcpy(p->id, n->id, CTL_ID_LEN);
	str_copy(p->name, sizeof(p->name), name_of(n));
	if (n->has_record)
		addr_copy(&p->addr, &n->rec.addr);
	p->state = peer_state(n, src);
	if (p->state == CTL_PEER_VIA_GATEWAY) {
		const struct node *gw = src_at(src, n->next_hop);

		if (gw != NULL) {
			memcpy(p->gw_id, gw->id, CTL_ID_LEN);
			str_copy(p->gw_name, sizeof(p->gw_name), name_of(gw));
		}
	}
	if (p->state == CTL_PEER_CONFLICT)
		str_copy(p->conflict, sizeof(p->conflict),
		         n == src->self ? src->self_conflict : n->conflict);
	if (l != NULL) {
		ep_copy(&p->endpoint, l->wg_seen.port != 0 ? &l->wg_seen : &l->endpoint);
		p->last_handshake = l->handshake_wall;
		p->rx_bytes = l->rx_bytes;
		p->tx_bytes = l->tx_bytes;
		p->rtt_us = l->rtt_us;
		p->idle_s = l->last_used > 0 ? coarse_age(now - l->last_used) : 0;
		p->kept_warm = l->warm;
		str_copy(p->warm_reason, sizeof(p->warm_reason), l->warm_reason);
	}
	if (n != src->self) {
		p->nat_state = nat_state(n->path.state);
		str_copy(p->nat_reason, sizeof(p->nat_reason), n->path.reason);
		if (n->path.state == PATH_BACKOFF && n->path.retry_at > now)
			p->backoff_s = (uint32_t)ceil(n->path.retry_at - now);
	}
	p->keepalives_sent = n->cnt.keepalives;
	p->probes_sent = n->cnt.probes_sent;
	p->probes_answered = n->cnt.probes_answered;
	p->admin_in = n->cnt.admin_in;
	p->admin_out = n->cnt.admin_out;
	(void)v;
}

static bool
route_row(const struct view *v, struct ctl_route *r, const struct node *n,
          const struct view_source *src)
{
	const struct node *nh;

	if (n == src->self || !n->has_record || n->rec.addr.family == AF_UNSPEC ||
	    n->next_hop == ROUTE_NONE || (n->state != NODE_DIRECT && n->state != NODE_VIA_GATEWAY))
		return false;
	nh = src_at(src, n->next_hop);
	if (nh == NULL)
		return false;
	memset(r, 0, sizeof(*r));
	addr_copy(&r->dst.addr, &n->rec.addr);
	r->dst.len = (uint8_t)ipaddr_bits(&r->dst.addr);
	memcpy(r->nexthop_id, nh->id, CTL_ID_LEN);
	str_copy(r->nexthop_name, sizeof(r->nexthop_name), name_of(nh));
	r->cost = n->cost;
	r->since = wall_of(v, n->state_since);
	return true;
}

static int
peer_cmp(const void *a, const void *b)
{
	return memcmp(((const struct ctl_peer *)a)->id, ((const struct ctl_peer *)b)->id,
	              CTL_ID_LEN);
}

static int
prefix_cmp(const struct ipprefix *a, const struct ipprefix *b)
{
	int c = ipaddr_cmp(&a->addr, &b->addr);

	return c != 0 ? c : (int)a->len - (int)b->len;
}

static int
route_cmp(const void *a, const void *b)
{
	return prefix_cmp(&((const struct ctl_route *)a)->dst, &((const struct ctl_route *)b)->dst);
}

static int
reserve(void **arr, size_t *cap, size_t want, size_t sz)
{
	void *p;

	if (want <= *cap)
		return 0;
	p = realloc(*arr, want * sz);
	if (p == NULL)
		return -ENOMEM;
	*arr = p;
	*cap = want;
	return 0;
}

enum ctl_backend
view_backend(const char *name)
{
	if (name == NULL)
		return CTL_BACKEND_KERNEL;
	if (strncmp(name, "existing", 8) == 0)
		return CTL_BACKEND_EXISTING;
	if (strcmp(name, "wireguard-go") == 0)
		return CTL_BACKEND_WIREGUARD_GO;
	if (strcmp(name, "boringtun") == 0)
		return CTL_BACKEND_BORINGTUN;
	if (strcmp(name, "fake") == 0)
		return CTL_BACKEND_FAKE;
	return CTL_BACKEND_KERNEL;
}

int
view_build_nodes(struct view *v, const struct view_source *src, const struct view_info *info,
                 double now)
{
	const struct node *self = src->self;
	struct ctl_header *h = &v->header;
	uint32_t i;

	memset(h, 0, sizeof(*h));
	if (self != NULL) {
		str_copy(h->name, sizeof(h->name), name_of(self));
		static const char digits[] = "0123456789abcdef";
		size_t k;

		/* The protocol's short id is hex (the core's own is base64). */
		for (k = 0; k < CTL_ID_SHORT_LEN / 2; k++) {
			h->id_short[2 * k] = digits[self->id[k] >> 4];
			h->id_short[2 * k + 1] = digits[self->id[k] & 15];
		}
		if (self->has_record)
			addr_copy(&h->addr, &self->rec.addr);
	}
	str_copy(h->ifname, sizeof(h->ifname), info->ifname != NULL ? info->ifname : "");
	h->backend = view_backend(info->backend);
	addr_copy(&h->subnet.addr, &info->subnet.addr);
	h->subnet.len = h->subnet.addr.family != AF_UNSPEC ? info->subnet.len : 0;
	h->wg_port = info->wg_port;
	h->admin_port = info->admin_port;
	h->start_time = info->start_time;
	str_copy(h->version, sizeof(h->version), PACKAGE_VERSION);
	h->mobile = info->mobile;

	if (reserve((void **)&v->peers, &v->cap_peers, src->span, sizeof(*v->peers)) < 0 ||
	    reserve((void **)&v->routes, &v->cap_routes, src->span, sizeof(*v->routes)) < 0)
		return -ENOMEM;
	v->n_peers = v->n_routes = 0;
	for (i = 0; i < src->span; i++) {
		const struct node *n = src->at(src->ctx, i);

		if (n == NULL || (!n->has_record && n != self))
			continue;
		peer_row(v, &v->peers[v->n_peers++], n, src, now);
		if (route_row(v, &v->routes[v->n_routes], n, src))
			v->n_routes++;
	}
	qsort(v->peers, v->n_peers, sizeof(*v->peers), peer_cmp);
	qsort(v->routes, v->n_routes, sizeof(*v->routes), route_cmp);
	return 0;
}

static const struct node *
mesh_src_at(const void *ctx, uint32_t index)
{
	return mesh_node_at(ctx, index);
}

int
view_build(struct view *v, const struct mesh *m, const struct view_info *info)
{
	struct view_source src = {
	    .at = mesh_src_at,
	    .ctx = m,
	    .span = mesh_node_span(m),
	    .self = mesh_self(m),
	    .self_conflict = mesh_self_conflict(m),
	};
	struct mesh_reflexive refl[CTL_NAT_REFL_MAX];
	const struct node *self = src.self;
	size_t i, n;
	int rc;

	rc = view_build_nodes(v, &src, info, mono_now());
	if (rc < 0)
		return rc;
	/* the core's drop counters that are not zero */
	for (i = 0; mesh_drop_reason_name((unsigned)i) != NULL && v->header.ndrops < CTL_DROPS_MAX;
	     i++) {
		uint64_t c = mesh_stats(m)->dropped[i];

		if (c == 0)
			continue;
		str_copy(v->header.drops[v->header.ndrops].name, sizeof(v->header.drops[0].name),
		         mesh_drop_reason_name((unsigned)i));
		v->header.drops[v->header.ndrops++].count = c;
	}
	memset(&v->nat, 0, sizeof(v->nat));
	for (i = 0; self != NULL && self->has_record && i < self->rec.ncandidates &&
	            v->nat.n_local < CTL_NAT_CAND_MAX;
	     i++)
		ep_copy(&v->nat.local[v->nat.n_local++], &self->rec.candidates[i]);
	n = mesh_reflexive(m, refl, CTL_NAT_REFL_MAX);
	for (i = 0; i < n; i++) {
		struct ctl_reflexive *r = &v->nat.reflexive[v->nat.n_reflexive];

		if (refl[i].wg.port == 0)
			continue;
		str_copy(r->seen_by, sizeof(r->seen_by), name_of(refl[i].seen_by));
		ep_copy(&r->endpoint, &refl[i].wg);
		v->nat.n_reflexive++;
	}
	switch (mesh_nat_behaviour(m)) {
	case MESH_NAT_NONE:
		v->nat.behaviour = CTL_NATB_NONE;
		break;
	case MESH_NAT_ENDPOINT_INDEPENDENT:
		v->nat.behaviour = CTL_NATB_ENDPOINT_INDEPENDENT;
		break;
	case MESH_NAT_ENDPOINT_DEPENDENT:
		v->nat.behaviour = CTL_NATB_ENDPOINT_DEPENDENT;
		break;
	case MESH_NAT_UNKNOWN:
		v->nat.behaviour = CTL_NATB_UNKNOWN;
		break;
	}
	return 0;
}

/* ---------------------------------------------------------------- events */

static void
emit(struct view *pub, struct ctl_event *ev, view_event_fn fn, void *arg)
{
	ev->seq = ++pub->seq;
	fn(ev, arg);
}

int
view_publish(struct view *pub, const struct view *fresh, view_event_fn fn, void *arg)
{
	struct ctl_event ev;
	size_t i = 0, j = 0;
	int count = 0, c;

	if (reserve((void **)&pub->peers, &pub->cap_peers, fresh->n_peers, sizeof(*pub->peers)) <
	        0 ||
	    reserve((void **)&pub->routes, &pub->cap_routes, fresh->n_routes,
	            sizeof(*pub->routes)) < 0)
		return -ENOMEM;
	if (memcmp(&pub->header, &fresh->header, sizeof(pub->header)) != 0) {
		memset(&ev, 0, sizeof(ev));
		ev.type = CTL_EV_HEADER;
		ev.header = fresh->header;
		emit(pub, &ev, fn, arg);
		pub->header = fresh->header;
		count++;
	}
	if (memcmp(&pub->nat, &fresh->nat, sizeof(pub->nat)) != 0) {
		memset(&ev, 0, sizeof(ev));
		ev.type = CTL_EV_NAT;
		ev.nat = fresh->nat;
		emit(pub, &ev, fn, arg);
		pub->nat = fresh->nat;
		count++;
	}
	/* Both sorted by id: one merge walk. */
	while (i < pub->n_peers || j < fresh->n_peers) {
		if (i == pub->n_peers)
			c = 1;
		else if (j == fresh->n_peers)
			c = -1;
		else
			c = peer_cmp(&pub->peers[i], &fresh->peers[j]);
		memset(&ev, 0, sizeof(ev));
		if (c < 0) {
			ev.type = CTL_EV_PEER_REMOVE;
			memcpy(ev.peer_id, pub->peers[i].id, CTL_ID_LEN);
			i++;
		} else {
			if (c == 0 && memcmp(&pub->peers[i], &fresh->peers[j],
			                     sizeof(fresh->peers[j])) == 0) {
				i++;
				j++;
				continue;
			}
			ev.type = CTL_EV_PEER_UPSERT;
			ev.peer = fresh->peers[j];
			i += c == 0;
			j++;
		}
		emit(pub, &ev, fn, arg);
		count++;
	}
	i = j = 0;
	while (i < pub->n_routes || j < fresh->n_routes) {
		if (i == pub->n_routes)
			c = 1;
		else if (j == fresh->n_routes)
			c = -1;
		else
			c = route_cmp(&pub->routes[i], &fresh->routes[j]);
		memset(&ev, 0, sizeof(ev));
		if (c < 0) {
			ev.type = CTL_EV_ROUTE_REMOVE;
			ev.route_dst = pub->routes[i].dst;
			i++;
		} else {
			if (c == 0 && memcmp(&pub->routes[i], &fresh->routes[j],
			                     sizeof(fresh->routes[j])) == 0) {
				i++;
				j++;
				continue;
			}
			ev.type = CTL_EV_ROUTE_UPSERT;
			ev.route = fresh->routes[j];
			i += c == 0;
			j++;
		}
		emit(pub, &ev, fn, arg);
		count++;
	}
	if (fresh->n_peers > 0)
		memcpy(pub->peers, fresh->peers, fresh->n_peers * sizeof(*pub->peers));
	pub->n_peers = fresh->n_peers;
	if (fresh->n_routes > 0)
		memcpy(pub->routes, fresh->routes, fresh->n_routes * sizeof(*pub->routes));
	pub->n_routes = fresh->n_routes;
	return count;
}

static void
log_row(struct ctl_log *l, const struct log_line *line)
{
	memset(l, 0, sizeof(*l));
	l->seq = line->seq;
	l->realtime_ms = line->realtime_ms;
	switch (line->level) {
	case LOG_LVL_DEBUG:
		l->level = CTL_LOG_DEBUG;
		break;
	case LOG_LVL_INFO:
		l->level = CTL_LOG_INFO;
		break;
	case LOG_LVL_FATAL:
	case LOG_LVL_WARN:
		l->level = CTL_LOG_WARN;
		break;
	}
	str_copy(l->text, sizeof(l->text), line->text);
}

size_t
view_publish_log(struct view *pub, view_event_fn fn, void *arg)
{
	struct log_line lines[VIEW_LOG_CHUNK];
	struct ctl_event ev;
	size_t n, i, total = 0;
	uint64_t end = log_ring_last_seq(); /* lines the callbacks log wait for the next call */

	while (pub->log_seq < end && (n = log_ring_read(pub->log_seq, lines, VIEW_LOG_CHUNK)) > 0) {
		for (i = 0; i < n && lines[i].seq <= end; i++) {
			memset(&ev, 0, sizeof(ev));
			ev.type = CTL_EV_LOG;
			log_row(&ev.log, &lines[i]);
			pub->log_seq = lines[i].seq;
			emit(pub, &ev, fn, arg);
			total++;
		}
		if (i < n)
			break;
	}
	return total;
}

void
view_snapshot(const struct view *pub, view_msg_fn fn, void *arg)
{
	struct log_line *lines = malloc(LOG_RING_LINES * sizeof(*lines));
	struct ctl_msg msg;
	size_t i, n_logs = 0;

	if (lines != NULL) {
		n_logs = log_ring_read(0, lines, LOG_RING_LINES);
		while (n_logs > 0 && lines[n_logs - 1].seq > pub->log_seq)
			n_logs--;
	}
	memset(&msg, 0, sizeof(msg));
	msg.type = CTL_MSG_SNAPSHOT_BEGIN;
	msg.snap_begin.seq = pub->seq;
	msg.snap_begin.header = pub->header;
	msg.snap_begin.nat = pub->nat;
	msg.snap_begin.n_peers = (uint32_t)pub->n_peers;
	msg.snap_begin.n_routes = (uint32_t)pub->n_routes;
	msg.snap_begin.n_logs = (uint32_t)n_logs;
	fn(&msg, arg);
	for (i = 0; i < pub->n_peers; i++) {
		memset(&msg, 0, sizeof(msg));
		msg.type = CTL_MSG_SNAPSHOT_PART;
		msg.event.seq = pub->seq;
		msg.event.type = CTL_EV_PEER_UPSERT;
		msg.event.peer = pub->peers[i];
		fn(&msg, arg);
	}
	for (i = 0; i < pub->n_routes; i++) {
		memset(&msg, 0, sizeof(msg));
		msg.type = CTL_MSG_SNAPSHOT_PART;
		msg.event.seq = pub->seq;
		msg.event.type = CTL_EV_ROUTE_UPSERT;
		msg.event.route = pub->routes[i];
		fn(&msg, arg);
	}
	for (i = 0; i < n_logs; i++) {
		memset(&msg, 0, sizeof(msg));
		msg.type = CTL_MSG_SNAPSHOT_PART;
		msg.event.seq = pub->seq;
		msg.event.type = CTL_EV_LOG;
		log_row(&msg.event.log, &lines[i]);
		fn(&msg, arg);
	}
	memset(&msg, 0, sizeof(msg));
	msg.type = CTL_MSG_SNAPSHOT_END;
	msg.snap_end.seq = pub->seq;
	msg.snap_end.n_peers = (uint32_t)pub->n_peers;
	msg.snap_end.n_routes = (uint32_t)pub->n_routes;
	msg.snap_end.n_logs = (uint32_t)n_logs;
	fn(&msg, arg);
	free(lines);
}
