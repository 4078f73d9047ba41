/*
 * meshsim: the simulator (model and vocabulary in meshsim.h).
 *
 * Owns: the nodes (struct sim_node, each with its identity, core and fake
 * WireGuard device), the sites with their NAT mappings, a map from
 * WireGuard public key to node, and a heap of
 * datagrams in flight ordered by (delivery time, send order).
 *
 * Per node, an index of its device (allowed IP -> peer, public key -> peer)
 * is rebuilt lazily after every WireGuard set, so that routing a datagram
 * costs O(hops * log peers) even at a hub with thousands of peers.
 *
 * Invariants: a datagram is routed when it is sent (with the devices and NAT
 * mappings of that moment) and handed to mesh_input() only from the delivery
 * timer, never from inside a core's send; a datagram that would be
 * delivered to a node that is not running (anymore) is counted and dropped.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "platform/wg_fake.h"
#include "tests/meshsim.h"

#define IFNAME        "wg0"
#define HS_RENEW_S    120  /* REKEY_AFTER_TIME */
#define HS_DEAD_S     180  /* REJECT_AFTER_TIME */
#define SWEEP_S       0.05 /* handshake sweep period */
#define NAT_PORT_BASE 20000
#define WG_OVERHEAD   32 /* transport header + tag, for rx/tx counters */

struct aip_ent {
	struct ipaddr addr; /* host prefixes only */
	struct wg_peer *peer;
};

struct key_ent {
	const uint8_t *key;
	struct wg_peer *peer;
};

struct sim_node {
	struct meshsim *sim;
	unsigned index;
	char name[CONFIG_NAME_MAX + 1];
	struct identity *id;
	struct ipaddr addr;  /* overlay */
	struct ipaddr under; /* underlay (private behind a NAT) */
	struct ipaddr probe;
	unsigned site;
	uint16_t wg_port, admin_port;
	bool is_static, mobile;
	uint32_t epoch;
	unsigned *statics; /* its own static peers (node indices), or none: the shared list */
	size_t nstatics;
	const struct config *cfg; /* its own net.yaml when nstatics > 0 */

	struct mesh *mesh; /* NULL: not running */
	struct wg_fake *fake;
	struct wg_device *dev; /* the fake's live device */
	bool forwarding;
	long routes;
	uint64_t sent_bytes;

	/* device index, valid while !index_dirty */
	bool index_dirty;
	struct aip_ent *aips;
	size_t naips, aips_cap;
	struct key_ent *keys;
	size_t nkeys, keys_cap;
	struct wg_allowedip **wide; /* non-host allowed IPs (linear longest match) */
	struct wg_peer **wide_peer;
	size_t nwide, wide_cap;
};

struct nat_map {
	unsigned node;
	uint16_t port;          /* inside port */
	struct endpoint remote; /* EDM: the one destination admitted */
	uint16_t pub;           /* public port */
};

struct site {
	enum meshsim_nat nat;
	struct ipaddr public; /* AF_UNSPEC for site 0 and isolated LANs */
	struct sim_node *hosts[256];
	unsigned nhosts;
	struct nat_map *maps; /* by pub - NAT_PORT_BASE */
	size_t nmaps, maps_cap;
};

struct pkt {
	double at;
	uint64_t seq;
	unsigned to;
	struct endpoint src;
	size_t len;
	uint8_t buf[];
};

struct pair_opt {
	unsigned a, b;
	double loss, latency;
};

struct kmap {
	uint64_t *keys; /* 0 = empty */
	unsigned *vals;
	size_t cap, used;
};

struct meshsim {
	struct ev_loop *loop;
	uint64_t rng;
	struct mesh_params params;
	struct ipprefix subnet;
	uint8_t shared_key[CONFIG_KEY_LEN];
	uint8_t probe_prefix[8];
	const struct config *cfg;

	struct sim_node **nodes;
	unsigned nnodes;
	size_t nodes_cap;
	struct site sites[MESHSIM_MAX_SITES + 1];
	unsigned nsites;
	struct kmap by_wgkey;

	double loss, latency;
	struct pair_opt *pairs;
	size_t npairs;

	struct pkt **heap;
	size_t nheap, heap_cap;
	uint64_t pkt_seq;
	ev_timer deliver_w;
	ev_timer sweep_w;

	meshsim_tap_fn tap;
	void *tap_arg;
	struct meshsim_stats stats;
};

/* ---------------------------------------------------------------- small helpers */

