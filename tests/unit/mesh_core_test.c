/*
 * mesh_core: the mesh core (src/mesh.c) as a whole, many cores in one
 * process on the simulator (tests/meshsim.h): convergence on a LAN and
 * behind NATs, a gateway dying, a clean leave, the address conflict rules,
 * claims outside the subnet, anti-entropy under loss, flooding along a chain
 * of 50 nodes, replayed datagrams.
 *
 * The cores run in real time with short timers (meshsim_params_fast()); every wait
 * is bounded (meshsim_run_until with a timeout), never a fixed sleep that
 * hopes. MESHSIM_LOG=1 in the environment shows the cores' log lines.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/mesh.h"
#include "proto/seal.h"
#include "src/log.h"
#include "tests/meshsim.h"
#include "tests/tap.h"

#define SUBNET "10.1.0.0/16"

static struct ev_loop *loop;

static struct meshsim *
sim_new(uint64_t seed, const struct mesh_params *p)
{
	struct mesh_params d;

	if (p == NULL) {
		meshsim_params_fast(&d);
		p = &d;
	}
	return meshsim_new(loop, seed, SUBNET, p);
}

static int
add(struct meshsim *sim, const char *name, const char *addr, unsigned site, bool is_static)
{
	struct meshsim_node_opts o;

	memset(&o, 0, sizeof(o));
	o.name = name;
	o.address = addr;
	o.site = site;
	o.is_static = is_static;
	return meshsim_node_add(sim, &o);
}

static bool
converged_cb(struct meshsim *sim, void *arg)
{
	(void)arg;
	return meshsim_converged(sim);
}

/* Run until converged; on a timeout say why not. */
static int
converge(struct meshsim *sim, double timeout)
{
	char why[256];
	int rc = meshsim_run_until(sim, converged_cb, NULL, timeout);

	if (rc < 0) {
		meshsim_converged_why(sim, why, sizeof(why));
		diag("not converged after %.1f s: %s", timeout, why);
	}
	return rc;
}

static double
now(void)
{
	ev_now_update(loop);
	return ev_now(loop);
}

/* ---------------------------------------------------------------- LAN */

static void
test_lan(void)
{
	struct meshsim *sim = sim_new(1, NULL);
	int lan = meshsim_site_add(sim, MESHSIM_NAT_NONE);
	int a = add(sim, "a", "10.1.0.1", (unsigned)lan, true);
	int b = add(sim, "b", "10.1.0.2", (unsigned)lan, false);
	int c = add(sim, "c", "10.1.0.3", (unsigned)lan, false);
	unsigned path[4];
	double t0 = now();

	is_int(meshsim_start_all(sim), 0, "lan: start 3 nodes");
	is_int(converge(sim, 10), 0, "lan: converges");
	diag("lan: converged in %.2f s", now() - t0);
	is_int(meshsim_reach_node(sim, (unsigned)b, (unsigned)c, path, 4), 2,
	       "lan: b reaches c in 2 hops");
	is_int(path[0], a, "lan: b reaches c via a");
	is_int(path[1], c, "lan: the second hop is c");
	is_int(meshsim_reach_node(sim, (unsigned)a, (unsigned)b, path, 4), 1,
	       "lan: a reaches b directly");
	is_int(meshsim_view(sim, (unsigned)b, (unsigned)c)->state, NODE_VIA_GATEWAY,
	       "lan: b sees c via a gateway");
	is_int(meshsim_view(sim, (unsigned)b, (unsigned)a)->state, NODE_DIRECT,
	       "lan: b sees a direct");
	ok(meshsim_forwarding(sim, (unsigned)a), "lan: the gateway a forwards");
	ok(!meshsim_forwarding(sim, (unsigned)b), "lan: b does not forward");
	is_int(meshsim_routes(sim, (unsigned)b), 3, "lan: b holds a's and c's /32, a's probe /128");
	meshsim_free(sim);
}

/* ---------------------------------------------------------------- NATs */

