/*
 * mesh: the messages carried in sealed admin datagrams (PROTOCOL.md has
 * every field). Encoders and decoders over byte buffers, no I/O.
 *
 * Vocabulary:
 *   node record   a node's self-description (keys, ports, address, candidate
 *                 endpoints), signed by the node itself, so anyone can forward
 *                 it and everyone can verify it
 *   link state    an origin's signed list of direct neighbours with costs,
 *                 split in fragments of MESH_LS_PER_FRAG entries that share
 *                 the origin's sequence number and are each signed
 *   seq           every signed object carries a u64 epoch << 32 | seq, like
 *                 datagram counters, so a newer one always compares greater,
 *                 also across restarts
 *   sync id       a token a HELLO/SYNC_REQUEST chooses and the RECORDS or
 *                 SUMMARY answering it echo (0: unsolicited)
 *   digest        BLAKE2b-256 summarising the (id, record seq, link-state
 *                 seq) set a node knows, to tell cheaply whether to sync
 *
 * Decoded messages are plain structs with fixed arrays and explicit caps.
 * Decoders never read out of bounds and verify every embedded signature, so
 * a caller never holds an unverified record, link state, BYE or PUNCH;
 * mesh_decode_lazy() is the one exception (records and link state), for a
 * caller that verifies them itself when they are new.
 * Errors (the same for encode, which refuses what decode would reject):
 *   -EBADMSG     truncated, or bytes left over
 *   -E2BIG       a count or length over its cap (never truncated silently)
 *   -EINVAL      a field with an invalid value
 *   -EPERM       an embedded signature does not verify
 *   -EOPNOTSUPP  unknown message type
 *   -EMSGSIZE    (encode) the body would not fit in SEAL_MAX_BODY or the buffer
 */
#ifndef WGNM_PROTO_MESH_H
#define WGNM_PROTO_MESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "proto/identity.h"
#include "proto/ipaddr.h"
#include "proto/seal.h"

#define MESH_ID_LEN            IDENTITY_ID_LEN
#define MESH_SIG_LEN           IDENTITY_SIG_LEN
#define MESH_NAME_MAX          32
#define MESH_CANDIDATES_MAX    8
#define MESH_RECORDS_MAX       7  /* smallest records that fit one body */
#define MESH_SUMMARY_MAX       22 /* (1081 - 9) / 48 */
#define MESH_LS_PER_FRAG       27 /* (1081 - 107) / 35 */
#define MESH_LS_MAX_FRAGS      128
#define MESH_LS_MAX_NEIGHBOURS (MESH_LS_PER_FRAG * MESH_LS_MAX_FRAGS) /* 3456 */
#define MESH_DIGEST_LEN        32
#define MESH_LS_BATCH_MAX      10  /* (1081 - 1) / 107: empty fragments per LINK_STATES */
#define MESH_HASH_BUCKETS_MAX  128 /* SUMMARY_HASH: (1081 - 41) / 8 rounded down to 2^k */

enum mesh_type {
	/* 0x10-0x1f: membership and anti-entropy */
	MESH_HELLO = 0x10,
	MESH_RECORDS = 0x11,
	MESH_SUMMARY = 0x12,
	MESH_SYNC_REQUEST = 0x13,
	MESH_BYE = 0x14,
	MESH_CONFLICT = 0x15,
	MESH_SUMMARY_HASH = 0x16, /* per-bucket hashes of a SUMMARY: find what differs first */
	/* 0x20-0x2f: routing */
	MESH_LINK_STATE = 0x20,
	MESH_LINK_STATES = 0x21, /* several fragments: sync answers to a node that asked for it */
	/* 0x30-0x3f: liveness, paths, NAT traversal */
	MESH_PING = 0x30,
	MESH_PONG = 0x31,
	MESH_PROBE = 0x32,
	MESH_PROBE_ACK = 0x33,
	MESH_PUNCH = 0x34,
};

/* Node record flags; unknown bits are kept, forwarded and ignored. */
enum {
	MESH_NODE_MOBILE = 1U << 0,  /* roams: endpoints change, never a gateway */
	MESH_NODE_RELAY = 1U << 1,   /* publicly reachable, willing to be a gateway */
	MESH_NODE_LEAVING = 1U << 2, /* shutting down for good: stop routing via it */
};

/* HELLO flags; unknown bits are ignored. */
enum {
	MESH_HELLO_REPLY = 1U << 0,  /* answers a HELLO: do not answer with a HELLO */
	MESH_HELLO_HASHES = 1U << 1, /* sender takes SUMMARY_HASH for a differing digest */
};

