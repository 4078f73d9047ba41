/*
 * lsfrag: per-fragment link state, origin and holder side. See lsfrag.h for
 * the vocabulary and PROTOCOL.md §5.5 for the rules on the wire.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/lsfrag.h"

static const char lsfrag_dom_version[] = "wgnm/v1 link-state version";

static uint32_t
epoch_of(uint64_t seq)
{
	return (uint32_t)(seq >> 32);
}

void
lsfrag_set_init(struct lsfrag_set *s, const uint8_t origin[MESH_ID_LEN])
{
	memset(s, 0, sizeof(*s));
	memcpy(s->origin, origin, MESH_ID_LEN);
}

void
lsfrag_set_clear(struct lsfrag_set *s)
{
	unsigned i;

	for (i = 0; i < s->cap; i++) {
		free(s->frags[i]);
		s->frags[i] = NULL;
	}
	s->nfrags = 0;
	s->max_seq = 0;
	s->version = 0;
}

void
lsfrag_set_free(struct lsfrag_set *s)
{
	lsfrag_set_clear(s);
	free(s->frags);
	s->frags = NULL;
	s->cap = 0;
}

static int
reserve(struct lsfrag_set *s, unsigned n)
{
	struct lsfrag **v;

	if (n <= s->cap)
		return 0;
	v = realloc(s->frags, n * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	memset(v + s->cap, 0, (n - s->cap) * sizeof(*v));
	s->frags = v;
	s->cap = (uint8_t)n;
	return 0;
}

static void
update_version(struct lsfrag_set *s)
{
	crypto_generichash_state st;
	uint8_t buf[9], out[8];
	unsigned i, k;
	uint64_t v = 0;

	if (s->nfrags == 0) {
		s->version = 0;
		return;
	}
	crypto_generichash_init(&st, NULL, 0, sizeof(out));
	crypto_generichash_update(&st, (const uint8_t *)lsfrag_dom_version,
	                          sizeof(lsfrag_dom_version));
	buf[0] = s->nfrags;
	crypto_generichash_update(&st, buf, 1);
	for (i = 0; i < s->nfrags; i++) {
		uint64_t seq = s->frags[i] != NULL ? s->frags[i]->seq : 0;

		for (k = 0; k < 8; k++)
			buf[k] = (uint8_t)(seq >> (56 - 8 * k));
		crypto_generichash_update(&st, buf, 8);
	}
	crypto_generichash_final(&st, out, sizeof(out));
	for (k = 0; k < 8; k++)
		v = v << 8 | out[k];
	s->version = v != 0 ? v : 1;
}

static struct lsfrag *
lsfrag_new(uint64_t seq, uint8_t nfrags, uint8_t count, const struct mesh_ls_neighbour *n,
           const uint8_t sig[MESH_SIG_LEN])
{
	struct lsfrag *f = malloc(sizeof(*f) + (size_t)count * sizeof(f->n[0]));

	if (f == NULL)
		return NULL;
	f->seq = seq;
	f->nfrags = nfrags;
	f->count = count;
	memcpy(f->sig, sig, MESH_SIG_LEN);
	if (count > 0)
		memcpy(f->n, n, (size_t)count * sizeof(f->n[0]));
	return f;
}

/* Drop fragments at or beyond the current count. */
static void
trim(struct lsfrag_set *s)
{
	unsigned i;

	for (i = s->nfrags; i < s->cap; i++) {
		free(s->frags[i]);
		s->frags[i] = NULL;
	}
}

int
lsfrag_set_check(const struct lsfrag_set *s, const struct mesh_link_state *f)
{
	bool newest;

	if (memcmp(f->origin, s->origin, MESH_ID_LEN) != 0)
		return -EINVAL;
	if (f->nfrags == 0 || f->nfrags > MESH_LS_MAX_FRAGS || f->frag >= f->nfrags ||
	    f->count > MESH_LS_PER_FRAG)
		return -EINVAL;
	if (s->nfrags > 0) {
		if (epoch_of(f->seq) < epoch_of(s->max_seq))
			return -ESTALE;
		if (epoch_of(f->seq) > epoch_of(s->max_seq))
			return 1; /* a new incarnation re-announces everything */
	}
	newest = s->nfrags == 0 || f->seq > s->max_seq;
	if (!newest && f->frag >= s->nfrags)
		return -ESTALE;
	if (f->frag < s->cap && s->frags[f->frag] != NULL && s->frags[f->frag]->seq >= f->seq)
		return -EALREADY;
	return 1;
}