static void
test_star_nat(void)
{
	static const enum meshsim_nat kinds[] = {MESHSIM_NAT_EIM, MESHSIM_NAT_EDM, MESHSIM_NAT_EIM};
	struct meshsim *sim = sim_new(2, NULL);
	int s = add(sim, "hub", "10.1.0.1", 0, true);
	int n[3], i, j;
	unsigned path[4];

	for (i = 0; i < 3; i++) {
		char name[16], addr[16];

		snprintf(name, sizeof(name), "n%d", i);
		snprintf(addr, sizeof(addr), "10.1.1.%d", i + 1);
		n[i] = add(sim, name, addr, (unsigned)meshsim_site_add(sim, kinds[i]), false);
	}
	is_int(meshsim_start_all(sim), 0, "nat: start hub + 3 NATed");
	is_int(converge(sim, 10), 0, "nat: converges");
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++) {
			if (i == j)
				continue;
			is_int(meshsim_reach_node(sim, (unsigned)n[i], (unsigned)n[j], path, 4), 2,
			       "nat: n%d reaches n%d in 2 hops", i, j);
			is_int(path[0], s, "nat: n%d reaches n%d via the hub", i, j);
		}
	ok(meshsim_stats(sim)->handshakes >= 3, "nat: handshakes through the NATs");
	meshsim_free(sim);
}

/* ---------------------------------------------------------------- gateway dies */

struct via {
	unsigned from, to, gw;
};

static bool
via_cb(struct meshsim *sim, void *arg)
{
	struct via *v = arg;
	unsigned path[4];

	return meshsim_reach_node(sim, v->from, v->to, path, 4) == 2 && path[0] == v->gw;
}

static void
test_gateway_dies(void)
{
	struct mesh_params p;
	struct meshsim *sim;
	int g[2], c1, c2;
	unsigned path[4], dead, other;
	struct via v;
	double t0, took;

	meshsim_params_fast(&p);
	sim = sim_new(3, &p);
	g[0] = add(sim, "g1", "10.1.0.1", 0, true);
	g[1] = add(sim, "g2", "10.1.0.2", 0, true);
	c1 = add(sim, "c1", "10.1.1.1", (unsigned)meshsim_site_add(sim, MESHSIM_NAT_EIM), false);
	c2 = add(sim, "c2", "10.1.1.2", (unsigned)meshsim_site_add(sim, MESHSIM_NAT_EDM), false);
	is_int(meshsim_start_all(sim), 0, "gateway: start 2 statics + 2 clients");
	is_int(converge(sim, 10), 0, "gateway: converges");
	is_int(meshsim_reach_node(sim, (unsigned)c1, (unsigned)c2, path, 4), 2,
	       "gateway: c1 reaches c2 via a gateway");
	dead = path[0];
	other = dead == (unsigned)g[0] ? (unsigned)g[1] : (unsigned)g[0];
	ok(dead == (unsigned)g[0] || dead == (unsigned)g[1], "gateway: the gateway is a static");
	t0 = now();
	meshsim_node_kill(sim, dead);
	v.from = (unsigned)c1;
	v.to = (unsigned)c2;
	v.gw = other;
	is_int(meshsim_run_until(sim, via_cb, &v, 5), 0, "gateway: c1 reaches c2 via the other");
	took = now() - t0;
	diag("gateway: routes moved in %.2f s (dead interval %.2f s)", took, p.dead_interval);
	/* detection is dead_interval after the last pong; allow one ping interval and ticks */
	ok(took < p.dead_interval + p.ping_interval + 0.3, "gateway: within the dead interval");
	v.from = (unsigned)c2;
	v.to = (unsigned)c1;
	is_int(meshsim_run_until(sim, via_cb, &v, 2), 0, "gateway: and back the same way");
	meshsim_free(sim);
}

/* ---------------------------------------------------------------- clean leave */

struct gone {
	unsigned node;
	unsigned n;
	const unsigned *others;
};

