/*
 * mesh: membership, links, link state, routing and reconcile of one node.
 *
 * Message flows (PROTOCOL.md has the bytes, ARCHITECTURE.md the reasons):
 *
 *   join      HELLO over the underlay to each static peer (until its link is
 *             up); the static peer answers HELLO(reply) to the source address
 *             and both sides compare digests. A node that receives a HELLO
 *             over the underlay becomes the sender's WireGuard peer (a
 *             "client" link): that is what makes static peers gateways.
 *   sync      digests differ → each side sends a SUMMARY of what it holds; the
 *             other answers with a SYNC_REQUEST for what it lacks and pushes
 *             what it holds newer. RECORDS and LINK_STATE fragments answer.
 *   flood     a record or link-state fragment accepted as new is forwarded
 *             to every neighbour with a working link except the sender.
 *   liveness  on each link one side (the pinger) sends PING every
 *             ping_interval to the neighbour's probe address (again every
 *             second while one is unanswered; src/paths.c has the policy of
 *             direct links); the other answers PONG. A link is up while
 *             WireGuard reports a handshake
 *             younger than handshake_fresh and a ping/pong was heard within
 *             dead_interval.
 *   leave     BYE (signed) to every neighbour, flooded on.
 *
 * Admin datagrams between neighbours travel inside the tunnel, to the
 * neighbour's probe address (an IPv6 /128 derived from the network and the
 * node id, always in the direct peer's allowed IPs), so they test the direct
 * path whatever the IPv4 routes say. Only HELLOs to static peers and their
 * answers use the underlay.
 *
 * Callbacks only change state and set dirty flags; reconcile() (an
 * ev_prepare, so at most once per loop iteration) originates link state,
 * recomputes routes, and applies WireGuard and kernel route changes.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "platform/wgdiff.h"
#include "proto/seal.h"
#include "src/log.h"
#include "src/mesh.h"
#include "src/mesh_int.h"
#include "src/node.h"
#include "src/resolve.h"
#include "src/route.h"

/*
 * Caps (PROTOCOL.md, "Caps"): what other members can make one node hold.
 *   nodes       8192 ids, self included: twice the largest mesh the
 *               control-plane benchmark runs (and the size a digest/summary
 *               sync still handles in seconds). A node beyond it is dropped
 *               and counted ("cap"); a live node is never evicted to make
 *               room; unknown ones are forgotten after gc_after.
 *   link state  32768 fragments over all origins: four per node at the node
 *               cap (an origin with 108 neighbours fills four); bounds the
 *               assemblies (each fragment announced reserves 27 entries).
 *   rate        per source address, on authenticated datagrams only (a
 *               forged or replayed datagram costs no token, so nobody without
 *               the key can starve a member): a bucket of 20000 datagrams,
 *               refilled at 2000/s. Joining a 5000-node mesh is about 250
 *               SUMMARY parts, ~1000 RECORDS and ~5000 LINK_STATE datagrams
 *               from the static peer, so the burst covers a full sync with
 *               room for the floods around it.
 */
#define MESH_DEFAULT_NODES_MAX    8192
#define MESH_DEFAULT_LS_FRAGS_MAX 32768
#define MESH_DEFAULT_RATE         2000.0
#define MESH_DEFAULT_RATE_BURST   20000.0
#define RATE_SLOTS_MIN 64
#define RATE_SLOTS_MAX 65536
#define RATE_PROBE     16 /* slots looked at per source */

static const char *const drop_names[DROP_NREASONS] = {
	"truncated", "oversize", "bad header", "bad key", "bad signature",
	"replay", "undecodable", "own datagram", "refused", "rate", "cap",
};

/* ---------------------------------------------------------------- time */

double
mesh_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int64_t
wall(void)
{
	return (int64_t)time(NULL);
}

double
mesh_jitter(double v)
{
	/* ±10 % so that many nodes do not tick in lockstep */
	return v * (0.9 + 0.2 * (randombytes_uniform(1000) / 1000.0));
}

void
mesh_params_default(struct mesh_params *p)
{
	p->tick = 0.25;
	/*
	 * Under WireGuard's passive keepalive (10 s after data received with
	 * nothing sent): the next ping goes before it, so a quiet link costs a
	 * ping and a pong, not a keepalive too. Unanswered: again every second
	 * (paths_link_policy).
	 */
	p->ping_interval = 9;
	p->dead_interval = 16;
	p->handshake_fresh = 190; /* REJECT_AFTER_TIME 180 s + margin */
	p->hello_min = 0.25;
	p->hello_max = 15;
	p->sync_interval = 30;
	p->wg_poll = 1;
	p->resolve_interval = 300;
	p->gc_after = 600;
	p->conflict_grace = 60;
	p->link_holddown = 5;
	p->direct_ping_interval = 1;
	p->direct_dead_interval = 3;
	p->idle_timeout = 60;
	p->punch_timeout = 10;
	p->direct_paths = true;
	p->nodes_max = MESH_DEFAULT_NODES_MAX;
	p->ls_frags_max = MESH_DEFAULT_LS_FRAGS_MAX;
	p->rate = MESH_DEFAULT_RATE;
	p->rate_burst = MESH_DEFAULT_RATE_BURST;
}

void
mesh_touch(struct mesh *m)
{
	m->generation++;
}

/* Records or link state changed: neighbours compare digests soon. */
void
mesh_changed(struct mesh *m)
{
	m->last_change = mesh_mono();
	mesh_touch(m);
}

/* ---------------------------------------------------------------- addresses */

static void
probe_prefix(const uint8_t shared_key[CONFIG_KEY_LEN], uint8_t prefix[8])
{
	static const char label[] = "wgnm probe prefix v1";
	uint8_t h[16];

	crypto_generichash(h, sizeof(h), (const uint8_t *)label, sizeof(label) - 1, shared_key,
			   CONFIG_KEY_LEN);
	memset(prefix, 0, 8);
	prefix[0] = 0xfd;
	memcpy(prefix + 1, h, 5);
	sodium_memzero(h, sizeof(h));
}

static void
probe_from_prefix(const uint8_t prefix[8], const uint8_t node_id[IDENTITY_ID_LEN],
		  struct ipaddr *out)
{
	uint8_t h[8];

	crypto_generichash(h, sizeof(h), node_id, IDENTITY_ID_LEN, NULL, 0);
	memset(out, 0, sizeof(*out));
	out->family = AF_INET6;
	memcpy(out->bytes, prefix, 8);
	memcpy(out->bytes + 8, h, 8);
}

void
mesh_probe_address(const uint8_t shared_key[CONFIG_KEY_LEN],
		   const uint8_t node_id[IDENTITY_ID_LEN], struct ipaddr *out)
{
	uint8_t prefix[8];

	probe_prefix(shared_key, prefix);
	probe_from_prefix(prefix, node_id, out);
}

void
mesh_probe_addr(const struct mesh *m, const uint8_t node_id[IDENTITY_ID_LEN], struct ipaddr *out)
{
	probe_from_prefix(m->probe_prefix, node_id, out);
}

static bool
is_overlay_source(const struct mesh *m, const struct endpoint *src)
{
	if (src->addr.family == AF_INET6 && memcmp(src->addr.bytes, m->probe_prefix, 8) == 0)
		return true;
	return ipprefix_contains(&m->cfg.net->subnet, &src->addr);
}

/* ---------------------------------------------------------------- route table */

static int
ensure_capacity(struct mesh *m)
{
	uint32_t span = node_table_span(m->nodes), cap;
	struct route_entry *rt;

	if (span <= m->rt_cap)
		return 0;
	cap = m->rt_cap ? m->rt_cap : 64;
	while (cap < span)
		cap *= 2;
	if (lsdb_reserve(m->lsdb, cap) < 0)
		return -ENOMEM;
	rt = realloc(m->rt, cap * sizeof(*rt));
	if (rt == NULL)
		return -ENOMEM;
	route_table_clear(rt + m->rt_cap, cap - m->rt_cap);
	m->rt = rt;
	m->rt_cap = cap;
	return 0;
}

static void
cap_drop(struct mesh *m, const char *what, const uint8_t id[MESH_ID_LEN])
{
	unsigned long suppressed = 0;
	char sid[IDENTITY_SHORT_LEN];

	m->stats.dropped[DROP_CAP]++;
	if (log_ratelimit_ok(&m->rl_cap, mesh_mono(), &suppressed)) {
		identity_short(sid, id);
		log_warnx("cap: node %s dropped: %s%s", sid, what,
			  suppressed ? " (more suppressed)" : "");
	}
}

/*
 * A node, created with room in the route structures. NULL on ENOMEM, or
 * (counted as "cap") when a new node would exceed nodes_max.
 */
struct node *
mesh_get_node(struct mesh *m, const uint8_t id[MESH_ID_LEN], bool *created)
{
	struct node *n = node_find(m->nodes, id);

	if (n != NULL) {
		*created = false;
		return n;
	}
	if (m->self != NULL && node_table_count(m->nodes) >= m->p.nodes_max) {
		char what[64];

		snprintf(what, sizeof(what), "%u nodes held already (the cap)", m->p.nodes_max);
		cap_drop(m, what, id);
		return NULL;
	}
	n = node_get(m->nodes, id, created);

	if (n != NULL && ensure_capacity(m) < 0)
		return NULL;
	return n;
}

/* ---------------------------------------------------------------- neighbours */

