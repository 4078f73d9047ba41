/*
 * model: the TUI's in-memory copy of what a node shows, fed by a snapshot and
 * then by ordered change events (proto/ctl.h). In-process the core calls these
 * functions directly; wgnm-tui calls them with what the control socket brings.
 *
 * Vocabulary:
 *   sample   the rx/tx counters of a peer at a monotonic time; a rate is the
 *            difference of two samples at least TUI_RATE_MIN_MS apart
 *   dirty    a bit per pane whose content changed since the UI last drew
 *            (TUI_DIRTY_*); the UI clears it after drawing
 *
 * Invariants: peers are sorted by node id (binary search), routes by
 * destination prefix, both without duplicates. The log is a ring of at most
 * TUI_LOG_LINES lines in increasing log seq. Events whose seq is not above the
 * last applied one are ignored (a replay after a reconnect is harmless).
 * No curses and no I/O here; times come from the caller.
 */
#ifndef WGNM_TUI_MODEL_H
#define WGNM_TUI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/ctl.h"

#define TUI_LOG_LINES   2000
#define TUI_RATE_MIN_MS 1000

enum {
	TUI_DIRTY_HEADER = 1 << 0,
	TUI_DIRTY_PEERS = 1 << 1,
	TUI_DIRTY_ROUTES = 1 << 2,
	TUI_DIRTY_NAT = 1 << 3,
	TUI_DIRTY_LOG = 1 << 4,
	TUI_DIRTY_ALL = (1 << 5) - 1,
};

struct tui_peer {
	struct ctl_peer p;
	uint64_t sample_rx, sample_tx; /* counters at sample_ms */
	int64_t sample_ms;             /* monotonic; 0 = no sample yet */
	uint64_t rx_rate, tx_rate;     /* bytes per second */
	bool have_rate;
};

struct tui_model {
	bool have_header;
	struct ctl_header header;
	struct ctl_nat nat;
	struct tui_peer *peers; /* sorted by p.id */
	size_t n_peers, cap_peers;
	struct ctl_route *routes; /* sorted by dst */
	size_t n_routes, cap_routes;
	struct ctl_log *log; /* ring of TUI_LOG_LINES */
	size_t log_head, log_n;
	uint64_t seq;                                /* last applied event */
	bool in_snapshot;                            /* between SNAPSHOT_BEGIN and SNAPSHOT_END */
	uint32_t snap_peers, snap_routes, snap_logs; /* parts applied in it */
	unsigned dirty;                              /* TUI_DIRTY_* */
};

/* An empty model. 0 or -ENOMEM. Free with tui_model_free(). */
int tui_model_init(struct tui_model *m);
void tui_model_free(struct tui_model *m);

/* Start a snapshot: drop peers, routes and log, take header and NAT. */
void tui_model_snapshot_begin(struct tui_model *m, const struct ctl_snapshot_begin *b);
/* End it: 0, or -EPROTO when the counts do not match what was applied. */
int tui_model_snapshot_end(struct tui_model *m, const struct ctl_snapshot_end *e);

/*
 * Apply one event (or snapshot part). now_ms is the caller's monotonic clock,
 * used for rates. 0, or -ENOMEM / -EINVAL (unknown event type).
 */
int tui_model_apply(struct tui_model *m, const struct ctl_event *ev, int64_t now_ms);

/*
 * Apply one state message as it came off the control socket (SNAPSHOT_BEGIN,
 * SNAPSHOT_PART, SNAPSHOT_END, EVENT): 0, the error of the function it maps
 * to, or -ENOMSG for any other message type (the caller's to handle).
 */
int tui_model_feed(struct tui_model *m, const struct ctl_msg *msg, int64_t now_ms);

/* Lookups: NULL when absent. */
const struct tui_peer *tui_model_peer(const struct tui_model *m, const uint8_t id[CTL_ID_LEN]);
/* The i-th log line, oldest first, i < log_n. */
const struct ctl_log *tui_model_log(const struct tui_model *m, size_t i);

#endif