static bool
gone_cb(struct meshsim *sim, void *arg)
{
	struct gone *g = arg;
	unsigned i;

	for (i = 0; i < g->n; i++) {
		const struct node *v = meshsim_view(sim, g->others[i], g->node);

		if (v != NULL &&
		    (!v->left || v->state == NODE_DIRECT || v->state == NODE_VIA_GATEWAY))
			return false;
	}
	return true;
}

static void
test_leave(void)
{
	struct mesh_params p;
	struct meshsim *sim;
	int a, b, c;
	unsigned others[2];
	struct gone g;
	double t0, took;

	meshsim_params_fast(&p);
	p.dead_interval = 5; /* a leave must not wait for it */
	sim = sim_new(4, &p);
	a = add(sim, "a", "10.1.0.1", 0, true);
	b = add(sim, "b", "10.1.0.2", (unsigned)meshsim_site_add(sim, MESHSIM_NAT_EIM), false);
	c = add(sim, "c", "10.1.0.3", (unsigned)meshsim_site_add(sim, MESHSIM_NAT_EIM), false);
	is_int(meshsim_start_all(sim), 0, "leave: start");
	is_int(converge(sim, 10), 0, "leave: converges");
	t0 = now();
	meshsim_node_stop(sim, (unsigned)b);
	others[0] = (unsigned)a;
	others[1] = (unsigned)c;
	g.node = (unsigned)b;
	g.n = 2;
	g.others = others;
	is_int(meshsim_run_until(sim, gone_cb, &g, 2), 0, "leave: a and c drop b");
	took = now() - t0;
	diag("leave: dropped in %.3f s", took);
	ok(took < 0.5, "leave: at once (not after the dead interval of %.0f s)", p.dead_interval);
	is_int(meshsim_view(sim, (unsigned)c, (unsigned)b)->state, NODE_DOWN,
	       "leave: c sees b down (BYE flooded by a)");
	is_int(meshsim_reach_node(sim, (unsigned)c, (unsigned)b, NULL, 0), -ENETUNREACH,
	       "leave: c has no route to b any more");
	is_int(meshsim_reach_node(sim, (unsigned)c, (unsigned)a, NULL, 0), 1,
	       "leave: c still reaches a");
	meshsim_free(sim);
}

/* ---------------------------------------------------------------- conflicts */

struct holds {
	unsigned viewer;
	unsigned holder;
	const struct ipaddr *addr;
};

static bool
holds_cb(struct meshsim *sim, void *arg)
{
	struct holds *h = arg;
	const struct node *n = mesh_node_by_addr(meshsim_mesh(sim, h->viewer), h->addr);

	return n != NULL &&
	       memcmp(n->id, identity_node_id(meshsim_identity(sim, h->holder)), MESH_ID_LEN) ==
	           0 &&
	       (n->state == NODE_DIRECT || n->state == NODE_VIA_GATEWAY);
}

static bool
self_conflict_cb(struct meshsim *sim, void *arg)
{
	return mesh_self(meshsim_mesh(sim, *(unsigned *)arg))->conflict[0] != '\0';
}

