/*
 * route: link-state database and Dijkstra with a stable tie-break.
 * See route.h for the vocabulary and the rules.
 *
 * Invariants: each origin's links are kept sorted by neighbour index with no
 * duplicates, so the two-way check is a binary search. Absent nodes keep no
 * links. The heap is a lazy binary heap (stale entries skipped when popped).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "src/route.h"

struct lsdb_node {
	bool present;
	bool relay;
	uint8_t id[ROUTE_ID_LEN];
	struct route_link *links;
	size_t nlinks;
};

struct lsdb {
	struct lsdb_node *nodes;
	uint32_t capacity;
};

struct lsdb *
lsdb_new(uint32_t capacity)
{
	struct lsdb *db = calloc(1, sizeof(*db));

	if (db == NULL)
		return NULL;
	if (lsdb_reserve(db, capacity) < 0) {
		free(db);
		return NULL;
	}
	return db;
}

void
lsdb_free(struct lsdb *db)
{
	uint32_t i;

	if (db == NULL)
		return;
	for (i = 0; i < db->capacity; i++)
		free(db->nodes[i].links);
	free(db->nodes);
	free(db);
}

int
lsdb_reserve(struct lsdb *db, uint32_t capacity)
{
	struct lsdb_node *nodes;

	if (capacity <= db->capacity)
		return 0;
	nodes = realloc(db->nodes, (size_t)capacity * sizeof(*nodes));
	if (nodes == NULL)
		return -ENOMEM;
	memset(nodes + db->capacity, 0, (size_t)(capacity - db->capacity) * sizeof(*nodes));
	db->nodes = nodes;
	db->capacity = capacity;
	return 0;
}

uint32_t
lsdb_capacity(const struct lsdb *db)
{
	return db->capacity;
}

int
lsdb_node_set(struct lsdb *db, uint32_t node, const uint8_t id[ROUTE_ID_LEN], bool relay)
{
	if (node >= db->capacity)
		return -EINVAL;
	db->nodes[node].present = true;
	db->nodes[node].relay = relay;
	memcpy(db->nodes[node].id, id, ROUTE_ID_LEN);
	return 0;
}

void
lsdb_node_clear(struct lsdb *db, uint32_t node)
{
	if (node >= db->capacity)
		return;
	free(db->nodes[node].links);
	memset(&db->nodes[node], 0, sizeof(db->nodes[node]));
}

bool
lsdb_node_present(const struct lsdb *db, uint32_t node)
{
	return node < db->capacity && db->nodes[node].present;
}

static int
link_cmp(const void *a, const void *b)
{
	const struct route_link *x = a, *y = b;

	if (x->neighbour != y->neighbour)
		return x->neighbour < y->neighbour ? -1 : 1;
	return (int)x->cost - (int)y->cost;
}

/* Field by field: struct route_link has padding, which memcmp would read. */
static bool
links_equal(const struct route_link *a, const struct route_link *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].neighbour != b[i].neighbour || a[i].cost != b[i].cost)
			return false;
	return true;
}

int
lsdb_set_links(struct lsdb *db, uint32_t origin, const struct route_link *links, size_t n)
{
	struct lsdb_node *o;
	struct route_link *copy = NULL;
	size_t i, m = 0;

	if (origin >= db->capacity || !db->nodes[origin].present)
		return -EINVAL;
	o = &db->nodes[origin];
	if (n > 0) {
		copy = malloc(n * sizeof(*copy));
		if (copy == NULL)
			return -ENOMEM;
		memcpy(copy, links, n * sizeof(*copy));
		qsort(copy, n, sizeof(*copy), link_cmp);
		/* Keep the cheapest announcement per neighbour; cost 0 means 1. */
		for (i = 0; i < n; i++) {
			if (copy[i].cost == 0)
				copy[i].cost = 1;
			if (m > 0 && copy[m - 1].neighbour == copy[i].neighbour)
				continue;
			copy[m++] = copy[i];
		}
	}
	if (m == o->nlinks && links_equal(copy, o->links, m)) {
		free(copy);
		return 0;
	}
	free(o->links);
	o->links = copy;
	o->nlinks = m;
	return 1;
}

size_t
lsdb_links(const struct lsdb *db, uint32_t origin, const struct route_link **out)
{
	if (origin >= db->capacity) {
		*out = NULL;
		return 0;
	}
	*out = db->nodes[origin].links;
	return db->nodes[origin].nlinks;
}

static const struct route_link *
find_link(const struct lsdb_node *o, uint32_t neighbour)
{
	size_t lo = 0, hi = o->nlinks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (o->links[mid].neighbour == neighbour)
			return &o->links[mid];
		if (o->links[mid].neighbour < neighbour)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

uint32_t
lsdb_link_cost(const struct lsdb *db, uint32_t a, uint32_t b)
{
	const struct route_link *ab, *ba;

	if (a == b || !lsdb_node_present(db, a) || !lsdb_node_present(db, b))
		return ROUTE_COST_INF;
	ab = find_link(&db->nodes[a], b);
	ba = find_link(&db->nodes[b], a);
	if (ab == NULL || ba == NULL)
		return ROUTE_COST_INF;
	return ab->cost > ba->cost ? ab->cost : ba->cost;
}

void
route_table_clear(struct route_entry *table, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		table[i].next_hop = ROUTE_NONE;
		table[i].cost = ROUTE_COST_INF;
		table[i].hops = 0;
	}
}