/* Link-state neighbour flags; unknown bits are kept and ignored. */
enum {
	MESH_LS_LAN = 1U << 0,     /* direct path over a shared LAN */
	MESH_LS_NAT = 1U << 1,     /* direct path made by NAT traversal */
	MESH_LS_PUBLIC = 1U << 2,  /* direct path to a public endpoint */
	MESH_LS_GATEWAY = 1U << 3, /* origin forwards traffic to this neighbour */
};

/* BYE reasons; unknown values are kept and treated as MESH_BYE_SHUTDOWN. */
enum {
	MESH_BYE_SHUTDOWN = 0, /* going away, may come back */
	MESH_BYE_LEAVE = 1,    /* leaving the network for good */
};

struct mesh_node_record {
	uint8_t node_id[MESH_ID_LEN];
	uint64_t seq;
	uint16_t flags;
	char name[MESH_NAME_MAX + 1]; /* printable ASCII 0x21-0x7e, may be empty */
	struct ipaddr addr;           /* overlay address; AF_UNSPEC: none claimed */
	uint8_t wg_public[IDENTITY_WG_KEY_LEN];
	uint16_t wg_port;    /* WireGuard listen port, non-zero */
	uint16_t admin_port; /* admin UDP port, non-zero */
	uint8_t ncandidates;
	struct endpoint candidates[MESH_CANDIDATES_MAX]; /* local endpoints of the WG port */
	uint8_t sig[MESH_SIG_LEN];
};

struct mesh_hello {
	uint8_t flags;
	uint32_t sync_id;
	uint32_t known; /* entries in the digest */
	uint8_t digest[MESH_DIGEST_LEN];
	struct mesh_node_record record; /* the sender's own */
};

/* Part `part` (0-based) of `parts` of the answer to sync_id, or a push (0, 0 of 1). */
struct mesh_records {
	uint32_t sync_id;
	uint16_t part, parts;
	uint8_t count;
	struct mesh_node_record rec[MESH_RECORDS_MAX];
};

struct mesh_summary_entry {
	uint8_t node_id[MESH_ID_LEN];
	uint64_t record_seq; /* 0: no record */
	uint64_t ls_seq;     /* 0: no link state */
};

/* SUMMARY: what I hold. SYNC_REQUEST: send me what is newer than this. */
struct mesh_summary {
	uint32_t sync_id;
	uint16_t part, parts;
	uint8_t count;
	struct mesh_summary_entry e[MESH_SUMMARY_MAX];
};

/*
 * SUMMARY_HASH: what a SUMMARY would list, as nbuckets hashes. Node id x
 * falls in bucket mesh_summary_bucket(x, nbuckets); a bucket's hash is the
 * sum (mod 2^64) of mesh_summary_entry_hash() over its entries, so two
 * holders compare bucket by bucket and exchange SUMMARY entries of the
 * buckets that differ only. known and digest are the sender's HELLO digest.
 */
struct mesh_summary_hash {
	uint32_t sync_id;
	uint32_t known;
	uint8_t digest[MESH_DIGEST_LEN];
	uint8_t nbuckets; /* 1..MESH_HASH_BUCKETS_MAX */
	uint64_t h[MESH_HASH_BUCKETS_MAX];
};

unsigned mesh_summary_bucket(const uint8_t node_id[MESH_ID_LEN], unsigned nbuckets);
uint64_t mesh_summary_entry_hash(const uint8_t node_id[MESH_ID_LEN], uint64_t record_seq,
                                 uint64_t ls_seq);

struct mesh_ls_neighbour {
	uint8_t node_id[MESH_ID_LEN];
	uint16_t cost; /* 1..65535 */
	uint8_t flags;
};

struct mesh_link_state {
	uint8_t origin[MESH_ID_LEN];
	uint64_t seq;
	uint8_t frag, nfrags; /* frag < nfrags <= MESH_LS_MAX_FRAGS */
	uint8_t count;
	struct mesh_ls_neighbour n[MESH_LS_PER_FRAG];
	uint8_t sig[MESH_SIG_LEN];
};

/*
 * LINK_STATES: up to MESH_LS_BATCH_MAX fragments (of any origins) in one
 * body, each exactly as in LINK_STATE and signed on its own. Their entries
 * share one pool: the body holds at most MESH_LS_PER_FRAG entries in all.
 * Fill with mesh_link_states_add(), read with mesh_link_states_get().
 */