static void
test_conflict(void)
{
	struct meshsim *sim = sim_new(5, NULL);
	int a = add(sim, "a", "10.1.0.1", 0, true);
	int b = add(sim, "b", "10.1.0.2", (unsigned)meshsim_site_add(sim, MESHSIM_NAT_EIM), false);
	int n1 =
	    add(sim, "new1", "10.1.0.2", (unsigned)meshsim_site_add(sim, MESHSIM_NAT_EIM), false);
	int n2 =
	    add(sim, "new2", "10.1.0.2", (unsigned)meshsim_site_add(sim, MESHSIM_NAT_EIM), false);
	const struct node *v;
	struct holds h;
	uint64_t refused;
	unsigned who;

	meshsim_node_start(sim, (unsigned)a);
	meshsim_node_start(sim, (unsigned)b);
	is_int(converge(sim, 10), 0, "conflict: a and b converge");

	/* A restarted node with the same identity (higher epoch) is no newcomer. */
	refused = meshsim_dropped(sim, (unsigned)a, "refused");
	is_int(meshsim_node_restart(sim, (unsigned)b), 0, "conflict: restart b");
	h.viewer = (unsigned)a;
	h.holder = (unsigned)b;
	h.addr = meshsim_address(sim, (unsigned)b);
	is_int(converge(sim, 3), 0, "conflict: restarted b converges");
	v = meshsim_view(sim, (unsigned)a, (unsigned)b);
	is_int(v->rec.seq >> 32, 2, "conflict: a holds b's record of start #2");
	is_str(v->conflict, "", "conflict: restarted b is not in conflict");
	is_int(meshsim_dropped(sim, (unsigned)a, "refused") - refused, 0,
	       "conflict: nothing refused");

	/* A newcomer is refused while the holder is alive. */
	is_int(meshsim_node_start(sim, (unsigned)n1), 0,
	       "conflict: start a newcomer on b's address");
	who = (unsigned)n1;
	is_int(meshsim_run_until(sim, self_conflict_cb, &who, 3), 0,
	       "conflict: the newcomer learns its claim is refused");
	ok(meshsim_dropped(sim, (unsigned)a, "refused") > refused,
	   "conflict: a counts the refusal");
	v = meshsim_view(sim, (unsigned)a, (unsigned)n1);
	ok(v != NULL && v->state == NODE_CONFLICT, "conflict: a shows the newcomer in conflict");
	ok(holds_cb(sim, &h), "conflict: b still holds its address at a");
	is_int(meshsim_reach(sim, (unsigned)a, meshsim_address(sim, (unsigned)b), NULL, 0), 1,
	       "conflict: a still reaches b at the address");
	meshsim_node_kill(sim, (unsigned)n1);

	/* After the holder has been down longer than conflict_grace, a newcomer takes it. */
	meshsim_node_kill(sim, (unsigned)b);
	meshsim_run_for(sim, 0.6 /* dead */ + 1.0 /* grace */ + 0.3);
	is_int(meshsim_node_start(sim, (unsigned)n2), 0, "conflict: another newcomer");
	h.holder = (unsigned)n2;
	is_int(meshsim_run_until(sim, holds_cb, &h, 5), 0, "conflict: it takes the address");
	is_int(meshsim_reach(sim, (unsigned)a, meshsim_address(sim, (unsigned)n2), NULL, 0), 1,
	       "conflict: a reaches the new holder");
	is_str(mesh_self(meshsim_mesh(sim, (unsigned)n2))->conflict, "",
	       "conflict: the new holder is not told of a conflict");
	meshsim_free(sim);
}

/* ---------------------------------------------------------------- subnet */

static int
seal_hello(const struct meshsim *sim, const struct identity *id, const char *addr, uint8_t *buf,
           size_t *len)
{
	struct seal_keyring *kr = NULL;
	struct mesh_msg msg;
	int rc;

	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_HELLO;
	msg.hello.sync_id = 7;
	msg.hello.record.seq = (uint64_t)1 << 32 | 1;
	msg.hello.record.flags = MESH_NODE_RELAY;
	snprintf(msg.hello.record.name, sizeof(msg.hello.record.name), "intruder");
	if (ipaddr_parse(&msg.hello.record.addr, addr) < 0)
		return -EINVAL;
	memcpy(msg.hello.record.wg_public, identity_wg_public(id), IDENTITY_WG_KEY_LEN);
	msg.hello.record.wg_port = 50077;
	msg.hello.record.admin_port = 50577;
	if ((rc = mesh_record_sign(&msg.hello.record, id)) < 0)
		return rc;
	if ((rc = seal_keyring_new(&kr, meshsim_config(sim)->shared_key)) < 0)
		return rc;
	rc = mesh_seal(kr, id, (uint64_t)1 << 32 | 1, &msg, buf, SEAL_MAX_DATAGRAM, len);
	seal_keyring_free(kr);
	return rc;
}

