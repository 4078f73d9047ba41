/*
 * lsfrag: one origin's link state as independently versioned fragments
 * (PROTOCOL.md §5.5), for the origin that builds them and for every node
 * that holds, merges and re-sends them. Pure: no I/O, no clock.
 *
 * Vocabulary:
 *   slot      an origin keeps each neighbour in the fragment it was first
 *             placed in, so that one link change re-signs and floods one
 *             fragment, not the whole table. A new neighbour takes the first
 *             fragment with room, else a new fragment is appended.
 *   repack    when holes waste two fragments or more (or the last fragment
 *             is empty) the origin packs its table afresh: every fragment
 *             is re-signed with the new count.
 *   seq       every fragment carries its own seq: that of the origination
 *             that last changed it. All fragments changed by one origination
 *             share one seq. The fragment count of the origin's table is the
 *             count carried by its newest fragment.
 *   version   a 64-bit summary of the fragment set held (count and each
 *             fragment's seq), equal on two nodes exactly when they hold the
 *             same fragments (up to a hash collision); 0 = nothing held.
 *             Used in digests and SUMMARY entries (compared for equality).
 *   floor     the seq below which the holder certainly lacks nothing: the
 *             oldest fragment's seq when every fragment is present, else 0.
 *             A SYNC_REQUEST carries it; the answer is every fragment with a
 *             higher seq, which covers whatever the requester lacks.
 *
 * Invariants (holder): frags[i] is NULL or a verified fragment with
 * frag == i and i < nfrags; all held fragments are of the epoch of max_seq.
 * Ownership: the set owns its fragments; lsfrag_set_free() releases them.
 */
#ifndef WGNM_PROTO_LSFRAG_H
#define WGNM_PROTO_LSFRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/identity.h"
#include "proto/mesh.h"

/* One stored fragment: only its entries are allocated. */
struct lsfrag {
	uint64_t seq;
	uint8_t nfrags; /* as signed */
	uint8_t count;
	uint8_t sig[MESH_SIG_LEN];
	struct mesh_ls_neighbour n[]; /* count entries */
};

struct lsfrag_set {
	uint8_t origin[MESH_ID_LEN];
	uint8_t nfrags; /* current fragment count; 0 = nothing held */
	uint8_t cap;    /* allocated length of frags */
	uint64_t max_seq;
	uint64_t version;
	struct lsfrag **frags;
};

void lsfrag_set_init(struct lsfrag_set *s, const uint8_t origin[MESH_ID_LEN]);
void lsfrag_set_free(struct lsfrag_set *s);
/* Forget every fragment (the origin left): version becomes 0. */
void lsfrag_set_clear(struct lsfrag_set *s);

/*
 * Add a verified fragment. Returns
 *   1          it changed the set (to be flooded on, table to be rebuilt)
 *   -EALREADY  the same or a newer version of this fragment is held
 *   -ESTALE    older epoch than held, or an index beyond the current count
 *              carried by an older fragment
 *   -EINVAL    another origin, or fields out of range
 *   -ENOMEM
 * A fragment of a newer epoch (the origin restarted) replaces the whole set.
 * A fragment newer than every other sets the fragment count; fragments at
 * or beyond it are dropped.
 */
int lsfrag_set_add(struct lsfrag_set *s, const struct mesh_link_state *f);

/*
 * What lsfrag_set_add(s, f) would return, without changing s: 1 when f
 * would change the set, else the same negative errno. A receiver verifies
 * f's signature only when this says 1 (or to judge a same-seq copy that
 * lsfrag_set_holds() does not recognise).
 */
int lsfrag_set_check(const struct lsfrag_set *s, const struct mesh_link_state *f);
/* s holds fragment f->frag with exactly f's seq, count, entries and signature. */
bool lsfrag_set_holds(const struct lsfrag_set *s, const struct mesh_link_state *f);

/* Fragment i as a signed message (false when not held). */
bool lsfrag_set_get(const struct lsfrag_set *s, unsigned i, struct mesh_link_state *out);
/* Fragments held (some may be missing while a flood is under way). */
bool lsfrag_set_complete(const struct lsfrag_set *s);
uint64_t lsfrag_set_floor(const struct lsfrag_set *s);

/*
 * The merged table: every entry of every held fragment, sorted by node id;
 * a neighbour listed twice (a move between fragments not fully received
 * yet) keeps the entry of the newer fragment. Returns the entry count; *out
 * is malloc'd (caller frees), NULL when the count is 0. -ENOMEM on failure.
 */
int lsfrag_set_table(const struct lsfrag_set *s, struct mesh_ls_neighbour **out);

/*
 * Origin side: make the set hold the table all[0..n) (distinct neighbours),
 * changing as few fragments as possible (see "slot" and "repack"). Changed
 * fragments get seq and are signed by id; their indices are appended to
 * changed[] (room for MESH_LS_MAX_FRAGS). Returns the number changed (0 when
 * the table is the same), -E2BIG above MESH_LS_MAX_NEIGHBOURS, or another
 * negative errno.
 */
int lsfrag_set_originate(struct lsfrag_set *s, const struct identity *id, uint64_t seq,
                         const struct mesh_ls_neighbour *all, size_t n, uint8_t *changed);

#endif
