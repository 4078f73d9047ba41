/*
 * lsfrag: per-fragment link state. An origin with 200 neighbours changes one
 * link: exactly one fragment is re-signed, and a receiver that gets only
 * that fragment holds the origin's table. Growth, repack, random operations
 * (every receiver table equals the origin's after each origination), loss
 * repaired by a floor-based resend, and every reject pinned to its errno.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/lsfrag.h"
#include "tests/tap.h"

#define POOL 400

static struct mesh_ls_neighbour pool[POOL];
static const struct identity *origin_id;

static int
nb_cmp(const void *a, const void *b)
{
	return memcmp(a, b, MESH_ID_LEN);
}

/* The origin's current neighbours: in[] flags over the pool, with costs. */
struct table {
	bool in[POOL];
	uint16_t cost[POOL];
};

static size_t
table_list(const struct table *t, struct mesh_ls_neighbour *out)
{
	size_t n = 0, i;

	for (i = 0; i < POOL; i++) {
		if (!t->in[i])
			continue;
		out[n] = pool[i];
		out[n].cost = t->cost[i];
		n++;
	}
	return n;
}

/* The receiver's merged table equals the origin's list (sorted)? */
static bool
same_table(const struct lsfrag_set *r, const struct table *t)
{
	struct mesh_ls_neighbour want[POOL], *got = NULL;
	size_t n = table_list(t, want), i;
	int k = lsfrag_set_table(r, &got);
	bool same = k >= 0 && (size_t)k == n;

	qsort(want, n, sizeof(want[0]), nb_cmp);
	for (i = 0; same && i < n; i++)
		same = memcmp(want[i].node_id, got[i].node_id, MESH_ID_LEN) == 0 &&
		       want[i].cost == got[i].cost && want[i].flags == got[i].flags;
	free(got);
	return same;
}

struct origin {
	struct lsfrag_set set;
	uint64_t seq;
};

/* Originate t; deliver the changed fragments to r (unless drop >= 0: that index is lost). */
static int
originate(struct origin *o, const struct table *t, struct lsfrag_set *r, int drop)
{
	struct mesh_ls_neighbour all[POOL];
	uint8_t changed[MESH_LS_MAX_FRAGS];
	size_t n = table_list(t, all);
	int k, i;

	k = lsfrag_set_originate(&o->set, origin_id, o->seq + 1, all, n, changed);
	if (k <= 0)
		return k;
	o->seq++;
	for (i = 0; i < k; i++) {
		struct mesh_link_state f;

		if (changed[i] == drop || !lsfrag_set_get(&o->set, changed[i], &f))
			continue;
		if (r != NULL && lsfrag_set_add(r, &f) != 1)
			return -EPROTO;
	}
	return k;
}

/* The answer to a SYNC_REQUEST carrying r's floor. */
static void
resend_after(const struct lsfrag_set *from, struct lsfrag_set *r)
{
	uint64_t floor = lsfrag_set_floor(r);
	unsigned i;

	for (i = 0; i < from->nfrags; i++) {
		struct mesh_link_state f;

		if (lsfrag_set_get(from, i, &f) && f.seq > floor)
			lsfrag_set_add(r, &f);
	}
}

static void
test_hub_200(void)
{
	struct origin o = {.seq = 1ULL << 32};
	struct lsfrag_set r;
	struct table t;
	unsigned i;
	int k;

	memset(&t, 0, sizeof(t));
	lsfrag_set_init(&o.set, identity_node_id(origin_id));
	lsfrag_set_init(&r, identity_node_id(origin_id));
	for (i = 0; i < 200; i++) {
		t.in[i] = true;
		t.cost[i] = 100;
	}
	is_int(originate(&o, &t, &r, -1), 8, "200 neighbours: 8 fragments originated");
	is_int(o.set.nfrags, 8, "200 neighbours: the origin holds 8 fragments");
	ok(same_table(&r, &t), "200 neighbours: the receiver's table is the origin's");
	ok(r.version == o.set.version && r.version != 0, "200 neighbours: same version");
	ok(lsfrag_set_complete(&r), "200 neighbours: receiver complete");

	t.cost[57] = 50;
	is_int(originate(&o, &t, &r, -1), 1, "one cost change: exactly one fragment flooded");
	ok(same_table(&r, &t), "one cost change: receiver's table is the origin's");
	t.in[123] = false;
	is_int(originate(&o, &t, &r, -1), 1, "one link down: exactly one fragment flooded");
	ok(same_table(&r, &t), "one link down: receiver's table is the origin's");
	t.in[300] = true;
	t.cost[300] = 10;
	is_int(originate(&o, &t, &r, -1), 1, "a new neighbour fills the hole: one fragment");
	ok(same_table(&r, &t), "new neighbour: receiver's table is the origin's");
	is_int(originate(&o, &t, &r, -1), 0, "nothing changed: nothing originated");
	is_int(o.set.nfrags, 8, "still 8 fragments");

	/* growth: 16 more do not fit in 8 x 27 = 216 */
	for (i = 200; i < 217; i++) {
		t.in[i] = true;
		t.cost[i] = 100;
	}
	k = originate(&o, &t, &r, -1);
	ok(k >= 1 && k <= 2, "17 new neighbours: one or two fragments (got %d)", k);
	is_int(o.set.nfrags, 9, "growth: a ninth fragment");
	is_int(r.nfrags, 9, "growth: the receiver takes the count from the newest fragment");
	ok(same_table(&r, &t), "growth: receiver's table is the origin's");
	ok(r.version == o.set.version, "growth: same version");

	/* shrink: holes of two fragments and more are packed away */
	for (i = 0; i < 160; i++)
		t.in[i] = false;
	k = originate(&o, &t, &r, -1);
	is_int(o.set.nfrags, 3, "repack: 58 neighbours in 3 fragments");
	is_int(k, 3, "repack: every fragment re-signed");
	is_int(r.nfrags, 3, "repack: the receiver drops the fragments past the count");
	ok(same_table(&r, &t), "repack: receiver's table is the origin's");
	ok(r.version == o.set.version, "repack: same version");

	/* withdraw everything: one empty fragment */
	memset(&t, 0, sizeof(t));
	originate(&o, &t, &r, -1);
	is_int(o.set.nfrags, 1, "no neighbours: one fragment");
	ok(same_table(&r, &t), "no neighbours: receiver's table is empty");
	lsfrag_set_free(&o.set);
	lsfrag_set_free(&r);
}

