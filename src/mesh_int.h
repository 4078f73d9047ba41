/*
 * mesh_int: the mesh core's state and the helpers its files share
 * (src/mesh.c: membership, link state, routing, reconcile;
 *  src/paths.c: direct paths — LAN probing, NAT traversal, keepalive policy).
 * Not an API: nothing outside src/mesh*.c and src/paths.c includes it.
 */
#ifndef WGNM_MESH_INT_H
#define WGNM_MESH_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>

#include "proto/mesh.h"
#include "proto/replay.h"
#include "proto/seal.h"
#include "src/log.h"
#include "src/mesh.h"
#include "src/node.h"
#include "src/resolve.h"
#include "src/route.h"

enum drop_reason {
	DROP_TRUNCATED,
	DROP_OVERSIZE,
	DROP_HEADER,   /* bad magic or unknown version */
	DROP_KEY,      /* unknown key id or authentication failure */
	DROP_SIGNATURE,
	DROP_REPLAY,
	DROP_DECODE,   /* body does not decode */
	DROP_SELF,     /* our own datagram came back */
	DROP_POLICY,   /* refused record: outside subnet, conflict, mismatch, not in nodes: */
	DROP_RATE,     /* its source address sent more than the per-source rate */
	DROP_CAP,      /* would need a new node or link-state table beyond the caps */
	DROP_NREASONS,
};


struct static_peer {
	struct mesh *m;
	const struct config_static *cfg;
	int index;
	bool is_self;
	struct ipaddr addrs[RESOLVE_MAX_ADDRS];
	size_t naddrs;
	bool resolving;
	uint64_t query;
	double next_resolve;
	double next_hello;
	double backoff;
	struct node *node; /* bound when its record arrives */
};

/* A kernel route wgnm installed (kept sorted, diffed against the wanted set). */
struct installed_route {
	struct ipprefix dst;
};

/*
 * One source address's token bucket (mesh_input's per-source rate limit).
 * A bucket that has refilled to full is as good as none, so the table
 * reuses such slots: it only ever holds sources that sent recently.
 */
struct rate_bucket {
	struct ipaddr addr; /* AF_UNSPEC: free */
	double tokens;
	double last; /* monotonic time tokens were computed at */
};

struct reflexive {
	uint32_t seen_by; /* node index */
	struct endpoint admin, wg;
	double when;
};

struct mesh {
	struct ev_loop *loop;
	struct mesh_self_config cfg;
	const struct identity *id;
	struct mesh_io io;
	struct mesh_params p;

	struct seal_keyring *kr;
	struct replay_counter counter;
	uint8_t probe_prefix[8]; /* fd + 40-bit global id + 16-bit subnet 0 */

	struct node_table *nodes;
	struct node *self;
	struct node **nbrs; /* every node with a link (n->link->nbr_slot is its place) */
	uint32_t nnbrs, nbrs_cap;
	uint32_t record_seq; /* low half of our record seq */
	uint32_t ls_seq;     /* low half of our link-state seq */
	bool ls_renew;       /* re-sign every fragment at the next origination */

	struct lsdb *lsdb;
	struct route_entry *rt;
	uint32_t rt_cap;

	struct static_peer *statics;
	size_t nstatics;
	struct resolver *resolver;

	struct wg_device *wg_applied;
	struct installed_route *routes;
	size_t nroutes;
	bool forwarding;
	double next_wg_poll;
	bool wg_retry;      /* an apply failed: the tick retries at wg_retry_at */
	bool wg_fresh;      /* the device was recreated: ping every neighbour once applied */
	double wg_retry_at;
	uint32_t sync_seq;

	bool dirty_ls, dirty_routes, dirty_wg, dirty_record;
	double last_change; /* last record or link-state change (for quick digest checks) */
	bool started, stopping;
	uint64_t generation;
	/* fill_digest()'s last result, valid while generation is digest_gen */
	bool digest_valid;
	uint64_t digest_gen;
	uint32_t digest_known;
	uint8_t digest[MESH_DIGEST_LEN];

	struct reflexive reflexive[8];
	enum mesh_nat nat;
	bool traffic_sampled; /* the daemon reports data use (mesh_traffic) */
	uint32_t punch_seq;
	int hops_to_gateway; /* routers between us and a static peer; 0 = unknown */
	struct node *primary_gateway; /* a mobile node keeps only this one warm */