static uint64_t
rng_next(struct meshsim *sim)
{
	/* splitmix64 */
	uint64_t z = (sim->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
rng_unit(struct meshsim *sim)
{
	return (double)(rng_next(sim) >> 11) / 9007199254740992.0;
}

static int64_t
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

static uint64_t
key64(const uint8_t *b)
{
	uint64_t k;

	memcpy(&k, b, sizeof(k));
	return k != 0 ? k : 1;
}

static int
kmap_put(struct kmap *km, uint64_t key, unsigned val)
{
	size_t i;

	if (2 * (km->used + 1) > km->cap) {
		struct kmap n;
		size_t j;

		n.cap = km->cap ? 2 * km->cap : 64;
		n.used = 0;
		n.keys = calloc(n.cap, sizeof(*n.keys));
		n.vals = calloc(n.cap, sizeof(*n.vals));
		if (n.keys == NULL || n.vals == NULL) {
			free(n.keys);
			free(n.vals);
			return -ENOMEM;
		}
		for (j = 0; j < km->cap; j++)
			if (km->keys[j] != 0)
				kmap_put(&n, km->keys[j], km->vals[j]);
		free(km->keys);
		free(km->vals);
		*km = n;
	}
	for (i = key & (km->cap - 1); km->keys[i] != 0 && km->keys[i] != key;
	     i = (i + 1) & (km->cap - 1))
		;
	if (km->keys[i] == 0)
		km->used++;
	km->keys[i] = key;
	km->vals[i] = val;
	return 0;
}

static bool
kmap_get(const struct kmap *km, uint64_t key, unsigned *val)
{
	size_t i;

	if (km->cap == 0)
		return false;
	for (i = key & (km->cap - 1); km->keys[i] != 0; i = (i + 1) & (km->cap - 1)) {
		if (km->keys[i] == key) {
			*val = km->vals[i];
			return true;
		}
	}
	return false;
}

static void
kmap_free(struct kmap *km)
{
	free(km->keys);
	free(km->vals);
}

static bool
is_probe(const struct meshsim *sim, const struct ipaddr *a)
{
	return a->family == AF_INET6 && memcmp(a->bytes, sim->probe_prefix, 8) == 0;
}

static struct sim_node *
node_by_wgkey(const struct meshsim *sim, const uint8_t key[WG_KEY_LEN])
{
	unsigned i;

	if (!kmap_get(&sim->by_wgkey, key64(key), &i))
		return NULL;
	return memcmp(identity_wg_public(sim->nodes[i]->id), key, WG_KEY_LEN) == 0 ? sim->nodes[i]
	                                                                           : NULL;
}

static bool
running(const struct sim_node *n)
{
	return n != NULL && n->mesh != NULL;
}

/* ---------------------------------------------------------------- device index */

static int
aip_cmp(const void *a, const void *b)
{
	return ipaddr_cmp(&((const struct aip_ent *)a)->addr, &((const struct aip_ent *)b)->addr);
}

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(((const struct key_ent *)a)->key, ((const struct key_ent *)b)->key,
	              WG_KEY_LEN);
}

static int
grow(void **v, size_t *cap, size_t need, size_t size)
{
	void *n;
	size_t c = *cap ? *cap : 16;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	n = realloc(*v, c * size);
	if (n == NULL)
		return -ENOMEM;
	*v = n;
	*cap = c;
	return 0;
}

static int
index_build(struct sim_node *n)
{
	struct wg_peer *p;
	struct wg_allowedip *a;

	n->naips = n->nkeys = n->nwide = 0;
	for (p = n->dev != NULL ? n->dev->first_peer : NULL; p != NULL; p = p->next) {
		if (grow((void **)&n->keys, &n->keys_cap, n->nkeys + 1, sizeof(*n->keys)) < 0)
			return -ENOMEM;
		n->keys[n->nkeys].key = p->public_key;
		n->keys[n->nkeys++].peer = p;
		for (a = p->first_allowedip; a != NULL; a = a->next) {
			if (a->prefix.len == ipaddr_bits(&a->prefix.addr)) {
				if (grow((void **)&n->aips, &n->aips_cap, n->naips + 1,
				         sizeof(*n->aips)) < 0)
					return -ENOMEM;
				n->aips[n->naips].addr = a->prefix.addr;
				n->aips[n->naips++].peer = p;
				continue;
			}
			if (grow((void **)&n->wide, &n->wide_cap, n->nwide + 1, sizeof(*n->wide)) <
			    0)
				return -ENOMEM;
			n->wide_peer = realloc(n->wide_peer, n->wide_cap * sizeof(*n->wide_peer));
			if (n->wide_peer == NULL)
				return -ENOMEM;
			n->wide[n->nwide] = a;
			n->wide_peer[n->nwide++] = p;
		}
	}
	if (n->naips > 0) /* never qsort/bsearch a NULL array, even of 0 elements */
		qsort(n->aips, n->naips, sizeof(*n->aips), aip_cmp);
	if (n->nkeys > 0)
		qsort(n->keys, n->nkeys, sizeof(*n->keys), key_cmp);
	n->index_dirty = false;
	return 0;
}

static bool
index_ready(struct sim_node *n)
{
	return !n->index_dirty || index_build(n) == 0;
}

/* The peer whose allowed IPs hold a (longest prefix), or NULL. */
static struct wg_peer *
peer_for_addr(struct sim_node *n, const struct ipaddr *a)
{
	struct aip_ent k, *e;
	struct wg_peer *best = NULL;
	int best_len = -1;
	size_t i;

	if (!index_ready(n))
		return NULL;
	k.addr = *a;
	e = n->naips > 0 ? bsearch(&k, n->aips, n->naips, sizeof(*n->aips), aip_cmp) : NULL;
	if (e != NULL)
		return e->peer;
	for (i = 0; i < n->nwide; i++) {
		if (ipprefix_contains(&n->wide[i]->prefix, a) &&
		    n->wide[i]->prefix.len > best_len) {
			best = n->wide_peer[i];
			best_len = n->wide[i]->prefix.len;
		}
	}
	return best;
}

static struct wg_peer *
peer_for_key(struct sim_node *n, const uint8_t key[WG_KEY_LEN])
{
	struct key_ent k, *e;

	if (!index_ready(n))
		return NULL;
	k.key = key;
	e = n->nkeys > 0 ? bsearch(&k, n->keys, n->nkeys, sizeof(*n->keys), key_cmp) : NULL;
	return e != NULL ? e->peer : NULL;
}

static bool
peer_allows(const struct wg_peer *p, const struct ipaddr *a)
{
	const struct wg_allowedip *x;

	for (x = p->first_allowedip; x != NULL; x = x->next)
		if (ipprefix_contains(&x->prefix, a))
			return true;
	return false;
}

/* ---------------------------------------------------------------- underlay and NAT */

static struct nat_map *
nat_out(struct site *s, unsigned node, uint16_t port, const struct endpoint *dst)
{
	struct nat_map *m;
	size_t i;

	for (i = 0; i < s->nmaps; i++) {
		m = &s->maps[i];
		if (m->node == node && m->port == port &&
		    (s->nat == MESHSIM_NAT_EIM || endpoint_equal(&m->remote, dst)))
			return m;
	}
	if (s->nmaps >= 65535 - NAT_PORT_BASE ||
	    grow((void **)&s->maps, &s->maps_cap, s->nmaps + 1, sizeof(*s->maps)) < 0)
		return NULL;
	m = &s->maps[s->nmaps];
	memset(m, 0, sizeof(*m));
	m->node = node;
	m->port = port;
	if (s->nat == MESHSIM_NAT_EDM)
		m->remote = *dst;
	m->pub = (uint16_t)(NAT_PORT_BASE + s->nmaps);
	s->nmaps++;
	return m;
}

static bool
in_site_lan(unsigned site, const struct ipaddr *a)
{
	return site > 0 && a->family == AF_INET && a->bytes[0] == 192 && a->bytes[1] == 168 &&
	       a->bytes[2] == site;
}

/*
 * A packet from node s's port sport to dst: which node and port it reaches,
 * and the source it carries on arrival. 0 or -ENETUNREACH / -EHOSTUNREACH.
 */
static int
underlay_route(struct meshsim *sim, struct sim_node *s, uint16_t sport, const struct endpoint *dst,
               struct sim_node **to, uint16_t *to_port, struct endpoint *seen)
{
	struct site *ss = &sim->sites[s->site];
	const uint8_t *b = dst->addr.bytes;

	seen->addr = s->under;
	seen->port = sport;
	if (in_site_lan(s->site, &dst->addr)) {
		*to = ss->hosts[b[3]];
		*to_port = dst->port;
		return *to != NULL ? 0 : -EHOSTUNREACH;
	}
	if (s->site != 0) {
		struct nat_map *m;

		if (ss->nat == MESHSIM_NAT_NONE)
			return -ENETUNREACH;
		if (ipaddr_equal(&dst->addr, &ss->public))
			return -EHOSTUNREACH; /* no hairpinning */
		m = nat_out(ss, s->index, sport, dst);
		if (m == NULL)
			return -ENETUNREACH;
		seen->addr = ss->public;
		seen->port = m->pub;
	}
	if (dst->addr.family != AF_INET || b[0] != 198 || b[1] != 51 || b[2] != 100)
		return -ENETUNREACH;
	if (b[3] >= 1 && b[3] <= MESHSIM_PUBLIC_MAX) {
		*to = sim->sites[0].hosts[b[3]];
		*to_port = dst->port;
		return *to != NULL ? 0 : -EHOSTUNREACH;
	}
	if (b[3] > 100 && b[3] - 100u < sim->nsites) {
		struct site *ds = &sim->sites[b[3] - 100];
		struct nat_map *m;

		if (dst->port < NAT_PORT_BASE || (size_t)(dst->port - NAT_PORT_BASE) >= ds->nmaps)
			return -EHOSTUNREACH;
		m = &ds->maps[dst->port - NAT_PORT_BASE];
		if (ds->nat == MESHSIM_NAT_EDM && !endpoint_equal(&m->remote, seen))
			return -EHOSTUNREACH;
		*to = sim->nodes[m->node];
		*to_port = m->port;
		return 0;
	}
	return -EHOSTUNREACH;
}

/* ---------------------------------------------------------------- WireGuard model */

static bool
hs_fresh(const struct wg_peer *p, int64_t now, int64_t age)
{
	return p->last_handshake.tv_sec != 0 && now - p->last_handshake.tv_sec < age;
}

/* a initiates a handshake to b with its endpoint for b. */
static bool
hs_try(struct meshsim *sim, struct sim_node *a, struct wg_peer *pa, struct sim_node *b,
       struct wg_peer *pb, int64_t now)
{
	struct sim_node *to;
	struct endpoint seen;
	uint16_t port;

	if (!(pa->flags & WGPEER_HAS_ENDPOINT) || pa->endpoint.port == 0)
		return false;
	if (underlay_route(sim, a, a->wg_port, &pa->endpoint, &to, &port, &seen) < 0 || to != b ||
	    port != b->wg_port)
		return false;
	pa->last_handshake.tv_sec = pb->last_handshake.tv_sec = now;
	pa->last_handshake.tv_nsec = pb->last_handshake.tv_nsec = 0;
	pb->endpoint = seen; /* roaming: the responder learns where a is */
	pb->flags |= WGPEER_HAS_ENDPOINT;
	sim->stats.handshakes++;
	return true;
}

/*
 * Is the tunnel x -> y usable (x's peer px is y's key)? Makes or renews the
 * handshake as needed. Sets *py to y's peer for x. 0 or -ENOTCONN.
 */
static int
tunnel(struct meshsim *sim, struct sim_node *x, struct wg_peer *px, struct sim_node *y,
       struct wg_peer **py)
{
	int64_t now = wall_now();

	*py = peer_for_key(y, identity_wg_public(x->id));
	if (*py == NULL)
		return -ENOTCONN;
	if (hs_fresh(px, now, HS_RENEW_S) && hs_fresh(*py, now, HS_RENEW_S))
		return 0;
	if (hs_try(sim, x, px, y, *py, now) || hs_try(sim, y, *py, x, px, now))
		return 0;
	return hs_fresh(px, now, HS_DEAD_S) && hs_fresh(*py, now, HS_DEAD_S) ? 0 : -ENOTCONN;
}

static void
sweep_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct meshsim *sim = (struct meshsim *)((char *)w - offsetof(struct meshsim, sweep_w));
	int64_t now = wall_now();
	unsigned i;

	(void)loop;
	(void)revents;
	for (i = 0; i < sim->nnodes; i++) {
		struct sim_node *x = sim->nodes[i];
		struct wg_peer *p, *py;

		if (!running(x) || !index_ready(x))
			continue;
		for (p = x->dev->first_peer; p != NULL; p = p->next) {
			struct sim_node *y;

			if (hs_fresh(p, now, HS_RENEW_S))
				continue;
			y = node_by_wgkey(sim, p->public_key);
			if (running(y) && index_ready(y))
				tunnel(sim, x, p, y, &py);
		}
	}
}

