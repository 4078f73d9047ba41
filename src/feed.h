/*
 * feed: publishes the node's view (src/view.h) to its subscribers — the
 * in-process TUI and the control server — as one ordered stream of change
 * events, so every screen shows the same thing.
 *
 * Vocabulary:
 *   subscriber  an event callback plus a "listening" callback that says
 *               whether anyone is looking (an open TUI, attached clients)
 *   round       build a fresh view from the mesh, publish the difference,
 *               then the log lines that arrived since the last round
 *
 * Pace: rounds run only while some subscriber listens; then on every change
 * of the mesh generation (at most FEED_MIN_INTERVAL apart) and at least once
 * per FEED_INTERVAL (counters, handshake ages). A new log line (log_set_hook)
 * brings the next round forward to FEED_LOG_DELAY. A snapshot always starts
 * with a round, so it is never older than the events that follow it.
 *
 * Ownership: the mesh and info strings are borrowed and outlive the feed;
 * subscribers are the caller's and stay registered until feed_unsubscribe.
 */
#ifndef WGNM_FEED_H
#define WGNM_FEED_H

#include <stdbool.h>

#include <ev.h>

#include "src/view.h"

#define FEED_INTERVAL     1.0
#define FEED_MIN_INTERVAL 0.2
#define FEED_LOG_DELAY    0.05
#define FEED_SUBS_MAX     4

struct mesh;
struct feed;

struct feed_sub {
	view_event_fn event_cb;
	bool (*listening_cb)(void *arg);
	void *arg;
};

/* NULL on ENOMEM. Installs the log hook. */
struct feed *feed_new(struct ev_loop *loop, const struct mesh *m, const struct view_info *info);
/* Removes the log hook. NULL is fine. */
void feed_free(struct feed *f);

/* 0, -ENOSPC (FEED_SUBS_MAX reached). */
int feed_subscribe(struct feed *f, const struct feed_sub *sub);
void feed_unsubscribe(struct feed *f, void *arg);

/* A subscriber started listening: run the timer (cheap to call often). */
void feed_wake(struct feed *f);
/* One round now. */
void feed_round(struct feed *f);
/* A round, then the published view as a snapshot into fn. */
void feed_snapshot(struct feed *f, view_msg_fn fn, void *arg);
/* The published view (for one-shot readers and tests). */
const struct view *feed_view(const struct feed *f);

#endif