static void
test_subnet(void)
{
	static const struct {
		const char *addr;
		bool accepted;
	} claims[] = {
	    {"10.2.0.5", false},     /* another /16 */
	    {"192.168.1.1", false},  /* not even private to the overlay */
	    {"10.1.0.0", false},     /* the subnet's network address */
	    {"10.1.255.255", false}, /* its broadcast address */
	    {"fd00::5", false},      /* IPv6 in an IPv4 overlay */
	    {"10.1.0.77", true},     /* the control: a valid claim is taken */
	};
	struct meshsim *sim = sim_new(6, NULL);
	int a = add(sim, "a", "10.1.0.1", 0, true);
	int host = add(sim, "host", "10.1.0.99", 0, false); /* never started: an underlay host */
	struct endpoint dst;
	size_t i;

	meshsim_node_start(sim, (unsigned)a);
	dst.addr = *meshsim_underlay(sim, (unsigned)a);
	dst.port = config_default_admin_port(meshsim_address(sim, (unsigned)a));
	for (i = 0; i < sizeof(claims) / sizeof(claims[0]); i++) {
		uint8_t buf[SEAL_MAX_DATAGRAM];
		struct identity *id = NULL;
		struct ipaddr want;
		size_t len = 0;
		uint64_t before = meshsim_dropped(sim, (unsigned)a, "refused");
		const struct node *n;

		identity_generate(&id);
		is_int(seal_hello(sim, id, claims[i].addr, buf, &len), 0,
		       "subnet: seal a claim of %s", claims[i].addr);
		is_int(meshsim_inject(sim, (unsigned)host, &dst, buf, len), 0,
		       "subnet: send the claim of %s", claims[i].addr);
		meshsim_run_for(sim, 0.05);
		ipaddr_parse(&want, claims[i].addr);
		n = mesh_node_by_addr(meshsim_mesh(sim, (unsigned)a), &want);
		if (claims[i].accepted) {
			ok(n != NULL, "subnet: %s is taken", claims[i].addr);
			is_int(meshsim_dropped(sim, (unsigned)a, "refused") - before, 0,
			       "subnet: %s is not refused", claims[i].addr);
		} else {
			ok(n == NULL, "subnet: nobody holds %s", claims[i].addr);
			is_int(meshsim_dropped(sim, (unsigned)a, "refused") - before, 1,
			       "subnet: %s is refused and counted", claims[i].addr);
		}
		identity_free(id);
	}
	meshsim_free(sim);
}

/* ---------------------------------------------------------------- loss */

#define LOSS_CLIENTS 3

static void
test_loss(void)
{
	struct mesh_params p;
	struct meshsim *sim;
	int i;
	double t0;

	meshsim_params_fast(&p);
	p.dead_interval = 2.0;  /* 10 pings: a 30 % loss must not flap the links */
	p.sync_interval = 0.25; /* a sync needs 4 datagrams through: 24 % of tries work */
	sim = sim_new(7, &p);
	add(sim, "s", "10.1.0.1", 0, true);
	for (i = 0; i < LOSS_CLIENTS; i++) {
		char name[16], addr[16];

		snprintf(name, sizeof(name), "l%d", i);
		snprintf(addr, sizeof(addr), "10.1.2.%d", i + 1);
		add(sim, name, addr, i % 2 ? 0 : (unsigned)meshsim_site_add(sim, MESHSIM_NAT_EIM),
		    false);
	}
	meshsim_set_loss(sim, 0.3);
	t0 = now();
	is_int(meshsim_start_all(sim), 0, "loss: start %d nodes with 30 %% loss", LOSS_CLIENTS + 1);
	is_int(converge(sim, 20), 0, "loss: converges anyway");
	diag("loss: converged in %.2f s; %llu of %llu datagrams lost", now() - t0,
	     (unsigned long long)meshsim_stats(sim)->lost,
	     (unsigned long long)meshsim_stats(sim)->sent);
	ok(meshsim_stats(sim)->lost > 0, "loss: datagrams were lost");
	meshsim_free(sim);
}

