/*
 * paths: direct paths between nodes that reach each other through a gateway
 * — same LAN, and NAT traversal — and the keepalive policy that keeps the
 * cost of open paths from growing with the number of nodes.
 *
 * Per remote node a small state machine (struct path in node.h):
 *
 *   not tried ──due──▶ probing ──PROBE_ACK──▶ (LAN link trying) ──up──▶ direct
 *                        │ no answer
 *                        ▼
 *                     punching ──PUNCH answered, handshake──▶ (NAT link) ──up──▶ direct
 *                        │ no handshake in punch_timeout
 *                        ▼
 *                     backoff (30 s · 2^k, at most 15 min) ──▶ not tried
 *                        │ (when sampling says the pair is unused: parked,
 *                        │  tried again when used or punched by the other)
 *                        │ after PATHS_MAX_ATTEMPTS
 *                        ▼
 *                     failed (reason kept; tried again when candidates,
 *                     reflexive endpoints or the network change, or when
 *                     the pair is used and an hour has passed)
 *
 * LAN probing: PROBE, over the underlay, to the admin port at each of the
 * other node's local candidate addresses; whoever answers is reachable
 * directly (same LAN, same NAT, or an inner NAT looking out). The prober
 * becomes the WireGuard peer with that candidate as endpoint; the other side
 * adds it without an endpoint and WireGuard learns it from the handshake.
 *
 * NAT traversal: each node learns its reflexive WireGuard endpoint from the
 * PONGs of its gateways (the endpoint *their WireGuard* uses for it: the NAT
 * mapping of WireGuard's own port). The initiator sends a signed PUNCH with
 * it to the other node over the overlay (through a gateway both reach); the
 * target configures the initiator at that endpoint, starts pinging its probe
 * address at once (its first packet opens its own NAT towards the
 * initiator) and answers with a PUNCH of its own; the initiator then
 * configures the target and pings too. No synchronised clocks: the target
 * always fires first, the initiator after the answer. Only the probe /128 is
 * on the new peer until the link is proven; then link state moves the /32.
 *
 * Keepalive policy: gateway links are kept warm by the client's pings (that
 * is what holds its NAT mapping open; a mobile node keeps only its primary
 * gateway warm). A direct link is checked only while data crosses it: "use"
 * is seen by sampling packets on the WireGuard interface
 * (platform/pktsample.c) and in WireGuard's tx counter (src/mesh.c,
 * wg_poll). While data flows, WireGuard's rx counter proves the path and
 * nobody pings; pings go out only when nothing comes back. A quiet link is
 * checked every PATHS_QUIET_CHECK s (which also holds a NAT-traversed
 * link's mappings); when data starts again it is checked at once (waking).
 * An idle LAN link stays configured at that slow check; an idle
 * NAT-traversed link is removed and its traffic goes back to the gateway;
 * when the pair is used again it is punched again within seconds.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "src/mesh_int.h"

/* LAN candidates answer within milliseconds: probe for 1.5 s, every 0.5 s, then punch */
#define PATHS_PROBE_WINDOW 1.5
#define PATHS_PROBE_RETRY 0.5
#define PATHS_MAX_ATTEMPTS 5
/* An initiating PUNCH without answer is sent again after this long, this many times in all */
#define PATHS_PUNCH_RETRY 2.0
#define PATHS_PUNCH_TRIES 4
#define PATHS_BACKOFF_MIN 30.0
#define PATHS_BACKOFF_MAX 900.0
/*
 * A direct path is checked only while data crosses it: sampled data within
 * this window makes the pair active (at 1 in PKTSAMPLE_RATE packets sampled,
 * a few packets a second keep it so).
 */
#define PATHS_ACTIVE_WINDOW 10.0
/* Data again after a quiet spell: ping at once, this often, give up after this long */
#define PATHS_WAKE_PING 1.0
#define PATHS_WAKE_DEAD 3.0
/*
 * A quiet link is checked only this often: its pinger pings when it has
 * heard nothing for this long (the other side 2 s later), which also holds
 * the NAT mappings of a NAT-traversed link, and finds a dead neighbour
 * within it plus PATHS_WAKE_DEAD. With the tick and the 1 s ping step the
 * next ping leaves within 10 s of the last pong, before WireGuard's passive
 * keepalive would add a packet of its own.
 */