static int
nbr_add(struct mesh *m, struct node *n)
{
	if (m->nnbrs == m->nbrs_cap) {
		uint32_t cap = m->nbrs_cap ? 2 * m->nbrs_cap : 16;
		struct node **v = realloc(m->nbrs, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		m->nbrs = v;
		m->nbrs_cap = cap;
	}
	n->link->nbr_slot = m->nnbrs;
	m->nbrs[m->nnbrs++] = n;
	return 0;
}

/* Before n->link goes: the last entry takes its place. */
static void
nbr_del(struct mesh *m, struct node *n)
{
	uint32_t k = n->link->nbr_slot;

	if (k >= m->nnbrs || m->nbrs[k] != n)
		return;
	m->nbrs[k] = m->nbrs[--m->nnbrs];
	m->nbrs[k]->link->nbr_slot = k;
}

/* A copy of the neighbour list (callers may add or remove links meanwhile). */
static struct node **
nbr_snapshot(struct mesh *m, uint32_t *n)
{
	struct node **v = malloc((m->nnbrs ? m->nnbrs : 1) * sizeof(*v));

	*n = 0;
	if (v == NULL)
		return NULL;
	if (m->nnbrs > 0)
		memcpy(v, m->nbrs, m->nnbrs * sizeof(*v));
	*n = m->nnbrs;
	return v;
}

static void
drop_node(struct mesh *m, struct node *n)
{
	size_t i;

	for (i = 0; i < m->nstatics; i++)
		if (m->statics[i].node == n)
			m->statics[i].node = NULL;
	if (m->primary_gateway == n)
		m->primary_gateway = NULL;
	for (i = 0; i < sizeof(m->reflexive) / sizeof(m->reflexive[0]); i++)
		if (m->reflexive[i].seen_by == n->index)
			memset(&m->reflexive[i], 0, sizeof(m->reflexive[i]));
	m->ls_frags -= n->ls.nfrags;
	if (n->link != NULL)
		nbr_del(m, n);
	lsdb_node_clear(m->lsdb, n->index);
	route_table_clear(&m->rt[n->index], 1);
	node_remove(m->nodes, n);
	m->dirty_routes = m->dirty_wg = true;
	mesh_touch(m);
}

/* ---------------------------------------------------------------- sending */

static void
count_drop(struct mesh *m, enum drop_reason r, const struct endpoint *src, const char *why)
{
	unsigned long suppressed = 0;
	char ep[ENDPOINT_STRLEN];

	m->stats.dropped[r]++;
	if (log_ratelimit_ok(&m->rl_drop, mesh_mono(), &suppressed))
		log_debug("admin: dropped datagram from %s: %s%s (%lu similar suppressed)",
			  endpoint_fmt(src, ep, sizeof(ep)), drop_names[r], why, suppressed);
}

int
mesh_send(struct mesh *m, const struct endpoint *dst, const struct mesh_msg *msg, struct node *to)
{
	uint8_t buf[SEAL_MAX_DATAGRAM];
	uint64_t counter;
	size_t len;
	int rc;

	if (dst->port == 0 || dst->addr.family == AF_UNSPEC)
		return -EDESTADDRREQ;
	if (replay_counter_next(&m->counter, &counter) < 0) {
		/* 2^32 datagrams in one boot: move to the next epoch in memory. */
		m->cfg.epoch++;
		replay_counter_init(&m->counter, m->cfg.epoch);
		replay_counter_next(&m->counter, &counter);
	}
	rc = mesh_seal(m->kr, m->id, counter, msg, buf, sizeof(buf), &len);
	if (rc < 0) {
		log_warnx("admin: cannot encode %s: %s", mesh_type_name(msg->type), strerror(-rc));
		return rc;
	}
	rc = m->io.send(m->io.ctx, dst, buf, len);
	if (rc < 0) {
		m->stats.send_errors++;
		return rc;
	}
	m->stats.tx++;
	m->stats.tx_type[msg->type < 0x10			     ? 0
			 : msg->type - 0x10 >= MESH_STATS_TYPES ? MESH_STATS_TYPES - 1
								: msg->type - 0x10]++;
	if (to != NULL)
		to->cnt.admin_out++;
	/*
	 * Into its WireGuard peer (its probe address, IPv6): what that adds to
	 * WireGuard's tx counter is ours, not data (wg_poll tells them apart).
	 * A transport message is a 16-byte header, the padded packet and a tag.
	 */
	if (to != NULL && to->link != NULL && dst->addr.family == AF_INET6 &&
	    memcmp(dst->addr.bytes, m->probe_prefix, sizeof(m->probe_prefix)) == 0)
		to->link->admin_wg_tx += 32 + ((40 + 8 + len + 15) & ~(size_t)15);
	return 0;
}

/* Where to reach a node's admin socket: direct link, overlay route, or underlay. */
bool
mesh_node_admin_dst(struct mesh *m, struct node *n, struct endpoint *dst)
{
	memset(dst, 0, sizeof(*dst));
	if (!n->has_record)
		return false;
	dst->port = n->rec.admin_port;
	/*
	 * A neighbour's probe address goes over the direct peer — except on a
	 * NAT link still being punched by the other side: a packet from us
	 * there before its handshake would spoil its NAT mapping.
	 */
	if (n->link != NULL && n->link->state != LINK_DOWN &&
	    !(n->link->kind == LINK_NAT && n->link->state == LINK_TRYING && !n->link->pinger)) {
		mesh_probe_addr(m, n->id, &dst->addr);
		return true;
	}
	/* a link that is down is no path: its node is reached as routing says */
	if (n->next_hop != ROUTE_NONE) {
		dst->addr = n->rec.addr;
		return true;
	}
	if (n->static_index >= 0 && m->statics[n->static_index].naddrs > 0) {
		dst->addr = m->statics[n->static_index].addrs[0];
		return true;
	}
	if (n->last_src_underlay && n->last_src.port != 0) {
		*dst = n->last_src;
		return true;
	}
	return false;
}

int
mesh_send_to_node(struct mesh *m, struct node *n, const struct mesh_msg *msg)
{
	struct endpoint dst;

	if (!mesh_node_admin_dst(m, n, &dst))
		return -EHOSTUNREACH;
	return mesh_send(m, &dst, msg, n);
}

static bool
links_include(const struct route_link *l, size_t n, uint32_t index)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l[mid].neighbour == index)
			return true;
		if (l[mid].neighbour < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * Relay choice: does another relay forward what `from` sent to neighbour n?
 * That is a node R other than us with two-way links from–R and R–n in the
 * link state and a smaller node id than ours: every relay between `from`
 * and n reaches the same verdict, so exactly one of them forwards. Walks
 * the shorter of the two link lists (a client's: two hubs).
 */
static bool
other_relay(struct mesh *m, const struct node *from, const struct route_link *fl, size_t nfl,
	    const struct node *n)
{
	const struct route_link *nl = NULL, *v;
	size_t nnl = lsdb_links(m->lsdb, n->index, &nl), nv, i;

	v = nfl <= nnl ? fl : nl;
	nv = nfl <= nnl ? nfl : nnl;
	for (i = 0; i < nv; i++) {
		uint32_t r = v[i].neighbour;
		const struct node *x;

		if (r == m->self->index || r == from->index || r == n->index)
			continue;
		x = node_at(m->nodes, r);
		if (x == NULL || !x->has_record || x->left ||
		    memcmp(x->id, m->self->id, MESH_ID_LEN) > 0 ||
		    lsdb_link_cost(m->lsdb, from->index, r) == ROUTE_COST_INF ||
		    lsdb_link_cost(m->lsdb, r, n->index) == ROUTE_COST_INF)
			continue;
		return true;
	}
	return false;
}

/*
 * Send msg to every neighbour with a working link, except `from` (who sent
 * it to us), except the neighbours `from` announces as its own (it floods
 * to those itself), and except those another relay of `from` serves
 * (other_relay). Without the first pruning every client of two hubs would
 * hand each hub's update to the other hub (N copies); without the second
 * every client would get each client's update from both hubs. A neighbour
 * missed because an announcement was stale is repaired by anti-entropy.
 */
static void
flood(struct mesh *m, const struct mesh_msg *msg, const struct node *from)
{
	const struct route_link *fl = NULL;
	size_t nfl = 0;
	uint32_t i;

	if (from != NULL)
		nfl = lsdb_links(m->lsdb, from->index, &fl);
	for (i = 0; i < m->nnbrs; i++) {
		struct node *n = m->nbrs[i];

		if (n == m->self || n == from || n->link->state != LINK_UP ||
		    links_include(fl, nfl, n->index))
			continue;
		if (from != NULL && other_relay(m, from, fl, nfl, n))
			continue;
		if (mesh_send_to_node(m, n, msg) == 0)
			m->stats.tx_flood++;
	}
}

/*
 * Records and link-state fragments to flood are queued and sent together
 * when the loop iteration's work is done (reconcile_cb): a hub that takes
 * on fifty clients in one round then sends each neighbour their records
 * seven to a RECORDS datagram, and their fragments packed in LINK_STATES
 * (to a neighbour that takes them), instead of one datagram per object.
 * The pruning is flood()'s, per object. A newer copy of a queued object
 * replaces it. `from` is kept by id: the node may be gone at the flush.
 */
static void
flood_queue_record(struct mesh *m, const struct mesh_node_record *rec, const struct node *from)
{
	struct flood_rec *q;
	uint32_t i;

	for (i = 0; i < m->nfq_rec; i++)
		if (memcmp(m->fq_rec[i].rec.node_id, rec->node_id, MESH_ID_LEN) == 0)
			break;
	if (i == m->nfq_rec) {
		if (m->nfq_rec == m->cap_fq_rec) {
			uint32_t cap = m->cap_fq_rec ? 2 * m->cap_fq_rec : 16;

			q = realloc(m->fq_rec, cap * sizeof(*q));
			if (q == NULL)
				return; /* anti-entropy repairs it */
			m->fq_rec = q;
			m->cap_fq_rec = cap;
		}
		m->nfq_rec++;
	}
	q = &m->fq_rec[i];
	memset(q->from, 0, MESH_ID_LEN);
	if (from != NULL)
		memcpy(q->from, from->id, MESH_ID_LEN);
	q->rec = *rec;
}

static void
flood_queue_ls(struct mesh *m, const struct mesh_link_state *ls, const struct node *from)
{
	struct flood_ls *q;
	uint32_t i;

	for (i = 0; i < m->nfq_ls; i++)
		if (memcmp(m->fq_ls[i].ls.origin, ls->origin, MESH_ID_LEN) == 0 &&
		    m->fq_ls[i].ls.frag == ls->frag)
			break;
	if (i == m->nfq_ls) {
		if (m->nfq_ls == m->cap_fq_ls) {
			uint32_t cap = m->cap_fq_ls ? 2 * m->cap_fq_ls : 16;

			q = realloc(m->fq_ls, cap * sizeof(*q));
			if (q == NULL)
				return;
			m->fq_ls = q;
			m->cap_fq_ls = cap;
		}
		m->nfq_ls++;
	}
	q = &m->fq_ls[i];
	memset(q->from, 0, MESH_ID_LEN);
	if (from != NULL)
		memcpy(q->from, from->id, MESH_ID_LEN);
	q->ls = *ls;
}

/* Whether flood() would send an object that came from `from` to n. */
static bool
flood_to(struct mesh *m, const struct node *from, const struct node *n)
{
	const struct route_link *fl = NULL;
	size_t nfl = 0;

	if (from == NULL)
		return true;
	if (n == from)
		return false;
	nfl = lsdb_links(m->lsdb, from->index, &fl);
	return !links_include(fl, nfl, n->index) && !other_relay(m, from, fl, nfl, n);
}

static const struct node *
flood_from(struct mesh *m, const uint8_t id[MESH_ID_LEN])
{
	static const uint8_t zero[MESH_ID_LEN];

	return memcmp(id, zero, MESH_ID_LEN) == 0 ? NULL : node_find(m->nodes, id);
}

static void
flood_flush(struct mesh *m)
{
	const struct node **rfrom = NULL, **lfrom = NULL;
	struct mesh_msg *msg = NULL, one;
	uint32_t i, k;

	if (m->nfq_rec == 0 && m->nfq_ls == 0)
		return;
	msg = malloc(sizeof(*msg));
	rfrom = calloc(m->nfq_rec + 1, sizeof(*rfrom));
	lfrom = calloc(m->nfq_ls + 1, sizeof(*lfrom));
	if (msg == NULL || rfrom == NULL || lfrom == NULL)
		goto out;
	for (k = 0; k < m->nfq_rec; k++)
		rfrom[k] = flood_from(m, m->fq_rec[k].from);
	for (k = 0; k < m->nfq_ls; k++)
		lfrom[k] = flood_from(m, m->fq_ls[k].from);
	for (i = 0; i < m->nnbrs; i++) {
		struct node *n = m->nbrs[i];

		if (n == m->self || n->link->state != LINK_UP)
			continue;
		memset(msg, 0, sizeof(*msg));
		msg->type = MESH_RECORDS;
		msg->records.parts = 1;
		for (k = 0; k < m->nfq_rec; k++) {
			if (!flood_to(m, rfrom[k], n))
				continue;
			if (msg->records.count == MESH_RECORDS_MAX ||
			    (msg->records.rec[msg->records.count] = m->fq_rec[k].rec,
			     mesh_records_fit(msg->records.rec, msg->records.count + 1U) <=
				     msg->records.count)) {
				/* full: send what it holds, start over with this one */
				if (mesh_send_to_node(m, n, msg) == 0)
					m->stats.tx_flood++;
				msg->records.count = 0;
			}
			msg->records.rec[msg->records.count++] = m->fq_rec[k].rec;
		}
		if (msg->records.count > 0 && mesh_send_to_node(m, n, msg) == 0)
			m->stats.tx_flood++;
		memset(msg, 0, sizeof(*msg));
		msg->type = MESH_LINK_STATES;
		for (k = 0; k < m->nfq_ls; k++) {
			if (!flood_to(m, lfrom[k], n))
				continue;
			if (n->takes_lss && mesh_link_states_add(&msg->lss, &m->fq_ls[k].ls) == 0)
				continue;
			if (n->takes_lss && msg->lss.count > 0) {
				if (mesh_send_to_node(m, n, msg) == 0)
					m->stats.tx_flood++;
				memset(msg, 0, sizeof(*msg));
				msg->type = MESH_LINK_STATES;
				if (mesh_link_states_add(&msg->lss, &m->fq_ls[k].ls) == 0)
					continue;
			}
			memset(&one, 0, sizeof(one));
			one.type = MESH_LINK_STATE;
			one.ls = m->fq_ls[k].ls;
			if (mesh_send_to_node(m, n, &one) == 0)
				m->stats.tx_flood++;
		}
		if (msg->lss.count > 0 && mesh_send_to_node(m, n, msg) == 0)
			m->stats.tx_flood++;
	}
out:
	m->nfq_rec = m->nfq_ls = 0;
	/* the queues are not kept: at rest a core holds none */
	free(m->fq_rec);
	m->fq_rec = NULL;
	m->cap_fq_rec = 0;
	free(m->fq_ls);
	m->fq_ls = NULL;
	m->cap_fq_ls = 0;
	free(msg);
	free(rfrom);
	free(lfrom);
}

/* ---------------------------------------------------------------- own record */

static uint64_t
next_record_seq(struct mesh *m)
{
	return (uint64_t)m->cfg.epoch << 32 | ++m->record_seq;
}

static int
build_self_record(struct mesh *m)
{
	struct mesh_node_record rec, *r = &rec;
	struct endpoint cand[MESH_CANDIDATES_MAX];
	size_t n = 0, i;
	int rc;

	memset(r, 0, sizeof(*r));
	memcpy(r->node_id, identity_node_id(m->id), MESH_ID_LEN);
	r->seq = next_record_seq(m);
	r->flags = m->cfg.mobile ? MESH_NODE_MOBILE : MESH_NODE_RELAY;
	if (m->stopping)
		r->flags |= MESH_NODE_LEAVING;
	snprintf(r->name, sizeof(r->name), "%s", m->cfg.name);
	r->addr = m->cfg.address;
	memcpy(r->wg_public, identity_wg_public(m->id), IDENTITY_WG_KEY_LEN);
	r->wg_port = m->cfg.wg_port;
	r->admin_port = m->cfg.admin_port;
	if (m->io.candidates != NULL)
		n = m->io.candidates(m->io.ctx, cand, MESH_CANDIDATES_MAX);
	for (i = 0; i < n && i < MESH_CANDIDATES_MAX; i++)
		r->candidates[i] = cand[i];
	r->ncandidates = (uint8_t)i;
	rc = mesh_record_sign(r, m->id);
	if (rc < 0) {
		log_warnx("cannot sign own record: %s", strerror(-rc));
		return rc;
	}
	node_set_record(m->nodes, m->self, r);
	mesh_touch(m); /* a new digest */
	return 0;
}

static int
node_id_cmp(const void *a, const void *b)
{
	const struct node *const *x = a, *const *y = b;

	return memcmp((*x)->id, (*y)->id, MESH_ID_LEN);
}

/*
 * The digest of every (id, record seq, link-state version) held: a sort and
 * a hash of N entries, wanted for every HELLO sent and received (at 1000
 * nodes several thousand a second while a mesh grows), so kept until the
 * generation moves: every change of a record, link state, conflict or the
 * node set goes through mesh_touch().
 */
static void
fill_digest(struct mesh *m, uint8_t out[MESH_DIGEST_LEN], uint32_t *known)
{
	struct mesh_digest d;
	struct node **v;
	uint32_t i, span = node_table_span(m->nodes), n = 0;

	if (m->digest_valid && m->digest_gen == m->generation) {
		memcpy(out, m->digest, MESH_DIGEST_LEN);
		*known = m->digest_known;
		return;
	}
	mesh_digest_init(&d);
	v = malloc((span ? span : 1) * sizeof(*v));
	if (v != NULL) {
		for (i = 0; i < span; i++) {
			struct node *x = node_at(m->nodes, i);

			if (x != NULL && x->has_record && x->conflict[0] == '\0')
				v[n++] = x;
		}
		/* ascending id order */
		qsort(v, n, sizeof(*v), node_id_cmp);
		for (i = 0; i < n; i++)
			mesh_digest_add(&d, v[i]->id, v[i]->rec.seq, v[i]->ls_seq);
		free(v);
	}
	mesh_digest_final(&d, out);
	*known = n;
	m->digest_valid = v != NULL;
	m->digest_gen = m->generation;
	m->digest_known = n;
	memcpy(m->digest, out, MESH_DIGEST_LEN);
}

static void
make_hello(struct mesh *m, struct mesh_msg *msg, bool reply)
{
	memset(msg, 0, sizeof(*msg));
	msg->type = MESH_HELLO;
	msg->hello.flags = MESH_HELLO_HASHES | (reply ? MESH_HELLO_REPLY : 0);
	msg->hello.sync_id = ++m->sync_seq & ~(SYNC_ANSWER | SYNC_BATCH);
	fill_digest(m, msg->hello.digest, &msg->hello.known);
	msg->hello.record = m->self->rec;
}

/* ---------------------------------------------------------------- links */

static const char *
label(const struct node *n)
{
	return node_label(n);
}

struct link *
mesh_link_ensure(struct mesh *m, struct node *n, enum link_kind kind)
{
	struct link *l = n->link;

	if (l == NULL) {
		l = calloc(1, sizeof(*l));
		if (l == NULL)
			return NULL;
		l->state = LINK_TRYING;
		l->created = mesh_mono();
		n->link = l;
		if (nbr_add(m, n) < 0) {
			n->link = NULL;
			free(l);
			return NULL;
		}
		log_info("link to %s (%s): %s, trying", label(n), n->short_id, link_kind_name(kind));
	} else if (l->kind == kind) {
		return l;
	}
	l->kind = kind;
	switch (kind) {
	case LINK_LAN:
		l->cost = LINK_COST_LAN;
		break;
	case LINK_NAT:
		l->cost = LINK_COST_NAT;
		break;
	case LINK_STATIC:
	case LINK_CLIENT:
		l->cost = LINK_COST_PUBLIC;
		break;
	}
	/*
	 * One side pings: the one that reached out (static), or between two
	 * static peers the one with the smaller id.
	 */
	if (kind == LINK_STATIC && n->static_index >= 0 && m->self->static_index >= 0)
		l->pinger = memcmp(m->self->id, n->id, MESH_ID_LEN) < 0;
	else
		l->pinger = kind != LINK_CLIENT;
	m->dirty_wg = true;
	mesh_touch(m);
	return l;
}

void
mesh_link_remove(struct mesh *m, struct node *n, const char *why)
{
	if (n->link == NULL)
		return;
	log_info("link to %s (%s) removed: %s", label(n), n->short_id, why);
	if (n->link->state == LINK_UP)
		m->dirty_ls = true;
	nbr_del(m, n);
	free(n->link);
	n->link = NULL;
	m->dirty_wg = true;
	mesh_touch(m);
}

void
mesh_link_set_state(struct mesh *m, struct node *n, enum link_state s, const char *why)
{
	struct link *l = n->link;
	static const char *const names[] = { "trying", "up", "down" };

	if (l->state == s)
		return;
	log_info("link to %s (%s): %s -> %s (%s)", label(n), n->short_id, names[l->state],
		 names[s], why);
	if (l->state == LINK_UP || s == LINK_UP)
		m->dirty_ls = true;
	l->state = s;
	if (s == LINK_UP) {
		l->up_since = mesh_mono();
		paths_link_up(m, n);
	}
	mesh_touch(m);
}

/* Static-peer entries learn their node when its record (by wgIp) arrives. */
static void
bind_static(struct mesh *m, struct node *n)
{
	size_t i;

	for (i = 0; i < m->nstatics; i++) {
		struct static_peer *st = &m->statics[i];

		if (!ipaddr_equal(&st->cfg->wg_ip, &n->rec.addr))
			continue;
		if (st->node != NULL && st->node != n)
			st->node->static_index = -1;
		st->node = n;
		n->static_index = (int)i;
		if (st->is_self || n == m->self)
			return;
		if (mesh_link_ensure(m, n, LINK_STATIC) == NULL)
			return;
		if (st->naddrs > 0) {
			n->link->endpoint.addr = st->addrs[0];
			n->link->endpoint.port = st->cfg->port;
		}
		return;
	}
}

/* ---------------------------------------------------------------- records */

static bool
holder_alive(const struct mesh *m, const struct node *h)
{
	switch (h->state) {
	case NODE_SELF:
	case NODE_DIRECT:
	case NODE_VIA_GATEWAY:
		return true;
	case NODE_UNKNOWN:
	case NODE_DOWN:
		return mesh_mono() - h->state_since < m->p.conflict_grace && !h->left;
	case NODE_CONFLICT:
		break;
	}
	return false;
}

static void
send_conflict(struct mesh *m, const struct endpoint *to, const struct node *holder,
	      const struct mesh_node_record *claim)
{
	struct mesh_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_CONFLICT;
	msg.conflict.addr = claim->addr;
	memcpy(msg.conflict.holder, holder->id, MESH_ID_LEN);
	msg.conflict.holder_seq = holder->rec.seq;
	memcpy(msg.conflict.claimant, claim->node_id, MESH_ID_LEN);
	msg.conflict.claimant_seq = claim->seq;
	msg.conflict.has_record = true;
	msg.conflict.holder_record = holder->rec;
	mesh_send(m, to, &msg, NULL);
}

/* A refused record, link state or datagram (what): counted, logged at a bounded rate. */
static void
refuse(struct mesh *m, const char *what, const struct endpoint *src, const char *why)
{
	unsigned long suppressed = 0;
	char ep[ENDPOINT_STRLEN];

	m->stats.dropped[DROP_POLICY]++;
	if (log_ratelimit_ok(&m->rl_refuse, mesh_mono(), &suppressed))
		log_warnx("refused %s from %s: %s%s", what, endpoint_fmt(src, ep, sizeof(ep)), why,
			  suppressed ? " (more refusals suppressed)" : "");
}

/*
 * Embedded objects arrive unverified (mesh_decode_lazy): most are copies of
 * what a node holds already (every flood reaches a client once per hub, and
 * every sync resends whole sets), and verifying each costs as much as the
 * datagram's own signature. A copy is skipped unverified only when it can
 * change nothing: older than the one held, or, at the same seq, with the
 * same signed bytes and signature as the verified copy held. Everything
 * else is verified before it touches any state; one that fails is counted
 * as undecodable (as when the decoder verified) and ignored. A same-seq
 * copy that differs is verified too, so an altered duplicate is counted,
 * although the held copy would win anyway.
 */
enum admit { ADMIT_NEW, ADMIT_DUP, ADMIT_FORGED };

static enum admit
admit_verify(struct mesh *m, int rc, const struct endpoint *src, const char *what)
{
	if (rc == 0)
		return ADMIT_NEW;
	count_drop(m, DROP_DECODE, src, what);
	return ADMIT_FORGED;
}

static enum admit
admit_record(struct mesh *m, const struct mesh_node_record *rec, const struct endpoint *src)
{
	const struct node *n = node_find(m->nodes, rec->node_id);
	enum admit a;

	if (n != NULL && n->has_record && rec->seq <= n->rec.seq &&
	    (rec->seq < n->rec.seq || mesh_record_same(rec, &n->rec))) {
		m->stats.verify_skipped++;
		return ADMIT_DUP;
	}
	m->stats.verified++;
	a = admit_verify(m, mesh_record_verify(rec), src, " (record signature)");
	/* a same-seq copy that differs but verifies: the held one stays */
	if (a == ADMIT_NEW && n != NULL && n->has_record && rec->seq <= n->rec.seq && n != m->self)
		return ADMIT_DUP;
	return a;
}

static enum admit
admit_ls(struct mesh *m, const struct mesh_link_state *frag, const struct endpoint *src)
{
	const struct node *o = node_find(m->nodes, frag->origin);
	int rc;

	if (o == m->self) {
		/* ours: only one at or past our own seq means anything (accept_ls) */
		if (frag->seq < ((uint64_t)m->cfg.epoch << 32 | m->ls_seq) ||
		    lsfrag_set_holds(&o->ls, frag)) {
			m->stats.verify_skipped++;
			return ADMIT_DUP;
		}
	} else if (o != NULL) {
		rc = lsfrag_set_check(&o->ls, frag);
		if (rc < 0 && (rc != -EALREADY || lsfrag_set_holds(&o->ls, frag) ||
			       o->ls.frags[frag->frag]->seq != frag->seq)) {
			m->stats.verify_skipped++;
			return ADMIT_DUP;
		}
	}
	m->stats.verified++;
	return admit_verify(m, mesh_ls_verify(frag), src, " (link-state signature)");
}

/*
 * A record arrived (directly or forwarded), not verified yet. Returns the
 * node when the record is new (the caller floods it), NULL when it is old
 * or refused (*refused: refused, or its signature failed).
 */
static struct node *
accept_record(struct mesh *m, const struct mesh_node_record *rec, const struct endpoint *src,
	      bool *refused)
{
	char addr[IPADDR_STRLEN], name[MESH_NAME_MAX * 4 + 1], why[320], pin[128];
	struct node *n, *holder;
	bool created;

	*refused = false;
	switch (admit_record(m, rec, src)) {
	case ADMIT_DUP:
		return NULL;
	case ADMIT_FORGED:
		*refused = true;
		return NULL;
	case ADMIT_NEW:
		break;
	}
	if (memcmp(rec->node_id, m->self->id, MESH_ID_LEN) == 0) {
		/* An older incarnation's record of ours: jump past it. */
		if (rec->seq >= m->self->rec.seq) {
			m->record_seq = (uint32_t)rec->seq;
			m->dirty_record = true;
		}
		return NULL;
	}
	ipaddr_fmt(&rec->addr, addr, sizeof(addr));
	log_escape(name, sizeof(name), rec->name, strlen(rec->name));
	if (config_member_check(m->cfg.net, rec->node_id, rec->name, &rec->addr, pin,
				sizeof(pin)) < 0) {
		char sid[IDENTITY_SHORT_LEN];

		*refused = true;
		identity_short(sid, rec->node_id);
		snprintf(why, sizeof(why), "node %s (%s) %s", name, sid, pin);
		refuse(m, "record", src, why);
		return NULL;
	}
	if (!ipprefix_contains(&m->cfg.net->subnet, &rec->addr) ||
	    config_check_address(&m->cfg.net->subnet, &rec->addr, "", NULL, 0) < 0) {
		*refused = true;
		snprintf(why, sizeof(why), "node %s claims %s, outside the overlay subnet", name,
			 addr);
		refuse(m, "record", src, why);
		return NULL;
	}
	n = node_find(m->nodes, rec->node_id);
	if (n != NULL && n->has_record && rec->seq <= n->rec.seq)
		return NULL;
	holder = node_find_by_addr(m->nodes, &rec->addr);
	if (holder != NULL && holder != n) {
		if (holder == m->self || holder_alive(m, holder)) {
			*refused = true;
			snprintf(why, sizeof(why), "node %s claims %s, which node %s holds", name,
				 addr, label(holder));
			refuse(m, "record", src, why);
			n = mesh_get_node(m, rec->node_id, &created);
			if (n != NULL && !n->has_record) {
				snprintf(n->conflict, sizeof(n->conflict),
					 "claims %s held by %s", addr, label(holder));
				n->state = NODE_CONFLICT;
				n->state_since = mesh_mono();
				snprintf(n->rec.name, sizeof(n->rec.name), "%s", rec->name);
			}
			send_conflict(m, src, holder, rec);
			/* and tell the holder someone tried */
			if (holder != m->self) {
				struct endpoint hdst;

				if (mesh_node_admin_dst(m, holder, &hdst))
					send_conflict(m, &hdst, holder, rec);
			} else {
				snprintf(m->self->conflict, sizeof(m->self->conflict),
					 "node %.32s claimed our address %s; refused", name, addr);
				log_warnx("%s", m->self->conflict);
			}
			mesh_touch(m);
			return NULL;
		}
		log_info("address %s moves from %s (down) to %s", addr, label(holder), name);
		drop_node(m, holder);
	}
	n = mesh_get_node(m, rec->node_id, &created);
	if (n == NULL)
		return NULL;
	if (created || !n->has_record)
		log_info("node %s (%s) at %s joined", name, n->short_id, addr);
	else if (n->left || rec->seq >> 32 != n->rec.seq >> 32)
		log_info("node %s (%s) is back (start #%" PRIu32 ")", name, n->short_id,
			 (uint32_t)(rec->seq >> 32));
	if (n->has_record && (rec->seq >> 32 != n->rec.seq >> 32 ||
			      rec->ncandidates != n->rec.ncandidates ||
			      memcmp(rec->candidates, n->rec.candidates,
				     rec->ncandidates * sizeof(rec->candidates[0])) != 0))
		paths_record_changed(m, n);
	/* A new incarnation (higher epoch) is no flapping link: no hold-down. */
	if (n->has_record && rec->seq >> 32 != n->rec.seq >> 32 && n->link != NULL &&
	    n->link->state == LINK_DOWN) {
		n->link->state = LINK_TRYING;
		n->link->working_since = 0;
	}
	node_set_record(m->nodes, n, rec);
	n->left = (rec->flags & MESH_NODE_LEAVING) != 0;
	n->conflict[0] = '\0';
	n->heard_since = mesh_mono();
	if (n->state == NODE_CONFLICT || created) {
		n->state = NODE_UNKNOWN;
		n->state_since = mesh_mono();
	}
	lsdb_node_set(m->lsdb, n->index, n->id, !(rec->flags & MESH_NODE_MOBILE));
	if (n->static_index < 0)
		bind_static(m, n);
	m->dirty_routes = m->dirty_wg = true;
	mesh_changed(m);
	return n;
}

static void
push_records(struct mesh *m, const struct endpoint *dst, struct node *to, struct node **list,
	     size_t n, uint32_t sync_id)
{
	struct mesh_node_record *recs;
	size_t i, off = 0, parts = 0;
	struct mesh_msg msg;

	if (n == 0)
		return;
	recs = malloc(n * sizeof(*recs));
	if (recs == NULL)
		return;
	for (i = 0; i < n; i++)
		recs[i] = list[i]->rec;
	/* count parts first so each message says "part i of n" */
	for (off = 0; off < n; parts++)
		off += mesh_records_fit(recs + off, n - off);
	for (off = 0, i = 0; off < n; i++) {
		size_t k = mesh_records_fit(recs + off, n - off);

		memset(&msg, 0, sizeof(msg));
		msg.type = MESH_RECORDS;
		msg.records.sync_id = sync_id;
		msg.records.part = (uint16_t)i;
		msg.records.parts = (uint16_t)parts;
		msg.records.count = (uint8_t)k;
		memcpy(msg.records.rec, recs + off, k * sizeof(*recs));
		mesh_send(m, dst, &msg, to);
		off += k;
	}
	free(recs);
}

/*
 * Link-state fragments answering a sync: one LINK_STATE datagram each, or
 * packed into LINK_STATES when the peer said it takes them (SYNC_BATCH):
 * a client's fragment of two neighbours is 177 bytes, six to a datagram.
 */
struct ls_push {
	const struct endpoint *dst;
	struct node *to;
	bool batch;
	struct mesh_msg msg;
};

static void
ls_push_init(struct ls_push *p, const struct endpoint *dst, struct node *to, uint32_t sync_id)
{
	p->dst = dst;
	p->to = to;
	p->batch = (sync_id & SYNC_BATCH) != 0;
	memset(&p->msg, 0, sizeof(p->msg));
	p->msg.type = MESH_LINK_STATES;
}

static void
ls_push_flush(struct mesh *m, struct ls_push *p)
{
	if (p->msg.lss.count > 0)
		mesh_send(m, p->dst, &p->msg, p->to);
	memset(&p->msg, 0, sizeof(p->msg));
	p->msg.type = MESH_LINK_STATES;
}

static void
ls_push_add(struct mesh *m, struct ls_push *p, const struct mesh_link_state *f)
{
	struct mesh_msg one;

	if (p->batch) {
		if (mesh_link_states_add(&p->msg.lss, f) == 0)
			return;
		ls_push_flush(m, p);
		if (mesh_link_states_add(&p->msg.lss, f) == 0)
			return;
	}
	memset(&one, 0, sizeof(one));
	one.type = MESH_LINK_STATE;
	one.ls = *f;
	mesh_send(m, p->dst, &one, p->to);
}

/* n's link-state fragments newer than seq `after` (0: all of them). */
static void
push_ls(struct mesh *m, struct ls_push *p, const struct node *n, uint64_t after)
{
	struct mesh_link_state ls;
	unsigned i;

	for (i = 0; i < n->ls.nfrags; i++) {
		const struct lsfrag *f = n->ls.frags[i];

		if (f == NULL || f->seq <= after)
			continue;
		lsfrag_set_get(&n->ls, i, &ls);
		ls_push_add(m, p, &ls);
	}
}

/* SUMMARY of everything we hold, in parts. */
static void
send_summary(struct mesh *m, const struct endpoint *dst, struct node *to, uint8_t type,
	     uint32_t sync_id, struct mesh_summary_entry *e, size_t n)
{
	struct mesh_msg msg;
	size_t off, parts = (n + MESH_SUMMARY_MAX - 1) / MESH_SUMMARY_MAX, i;

	if (parts == 0)
		parts = 1;
	for (i = 0, off = 0; i < parts; i++, off += MESH_SUMMARY_MAX) {
		size_t k = n - off < MESH_SUMMARY_MAX ? n - off : MESH_SUMMARY_MAX;

		memset(&msg, 0, sizeof(msg));
		msg.type = type;
		msg.summary.sync_id = sync_id | SYNC_BATCH; /* we take LINK_STATES */
		msg.summary.part = (uint16_t)i;
		msg.summary.parts = (uint16_t)parts;
		msg.summary.count = (uint8_t)k;
		if (k > 0)
			memcpy(msg.summary.e, e + off, k * sizeof(*e));
		mesh_send(m, dst, &msg, to);
	}
}

static void
send_full_summary(struct mesh *m, const struct endpoint *dst, struct node *to, uint32_t sync_id)
{
	uint32_t i, span = node_table_span(m->nodes);
	struct mesh_summary_entry *e = malloc((span ? span : 1) * sizeof(*e));
	size_t n = 0;

	if (e == NULL)
		return;
	for (i = 0; i < span; i++) {
		struct node *x = node_at(m->nodes, i);

		if (x == NULL || !x->has_record || x->conflict[0] != '\0')
			continue;
		memcpy(e[n].node_id, x->id, MESH_ID_LEN);
		e[n].record_seq = x->rec.seq;
		e[n].ls_seq = x->ls_seq;
		n++;
	}
	send_summary(m, dst, to, MESH_SUMMARY, sync_id, e, n);
	free(e);
}

/*
 * Bucketed sync (SUMMARY_HASH, PROTOCOL.md §5.4a): a differing digest is
 * answered with the hashes of nbuckets buckets of what we hold; both sides
 * then send SUMMARY entries of the buckets that differ only. While a mesh
 * grows most digests differ by a few entries in flight, and a full SUMMARY
 * is N / 22 datagrams each way (46 at 1000 nodes).
 */
static bool
summary_member(const struct node *x)
{
	return x != NULL && x->has_record && x->conflict[0] == '\0';
}

static void
bucket_hashes(struct mesh *m, unsigned nb, uint64_t *h)
{
	uint32_t i, span = node_table_span(m->nodes);

	memset(h, 0, nb * sizeof(*h));
	for (i = 0; i < span; i++) {
		const struct node *x = node_at(m->nodes, i);

		if (summary_member(x))
			h[mesh_summary_bucket(x->id, nb)] +=
			    mesh_summary_entry_hash(x->id, x->rec.seq, x->ls_seq);
	}
}

/* nbuckets 0: as many as suit what we hold (about 8 entries each). */
static void
send_hashes(struct mesh *m, const struct endpoint *dst, struct node *to, uint32_t sync_id,
	    unsigned nb)
{
	struct mesh_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_SUMMARY_HASH;
	msg.hash.sync_id = sync_id;
	fill_digest(m, msg.hash.digest, &msg.hash.known);
	if (nb == 0)
		for (nb = 1; nb < MESH_HASH_BUCKETS_MAX && nb * 8 < msg.hash.known; nb *= 2)
			;
	msg.hash.nbuckets = (uint8_t)nb;
	bucket_hashes(m, nb, msg.hash.h);
	mesh_send(m, dst, &msg, to);
}

static void
handle_summary_hash(struct mesh *m, struct node *from, const struct endpoint *src,
		    const struct mesh_summary_hash *sh)
{
	uint64_t own[MESH_HASH_BUCKETS_MAX];
	uint8_t digest[MESH_DIGEST_LEN];
	struct mesh_summary_entry *e;
	uint32_t i, span = node_table_span(m->nodes), known;
	bool answer = (sh->sync_id & SYNC_ANSWER) != 0, differ = false;
	size_t n = 0;

	bucket_hashes(m, sh->nbuckets, own);
	for (i = 0; i < sh->nbuckets; i++)
		differ |= own[i] != sh->h[i];
	if (!answer)
		send_hashes(m, src, from, sh->sync_id | SYNC_ANSWER, sh->nbuckets);
	if (!differ) {
		/* equal buckets, yet the digests differ (a collision): sync in full */
		fill_digest(m, digest, &known);
		if (!answer && (known != sh->known ||
				sodium_memcmp(digest, sh->digest, MESH_DIGEST_LEN) != 0))
			send_full_summary(m, src, from, sh->sync_id & ~SYNC_ANSWER);
		return;
	}
	e = malloc((span ? span : 1) * sizeof(*e));
	if (e == NULL)
		return;
	for (i = 0; i < span; i++) {
		const struct node *x = node_at(m->nodes, i);
		unsigned b;

		if (!summary_member(x))
			continue;
		b = mesh_summary_bucket(x->id, sh->nbuckets);
		if (own[b] == sh->h[b])
			continue;
		memcpy(e[n].node_id, x->id, MESH_ID_LEN);
		e[n].record_seq = x->rec.seq;
		e[n].ls_seq = x->ls_seq;
		n++;
	}
	/* an answer: the peer sends its own entries of these buckets, not all */
	if (n > 0)
		send_summary(m, src, from, MESH_SUMMARY, sh->sync_id | SYNC_ANSWER, e, n);
	free(e);
}

/* ---------------------------------------------------------------- link state */

static void
apply_ls_table(struct mesh *m, struct node *origin)
{
	struct mesh_ls_neighbour *table;
	struct route_link *links;
	size_t k = 0;
	int i, total;

	total = lsfrag_set_table(&origin->ls, &table);
	if (total < 0)
		return;
	links = malloc((total ? (size_t)total : 1) * sizeof(*links));
	if (links == NULL) {
		free(table);
		return;
	}
	for (i = 0; i < total; i++) {
		const struct mesh_ls_neighbour *nb = &table[i];
		bool created;
		struct node *x;

		/* with nodes: in net.yaml, a link to an unlisted node leads nowhere */
		if (m->cfg.net->has_members && config_find_member(m->cfg.net, nb->node_id) == NULL)
			continue;
		x = mesh_get_node(m, nb->node_id, &created);
		if (x == NULL)
			continue;
		if (created) {
			/* known only from someone's link state so far */
			x->state = NODE_UNKNOWN;
			x->state_since = mesh_mono();
			lsdb_node_set(m->lsdb, x->index, x->id, true);
		}
		links[k].neighbour = x->index;
		links[k].cost = nb->cost;
		k++;
	}
	if (lsdb_set_links(m->lsdb, origin->index, links, k) > 0)
		m->dirty_routes = true;
	free(links);
	free(table);
}

/* A fragment, not verified yet. Returns true if it was new (to be flooded). */
static bool
accept_ls(struct mesh *m, const struct mesh_link_state *frag, const struct endpoint *src)
{
	struct node *o;
	bool created;
	uint32_t before;
	int rc;

	if (admit_ls(m, frag, src) != ADMIT_NEW)
		return false;

	if (memcmp(frag->origin, m->self->id, MESH_ID_LEN) == 0) {
		/* Our own, from an earlier incarnation: jump past it. */
		if (frag->seq >= ((uint64_t)m->cfg.epoch << 32 | m->ls_seq)) {
			m->ls_seq = (uint32_t)frag->seq;
			m->ls_renew = true; /* every fragment again, all newer than that */
			m->dirty_ls = true;
		}
		return false;
	}
	if (m->cfg.net->has_members && config_find_member(m->cfg.net, frag->origin) == NULL) {
		char why[128], sid[IDENTITY_SHORT_LEN];

		identity_short(sid, frag->origin);
		snprintf(why, sizeof(why), "origin %s is not listed in nodes:", sid);
		refuse(m, "link state", src, why);
		return false;
	}
	o = mesh_get_node(m, frag->origin, &created);
	if (o == NULL)
		return false;
	if (created) {
		o->state = NODE_UNKNOWN;
		o->state_since = mesh_mono();
		lsdb_node_set(m->lsdb, o->index, o->id, true);
	}
	if (o->conflict[0] != '\0')
		return false;
	/* a fragment that grows the origin's set: within the cap? */
	before = o->ls.nfrags;
	if (frag->nfrags > before && m->ls_frags - before + frag->nfrags > m->p.ls_frags_max) {
		char what[96];

		snprintf(what, sizeof(what), "link state of %u fragments (%u held, cap %u)",
			 frag->nfrags, m->ls_frags, m->p.ls_frags_max);
		cap_drop(m, what, frag->origin);
		return false;
	}
	rc = lsfrag_set_add(&o->ls, frag);
	if (rc < 0)
		return false;
	m->ls_frags = m->ls_frags - before + o->ls.nfrags;
	o->ls_seq = o->ls.version;
	if (!o->left)
		apply_ls_table(m, o);
	mesh_changed(m);
	return true;
}

/*
 * Originate our link state from the links that are up: only the fragments
 * that changed get a new seq and are flooded (lsfrag.h, "slot").
 */
static void
originate_ls(struct mesh *m)
{
	struct mesh_ls_neighbour *nb;
	struct route_link *rl;
	uint32_t i, span = node_table_span(m->nodes);
	uint8_t changed[MESH_LS_MAX_FRAGS];
	size_t n = 0;
	uint64_t seq;
	int nch, f;

	nb = calloc(span ? span : 1, sizeof(*nb));
	rl = calloc(span ? span : 1, sizeof(*rl));
	if (nb == NULL || rl == NULL)
		goto out;
	for (i = 0; i < span; i++) {
		struct node *x = node_at(m->nodes, i);

		if (x == NULL || x == m->self || x->link == NULL || x->link->state != LINK_UP ||
		    !x->has_record)
			continue;
		memcpy(nb[n].node_id, x->id, MESH_ID_LEN);
		nb[n].cost = x->link->cost;
		nb[n].flags = x->link->kind == LINK_LAN   ? MESH_LS_LAN
			      : x->link->kind == LINK_NAT ? MESH_LS_NAT
							  : MESH_LS_PUBLIC;
		rl[n].neighbour = x->index;
		rl[n].cost = x->link->cost;
		n++;
		if (n >= MESH_LS_MAX_NEIGHBOURS)
			break;
	}
	if (lsdb_set_links(m->lsdb, m->self->index, rl, n) != 0)
		m->dirty_routes = true;
	if (m->ls_renew) {
		m->ls_renew = false;
		lsfrag_set_clear(&m->self->ls);
	}
	seq = (uint64_t)m->cfg.epoch << 32 | (m->ls_seq + 1);
	nch = lsfrag_set_originate(&m->self->ls, m->id, seq, nb, n, changed);
	if (nch < 0) {
		log_warnx("cannot originate link state: %s", strerror(-nch));
		goto out;
	}
	if (nch == 0)
		goto out;
	m->ls_seq++;
	m->self->ls_seq = m->self->ls.version;
	for (f = 0; f < nch; f++) {
		struct mesh_link_state ls;

		lsfrag_set_get(&m->self->ls, changed[f], &ls);
		flood_queue_ls(m, &ls, NULL);
	}
	mesh_changed(m);
out:
	free(nb);
	free(rl);
}

/* ---------------------------------------------------------------- input */

static void
handle_hello(struct mesh *m, struct node *from, const struct endpoint *src, bool underlay,
	     const struct mesh_hello *h)
{
	uint8_t digest[MESH_DIGEST_LEN];
	struct mesh_msg reply;
	struct node *n;
	uint32_t known;
	bool refused;

	if (memcmp(h->record.node_id, from->id, MESH_ID_LEN) != 0) {
		count_drop(m, DROP_POLICY, src, ": HELLO carries another node's record");
		return;
	}
	n = accept_record(m, &h->record, src, &refused);
	if (refused)
		return;
	if (n != NULL)
		flood_queue_record(m, &h->record, from);
	n = from;
	if (!n->has_record)
		return;
	/* A HELLO over the underlay asks us to be the sender's direct peer. */
	if (underlay && !m->cfg.mobile && (n->link == NULL || n->link->kind != LINK_STATIC))
		mesh_link_ensure(m, n, LINK_CLIENT);
	if (!(h->flags & MESH_HELLO_REPLY)) {
		make_hello(m, &reply, true);
		mesh_send(m, src, &reply, n);
	}
	fill_digest(m, digest, &known);
	if (known == h->known && sodium_memcmp(digest, h->digest, MESH_DIGEST_LEN) == 0)
		return;
	if (h->flags & MESH_HELLO_HASHES)
		send_hashes(m, src, n, h->sync_id, 0);
	else
		send_full_summary(m, src, n, h->sync_id);
}

static void
handle_records(struct mesh *m, struct node *from, const struct endpoint *src,
	       const struct mesh_records *r)
{
	uint8_t i;
	bool refused;

	for (i = 0; i < r->count; i++)
		if (accept_record(m, &r->rec[i], src, &refused) != NULL)
			flood_queue_record(m, &r->rec[i], from);
}

/*
 * The seq a SYNC_REQUEST asks x's link-state fragments above, when our
 * version differs from the peer's. The floor (lsfrag.h) covers whatever we
 * lack, but is the seq of our oldest fragment: a hub's answer is then
 * nearly its whole table (38 full fragments at 1000 clients), although
 * while a mesh grows what we lack is almost always the newest origination
 * or two, still on its way. So three requests in four ask only above our
 * newest seq; every fourth asks above the floor, which repairs a lost
 * older fragment within four exchanges.
 */
static uint64_t
ls_ask_from(struct node *x)
{
	uint64_t floor = lsfrag_set_floor(&x->ls);

	if (floor == 0 || (x->ls_asks++ & 3) == 3)
		return floor;
	return x->ls.max_seq;
}

/* A peer's SUMMARY: ask for what we lack, push what we hold newer. */
static void
handle_summary(struct mesh *m, struct node *from, const struct endpoint *src,
	       const struct mesh_summary *s)
{
	struct mesh_summary_entry want[MESH_SUMMARY_MAX];
	struct node *newer[MESH_SUMMARY_MAX];
	size_t nwant = 0, nnewer = 0;
	struct ls_push *lp = malloc(sizeof(*lp));
	uint8_t i;

	if (lp == NULL)
		return;
	ls_push_init(lp, src, from, s->sync_id);

	for (i = 0; i < s->count; i++) {
		const struct mesh_summary_entry *e = &s->e[i];
		struct node *x = node_find(m->nodes, e->node_id);
		uint64_t rs = x != NULL && x->has_record ? x->rec.seq : 0;
		uint64_t ls = x != NULL ? x->ls_seq : 0;
		/* link-state versions are compared for equality (lsfrag.h) */
		bool want_ls = e->ls_seq != 0 && e->ls_seq != ls;

		if (x != NULL && x->conflict[0] != '\0')
			continue;
		if (e->record_seq > rs || want_ls) {
			/*
			 * "newer than": our floor when the sets differ (the answer
			 * then covers whatever we lack), else our newest seq.
			 */
			want[nwant] = *e;
			want[nwant].record_seq = rs;
			want[nwant].ls_seq = x == NULL ? 0
					     : want_ls ? ls_ask_from(x)
						       : x->ls.max_seq;
			nwant++;
		}
		if (x != NULL && x->has_record && rs > e->record_seq)
			newer[nnewer++] = x;
		/* it holds none: all of ours; sets that differ are requested by each side */
		if (x != NULL && ls != 0 && e->ls_seq == 0)
			push_ls(m, lp, x, 0);
	}
	ls_push_flush(m, lp);
	free(lp);
	push_records(m, src, from, newer, nnewer, s->sync_id & ~SYNC_BATCH);
	if (nwant > 0)
		send_summary(m, src, from, MESH_SYNC_REQUEST, s->sync_id, want, nwant);
	/*
	 * The first part of a peer's own summary: let it see ours too, marked as
	 * an answer so that it does not answer again.
	 */
	if (s->part == 0 && !(s->sync_id & SYNC_ANSWER))
		send_full_summary(m, src, from, s->sync_id | SYNC_ANSWER);
}

static void
handle_sync_request(struct mesh *m, struct node *from, const struct endpoint *src,
		    const struct mesh_summary *s)
{
	struct node *recs[MESH_SUMMARY_MAX];
	struct ls_push *lp = malloc(sizeof(*lp));
	size_t n = 0;
	uint8_t i;

	if (lp == NULL)
		return;
	ls_push_init(lp, src, from, s->sync_id);
	for (i = 0; i < s->count; i++) {
		struct node *x = node_find(m->nodes, s->e[i].node_id);

		if (x == NULL || x->conflict[0] != '\0')
			continue;
		if (x->has_record && x->rec.seq > s->e[i].record_seq)
			recs[n++] = x;
		push_ls(m, lp, x, s->e[i].ls_seq);
	}
	ls_push_flush(m, lp);
	free(lp);
	push_records(m, src, from, recs, n, s->sync_id & ~SYNC_BATCH);
}

/* Sync answers packed: each fragment as if it came alone, flooded on alone. */
static void
handle_link_states(struct mesh *m, struct node *from, const struct endpoint *src,
		   const struct mesh_link_states *b)
{
	struct mesh_link_state ls;
	unsigned i;

	from->takes_lss = true;
	for (i = 0; i < b->count; i++) {
		mesh_link_states_get(b, i, &ls);
		if (accept_ls(m, &ls, src))
			flood_queue_ls(m, &ls, from);
	}
}

static void
handle_bye(struct mesh *m, struct node *from, const struct mesh_bye *b)
{
	struct node *n = node_find(m->nodes, b->node_id);
	struct mesh_msg fwd;

	if (n == NULL || n == m->self || n->left || !n->has_record || b->record_seq < n->rec.seq)
		return;
	log_info("node %s (%s) left%s", label(n), n->short_id,
		 b->reason == MESH_BYE_LEAVE ? " the network" : "");
	n->left = true;
	n->rec.seq = b->record_seq;
	lsdb_set_links(m->lsdb, n->index, NULL, 0);
	m->ls_frags -= n->ls.nfrags;
	lsfrag_set_clear(&n->ls);
	n->ls_seq = 0;
	if (n->link != NULL) {
		if (n->link->kind == LINK_CLIENT)
			mesh_link_remove(m, n, "it left");
		else
			mesh_link_set_state(m, n, LINK_DOWN, "it left");
	}
	m->dirty_routes = m->dirty_wg = true;
	memset(&fwd, 0, sizeof(fwd));
	fwd.type = MESH_BYE;
	fwd.bye = *b;
	flood(m, &fwd, from);
	mesh_touch(m);
}

static void
handle_conflict(struct mesh *m, const struct mesh_conflict *c)
{
	char addr[IPADDR_STRLEN], sid[IDENTITY_SHORT_LEN], name[MESH_NAME_MAX * 4 + 1];
	unsigned long suppressed;

	if (!c->has_record || !ipaddr_equal(&c->holder_record.addr, &m->cfg.address))
		return;
	ipaddr_fmt(&c->addr, addr, sizeof(addr));
	if (memcmp(c->claimant, m->self->id, MESH_ID_LEN) == 0) {
		/* we are the newcomer */
		identity_short(sid, c->holder);
		log_escape(name, sizeof(name), c->holder_record.name,
			   strlen(c->holder_record.name));
		snprintf(m->self->conflict, sizeof(m->self->conflict),
			 "address %s is held by node %.32s (%s); our claim is refused", addr, name,
			 sid);
	} else if (memcmp(c->holder, m->self->id, MESH_ID_LEN) == 0) {
		/* we hold it; someone else tried */
		identity_short(sid, c->claimant);
		snprintf(m->self->conflict, sizeof(m->self->conflict),
			 "node %s claimed our address %s; it was refused", sid, addr);
	} else {
		return;
	}
	if (log_ratelimit_ok(&m->rl_refuse, mesh_mono(), &suppressed))
		log_warnx("%s", m->self->conflict);
	mesh_touch(m);
}

/*
 * A link that is not up yet heard its first ping or pong: poll WireGuard for
 * the handshake and run the tick now, not up to a poll period later (the
 * link comes up, and link state goes out, a second sooner at start).
 */
static void
link_heard_new(struct mesh *m, const struct link *l)
{
	if (l->state == LINK_UP)
		return;
	m->next_wg_poll = 0;
	ev_feed_event(m->loop, &m->tick_w, EV_TIMER);
}

static void
handle_ping(struct mesh *m, struct node *from, const struct endpoint *src,
	    const struct mesh_ping *p)
{
	struct mesh_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_PONG;
	msg.pong.token = p->token;
	msg.pong.timestamp = p->timestamp;
	msg.pong.seen_admin = *src;
	if (from->link != NULL) {
		from->link->last_heard = mesh_mono();
		msg.pong.seen_wg = from->link->wg_seen;
		link_heard_new(m, from->link);
	}
	mesh_send(m, src, &msg, from);
}

static void
handle_pong(struct mesh *m, struct node *from, const struct mesh_pong *p)
{
	struct link *l = from->link;
	double now = mesh_mono();
	size_t i, slot = 0;

	if (l == NULL || p->token != l->ping_token || l->ping_token == 0)
		return;
	l->ping_token = 0;
	l->last_heard = now;
	link_heard_new(m, l);
	l->rtt_us = (uint32_t)((uint64_t)(now * 1e6) - p->timestamp);
	from->cnt.pongs_received++;
	/*
	 * What a gateway sees of us: our reflexive endpoints. Only static peers
	 * count: a LAN neighbour sees our private address, which says nothing
	 * about our NAT.
	 */
	if (from->static_index < 0)
		return;
	for (i = 0; i < sizeof(m->reflexive) / sizeof(m->reflexive[0]); i++) {
		if (m->reflexive[i].seen_by == from->index && m->reflexive[i].when > 0) {
			slot = i;
			break;
		}
		if (m->reflexive[i].when < m->reflexive[slot].when)
			slot = i;
	}
	m->reflexive[slot].seen_by = from->index;
	m->reflexive[slot].admin = p->seen_admin;
	m->reflexive[slot].wg = p->seen_wg;
	m->reflexive[slot].when = now;
	/*
	 * The first PONGs of a new link often come before the gateway's
	 * WireGuard poll has seen our endpoint. NAT traversal needs it: ask
	 * again in a second rather than a whole ping interval later.
	 */
	if (p->seen_wg.port == 0 && m->p.ping_interval > 1.0)
		l->last_ping = now - m->p.ping_interval * 1.1 + 1.0;
	paths_pong(m, from, p);
}

/* ---------------------------------------------------------------- rate limit */

static uint32_t
rate_hash(const struct ipaddr *a)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t i, n = ipaddr_len(a);

	for (i = 0; i < n; i++)
		h = (h ^ a->bytes[i]) * 16777619u;
	return h ^ (h >> 15);
}

/* The bucket of a, refilled to now; or where a new one may go (addr AF_UNSPEC). */
static struct rate_bucket *
rate_slot(struct mesh *m, const struct ipaddr *a, double now)
{
	uint32_t h = rate_hash(a), i;
	struct rate_bucket *spare = NULL;

	for (i = 0; i < RATE_PROBE && i < m->rate_slots; i++) {
		struct rate_bucket *b = &m->rate[(h + i) & (m->rate_slots - 1)];

		if (b->addr.family != AF_UNSPEC) {
			b->tokens += (now - b->last) * m->p.rate;
			b->last = now;
			if (b->tokens >= m->p.rate_burst) {
				b->tokens = m->p.rate_burst;
				if (ipaddr_equal(&b->addr, a))
					return b;
				/* full again: as good as never seen, the slot is free */
				b->addr.family = AF_UNSPEC;
			} else if (ipaddr_equal(&b->addr, a)) {
				return b;
			}
		}
		if (b->addr.family == AF_UNSPEC && spare == NULL)
			spare = b;
	}
	return spare;
}

/* Double the table (up to RATE_SLOTS_MAX); buckets not full carry over. */
static int
rate_grow(struct mesh *m)
{
	uint32_t n = m->rate_slots ? m->rate_slots * 2 : RATE_SLOTS_MIN, i, old_n = m->rate_slots;
	struct rate_bucket *old = m->rate, *v;

	if (n > RATE_SLOTS_MAX)
		return -ENOSPC;
	v = calloc(n, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	m->rate = v;
	m->rate_slots = n;
	for (i = 0; i < old_n; i++) {
		uint32_t h, k;

		if (old[i].addr.family == AF_UNSPEC)
			continue;
		h = rate_hash(&old[i].addr);
		for (k = 0; k < RATE_PROBE; k++) {
			struct rate_bucket *b = &v[(h + k) & (n - 1)];

			if (b->addr.family == AF_UNSPEC) {
				*b = old[i];
				break;
			}
		}
	}
	free(old);
	return 0;
}

/*
 * May one more authenticated datagram from src be processed? A token bucket
 * per source address (rate, rate_burst). When no slot is free near the
 * address even after growing, the datagram passes (that takes RATE_PROBE
 * sources hashing together, each with a bucket not yet refilled).
 */
static bool
rate_ok(struct mesh *m, const struct endpoint *src)
{
	double now = mesh_mono();
	struct rate_bucket *b;

	if (m->p.rate <= 0)
		return true;
	b = m->rate_slots > 0 ? rate_slot(m, &src->addr, now) : NULL;
	if (b == NULL && rate_grow(m) == 0)
		b = rate_slot(m, &src->addr, now);
	if (b == NULL)
		return true;
	if (b->addr.family == AF_UNSPEC) {
		b->addr = src->addr;
		b->tokens = m->p.rate_burst;
		b->last = now;
	}
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}

void
mesh_input(struct mesh *m, const struct endpoint *src, const uint8_t *buf, size_t len)
{
	static struct seal_opened op; /* 1.1 KB: not on the stack of every callback */
	struct replay_window scratch, *w;
	struct seal_header hdr;
	struct mesh_msg msg;
	struct node *from;
	bool underlay, created;
	int rc;

	m->stats.rx++;
	rc = seal_header_parse(&hdr, buf, len);
	if (rc < 0) {
		count_drop(m, rc == SEAL_ETRUNC	     ? DROP_TRUNCATED
			      : rc == SEAL_EOVERSIZE ? DROP_OVERSIZE
						     : DROP_HEADER,
			   src, "");
		return;
	}
	if (memcmp(hdr.sender, m->self->id, MESH_ID_LEN) == 0) {
		count_drop(m, DROP_SELF, src, "");
		return;
	}
	from = node_find(m->nodes, hdr.sender);
	if (from != NULL) {
		w = &from->replay;
	} else {
		replay_window_init(&scratch);
		w = &scratch;
	}
	rc = seal_open(m->kr, w, buf, len, &op);
	if (rc < 0) {
		enum drop_reason r = rc == SEAL_ESIG				  ? DROP_SIGNATURE
				     : rc == SEAL_EREPLAY || rc == SEAL_ESTALE ? DROP_REPLAY
				     : rc == SEAL_ETRUNC			  ? DROP_TRUNCATED
										  : DROP_KEY;
		count_drop(m, r, src, "");
		return;
	}
	if (!rate_ok(m, src)) {
		count_drop(m, DROP_RATE, src, " (over the per-source rate)");
		return;
	}
	if (m->cfg.net->has_members && config_find_member(m->cfg.net, hdr.sender) == NULL) {
		char why[96], sid[IDENTITY_SHORT_LEN];

		identity_short(sid, hdr.sender);
		snprintf(why, sizeof(why), "sender %s is not listed in nodes:", sid);
		refuse(m, "datagram", src, why);
		return;
	}
	/* embedded records and link state are verified when new (admit_record) */
	rc = mesh_decode_lazy(&msg, op.type, op.body, op.body_len);
	if (rc < 0) {
		count_drop(m, DROP_DECODE, src, rc == -EOPNOTSUPP ? " (unknown type)" : "");
		return;
	}
	if (from == NULL) {
		from = mesh_get_node(m, hdr.sender, &created);
		if (from == NULL)
			return;
		from->replay = scratch;
		from->state = NODE_UNKNOWN;
		from->state_since = mesh_mono();
		/* in the link-state database like every other new node, or its link state is lost */
		lsdb_node_set(m->lsdb, from->index, from->id, true);
	}
	underlay = !is_overlay_source(m, src);
	from->last_rx = mesh_mono();
	from->last_src = *src;
	from->last_src_underlay = underlay;
	from->cnt.admin_in++;
	/* the periodic ones (PING, PONG, HELLO and its SUMMARY_HASH) would drown the rest */
	if (msg.type != MESH_PING && msg.type != MESH_PONG && msg.type != MESH_HELLO &&
	    msg.type != MESH_SUMMARY_HASH)
		log_debug("admin: %s from %s", mesh_type_name(msg.type), label(from));

	switch (msg.type) {
	case MESH_HELLO:
		handle_hello(m, from, src, underlay, &msg.hello);
		break;
	case MESH_RECORDS:
		handle_records(m, from, src, &msg.records);
		break;
	case MESH_SUMMARY:
		from->takes_lss |= (msg.summary.sync_id & SYNC_BATCH) != 0;
		handle_summary(m, from, src, &msg.summary);
		break;
	case MESH_SYNC_REQUEST:
		from->takes_lss |= (msg.summary.sync_id & SYNC_BATCH) != 0;
		handle_sync_request(m, from, src, &msg.summary);
		break;
	case MESH_SUMMARY_HASH:
		handle_summary_hash(m, from, src, &msg.hash);
		break;
	case MESH_LINK_STATE:
		if (accept_ls(m, &msg.ls, src))
			flood_queue_ls(m, &msg.ls, from);
		break;
	case MESH_LINK_STATES:
		handle_link_states(m, from, src, &msg.lss);
		break;
	case MESH_BYE:
		handle_bye(m, from, &msg.bye);
		break;
	case MESH_CONFLICT:
		handle_conflict(m, &msg.conflict);
		break;
	case MESH_PING:
		handle_ping(m, from, src, &msg.ping);
		break;
	case MESH_PONG:
		handle_pong(m, from, &msg.pong);
		break;
	case MESH_PROBE:
		paths_handle_probe(m, from, src, &msg.probe);
		break;
	case MESH_PROBE_ACK:
		paths_handle_probe_ack(m, from, src, &msg.probe_ack);
		break;
	case MESH_PUNCH:
		paths_handle_punch(m, from, &msg.punch);
		break;
	default:
		break;
	}
	/* A node heard from only through a refused claim or never with a record is GC'd later. */
}

/* ---------------------------------------------------------------- statics & DNS */

static void
resolved_cb(void *arg, int rc, const struct ipaddr *addrs, size_t n)
{
	struct static_peer *st = arg;
	struct mesh *m = st->m;
	size_t i;

	st->resolving = false;
	if (rc < 0) {
		log_warnx("static peer %s: cannot resolve: %s", st->cfg->host,
			  rc == -ENOENT ? "no such host" : strerror(-rc));
		st->next_resolve = mesh_mono() + 5;
		return;
	}
	for (i = 0; i < n; i++)
		st->addrs[i] = addrs[i];
	st->naddrs = n;
	st->next_resolve = mesh_mono() + m->p.resolve_interval;
	if (st->node != NULL && st->node->link != NULL &&
	    !ipaddr_equal(&st->node->link->endpoint.addr, &addrs[0])) {
		st->node->link->endpoint.addr = addrs[0];
		st->node->link->endpoint.port = st->cfg->port;
		m->dirty_wg = true;
	}
	st->next_hello = 0; /* say hello now */
}

static void
statics_tick(struct mesh *m, double now)
{
	size_t i;

	for (i = 0; i < m->nstatics; i++) {
		struct static_peer *st = &m->statics[i];
		struct mesh_msg msg;
		struct endpoint dst;

		if (st->is_self)
			continue;
		if (!st->resolving && now >= st->next_resolve) {
			st->resolving = true;
			if (resolver_query(m->resolver, st->cfg->host, resolved_cb, st, &st->query) < 0) {
				st->resolving = false;
				st->next_resolve = now + 5;
			}
		}
		if (st->naddrs == 0 || now < st->next_hello)
			continue;
		if (st->node != NULL && st->node->link != NULL && st->node->link->state == LINK_UP) {
			st->backoff = m->p.hello_min;
			continue;
		}
		/* a mobile node keeps one gateway; the others are not courted while it works */
		if (m->cfg.mobile && m->primary_gateway != NULL &&
		    m->primary_gateway->link != NULL && m->primary_gateway->link->state == LINK_UP &&
		    st->node != NULL)
			continue;
		make_hello(m, &msg, false);
		dst.addr = st->addrs[0];
		dst.port = st->cfg->admin_port;
		mesh_send(m, &dst, &msg, st->node);
		st->backoff = st->backoff <= 0 ? m->p.hello_min : st->backoff * 2;
		if (st->backoff > m->p.hello_max)
			st->backoff = m->p.hello_max;
		st->next_hello = now + mesh_jitter(st->backoff);
	}
}

/* ---------------------------------------------------------------- links tick */

static void
ping(struct mesh *m, struct node *n, double now)
{
	struct mesh_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_PING;
	randombytes_buf(&msg.ping.token, sizeof(msg.ping.token));
	if (msg.ping.token == 0)
		msg.ping.token = 1;
	msg.ping.timestamp = (uint64_t)(now * 1e6);
	n->link->ping_token = msg.ping.token;
	n->link->last_ping = now;
	n->cnt.pings_sent++;
	/* our pings keep the path warm (NAT-traversed links add WireGuard's keepalive) */
	n->cnt.keepalives++;
	mesh_send_to_node(m, n, &msg);
}

/* The primary gateway of a mobile node: the first static link up, kept while up. */
static void
pick_primary_gateway(struct mesh *m)
{
	uint32_t i, span = node_table_span(m->nodes);
	struct node *g = m->primary_gateway;

	if (g != NULL && g->link != NULL && g->link->kind == LINK_STATIC &&
	    g->link->state == LINK_UP)
		return;
	m->primary_gateway = NULL;
	for (i = 0; i < span; i++) {
		struct node *n = node_at(m->nodes, i);

		if (n != NULL && n->link != NULL && n->link->kind == LINK_STATIC &&
		    n->link->state == LINK_UP) {
			m->primary_gateway = n;
			return;
		}
	}
}

static void
links_tick(struct mesh *m, double now)
{
	uint32_t i, nn;
	int64_t wnow = wall();
	struct node **nb;

	pick_primary_gateway(m);
	/* a snapshot: a step may remove the link (and so change the list) */
	nb = nbr_snapshot(m, &nn);
	if (nb == NULL)
		return;
	for (i = 0; i < nn; i++) {
		struct node *n = nb[i];
		struct link_policy pol;
		struct link *l;
		bool hs, heard;

		if (n == NULL || n->link == NULL || !n->has_record)
			continue;
		l = n->link;
		paths_link_policy(m, n, now, &pol);
		if (pol.dormant) {
			if (!l->dormant)
				paths_link_quiet(l, now);
			l->dormant = true;
		} else if (l->dormant) {
			/* data again after a quiet spell: check the path afresh, now */
			l->dormant = false;
			l->woke = now;
			l->last_ping = 0;
			paths_link_policy(m, n, now, &pol);
		}
		hs = l->handshake_wall > 0 && (double)(wnow - l->handshake_wall) < m->p.handshake_fresh;
		/* a session that expired while quiet is renewed by the first data */
		hs |= pol.waking;
		heard = paths_link_heard(l) > 0 && now - paths_link_heard(l) < pol.dead;
		if (hs && heard) {
			/*
			 * Flap damping: a new link is announced at once; one that
			 * went down must work for link_holddown before it is again.
			 */
			if (l->working_since == 0)
				l->working_since = now;
			if (l->state == LINK_TRYING ||
			    (l->state == LINK_DOWN && now - l->working_since >= m->p.link_holddown))
				mesh_link_set_state(m, n, LINK_UP, "handshake and pings");
		} else {
			l->working_since = 0;
			if (l->state == LINK_UP) {
				mesh_link_set_state(m, n, LINK_DOWN,
						    !hs ? "no recent handshake" : "pings unanswered");
				paths_link_down(m, n);
				if (n->link == NULL)
					continue;
			}
		}
		/* A client that stopped talking to us is forgotten. */
		if (l->kind == LINK_CLIENT && l->state != LINK_UP &&
		    now - (l->last_heard > 0 ? l->last_heard : l->created) > m->p.gc_after / 4) {
			mesh_link_remove(m, n, "client silent");
			continue;
		}
		if (pol.ping && now - l->last_ping >= mesh_jitter(pol.interval))
			ping(m, n, now);
		/*
		 * Anti-entropy: the pinger says HELLO (with its digest) every
		 * sync_interval, and about a second after anything changed, so a
		 * lost flood is repaired in seconds, not half a minute.
		 */
		if (l->pinger && pol.ping && !pol.dormant && l->state == LINK_UP &&
		    (now - l->last_sync > mesh_jitter(m->p.sync_interval) ||
		     (m->last_change > l->last_sync && now - m->last_change >= 0.5 &&
		      now - l->last_sync >= 1.0))) {
			struct mesh_msg msg;

			make_hello(m, &msg, false);
			mesh_send_to_node(m, n, &msg);
			l->last_sync = now;
		}
	}
	free(nb);
}

static int
peer_key_cmp(const void *a, const void *b)
{
	const struct wg_peer *const *x = a, *const *y = b;

	return memcmp((*x)->public_key, (*y)->public_key, WG_KEY_LEN);
}

/* Handshakes, endpoints and counters of our peers: one sorted index per poll. */
static void
wg_poll(struct mesh *m)
{
	struct wg_device *dev = NULL;
	struct wg_peer **idx = NULL, *p;
	size_t npeers = 0, k;
	double now = mesh_mono();
	uint32_t i;
	int rc;

	if (m->io.wg_get == NULL)
		return;
	rc = m->io.wg_get(m->io.ctx, &dev);
	if (rc < 0) {
		log_debug("WireGuard poll failed: %s", strerror(-rc));
		return;
	}
	for (p = dev->first_peer; p != NULL; p = p->next)
		npeers++;
	idx = malloc((npeers ? npeers : 1) * sizeof(*idx));
	if (idx == NULL) {
		wg_device_free(dev);
		return;
	}
	for (k = 0, p = dev->first_peer; p != NULL; p = p->next)
		idx[k++] = p;
	qsort(idx, npeers, sizeof(*idx), peer_key_cmp);
	for (i = 0; i < m->nnbrs; i++) {
		struct node *n = m->nbrs[i];
		struct wg_peer key, *kp = &key, **hit;

		if (!n->has_record)
			continue;
		memcpy(key.public_key, n->rec.wg_public, WG_KEY_LEN);
		hit = bsearch(&kp, idx, npeers, sizeof(*idx), peer_key_cmp);
		if (hit == NULL)
			continue;
		p = *hit;
		n->link->handshake_wall = p->last_handshake.tv_sec;
		if (p->flags & WGPEER_HAS_ENDPOINT)
			n->link->wg_seen = p->endpoint;
		if (p->rx_bytes != n->link->rx_bytes || p->tx_bytes != n->link->tx_bytes)
			mesh_touch(m);
		/*
		 * Anything WireGuard accepted from this peer came straight from
		 * it (a relayed packet arrives on the gateway's peer): as good as
		 * a pong for a direct path, and free.
		 */
		if (n->link->rx_known && p->rx_bytes > n->link->rx_bytes)
			n->link->last_rx = now;
		/*
		 * Data sent straight to a direct peer is use, however little of
		 * it the sampler caught: what WireGuard sent beyond our own admin
		 * datagrams, in whole transport messages (handshakes are 148 and
		 * 92 bytes, never a multiple of 16), more than a lone keepalive.
		 */
		if (n->link->rx_known && (n->link->kind == LINK_LAN || n->link->kind == LINK_NAT)) {
			uint64_t sent = p->tx_bytes - n->link->tx_bytes;

			sent = sent > n->link->admin_wg_tx ? sent - n->link->admin_wg_tx : 0;
			if (sent > WG_KEEPALIVE_BYTES && sent % 16 == 0)
				mesh_used(m, n, now);
		}
		n->link->admin_wg_tx = 0;
		/* a lone 32-byte message is a keepalive (empty transport data) */
		if (n->link->rx_known && p->tx_bytes - n->link->tx_bytes == WG_KEEPALIVE_BYTES &&
		    n->link->keepalive_s > 0)
			n->cnt.keepalives++;
		n->link->rx_known = true;
		n->link->rx_bytes = p->rx_bytes;
		n->link->tx_bytes = p->tx_bytes;
	}
	free(idx);
	wg_device_free(dev);
}

static void
gc_tick(struct mesh *m, double now)
{
	uint32_t i, span = node_table_span(m->nodes);

	for (i = 0; i < span; i++) {
		struct node *n = node_at(m->nodes, i);

		if (n == NULL || n == m->self || n->link != NULL || n->static_index >= 0)
			continue;
		if ((n->state == NODE_DOWN || n->state == NODE_UNKNOWN ||
		     n->state == NODE_CONFLICT) &&
		    now - n->state_since > m->p.gc_after) {
			log_info("forgetting node %s (%s)", label(n), n->short_id);
			drop_node(m, n);
		}
	}
}

static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct mesh *m = (struct mesh *)((char *)w - offsetof(struct mesh, tick_w));
	double now = mesh_mono();

	(void)loop;
	(void)revents;
	if (now >= m->next_wg_poll) {
		wg_poll(m);
		m->next_wg_poll = now + m->p.wg_poll;
	}
	statics_tick(m, now);
	links_tick(m, now);
	paths_tick(m, now);
	gc_tick(m, now);
	if (m->wg_retry && now >= m->wg_retry_at) {
		m->wg_retry = false;
		m->dirty_wg = true;
	}
}

/* ---------------------------------------------------------------- reconcile */

static void
update_states(struct mesh *m)
{
	uint32_t i, span = node_table_span(m->nodes);
	double now = mesh_mono();

	for (i = 0; i < span; i++) {
		struct node *n = node_at(m->nodes, i);
		enum node_state s;

		if (n == NULL)
			continue;
		n->next_hop = m->rt[i].next_hop;
		n->cost = m->rt[i].cost;
		if (n == m->self)
			s = NODE_SELF;
		else if (n->conflict[0] != '\0')
			s = NODE_CONFLICT;
		else if (n->next_hop == n->index)
			s = NODE_DIRECT;
		else if (n->next_hop != ROUTE_NONE)
			s = NODE_VIA_GATEWAY;
		else if (n->state == NODE_DIRECT || n->state == NODE_VIA_GATEWAY)
			s = NODE_DOWN;
		else
			s = n->state;
		if (s == n->state)
			continue;
		if (n->has_record && n != m->self) {
			if (s == NODE_VIA_GATEWAY)
				log_info("node %s: %s -> via %s", label(n), node_state_name(n->state),
					 label(node_at(m->nodes, n->next_hop)));
			else
				log_info("node %s: %s -> %s", label(n), node_state_name(n->state),
					 node_state_name(s));
		}
		if (s == NODE_DIRECT || s == NODE_VIA_GATEWAY)
			n->ever_reachable = true;
		n->state = s;
		n->state_since = now;
		mesh_touch(m);
	}
}

static int
add_aip(struct wg_peer *p, const struct ipaddr *a)
{
	struct ipprefix pfx = ipprefix_host(a);

	return wg_peer_add_allowedip(p, &pfx) != NULL ? 0 : -ENOMEM;
}

/* The WireGuard peers we want: one per link, allowed IPs as routing says. */
static struct wg_device *
desired_wg(struct mesh *m)
{
	uint32_t i, span = node_table_span(m->nodes);
	struct wg_peer **peer_of = calloc(span ? span : 1, sizeof(*peer_of));
	struct wg_device *dev = wg_device_new(NULL);

	if (dev == NULL || peer_of == NULL)
		goto fail;
	for (i = 0; i < span; i++) {
		struct node *n = node_at(m->nodes, i);
		struct wg_peer *p;
		struct ipaddr probe;

		if (n == NULL || n == m->self || n->link == NULL || !n->has_record ||
		    n->conflict[0] != '\0')
			continue;
		p = wg_device_add_peer(dev, n->rec.wg_public);
		if (p == NULL)
			goto fail;
		if (n->link->endpoint.port != 0) {
			p->endpoint = n->link->endpoint;
			p->flags |= WGPEER_HAS_ENDPOINT;
		}
		p->keepalive_s = n->link->keepalive_s;
		p->flags |= WGPEER_HAS_KEEPALIVE;
		mesh_probe_addr(m, n->id, &probe);
		if (add_aip(p, &probe) < 0)
			goto fail;
		/* before routing knows it, a direct neighbour's own address goes to it */
		if (n->next_hop == ROUTE_NONE && n->link->state != LINK_DOWN &&
		    add_aip(p, &n->rec.addr) < 0)
			goto fail;
		peer_of[i] = p;
	}
	for (i = 0; i < span; i++) {
		struct node *d = node_at(m->nodes, i);

		if (d == NULL || d == m->self || !d->has_record || d->next_hop == ROUTE_NONE ||
		    d->next_hop >= span || peer_of[d->next_hop] == NULL || d->conflict[0] != '\0')
			continue;
		if (add_aip(peer_of[d->next_hop], &d->rec.addr) < 0)
			goto fail;
	}
	free(peer_of);
	return dev;
fail:
	free(peer_of);
	wg_device_free(dev);
	return NULL;
}

static int
prefix_cmp(const void *a, const void *b)
{
	const struct installed_route *x = a, *y = b;
	int c = ipaddr_cmp(&x->dst.addr, &y->dst.addr);

	return c != 0 ? c : (int)x->dst.len - (int)y->dst.len;
}

/* Kernel routes: every reachable node's /32 and every neighbour's probe /128. */
static void
apply_routes(struct mesh *m)
{
	uint32_t i, span = node_table_span(m->nodes);
	struct installed_route *want = calloc(2 * (size_t)span + 1, sizeof(*want));
	size_t nwant = 0, a = 0, b = 0, nkeep = 0;
	struct installed_route *keep;
	bool failed = false;

	if (want == NULL || m->io.route == NULL) {
		free(want);
		return;
	}
	for (i = 0; i < span; i++) {
		struct node *n = node_at(m->nodes, i);

		if (n == NULL || n == m->self || !n->has_record || n->conflict[0] != '\0')
			continue;
		if (n->next_hop != ROUTE_NONE || (n->link != NULL && n->link->state != LINK_DOWN))
			want[nwant++].dst = ipprefix_host(&n->rec.addr);
		if (n->link != NULL) {
			struct ipaddr probe;

			mesh_probe_addr(m, n->id, &probe);
			want[nwant++].dst = ipprefix_host(&probe);
		}
	}
	qsort(want, nwant, sizeof(*want), prefix_cmp);
	keep = calloc(nwant + m->nroutes + 1, sizeof(*keep));
	if (keep == NULL) {
		free(want);
		return;
	}
	/* merge the two sorted lists */
	while (a < m->nroutes || b < nwant) {
		int c = a == m->nroutes ? 1 : b == nwant ? -1 : prefix_cmp(&m->routes[a], &want[b]);

		if (c == 0) {
			keep[nkeep++] = want[b];
			a++;
			b++;
		} else if (c < 0) {
			int rc = m->io.route(m->io.ctx, &m->routes[a].dst, false);

			if (rc < 0) {
				keep[nkeep++] = m->routes[a]; /* retry later */
				failed = true;
			}
			a++;
		} else {
			int rc = m->io.route(m->io.ctx, &want[b].dst, true);

			if (rc < 0) {
				char pfx[IPPREFIX_STRLEN];

				m->stats.route_errors++;
				log_warnx("route %s: %s (will retry)",
					  ipprefix_fmt(&want[b].dst, pfx, sizeof(pfx)), strerror(-rc));
				failed = true;
			} else {
				keep[nkeep++] = want[b];
			}
			b++;
		}
	}
	qsort(keep, nkeep, sizeof(*keep), prefix_cmp);
	free(m->routes);
	m->routes = keep;
	m->nroutes = nkeep;
	free(want);
	if (failed) {
		m->wg_retry = true;
		m->wg_retry_at = mesh_mono() + 1;
	}
}

static void
apply_forwarding(struct mesh *m)
{
	uint32_t i, span = node_table_span(m->nodes), up = 0;
	bool want;

	for (i = 0; i < span; i++) {
		struct node *n = node_at(m->nodes, i);

		if (n != NULL && n->link != NULL && n->link->state == LINK_UP)
			up++;
	}
	want = !m->cfg.mobile && up >= 2;
	if (want != m->forwarding && m->io.forwarding != NULL) {
		m->io.forwarding(m->io.ctx, want);
		m->forwarding = want;
	}
}

/*
 * Originations are LS_MIN_INTERVAL apart, longer for a node with many
 * links: each one floods to every neighbour and is verified by every node,
 * so a hub taking on a batch of clients (one link change each) would
 * otherwise make every node verify ten of its fragments a second. 0.1 s up
 * to 99 neighbours, +0.1 s per 100 more (1.1 s at 1000).
 */
static double
ls_interval(const struct mesh *m)
{
	return LS_MIN_INTERVAL * (1 + m->nnbrs / 100);
}

static void
reconcile(struct mesh *m)
{
	if (m->dirty_record) {
		m->dirty_record = false;
		if (build_self_record(m) == 0)
			flood_queue_record(m, &m->self->rec, NULL);
	}
	if (m->dirty_ls) {
		double now = mesh_mono(), due = m->ls_last + ls_interval(m);

		if (now >= due || m->ls_renew || m->stopping) {
			m->dirty_ls = false;
			m->ls_last = now;
			ev_timer_stop(m->loop, &m->ls_w);
			originate_ls(m);
		} else if (!ev_is_active(&m->ls_w)) {
			ev_timer_set(&m->ls_w, due - now, 0.);
			ev_timer_start(m->loop, &m->ls_w);
		}
	}
	if (m->dirty_routes) {
		m->dirty_routes = false;
		if (route_compute(m->lsdb, m->self->index, m->rt) == 0) {
			update_states(m);
			m->dirty_wg = true;
		}
	}
	if (m->dirty_wg) {
		struct wg_device *want = desired_wg(m), *delta = NULL;

		m->dirty_wg = false;
		if (want == NULL)
			return;
		if (wg_device_diff(m->wg_applied, want, &delta) == 0) {
			int rc = wg_device_delta_empty(delta) ? 0 : m->io.wg_set(m->io.ctx, delta);

			if (rc < 0) {
				m->stats.wg_set_errors++;
				log_warnx("WireGuard update failed: %s (will retry)", strerror(-rc));
				wg_device_free(want);
				m->wg_retry = true;
				m->wg_retry_at = mesh_mono() + 1;
			} else {
				wg_device_free(m->wg_applied);
				m->wg_applied = want;
				if (m->wg_fresh) {
					/*
					 * A new WireGuard has no sessions, and a peer keeps
					 * sending on its old one until it times out: a ping
					 * from us makes ours handshake with every neighbour.
					 */
					uint32_t k;

					m->wg_fresh = false;
					for (k = 0; k < m->nnbrs; k++)
						if (m->nbrs[k]->has_record && !m->nbrs[k]->left)
							ping(m, m->nbrs[k], mesh_mono());
				}
			}
			wg_device_free(delta);
		} else {
			wg_device_free(want);
		}
		apply_routes(m);
		apply_forwarding(m);
	}
}

/* Nothing to do here: waking the loop runs reconcile_cb, which originates. */
static void
ls_due_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

static void
reconcile_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct mesh *m = (struct mesh *)((char *)w - offsetof(struct mesh, reconcile_w));

	(void)loop;
	(void)revents;
	if (m->dirty_ls || m->dirty_routes || m->dirty_wg || m->dirty_record)
		reconcile(m);
	flood_flush(m);
}