	struct mesh_stats stats;
	struct log_ratelimit rl_drop;
	struct log_ratelimit rl_refuse;
	struct log_ratelimit rl_cap;

	struct rate_bucket *rate; /* open addressing, rate_slots (a power of two) */
	uint32_t rate_slots;
	uint32_t ls_frags; /* fragments announced by the link-state assemblies held (cap) */

	double ls_last;            /* our last link-state origination */

	/*
	 * Records and link-state fragments accepted as new since the last
	 * reconcile, with the id of the node they came from (zero: ours): flooded
	 * together, packed per neighbour (flood_flush in src/mesh.c).
	 */
	struct flood_rec {
		uint8_t from[MESH_ID_LEN];
		struct mesh_node_record rec;
	} *fq_rec;
	struct flood_ls {
		uint8_t from[MESH_ID_LEN];
		struct mesh_link_state ls;
	} *fq_ls;
	uint32_t nfq_rec, cap_fq_rec, nfq_ls, cap_fq_ls;

	ev_prepare reconcile_w;
	ev_timer tick_w;
	ev_timer ls_w; /* wakes the loop for a held-back origination */
};

/*
 * Link-state originations are at least this far apart: the first change
 * after a quiet spell goes out at once, a storm of link changes (a hub
 * taking on many clients) is batched into one origination per interval.
 * Short, because a node's first links come up one after another at start
 * and each waits for it (0.5 s made every pair reachable 0.7 s later).
 */
#define LS_MIN_INTERVAL 0.1

/* sync_id bit: this SUMMARY answers another one (do not answer it) */
#define SYNC_ANSWER 0x80000000u
/* sync_id bit: the sender of this SUMMARY or SYNC_REQUEST takes LINK_STATES answers */
#define SYNC_BATCH 0x40000000u

#define LINK_COST_LAN 10
#define LINK_COST_NAT 50
#define LINK_COST_PUBLIC 100


/* time */
double mesh_mono(void);
double mesh_jitter(double v);

/* state changes */
void mesh_touch(struct mesh *m);
void mesh_changed(struct mesh *m);
struct node *mesh_get_node(struct mesh *m, const uint8_t id[MESH_ID_LEN], bool *created);

/* sending */
int mesh_send(struct mesh *m, const struct endpoint *dst, const struct mesh_msg *msg,
	      struct node *to);
int mesh_send_to_node(struct mesh *m, struct node *n, const struct mesh_msg *msg);
bool mesh_node_admin_dst(struct mesh *m, struct node *n, struct endpoint *dst);

/* links */
struct link *mesh_link_ensure(struct mesh *m, struct node *n, enum link_kind kind);
void mesh_link_remove(struct mesh *m, struct node *n, const char *why);
void mesh_link_set_state(struct mesh *m, struct node *n, enum link_state s, const char *why);

/* What a link's keepalive policy says right now (src/paths.c). */
struct link_policy {
	bool ping;       /* this side pings */
	bool dormant;    /* no data: only the slow quiet check */
	double interval; /* ping interval */
	double dead;     /* silence after which the link is down */
	bool waking;     /* data again after a quiet spell: WireGuard may be re-handshaking */
};

/* src/paths.c */
void paths_link_policy(struct mesh *m, struct node *n, double now, struct link_policy *pol);
/* The pair went quiet: the quiet check starts with a ping now (unless one was answered lately). */
void paths_link_quiet(struct link *l, double now);
/* Latest sign of life on the link: ping, pong, WireGuard rx (up, with data), or waking. */
double paths_link_heard(const struct link *l);
void paths_tick(struct mesh *m, double now);
void paths_handle_probe(struct mesh *m, struct node *from, const struct endpoint *src,
			const struct mesh_probe *p);
void paths_handle_probe_ack(struct mesh *m, struct node *from, const struct endpoint *src,
			    const struct mesh_probe_ack *a);
void paths_handle_punch(struct mesh *m, struct node *from, const struct mesh_punch *p);
void paths_pong(struct mesh *m, struct node *from, const struct mesh_pong *p);
void paths_link_up(struct mesh *m, struct node *n);
void paths_link_down(struct mesh *m, struct node *n);
void paths_record_changed(struct mesh *m, struct node *n);
void paths_reset(struct mesh *m, const char *why);
/* Data crossed between us and n (sampled, or seen in WireGuard's counters). */
void mesh_used(struct mesh *m, struct node *n, double now);

#endif