struct mesh_link_states {
	uint8_t count;
	uint8_t nentries; /* pool entries in use */
	struct mesh_ls_batch_frag {
		uint8_t origin[MESH_ID_LEN];
		uint64_t seq;
		uint8_t frag, nfrags, count;
		uint8_t first; /* its entries: pool[first .. first + count) */
		uint8_t sig[MESH_SIG_LEN];
	} f[MESH_LS_BATCH_MAX];
	struct mesh_ls_neighbour pool[MESH_LS_PER_FRAG];
};

struct mesh_ping {
	uint64_t token;
	uint64_t timestamp; /* sender's monotonic clock, opaque to the receiver */
};

struct mesh_pong {
	uint64_t token;             /* echoed */
	uint64_t timestamp;         /* echoed */
	struct endpoint seen_admin; /* source address:port the PING came from */
	struct endpoint seen_wg;    /* responder's WG endpoint for the pinger; AF_UNSPEC: none */
};

struct mesh_bye {
	uint8_t node_id[MESH_ID_LEN];
	uint64_t record_seq; /* the leaving node's current record seq */
	uint8_t reason;
	uint8_t sig[MESH_SIG_LEN];
};

struct mesh_probe {
	uint8_t target[MESH_ID_LEN]; /* who the prober expects to answer */
	uint64_t token;
	uint32_t path_id;
	struct endpoint candidate; /* the endpoint under test (the destination) */
};

struct mesh_probe_ack {
	uint64_t token;            /* echoed */
	uint32_t path_id;          /* echoed */
	struct endpoint candidate; /* echoed */
	struct endpoint seen;      /* source the PROBE came from; AF_UNSPEC: unknown */
};

struct mesh_punch {
	uint8_t requester[MESH_ID_LEN];
	uint8_t target[MESH_ID_LEN];
	uint64_t attempt;             /* epoch << 32 | seq of the requester; grows per attempt */
	uint16_t delay_ms;            /* start punching this long after receipt */
	struct endpoint reflexive_wg; /* requester's WG endpoint seen from outside; may be unset */
	uint8_t ncandidates;
	struct endpoint candidates[MESH_CANDIDATES_MAX];
	uint8_t sig[MESH_SIG_LEN]; /* by requester: relays forward it unchanged */
};

struct mesh_conflict {
	struct ipaddr addr; /* the contested overlay address */
	uint8_t holder[MESH_ID_LEN];
	uint64_t holder_seq;
	uint8_t claimant[MESH_ID_LEN];
	uint64_t claimant_seq;
	bool has_record; /* holder_record present: the proof, holder-signed */
	struct mesh_node_record holder_record;
};

struct mesh_msg {
	uint8_t type; /* enum mesh_type */
	union {
		struct mesh_hello hello;
		struct mesh_records records;
		struct mesh_summary summary; /* MESH_SUMMARY and MESH_SYNC_REQUEST */
		struct mesh_summary_hash hash;
		struct mesh_link_state ls;
		struct mesh_link_states lss;
		struct mesh_ping ping;
		struct mesh_pong pong;
		struct mesh_bye bye;
		struct mesh_probe probe;
		struct mesh_probe_ack probe_ack;
		struct mesh_punch punch;
		struct mesh_conflict conflict;
	};
};

/* Encode m's body into buf (capacity cap); *len set on success. */
int mesh_encode(const struct mesh_msg *m, uint8_t *buf, size_t cap, size_t *len);
/* Decode a body of the given type (from seal_open()) into m. */
int mesh_decode(struct mesh_msg *m, uint8_t type, const uint8_t *buf, size_t len);
/*
 * mesh_decode() except that the signatures of the node records of HELLO and
 * RECORDS and of a LINK_STATE fragment are read but NOT verified (every
 * other check is made; BYE, PUNCH and CONFLICT's proof are verified). For a
 * receiver that most often holds these objects already: it must verify each
 * one with mesh_record_verify() / mesh_ls_verify() before it changes any
 * state, and may skip that only for an object that changes nothing (older
 * than the one held, or mesh_record_same() as a verified one held).
 */
int mesh_decode_lazy(struct mesh_msg *m, uint8_t type, const uint8_t *buf, size_t len);
/* mesh_encode() then seal_datagram(): one sealed datagram in out. */
int mesh_seal(const struct seal_keyring *kr, const struct identity *id, uint64_t counter,
              const struct mesh_msg *m, uint8_t *out, size_t cap, size_t *len);