#define PATHS_QUIET_CHECK 8.0

static const char *
label(const struct node *n)
{
	return node_label(n);
}

static void
path_set(struct mesh *m, struct node *n, enum path_state s, const char *reason)
{
	struct path *p = &n->path;

	if (p->state != s)
		mesh_touch(m);
	p->state = s;
	snprintf(p->reason, sizeof(p->reason), "%s", reason != NULL ? reason : "");
}

/* Via the gateway until the pair is used again (mesh_traffic unparks). */
static void
park(struct mesh *m, struct node *n, const char *reason)
{
	n->path.parked = true;
	n->path.retry_at = 0;
	path_set(m, n, PATH_NOT_TRIED, reason);
}

static void
path_backoff(struct mesh *m, struct node *n, double now, const char *reason)
{
	struct path *p = &n->path;
	double d = PATHS_BACKOFF_MIN;
	unsigned i;

	p->attempts++;
	if (p->attempts >= PATHS_MAX_ATTEMPTS) {
		log_info("direct path to %s: giving up after %u attempts: %s", label(n),
			 p->attempts, reason);
		path_set(m, n, PATH_FAILED, reason);
		p->retry_at = now + 3600;
		return;
	}
	for (i = 1; i < p->attempts; i++)
		d *= 2;
	if (d > PATHS_BACKOFF_MAX)
		d = PATHS_BACKOFF_MAX;
	p->retry_at = now + mesh_jitter(d);
	log_debug("direct path to %s: %s; next try in %.0f s", label(n), reason, d);
	path_set(m, n, PATH_BACKOFF, reason);
}

/* Our reflexive WireGuard endpoint: what a gateway's WireGuard sees, newest first. */
static bool
own_reflexive(const struct mesh *m, struct endpoint *out)
{
	const struct reflexive *best = NULL;
	size_t i;

	for (i = 0; i < sizeof(m->reflexive) / sizeof(m->reflexive[0]); i++) {
		const struct reflexive *r = &m->reflexive[i];

		if (r->when > 0 && r->wg.port != 0 && (best == NULL || r->when > best->when))
			best = r;
	}
	if (best == NULL)
		return false;
	*out = best->wg;
	return true;
}

static bool
is_candidate(const struct mesh *m, const struct endpoint *e)
{
	uint8_t i;

	for (i = 0; i < m->self->rec.ncandidates; i++)
		if (endpoint_equal(&m->self->rec.candidates[i], e))
			return true;
	return false;
}

/* What our NAT does, from the reflexive endpoints our public gateways report. */
static void
infer_nat(struct mesh *m)
{
	const struct endpoint *first = NULL;
	enum mesh_nat nat = MESH_NAT_UNKNOWN;
	size_t i;

	for (i = 0; i < sizeof(m->reflexive) / sizeof(m->reflexive[0]); i++) {
		const struct reflexive *r = &m->reflexive[i];

		if (r->when <= 0 || r->wg.port == 0)
			continue;
		if (is_candidate(m, &r->wg)) {
			nat = MESH_NAT_NONE;
			break;
		}
		if (first == NULL) {
			first = &r->wg;
		} else if (endpoint_equal(first, &r->wg)) {
			nat = MESH_NAT_ENDPOINT_INDEPENDENT;
		} else {
			nat = MESH_NAT_ENDPOINT_DEPENDENT;
			break;
		}
	}
	if (nat != m->nat) {
		static const char *const names[] = { "unknown", "none",
						     "endpoint-independent (punchable)",
						     "endpoint-dependent (symmetric)" };

		log_info("NAT behaviour of this node: %s", names[nat]);
		m->nat = nat;
		mesh_touch(m);
	}
}

void
paths_pong(struct mesh *m, struct node *from, const struct mesh_pong *p)
{
	struct endpoint old;
	bool had = own_reflexive(m, &old);
	struct endpoint now_ep;

	(void)from;
	(void)p;
	infer_nat(m);
	/* Our reflexive endpoint moved (NAT rebinding, roaming): paths start over. */
	if (had && own_reflexive(m, &now_ep) && !endpoint_equal(&old, &now_ep) &&
	    !is_candidate(m, &old)) {
		char a[ENDPOINT_STRLEN], b[ENDPOINT_STRLEN];

		log_info("our reflexive WireGuard endpoint moved: %s -> %s",
			 endpoint_fmt(&old, a, sizeof(a)), endpoint_fmt(&now_ep, b, sizeof(b)));
	}
}