static bool
owns(const struct sim_node *n, const struct ipaddr *a)
{
	return ipaddr_equal(&n->addr, a) || ipaddr_equal(&n->probe, a);
}

/*
 * A packet from node s (source address src) to dst over WireGuard, hop by
 * hop. Returns the number of hops and sets *to, or -errno (meshsim.h,
 * meshsim_reach). path gets the nodes after s.
 */
static int
overlay_walk(struct meshsim *sim, struct sim_node *s, const struct ipaddr *src,
             const struct ipaddr *dst, size_t len, struct sim_node **to, unsigned *path, size_t max)
{
	struct sim_node *x = s;
	int hop;

	for (hop = 0; hop <= MESHSIM_MAX_HOPS; hop++) {
		struct wg_peer *px, *py;
		struct sim_node *y;

		if (owns(x, dst)) {
			*to = x;
			return hop;
		}
		if (hop == MESHSIM_MAX_HOPS)
			break;
		if (hop > 0 && (dst->family != AF_INET || !x->forwarding))
			return -EHOSTUNREACH;
		px = peer_for_addr(x, dst);
		if (px == NULL)
			return -ENETUNREACH;
		y = node_by_wgkey(sim, px->public_key);
		if (!running(y))
			return -EHOSTDOWN;
		if (tunnel(sim, x, px, y, &py) < 0)
			return -ENOTCONN;
		if (!peer_allows(py, src))
			return -EACCES;
		px->tx_bytes += len + WG_OVERHEAD;
		py->rx_bytes += len + WG_OVERHEAD;
		if ((size_t)hop < max)
			path[hop] = y->index;
		x = y;
	}
	return -ELOOP;
}

