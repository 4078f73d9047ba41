/*
 * node: node table storage. Nodes live in a slot array by index (a free list
 * reuses indices) and in an open-addressing hash of indices keyed by the
 * first 8 bytes of the id (ids are public keys: uniformly distributed, and
 * a collision only costs a probe). See node.h.
 *
 * A second open-addressing hash indexes the nodes that hold a record by
 * their overlay address (a multimap: two records may name one address while
 * a conflict is being settled; lookups return the lowest index, as a scan
 * would). It is kept by node_set_record() and node_remove(); records without
 * an address are not indexed.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "src/node.h"
#include "src/route.h"

#define EMPTY UINT32_MAX
#define TOMB (UINT32_MAX - 1)

struct node_table {
	struct node **slots; /* by index */
	uint32_t nslots;     /* allocated */
	uint32_t span;       /* one past the highest used index */
	uint32_t *free_list;
	uint32_t nfree;
	size_t count;

	uint32_t *hash; /* indices, EMPTY or TOMB */
	uint32_t hash_cap; /* power of two */
	uint32_t hash_used; /* live + tombstones */

	uint32_t *addr_hash; /* indices by overlay address, EMPTY or TOMB */
	uint32_t addr_cap;   /* power of two */
	uint32_t addr_used;  /* live + tombstones */
};

static uint64_t
id_hash(const uint8_t id[MESH_ID_LEN])
{
	uint64_t h;

	memcpy(&h, id, sizeof(h));
	return h;
}

struct node_table *
node_table_new(void)
{
	struct node_table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->hash_cap = 64;
	t->hash = malloc(t->hash_cap * sizeof(*t->hash));
	if (t->hash == NULL) {
		free(t);
		return NULL;
	}
	memset(t->hash, 0xff, t->hash_cap * sizeof(*t->hash));
	t->addr_cap = 64;
	t->addr_hash = malloc(t->addr_cap * sizeof(*t->addr_hash));
	if (t->addr_hash == NULL) {
		free(t->hash);
		free(t);
		return NULL;
	}
	memset(t->addr_hash, 0xff, t->addr_cap * sizeof(*t->addr_hash));
	return t;
}

static void
node_free(struct node *n)
{
	lsfrag_set_free(&n->ls);
	free(n->link);
	free(n);
}

void
node_table_free(struct node_table *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->span; i++)
		if (t->slots[i] != NULL)
			node_free(t->slots[i]);
	free(t->slots);
	free(t->free_list);
	free(t->hash);
	free(t->addr_hash);
	free(t);
}