/* ---------------------------------------------------------------- chain of 50 */

#define CHAIN 50

struct seq_seen {
	unsigned origin;
	uint64_t seq;
};

static bool
seq_seen_cb(struct meshsim *sim, void *arg)
{
	struct seq_seen *s = arg;
	unsigned i;

	for (i = 0; i < meshsim_node_count(sim); i++) {
		const struct node *v;

		if (i == s->origin)
			continue;
		v = meshsim_view(sim, i, s->origin);
		if (v == NULL || v->rec.seq < s->seq)
			return false;
	}
	return true;
}

static bool
chain_known_cb(struct meshsim *sim, void *arg)
{
	unsigned i, j, n = meshsim_node_count(sim);

	(void)arg;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			const struct node *v;

			if (i == j)
				continue;
			v = meshsim_view(sim, i, j);
			if (v == NULL || !v->has_record || v->ls_seq == 0 ||
			    (v->state != NODE_DIRECT && v->state != NODE_VIA_GATEWAY))
				return false;
		}
	return true;
}

static bool
chain_end_cb(struct meshsim *sim, void *arg)
{
	unsigned path[CHAIN];

	(void)arg;
	return meshsim_reach_node(sim, 0, CHAIN - 1, path, CHAIN) == CHAIN - 1;
}

static void
test_chain(void)
{
	struct meshsim *sim = sim_new(8, NULL);
	struct meshsim_node_opts o;
	struct seq_seen s;
	unsigned prev, path[CHAIN];
	int i, rc = 0;
	double t0;

	for (i = 0; i < CHAIN; i++) {
		char name[16], addr[16];

		snprintf(name, sizeof(name), "c%d", i);
		snprintf(addr, sizeof(addr), "10.1.3.%d", i + 1);
		memset(&o, 0, sizeof(o));
		o.name = name;
		o.address = addr;
		prev = (unsigned)i - 1;
		/* node i's net.yaml lists node i-1 only: links i-1 -- i, a chain */
		o.statics = i > 0 ? &prev : NULL;
		o.nstatics = i > 0 ? 1 : 0;
		o.is_static = i == 0;
		if (meshsim_node_add(sim, &o) != i)
			rc = -1;
	}
	is_int(rc, 0, "chain: add %d nodes", CHAIN);
	t0 = now();
	is_int(meshsim_start_all(sim), 0, "chain: start");
	is_int(meshsim_run_until(sim, chain_known_cb, NULL, 20), 0,
	       "chain: every node knows every record and link state, and routes to all");
	diag("chain: converged in %.2f s, %llu datagrams", now() - t0,
	     (unsigned long long)meshsim_stats(sim)->sent);
	/* routes known everywhere; forwarding and handshakes may trail a moment */
	meshsim_run_until(sim, chain_end_cb, NULL, 10);
	is_int(meshsim_reach_node(sim, 0, CHAIN - 1, path, CHAIN), CHAIN - 1,
	       "chain: end to end in %d hops", CHAIN - 1);
	is_int(path[0], 1, "chain: first hop is the neighbour");
	ok(meshsim_forwarding(sim, CHAIN / 2), "chain: middle nodes forward");
	ok(!meshsim_forwarding(sim, CHAIN - 1), "chain: the end does not");

	/* a record change at one end floods to the other */
	s.origin = 0;
	s.seq = mesh_self(meshsim_mesh(sim, 0))->rec.seq + 1;
	t0 = now();
	mesh_addresses_changed(meshsim_mesh(sim, 0));
	is_int(meshsim_run_until(sim, seq_seen_cb, &s, 5), 0, "chain: a record change reaches all");
	diag("chain: record change flooded over %d hops in %.3f s", CHAIN - 1, now() - t0);
	meshsim_free(sim);
}