/* ---------------------------------------------------------------- delivery */

static bool
pkt_less(const struct pkt *a, const struct pkt *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void
heap_up(struct meshsim *sim, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		struct pkt *t;

		if (!pkt_less(sim->heap[i], sim->heap[p]))
			break;
		t = sim->heap[i];
		sim->heap[i] = sim->heap[p];
		sim->heap[p] = t;
		i = p;
	}
}

static void
heap_down(struct meshsim *sim, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct pkt *t;

		if (l < sim->nheap && pkt_less(sim->heap[l], sim->heap[m]))
			m = l;
		if (r < sim->nheap && pkt_less(sim->heap[r], sim->heap[m]))
			m = r;
		if (m == i)
			return;
		t = sim->heap[i];
		sim->heap[i] = sim->heap[m];
		sim->heap[m] = t;
		i = m;
	}
}

static struct pkt *
heap_pop(struct meshsim *sim)
{
	struct pkt *top = sim->heap[0];

	sim->heap[0] = sim->heap[--sim->nheap];
	if (sim->nheap > 0)
		heap_down(sim, 0);
	return top;
}

static void
arm(struct meshsim *sim)
{
	double d;

	ev_timer_stop(sim->loop, &sim->deliver_w);
	if (sim->nheap == 0)
		return;
	d = sim->heap[0]->at - ev_now(sim->loop);
	ev_timer_set(&sim->deliver_w, d > 0 ? d : 0., 0.);
	ev_timer_start(sim->loop, &sim->deliver_w);
}

static void
deliver_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct meshsim *sim = (struct meshsim *)((char *)w - offsetof(struct meshsim, deliver_w));
	uint64_t limit = sim->pkt_seq; /* what this callback sends waits for the next round */
	double now = ev_now(loop);

	(void)revents;
	while (sim->nheap > 0 && sim->heap[0]->at <= now && sim->heap[0]->seq < limit) {
		struct pkt *p = heap_pop(sim);
		struct sim_node *n = sim->nodes[p->to];

		if (running(n)) {
			sim->stats.delivered++;
			sim->stats.delivered_bytes += p->len;
			mesh_input(n->mesh, &p->src, p->buf, p->len);
		} else {
			sim->stats.not_listening++;
		}
		free(p);
	}
	arm(sim);
}

static void
pair_opts(const struct meshsim *sim, unsigned a, unsigned b, double *loss, double *latency)
{
	size_t i;

	*loss = sim->loss;
	*latency = sim->latency;
	for (i = 0; i < sim->npairs; i++) {
		const struct pair_opt *o = &sim->pairs[i];

		if ((o->a == a && o->b == b) || (o->a == b && o->b == a)) {
			*loss = o->loss;
			*latency = o->latency;
			return;
		}
	}
}

/* Queue a routed datagram for node to, arriving from src. */
static int
enqueue(struct meshsim *sim, struct sim_node *from, struct sim_node *to, uint16_t to_port,
        const struct endpoint *src, const uint8_t *buf, size_t len)
{
	double loss, latency;
	struct pkt *p;

	if (!running(to) || to_port != to->admin_port) {
		sim->stats.not_listening++;
		return 0;
	}
	pair_opts(sim, from->index, to->index, &loss, &latency);
	if (loss > 0 && rng_unit(sim) < loss) {
		sim->stats.lost++;
		return 0;
	}
	if (grow((void **)&sim->heap, &sim->heap_cap, sim->nheap + 1, sizeof(*sim->heap)) < 0 ||
	    (p = malloc(sizeof(*p) + len)) == NULL)
		return -ENOBUFS;
	p->at = ev_now(sim->loop) + latency;
	p->seq = sim->pkt_seq++;
	p->to = to->index;
	p->src = *src;
	p->len = len;
	memcpy(p->buf, buf, len);
	sim->heap[sim->nheap++] = p;
	heap_up(sim, sim->nheap - 1);
	if (sim->heap[0] == p)
		arm(sim);
	return 0;
}

static int
route_and_enqueue(struct meshsim *sim, struct sim_node *s, const struct endpoint *dst,
                  const uint8_t *buf, size_t len)
{
	struct sim_node *to = NULL;
	struct endpoint src;
	uint16_t port;
	int rc;

	if (is_probe(sim, &dst->addr) || ipprefix_contains(&sim->subnet, &dst->addr)) {
		src.addr = is_probe(sim, &dst->addr) ? s->probe : s->addr;
		src.port = s->admin_port;
		rc = overlay_walk(sim, s, &src.addr, &dst->addr, len, &to, NULL, 0);
		port = dst->port;
	} else {
		rc = underlay_route(sim, s, s->admin_port, dst, &to, &port, &src);
	}
	if (rc < 0) {
		sim->stats.unroutable++;
		return 0; /* like UDP: the sender does not learn of it */
	}
	return enqueue(sim, s, to, port, &src, buf, len);
}