/* ---------------------------------------------------------------- lifecycle */

struct mesh *
mesh_new(struct ev_loop *loop, const struct mesh_self_config *cfg, const struct identity *id,
	 const struct mesh_io *io, const struct mesh_params *params)
{
	struct mesh *m = calloc(1, sizeof(*m));
	size_t i;
	bool created;

	if (m == NULL)
		return NULL;
	m->loop = loop;
	m->cfg = *cfg;
	m->id = id;
	m->io = *io;
	if (params != NULL)
		m->p = *params;
	else
		mesh_params_default(&m->p);
	m->rl_drop = (struct log_ratelimit)LOG_RATELIMIT_INIT(10.0, 5);
	m->rl_refuse = (struct log_ratelimit)LOG_RATELIMIT_INIT(10.0, 5);
	m->rl_cap = (struct log_ratelimit)LOG_RATELIMIT_INIT(10.0, 5);
	replay_counter_init(&m->counter, cfg->epoch);
	probe_prefix(cfg->net->shared_key, m->probe_prefix);
	{
		char why[128];

		if (config_member_check(cfg->net, identity_node_id(id), cfg->name, &cfg->address,
					why, sizeof(why)) < 0) {
			log_warnx("mesh: this node %s (its identity must be listed in nodes:, with "
				  "its name and wgIp)",
				  why);
			free(m);
			return NULL;
		}
	}
	if (seal_keyring_new(&m->kr, cfg->net->shared_key) < 0)
		goto fail;
	m->nodes = node_table_new();
	m->lsdb = lsdb_new(64);
	m->resolver = resolver_new(loop);
	if (m->nodes == NULL || m->lsdb == NULL || m->resolver == NULL)
		goto fail;
	m->self = mesh_get_node(m, identity_node_id(id), &created);
	if (m->self == NULL)
		goto fail;
	m->self->state = NODE_SELF;
	lsdb_node_set(m->lsdb, m->self->index, m->self->id, !cfg->mobile);
	if (build_self_record(m) < 0)
		goto fail;
	m->nstatics = cfg->net->npeers;
	m->statics = calloc(m->nstatics ? m->nstatics : 1, sizeof(*m->statics));
	if (m->statics == NULL)
		goto fail;
	for (i = 0; i < m->nstatics; i++) {
		m->statics[i].m = m;
		m->statics[i].cfg = &cfg->net->peers[i];
		m->statics[i].index = (int)i;
		m->statics[i].is_self = ipaddr_equal(&cfg->net->peers[i].wg_ip, &cfg->address);
		if (m->statics[i].is_self) {
			m->statics[i].node = m->self;
			m->self->static_index = (int)i;
		}
	}
	ev_prepare_init(&m->reconcile_w, reconcile_cb);
	ev_timer_init(&m->tick_w, tick_cb, 0., m->p.tick);
	ev_timer_init(&m->ls_w, ls_due_cb, 0., 0.);
	return m;
fail:
	log_warnx("mesh: cannot initialise (out of memory or crypto failure)");
	mesh_free(m);
	return NULL;
}