bool
lsfrag_set_holds(const struct lsfrag_set *s, const struct mesh_link_state *f)
{
	const struct lsfrag *h;
	unsigned i;

	if (memcmp(f->origin, s->origin, MESH_ID_LEN) != 0 || f->frag >= s->nfrags ||
	    s->frags[f->frag] == NULL)
		return false;
	h = s->frags[f->frag];
	if (h->seq != f->seq || h->nfrags != f->nfrags || h->count != f->count ||
	    memcmp(h->sig, f->sig, MESH_SIG_LEN) != 0)
		return false;
	for (i = 0; i < h->count; i++)
		if (memcmp(h->n[i].node_id, f->n[i].node_id, MESH_ID_LEN) != 0 ||
		    h->n[i].cost != f->n[i].cost || h->n[i].flags != f->n[i].flags)
			return false;
	return true;
}

int
lsfrag_set_add(struct lsfrag_set *s, const struct mesh_link_state *f)
{
	struct lsfrag *copy;
	bool newest;
	int rc;

	rc = lsfrag_set_check(s, f);
	if (rc < 0)
		return rc;
	if (s->nfrags > 0 && epoch_of(f->seq) > epoch_of(s->max_seq))
		lsfrag_set_clear(s); /* a new incarnation re-announces everything */
	newest = s->nfrags == 0 || f->seq > s->max_seq;
	rc = reserve(s, newest ? f->nfrags : s->nfrags);
	if (rc < 0)
		return rc;
	copy = lsfrag_new(f->seq, f->nfrags, f->count, f->n, f->sig);
	if (copy == NULL)
		return -ENOMEM;
	free(s->frags[f->frag]);
	s->frags[f->frag] = copy;
	if (newest) {
		s->max_seq = f->seq;
		s->nfrags = f->nfrags;
		trim(s);
	}
	update_version(s);
	return 1;
}

bool
lsfrag_set_get(const struct lsfrag_set *s, unsigned i, struct mesh_link_state *out)
{
	const struct lsfrag *f;

	if (i >= s->nfrags || s->frags[i] == NULL)
		return false;
	f = s->frags[i];
	memset(out, 0, sizeof(*out));
	memcpy(out->origin, s->origin, MESH_ID_LEN);
	out->seq = f->seq;
	out->frag = (uint8_t)i;
	out->nfrags = f->nfrags;
	out->count = f->count;
	if (f->count > 0)
		memcpy(out->n, f->n, f->count * sizeof(f->n[0]));
	memcpy(out->sig, f->sig, MESH_SIG_LEN);
	return true;
}

bool
lsfrag_set_complete(const struct lsfrag_set *s)
{
	unsigned i;

	if (s->nfrags == 0)
		return false;
	for (i = 0; i < s->nfrags; i++)
		if (s->frags[i] == NULL)
			return false;
	return true;
}

uint64_t
lsfrag_set_floor(const struct lsfrag_set *s)
{
	uint64_t floor = UINT64_MAX;
	unsigned i;

	if (!lsfrag_set_complete(s))
		return 0;
	for (i = 0; i < s->nfrags; i++)
		if (s->frags[i]->seq < floor)
			floor = s->frags[i]->seq;
	/* every version we lack is newer than the fragment it would replace */
	return floor;
}

struct tagged {
	const struct mesh_ls_neighbour *e;
	uint64_t seq;
};

static int
tagged_cmp(const void *a, const void *b)
{
	const struct tagged *x = a, *y = b;
	int c = memcmp(x->e->node_id, y->e->node_id, MESH_ID_LEN);

	if (c != 0)
		return c;
	return x->seq > y->seq ? -1 : x->seq < y->seq ? 1 : 0; /* newer first */
}