/* Position of id in the hash, or of the first free/tomb slot for it. */
static uint32_t
hash_probe(const struct node_table *t, const uint8_t id[MESH_ID_LEN], bool *found)
{
	uint32_t mask = t->hash_cap - 1, i = (uint32_t)id_hash(id) & mask, tomb = EMPTY;

	*found = false;
	for (;;) {
		uint32_t v = t->hash[i];

		if (v == EMPTY)
			return tomb != EMPTY ? tomb : i;
		if (v == TOMB) {
			if (tomb == EMPTY)
				tomb = i;
		} else if (memcmp(t->slots[v]->id, id, MESH_ID_LEN) == 0) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

static int
hash_grow(struct node_table *t)
{
	uint32_t old_cap = t->hash_cap, *old = t->hash, i;

	t->hash_cap = old_cap * 2;
	t->hash = malloc(t->hash_cap * sizeof(*t->hash));
	if (t->hash == NULL) {
		t->hash = old;
		t->hash_cap = old_cap;
		return -ENOMEM;
	}
	memset(t->hash, 0xff, t->hash_cap * sizeof(*t->hash));
	t->hash_used = 0;
	for (i = 0; i < old_cap; i++) {
		bool found;

		if (old[i] == EMPTY || old[i] == TOMB)
			continue;
		t->hash[hash_probe(t, t->slots[old[i]]->id, &found)] = old[i];
		t->hash_used++;
	}
	free(old);
	return 0;
}

/* ---- overlay address index ------------------------------------------------- */

static bool
addr_indexed(const struct ipaddr *a)
{
	return a->family == AF_INET || a->family == AF_INET6;
}

static uint32_t
addr_hash(const struct ipaddr *a)
{
	size_t len = a->family == AF_INET ? 4 : 16, i;
	uint32_t h = 2166136261u ^ (uint32_t)a->family;

	for (i = 0; i < len; i++)
		h = (h ^ a->bytes[i]) * 16777619u;
	return h;
}

static void
addr_put(uint32_t *hash, uint32_t cap, const struct ipaddr *a, uint32_t index)
{
	uint32_t mask = cap - 1, i = addr_hash(a) & mask;

	while (hash[i] != EMPTY && hash[i] != TOMB)
		i = (i + 1) & mask;
	hash[i] = index;
}

/* Rebuild at a capacity for twice the live entries (drops tombstones). */
static int
addr_rehash(struct node_table *t)
{
	uint32_t cap = 64, live = 0, i, *h;

	for (i = 0; i < t->addr_cap; i++)
		live += t->addr_hash[i] != EMPTY && t->addr_hash[i] != TOMB;
	while (cap < 4 * (live + 1))
		cap *= 2;
	h = malloc(cap * sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	memset(h, 0xff, cap * sizeof(*h));
	for (i = 0; i < t->addr_cap; i++) {
		uint32_t v = t->addr_hash[i];

		if (v != EMPTY && v != TOMB)
			addr_put(h, cap, &t->slots[v]->rec.addr, v);
	}
	free(t->addr_hash);
	t->addr_hash = h;
	t->addr_cap = cap;
	t->addr_used = live;
	return 0;
}

/* n->rec.addr into the index. On ENOMEM the index keeps working, without n. */
static void
addr_index(struct node_table *t, struct node *n)
{
	if (!addr_indexed(&n->rec.addr))
		return;
	if ((t->addr_used + 1) * 4 > t->addr_cap * 3 && addr_rehash(t) < 0)
		return;
	addr_put(t->addr_hash, t->addr_cap, &n->rec.addr, n->index);
	t->addr_used++;
}

static void
addr_unindex(struct node_table *t, const struct node *n)
{
	uint32_t mask = t->addr_cap - 1, i;

	if (!addr_indexed(&n->rec.addr))
		return;
	for (i = addr_hash(&n->rec.addr) & mask; t->addr_hash[i] != EMPTY; i = (i + 1) & mask)
		if (t->addr_hash[i] == n->index) {
			t->addr_hash[i] = TOMB;
			return;
		}
}

struct node *
node_find(const struct node_table *t, const uint8_t id[MESH_ID_LEN])
{
	bool found;
	uint32_t pos = hash_probe(t, id, &found);

	return found ? t->slots[t->hash[pos]] : NULL;
}

static int
alloc_index(struct node_table *t, uint32_t *index)
{
	if (t->nfree > 0) {
		*index = t->free_list[--t->nfree];
		return 0;
	}
	if (t->span == t->nslots) {
		uint32_t cap = t->nslots ? t->nslots * 2 : 64;
		struct node **slots = realloc(t->slots, cap * sizeof(*slots));
		uint32_t *fl;

		if (slots == NULL)
			return -ENOMEM;
		t->slots = slots;
		fl = realloc(t->free_list, cap * sizeof(*fl));
		if (fl == NULL)
			return -ENOMEM;
		t->free_list = fl;
		t->nslots = cap;
	}
	*index = t->span++;
	return 0;
}

struct node *
node_get(struct node_table *t, const uint8_t id[MESH_ID_LEN], bool *created)
{
	struct node *n;
	uint32_t pos, index;
	bool found;

	if (created != NULL)
		*created = false;
	pos = hash_probe(t, id, &found);
	if (found)
		return t->slots[t->hash[pos]];
	if ((t->hash_used + 1) * 4 > t->hash_cap * 3) {
		if (hash_grow(t) < 0)
			return NULL;
		pos = hash_probe(t, id, &found);
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL || alloc_index(t, &index) < 0) {
		free(n);
		return NULL;
	}
	memcpy(n->id, id, MESH_ID_LEN);
	identity_short(n->short_id, id);
	n->index = index;
	n->next_hop = ROUTE_NONE;
	n->cost = ROUTE_COST_INF;
	n->static_index = -1;
	replay_window_init(&n->replay);
	lsfrag_set_init(&n->ls, id);
	t->slots[index] = n;
	if (t->hash[pos] == EMPTY)
		t->hash_used++;
	t->hash[pos] = index;
	t->count++;
	if (created != NULL)
		*created = true;
	return n;
}

void
node_remove(struct node_table *t, struct node *n)
{
	bool found;
	uint32_t pos = hash_probe(t, n->id, &found);

	if (!found || t->slots[t->hash[pos]] != n)
		return;
	if (n->has_record)
		addr_unindex(t, n);
	t->hash[pos] = TOMB;
	t->slots[n->index] = NULL;
	t->free_list[t->nfree++] = n->index;
	t->count--;
	node_free(n);
}

struct node *
node_at(const struct node_table *t, uint32_t index)
{
	return index < t->span ? t->slots[index] : NULL;
}

uint32_t
node_table_span(const struct node_table *t)
{
	return t->span;
}

size_t
node_table_count(const struct node_table *t)
{
	return t->count;
}

struct node *
node_find_by_addr(const struct node_table *t, const struct ipaddr *a)
{
	uint32_t mask = t->addr_cap - 1, i, best = EMPTY;

	if (!addr_indexed(a)) {
		for (i = 0; i < t->span; i++) {
			struct node *n = t->slots[i];

			if (n != NULL && n->has_record && ipaddr_equal(&n->rec.addr, a))
				return n;
		}
		return NULL;
	}
	for (i = addr_hash(a) & mask; t->addr_hash[i] != EMPTY; i = (i + 1) & mask) {
		uint32_t v = t->addr_hash[i];

		if (v != TOMB && v < best && ipaddr_equal(&t->slots[v]->rec.addr, a))
			best = v;
	}
	return best != EMPTY ? t->slots[best] : NULL;
}

void
node_set_record(struct node_table *t, struct node *n, const struct mesh_node_record *rec)
{
	bool same = n->has_record && ipaddr_equal(&n->rec.addr, &rec->addr);

	if (n->has_record && !same)
		addr_unindex(t, n);
	if (&n->rec != rec)
		n->rec = *rec;
	if (!n->has_record || !same) {
		n->has_record = true;
		addr_index(t, n);
	}
}

const char *
node_state_name(enum node_state s)
{
	switch (s) {
	case NODE_UNKNOWN:
		return "unknown";
	case NODE_SELF:
		return "self";
	case NODE_DIRECT:
		return "direct";
	case NODE_VIA_GATEWAY:
		return "via gateway";
	case NODE_DOWN:
		return "down";
	case NODE_CONFLICT:
		return "conflict";
	}
	return "?";
}

const char *
link_kind_name(enum link_kind k)
{
	switch (k) {
	case LINK_STATIC:
		return "static";
	case LINK_CLIENT:
		return "client";
	case LINK_LAN:
		return "lan";
	case LINK_NAT:
		return "nat";
	}
	return "?";
}

const char *
node_label(const struct node *n)
{
	return n->has_record && n->rec.name[0] != '\0' ? n->rec.name : n->short_id;
}