/* ---------------------------------------------------------------- scale smoke */

/* bench/cp_scale's layout at N = 50: 2 public hubs, 48 clients behind NATs. */
static void
test_scale50(void)
{
	struct mesh_params p;
	struct meshsim *sim;
	struct seq_seen s;
	int i, site = 0, rc = 0;
	double t0;

	/*
	 * Gentler timers than the other tests: 50 cores share one CPU, and a
	 * dead interval shorter than a busy moment flaps links, each flap
	 * floods link state and starts syncs: a storm that feeds itself.
	 */
	meshsim_params_fast(&p);
	p.ping_interval = 0.5;
	p.dead_interval = 3;
	p.sync_interval = 5;
	sim = sim_new(10, &p);

	add(sim, "hub0", "10.1.0.1", 0, true);
	add(sim, "hub1", "10.1.0.2", 0, true);
	for (i = 0; i < 48; i++) {
		char name[16], addr[16];

		if (i % 16 == 0)
			site = meshsim_site_add(sim, i % 32 ? MESHSIM_NAT_EDM : MESHSIM_NAT_EIM);
		snprintf(name, sizeof(name), "c%d", i);
		snprintf(addr, sizeof(addr), "10.1.4.%d", i + 1);
		if (add(sim, name, addr, (unsigned)site, false) < 0)
			rc = -1;
	}
	is_int(rc, 0, "scale50: add 2 hubs and 48 clients behind 3 NATs");
	t0 = now();
	is_int(meshsim_start_all(sim), 0, "scale50: start");
	is_int(converge(sim, 60), 0, "scale50: converges");
	diag("scale50: converged in %.2f s, %llu datagrams", now() - t0,
	     (unsigned long long)meshsim_stats(sim)->sent);
	s.origin = 49;
	s.seq = mesh_self(meshsim_mesh(sim, 49))->rec.seq + 1;
	t0 = now();
	mesh_addresses_changed(meshsim_mesh(sim, 49));
	is_int(meshsim_run_until(sim, seq_seen_cb, &s, 5), 0,
	       "scale50: a record change reaches all");
	diag("scale50: record change reached all in %.3f s", now() - t0);
	ok(now() - t0 < 2.0, "scale50: in under 2 s");
	meshsim_free(sim);
}

/* ---------------------------------------------------------------- replay */

struct capture {
	int from;
	uint8_t buf[SEAL_MAX_DATAGRAM];
	size_t len;
	struct endpoint dst;
	bool have;
};

static void
capture_cb(void *arg, unsigned from, const struct endpoint *dst, const uint8_t *buf, size_t len)
{
	struct capture *c = arg;

	if (c->have || (int)from != c->from || dst->addr.family != AF_INET6)
		return;
	memcpy(c->buf, buf, len);
	c->len = len;
	c->dst = *dst;
	c->have = true;
}

static bool
captured_cb(struct meshsim *sim, void *arg)
{
	(void)sim;
	return ((struct capture *)arg)->have;
}

/* The node whose probe address is a, or -1. */
static int
probe_owner(const struct meshsim *sim, const struct ipaddr *a)
{
	struct ipaddr probe;
	unsigned i;

	for (i = 0; i < meshsim_node_count(sim); i++) {
		mesh_probe_address(meshsim_config(sim)->shared_key,
		                   identity_node_id(meshsim_identity(sim, i)), &probe);
		if (ipaddr_equal(&probe, a))
			return (int)i;
	}
	return -1;
}