const char *mesh_type_name(uint8_t type); /* "HELLO", ..., or "unknown" */

/* Set the signer field from id and sign. Fields are validated first. */
int mesh_record_sign(struct mesh_node_record *rec, const struct identity *id);
int mesh_ls_sign(struct mesh_link_state *ls, const struct identity *id);
int mesh_bye_sign(struct mesh_bye *bye, const struct identity *id);
int mesh_punch_sign(struct mesh_punch *punch, const struct identity *id);
/* 0 when rec is valid and signed by rec->node_id (e.g. a record from a cache). */
int mesh_record_verify(const struct mesh_node_record *rec);
/* 0 when ls is valid and signed by ls->origin. */
int mesh_ls_verify(const struct mesh_link_state *ls);
/* a and b have the same signed bytes and the same signature. */
bool mesh_record_same(const struct mesh_node_record *a, const struct mesh_node_record *b);
/* Encoded size of a valid record. */
size_t mesh_record_len(const struct mesh_node_record *rec);
/* How many of recs[0..n) one RECORDS message holds (at least 1 when n > 0). */
size_t mesh_records_fit(const struct mesh_node_record *recs, size_t n);

/*
 * Link-state fragments: the table of n neighbours goes in
 * mesh_ls_nfrags(n) fragments of MESH_LS_PER_FRAG (an empty table is one
 * empty fragment). mesh_ls_fragment() fills and signs fragment frag.
 * -E2BIG when n > MESH_LS_MAX_NEIGHBOURS, -EINVAL when frag is out of range.
 */
unsigned mesh_ls_nfrags(size_t n);
int mesh_ls_fragment(struct mesh_link_state *out, const struct identity *id, uint64_t seq,
                     const struct mesh_ls_neighbour *all, size_t n, unsigned frag);

/*
 * LINK_STATES: append a valid signed fragment; -EMSGSIZE when the body
 * would not fit (send it and start another), -EINVAL when f is invalid.
 * Get fragment i (< count) back as a LINK_STATE.
 */
int mesh_link_states_add(struct mesh_link_states *b, const struct mesh_link_state *f);
void mesh_link_states_get(const struct mesh_link_states *b, unsigned i,
                          struct mesh_link_state *out);

/*
 * Reassembly of one origin's link state from verified fragments (any order).
 * Owned by the caller, one per origin; free with mesh_ls_assembly_free().
 * mesh_ls_assembly_add() returns
 *   1          complete: table[0..total) is the origin's table for seq,
 *              sorted by node id, valid until the next newer seq or free
 *   0          accepted, more fragments needed
 *   -EALREADY  duplicate fragment, or seq already complete
 *   -ESTALE    older seq than the one held (a newer seq discards a partial one)
 *   -EINVAL    another origin; nfrags differs from this seq's other
 *              fragments; or the completed table lists a neighbour twice
 *              (the seq is then done with total 0)
 *   -ENOMEM
 */
struct mesh_ls_assembly {
	uint8_t origin[MESH_ID_LEN];
	uint64_t seq;
	bool started, complete;
	uint8_t nfrags, nhave;
	uint8_t have[MESH_LS_MAX_FRAGS / 8];
	uint8_t fcount[MESH_LS_MAX_FRAGS];
	size_t total;
	struct mesh_ls_neighbour *table; /* nfrags * MESH_LS_PER_FRAG slots, malloc */
};

void mesh_ls_assembly_init(struct mesh_ls_assembly *a, const uint8_t origin[MESH_ID_LEN]);
int mesh_ls_assembly_add(struct mesh_ls_assembly *a, const struct mesh_link_state *frag);
void mesh_ls_assembly_free(struct mesh_ls_assembly *a);

/*
 * Digest for HELLO: add every known (node id, record seq, link-state seq)
 * in strictly ascending node id order (-EINVAL otherwise).
 */
struct mesh_digest {
	crypto_generichash_state st;
	uint32_t count;
	uint8_t last[MESH_ID_LEN];
};

void mesh_digest_init(struct mesh_digest *d);
int mesh_digest_add(struct mesh_digest *d, const uint8_t node_id[MESH_ID_LEN], uint64_t record_seq,
                    uint64_t ls_seq);
void mesh_digest_final(struct mesh_digest *d, uint8_t out[MESH_DIGEST_LEN]);

#endif