void
mesh_free(struct mesh *m)
{
	if (m == NULL)
		return;
	if (m->started) {
		ev_prepare_stop(m->loop, &m->reconcile_w);
		ev_timer_stop(m->loop, &m->tick_w);
	}
	ev_timer_stop(m->loop, &m->ls_w);
	resolver_free(m->resolver);
	node_table_free(m->nodes);
	free(m->nbrs);
	lsdb_free(m->lsdb);
	free(m->rt);
	free(m->statics);
	free(m->routes);
	free(m->rate);
	free(m->fq_rec);
	free(m->fq_ls);
	wg_device_free(m->wg_applied);
	seal_keyring_free(m->kr);
	free(m);
}

int
mesh_start(struct mesh *m)
{
	m->started = true;
	ev_prepare_start(m->loop, &m->reconcile_w);
	ev_timer_again(m->loop, &m->tick_w);
	m->dirty_ls = m->dirty_routes = m->dirty_wg = true;
	return 0;
}

void
mesh_stop(struct mesh *m)
{
	uint32_t i, span = node_table_span(m->nodes);
	struct mesh_msg msg;

	if (!m->started)
		return;
	flood_flush(m);
	m->stopping = true;
	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_BYE;
	memcpy(msg.bye.node_id, m->self->id, MESH_ID_LEN);
	msg.bye.record_seq = m->self->rec.seq;
	msg.bye.reason = MESH_BYE_SHUTDOWN;
	if (mesh_bye_sign(&msg.bye, m->id) == 0) {
		for (i = 0; i < span; i++) {
			struct node *n = node_at(m->nodes, i);

			if (n != NULL && n != m->self && n->link != NULL && n->has_record)
				mesh_send_to_node(m, n, &msg);
		}
	}
	ev_prepare_stop(m->loop, &m->reconcile_w);
	ev_timer_stop(m->loop, &m->tick_w);
	ev_timer_stop(m->loop, &m->ls_w);
	m->started = false;
}

