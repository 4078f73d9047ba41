/*
 * mesh: encoders and decoders of the admin messages (see mesh.h and the
 * field tables in PROTOCOL.md).
 *
 * Structure: each message has a _check (field rules shared by encode and
 * decode, so the encoder refuses exactly what the decoder rejects), a _put
 * and a _get. Signed objects (record, link state, BYE, PUNCH) put their
 * signed part with a _put_signed; decoders verify the signature over the
 * bytes actually received, which are also the canonical encoding because
 * decoding is strict (no slack, no ignored bytes).
 *
 * Invariant: a _get never writes past a fixed array: every count is checked
 * against its cap before the loop that uses it.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mesh.h"
#include "proto/wire.h"

static const char mesh_dom_record[] = "wgnm/v1 record";
static const char mesh_dom_ls[] = "wgnm/v1 link-state";
static const char mesh_dom_bye[] = "wgnm/v1 bye";
static const char mesh_dom_punch[] = "wgnm/v1 punch";
static const char mesh_dom_digest[] = "wgnm/v1 digest";

#define MESH_FAMILY_NONE 0
#define MESH_FAMILY_IPV4 4
#define MESH_FAMILY_IPV6 6

/* ---- field helpers ------------------------------------------------------- */

static int
mesh_addr_check(const struct ipaddr *a)
{
	return a->family == AF_UNSPEC || a->family == AF_INET || a->family == AF_INET6 ? 0
	                                                                               : -EINVAL;
}

/* required: must be a real address and port; else AF_UNSPEC with port 0 is allowed. */
static int
mesh_endpoint_check(const struct endpoint *e, bool required)
{
	if (mesh_addr_check(&e->addr) < 0)
		return -EINVAL;
	if (e->addr.family == AF_UNSPEC)
		return !required && e->port == 0 ? 0 : -EINVAL;
	return e->port != 0 ? 0 : -EINVAL;
}

static int
mesh_candidates_check(uint8_t n, const struct endpoint *c)
{
	unsigned i;

	if (n > MESH_CANDIDATES_MAX)
		return -E2BIG;
	for (i = 0; i < n; i++)
		if (mesh_endpoint_check(&c[i], true) < 0)
			return -EINVAL;
	return 0;
}

static int
mesh_name_check(const char *name)
{
	size_t i, n = strnlen(name, MESH_NAME_MAX + 1);

	if (n > MESH_NAME_MAX)
		return -E2BIG;
	for (i = 0; i < n; i++)
		if (name[i] < 0x21 || name[i] > 0x7e)
			return -EINVAL;
	return 0;
}

static void
mesh_put_addr(struct wire_writer *w, const struct ipaddr *a)
{
	switch (a->family) {
	case AF_INET:
		wire_put_u8(w, MESH_FAMILY_IPV4);
		wire_put_bytes(w, &a->v4, 4);
		break;
	case AF_INET6:
		wire_put_u8(w, MESH_FAMILY_IPV6);
		wire_put_bytes(w, &a->v6, 16);
		break;
	default:
		wire_put_u8(w, MESH_FAMILY_NONE);
		break;
	}
}

static int
mesh_get_addr(struct wire_reader *r, struct ipaddr *a)
{
	uint8_t fam;

	memset(a, 0, sizeof(*a));
	a->family = AF_UNSPEC;
	if (wire_get_u8(r, &fam) < 0)
		return r->err;
	switch (fam) {
	case MESH_FAMILY_NONE:
		return 0;
	case MESH_FAMILY_IPV4:
		a->family = AF_INET;
		return wire_get_bytes(r, &a->v4, 4);
	case MESH_FAMILY_IPV6:
		a->family = AF_INET6;
		return wire_get_bytes(r, &a->v6, 16);
	default:
		return -EINVAL;
	}
}

static void
mesh_put_endpoint(struct wire_writer *w, const struct endpoint *e)
{
	mesh_put_addr(w, &e->addr);
	wire_put_u16(w, e->port);
}

static int
mesh_get_endpoint(struct wire_reader *r, struct endpoint *e)
{
	int rc;

	memset(e, 0, sizeof(*e));
	rc = mesh_get_addr(r, &e->addr);
	if (rc < 0)
		return rc;
	return wire_get_u16(r, &e->port);
}