int
lsfrag_set_table(const struct lsfrag_set *s, struct mesh_ls_neighbour **out)
{
	struct tagged *t;
	size_t n = 0, m = 0, i;
	unsigned f;

	*out = NULL;
	for (f = 0; f < s->nfrags; f++)
		if (s->frags[f] != NULL)
			n += s->frags[f]->count;
	if (n == 0)
		return 0;
	t = malloc(n * sizeof(*t));
	*out = malloc(n * sizeof(**out));
	if (t == NULL || *out == NULL) {
		free(t);
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	for (f = 0; f < s->nfrags; f++) {
		const struct lsfrag *x = s->frags[f];

		for (i = 0; x != NULL && i < x->count; i++) {
			t[m].e = &x->n[i];
			t[m].seq = x->seq;
			m++;
		}
	}
	qsort(t, n, sizeof(*t), tagged_cmp);
	for (i = 0, m = 0; i < n; i++) {
		if (m > 0 && memcmp((*out)[m - 1].node_id, t[i].e->node_id, MESH_ID_LEN) == 0)
			continue;
		(*out)[m++] = *t[i].e;
	}
	free(t);
	return (int)m;
}

/* ---- origin side ------------------------------------------------------------ */

static int
nb_cmp(const void *a, const void *b)
{
	return memcmp(((const struct mesh_ls_neighbour *)a)->node_id,
	              ((const struct mesh_ls_neighbour *)b)->node_id, MESH_ID_LEN);
}

/* Working copy of the table by fragment while originating. */
struct work {
	uint8_t count[MESH_LS_MAX_FRAGS];
	bool changed[MESH_LS_MAX_FRAGS];
	struct mesh_ls_neighbour n[MESH_LS_MAX_FRAGS][MESH_LS_PER_FRAG];
};

static int
sign_into(struct lsfrag_set *s, const struct identity *id, uint64_t seq, unsigned i,
          unsigned nfrags, const struct work *w)
{
	struct mesh_link_state ls;
	struct lsfrag *f;
	int rc;

	memset(&ls, 0, sizeof(ls));
	ls.seq = seq;
	ls.frag = (uint8_t)i;
	ls.nfrags = (uint8_t)nfrags;
	ls.count = w->count[i];
	memcpy(ls.n, w->n[i], w->count[i] * sizeof(ls.n[0]));
	rc = mesh_ls_sign(&ls, id);
	if (rc < 0)
		return rc;
	f = lsfrag_new(seq, ls.nfrags, ls.count, ls.n, ls.sig);
	if (f == NULL)
		return -ENOMEM;
	free(s->frags[i]);
	s->frags[i] = f;
	return 0;
}

int
lsfrag_set_originate(struct lsfrag_set *s, const struct identity *id, uint64_t seq,
                     const struct mesh_ls_neighbour *all, size_t n, uint8_t *changed)
{
	struct mesh_ls_neighbour *sorted = NULL;
	struct work *w = NULL;
	bool *placed = NULL, repack = false;
	unsigned nf = s->nfrags, i, k, old_nf = s->nfrags;
	int rc = 0, nchanged = 0;
	size_t j;

	if (n > MESH_LS_MAX_NEIGHBOURS)
		return -E2BIG;
	w = calloc(1, sizeof(*w));
	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	placed = calloc(n ? n : 1, sizeof(*placed));
	if (w == NULL || sorted == NULL || placed == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (n > 0)
		memcpy(sorted, all, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), nb_cmp);
	/* keep every neighbour still there in its fragment; drop the others */
	for (i = 0; i < nf; i++) {
		const struct lsfrag *f = s->frags[i];

		if (f == NULL) { /* cannot happen at the origin; rebuild it */
			w->changed[i] = true;
			continue;
		}
		for (k = 0; k < f->count; k++) {
			const struct mesh_ls_neighbour *x =
			    bsearch(&f->n[k], sorted, n, sizeof(*sorted), nb_cmp);

			if (x == NULL || placed[x - sorted]) {
				w->changed[i] = true;
				continue;
			}
			placed[x - sorted] = true;
			if (x->cost != f->n[k].cost || x->flags != f->n[k].flags)
				w->changed[i] = true;
			w->n[i][w->count[i]++] = *x;
		}
	}
	/* newcomers: first fragment with room, else a new one */
	for (j = 0, i = 0; j < n && !repack; j++) {
		if (placed[j])
			continue;
		while (i < nf && w->count[i] >= MESH_LS_PER_FRAG)
			i++;
		if (i == nf) {
			if (nf == MESH_LS_MAX_FRAGS) {
				repack = true;
				break;
			}
			nf++;
		}
		w->n[i][w->count[i]++] = sorted[j];
		w->changed[i] = true;
	}
	if (nf == 0)
		nf = 1, w->changed[0] = true; /* first origination: one (maybe empty) fragment */
	/* trailing empty fragments go (not the only one) */
	while (nf > 1 && w->count[nf - 1] == 0)
		nf--;
	if (repack || nf >= mesh_ls_nfrags(n) + 2) {
		nf = mesh_ls_nfrags(n);
		memset(w, 0, sizeof(*w));
		for (j = 0; j < n; j++)
			w->n[j / MESH_LS_PER_FRAG][w->count[j / MESH_LS_PER_FRAG]++] = sorted[j];
		for (i = 0; i < nf; i++)
			w->changed[i] = true;
	}
	/* a fragment whose count changed must say so: receivers take it from the newest */
	if (nf != old_nf) {
		bool any = false;

		for (i = 0; i < nf; i++)
			any |= w->changed[i];
		if (!any)
			w->changed[nf - 1] = true;
	}
	rc = reserve(s, nf > old_nf ? nf : old_nf);
	if (rc < 0)
		goto out;
	for (i = 0; i < nf; i++) {
		if (!w->changed[i])
			continue;
		rc = sign_into(s, id, seq, i, nf, w);
		if (rc < 0)
			goto out;
		changed[nchanged++] = (uint8_t)i;
	}
	if (nchanged > 0) {
		s->nfrags = (uint8_t)nf;
		s->max_seq = seq;
		trim(s);
		update_version(s);
	}
	rc = nchanged;
out:
	free(w);
	free(sorted);
	free(placed);
	return rc;
}