static void
test_random(void)
{
	struct origin o = {.seq = 3ULL << 32};
	struct lsfrag_set r, lossy;
	struct table t;
	unsigned step, bad = 0, single_bad = 0, lossy_bad = 0, repaired_bad = 0;

	memset(&t, 0, sizeof(t));
	lsfrag_set_init(&o.set, identity_node_id(origin_id));
	lsfrag_set_init(&r, identity_node_id(origin_id));
	lsfrag_set_init(&lossy, identity_node_id(origin_id));
	srand(7);
	for (step = 0; step < 600; step++) {
		unsigned ops = (unsigned)(rand() % 4 == 0 ? 1 + rand() % 40 : 1), i;
		uint8_t before = o.set.nfrags;
		int k;

		for (i = 0; i < ops; i++) {
			unsigned x = (unsigned)rand() % POOL;

			if (t.in[x] && rand() % 3 == 0) {
				t.cost[x] = (uint16_t)(1 + rand() % 200);
			} else {
				t.in[x] = !t.in[x];
				t.cost[x] = 100;
			}
		}
		k = originate(&o, &t, &r, -1);
		if (k < 0 || !same_table(&r, &t) || r.version != o.set.version)
			bad++;
		/* one operation changes at most two fragments (new count, or a repack) */
		if (ops == 1 && k > 1 && o.set.nfrags == before && k != o.set.nfrags)
			single_bad++;
		/* the lossy receiver misses the changed fragment of every 7th origination */
		if (k > 0) {
			unsigned j;

			for (j = 0; j < o.set.nfrags; j++) {
				struct mesh_link_state f;

				if (step % 7 == 3 || !lsfrag_set_get(&o.set, j, &f) ||
				    f.seq != o.set.max_seq)
					continue;
				lsfrag_set_add(&lossy, &f);
			}
		}
		if (step % 7 == 3 && lossy.version == o.set.version && k > 0)
			lossy_bad++; /* a loss must show in the version */
		if (step % 50 == 49) {
			resend_after(&o.set, &lossy);
			if (lossy.version != o.set.version || !same_table(&lossy, &t))
				repaired_bad++;
		}
	}
	is_int(bad, 0, "600 random originations: receiver table and version equal each time");
	is_int(single_bad, 0, "a single change re-signs one fragment (unless the count moves)");
	is_int(lossy_bad, 0, "a lost fragment always shows as a different version");
	is_int(repaired_bad, 0, "fragments newer than the floor repair every loss");
	lsfrag_set_free(&o.set);
	lsfrag_set_free(&r);
	lsfrag_set_free(&lossy);
}