static int
mesh_get_candidates(struct wire_reader *r, uint8_t *n, struct endpoint *c)
{
	unsigned i;
	int rc;

	if (wire_get_u8(r, n) < 0)
		return r->err;
	if (*n > MESH_CANDIDATES_MAX)
		return -E2BIG;
	for (i = 0; i < *n; i++) {
		rc = mesh_get_endpoint(r, &c[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void
mesh_put_candidates(struct wire_writer *w, uint8_t n, const struct endpoint *c)
{
	unsigned i;

	wire_put_u8(w, n);
	for (i = 0; i < n; i++)
		mesh_put_endpoint(w, &c[i]);
}

static int
mesh_get_name(struct wire_reader *r, char *name)
{
	uint8_t n;

	name[0] = '\0';
	if (wire_get_u8(r, &n) < 0)
		return r->err;
	if (n > MESH_NAME_MAX)
		return -E2BIG;
	if (wire_get_bytes(r, name, n) < 0)
		return r->err;
	name[n] = '\0';
	/* An embedded NUL would make the string shorter than its encoding. */
	return strlen(name) == n ? 0 : -EINVAL;
}

/* Sign the bytes w holds (a _put_signed's output) into sig. */
static int
mesh_sign_buf(const struct identity *id, const char *dom, const struct wire_writer *w,
              uint8_t sig[MESH_SIG_LEN])
{
	if (w->err < 0)
		return w->err;
	return identity_sign(id, dom, w->buf, w->len, sig);
}

/*
 * Read the signature that follows the signed bytes r->buf[start..r->off) and
 * verify it, unless `verify` is false (mesh_decode_lazy: the caller verifies).
 */
static int
mesh_get_sig(struct wire_reader *r, size_t start, const uint8_t *signer, const char *dom,
             uint8_t sig[MESH_SIG_LEN], bool verify)
{
	size_t end = r->off;

	if (wire_get_bytes(r, sig, MESH_SIG_LEN) < 0)
		return r->err;
	if (!verify)
		return 0;
	return identity_verify(signer, dom, r->buf + start, end - start, sig) < 0 ? -EPERM : 0;
}

/* ---- node record ----------------------------------------------------------- */

static int
mesh_record_check(const struct mesh_node_record *rec)
{
	int rc = mesh_name_check(rec->name);

	if (rc < 0)
		return rc;
	if (mesh_addr_check(&rec->addr) < 0 || rec->wg_port == 0 || rec->admin_port == 0)
		return -EINVAL;
	return mesh_candidates_check(rec->ncandidates, rec->candidates);
}

static void
mesh_record_put_signed(struct wire_writer *w, const struct mesh_node_record *rec)
{
	wire_put_bytes(w, rec->node_id, MESH_ID_LEN);
	wire_put_u64(w, rec->seq);
	wire_put_u16(w, rec->flags);
	wire_put_u8(w, (uint8_t)strlen(rec->name));
	wire_put_bytes(w, rec->name, strlen(rec->name));
	mesh_put_addr(w, &rec->addr);
	wire_put_bytes(w, rec->wg_public, IDENTITY_WG_KEY_LEN);
	wire_put_u16(w, rec->wg_port);
	wire_put_u16(w, rec->admin_port);
	mesh_put_candidates(w, rec->ncandidates, rec->candidates);
}

static void
mesh_record_put(struct wire_writer *w, const struct mesh_node_record *rec)
{
	mesh_record_put_signed(w, rec);
	wire_put_bytes(w, rec->sig, MESH_SIG_LEN);
}

static int
mesh_record_get(struct wire_reader *r, struct mesh_node_record *rec, bool verify)
{
	size_t start = r->off;
	int rc;

	memset(rec, 0, sizeof(*rec));
	wire_get_bytes(r, rec->node_id, MESH_ID_LEN);
	wire_get_u64(r, &rec->seq);
	wire_get_u16(r, &rec->flags);
	rc = mesh_get_name(r, rec->name);
	if (rc < 0)
		return rc;
	rc = mesh_get_addr(r, &rec->addr);
	if (rc < 0)
		return rc;
	wire_get_bytes(r, rec->wg_public, IDENTITY_WG_KEY_LEN);
	wire_get_u16(r, &rec->wg_port);
	wire_get_u16(r, &rec->admin_port);
	rc = mesh_get_candidates(r, &rec->ncandidates, rec->candidates);
	if (rc < 0)
		return rc;
	rc = mesh_record_check(rec);
	if (rc < 0)
		return rc;
	return mesh_get_sig(r, start, rec->node_id, mesh_dom_record, rec->sig, verify);
}

int
mesh_record_sign(struct mesh_node_record *rec, const struct identity *id)
{
	uint8_t buf[SEAL_MAX_BODY];
	struct wire_writer w;
	int rc;

	memcpy(rec->node_id, identity_node_id(id), MESH_ID_LEN);
	rc = mesh_record_check(rec);
	if (rc < 0)
		return rc;
	wire_writer_init(&w, buf, sizeof(buf));
	mesh_record_put_signed(&w, rec);
	return mesh_sign_buf(id, mesh_dom_record, &w, rec->sig);
}

int
mesh_record_verify(const struct mesh_node_record *rec)
{
	uint8_t buf[SEAL_MAX_BODY];
	struct wire_writer w;
	int rc = mesh_record_check(rec);

	if (rc < 0)
		return rc;
	wire_writer_init(&w, buf, sizeof(buf));
	mesh_record_put_signed(&w, rec);
	if (w.err < 0)
		return w.err;
	return identity_verify(rec->node_id, mesh_dom_record, buf, w.len, rec->sig) < 0 ? -EPERM
	                                                                                : 0;
}

bool
mesh_record_same(const struct mesh_node_record *a, const struct mesh_node_record *b)
{
	uint8_t ba[SEAL_MAX_BODY], bb[SEAL_MAX_BODY];
	struct wire_writer wa, wb;

	if (a->seq != b->seq || memcmp(a->sig, b->sig, MESH_SIG_LEN) != 0)
		return false;
	wire_writer_init(&wa, ba, sizeof(ba));
	wire_writer_init(&wb, bb, sizeof(bb));
	mesh_record_put_signed(&wa, a);
	mesh_record_put_signed(&wb, b);
	return wa.err == 0 && wb.err == 0 && wa.len == wb.len && memcmp(ba, bb, wa.len) == 0;
}

size_t
mesh_record_len(const struct mesh_node_record *rec)
{
	size_t n = MESH_ID_LEN + 8 + 2 + 1 + strnlen(rec->name, sizeof(rec->name)) + 1 +
	           ipaddr_len(&rec->addr) + IDENTITY_WG_KEY_LEN + 2 + 2 + 1 + MESH_SIG_LEN;
	unsigned i;

	for (i = 0; i < rec->ncandidates && i < MESH_CANDIDATES_MAX; i++)
		n += 1 + ipaddr_len(&rec->candidates[i].addr) + 2;
	return n;
}

/* ---- HELLO ---------------------------------------------------------------- */

static int
mesh_hello_check(const struct mesh_hello *h)
{
	return mesh_record_check(&h->record);
}

static void
mesh_hello_put(struct wire_writer *w, const struct mesh_hello *h)
{
	wire_put_u8(w, h->flags);
	wire_put_u32(w, h->sync_id);
	wire_put_u32(w, h->known);
	wire_put_bytes(w, h->digest, MESH_DIGEST_LEN);
	mesh_record_put(w, &h->record);
}

static int
mesh_hello_get(struct wire_reader *r, struct mesh_hello *h, bool verify)
{
	wire_get_u8(r, &h->flags);
	wire_get_u32(r, &h->sync_id);
	wire_get_u32(r, &h->known);
	wire_get_bytes(r, h->digest, MESH_DIGEST_LEN);
	return mesh_record_get(r, &h->record, verify);
}

/* ---- RECORDS -------------------------------------------------------------- */

static int
mesh_parts_check(uint16_t part, uint16_t parts)
{
	return parts >= 1 && part < parts ? 0 : -EINVAL;
}

static int
mesh_records_check(const struct mesh_records *m)
{
	unsigned i;
	int rc;

	if (m->count > MESH_RECORDS_MAX)
		return -E2BIG;
	for (i = 0; i < m->count; i++) {
		rc = mesh_record_check(&m->rec[i]);
		if (rc < 0)
			return rc;
	}
	return mesh_parts_check(m->part, m->parts);
}

static void
mesh_records_put(struct wire_writer *w, const struct mesh_records *m)
{
	unsigned i;

	wire_put_u32(w, m->sync_id);
	wire_put_u16(w, m->part);
	wire_put_u16(w, m->parts);
	wire_put_u8(w, m->count);
	for (i = 0; i < m->count; i++)
		mesh_record_put(w, &m->rec[i]);
}

static int
mesh_records_get(struct wire_reader *r, struct mesh_records *m, bool verify)
{
	unsigned i;
	int rc;

	wire_get_u32(r, &m->sync_id);
	wire_get_u16(r, &m->part);
	wire_get_u16(r, &m->parts);
	if (wire_get_u8(r, &m->count) < 0)
		return r->err;
	if (m->count > MESH_RECORDS_MAX)
		return -E2BIG;
	if (mesh_parts_check(m->part, m->parts) < 0)
		return -EINVAL;
	for (i = 0; i < m->count; i++) {
		rc = mesh_record_get(r, &m->rec[i], verify);
		if (rc < 0)
			return rc;
	}
	return 0;
}

size_t
mesh_records_fit(const struct mesh_node_record *recs, size_t n)
{
	size_t used = 4 + 2 + 2 + 1, i;

	for (i = 0; i < n && i < MESH_RECORDS_MAX; i++) {
		used += mesh_record_len(&recs[i]);
		if (used > SEAL_MAX_BODY)
			break;
	}
	return i;
}

/* ---- SUMMARY / SYNC_REQUEST ------------------------------------------------ */

static int
mesh_summary_check(const struct mesh_summary *m)
{
	if (m->count > MESH_SUMMARY_MAX)
		return -E2BIG;
	return mesh_parts_check(m->part, m->parts);
}

static void
mesh_summary_put(struct wire_writer *w, const struct mesh_summary *m)
{
	unsigned i;

	wire_put_u32(w, m->sync_id);
	wire_put_u16(w, m->part);
	wire_put_u16(w, m->parts);
	wire_put_u8(w, m->count);
	for (i = 0; i < m->count; i++) {
		wire_put_bytes(w, m->e[i].node_id, MESH_ID_LEN);
		wire_put_u64(w, m->e[i].record_seq);
		wire_put_u64(w, m->e[i].ls_seq);
	}
}

static int
mesh_summary_get(struct wire_reader *r, struct mesh_summary *m)
{
	unsigned i;

	wire_get_u32(r, &m->sync_id);
	wire_get_u16(r, &m->part);
	wire_get_u16(r, &m->parts);
	if (wire_get_u8(r, &m->count) < 0)
		return r->err;
	if (m->count > MESH_SUMMARY_MAX)
		return -E2BIG;
	for (i = 0; i < m->count; i++) {
		wire_get_bytes(r, m->e[i].node_id, MESH_ID_LEN);
		wire_get_u64(r, &m->e[i].record_seq);
		wire_get_u64(r, &m->e[i].ls_seq);
	}
	if (r->err < 0)
		return r->err;
	return mesh_summary_check(m);
}

/* ---- SUMMARY_HASH ---------------------------------------------------------- */

unsigned
mesh_summary_bucket(const uint8_t node_id[MESH_ID_LEN], unsigned nbuckets)
{
	return nbuckets == 0 ? 0 : (unsigned)node_id[0] * nbuckets / 256;
}

uint64_t
mesh_summary_entry_hash(const uint8_t node_id[MESH_ID_LEN], uint64_t record_seq, uint64_t ls_seq)
{
	/* SipHash-2-4 under an all-zero key: a checksum, not a secret (PROTOCOL.md §5.4a) */
	static const uint8_t key[crypto_shorthash_siphash24_KEYBYTES];
	uint8_t in[MESH_ID_LEN + 16], out[crypto_shorthash_siphash24_BYTES];
	struct wire_writer w;
	uint64_t h = 0;
	unsigned i;

	wire_writer_init(&w, in, sizeof(in));
	wire_put_bytes(&w, node_id, MESH_ID_LEN);
	wire_put_u64(&w, record_seq);
	wire_put_u64(&w, ls_seq);
	crypto_shorthash_siphash24(out, in, sizeof(in), key);
	for (i = 0; i < sizeof(out); i++)
		h = h << 8 | out[i];
	return h;
}

static int
mesh_summary_hash_check(const struct mesh_summary_hash *m)
{
	if (m->nbuckets > MESH_HASH_BUCKETS_MAX)
		return -E2BIG;
	return m->nbuckets == 0 ? -EINVAL : 0;
}

static void
mesh_summary_hash_put(struct wire_writer *w, const struct mesh_summary_hash *m)
{
	unsigned i;

	wire_put_u32(w, m->sync_id);
	wire_put_u32(w, m->known);
	wire_put_bytes(w, m->digest, MESH_DIGEST_LEN);
	wire_put_u8(w, m->nbuckets);
	for (i = 0; i < m->nbuckets; i++)
		wire_put_u64(w, m->h[i]);
}

static int
mesh_summary_hash_get(struct wire_reader *r, struct mesh_summary_hash *m)
{
	unsigned i;
	int rc;

	wire_get_u32(r, &m->sync_id);
	wire_get_u32(r, &m->known);
	wire_get_bytes(r, m->digest, MESH_DIGEST_LEN);
	if (wire_get_u8(r, &m->nbuckets) < 0)
		return r->err;
	rc = mesh_summary_hash_check(m);
	if (rc < 0)
		return rc;
	for (i = 0; i < m->nbuckets; i++)
		wire_get_u64(r, &m->h[i]);
	return r->err;
}

/* ---- LINK_STATE ------------------------------------------------------------ */

static int
mesh_ls_check(const struct mesh_link_state *ls)
{
	unsigned i, j;

	if (ls->nfrags > MESH_LS_MAX_FRAGS || ls->count > MESH_LS_PER_FRAG)
		return -E2BIG;
	if (ls->nfrags == 0 || ls->frag >= ls->nfrags)
		return -EINVAL;
	for (i = 0; i < ls->count; i++) {
		if (ls->n[i].cost == 0 || memcmp(ls->n[i].node_id, ls->origin, MESH_ID_LEN) == 0)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (memcmp(ls->n[i].node_id, ls->n[j].node_id, MESH_ID_LEN) == 0)
				return -EINVAL;
	}
	return 0;
}

static void
mesh_ls_put_signed(struct wire_writer *w, const struct mesh_link_state *ls)
{
	unsigned i;

	wire_put_bytes(w, ls->origin, MESH_ID_LEN);
	wire_put_u64(w, ls->seq);
	wire_put_u8(w, ls->frag);
	wire_put_u8(w, ls->nfrags);
	wire_put_u8(w, ls->count);
	for (i = 0; i < ls->count; i++) {
		wire_put_bytes(w, ls->n[i].node_id, MESH_ID_LEN);
		wire_put_u16(w, ls->n[i].cost);
		wire_put_u8(w, ls->n[i].flags);
	}
}

static void
mesh_ls_put(struct wire_writer *w, const struct mesh_link_state *ls)
{
	mesh_ls_put_signed(w, ls);
	wire_put_bytes(w, ls->sig, MESH_SIG_LEN);
}

static int
mesh_ls_get(struct wire_reader *r, struct mesh_link_state *ls, bool verify)
{
	size_t start = r->off;
	unsigned i;
	int rc;

	wire_get_bytes(r, ls->origin, MESH_ID_LEN);
	wire_get_u64(r, &ls->seq);
	wire_get_u8(r, &ls->frag);
	wire_get_u8(r, &ls->nfrags);
	if (wire_get_u8(r, &ls->count) < 0)
		return r->err;
	if (ls->count > MESH_LS_PER_FRAG)
		return -E2BIG;
	for (i = 0; i < ls->count; i++) {
		wire_get_bytes(r, ls->n[i].node_id, MESH_ID_LEN);
		wire_get_u16(r, &ls->n[i].cost);
		wire_get_u8(r, &ls->n[i].flags);
	}
	if (r->err < 0)
		return r->err;
	rc = mesh_ls_check(ls);
	if (rc < 0)
		return rc;
	return mesh_get_sig(r, start, ls->origin, mesh_dom_ls, ls->sig, verify);
}

int
mesh_ls_sign(struct mesh_link_state *ls, const struct identity *id)
{
	uint8_t buf[SEAL_MAX_BODY];
	struct wire_writer w;
	int rc;

	memcpy(ls->origin, identity_node_id(id), MESH_ID_LEN);
	rc = mesh_ls_check(ls);
	if (rc < 0)
		return rc;
	wire_writer_init(&w, buf, sizeof(buf));
	mesh_ls_put_signed(&w, ls);
	return mesh_sign_buf(id, mesh_dom_ls, &w, ls->sig);
}

int
mesh_ls_verify(const struct mesh_link_state *ls)
{
	uint8_t buf[SEAL_MAX_BODY];
	struct wire_writer w;
	int rc = mesh_ls_check(ls);

	if (rc < 0)
		return rc;
	wire_writer_init(&w, buf, sizeof(buf));
	mesh_ls_put_signed(&w, ls);
	if (w.err < 0)
		return w.err;
	return identity_verify(ls->origin, mesh_dom_ls, buf, w.len, ls->sig) < 0 ? -EPERM : 0;
}

unsigned
mesh_ls_nfrags(size_t n)
{
	return n == 0 ? 1 : (unsigned)((n + MESH_LS_PER_FRAG - 1) / MESH_LS_PER_FRAG);
}

int
mesh_ls_fragment(struct mesh_link_state *out, const struct identity *id, uint64_t seq,
                 const struct mesh_ls_neighbour *all, size_t n, unsigned frag)
{
	unsigned nfrags = mesh_ls_nfrags(n);
	size_t first = (size_t)frag * MESH_LS_PER_FRAG;

	if (n > MESH_LS_MAX_NEIGHBOURS)
		return -E2BIG;
	if (frag >= nfrags)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->seq = seq;
	out->frag = (uint8_t)frag;
	out->nfrags = (uint8_t)nfrags;
	out->count = (uint8_t)(n - first < MESH_LS_PER_FRAG ? n - first : MESH_LS_PER_FRAG);
	if (out->count > 0)
		memcpy(out->n, all + first, out->count * sizeof(*all));
	return mesh_ls_sign(out, id);
}

/* ---- LINK_STATES ----------------------------------------------------------- */

static size_t
mesh_ls_len(uint8_t count)
{
	return MESH_ID_LEN + 8 + 3 + (size_t)count * 35 + MESH_SIG_LEN;
}

static size_t
mesh_link_states_len(const struct mesh_link_states *b)
{
	size_t n = 1;
	unsigned i;

	for (i = 0; i < b->count && i < MESH_LS_BATCH_MAX; i++)
		n += mesh_ls_len(b->f[i].count);
	return n;
}

void
mesh_link_states_get(const struct mesh_link_states *b, unsigned i, struct mesh_link_state *out)
{
	const struct mesh_ls_batch_frag *f = &b->f[i];

	memset(out, 0, sizeof(*out));
	memcpy(out->origin, f->origin, MESH_ID_LEN);
	out->seq = f->seq;
	out->frag = f->frag;
	out->nfrags = f->nfrags;
	out->count = f->count;
	if (f->count > 0)
		memcpy(out->n, &b->pool[f->first], f->count * sizeof(out->n[0]));
	memcpy(out->sig, f->sig, MESH_SIG_LEN);
}

int
mesh_link_states_add(struct mesh_link_states *b, const struct mesh_link_state *ls)
{
	struct mesh_ls_batch_frag *f;
	int rc = mesh_ls_check(ls);

	if (rc < 0)
		return rc;
	if (b->count >= MESH_LS_BATCH_MAX || b->nentries + ls->count > MESH_LS_PER_FRAG ||
	    mesh_link_states_len(b) + mesh_ls_len(ls->count) > SEAL_MAX_BODY)
		return -EMSGSIZE;
	f = &b->f[b->count++];
	memcpy(f->origin, ls->origin, MESH_ID_LEN);
	f->seq = ls->seq;
	f->frag = ls->frag;
	f->nfrags = ls->nfrags;
	f->count = ls->count;
	f->first = b->nentries;
	if (ls->count > 0)
		memcpy(&b->pool[b->nentries], ls->n, ls->count * sizeof(ls->n[0]));
	b->nentries = (uint8_t)(b->nentries + ls->count);
	memcpy(f->sig, ls->sig, MESH_SIG_LEN);
	return 0;
}

static int
mesh_link_states_check(const struct mesh_link_states *b)
{
	struct mesh_link_state ls;
	unsigned i;
	int rc;

	if (b->count > MESH_LS_BATCH_MAX || b->nentries > MESH_LS_PER_FRAG)
		return -E2BIG;
	for (i = 0; i < b->count; i++) {
		if (b->f[i].first + b->f[i].count > b->nentries)
			return -EINVAL;
		mesh_link_states_get(b, i, &ls);
		rc = mesh_ls_check(&ls);
		if (rc < 0)
			return rc;
	}
	return mesh_link_states_len(b) > SEAL_MAX_BODY ? -EMSGSIZE : 0;
}

static void
mesh_link_states_put(struct wire_writer *w, const struct mesh_link_states *b)
{
	struct mesh_link_state ls;
	unsigned i;

	wire_put_u8(w, b->count);
	for (i = 0; i < b->count; i++) {
		mesh_link_states_get(b, i, &ls);
		mesh_ls_put(w, &ls);
	}
}

static int
mesh_link_states_get_wire(struct wire_reader *r, struct mesh_link_states *b, bool verify)
{
	struct mesh_link_state ls;
	uint8_t count;
	unsigned i;
	int rc;

	if (wire_get_u8(r, &count) < 0)
		return r->err;
	if (count > MESH_LS_BATCH_MAX)
		return -E2BIG;
	for (i = 0; i < count; i++) {
		memset(&ls, 0, sizeof(ls));
		rc = mesh_ls_get(r, &ls, verify);
		if (rc < 0)
			return rc;
		/* the body bound keeps the pool within MESH_LS_PER_FRAG entries */
		rc = mesh_link_states_add(b, &ls);
		if (rc < 0)
			return rc == -EMSGSIZE ? -E2BIG : rc;
	}
	return 0;
}

/* ---- PING / PONG ----------------------------------------------------------- */

static void
mesh_ping_put(struct wire_writer *w, const struct mesh_ping *p)
{
	wire_put_u64(w, p->token);
	wire_put_u64(w, p->timestamp);
}

static int
mesh_ping_get(struct wire_reader *r, struct mesh_ping *p)
{
	wire_get_u64(r, &p->token);
	return wire_get_u64(r, &p->timestamp);
}

static int
mesh_pong_check(const struct mesh_pong *p)
{
	if (mesh_endpoint_check(&p->seen_admin, false) < 0 ||
	    mesh_endpoint_check(&p->seen_wg, false) < 0)
		return -EINVAL;
	return 0;
}

static void
mesh_pong_put(struct wire_writer *w, const struct mesh_pong *p)
{
	wire_put_u64(w, p->token);
	wire_put_u64(w, p->timestamp);
	mesh_put_endpoint(w, &p->seen_admin);
	mesh_put_endpoint(w, &p->seen_wg);
}

static int
mesh_pong_get(struct wire_reader *r, struct mesh_pong *p)
{
	int rc;

	wire_get_u64(r, &p->token);
	wire_get_u64(r, &p->timestamp);
	rc = mesh_get_endpoint(r, &p->seen_admin);
	if (rc < 0)
		return rc;
	rc = mesh_get_endpoint(r, &p->seen_wg);
	if (rc < 0)
		return rc;
	return mesh_pong_check(p);
}

/* ---- BYE ------------------------------------------------------------------- */

static void
mesh_bye_put_signed(struct wire_writer *w, const struct mesh_bye *b)
{
	wire_put_bytes(w, b->node_id, MESH_ID_LEN);
	wire_put_u64(w, b->record_seq);
	wire_put_u8(w, b->reason);
}

static void
mesh_bye_put(struct wire_writer *w, const struct mesh_bye *b)
{
	mesh_bye_put_signed(w, b);
	wire_put_bytes(w, b->sig, MESH_SIG_LEN);
}

static int
mesh_bye_get(struct wire_reader *r, struct mesh_bye *b)
{
	size_t start = r->off;

	wire_get_bytes(r, b->node_id, MESH_ID_LEN);
	wire_get_u64(r, &b->record_seq);
	wire_get_u8(r, &b->reason);
	return mesh_get_sig(r, start, b->node_id, mesh_dom_bye, b->sig, true);
}

int
mesh_bye_sign(struct mesh_bye *bye, const struct identity *id)
{
	uint8_t buf[64];
	struct wire_writer w;

	memcpy(bye->node_id, identity_node_id(id), MESH_ID_LEN);
	wire_writer_init(&w, buf, sizeof(buf));
	mesh_bye_put_signed(&w, bye);
	return mesh_sign_buf(id, mesh_dom_bye, &w, bye->sig);
}

/* ---- PROBE / PROBE_ACK ------------------------------------------------------ */

static int
mesh_probe_check(const struct mesh_probe *p)
{
	return mesh_endpoint_check(&p->candidate, true);
}

static void
mesh_probe_put(struct wire_writer *w, const struct mesh_probe *p)
{
	wire_put_bytes(w, p->target, MESH_ID_LEN);
	wire_put_u64(w, p->token);
	wire_put_u32(w, p->path_id);
	mesh_put_endpoint(w, &p->candidate);
}

static int
mesh_probe_get(struct wire_reader *r, struct mesh_probe *p)
{
	int rc;

	wire_get_bytes(r, p->target, MESH_ID_LEN);
	wire_get_u64(r, &p->token);
	wire_get_u32(r, &p->path_id);
	rc = mesh_get_endpoint(r, &p->candidate);
	if (rc < 0)
		return rc;
	return mesh_probe_check(p);
}

static int
mesh_probe_ack_check(const struct mesh_probe_ack *p)
{
	if (mesh_endpoint_check(&p->candidate, true) < 0 ||
	    mesh_endpoint_check(&p->seen, false) < 0)
		return -EINVAL;
	return 0;
}

static void
mesh_probe_ack_put(struct wire_writer *w, const struct mesh_probe_ack *p)
{
	wire_put_u64(w, p->token);
	wire_put_u32(w, p->path_id);
	mesh_put_endpoint(w, &p->candidate);
	mesh_put_endpoint(w, &p->seen);
}

static int
mesh_probe_ack_get(struct wire_reader *r, struct mesh_probe_ack *p)
{
	int rc;

	wire_get_u64(r, &p->token);
	wire_get_u32(r, &p->path_id);
	rc = mesh_get_endpoint(r, &p->candidate);
	if (rc < 0)
		return rc;
	rc = mesh_get_endpoint(r, &p->seen);
	if (rc < 0)
		return rc;
	return mesh_probe_ack_check(p);
}

/* ---- PUNCH ----------------------------------------------------------------- */

static int
mesh_punch_check(const struct mesh_punch *p)
{
	int rc = mesh_candidates_check(p->ncandidates, p->candidates);

	if (rc < 0)
		return rc;
	if (mesh_endpoint_check(&p->reflexive_wg, false) < 0 ||
	    memcmp(p->requester, p->target, MESH_ID_LEN) == 0)
		return -EINVAL;
	return 0;
}

static void
mesh_punch_put_signed(struct wire_writer *w, const struct mesh_punch *p)
{
	wire_put_bytes(w, p->requester, MESH_ID_LEN);
	wire_put_bytes(w, p->target, MESH_ID_LEN);
	wire_put_u64(w, p->attempt);
	wire_put_u16(w, p->delay_ms);
	mesh_put_endpoint(w, &p->reflexive_wg);
	mesh_put_candidates(w, p->ncandidates, p->candidates);
}

static void
mesh_punch_put(struct wire_writer *w, const struct mesh_punch *p)
{
	mesh_punch_put_signed(w, p);
	wire_put_bytes(w, p->sig, MESH_SIG_LEN);
}

static int
mesh_punch_get(struct wire_reader *r, struct mesh_punch *p)
{
	size_t start = r->off;
	int rc;

	wire_get_bytes(r, p->requester, MESH_ID_LEN);
	wire_get_bytes(r, p->target, MESH_ID_LEN);
	wire_get_u64(r, &p->attempt);
	wire_get_u16(r, &p->delay_ms);
	rc = mesh_get_endpoint(r, &p->reflexive_wg);
	if (rc < 0)
		return rc;
	rc = mesh_get_candidates(r, &p->ncandidates, p->candidates);
	if (rc < 0)
		return rc;
	rc = mesh_punch_check(p);
	if (rc < 0)
		return rc;
	return mesh_get_sig(r, start, p->requester, mesh_dom_punch, p->sig, true);
}

int
mesh_punch_sign(struct mesh_punch *punch, const struct identity *id)
{
	uint8_t buf[SEAL_MAX_BODY];
	struct wire_writer w;
	int rc;

	memcpy(punch->requester, identity_node_id(id), MESH_ID_LEN);
	rc = mesh_punch_check(punch);
	if (rc < 0)
		return rc;
	wire_writer_init(&w, buf, sizeof(buf));
	mesh_punch_put_signed(&w, punch);
	return mesh_sign_buf(id, mesh_dom_punch, &w, punch->sig);
}

/* ---- CONFLICT -------------------------------------------------------------- */

static int
mesh_conflict_check(const struct mesh_conflict *c)
{
	const struct mesh_node_record *rec = &c->holder_record;
	int rc;

	if (c->addr.family != AF_INET && c->addr.family != AF_INET6)
		return -EINVAL;
	if (memcmp(c->holder, c->claimant, MESH_ID_LEN) == 0)
		return -EINVAL;
	if (!c->has_record)
		return 0;
	rc = mesh_record_check(rec);
	if (rc < 0)
		return rc;
	if (memcmp(rec->node_id, c->holder, MESH_ID_LEN) != 0 || rec->seq != c->holder_seq ||
	    !ipaddr_equal(&rec->addr, &c->addr))
		return -EINVAL;
	return 0;
}

static void
mesh_conflict_put(struct wire_writer *w, const struct mesh_conflict *c)
{
	mesh_put_addr(w, &c->addr);
	wire_put_bytes(w, c->holder, MESH_ID_LEN);
	wire_put_u64(w, c->holder_seq);
	wire_put_bytes(w, c->claimant, MESH_ID_LEN);
	wire_put_u64(w, c->claimant_seq);
	wire_put_u8(w, c->has_record ? 1 : 0);
	if (c->has_record)
		mesh_record_put(w, &c->holder_record);
}

static int
mesh_conflict_get(struct wire_reader *r, struct mesh_conflict *c)
{
	uint8_t has;
	int rc;

	rc = mesh_get_addr(r, &c->addr);
	if (rc < 0)
		return rc;
	wire_get_bytes(r, c->holder, MESH_ID_LEN);
	wire_get_u64(r, &c->holder_seq);
	wire_get_bytes(r, c->claimant, MESH_ID_LEN);
	wire_get_u64(r, &c->claimant_seq);
	if (wire_get_u8(r, &has) < 0)
		return r->err;
	if (has > 1)
		return -EINVAL;
	c->has_record = has == 1;
	if (c->has_record) {
		rc = mesh_record_get(r, &c->holder_record, true);
		if (rc < 0)
			return rc;
	}
	return mesh_conflict_check(c);
}

/* ---- dispatch -------------------------------------------------------------- */

static int
mesh_check(const struct mesh_msg *m)
{
	switch (m->type) {
	case MESH_HELLO:
		return mesh_hello_check(&m->hello);
	case MESH_RECORDS:
		return mesh_records_check(&m->records);
	case MESH_SUMMARY:
	case MESH_SYNC_REQUEST:
		return mesh_summary_check(&m->summary);
	case MESH_SUMMARY_HASH:
		return mesh_summary_hash_check(&m->hash);
	case MESH_LINK_STATE:
		return mesh_ls_check(&m->ls);
	case MESH_LINK_STATES:
		return mesh_link_states_check(&m->lss);
	case MESH_PING:
	case MESH_BYE:
		return 0;
	case MESH_PONG:
		return mesh_pong_check(&m->pong);
	case MESH_PROBE:
		return mesh_probe_check(&m->probe);
	case MESH_PROBE_ACK:
		return mesh_probe_ack_check(&m->probe_ack);
	case MESH_PUNCH:
		return mesh_punch_check(&m->punch);
	case MESH_CONFLICT:
		return mesh_conflict_check(&m->conflict);
	default:
		return -EOPNOTSUPP;
	}
}

int
mesh_encode(const struct mesh_msg *m, uint8_t *buf, size_t cap, size_t *len)
{
	struct wire_writer w;
	int rc = mesh_check(m);

	if (rc < 0)
		return rc;
	wire_writer_init(&w, buf, cap < SEAL_MAX_BODY ? cap : SEAL_MAX_BODY);
	switch (m->type) {
	case MESH_HELLO:
		mesh_hello_put(&w, &m->hello);
		break;
	case MESH_RECORDS:
		mesh_records_put(&w, &m->records);
		break;
	case MESH_SUMMARY:
	case MESH_SYNC_REQUEST:
		mesh_summary_put(&w, &m->summary);
		break;
	case MESH_SUMMARY_HASH:
		mesh_summary_hash_put(&w, &m->hash);
		break;
	case MESH_LINK_STATE:
		mesh_ls_put(&w, &m->ls);
		break;
	case MESH_LINK_STATES:
		mesh_link_states_put(&w, &m->lss);
		break;
	case MESH_PING:
		mesh_ping_put(&w, &m->ping);
		break;
	case MESH_PONG:
		mesh_pong_put(&w, &m->pong);
		break;
	case MESH_BYE:
		mesh_bye_put(&w, &m->bye);
		break;
	case MESH_PROBE:
		mesh_probe_put(&w, &m->probe);
		break;
	case MESH_PROBE_ACK:
		mesh_probe_ack_put(&w, &m->probe_ack);
		break;
	case MESH_PUNCH:
		mesh_punch_put(&w, &m->punch);
		break;
	case MESH_CONFLICT:
		mesh_conflict_put(&w, &m->conflict);
		break;
	}
	if (w.err < 0)
		return w.err;
	*len = w.len;
	return 0;
}

static int
mesh_decode_with(struct mesh_msg *m, uint8_t type, const uint8_t *buf, size_t len, bool verify)
{
	struct wire_reader r;
	int rc;

	memset(m, 0, sizeof(*m));
	m->type = type;
	wire_reader_init(&r, buf, len);
	switch (type) {
	case MESH_HELLO:
		rc = mesh_hello_get(&r, &m->hello, verify);
		break;
	case MESH_RECORDS:
		rc = mesh_records_get(&r, &m->records, verify);
		break;
	case MESH_SUMMARY:
	case MESH_SYNC_REQUEST:
		rc = mesh_summary_get(&r, &m->summary);
		break;
	case MESH_SUMMARY_HASH:
		rc = mesh_summary_hash_get(&r, &m->hash);
		break;
	case MESH_LINK_STATE:
		rc = mesh_ls_get(&r, &m->ls, verify);
		break;
	case MESH_LINK_STATES:
		rc = mesh_link_states_get_wire(&r, &m->lss, verify);
		break;
	case MESH_PING:
		rc = mesh_ping_get(&r, &m->ping);
		break;
	case MESH_PONG:
		rc = mesh_pong_get(&r, &m->pong);
		break;
	case MESH_BYE:
		rc = mesh_bye_get(&r, &m->bye);
		break;
	case MESH_PROBE:
		rc = mesh_probe_get(&r, &m->probe);
		break;
	case MESH_PROBE_ACK:
		rc = mesh_probe_ack_get(&r, &m->probe_ack);
		break;
	case MESH_PUNCH:
		rc = mesh_punch_get(&r, &m->punch);
		break;
	case MESH_CONFLICT:
		rc = mesh_conflict_get(&r, &m->conflict);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc < 0)
		return rc;
	return wire_reader_end(&r);
}

int
mesh_decode(struct mesh_msg *m, uint8_t type, const uint8_t *buf, size_t len)
{
	return mesh_decode_with(m, type, buf, len, true);
}

int
mesh_decode_lazy(struct mesh_msg *m, uint8_t type, const uint8_t *buf, size_t len)
{
	return mesh_decode_with(m, type, buf, len, false);
}

int
mesh_seal(const struct seal_keyring *kr, const struct identity *id, uint64_t counter,
          const struct mesh_msg *m, uint8_t *out, size_t cap, size_t *len)
{
	uint8_t body[SEAL_MAX_BODY];
	size_t blen;
	int rc = mesh_encode(m, body, sizeof(body), &blen);

	if (rc < 0)
		return rc;
	return seal_datagram(kr, id, counter, m->type, body, blen, out, cap, len);
}

const char *
mesh_type_name(uint8_t type)
{
	switch (type) {
	case MESH_HELLO:
		return "HELLO";
	case MESH_RECORDS:
		return "RECORDS";
	case MESH_SUMMARY:
		return "SUMMARY";
	case MESH_SYNC_REQUEST:
		return "SYNC_REQUEST";
	case MESH_BYE:
		return "BYE";
	case MESH_CONFLICT:
		return "CONFLICT";
	case MESH_SUMMARY_HASH:
		return "SUMMARY_HASH";
	case MESH_LINK_STATE:
		return "LINK_STATE";
	case MESH_LINK_STATES:
		return "LINK_STATES";
	case MESH_PING:
		return "PING";
	case MESH_PONG:
		return "PONG";
	case MESH_PROBE:
		return "PROBE";
	case MESH_PROBE_ACK:
		return "PROBE_ACK";
	case MESH_PUNCH:
		return "PUNCH";
	default:
		return "unknown";
	}
}

/* ---- link-state assembly --------------------------------------------------- */

void
mesh_ls_assembly_init(struct mesh_ls_assembly *a, const uint8_t origin[MESH_ID_LEN])
{
	memset(a, 0, sizeof(*a));
	memcpy(a->origin, origin, MESH_ID_LEN);
}

void
mesh_ls_assembly_free(struct mesh_ls_assembly *a)
{
	free(a->table);
	a->table = NULL;
	a->total = 0;
}

static int
mesh_ls_neighbour_cmp(const void *x, const void *y)
{
	const struct mesh_ls_neighbour *a = x, *b = y;

	return memcmp(a->node_id, b->node_id, MESH_ID_LEN);
}

/* All fragments are in: compact the slots into one sorted table. */
static int
mesh_ls_assembly_finish(struct mesh_ls_assembly *a)
{
	size_t i, n = 0;

	for (i = 0; i < a->nfrags; i++) {
		memmove(a->table + n, a->table + i * MESH_LS_PER_FRAG,
		        a->fcount[i] * sizeof(*a->table));
		n += a->fcount[i];
	}
	a->complete = true;
	a->total = n;
	qsort(a->table, n, sizeof(*a->table), mesh_ls_neighbour_cmp);
	for (i = 1; i < n; i++) {
		if (mesh_ls_neighbour_cmp(&a->table[i - 1], &a->table[i]) == 0) {
			a->total = 0;
			return -EINVAL;
		}
	}
	return 1;
}

int
mesh_ls_assembly_add(struct mesh_ls_assembly *a, const struct mesh_link_state *frag)
{
	if (memcmp(frag->origin, a->origin, MESH_ID_LEN) != 0)
		return -EINVAL;
	if (frag->nfrags == 0 || frag->nfrags > MESH_LS_MAX_FRAGS || frag->frag >= frag->nfrags ||
	    frag->count > MESH_LS_PER_FRAG)
		return -EINVAL;
	if (a->started && frag->seq < a->seq)
		return -ESTALE;
	if (a->started && frag->seq == a->seq) {
		if (a->complete)
			return -EALREADY;
		if (frag->nfrags != a->nfrags)
			return -EINVAL;
		if (a->have[frag->frag / 8] & (1U << (frag->frag % 8)))
			return -EALREADY;
	} else {
		struct mesh_ls_neighbour *t;

		t = malloc((size_t)frag->nfrags * MESH_LS_PER_FRAG * sizeof(*t));
		if (t == NULL)
			return -ENOMEM;
		free(a->table);
		a->table = t;
		a->seq = frag->seq;
		a->started = true;
		a->complete = false;
		a->nfrags = frag->nfrags;
		a->nhave = 0;
		a->total = 0;
		memset(a->have, 0, sizeof(a->have));
		memset(a->fcount, 0, sizeof(a->fcount));
	}
	a->have[frag->frag / 8] |= (uint8_t)(1U << (frag->frag % 8));
	a->fcount[frag->frag] = frag->count;
	if (frag->count > 0)
		memcpy(a->table + (size_t)frag->frag * MESH_LS_PER_FRAG, frag->n,
		       frag->count * sizeof(*frag->n));
	a->nhave++;
	if (a->nhave < a->nfrags)
		return 0;
	return mesh_ls_assembly_finish(a);
}

/* ---- digest ---------------------------------------------------------------- */

void
mesh_digest_init(struct mesh_digest *d)
{
	memset(d, 0, sizeof(*d));
	crypto_generichash_init(&d->st, NULL, 0, MESH_DIGEST_LEN);
	crypto_generichash_update(&d->st, (const uint8_t *)mesh_dom_digest,
	                          sizeof(mesh_dom_digest));
}

int
mesh_digest_add(struct mesh_digest *d, const uint8_t node_id[MESH_ID_LEN], uint64_t record_seq,
                uint64_t ls_seq)
{
	uint8_t buf[MESH_ID_LEN + 16];
	struct wire_writer w;

	if (d->count > 0 && memcmp(node_id, d->last, MESH_ID_LEN) <= 0)
		return -EINVAL;
	wire_writer_init(&w, buf, sizeof(buf));
	wire_put_bytes(&w, node_id, MESH_ID_LEN);
	wire_put_u64(&w, record_seq);
	wire_put_u64(&w, ls_seq);
	crypto_generichash_update(&d->st, buf, w.len);
	memcpy(d->last, node_id, MESH_ID_LEN);
	d->count++;
	return 0;
}

void
mesh_digest_final(struct mesh_digest *d, uint8_t out[MESH_DIGEST_LEN])
{
	crypto_generichash_final(&d->st, out, MESH_DIGEST_LEN);
}
