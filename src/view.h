/*
 * view: what a node shows, as control-protocol rows (proto/ctl.h), and the
 * ordered change events between two versions of it. The in-process TUI and
 * every control client are fed from the same published view, so they cannot
 * disagree.
 *
 * Vocabulary:
 *   rows       header, NAT block, one struct ctl_peer per node that has a
 *              record (self included), one struct ctl_route per reachable
 *              node (its overlay address as a host prefix)
 *   fresh      rows just built from the mesh (view_build)
 *   published  the rows every subscriber has seen, with the sequence number
 *              of the last event handed out (view_publish turns a fresh view
 *              into events and becomes it)
 *   source     where nodes come from: the mesh, or an array in a unit test
 *
 * Invariants: peers are sorted by id, routes by destination (the order of
 * tui/model.c); every row is zeroed before it is filled (strings padded with
 * NULs, addresses without stray bytes), so memcmp() tells changed rows from
 * unchanged ones. Event seq numbers increase by one per event. Times are
 * wall-clock seconds derived from the monotonic clock through one fixed
 * offset taken at view_init(), so a time that did not change never looks
 * changed.
 */
#ifndef WGNM_VIEW_H
#define WGNM_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/ctl.h"

struct mesh;
struct node;

/* Everything about this node that is not in the mesh core. */
struct view_info {
	const char *ifname;
	const char *backend; /* netif_backend_name() */
	struct ipprefix subnet;
	uint16_t wg_port, admin_port;
	bool mobile;
	int64_t start_time; /* wall clock seconds */
};

struct view {
	uint64_t seq; /* last event handed out (published view) */
	struct ctl_header header;
	struct ctl_nat nat;
	struct ctl_peer *peers; /* sorted by id */
	size_t n_peers, cap_peers;
	struct ctl_route *routes; /* sorted by dst */
	size_t n_routes, cap_routes;
	uint64_t log_seq;   /* last log line published (src/log.h seq) */
	double mono_offset; /* wall = mono + mono_offset */
};

/* A node source: node by index (NULL for a free slot), indices below span. */
struct view_source {
	const struct node *(*at)(const void *ctx, uint32_t index);
	const void *ctx;
	uint32_t span;
	const struct node *self;
	const char *self_conflict; /* "" or NULL: none */
};

typedef void (*view_event_fn)(const struct ctl_event *ev, void *arg);
typedef void (*view_msg_fn)(const struct ctl_msg *msg, void *arg);

/* An empty view (log_seq 0: the first view_publish_log() sends the whole ring). 0. */
int view_init(struct view *v);
void view_free(struct view *v);

/*
 * Fill v's rows (header, peers, routes; NAT left empty) from a node source.
 * mono_now is the monotonic clock in seconds. 0 or -ENOMEM.
 */
int view_build_nodes(struct view *v, const struct view_source *src, const struct view_info *info,
                     double mono_now);
/* The same from the mesh, plus the NAT block. 0 or -ENOMEM. */
int view_build(struct view *v, const struct mesh *m, const struct view_info *info);

/*
 * Hand out the difference between pub and fresh as events (header, NAT,
 * removed peers, upserted peers, removed routes, upserted routes), each with
 * the next seq, and make pub equal to fresh. Returns the number of events, or
 * -ENOMEM (pub is then unchanged).
 */
int view_publish(struct view *pub, const struct view *fresh, view_event_fn fn, void *arg);

/* Log lines that entered the ring since the last call, as events. Returns how many. */
size_t view_publish_log(struct view *pub, view_event_fn fn, void *arg);

/*
 * The published view as a snapshot: SNAPSHOT_BEGIN, one PART per peer,
 * route and log line still in the ring (seq <= pub->log_seq), SNAPSHOT_END.
 */
void view_snapshot(const struct view *pub, view_msg_fn fn, void *arg);

/* The protocol's backend code for a netif_backend_name(). */
enum ctl_backend view_backend(const char *name);

#endif