/* ---------------------------------------------------------------- mesh_io */

static int
io_send(void *ctx, const struct endpoint *dst, const uint8_t *buf, size_t len)
{
	struct sim_node *n = ctx;
	struct meshsim *sim = n->sim;

	if (dst->addr.family == AF_UNSPEC || dst->port == 0)
		return -EDESTADDRREQ;
	sim->stats.sent++;
	sim->stats.sent_bytes += len;
	n->sent_bytes += len;
	if (sim->tap != NULL)
		sim->tap(sim->tap_arg, n->index, dst, buf, len);
	return route_and_enqueue(sim, n, dst, buf, len);
}

static int
io_wg_get(void *ctx, struct wg_device **out)
{
	struct sim_node *n = ctx;
	int rc = wg_fake_ops.get(n->fake, IFNAME, out);

	wg_fake_clear_ops(n->fake); /* the op log would grow forever */
	return rc;
}

static int
io_wg_set(void *ctx, const struct wg_device *delta)
{
	struct sim_node *n = ctx;
	struct wg_device *d = wg_device_clone(delta);
	int rc;

	if (d == NULL)
		return -ENOMEM;
	snprintf(d->name, sizeof(d->name), "%s", IFNAME);
	rc = wg_fake_ops.set(n->fake, d);
	wg_device_free(d);
	wg_fake_clear_ops(n->fake);
	n->index_dirty = true;
	return rc;
}

static int
io_route(void *ctx, const struct ipprefix *dst, bool add)
{
	struct sim_node *n = ctx;

	(void)dst;
	n->routes += add ? 1 : -1;
	return 0;
}

static void
io_forwarding(void *ctx, bool on)
{
	((struct sim_node *)ctx)->forwarding = on;
}

static size_t
io_candidates(void *ctx, struct endpoint *out, size_t max)
{
	struct sim_node *n = ctx;

	if (max == 0)
		return 0;
	out[0].addr = n->under;
	out[0].port = n->wg_port;
	return 1;
}

/* ---------------------------------------------------------------- lifecycle */

struct meshsim *
meshsim_new(struct ev_loop *loop, uint64_t seed, const char *subnet,
            const struct mesh_params *params)
{
	struct meshsim *sim = calloc(1, sizeof(*sim));
	uint8_t zero_id[IDENTITY_ID_LEN] = {0};
	struct ipaddr probe;
	size_t i;

	if (sim == NULL)
		return NULL;
	sim->loop = loop;
	sim->rng = seed;
	if (params != NULL)
		sim->params = *params;
	else
		mesh_params_default(&sim->params);
	if (ipprefix_parse(&sim->subnet, subnet, false) < 0) {
		free(sim);
		return NULL;
	}
	for (i = 0; i < CONFIG_KEY_LEN; i += 8) {
		uint64_t r = rng_next(sim);

		memcpy(sim->shared_key + i, &r, 8);
	}
	mesh_probe_address(sim->shared_key, zero_id, &probe);
	memcpy(sim->probe_prefix, probe.bytes, 8);
	sim->nsites = 1; /* site 0: the internet */
	ev_timer_init(&sim->deliver_w, deliver_cb, 0., 0.);
	ev_timer_init(&sim->sweep_w, sweep_cb, SWEEP_S, SWEEP_S);
	ev_timer_start(loop, &sim->sweep_w);
	return sim;
}

static void
node_down(struct sim_node *n)
{
	if (n->mesh != NULL)
		mesh_free(n->mesh);
	n->mesh = NULL;
	wg_fake_free(n->fake);
	n->fake = NULL;
	n->dev = NULL;
	n->index_dirty = true;
	n->forwarding = false;
	n->routes = 0;
}

void
meshsim_free(struct meshsim *sim)
{
	unsigned i;

	if (sim == NULL)
		return;
	ev_timer_stop(sim->loop, &sim->deliver_w);
	ev_timer_stop(sim->loop, &sim->sweep_w);
	for (i = 0; i < sim->nnodes; i++) {
		struct sim_node *n = sim->nodes[i];

		node_down(n);
		identity_free(n->id);
		config_free(n->cfg);
		free(n->statics);
		free(n->aips);
		free(n->keys);
		free(n->wide);
		free(n->wide_peer);
		free(n);
	}
	for (i = 0; i < sim->nsites; i++)
		free(sim->sites[i].maps);
	while (sim->nheap > 0)
		free(heap_pop(sim));
	free(sim->heap);
	free(sim->nodes);
	free(sim->pairs);
	kmap_free(&sim->by_wgkey);
	config_free(sim->cfg);
	sodium_memzero(sim->shared_key, sizeof(sim->shared_key));
	free(sim);
}

int
meshsim_site_add(struct meshsim *sim, enum meshsim_nat nat)
{
	struct site *s;
	unsigned k;

	if (sim->nsites > MESHSIM_MAX_SITES)
		return -ENOSPC;
	k = sim->nsites++;
	s = &sim->sites[k];
	memset(s, 0, sizeof(*s));
	s->nat = nat;
	if (nat != MESHSIM_NAT_NONE) {
		s->public.family = AF_INET;
		s->public.bytes[0] = 198;
		s->public.bytes[1] = 51;
		s->public.bytes[2] = 100;
		s->public.bytes[3] = (uint8_t)(100 + k);
	}
	return (int)k;
}