void
mesh_addresses_changed(struct mesh *m)
{
	paths_reset(m, "netlink");
	mesh_touch(m);
}

void
mesh_underlay_ttl(struct mesh *m, const struct endpoint *src, int ttl)
{
	size_t i, k;
	int hops;

	if (ttl <= 0 || ttl > 255)
		return;
	/* initial TTLs in use: 64 (Linux, BSD), 128 (Windows), 255 */
	hops = ttl <= 64 ? 64 - ttl : ttl <= 128 ? 128 - ttl : 255 - ttl;
	for (i = 0; i < m->nstatics; i++)
		for (k = 0; k < m->statics[i].naddrs; k++)
			if (!m->statics[i].is_self && ipaddr_equal(&m->statics[i].addrs[k], &src->addr)) {
				if (hops != m->hops_to_gateway)
					log_debug("%d routers between us and static peer %s", hops,
						  m->statics[i].cfg->host);
				m->hops_to_gateway = hops;
				return;
			}
}

void
mesh_set_traffic_sampled(struct mesh *m, bool on)
{
	m->traffic_sampled = on;
}

void
mesh_wg_reset(struct mesh *m)
{
	wg_device_free(m->wg_applied);
	m->wg_applied = NULL;
	free(m->routes);
	m->routes = NULL;
	m->nroutes = 0;
	m->dirty_wg = true;
	m->wg_fresh = true;
}

