/*
 * node: the table of every node this node knows, and the per-node state.
 *
 * Vocabulary:
 *   node      one member of the mesh, named by its identity public key (id).
 *             The table holds self too (index 0 is not special; self is
 *             whatever mesh->self points at).
 *   index     a small integer per node, stable while the node is in the
 *             table, reused after removal; the link-state database and the
 *             route table are arrays by index.
 *   record    the node's latest verified, signed self-description.
 *   link      a direct WireGuard peering with a neighbour (struct link):
 *             present while this node wants the neighbour as a WireGuard
 *             peer, whether or not it works yet.
 *
 * Node state machine (derived after every route computation):
 *
 *     unknown ──reachable──▶ via-gateway ◀──────▶ direct
 *        ▲                        │                  │
 *        │                        └──unreachable──▶ down ──reachable──▶ ...
 *     (GC after NODE_GC_S down)
 *   conflict: the node's claim to its address was refused (shown, not routed).
 *
 * Lookups by id are O(1) (open addressing on the first 8 bytes of the id).
 */
#ifndef WGNM_NODE_H
#define WGNM_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/lsfrag.h"
#include "proto/mesh.h"
#include "proto/replay.h"

enum node_state {
	NODE_UNKNOWN = 0, /* record known, never reachable yet */
	NODE_SELF,
	NODE_DIRECT,      /* next hop is the node itself */
	NODE_VIA_GATEWAY, /* next hop is another node */
	NODE_DOWN,        /* was reachable, is not */
	NODE_CONFLICT,    /* refused: its address is held by a live node */
};

enum link_kind {
	LINK_STATIC, /* we bootstrap to it: a static peer of net.yaml */
	LINK_CLIENT, /* it bootstrapped to us over the underlay */
	LINK_LAN,    /* proven direct path on a shared LAN */
	LINK_NAT,    /* proven direct path through NATs */
};

enum link_state {
	LINK_TRYING, /* configured, not (yet) proven */
	LINK_UP,     /* handshake recent and pings answered */
	LINK_DOWN,   /* was up; pings unanswered */
};

struct link {
	enum link_kind kind;
	enum link_state state;
	struct endpoint endpoint; /* the WireGuard endpoint we set; port 0: let WG learn */
	uint16_t keepalive_s;
	uint16_t cost;
	bool pinger; /* this side sends the pings (the other only answers) */
	bool warm;   /* kept alive (pinged) now */
	char warm_reason[48]; /* why it is (or is not) kept warm */
	double last_used;     /* last time data (not just our pings) crossed it */

	double created;
	double up_since;
	double working_since; /* handshake and pings both good since; 0 = not working */
	double last_sync;     /* last anti-entropy HELLO we sent over this link */
	double last_heard;   /* last ping or pong from the neighbour over this link */
	double last_rx;      /* WireGuard's rx counter for the peer last grew (polled) */
	bool rx_known;       /* rx_bytes holds a polled value (growth means packets came) */
	bool dormant;        /* at the last tick: no data, only the slow quiet check */
	double woke;         /* left dormancy (data again): checked afresh from then */
	double last_ping;    /* last ping we sent */
	uint64_t ping_token;
	uint32_t rtt_us;
	uint32_t nbr_slot; /* its place in the core's neighbour list */

	/* What WireGuard reports for the peer (polled). */
	int64_t handshake_wall; /* seconds since the epoch, 0 = never */
	struct endpoint wg_seen; /* endpoint WireGuard currently uses */
	uint64_t rx_bytes, tx_bytes;
	uint64_t admin_wg_tx; /* what our admin datagrams to it added to tx_bytes since the poll */
};

/* Direct-path attempts towards a node (LAN probing, NAT traversal). */
enum path_state {
	PATH_NOT_TRIED = 0,
	PATH_PROBING,  /* PROBEs sent to its LAN candidates */
	PATH_PUNCHING, /* PUNCH exchanged, WireGuard handshaking on reflexive endpoints */
	PATH_DIRECT,   /* a direct link works */
	PATH_FAILED,   /* gave up: see reason */
	PATH_BACKOFF,  /* failed; next attempt at retry_at */
};