int
meshsim_node_add(struct meshsim *sim, const struct meshsim_node_opts *o)
{
	struct sim_node *n;
	struct site *s;
	uint8_t host;
	int rc;

	if (o->name == NULL || !config_name_valid(o->name) || o->address == NULL ||
	    o->site >= sim->nsites)
		return -EINVAL;
	if (o->is_static && sim->cfg != NULL)
		return -EBUSY;
	s = &sim->sites[o->site];
	if (o->site == 0 ? s->nhosts >= MESHSIM_PUBLIC_MAX : s->nhosts >= MESHSIM_SITE_HOSTS)
		return -ENOSPC;
	if (grow((void **)&sim->nodes, &sim->nodes_cap, sim->nnodes + 1, sizeof(*sim->nodes)) < 0)
		return -ENOMEM;
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	n->sim = sim;
	n->index = sim->nnodes;
	snprintf(n->name, sizeof(n->name), "%s", o->name);
	if (ipaddr_parse(&n->addr, o->address) < 0 || !ipprefix_contains(&sim->subnet, &n->addr)) {
		free(n);
		return -EINVAL;
	}
	if ((rc = identity_generate(&n->id)) < 0) {
		free(n);
		return rc;
	}
	if (o->nstatics > 0) {
		size_t k;

		n->statics = calloc(o->nstatics, sizeof(*n->statics));
		for (k = 0; n->statics != NULL && k < o->nstatics; k++)
			if (o->statics[k] >= sim->nnodes)
				break;
		if (n->statics == NULL || k < o->nstatics) {
			rc = n->statics == NULL ? -ENOMEM : -EINVAL;
			free(n->statics);
			identity_free(n->id);
			free(n);
			return rc;
		}
		memcpy(n->statics, o->statics, o->nstatics * sizeof(*n->statics));
		n->nstatics = o->nstatics;
	}
	n->site = o->site;
	n->is_static = o->is_static;
	n->mobile = o->mobile;
	n->wg_port = o->wg_port ? o->wg_port : config_default_wg_port(&n->addr);
	n->admin_port = o->admin_port ? o->admin_port : config_default_admin_port(&n->addr);
	host = (uint8_t)(o->site == 0 ? 1 + s->nhosts : 10 + s->nhosts);
	n->under.family = AF_INET;
	n->under.bytes[0] = o->site == 0 ? 198 : 192;
	n->under.bytes[1] = o->site == 0 ? 51 : 168;
	n->under.bytes[2] = o->site == 0 ? 100 : (uint8_t)o->site;
	n->under.bytes[3] = host;
	mesh_probe_address(sim->shared_key, identity_node_id(n->id), &n->probe);
	n->index_dirty = true;
	if (kmap_put(&sim->by_wgkey, key64(identity_wg_public(n->id)), n->index) < 0) {
		identity_free(n->id);
		free(n);
		return -ENOMEM;
	}
	s->hosts[host] = n;
	s->nhosts++;
	sim->nodes[sim->nnodes++] = n;
	return (int)n->index;
}

unsigned
meshsim_node_count(const struct meshsim *sim)
{
	return sim->nnodes;
}