const struct mesh_stats *
mesh_stats(const struct mesh *m)
{
	return &m->stats;
}

const char *
mesh_drop_reason_name(unsigned reason)
{
	return reason < DROP_NREASONS ? drop_names[reason] : NULL;
}

struct node *
mesh_node_at(const struct mesh *m, uint32_t index)
{
	return node_at(m->nodes, index);
}

uint32_t
mesh_node_span(const struct mesh *m)
{
	return node_table_span(m->nodes);
}

const struct node *
mesh_self(const struct mesh *m)
{
	return m->self;
}

size_t
mesh_node_count(const struct mesh *m)
{
	return node_table_count(m->nodes);
}

const struct node *
mesh_node_by_addr(const struct mesh *m, const struct ipaddr *a)
{
	return node_find_by_addr(m->nodes, a);
}

uint64_t
mesh_generation(const struct mesh *m)
{
	return m->generation;
}

size_t
mesh_reflexive(const struct mesh *m, struct mesh_reflexive *out, size_t max)
{
	size_t i, n = 0;
	double now = mesh_mono();

	for (i = 0; i < sizeof(m->reflexive) / sizeof(m->reflexive[0]) && n < max; i++) {
		const struct reflexive *r = &m->reflexive[i];
		const struct node *by;

		if (r->when <= 0 || (by = node_at(m->nodes, r->seen_by)) == NULL)
			continue;
		out[n].seen_by = by;
		out[n].admin = r->admin;
		out[n].wg = r->wg;
		out[n].age_s = now - r->when;
		n++;
	}
	return n;
}