static void
test_replay(void)
{
	struct meshsim *sim = sim_new(9, NULL);
	int a = add(sim, "a", "10.1.0.1", 0, true);
	int c = add(sim, "c", "10.1.0.3", 0, true);
	int b = add(sim, "b", "10.1.0.2", (unsigned)meshsim_site_add(sim, MESHSIM_NAT_EIM), false);
	struct capture cap;
	struct endpoint src;
	uint64_t before;
	struct holds h;
	int to, other;

	meshsim_start_all(sim);
	is_int(converge(sim, 10), 0, "replay: converges");
	memset(&cap, 0, sizeof(cap));
	cap.from = b;
	meshsim_set_tap(sim, capture_cb, &cap);
	is_int(meshsim_run_until(sim, captured_cb, &cap, 3), 0,
	       "replay: capture a datagram b sends through the tunnel");
	meshsim_set_tap(sim, NULL, NULL);
	meshsim_run_for(sim, 0.1); /* it is delivered */
	to = probe_owner(sim, &cap.dst.addr);
	ok(to == a || to == c, "replay: it went to a static");
	other = to == a ? c : a;

	/* as its receiver saw it: from b's probe address */
	mesh_probe_address(meshsim_config(sim)->shared_key,
	                   identity_node_id(meshsim_identity(sim, (unsigned)b)), &src.addr);
	src.port = config_default_admin_port(meshsim_address(sim, (unsigned)b));
	before = meshsim_dropped(sim, (unsigned)to, "replay");
	mesh_input(meshsim_mesh(sim, (unsigned)to), &src, cap.buf, cap.len);
	is_int(meshsim_dropped(sim, (unsigned)to, "replay") - before, 1,
	       "replay: to its receiver again: dropped and counted");

	/*
	 * To another node. Windows are per receiver and the header names no
	 * receiver (PROTOCOL.md §3), so another node refuses the datagram once
	 * the sender's window there has moved past it; b's restart (a new
	 * epoch) moves it at once, as soon as that node hears from b again.
	 */
	is_int(meshsim_node_restart(sim, (unsigned)b), 0, "replay: restart b (new epoch)");
	h.viewer = (unsigned)other;
	h.holder = (unsigned)b;
	h.addr = meshsim_address(sim, (unsigned)b);
	is_int(converge(sim, 5), 0, "replay: converges again");
	ok(meshsim_view(sim, (unsigned)other, (unsigned)b)->rec.seq >> 32 == 2,
	   "replay: the other static heard b's new start");
	before = meshsim_dropped(sim, (unsigned)other, "replay");
	mesh_input(meshsim_mesh(sim, (unsigned)other), &src, cap.buf, cap.len);
	is_int(meshsim_dropped(sim, (unsigned)other, "replay") - before, 1,
	       "replay: to another node: dropped and counted");
	before = meshsim_dropped(sim, (unsigned)to, "replay");
	mesh_input(meshsim_mesh(sim, (unsigned)to), &src, cap.buf, cap.len);
	is_int(meshsim_dropped(sim, (unsigned)to, "replay") - before, 1,
	       "replay: to its receiver after the restart: still dropped");
	ok(holds_cb(sim, &h), "replay: the other static still routes to b");
	meshsim_free(sim);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
    /* clang-format off */
	{ "lan", test_lan },
	{ "nat", test_star_nat },
	{ "gateway", test_gateway_dies },
	{ "leave", test_leave },
	{ "conflict", test_conflict },
	{ "subnet", test_subnet },
	{ "loss", test_loss },
	{ "chain", test_chain },
	{ "scale50", test_scale50 },
	{ "replay", test_replay },
    /* clang-format on */
};

/* Arguments: names of the tests to run (default: all). */
int
main(int argc, char **argv)
{
	const char *v = getenv("MESHSIM_LOG");
	size_t i;
	int k;

	if (sodium_init() < 0)
		return 1;
	log_init(v != NULL && *v != '\0' ? LOG_TO_STDERR : LOG_TO_NONE, v != NULL && *v == '2',
	         "mesh_core_test");
	loop = ev_default_loop(0);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		bool run = argc < 2;

		for (k = 1; k < argc; k++)
			run |= strcmp(argv[k], tests[i].name) == 0;
		if (run)
			tests[i].fn();
	}
	return tap_done();
}