static void
test_rejects(const struct identity *other)
{
	struct mesh_ls_neighbour nb[40];
	struct lsfrag_set o, r;
	struct mesh_link_state f, g;
	uint8_t changed[MESH_LS_MAX_FRAGS];
	unsigned i;

	for (i = 0; i < 40; i++)
		nb[i] = pool[i];
	lsfrag_set_init(&o, identity_node_id(origin_id));
	lsfrag_set_init(&r, identity_node_id(origin_id));
	is_int(lsfrag_set_originate(&o, origin_id, 5ULL << 32 | 1, nb, 40, changed), 2,
	       "40 neighbours: 2 fragments");
	lsfrag_set_get(&o, 0, &f);
	is_int(lsfrag_set_check(&r, &f), 1, "check: fragment 0 would change the set");
	ok(!lsfrag_set_holds(&r, &f), "holds: not fragment 0 yet");
	is_int(lsfrag_set_add(&r, &f), 1, "fragment 0 accepted");
	is_int(lsfrag_set_check(&r, &f), -EALREADY, "check: fragment 0 again: -EALREADY");
	is_int(lsfrag_set_add(&r, &f), -EALREADY, "fragment 0 again: -EALREADY");
	ok(lsfrag_set_holds(&r, &f), "holds: fragment 0 as signed");
	g = f;
	g.n[5].flags ^= MESH_LS_LAN;
	ok(!lsfrag_set_holds(&r, &g), "holds: not with one flag changed");
	is_int(lsfrag_set_check(&r, &g), -EALREADY, "check: a same-seq copy is -EALREADY");
	g = f;
	g.sig[0] ^= 1;
	ok(!lsfrag_set_holds(&r, &g), "holds: not with another signature");
	g = f;
	g.frag = 1;
	ok(!lsfrag_set_holds(&r, &g), "holds: not a fragment not held");
	ok(!lsfrag_set_complete(&r), "one of two: not complete");
	is_int(lsfrag_set_floor(&r), 0, "incomplete: floor 0 (send me everything)");
	g = f;
	g.frag = 2;
	is_int(lsfrag_set_add(&r, &g), -EINVAL, "fragment index >= count: -EINVAL");
	g = f;
	g.nfrags = 0;
	is_int(lsfrag_set_add(&r, &g), -EINVAL, "count 0: -EINVAL");
	g = f;
	g.count = MESH_LS_PER_FRAG + 1;
	is_int(lsfrag_set_add(&r, &g), -EINVAL, "28 entries: -EINVAL");
	g = f;
	memcpy(g.origin, identity_node_id(other), MESH_ID_LEN);
	is_int(lsfrag_set_add(&r, &g), -EINVAL, "another origin: -EINVAL");
	g = f;
	g.seq = 4ULL << 32 | 9;
	is_int(lsfrag_set_check(&r, &g), -ESTALE, "check: older epoch: -ESTALE");
	is_int(lsfrag_set_add(&r, &g), -ESTALE, "older epoch: -ESTALE");
	g = f;
	g.seq = 7ULL << 32 | 1;
	is_int(lsfrag_set_check(&r, &g), 1, "check: newer epoch would change the set");
	is_int(r.nfrags, 2, "check: changes nothing itself");
	g = f;
	g.seq = 5ULL << 32;
	g.frag = 1;
	g.nfrags = 2;
	r.nfrags = 1; /* as if the count had shrunk since */
	is_int(lsfrag_set_add(&r, &g), -ESTALE, "older fragment past the current count: -ESTALE");
	r.nfrags = 2;
	lsfrag_set_get(&o, 1, &f);
	is_int(lsfrag_set_add(&r, &f), 1, "fragment 1 accepted");
	ok(lsfrag_set_complete(&r), "complete");
	is_int(lsfrag_set_floor(&r), (long long)(5ULL << 32 | 1), "floor = the oldest seq");
	/* a restart: the new epoch replaces the whole set */
	lsfrag_set_clear(&o);
	is_int(lsfrag_set_originate(&o, origin_id, 6ULL << 32 | 1, nb, 3, changed), 1,
	       "restarted origin: one fragment");
	lsfrag_set_get(&o, 0, &f);
	is_int(lsfrag_set_add(&r, &f), 1, "new epoch accepted");
	is_int(r.nfrags, 1, "new epoch: the old fragments are gone");
	ok(r.version == o.version, "new epoch: same version as the origin");
	is_int(lsfrag_set_originate(&o, origin_id, 6ULL << 32 | 2, pool, MESH_LS_MAX_NEIGHBOURS + 1,
	                            changed),
	       -E2BIG, "more than MESH_LS_MAX_NEIGHBOURS: -E2BIG");
	lsfrag_set_clear(&r);
	is_int(r.version, 0, "cleared: version 0");
	lsfrag_set_free(&o);
	lsfrag_set_free(&r);
}

int
main(void)
{
	struct identity *id = NULL, *other = NULL;
	unsigned i;

	if (sodium_init() < 0 || identity_generate(&id) < 0 || identity_generate(&other) < 0)
		return 1;
	origin_id = id;
	for (i = 0; i < POOL; i++) {
		randombytes_buf(pool[i].node_id, MESH_ID_LEN);
		pool[i].cost = 100;
		pool[i].flags = MESH_LS_PUBLIC;
	}
	test_hub_200();
	test_random();
	test_rejects(other);
	identity_free(id);
	identity_free(other);
	return tap_done();
}