enum mesh_nat
mesh_nat_behaviour(const struct mesh *m)
{
	return m->nat;
}

const char *
mesh_self_conflict(const struct mesh *m)
{
	return m->self->conflict;
}

/* ---------------------------------------------------------------- reload */

/*
 * The static peers of a reloaded net.yaml. An entry is matched to the
 * running one by wgIp (a static peer's node is found by the address in its
 * record, so wgIp is what names it):
 *
 *   kept     same wgIp: the bound node and the resolved addresses carry
 *            over. A new host is resolved again and its old addresses are
 *            forgotten at once (no HELLO goes there any more); a new
 *            WireGuard port is set on the link now; a new admin port gets a
 *            HELLO now.
 *   added    a node already known at that address is bound now and gets its
 *            static link, as if its record had just arrived (a LAN, NAT or
 *            client link to it becomes the static link); otherwise it is
 *            bound when its record arrives. Its host is resolved on the next
 *            tick and HELLOs follow.
 *   removed  the bound node loses its static link and its direct-path state
 *            starts afresh. It is not forgotten: like any other member it is
 *            reached through a gateway at once, and directly when paths.c
 *            proves a LAN or NAT path. That is where a fresh start with the
 *            new file would be, without dropping what the node knows. (Keeping
 *            the link as a client link was the alternative; but a client link
 *            is the other side's to keep alive, and the other side, which we
 *            reached out to, has a client link to us: nobody would ping.)
 *
 * Every pending DNS lookup is cancelled (its callback argument is an entry of
 * the old array) and asked again on the next tick; literals answer at once.
 */