/* A net.yaml listing nodes[0..n) as static peers, parsed by the real parser. */
static int
build_config(struct meshsim *sim, struct sim_node *const *nodes, size_t n,
             const struct config **out)
{
	char key[sodium_base64_ENCODED_LEN(CONFIG_KEY_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char subnet[IPPREFIX_STRLEN], a[IPADDR_STRLEN], u[IPADDR_STRLEN];
	struct config_diag *d;
	size_t cap = 256 + 128 * n, len, i;
	char *text = malloc(cap);
	int rc;

	if (text == NULL)
		return -ENOMEM;
	sodium_bin2base64(key, sizeof(key), sim->shared_key, CONFIG_KEY_LEN,
	                  sodium_base64_VARIANT_ORIGINAL);
	len = (size_t)snprintf(text, cap, "network:\n  sharedKey: %s\n  subnet: %s\npeers:\n", key,
	                       ipprefix_fmt(&sim->subnet, subnet, sizeof(subnet)));
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(
		    text + len, cap - len, "  - endPoint: %s:%u\n    adminPort: %u\n    wgIp: %s\n",
		    ipaddr_fmt(&nodes[i]->under, u, sizeof(u)), nodes[i]->wg_port,
		    nodes[i]->admin_port, ipaddr_fmt(&nodes[i]->addr, a, sizeof(a)));
	d = malloc(sizeof(*d));
	if (d == NULL) {
		sodium_memzero(text, cap);
		free(text);
		return -ENOMEM;
	}
	config_diag_init(d);
	rc = config_parse_net_buf("meshsim net.yaml", text, len, out, d);
	if (rc < 0 && d->nerrors > 0)
		fprintf(stderr, "meshsim: net.yaml: %s\n", d->errors[0]);
	sodium_memzero(text, cap);
	free(text);
	free(d);
	return rc;
}

/* The shared net.yaml (every is_static node), built once. */
static int
shared_config(struct meshsim *sim)
{
	struct sim_node **v;
	size_t n = 0;
	unsigned i;
	int rc;

	if (sim->cfg != NULL)
		return 0;
	v = calloc(sim->nnodes ? sim->nnodes : 1, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (i = 0; i < sim->nnodes; i++)
		if (sim->nodes[i]->is_static)
			v[n++] = sim->nodes[i];
	rc = build_config(sim, v, n, &sim->cfg);
	free(v);
	return rc;
}

/* A node's own net.yaml when it lists its own static peers. */
static int
own_config(struct meshsim *sim, struct sim_node *n)
{
	struct sim_node **v;
	size_t i;
	int rc;

	if (n->cfg != NULL || n->nstatics == 0)
		return 0;
	v = calloc(n->nstatics, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (i = 0; i < n->nstatics; i++)
		v[i] = sim->nodes[n->statics[i]];
	rc = build_config(sim, v, n->nstatics, &n->cfg);
	free(v);
	return rc;
}

int
meshsim_node_start(struct meshsim *sim, unsigned i)
{
	struct sim_node *n;
	struct mesh_self_config mc;
	struct wg_device *init;
	struct mesh_io io;
	int rc;

	if (i >= sim->nnodes)
		return -EINVAL;
	n = sim->nodes[i];
	if (running(n))
		return -EALREADY;
	if ((rc = n->nstatics > 0 ? own_config(sim, n) : shared_config(sim)) < 0)
		return rc;
	n->fake = wg_fake_new();
	if (n->fake == NULL)
		return -ENOMEM;
	init = wg_device_new(IFNAME);
	if (init == NULL || wg_fake_add_device(n->fake, IFNAME) < 0) {
		wg_device_free(init);
		node_down(n);
		return -ENOMEM;
	}
	memcpy(init->private_key, identity_wg_private(n->id), WG_KEY_LEN);
	init->listen_port = n->wg_port;
	init->flags = WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT;
	rc = wg_fake_ops.set(n->fake, init);
	wg_device_free(init);
	wg_fake_clear_ops(n->fake);
	n->dev = wg_fake_device(n->fake, IFNAME);
	n->index_dirty = true;
	if (rc < 0) {
		node_down(n);
		return rc;
	}
	memset(&mc, 0, sizeof(mc));
	mc.net = n->cfg != NULL ? n->cfg : sim->cfg;
	mc.name = n->name;
	mc.address = n->addr;
	mc.wg_port = n->wg_port;
	mc.admin_port = n->admin_port;
	mc.mobile = n->mobile;
	mc.epoch = ++n->epoch;
	memset(&io, 0, sizeof(io));
	io.ctx = n;
	io.send = io_send;
	io.wg_get = io_wg_get;
	io.wg_set = io_wg_set;
	io.route = io_route;
	io.forwarding = io_forwarding;
	io.candidates = io_candidates;
	n->mesh = mesh_new(sim->loop, &mc, n->id, &io, &sim->params);
	if (n->mesh == NULL) {
		node_down(n);
		return -ENOMEM;
	}
	return mesh_start(n->mesh);
}

int
meshsim_start_all(struct meshsim *sim)
{
	unsigned i;
	int rc;

	for (i = 0; i < sim->nnodes; i++)
		if (!running(sim->nodes[i]) && (rc = meshsim_node_start(sim, i)) < 0)
			return rc;
	return 0;
}

void
meshsim_node_stop(struct meshsim *sim, unsigned i)
{
	struct sim_node *n = sim->nodes[i];

	if (!running(n))
		return;
	mesh_stop(n->mesh); /* the BYEs are routed now, delivered later */
	node_down(n);
}

void
meshsim_node_kill(struct meshsim *sim, unsigned i)
{
	node_down(sim->nodes[i]);
}

void
meshsim_core_free(struct meshsim *sim, unsigned i)
{
	struct sim_node *n = sim->nodes[i];

	if (n->mesh != NULL)
		mesh_free(n->mesh);
	n->mesh = NULL;
}

int
meshsim_node_restart(struct meshsim *sim, unsigned i)
{
	node_down(sim->nodes[i]);
	return meshsim_node_start(sim, i);
}

bool
meshsim_node_running(const struct meshsim *sim, unsigned i)
{
	return i < sim->nnodes && running(sim->nodes[i]);
}

struct mesh *
meshsim_mesh(const struct meshsim *sim, unsigned i)
{
	return i < sim->nnodes ? sim->nodes[i]->mesh : NULL;
}

const struct identity *
meshsim_identity(const struct meshsim *sim, unsigned i)
{
	return sim->nodes[i]->id;
}

const struct ipaddr *
meshsim_address(const struct meshsim *sim, unsigned i)
{
	return &sim->nodes[i]->addr;
}

const struct ipaddr *
meshsim_underlay(const struct meshsim *sim, unsigned i)
{
	return &sim->nodes[i]->under;
}

const struct config *
meshsim_config(const struct meshsim *sim)
{
	return sim->cfg;
}

bool
meshsim_forwarding(const struct meshsim *sim, unsigned i)
{
	return sim->nodes[i]->forwarding;
}

long
meshsim_routes(const struct meshsim *sim, unsigned i)
{
	return sim->nodes[i]->routes;
}

uint64_t
meshsim_node_sent_bytes(const struct meshsim *sim, unsigned i)
{
	return sim->nodes[i]->sent_bytes;
}

const struct meshsim_stats *
meshsim_stats(const struct meshsim *sim)
{
	return &sim->stats;
}

/* ---------------------------------------------------------------- queries */

const struct node *
meshsim_view(const struct meshsim *sim, unsigned i, unsigned j)
{
	struct mesh *m = meshsim_mesh(sim, i);
	const uint8_t *id = identity_node_id(sim->nodes[j]->id);
	uint32_t k, span;

	if (m == NULL)
		return NULL;
	span = mesh_node_span(m);
	for (k = 0; k < span; k++) {
		const struct node *x = mesh_node_at(m, k);

		if (x != NULL && memcmp(x->id, id, MESH_ID_LEN) == 0)
			return x;
	}
	return NULL;
}

int
meshsim_reach(struct meshsim *sim, unsigned from, const struct ipaddr *to, unsigned *path,
              size_t max)
{
	struct sim_node *s, *d = NULL, *back = NULL;
	int hops, rc;

	if (from >= sim->nnodes || !running(sim->nodes[from]))
		return -ESRCH;
	s = sim->nodes[from];
	hops = overlay_walk(sim, s, &s->addr, to, 64, &d, path, max);
	if (hops < 0)
		return hops;
	rc = overlay_walk(sim, d, to, &s->addr, 64, &back, NULL, 0);
	if (rc < 0)
		return rc;
	return back == s ? hops : -EHOSTUNREACH;
}

int
meshsim_reach_node(struct meshsim *sim, unsigned from, unsigned to, unsigned *path, size_t max)
{
	return meshsim_reach(sim, from, &sim->nodes[to]->addr, path, max);
}

static const char *
link_state_name(const struct link *l)
{
	if (l == NULL)
		return "none";
	return l->state == LINK_UP ? "up" : l->state == LINK_DOWN ? "down" : "trying";
}

bool
meshsim_converged_why(struct meshsim *sim, char *why, size_t len)
{
	unsigned i, j;

	for (i = 0; i < sim->nnodes; i++) {
		if (!running(sim->nodes[i]))
			continue;
		for (j = 0; j < sim->nnodes; j++) {
			const struct node *v;
			int rc;

			if (i == j || !running(sim->nodes[j]))
				continue;
			v = meshsim_view(sim, i, j);
			if (v == NULL || !v->has_record || v->conflict[0] != '\0' || v->left ||
			    (v->state != NODE_DIRECT && v->state != NODE_VIA_GATEWAY)) {
				if (why != NULL)
					snprintf(why, len, "%s sees %s: %s%s%s, link %s",
					         sim->nodes[i]->name, sim->nodes[j]->name,
					         v == NULL        ? "unknown"
					         : !v->has_record ? "no record"
					                          : node_state_name(v->state),
					         v != NULL && v->left ? ", left" : "",
					         v != NULL && v->conflict[0] ? ", conflict" : "",
					         link_state_name(v != NULL ? v->link : NULL));
				return false;
			}
			if ((rc = meshsim_reach_node(sim, i, j, NULL, 0)) < 0) {
				if (why != NULL)
					snprintf(why, len, "%s cannot reach %s: %s",
					         sim->nodes[i]->name, sim->nodes[j]->name,
					         strerror(-rc));
				return false;
			}
		}
	}
	if (why != NULL)
		snprintf(why, len, "converged");
	return true;
}

bool
meshsim_converged(struct meshsim *sim)
{
	return meshsim_converged_why(sim, NULL, 0);
}

struct run_ctx {
	struct meshsim *sim;
	bool (*pred)(struct meshsim *, void *);
	void *arg;
	bool done, timed_out;
	ev_timer check_w, timeout_w;
};

static void
check_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct run_ctx *c = (struct run_ctx *)((char *)w - offsetof(struct run_ctx, check_w));

	(void)revents;
	if (c->pred != NULL && c->pred(c->sim, c->arg)) {
		c->done = true;
		ev_break(loop, EVBREAK_ONE);
	}
}

static void
timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct run_ctx *c = (struct run_ctx *)((char *)w - offsetof(struct run_ctx, timeout_w));

	(void)revents;
	c->timed_out = true;
	ev_break(loop, EVBREAK_ONE);
}

int
meshsim_run_until(struct meshsim *sim, bool (*pred)(struct meshsim *, void *), void *arg,
                  double timeout)
{
	struct run_ctx c;

	if (pred != NULL && pred(sim, arg))
		return 0;
	memset(&c, 0, sizeof(c));
	c.sim = sim;
	c.pred = pred;
	c.arg = arg;
	ev_now_update(sim->loop);
	ev_timer_init(&c.check_w, check_cb, 0.01, 0.01);
	ev_timer_init(&c.timeout_w, timeout_cb, timeout, 0.);
	ev_timer_start(sim->loop, &c.check_w);
	ev_timer_start(sim->loop, &c.timeout_w);
	while (!c.done && !c.timed_out)
		ev_run(sim->loop, 0);
	ev_timer_stop(sim->loop, &c.check_w);
	ev_timer_stop(sim->loop, &c.timeout_w);
	return c.done ? 0 : -ETIMEDOUT;
}

void
meshsim_run_for(struct meshsim *sim, double s)
{
	meshsim_run_until(sim, NULL, NULL, s);
}

/* ---------------------------------------------------------------- knobs */

void
meshsim_set_loss(struct meshsim *sim, double loss)
{
	sim->loss = loss;
}

void
meshsim_set_latency(struct meshsim *sim, double latency)
{
	sim->latency = latency;
}

int
meshsim_link_set(struct meshsim *sim, unsigned a, unsigned b, double loss, double latency)
{
	struct pair_opt *v = realloc(sim->pairs, (sim->npairs + 1) * sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	sim->pairs = v;
	v[sim->npairs].a = a;
	v[sim->npairs].b = b;
	v[sim->npairs].loss = loss;
	v[sim->npairs].latency = latency;
	sim->npairs++;
	return 0;
}

void
meshsim_set_tap(struct meshsim *sim, meshsim_tap_fn fn, void *arg)
{
	sim->tap = fn;
	sim->tap_arg = arg;
}

int
meshsim_inject(struct meshsim *sim, unsigned from, const struct endpoint *dst, const uint8_t *buf,
               size_t len)
{
	struct sim_node *s, *to = NULL;
	struct endpoint src;
	uint16_t port;

	if (from >= sim->nnodes)
		return -EINVAL;
	s = sim->nodes[from];
	if (underlay_route(sim, s, s->admin_port, dst, &to, &port, &src) < 0) {
		sim->stats.unroutable++;
		return -EHOSTUNREACH;
	}
	return enqueue(sim, s, to, port, &src, buf, len);
}

uint64_t
meshsim_dropped(const struct meshsim *sim, unsigned i, const char *reason)
{
	unsigned k;

	for (k = 0; mesh_drop_reason_name(k) != NULL; k++)
		if (strcmp(mesh_drop_reason_name(k), reason) == 0)
			return mesh_stats(meshsim_mesh(sim, i))->dropped[k];
	return UINT64_MAX;
}

void
meshsim_params_fast(struct mesh_params *p)
{
	mesh_params_default(p);
	p->tick = 0.05;
	p->ping_interval = 0.2;
	p->dead_interval = 0.6;
	p->hello_min = 0.1;
	p->hello_max = 0.4;
	p->sync_interval = 1.0;
	p->wg_poll = 0.05;
	p->conflict_grace = 1.0;
	p->link_holddown = 0.3;
	p->gc_after = 60;
	p->direct_paths = false;
}