/* ------------------------------------------------------------ eligibility */

/* Data crossed between us and n (sampled) within the idle timeout. */
static bool
in_use(const struct mesh *m, const struct node *n, double now)
{
	if (!m->traffic_sampled)
		return true; /* no way to tell: treat every pair as used */
	return n->last_used > 0 && now - n->last_used < m->p.idle_timeout;
}

static bool
eligible(const struct mesh *m, const struct node *n, double now, const char **why)
{
	if (n == m->self || !n->has_record || n->left || n->conflict[0] != '\0') {
		*why = "not a live member";
		return false;
	}
	if (n->link != NULL) {
		*why = "already a direct peer";
		return false;
	}
	if ((m->cfg.mobile || (n->rec.flags & MESH_NODE_MOBILE)) && !in_use(m, n, now)) {
		*why = "mobile: direct only while in use";
		return false;
	}
	/* After an idle teardown a pair is retried only when used again. */
	if (n->path.parked && !in_use(m, n, now)) {
		*why = "idle";
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ LAN probing */

static void
send_probes(struct mesh *m, struct node *n)
{
	uint8_t i, k;

	for (i = 0; i < n->rec.ncandidates; i++) {
		struct mesh_msg msg;
		struct endpoint dst = n->rec.candidates[i];
		bool ours = false;

		/* homes reuse private ranges: its address may be one of ours */
		for (k = 0; k < m->self->rec.ncandidates; k++)
			ours |= ipaddr_equal(&m->self->rec.candidates[k].addr, &dst.addr);
		if (ours)
			continue;

		memset(&msg, 0, sizeof(msg));
		msg.type = MESH_PROBE;
		memcpy(msg.probe.target, n->id, MESH_ID_LEN);
		msg.probe.token = n->path.token;
		msg.probe.path_id = i;
		msg.probe.candidate = n->rec.candidates[i];
		dst.port = n->rec.admin_port;
		if (mesh_send(m, &dst, &msg, n) == 0)
			n->cnt.probes_sent++;
	}
}

static void
start_probing(struct mesh *m, struct node *n, double now)
{
	randombytes_buf(&n->path.token, sizeof(n->path.token));
	n->path.started = now;
	n->path.retry_at = now + PATHS_PROBE_RETRY;
	n->path.candidate.port = 0;
	path_set(m, n, PATH_PROBING, "");
	send_probes(m, n);
}

void
paths_handle_probe(struct mesh *m, struct node *from, const struct endpoint *src,
		   const struct mesh_probe *p)
{
	struct mesh_msg msg;

	if (memcmp(p->target, m->self->id, MESH_ID_LEN) != 0 || !from->has_record ||
	    from->conflict[0] != '\0')
		return;
	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_PROBE_ACK;
	msg.probe_ack.token = p->token;
	msg.probe_ack.path_id = p->path_id;
	msg.probe_ack.candidate = p->candidate;
	msg.probe_ack.seen = *src;
	mesh_send(m, src, &msg, from);
	/* It reached us directly: be its peer; WireGuard learns its endpoint. */
	if (from->link == NULL && !from->left) {
		if (mesh_link_ensure(m, from, LINK_LAN) != NULL) {
			from->link->pinger = false;
			from->link->last_used = mesh_mono();
			from->path.started = mesh_mono();
			path_set(m, from, PATH_PROBING, "answered its probe");
		}
	}
}

void
paths_handle_probe_ack(struct mesh *m, struct node *from, const struct endpoint *src,
		       const struct mesh_probe_ack *a)
{
	struct link *l;

	(void)src;
	if (from->path.state != PATH_PROBING || a->token != from->path.token ||
	    from->path.token == 0)
		return;
	from->cnt.probes_answered++;
	from->path.token = 0; /* first answer wins */
	from->path.candidate = a->candidate;
	l = from->link != NULL ? from->link : mesh_link_ensure(m, from, LINK_LAN);
	if (l == NULL)
		return;
	if (l->kind != LINK_LAN && l->kind != LINK_NAT)
		return; /* a static/client link is direct already */
	l->kind = LINK_LAN;
	l->cost = 10;
	l->pinger = true;
	l->endpoint = a->candidate;
	l->last_used = mesh_mono();
	from->path.started = mesh_mono();
	m->dirty_wg = true;
	{
		char ep[ENDPOINT_STRLEN];

		log_info("direct path to %s: LAN candidate %s answers", label(from),
			 endpoint_fmt(&a->candidate, ep, sizeof(ep)));
	}
}

/* ------------------------------------------------------------ NAT traversal */

/*
 * Open our NAT towards the peer without reaching its NAT: TTL = routers
 * between us and our static peer (every NAT of ours plus at least one
 * router beyond), at least 2, at most 4.
 */
static void
prepunch(struct mesh *m, const struct endpoint *to)
{
	int ttl = m->hops_to_gateway;

	if (m->io.prepunch == NULL)
		return;
	if (ttl < 2)
		ttl = 2;
	if (ttl > 4)
		ttl = 4;
	m->io.prepunch(m->io.ctx, to, ttl);
}

/*
 * PUNCH delay_ms: when the receiver may send towards us. An initiating
 * PUNCH says PUNCH_WAIT (never: pre-punch, stay quiet, answer — we will
 * handshake first); the answer says 0 (go now).
 */
#define PUNCH_WAIT 0xffff

static bool
send_punch(struct mesh *m, struct node *n, bool answer)
{
	struct endpoint dst;
	struct mesh_msg msg;
	uint8_t i;

	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_PUNCH;
	memcpy(msg.punch.requester, m->self->id, MESH_ID_LEN);
	memcpy(msg.punch.target, n->id, MESH_ID_LEN);
	msg.punch.attempt = (uint64_t)m->cfg.epoch << 32 | ++m->punch_seq;
	msg.punch.delay_ms = answer ? 0 : PUNCH_WAIT;
	if (!own_reflexive(m, &msg.punch.reflexive_wg))
		return false;
	for (i = 0; i < m->self->rec.ncandidates && i < MESH_CANDIDATES_MAX; i++)
		msg.punch.candidates[i] = m->self->rec.candidates[i];
	msg.punch.ncandidates = i;
	if (mesh_punch_sign(&msg.punch, m->id) < 0)
		return false;
	n->path.attempt = msg.punch.attempt;
	/* to its overlay address: through a gateway, never the unproven direct peer */
	dst.addr = n->rec.addr;
	dst.port = n->rec.admin_port;
	return mesh_send(m, &dst, &msg, n) == 0;
}

static void
start_punching(struct mesh *m, struct node *n, double now)
{
	if (m->nat == MESH_NAT_ENDPOINT_DEPENDENT) {
		path_backoff(m, n, now, "this node's NAT is endpoint-dependent (symmetric)");
		return;
	}
	if (n->next_hop == ROUTE_NONE) {
		path_backoff(m, n, now, "no path through a gateway to coordinate");
		return;
	}
	if (!send_punch(m, n, false)) {
		/* no gateway has told us our reflexive endpoint yet: soon */
		n->path.retry_at = now + 1.0;
		path_set(m, n, PATH_NOT_TRIED, "waiting for our reflexive endpoint");
		return;
	}
	n->path.started = now;
	n->path.punch_sent = now;
	n->path.punch_tries = 1;
	path_set(m, n, PATH_PUNCHING, "");
	log_debug("direct path to %s: punching", label(n));
}

/*
 * Answer the punch that r sent (its reflexive endpoint is in r->path.candidate)
 * or, as initiator, react to its answer. Needs our own reflexive endpoint:
 * without one the answer stays pending (paths_tick retries).
 */
static void
punch_react(struct mesh *m, struct node *r, bool answering)
{
	struct endpoint mine;
	double now = mesh_mono();
	struct link *l;

	if (answering && !own_reflexive(m, &mine)) {
		if (!r->path.answer_pending) {
			r->path.answer_pending = true;
			r->path.answer_until = now + m->p.punch_timeout / 2;
		}
		return;
	}
	r->path.answer_pending = false;
	l = mesh_link_ensure(m, r, LINK_NAT);
	if (l == NULL)
		return;
	/*
	 * Open our NAT towards it first (short TTL). The target then stays
	 * quiet until the initiator's handshake arrives; the initiator (who
	 * gets here with the answer) pings at once and its WireGuard handshakes.
	 */
	prepunch(m, &r->path.candidate);
	l->endpoint = r->path.candidate;
	l->last_used = now;
	l->pinger = !answering;
	l->last_ping = 0;
	r->path.started = now;
	m->dirty_wg = true;
	if (answering) {
		if (!send_punch(m, r, true)) {
			mesh_link_remove(m, r, "could not answer its punch");
			return;
		}
		path_set(m, r, PATH_PUNCHING, "answered its punch");
	}
	{
		char ep[ENDPOINT_STRLEN];

		log_info("direct path to %s: punching to %s", label(r),
			 endpoint_fmt(&r->path.candidate, ep, sizeof(ep)));
	}
}

void
paths_handle_punch(struct mesh *m, struct node *from, const struct mesh_punch *p)
{
	struct node *r = node_find(m->nodes, p->requester);
	double now = mesh_mono();

	(void)from;
	if (r == NULL || r == m->self || memcmp(p->target, m->self->id, MESH_ID_LEN) != 0 ||
	    !r->has_record || r->conflict[0] != '\0' || p->reflexive_wg.port == 0)
		return;
	if (p->attempt <= r->path.attempt_seen)
		return; /* replayed or old attempt */
	r->path.attempt_seen = p->attempt;
	if (m->cfg.mobile && !in_use(m, r, now))
		return;
	if (r->link != NULL && r->link->kind != LINK_NAT)
		return; /* a LAN or gateway link is better already */
	r->path.candidate = p->reflexive_wg;
	if (p->delay_ms != PUNCH_WAIT) {
		/* an answer to our punch: we handshake now */
		if (r->path.state == PATH_PUNCHING)
			punch_react(m, r, false);
		return;
	}
	/*
	 * It initiates. If we initiated too (the punches crossed), the smaller
	 * id stays initiator: we answer only if its id is smaller than ours.
	 */
	if (r->path.state == PATH_PUNCHING && r->link == NULL &&
	    memcmp(r->id, m->self->id, MESH_ID_LEN) > 0)
		return; /* (with a link we answered it before: this is its retry) */
	punch_react(m, r, true);
}

/* ------------------------------------------------------------ link events */

void
paths_link_up(struct mesh *m, struct node *n)
{
	if (n->link->kind != LINK_LAN && n->link->kind != LINK_NAT) {
		path_set(m, n, PATH_DIRECT, "gateway link");
		return;
	}
	n->path.attempts = 0;
	n->path.retry_at = 0;
	path_set(m, n, PATH_DIRECT, n->link->kind == LINK_LAN ? "LAN" : "NAT traversed");
	log_info("direct path to %s: up (%s)", label(n),
		 n->link->kind == LINK_LAN ? "same LAN" : "NAT traversal");
}

void
paths_link_down(struct mesh *m, struct node *n)
{
	double now = mesh_mono();

	if (n->link == NULL || (n->link->kind != LINK_LAN && n->link->kind != LINK_NAT))
		return;
	if (m->traffic_sampled && !in_use(m, n, now)) {
		/* idle: most likely the other side let it go; via the gateway until used */
		mesh_link_remove(m, n, "idle and gone quiet: back to the gateway");
		n->path.attempts = 0;
		park(m, n, "idle: via the gateway until used");
		return;
	}
	/* a dead direct path: back to the gateway now, try again later */
	mesh_link_remove(m, n, "direct path died: back to the gateway");
	path_backoff(m, n, now, "direct path died");
}

void
paths_record_changed(struct mesh *m, struct node *n)
{
	/* New candidates or a new incarnation: start over with this node. */
	n->path.attempts = 0;
	n->path.retry_at = 0;
	n->path.parked = false;
	if (n->path.state != PATH_DIRECT)
		path_set(m, n, PATH_NOT_TRIED, "");
}

void
paths_reset(struct mesh *m, const char *why)
{
	uint32_t i, span = node_table_span(m->nodes);

	log_info("local addresses changed (%s): re-announcing and re-probing", why);
	memset(m->reflexive, 0, sizeof(m->reflexive));
	m->nat = MESH_NAT_UNKNOWN;
	for (i = 0; i < span; i++) {
		struct node *n = node_at(m->nodes, i);

		if (n == NULL || n == m->self)
			continue;
		if (n->link != NULL && (n->link->kind == LINK_LAN || n->link->kind == LINK_NAT))
			mesh_link_remove(m, n, "local addresses changed");
		else if (n->link != NULL)
			n->link->last_ping = 0; /* ping the gateways now: WireGuard roams */
		n->path.attempts = 0;
		n->path.retry_at = 0;
		n->path.parked = false;
		path_set(m, n, PATH_NOT_TRIED, "");
	}
	/*
	 * Set every endpoint again: WireGuard remembers the local source
	 * address it last used per peer, which may be gone now; setting the
	 * endpoint makes it forget and route afresh.
	 */
	if (m->wg_applied != NULL) {
		struct wg_peer *p;

		for (p = m->wg_applied->first_peer; p != NULL; p = p->next)
			p->flags &= ~WGPEER_HAS_ENDPOINT;
	}
	m->dirty_record = true;
	m->dirty_wg = true;
}

/* ------------------------------------------------------------ traffic */

void
mesh_traffic(struct mesh *m, const struct ipaddr *remote)
{
	const struct node *c = node_find_by_addr(m->nodes, remote);
	struct node *n = (struct node *)c;

	if (n == NULL || n == m->self)
		return;
	mesh_used(m, n, mesh_mono());
}

void
mesh_used(struct mesh *m, struct node *n, double now)
{
	n->last_used = now;
	if (n->link != NULL) {
		n->link->last_used = now;
		return;
	}
	/* used through a gateway: an idle-torn-down pair is tried again now */
	if (n->path.parked) {
		n->path.parked = false;
		n->path.retry_at = 0;
	}
}

/* ------------------------------------------------------------ keepalive policy */

/* Data crossed between us and n (sampled) in the last few seconds. */
static bool
active(const struct mesh *m, const struct node *n, double now)
{
	if (!m->traffic_sampled)
		return true;
	return n->last_used > 0 && now - n->last_used < PATHS_ACTIVE_WINDOW;
}

/*
 * The pair just went quiet. While data flowed, WireGuard's rx stood in for
 * pongs; the quiet check needs a pong of its own (rx may come from a
 * WireGuard whose wgnm is dead), so one is due now unless one came lately.
 */
void
paths_link_quiet(struct link *l, double now)
{
	if (l->last_heard < now - PATHS_QUIET_CHECK)
		l->last_heard = now - PATHS_QUIET_CHECK;
}

double
paths_link_heard(const struct link *l)
{
	double t = l->last_heard;

	/*
	 * WireGuard's rx proves a direct path while data flows. Gateway links
	 * and a quiet link's check need the ping or pong itself: a neighbour
	 * whose wgnm died may still have a WireGuard that answers (ICMP errors
	 * for what we send it count as rx).
	 */
	if ((l->kind == LINK_LAN || l->kind == LINK_NAT) && l->state == LINK_UP && !l->dormant &&
	    l->last_rx > t)
		t = l->last_rx;
	return l->woke > t ? l->woke : t;
}

void
paths_link_policy(struct mesh *m, struct node *n, double now, struct link_policy *pol)
{
	struct link *l = n->link;

	pol->ping = l->pinger && !n->left;
	pol->interval = m->p.ping_interval;
	pol->dead = m->p.dead_interval;
	pol->dormant = false;
	pol->waking = false;
	switch (l->kind) {
	case LINK_STATIC:
	case LINK_CLIENT:
		if (m->cfg.mobile && l->kind == LINK_STATIC && n != m->primary_gateway &&
		    m->primary_gateway != NULL && m->primary_gateway->link != NULL &&
		    m->primary_gateway->link->state == LINK_UP) {
			pol->ping = false;
			snprintf(l->warm_reason, sizeof(l->warm_reason),
				 "mobile: only the primary gateway");
		} else {
			snprintf(l->warm_reason, sizeof(l->warm_reason),
				 l->pinger ? "gateway: holds our NAT mapping" : "our client pings");
		}
		/*
		 * A ping interval that holds the NAT mapping, not one that finds
		 * a dead gateway: a ping that goes unanswered is repeated every
		 * second (at most a quarter interval) until the pong or the dead
		 * interval, so a lost datagram costs a second, not an interval.
		 */
		if (pol->ping && l->ping_token != 0) {
			double retry = m->p.ping_interval / 4 < 1.0 ? m->p.ping_interval / 4 : 1.0;

			if (now - l->last_ping >= retry)
				pol->interval = retry;
		}
		break;
	case LINK_LAN:
	case LINK_NAT:
		pol->interval = m->p.direct_ping_interval;
		pol->dead = m->p.direct_dead_interval;
		if (l->state == LINK_TRYING) {
			/*
			 * Establishing: the prober/initiator pings fast (that is
			 * the punch); on a NAT link the target stays quiet until
			 * the handshake arrives, on a LAN link pinging is harmless.
			 */
			pol->ping = l->pinger || l->kind == LINK_LAN;
			pol->interval = 1.0;
			snprintf(l->warm_reason, sizeof(l->warm_reason), "establishing");
		} else if (!active(m, n, now)) {
			/*
			 * No data: a slow check only. The side that has heard
			 * nothing for PATHS_QUIET_CHECK pings, every second until
			 * it hears back, and gives the link up PATHS_WAKE_DEAD
			 * later: a killed neighbour is found (and link state stops
			 * offering the path to others) within 12 s, and a NAT
			 * link's mappings stay open. Data again wakes it at once.
			 */
			double quiet = PATHS_QUIET_CHECK + (l->pinger ? 0 : 2.0);

			pol->dormant = true;
			pol->ping = !n->left &&
				    now - (l->woke > l->last_heard ? l->woke : l->last_heard) >= quiet;
			pol->interval = PATHS_WAKE_PING;
			pol->dead = quiet + PATHS_WAKE_DEAD;
			if (in_use(m, n, now))
				snprintf(l->warm_reason, sizeof(l->warm_reason), "quiet %.0f s",
					 now - n->last_used);
			else
				snprintf(l->warm_reason, sizeof(l->warm_reason), "idle %.0f s",
					 n->last_used > 0 ? now - n->last_used
							  : now - l->up_since);
		} else if (paths_link_heard(l) <= l->woke) {
			/* data again after a quiet spell: nothing heard since */
			pol->ping = !n->left;
			pol->interval = PATHS_WAKE_PING;
			pol->dead = PATHS_WAKE_DEAD;
			pol->waking = true;
			snprintf(l->warm_reason, sizeof(l->warm_reason), "in use: checking");
		} else {
			/*
			 * Data flows: WireGuard's rx counter proves the path. A side
			 * that sent data since it last heard anything pings when
			 * that is an interval ago; one that did not has nothing to
			 * check (the traffic stopped both ways: the quiet check
			 * takes over when the pair goes quiet).
			 */
			double heard = paths_link_heard(l);

			if (n->last_used > heard + 1.0) {
				pol->ping = !n->left && now - heard >= pol->interval;
			} else {
				pol->ping = false;
				pol->dead = PATHS_ACTIVE_WINDOW + pol->dead;
			}
			snprintf(l->warm_reason, sizeof(l->warm_reason), "%s",
				 pol->ping ? "in use: pinged" : "in use: data flows");
		}
		l->warm = l->state != LINK_UP || !pol->dormant;
		return;
	}
	l->warm = pol->ping || (!pol->dormant && !l->pinger);
}

/* ------------------------------------------------------------ tick */

void
paths_tick(struct mesh *m, double now)
{
	uint32_t i, span = node_table_span(m->nodes);
	const char *why;

	for (i = 0; i < span; i++) {
		struct node *n = node_at(m->nodes, i);
		struct link *l;

		if (n == NULL || n == m->self)
			continue;
		l = n->link;
		/* a direct link that never came up */
		if (l != NULL && (l->kind == LINK_LAN || l->kind == LINK_NAT) &&
		    l->state == LINK_TRYING && now - l->created > m->p.punch_timeout) {
			const char *reason = l->kind == LINK_NAT
						     ? "no handshake on the reflexive endpoints "
						       "(a NAT may be endpoint-dependent)"
						     : "LAN candidate answered but no handshake";

			mesh_link_remove(m, n, reason);
			path_backoff(m, n, now, reason);
			continue;
		}
		/*
		 * An idle NAT-traversed link goes (a mobile node's idle LAN link
		 * too); an idle LAN link of other nodes stays, unpinged.
		 */
		if (l != NULL && l->state == LINK_UP && m->traffic_sampled &&
		    (l->kind == LINK_NAT || (l->kind == LINK_LAN && m->cfg.mobile)) &&
		    now - l->up_since > m->p.idle_timeout && !in_use(m, n, now)) {
			mesh_link_remove(m, n, "idle: traffic back to the gateway");
			n->path.attempts = 0;
			park(m, n, "idle: via the gateway until used");
			continue;
		}
		/* a punch we could not answer yet: our reflexive endpoint may be known now */
		if (n->path.answer_pending) {
			if (now > n->path.answer_until)
				n->path.answer_pending = false;
			else if (n->link == NULL)
				punch_react(m, n, true);
			continue;
		}
		if (!m->p.direct_paths || !eligible(m, n, now, &why))
			continue;
		switch (n->path.state) {
		case PATH_NOT_TRIED:
		case PATH_DIRECT:
			if (n->path.retry_at > now)
				break;
			if (n->path.retry_at > 0 && n->path.attempts > 0 && m->traffic_sampled &&
			    !in_use(m, n, now)) {
				/*
				 * Failed before, unused since: its PUNCH (always
				 * answered) or use wakes it. (Waiting for our
				 * reflexive endpoint is no failure: that goes on.)
				 */
				park(m, n, "idle: tried again when used");
				break;
			}
			if (n->rec.ncandidates > 0)
				start_probing(m, n, now);
			else if (memcmp(m->self->id, n->id, MESH_ID_LEN) < 0 || in_use(m, n, now))
				start_punching(m, n, now);
			break;
		case PATH_PROBING:
			if (now < n->path.retry_at)
				break;
			if (now - n->path.started < PATHS_PROBE_WINDOW) {
				send_probes(m, n);
				n->path.retry_at = now + PATHS_PROBE_RETRY;
				break;
			}
			/* no LAN candidate answered: punch, if we initiate for this pair */
			if (memcmp(m->self->id, n->id, MESH_ID_LEN) < 0 || in_use(m, n, now)) {
				start_punching(m, n, now);
			} else {
				/* the other side initiates; its PUNCH finds us "not tried" */
				n->path.retry_at = now + 2 * m->p.punch_timeout;
				path_set(m, n, PATH_NOT_TRIED, "waiting for its punch");
			}
			break;
		case PATH_PUNCHING:
			if (now - n->path.started > m->p.punch_timeout) {
				path_backoff(m, n, now, "punch not answered");
			} else if (n->link == NULL && n->path.punch_tries < PATHS_PUNCH_TRIES &&
				   now - n->path.punch_sent >= PATHS_PUNCH_RETRY) {
				/*
				 * No answer yet (it makes our link): the PUNCH or its
				 * answer was lost on the way through the gateways.
				 * Ask again rather than wait out the backoff.
				 */
				if (send_punch(m, n, false)) {
					n->path.punch_sent = now;
					n->path.punch_tries++;
				}
			}
			break;
		case PATH_BACKOFF:
		case PATH_FAILED:
			if (now < n->path.retry_at)
				break;
			if (n->path.state == PATH_FAILED)
				n->path.attempts = 0;
			if (m->traffic_sampled && !in_use(m, n, now)) {
				/*
				 * A retry costs packets on both sides and in link
				 * state; an unused pair does not need it. Keep the
				 * reason: it is what the TUI shows.
				 */
				char last[sizeof(n->path.reason)];

				snprintf(last, sizeof(last), "%s", n->path.reason);
				park(m, n, last);
			} else {
				path_set(m, n, PATH_NOT_TRIED, "");
			}
			break;
		}
	}
}