struct path {
	enum path_state state;
	char reason[64];   /* why it failed or why it is not tried */
	double retry_at;   /* monotonic; 0 = none */
	unsigned attempts; /* since the last success or candidate change */
	double started;    /* current attempt began */
	uint64_t token;    /* of the PROBE in flight */
	uint64_t attempt;  /* PUNCH attempt id we sent */
	double punch_sent; /* our last initiating PUNCH */
	unsigned punch_tries; /* initiating PUNCHes of this attempt */
	uint64_t attempt_seen; /* highest PUNCH attempt id received from it */
	bool parked;       /* idle: via the gateway until the pair is used again */
	bool answer_pending; /* its PUNCH waits for our reflexive endpoint */
	double answer_until; /* give the pending answer up then */
	struct endpoint candidate; /* LAN candidate being probed / reflexive endpoint punched */
};

struct node_counters {
	uint64_t admin_in, admin_out;
	uint64_t pings_sent, pongs_received;
	uint64_t probes_sent, probes_answered;
	uint64_t keepalives; /* persistent keepalives WireGuard sends for this peer (estimate) */
};

struct node {
	uint8_t id[MESH_ID_LEN];
	char short_id[IDENTITY_SHORT_LEN];
	uint32_t index;

	bool has_record;
	struct mesh_node_record rec;

	enum node_state state;
	double state_since;
	uint32_t next_hop; /* route table copy, ROUTE_NONE if unreachable */
	uint32_t cost;

	struct replay_window replay;
	double last_rx;                /* last authenticated datagram from it */
	struct endpoint last_src;      /* its source address on that datagram */
	bool last_src_underlay;

	struct lsfrag_set ls;          /* its link-state fragments (origin = id) */
	uint64_t ls_seq;               /* ls.version: what digests and SUMMARY carry, 0 = none */
	bool takes_lss;                /* it said it takes LINK_STATES (sync id bit 30) */
	uint8_t ls_asks;               /* SYNC_REQUESTs for its link state (handle_summary) */

	struct link *link;             /* NULL: not a direct WireGuard peer */
	int static_index;              /* its entry in net.yaml's peers, -1 if none */
	bool ever_reachable;
	double heard_since;            /* when its current record arrived */

	struct path path;              /* direct-path attempts towards it */
	double last_used;              /* data to/from it seen (sampled), monotonic */
	bool left;                     /* said BYE */
	char conflict[160];            /* why its claim was refused, "" if none */

	struct node_counters cnt;
};

struct node_table;

struct node_table *node_table_new(void);
/* Frees every node (and its link). */
void node_table_free(struct node_table *t);

struct node *node_find(const struct node_table *t, const uint8_t id[MESH_ID_LEN]);
/* Find or create (zeroed, state unknown). NULL on ENOMEM. *created set when new. */
struct node *node_get(struct node_table *t, const uint8_t id[MESH_ID_LEN], bool *created);
void node_remove(struct node_table *t, struct node *n);
/* Node by index, NULL if the slot is free. */
struct node *node_at(const struct node_table *t, uint32_t index);
/* One past the highest index in use (size for arrays by index). */
uint32_t node_table_span(const struct node_table *t);
size_t node_table_count(const struct node_table *t);

/* The node that holds overlay address a (by record), or NULL. Indexed (O(1)). */
struct node *node_find_by_addr(const struct node_table *t, const struct ipaddr *a);
/*
 * Give n the record rec (copied; rec may be &n->rec after an in-place
 * change) and set has_record. Every change of a node's record goes through
 * here: it keeps the address index.
 */
void node_set_record(struct node_table *t, struct node *n, const struct mesh_node_record *rec);

const char *node_state_name(enum node_state s);
const char *link_kind_name(enum link_kind k);
/* "name" or the short id when the node has no record/name yet. */
const char *node_label(const struct node *n);

#endif
