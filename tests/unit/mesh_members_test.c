/*
 * mesh_members: hostile members on the simulator (tests/meshsim.h) — what a
 * holder of the shared key can and cannot make a core do.
 *
 *   pin      with nodes: in net.yaml (applied through mesh_set_statics, as a
 *            reload does), a node with an unlisted identity is refused by
 *            everyone and becomes nobody's WireGuard peer; a listed identity
 *            that claims another address or name is refused; the listed one
 *            with its own address is taken (the control).
 *   revoke   a reload whose nodes: no longer lists a node drops it: record,
 *            routes and WireGuard peer go, and what it sends is refused.
 *   self     a reload whose nodes: does not list this node is refused.
 *   cap      a core with nodes_max N flooded with more fresh identities keeps
 *            exactly N nodes and counts the rest as "cap"; known ones still
 *            get through.
 *   rate     a burst from one source beyond its bucket is dropped and counted
 *            as "rate"; a second source is not affected.
 *   forge    a member relays another member's record and link state with a
 *            field changed (or re-signed under its own key with the other's
 *            id): dropped as undecodable, the victim's state unchanged. An
 *            exact copy of what the receiver holds is a duplicate (no
 *            signature check); a same-seq copy with a byte changed is
 *            checked and dropped; an older one is ignored unchecked.
 *
 * The cores run in real time with short timers; every wait is bounded.
 * MESHSIM_LOG=1 in the environment shows the cores' log lines.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
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

static int
add(struct meshsim *sim, const char *name, const char *addr, bool is_static)
{
	struct meshsim_node_opts o;

	memset(&o, 0, sizeof(o));
	o.name = name;
	o.address = addr;
	o.is_static = is_static;
	return meshsim_node_add(sim, &o);
}

static bool
converged_cb(struct meshsim *sim, void *arg)
{
	(void)arg;
	return meshsim_converged(sim);
}

/* One nodes: entry: a node name, address and identity. */
struct member {
	const char *name;
	const char *addr;
	const struct identity *id;
};

/*
 * The sim's net.yaml (its shared key, subnet and static peers) plus a nodes:
 * list. Caller frees with config_free.
 */