/*
 * Equal-cost paths: every link's cost gets a small symmetric perturbation
 * (from the two ends' ids), and paths are compared by (cost, sum of
 * perturbations). Shortest paths are then unique — barring a collision of
 * sums — and the same from both ends, and a subpath of a shortest
 * path is the shortest path between its ends. So the path a -> b is the
 * reverse of b -> a, and each relay on it forwards along the same path: every
 * hop's WireGuard sees the source on the peer it routes that source to.
 * (A per-node tie-break, e.g. "smaller next hop", lets a route to b via g1
 * and b to a via g2, and g2's packets from b are then dropped by a's
 * WireGuard source filter.)
 */
static uint64_t
id_word(const uint8_t id[ROUTE_ID_LEN])
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < 8; i++)
		v = v << 8 | id[i];
	return v;
}

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint32_t
link_salt(const struct lsdb *db, uint32_t a, uint32_t b)
{
	/* a hash of the unordered pair of ids; < 2^18 */
	uint64_t x = id_word(db->nodes[a].id), y = id_word(db->nodes[b].id);

	if (x > y) {
		uint64_t t = x;

		x = y;
		y = t;
	}
	return (uint32_t)(mix(mix(x) + y) & 0x3ffff);
}

/* Path length: (cost << 32) + sum of salts; the salts of 16383 hops fit in 32 bits. */
static uint64_t
path_len(uint32_t cost, uint32_t salt)
{
	return (uint64_t)cost << 32 | salt;
}

struct heap_item {
	uint64_t dist;
	uint32_t node;
};

struct heap {
	struct heap_item *items;
	size_t len, cap;
};

static int
heap_push(struct heap *h, uint64_t dist, uint32_t node)
{
	size_t i;

	if (h->len == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct heap_item *items = realloc(h->items, cap * sizeof(*items));

		if (items == NULL)
			return -ENOMEM;
		h->items = items;
		h->cap = cap;
	}
	i = h->len++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (h->items[parent].dist <= dist)
			break;
		h->items[i] = h->items[parent];
		i = parent;
	}
	h->items[i].dist = dist;
	h->items[i].node = node;
	return 0;
}

static struct heap_item
heap_pop(struct heap *h)
{
	struct heap_item top = h->items[0], last = h->items[--h->len];
	size_t i = 0;

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= h->len)
			break;
		if (child + 1 < h->len && h->items[child + 1].dist < h->items[child].dist)
			child++;
		if (h->items[child].dist >= last.dist)
			break;
		h->items[i] = h->items[child];
		i = child;
	}
	if (h->len > 0)
		h->items[i] = last;
	return top;
}

int
route_compute(const struct lsdb *db, uint32_t self, struct route_entry *table)
{
	uint32_t n = db->capacity;
	uint32_t *salt = NULL;
	bool *done = NULL;
	struct heap h = { 0 };
	int rc = -ENOMEM;

	route_table_clear(table, n);
	if (self >= n || !db->nodes[self].present)
		return 0;
	salt = calloc(n, sizeof(*salt));
	done = calloc(n, sizeof(*done));
	if (salt == NULL || done == NULL)
		goto out;
	table[self].cost = 0;
	if (heap_push(&h, 0, self) < 0)
		goto out;

	while (h.len > 0) {
		struct heap_item it = heap_pop(&h);
		const struct lsdb_node *u = &db->nodes[it.node];
		size_t k;

		if (done[it.node] || it.dist != path_len(table[it.node].cost, salt[it.node]))
			continue;
		done[it.node] = true;
		/* Only self and relays forward traffic for others. */
		if (it.node != self && !u->relay)
			continue;
		for (k = 0; k < u->nlinks; k++) {
			uint32_t v = u->links[k].neighbour;
			uint32_t w, d, s, hop;
			uint64_t len;

			if (v >= n || v == self || done[v] || !db->nodes[v].present)
				continue;
			w = lsdb_link_cost(db, it.node, v);
			if (w == ROUTE_COST_INF)
				continue;
			d = table[it.node].cost + w;
			s = salt[it.node] + link_salt(db, it.node, v);
			len = path_len(d, s);
			hop = it.node == self ? v : table[it.node].next_hop;
			if (table[v].cost == ROUTE_COST_INF || len < path_len(table[v].cost, salt[v]) ||
			    (len == path_len(table[v].cost, salt[v]) &&
			     memcmp(db->nodes[hop].id, db->nodes[table[v].next_hop].id,
				    ROUTE_ID_LEN) < 0)) {
				table[v].cost = d;
				salt[v] = s;
				table[v].next_hop = hop;
				table[v].hops = (uint16_t)(table[it.node].hops + 1);
				if (heap_push(&h, len, v) < 0)
					goto out;
			}
		}
	}
	table[self].cost = 0;
	table[self].next_hop = ROUTE_NONE;
	rc = 0;
out:
	free(h.items);
	free(done);
	free(salt);
	return rc;
}