static bool
static_same_host(const struct config_static *a, const struct config_static *b)
{
	return strcmp(a->host, b->host) == 0;
}

static const struct static_peer *
static_find(const struct static_peer *v, size_t n, const struct ipaddr *wg_ip)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ipaddr_equal(&v[i].cfg->wg_ip, wg_ip))
			return &v[i];
	return NULL;
}

/*
 * Revocation: with a nodes: list, every node it does not list (or binds to
 * another name or address than its record says) is dropped — its links, its
 * WireGuard peer, its routes and its link state go with the next reconcile.
 * Its datagrams, records and link state are refused from now on.
 */
static size_t
revoke_unlisted(struct mesh *m)
{
	uint32_t k, span = node_table_span(m->nodes);
	size_t n = 0;

	if (!m->cfg.net->has_members)
		return 0;
	for (k = 0; k < span; k++) {
		struct node *x = node_at(m->nodes, k);
		char why[128];

		if (x == NULL || x == m->self)
			continue;
		if (config_member_check(m->cfg.net, x->id, x->has_record ? x->rec.name : NULL,
					x->has_record ? &x->rec.addr : NULL, why, sizeof(why)) == 0)
			continue;
		log_warnx("node %s (%s) revoked: it %s", node_label(x), x->short_id, why);
		if (x->link != NULL)
			mesh_link_remove(m, x, "revoked");
		drop_node(m, x);
		n++;
	}
	return n;
}

int
mesh_set_statics(struct mesh *m, const struct config *net)
{
	const struct config *cur = m->cfg.net;
	struct static_peer *nv, *old = m->statics;
	size_t nold = m->nstatics, i, added = 0, removed = 0, changed = 0, revoked;
	const struct config_static *sc;
	uint32_t k, span;

	if (m->self == NULL) /* mesh_new made it; a failed mesh_new returns no mesh */
		return -EINVAL;
	if (net->subnet.len != cur->subnet.len ||
	    !ipaddr_equal(&net->subnet.addr, &cur->subnet.addr) ||
	    sodium_memcmp(net->shared_key, cur->shared_key, CONFIG_KEY_LEN) != 0)
		return -EINVAL;
	{
		char why[128];

		if (config_member_check(net, m->self->id, m->cfg.name, &m->cfg.address, why,
					sizeof(why)) < 0) {
			log_warnx("reload: this node %s; keeping the running configuration", why);
			return -EPERM;
		}
	}
	nv = calloc(net->npeers ? net->npeers : 1, sizeof(*nv));
	if (nv == NULL)
		return -ENOMEM;
	for (i = 0; i < nold; i++)
		if (old[i].resolving)
			resolver_cancel(m->resolver, old[i].query);

	for (i = 0; i < net->npeers; i++) {
		const struct config_static *c = &net->peers[i];
		const struct static_peer *was = static_find(old, nold, &c->wg_ip);
		struct static_peer *st = &nv[i];

		if (was != NULL) {
			*st = *was;
			if (st->resolving) {
				st->resolving = false;
				st->next_resolve = 0;
			}
			if (!static_same_host(was->cfg, c)) {
				st->naddrs = 0;
				st->next_resolve = 0;
			}
			if (!static_same_host(was->cfg, c) ||
			    was->cfg->admin_port != c->admin_port) {
				st->next_hello = 0;
				st->backoff = 0;
			}
			if (!static_same_host(was->cfg, c) || was->cfg->port != c->port ||
			    was->cfg->admin_port != c->admin_port)
				changed++;
		} else {
			added++;
		}
		st->m = m;
		st->cfg = c;
		st->index = (int)i;
		st->is_self = ipaddr_equal(&c->wg_ip, &m->cfg.address);
		if (st->is_self)
			st->node = m->self;
	}
	for (i = 0; i < nold; i++)
		if (static_find(nv, net->npeers, &old[i].cfg->wg_ip) == NULL)
			removed++;

	m->statics = nv;
	m->nstatics = net->npeers;
	m->cfg.net = net;
	free(old);

	/* Every node's static_index from the new list. */
	span = node_table_span(m->nodes);
	for (k = 0; k < span; k++) {
		struct node *x = node_at(m->nodes, k);

		if (x != NULL)
			x->static_index = -1;
	}
	for (i = 0; i < m->nstatics; i++)
		if (m->statics[i].node != NULL)
			m->statics[i].node->static_index = (int)i;

	for (k = 0; k < span; k++) {
		struct node *x = node_at(m->nodes, k);

		if (x == NULL || x == m->self || !x->has_record)
			continue;
		if (x->static_index < 0) {
			/* still a static link: its entry is gone */
			if (x->link != NULL && x->link->kind == LINK_STATIC) {
				mesh_link_remove(m, x, "no longer a static peer");
				x->path.state = PATH_NOT_TRIED;
				x->path.reason[0] = '\0';
				x->path.attempts = 0;
				x->path.retry_at = 0;
				x->path.parked = false;
			}
			bind_static(m, x); /* a node at an added entry's address */
		}
		if (x->static_index < 0 || x->link == NULL || x->link->kind != LINK_STATIC)
			continue;
		/* kept or added: the endpoint and who pings, as mesh_link_ensure decides */
		sc = m->statics[x->static_index].cfg;
		if (sc != NULL && x->link->endpoint.port != 0 && x->link->endpoint.port != sc->port) {
			x->link->endpoint.port = sc->port;
			m->dirty_wg = true;
		}
		x->link->pinger =
		    m->self->static_index < 0 || memcmp(m->self->id, x->id, MESH_ID_LEN) < 0;
	}
	revoked = revoke_unlisted(m);
	m->dirty_ls = m->dirty_routes = m->dirty_wg = true;
	mesh_changed(m);
	log_info("reload: %zu static peers (+%zu -%zu, %zu changed)%s", m->nstatics, added, removed,
	         changed, net->has_members ? "" : ", no nodes: list");
	if (net->has_members)
		log_info("reload: %zu nodes listed in nodes:, %zu known nodes revoked",
			 net->nmembers, revoked);
	return 0;
}

void
mesh_set_idle_timeout(struct mesh *m, double s)
{
	m->p.idle_timeout = s;
}