static const struct config *
net_yaml(struct meshsim *sim, const struct member *m, size_t n)
{
	const struct config *base = meshsim_config(sim), *cfg = NULL;
	char b64[sodium_base64_ENCODED_LEN(CONFIG_KEY_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char text[4096], a[IPADDR_STRLEN];
	struct config_diag *d = malloc(sizeof(*d));
	size_t len, i;

	if (d == NULL)
		return NULL;
	sodium_bin2base64(b64, sizeof(b64), base->shared_key, CONFIG_KEY_LEN,
	                  sodium_base64_VARIANT_ORIGINAL);
	len = (size_t)snprintf(text, sizeof(text),
	                       "network:\n  sharedKey: %s\n  subnet: %s\npeers:\n", b64, SUBNET);
	for (i = 0; i < base->npeers; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		                        "  - endPoint: %s:%u\n    adminPort: %u\n    wgIp: %s\n",
		                        base->peers[i].host, base->peers[i].port,
		                        base->peers[i].admin_port,
		                        ipaddr_fmt(&base->peers[i].wg_ip, a, sizeof(a)));
	len += (size_t)snprintf(text + len, sizeof(text) - len, "nodes:\n");
	for (i = 0; i < n; i++) {
		sodium_bin2base64(b64, sizeof(b64), identity_node_id(m[i].id), IDENTITY_ID_LEN,
		                  sodium_base64_VARIANT_ORIGINAL);
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		                        "  - name: %s\n    wgIp: %s\n    identity: %s\n", m[i].name,
		                        m[i].addr, b64);
	}
	config_diag_init(d);
	if (config_parse_net_buf("pinned.yaml", text, len, &cfg, d) < 0)
		diag("net_yaml: %s", d->nerrors > 0 ? d->errors[0] : "?");
	sodium_memzero(text, sizeof(text));
	free(d);
	return cfg;
}

/* A datagram from id (counter) carrying msg, sealed with the sim's shared key. */
static int
seal_msg(struct meshsim *sim, const struct identity *id, uint64_t counter,
         const struct mesh_msg *msg, uint8_t *buf, size_t *len)
{
	struct seal_keyring *kr = NULL;
	int rc;

	if ((rc = seal_keyring_new(&kr, meshsim_config(sim)->shared_key)) < 0)
		return rc;
	rc = mesh_seal(kr, id, counter, msg, buf, SEAL_MAX_DATAGRAM, len);
	seal_keyring_free(kr);
	return rc;
}

/* A HELLO with id's own signed record claiming addr under name. */
static uint32_t hello_seq; /* seal counters of the HELLOs: never a replay */

static int
seal_hello(struct meshsim *sim, const struct identity *id, const char *name, const char *addr,
           uint8_t *buf, size_t *len)
{
	struct mesh_msg msg;
	int rc;

	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_HELLO;
	msg.hello.sync_id = 7;
	msg.hello.record.seq = (uint64_t)1 << 32 | 1;
	msg.hello.record.flags = MESH_NODE_RELAY;
	snprintf(msg.hello.record.name, sizeof(msg.hello.record.name), "%s", name);
	if (ipaddr_parse(&msg.hello.record.addr, addr) < 0)
		return -EINVAL;
	memcpy(msg.hello.record.wg_public, identity_wg_public(id), IDENTITY_WG_KEY_LEN);
	msg.hello.record.wg_port = 50077;
	msg.hello.record.admin_port = 50577;
	if ((rc = mesh_record_sign(&msg.hello.record, id)) < 0)
		return rc;
	return seal_msg(sim, id, (uint64_t)1 << 32 | ++hello_seq, &msg, buf, len);
}

/* Deliver buf to node to's admin socket at once, as if from src. */
static void
deliver(struct meshsim *sim, unsigned to, const char *src, const uint8_t *buf, size_t len)
{
	struct endpoint e;

	memset(&e, 0, sizeof(e));
	ipaddr_parse(&e.addr, src);
	e.port = 40000;
	mesh_input(meshsim_mesh(sim, to), &e, buf, len);
}

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

/* ---------------------------------------------------------------- pin, revoke, self */

struct knows {
	unsigned viewer, node;
};

static bool
knows_cb(struct meshsim *sim, void *arg)
{
	const struct knows *k = arg;
	const struct node *n = meshsim_view(sim, k->viewer, k->node);

	return n != NULL && n->has_record;
}

static bool
forgot_cb(struct meshsim *sim, void *arg)
{
	const struct knows *k = arg;

	return meshsim_view(sim, k->viewer, k->node) == NULL;
}

static void
test_pin(void)
{
	struct meshsim *sim = sim_new(21, NULL);
	int a = add(sim, "a", "10.1.0.1", true);
	int b = add(sim, "b", "10.1.0.2", false);
	int c = add(sim, "c", "10.1.0.3", false);
	int x = add(sim, "x", "10.1.0.9", false); /* never started: its identity is listed */
	const struct config *pinned = NULL, *revoked = NULL, *without_a = NULL;
	struct member m[3];
	uint8_t buf[SEAL_MAX_DATAGRAM];
	struct knows k;
	uint64_t before;
	long routes;
	size_t len = 0;
	struct identity *fresh = NULL;

	meshsim_node_start(sim, (unsigned)a);
	meshsim_node_start(sim, (unsigned)b);
	is_int(meshsim_run_until(sim, converged_cb, NULL, 10), 0, "pin: a and b converge");
	m[0] = (struct member){"a", "10.1.0.1", meshsim_identity(sim, (unsigned)a)};
	m[1] = (struct member){"b", "10.1.0.2", meshsim_identity(sim, (unsigned)b)};
	m[2] = (struct member){"x", "10.1.0.9", meshsim_identity(sim, (unsigned)x)};
	pinned = net_yaml(sim, m, 3);
	ok(pinned != NULL && pinned->has_members, "pin: net.yaml with nodes: {a, b, x}");
	if (pinned == NULL)
		goto out;
	is_int(mesh_set_statics(meshsim_mesh(sim, (unsigned)a), pinned), 0, "pin: a reloads it");
	is_int(mesh_set_statics(meshsim_mesh(sim, (unsigned)b), pinned), 0, "pin: b reloads it");
	meshsim_run_for(sim, 0.3);
	ok(meshsim_reach_node(sim, (unsigned)a, (unsigned)b, NULL, 0) >= 1 &&
	       meshsim_reach_node(sim, (unsigned)b, (unsigned)a, NULL, 0) >= 1,
	   "pin: listed nodes keep working");

	/* c is not listed: it tries to join through a */
	before = meshsim_dropped(sim, (unsigned)a, "refused");
	meshsim_node_start(sim, (unsigned)c);
	meshsim_run_for(sim, 1.5);
	ok(meshsim_dropped(sim, (unsigned)a, "refused") > before,
	   "pin: a refuses c (counted, %llu)",
	   (unsigned long long)(meshsim_dropped(sim, (unsigned)a, "refused") - before));
	ok(meshsim_view(sim, (unsigned)a, (unsigned)c) == NULL, "pin: a holds nothing of c");
	ok(meshsim_view(sim, (unsigned)b, (unsigned)c) == NULL, "pin: b holds nothing of c");
	ok(meshsim_reach_node(sim, (unsigned)c, (unsigned)a, NULL, 0) < 0 &&
	       meshsim_reach_node(sim, (unsigned)a, (unsigned)c, NULL, 0) < 0,
	   "pin: c is nobody's WireGuard peer (no way either direction)");
	meshsim_node_kill(sim, (unsigned)c);

	/* x is listed at 10.1.0.9: claims elsewhere or under another name are refused */
	before = meshsim_dropped(sim, (unsigned)a, "refused");
	is_int(seal_hello(sim, meshsim_identity(sim, (unsigned)x), "x", "10.1.0.10", buf, &len), 0,
	       "pin: x's HELLO claiming 10.1.0.10");
	deliver(sim, (unsigned)a, "198.51.100.77", buf, len);
	is_int(meshsim_dropped(sim, (unsigned)a, "refused") - before, 1,
	       "pin: listed identity with another address refused and counted");
	ok(meshsim_view(sim, (unsigned)a, (unsigned)x) == NULL ||
	       !meshsim_view(sim, (unsigned)a, (unsigned)x)->has_record,
	   "pin: no record of x kept");
	is_int(seal_hello(sim, meshsim_identity(sim, (unsigned)x), "y", "10.1.0.9", buf, &len), 0,
	       "pin: x's HELLO named y");
	deliver(sim, (unsigned)a, "198.51.100.77", buf, len);
	is_int(meshsim_dropped(sim, (unsigned)a, "refused") - before, 2,
	       "pin: listed identity with another name refused and counted");
	identity_generate(&fresh);
	is_int(seal_hello(sim, fresh, "x", "10.1.0.9", buf, &len), 0,
	       "pin: a fresh identity's HELLO claiming x's entry");
	deliver(sim, (unsigned)a, "198.51.100.78", buf, len);
	is_int(meshsim_dropped(sim, (unsigned)a, "refused") - before, 3,
	       "pin: unlisted identity refused at once (datagram)");
	identity_free(fresh);
	is_int(seal_hello(sim, meshsim_identity(sim, (unsigned)x), "x", "10.1.0.9", buf, &len), 0,
	       "pin: x's HELLO as listed");
	deliver(sim, (unsigned)a, "198.51.100.77", buf, len);
	ok(meshsim_view(sim, (unsigned)a, (unsigned)x) != NULL &&
	       meshsim_view(sim, (unsigned)a, (unsigned)x)->has_record,
	   "pin: x as listed is taken (control)");
	is_int(meshsim_dropped(sim, (unsigned)a, "refused") - before, 3, "pin: and not refused");

	/* revoke b on a: a new list without b */
	revoked = net_yaml(sim, m, 1);
	routes = meshsim_routes(sim, (unsigned)a);
	is_int(mesh_set_statics(meshsim_mesh(sim, (unsigned)a), revoked), 0,
	       "revoke: a reloads nodes: {a}");
	k.viewer = (unsigned)a;
	k.node = (unsigned)b;
	is_int(meshsim_run_until(sim, forgot_cb, &k, 1), 0, "revoke: a drops b at once");
	meshsim_run_for(sim, 0.2);
	ok(meshsim_routes(sim, (unsigned)a) < routes, "revoke: a's routes went down (%ld -> %ld)",
	   routes, meshsim_routes(sim, (unsigned)a));
	ok(meshsim_reach_node(sim, (unsigned)a, (unsigned)b, NULL, 0) < 0,
	   "revoke: a no longer reaches b (WireGuard peer gone)");
	before = meshsim_dropped(sim, (unsigned)a, "refused");
	meshsim_run_for(sim, 1.0);
	ok(meshsim_dropped(sim, (unsigned)a, "refused") > before,
	   "revoke: what b sends is refused");
	ok(meshsim_view(sim, (unsigned)a, (unsigned)b) == NULL, "revoke: b does not come back");
	/* and back: listing b again lets it in */
	is_int(mesh_set_statics(meshsim_mesh(sim, (unsigned)a), pinned), 0,
	       "revoke: a lists b again");
	is_int(meshsim_run_until(sim, knows_cb, &k, 5), 0, "revoke: b is back once listed");

	/* self: a list without this node is not applied */
	m[0] = m[1];
	without_a = net_yaml(sim, m, 1);
	is_int(mesh_set_statics(meshsim_mesh(sim, (unsigned)a), without_a), -EPERM,
	       "self: a reload that does not list this node is refused");
	ok(meshsim_view(sim, (unsigned)a, (unsigned)b) != NULL,
	   "self: and nothing changed (b still known)");
out:
	meshsim_free(sim);
	config_free(pinned);
	config_free(revoked);
	config_free(without_a);
}

/* ---------------------------------------------------------------- cap */

#define CAP 16

static void
test_cap(void)
{
	struct mesh_params p;
	struct meshsim *sim;
	uint8_t buf[SEAL_MAX_DATAGRAM];
	struct identity *ids[CAP + 1];
	size_t len = 0, i, taken = 0;
	int a;

	meshsim_params_fast(&p);
	p.nodes_max = CAP;
	sim = sim_new(22, &p);
	a = add(sim, "a", "10.1.0.1", true);
	meshsim_node_start(sim, (unsigned)a);
	meshsim_run_for(sim, 0.1);
	/* a holds itself: room for CAP - 1; send CAP fresh identities */
	for (i = 0; i < CAP; i++) {
		char name[16], addr[32];

		identity_generate(&ids[i]);
		snprintf(name, sizeof(name), "n%zu", i);
		snprintf(addr, sizeof(addr), "10.1.1.%zu", i + 1);
		seal_hello(sim, ids[i], name, addr, buf, &len);
		deliver(sim, (unsigned)a, "198.51.100.50", buf, len);
	}
	is_int(mesh_node_count(meshsim_mesh(sim, (unsigned)a)), CAP, "cap: exactly %d nodes held",
	       CAP);
	is_int(meshsim_dropped(sim, (unsigned)a, "cap"), 1,
	       "cap: the one beyond is dropped and counted");
	for (i = 0; i < CAP; i++) {
		const struct node *n;
		struct mesh *m = meshsim_mesh(sim, (unsigned)a);
		uint32_t k;

		for (k = 0; k < mesh_node_span(m); k++)
			if ((n = mesh_node_at(m, k)) != NULL &&
			    memcmp(n->id, identity_node_id(ids[i]), IDENTITY_ID_LEN) == 0 &&
			    n->has_record)
				taken++;
	}
	is_int(taken, CAP - 1, "cap: the first %d fresh identities are kept (first come)", CAP - 1);
	/* a known node still gets through: its next HELLO (a newer seal counter) */
	{
		struct mesh_msg msg;

		memset(&msg, 0, sizeof(msg));
		msg.type = MESH_PING;
		msg.ping.token = 1;
		seal_msg(sim, ids[0], (uint64_t)2 << 32 | 1, &msg, buf, &len);
		deliver(sim, (unsigned)a, "198.51.100.50", buf, len);
	}
	is_int(meshsim_dropped(sim, (unsigned)a, "cap"), 1, "cap: a known node is not counted");
	meshsim_run_for(sim, 0.2);
	is_int(mesh_node_count(meshsim_mesh(sim, (unsigned)a)), CAP,
	       "cap: nothing evicted later either");
	for (i = 0; i < CAP; i++)
		identity_free(ids[i]);
	meshsim_free(sim);
}

/* ---------------------------------------------------------------- rate */

#define BURST 20
#define FLOOD 50

static void
test_rate(void)
{
	struct mesh_params p;
	struct meshsim *sim;
	struct identity *x = NULL, *y = NULL;
	uint8_t buf[SEAL_MAX_DATAGRAM];
	struct mesh_msg msg;
	size_t len = 0, i;
	int a;

	meshsim_params_fast(&p);
	p.rate = 1.0; /* one per second: no refill worth a datagram within the burst */
	p.rate_burst = BURST;
	sim = sim_new(23, &p);
	a = add(sim, "a", "10.1.0.1", true);
	meshsim_node_start(sim, (unsigned)a);
	meshsim_run_for(sim, 0.1);
	identity_generate(&x);
	identity_generate(&y);
	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_PING;
	for (i = 0; i < FLOOD; i++) {
		msg.ping.token = i + 1;
		seal_msg(sim, x, (uint64_t)1 << 32 | (i + 1), &msg, buf, &len);
		deliver(sim, (unsigned)a, "198.51.100.60", buf, len);
	}
	is_int(meshsim_dropped(sim, (unsigned)a, "rate"), FLOOD - BURST,
	       "rate: %d of a burst of %d from one source dropped and counted", FLOOD - BURST,
	       FLOOD);
	for (i = 0; i < 5; i++) {
		msg.ping.token = i + 1;
		seal_msg(sim, y, (uint64_t)1 << 32 | (i + 1), &msg, buf, &len);
		deliver(sim, (unsigned)a, "198.51.100.61", buf, len);
	}
	is_int(meshsim_dropped(sim, (unsigned)a, "rate"), FLOOD - BURST,
	       "rate: a second source is not affected");
	/* forged datagrams cost no token: a source can not be starved by someone without the key */
	buf[len - 1] ^= 1;
	for (i = 0; i < 2 * BURST; i++)
		deliver(sim, (unsigned)a, "198.51.100.62", buf, len);
	msg.ping.token = 99;
	seal_msg(sim, y, (uint64_t)1 << 32 | 99, &msg, buf, &len);
	deliver(sim, (unsigned)a, "198.51.100.62", buf, len);
	is_int(meshsim_dropped(sim, (unsigned)a, "rate"), FLOOD - BURST,
	       "rate: unauthenticated datagrams take no token from their source");
	identity_free(x);
	identity_free(y);
	meshsim_free(sim);
}

/* ---------------------------------------------------------------- forge */

/*
 * Copies of what a holds, relayed by mallory (a holds b's record and link
 * state, and has counted `dropped` undecodable datagrams so far): an exact
 * copy is taken as a duplicate without a signature check; a copy at the
 * same seq with one byte changed is checked, counted and ignored.
 */
static void
test_forge_copies(struct meshsim *sim, unsigned a, unsigned b, const struct identity *mallory,
                  uint64_t dropped)
{
	const struct node *v = meshsim_view(sim, a, b);
	const struct mesh_stats *st = mesh_stats(meshsim_mesh(sim, a));
	uint8_t buf[SEAL_MAX_DATAGRAM];
	struct mesh_msg msg;
	struct mesh_node_record rec;
	uint64_t skipped, verified, ls_seq;
	size_t len = 0;

	rec = v->rec;
	ls_seq = v->ls_seq;
	/* the record b signed, exactly */
	skipped = st->verify_skipped;
	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_RECORDS;
	msg.records.parts = 1;
	msg.records.count = 1;
	msg.records.rec[0] = rec;
	is_int(seal_msg(sim, mallory, (uint64_t)1 << 32 | 4, &msg, buf, &len), 0,
	       "forge: seal an exact copy of b's record");
	deliver(sim, a, "198.51.100.70", buf, len);
	is_int(meshsim_dropped(sim, a, "undecodable"), dropped,
	       "forge: an exact copy of b's record is no forgery");
	is_int(st->verify_skipped - skipped, 1, "forge: the exact copy is not verified again");
	/* the same seq and signature, one name byte changed */
	verified = st->verified;
	msg.records.rec[0].name[0] ^= 0x01;
	is_int(seal_msg(sim, mallory, (uint64_t)1 << 32 | 5, &msg, buf, &len), 0,
	       "forge: seal b's record at its seq with its name altered");
	deliver(sim, a, "198.51.100.70", buf, len);
	is_int(st->verified - verified, 1, "forge: an altered same-seq copy is verified");
	is_int(meshsim_dropped(sim, a, "undecodable"), dropped + 1,
	       "forge: an altered same-seq copy is dropped and counted");
	/* an older seq, altered: changes nothing, not worth a check */
	msg.records.rec[0].seq = rec.seq - 1;
	skipped = st->verify_skipped;
	is_int(seal_msg(sim, mallory, (uint64_t)1 << 32 | 6, &msg, buf, &len), 0,
	       "forge: seal an older, altered record of b");
	deliver(sim, a, "198.51.100.70", buf, len);
	is_int(st->verify_skipped - skipped, 1, "forge: an older record is skipped unverified");
	v = meshsim_view(sim, a, b);
	ok(v != NULL && mesh_record_same(&v->rec, &rec),
	   "forge: a still holds b's record as signed");
	if (v == NULL)
		return;

	/* b's fragment 0 as held, then with one cost changed */
	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_LINK_STATE;
	ok(lsfrag_set_get(&v->ls, 0, &msg.ls), "forge: a holds b's link-state fragment 0");
	skipped = st->verify_skipped;
	is_int(seal_msg(sim, mallory, (uint64_t)1 << 32 | 7, &msg, buf, &len), 0,
	       "forge: seal an exact copy of b's fragment");
	deliver(sim, a, "198.51.100.70", buf, len);
	is_int(st->verify_skipped - skipped, 1, "forge: the exact fragment is not verified again");
	is_int(meshsim_dropped(sim, a, "undecodable"), dropped + 1,
	       "forge: an exact copy of b's fragment is no forgery");
	if (msg.ls.count > 0)
		msg.ls.n[0].cost ^= 0x0100;
	else
		msg.ls.nfrags = 2;
	verified = st->verified;
	is_int(seal_msg(sim, mallory, (uint64_t)1 << 32 | 8, &msg, buf, &len), 0,
	       "forge: seal b's fragment at its seq, altered");
	deliver(sim, a, "198.51.100.70", buf, len);
	is_int(st->verified - verified, 1, "forge: an altered same-seq fragment is verified");
	is_int(meshsim_dropped(sim, a, "undecodable"), dropped + 2,
	       "forge: an altered same-seq fragment is dropped and counted");
	v = meshsim_view(sim, a, b);
	ok(v != NULL && v->ls_seq == ls_seq, "forge: a keeps b's link state as signed");
}

static void
test_forge(void)
{
	struct meshsim *sim = sim_new(24, NULL);
	int a = add(sim, "a", "10.1.0.1", true);
	int b = add(sim, "b", "10.1.0.2", false);
	struct identity *mallory = NULL;
	uint8_t buf[SEAL_MAX_DATAGRAM];
	struct mesh_msg msg;
	const struct node *v;
	struct mesh_node_record rec;
	struct mesh_ls_neighbour nb;
	uint64_t before, ls_seq, rec_seq;
	size_t len = 0;
	char addr[IPADDR_STRLEN];

	meshsim_start_all(sim);
	is_int(meshsim_run_until(sim, converged_cb, NULL, 10), 0, "forge: a and b converge");
	identity_generate(&mallory); /* a member: it has the shared key */
	v = meshsim_view(sim, (unsigned)a, (unsigned)b);
	if (v == NULL)
		goto out;
	rec = v->rec;
	rec_seq = v->rec.seq;
	ls_seq = v->ls_seq;

	/* b's record relayed with its address changed and seq raised, signature kept */
	before = meshsim_dropped(sim, (unsigned)a, "undecodable");
	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_RECORDS;
	msg.records.parts = 1;
	msg.records.count = 1;
	msg.records.rec[0] = rec;
	msg.records.rec[0].seq += 100;
	ipaddr_parse(&msg.records.rec[0].addr, "10.1.0.66");
	is_int(seal_msg(sim, mallory, (uint64_t)1 << 32 | 1, &msg, buf, &len), 0,
	       "forge: seal a relayed record of b, altered");
	deliver(sim, (unsigned)a, "198.51.100.70", buf, len);
	is_int(meshsim_dropped(sim, (unsigned)a, "undecodable") - before, 1,
	       "forge: altered relayed record dropped (signature) and counted");
	/* the same record re-signed by mallory under b's id */
	mesh_record_sign(&msg.records.rec[0], mallory);
	memcpy(msg.records.rec[0].node_id, identity_node_id(meshsim_identity(sim, (unsigned)b)),
	       IDENTITY_ID_LEN);
	is_int(seal_msg(sim, mallory, (uint64_t)1 << 32 | 2, &msg, buf, &len), 0,
	       "forge: seal b's record signed by mallory");
	deliver(sim, (unsigned)a, "198.51.100.70", buf, len);
	is_int(meshsim_dropped(sim, (unsigned)a, "undecodable") - before, 2,
	       "forge: record of b signed by another member dropped and counted");
	v = meshsim_view(sim, (unsigned)a, (unsigned)b);
	ok(v != NULL && v->rec.seq == rec_seq && ipaddr_equal(&v->rec.addr, &rec.addr),
	   "forge: a still holds b's own record (%s)",
	   v != NULL ? ipaddr_fmt(&v->rec.addr, addr, sizeof(addr)) : "gone");

	/* b's link state: a table signed by mallory, origin set to b */
	memset(&nb, 0, sizeof(nb));
	memcpy(nb.node_id, identity_node_id(meshsim_identity(sim, (unsigned)a)), IDENTITY_ID_LEN);
	nb.cost = 1;
	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_LINK_STATE;
	is_int(mesh_ls_fragment(&msg.ls, mallory, ls_seq + 100, &nb, 1, 0), 0,
	       "forge: a link-state fragment signed by mallory");
	memcpy(msg.ls.origin, identity_node_id(meshsim_identity(sim, (unsigned)b)),
	       IDENTITY_ID_LEN);
	is_int(seal_msg(sim, mallory, (uint64_t)1 << 32 | 3, &msg, buf, &len), 0,
	       "forge: seal it as b's link state");
	deliver(sim, (unsigned)a, "198.51.100.70", buf, len);
	is_int(meshsim_dropped(sim, (unsigned)a, "undecodable") - before, 3,
	       "forge: link state of b signed by another member dropped and counted");
	v = meshsim_view(sim, (unsigned)a, (unsigned)b);
	ok(v != NULL && v->ls_seq == ls_seq, "forge: a keeps b's own link state");
	ok(meshsim_reach_node(sim, (unsigned)a, (unsigned)b, NULL, 0) >= 1,
	   "forge: a still reaches b");
	if (v == NULL)
		goto out;
	test_forge_copies(sim, (unsigned)a, (unsigned)b, mallory, before + 3);
out:
	identity_free(mallory);
	meshsim_free(sim);
}

/* ---------------------------------------------------------------- sync versions */

/*
 * A HELLO with a differing digest from a node that does not set
 * MESH_HELLO_HASHES (an older version) is answered with a full SUMMARY,
 * one that sets it with a SUMMARY_HASH; a SUMMARY whose sync id lacks
 * SYNC_BATCH (bit 30) gets its link state as LINK_STATE datagrams.
 */
static void
test_versions(void)
{
	struct meshsim *sim = sim_new(25, NULL);
	int a = add(sim, "a", "10.1.0.1", true);
	struct identity *x = NULL;
	uint8_t buf[SEAL_MAX_DATAGRAM];
	const struct mesh_stats *st;
	struct mesh_msg msg;
	uint64_t sum, hash, ls, lss;
	size_t len = 0;

	add(sim, "b", "10.1.0.2", false);
	meshsim_start_all(sim);
	is_int(meshsim_run_until(sim, converged_cb, NULL, 10), 0, "versions: a and b converge");
	identity_generate(&x);
	st = mesh_stats(meshsim_mesh(sim, (unsigned)a));
	sum = st->tx_type[MESH_SUMMARY - 0x10];
	hash = st->tx_type[MESH_SUMMARY_HASH - 0x10];
	/* seal_hello: flags 0, digest of nothing */
	is_int(seal_hello(sim, x, "x", "10.1.0.9", buf, &len), 0, "versions: an old HELLO");
	deliver(sim, (unsigned)a, "198.51.100.9", buf, len);
	ok(st->tx_type[MESH_SUMMARY - 0x10] > sum && st->tx_type[MESH_SUMMARY_HASH - 0x10] == hash,
	   "versions: answered with a full SUMMARY, no SUMMARY_HASH");

	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_HELLO;
	msg.hello.flags = MESH_HELLO_HASHES | MESH_HELLO_REPLY;
	msg.hello.sync_id = 8;
	msg.hello.record.seq = (uint64_t)1 << 32 | 1;
	msg.hello.record.flags = MESH_NODE_RELAY;
	snprintf(msg.hello.record.name, sizeof(msg.hello.record.name), "x");
	ipaddr_parse(&msg.hello.record.addr, "10.1.0.9");
	memcpy(msg.hello.record.wg_public, identity_wg_public(x), IDENTITY_WG_KEY_LEN);
	msg.hello.record.wg_port = 50077;
	msg.hello.record.admin_port = 50577;
	mesh_record_sign(&msg.hello.record, x);
	sum = st->tx_type[MESH_SUMMARY - 0x10];
	is_int(seal_msg(sim, x, (uint64_t)1 << 32 | 100, &msg, buf, &len), 0,
	       "versions: a new HELLO");
	deliver(sim, (unsigned)a, "198.51.100.9", buf, len);
	ok(st->tx_type[MESH_SUMMARY_HASH - 0x10] == hash + 1 &&
	       st->tx_type[MESH_SUMMARY - 0x10] == sum,
	   "versions: answered with one SUMMARY_HASH");

	/* an old SYNC_REQUEST for everything: LINK_STATE answers */
	memset(&msg, 0, sizeof(msg));
	msg.type = MESH_SYNC_REQUEST;
	msg.summary.sync_id = 9;
	msg.summary.parts = 1;
	msg.summary.count = 2;
	memcpy(msg.summary.e[0].node_id, identity_node_id(meshsim_identity(sim, 0)), 32);
	memcpy(msg.summary.e[1].node_id, identity_node_id(meshsim_identity(sim, 1)), 32);
	ls = st->tx_type[MESH_LINK_STATE - 0x10];
	lss = st->tx_type[MESH_LINK_STATES - 0x10];
	is_int(seal_msg(sim, x, (uint64_t)1 << 32 | 101, &msg, buf, &len), 0,
	       "versions: an old SYNC_REQUEST");
	deliver(sim, (unsigned)a, "198.51.100.9", buf, len);
	ok(st->tx_type[MESH_LINK_STATE - 0x10] == ls + 2 &&
	       st->tx_type[MESH_LINK_STATES - 0x10] == lss,
	   "versions: two LINK_STATE answers, no LINK_STATES");
	msg.summary.sync_id = 10 | 0x40000000u;
	is_int(seal_msg(sim, x, (uint64_t)1 << 32 | 102, &msg, buf, &len), 0,
	       "versions: a new SYNC_REQUEST");
	deliver(sim, (unsigned)a, "198.51.100.9", buf, len);
	ok(st->tx_type[MESH_LINK_STATE - 0x10] == ls + 2 &&
	       st->tx_type[MESH_LINK_STATES - 0x10] == lss + 1,
	   "versions: one LINK_STATES answer");
	identity_free(x);
	meshsim_free(sim);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
    /* clang-format off */
	{ "pin", test_pin },
	{ "cap", test_cap },
	{ "rate", test_rate },
	{ "forge", test_forge },
	{ "versions", test_versions },
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
	         "mesh_members_test");
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
