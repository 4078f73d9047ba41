/*
 * statics: mesh_set_statics(), the static peers of a reloaded net.yaml, on
 * the simulator (tests/meshsim.h).
 *
 * Four public nodes: a is the one static peer of the net.yaml they start
 * with; b and d are ordinary members; c cannot reach a at all (every datagram
 * between them is lost), so with only a as static peer it stays alone. Then:
 *   add      net.yaml {a, b} on every node: c links to b and through it
 *            reaches a; a's client link to b and d's gateway b become static
 *            links; b finds itself in the list.
 *   change   b's WireGuard port in c's list: the link's endpoint follows at
 *            once; and back.
 *   remove   net.yaml {b} on d: its static link to a goes at once, a stays a
 *            member that d reaches through b.
 *   refuse   another subnet or another shared key: -EINVAL, nothing changes.
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

#include "src/log.h"
#include "tests/meshsim.h"
#include "tests/tap.h"

#define SUBNET "10.1.0.0/16"

enum { A, B, C, D, NNODES };

static struct ev_loop *loop;
static struct meshsim *sim;

/* A net.yaml with the sim's shared key (or key), subnet and nodes[0..n) as static peers. */
static const struct config *
net_yaml(const char *subnet, const uint8_t *key, const unsigned *nodes, size_t n,
         const uint16_t *wg_ports)
{
	char b64[sodium_base64_ENCODED_LEN(CONFIG_KEY_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char text[2048], u[IPADDR_STRLEN], a[IPADDR_STRLEN];
	const struct config *cfg = NULL;
	struct config_diag *d = malloc(sizeof(*d));
	size_t len, i;

	if (d == NULL)
		return NULL;
	sodium_bin2base64(b64, sizeof(b64), key != NULL ? key : meshsim_config(sim)->shared_key,
	                  CONFIG_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
	len = (size_t)snprintf(text, sizeof(text),
	                       "network:\n  sharedKey: %s\n  subnet: %s\npeers:\n", b64, subnet);
	for (i = 0; i < n; i++) {
		const struct ipaddr *ov = meshsim_address(sim, nodes[i]);

		len += (size_t)snprintf(
		    text + len, sizeof(text) - len,
		    "  - endPoint: %s:%u\n    adminPort: %u\n    wgIp: %s\n",
		    ipaddr_fmt(meshsim_underlay(sim, nodes[i]), u, sizeof(u)),
		    wg_ports != NULL && wg_ports[i] != 0 ? wg_ports[i] : config_default_wg_port(ov),
		    config_default_admin_port(ov), ipaddr_fmt(ov, a, sizeof(a)));
	}
	config_diag_init(d);
	if (config_parse_net_buf("reload.yaml", text, len, &cfg, d) < 0)
		diag("net_yaml: %s", d->nerrors > 0 ? d->errors[0] : "?");
	sodium_memzero(text, sizeof(text));
	free(d);
	return cfg;
}

struct pair {
	unsigned from, to;
};

static bool
reach_cb(struct meshsim *s, void *arg)
{
	const struct pair *p = arg;

	return meshsim_reach_node(s, p->from, p->to, NULL, 0) >= 1 &&
	       meshsim_reach_node(s, p->to, p->from, NULL, 0) >= 1;
}

/* from reaches to in two hops, through via */
struct via {
	unsigned from, to, via;
};

static bool
via_cb(struct meshsim *s, void *arg)
{
	const struct via *v = arg;
	unsigned path[4];

	return meshsim_reach_node(s, v->from, v->to, path, 4) == 2 && path[0] == v->via;
}

static bool
converged_cb(struct meshsim *s, void *arg)
{
	(void)arg;
	return meshsim_converged(s);
}

static bool
abd_cb(struct meshsim *s, void *arg)
{
	struct pair ab = {A, B}, ad = {A, D}, bd = {B, D};

	(void)arg;
	return reach_cb(s, &ab) && reach_cb(s, &ad) && reach_cb(s, &bd);
}

static const struct node *
view(unsigned i, unsigned j)
{
	return meshsim_view(sim, i, j);
}

static int
link_kind(unsigned i, unsigned j)
{
	const struct node *n = view(i, j);

	if (n == NULL)
		return -2;
	return n->link != NULL ? (int)n->link->kind : -1;
}

static int
add_node(const char *name, const char *addr, bool is_static, const unsigned *statics,
         size_t nstatics)
{
	struct meshsim_node_opts o;

	memset(&o, 0, sizeof(o));
	o.name = name;
	o.address = addr;
	o.site = 0;
	o.is_static = is_static;
	o.statics = statics;
	o.nstatics = nstatics;
	return meshsim_node_add(sim, &o);
}

int
main(void)
{
	static const unsigned just_a[] = {A}, ab[] = {A, B}, just_b[] = {B};
	const struct config *cfg_ab, *cfg_ab_port, *cfg_b, *cfg_subnet, *cfg_key;
	uint16_t odd_ports[] = {0, 40000};
	uint8_t other_key[CONFIG_KEY_LEN];
	struct mesh_params p;
	unsigned path[4] = {NNODES, NNODES, NNODES, NNODES};
	const char *v = getenv("MESHSIM_LOG");
	struct pair ca = {C, A};
	struct via dab = {D, A, B}, adb = {A, D, B};
	unsigned i;

	if (sodium_init() < 0)
		return 1;
	log_init(v != NULL && *v != '\0' ? LOG_TO_STDERR : LOG_TO_NONE, v != NULL && *v == '2',
	         "statics_test");
	loop = ev_default_loop(0);
	mesh_params_default(&p);
	p.tick = 0.05;
	p.ping_interval = 0.2;
	p.dead_interval = 0.6;
	p.hello_min = 0.1;
	p.hello_max = 0.4;
	p.sync_interval = 1.0;
	p.wg_poll = 0.05;
	p.link_holddown = 0.3;
	p.direct_paths = false; /* about gateways and static links only */
	sim = meshsim_new(loop, 7, SUBNET, &p);
	if (sim == NULL)
		return 1;
	is_int(add_node("a", "10.1.0.1", true, NULL, 0), A, "add a (static)");
	is_int(add_node("b", "10.1.0.2", false, NULL, 0), B, "add b");
	is_int(add_node("c", "10.1.0.3", false, just_a, 1), C, "add c");
	is_int(add_node("d", "10.1.0.4", false, NULL, 0), D, "add d");
	is_int(meshsim_link_set(sim, A, C, 1.0, 0), 0, "c and a cannot talk");
	is_int(meshsim_start_all(sim), 0, "start all");
	is_int(meshsim_run_until(sim, abd_cb, NULL, 10), 0, "a, b, d reach each other");
	ok(view(C, A) == NULL || !view(C, A)->has_record, "c knows nothing of a");
	ok(meshsim_reach_node(sim, C, A, NULL, 0) < 0, "c does not reach a");
	is_int(link_kind(A, B), LINK_CLIENT, "a: b is a client");
	is_int(link_kind(D, B), -1, "d: no link to b");

	/* add: b becomes a static peer everywhere */
	cfg_ab = net_yaml(SUBNET, NULL, ab, 2, NULL);
	cfg_ab_port = net_yaml(SUBNET, NULL, ab, 2, odd_ports);
	cfg_b = net_yaml(SUBNET, NULL, just_b, 1, NULL);
	cfg_subnet = net_yaml("10.0.0.0/8", NULL, ab, 2, NULL);
	randombytes_buf(other_key, sizeof(other_key));
	cfg_key = net_yaml(SUBNET, other_key, ab, 2, NULL);
	ok(cfg_ab != NULL && cfg_ab_port != NULL && cfg_b != NULL && cfg_subnet != NULL &&
	       cfg_key != NULL,
	   "the reloaded net.yaml files parse");
	if (cfg_ab == NULL || cfg_ab_port == NULL || cfg_b == NULL || cfg_subnet == NULL ||
	    cfg_key == NULL)
		return tap_done();
	for (i = 0; i < NNODES; i++)
		is_int(mesh_set_statics(meshsim_mesh(sim, i), cfg_ab), 0, "add: set {a, b}");
	is_int(link_kind(A, B), LINK_STATIC, "add: a's client link to b is now a static link");
	is_int(view(A, B)->static_index, 1, "add: a binds b to the second entry");
	is_int(link_kind(D, B), LINK_STATIC, "add: d links to b at once");
	is_int(view(D, A)->static_index, 0, "add: d keeps a bound to the first entry");
	is_int(mesh_self(meshsim_mesh(sim, B))->static_index, 1, "add: b finds itself in the list");
	is_int(mesh_self(meshsim_mesh(sim, A))->static_index, 0, "add: a still itself");
	is_int(meshsim_run_until(sim, reach_cb, &ca, 10), 0, "add: c reaches a");
	is_int(meshsim_reach_node(sim, C, A, path, 4), 2, "add: in two hops");
	is_int((int)path[0], B, "add: through b");
	is_int(link_kind(C, B), LINK_STATIC, "add: c's link to b is static");
	is_int(meshsim_run_until(sim, converged_cb, NULL, 10), 0, "add: everyone reaches everyone");

	/* change: b's WireGuard port in c's list */
	is_int(mesh_set_statics(meshsim_mesh(sim, C), cfg_ab_port), 0, "change: set b's port");
	is_int(view(C, B)->link->endpoint.port, 40000, "change: the link's endpoint follows");
	is_int(link_kind(C, B), LINK_STATIC, "change: still a static link");
	is_int(mesh_set_statics(meshsim_mesh(sim, C), cfg_ab), 0, "change: and back");
	is_int(view(C, B)->link->endpoint.port, config_default_wg_port(meshsim_address(sim, B)),
	       "change: the endpoint is back");

	/* remove: a from d's list */
	is_int(mesh_set_statics(meshsim_mesh(sim, D), cfg_b), 0, "remove: set {b} on d");
	is_int(link_kind(D, A), -1, "remove: d's static link to a is gone");
	is_int(view(D, A)->static_index, -1, "remove: a is no static peer for d");
	is_int(view(D, B)->static_index, 0, "remove: b is d's first entry now");
	ok(view(D, A)->has_record, "remove: d still knows a");
	is_int(meshsim_run_until(sim, via_cb, &dab, 10), 0, "remove: d reaches a through b");
	is_int(meshsim_run_until(sim, via_cb, &adb, 10), 0, "remove: and a reaches d through b");

	/* refuse */
	is_int(mesh_set_statics(meshsim_mesh(sim, D), cfg_subnet), -EINVAL, "refuse: other subnet");
	is_int(mesh_set_statics(meshsim_mesh(sim, D), cfg_key), -EINVAL, "refuse: other key");
	is_int(view(D, B)->static_index, 0, "refuse: nothing changed");
	is_int(link_kind(D, A), -1, "refuse: a still no static link on d");

	/* the cores borrow the configs: free them after the cores */
	meshsim_free(sim);
	config_free(cfg_ab);
	config_free(cfg_ab_port);
	config_free(cfg_b);
	config_free(cfg_subnet);
	config_free(cfg_key);
	ev_loop_destroy(loop);
	return tap_done();
}
