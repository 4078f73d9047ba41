/*
 * replay: per-sender sliding window over 64-bit datagram counters.
 *
 * Vocabulary:
 *   counter  epoch << 32 | seq. The sender persists its boot epoch and bumps
 *            it at each start; seq counts datagrams within one boot. So the
 *            counter only grows, across restarts, without synchronised clocks.
 *   top      the highest counter committed so far
 *   window   the REPLAY_WINDOW_BITS counters ending at top; a counter inside
 *            it is accepted once, a counter below it is too old
 *
 * Check-then-commit: replay_window_check() is cheap and does not change the
 * window; replay_window_commit() is called only after the datagram has been
 * decrypted and its signature verified, so forged datagrams never move the
 * window. One window per sender identity, whatever address it came from.
 * The caller owns the struct (embed it in its per-node state).
 */
#ifndef WGNM_PROTO_REPLAY_H
#define WGNM_PROTO_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define REPLAY_WINDOW_BITS 256

struct replay_window {
	uint64_t top;
	bool used; /* false: nothing committed yet, any counter is new */
	uint64_t bits[REPLAY_WINDOW_BITS / 64]; /* bit (c % BITS) set: c was seen */
};

struct replay_counter {
	uint32_t epoch;
	uint32_t seq; /* last seq handed out; 0 = none yet */
};

void replay_window_init(struct replay_window *w);
/* 0 if counter is new, -EALREADY if already committed, -ESTALE if too old. */
int replay_window_check(const struct replay_window *w, uint64_t counter);
/* Record counter as seen. Only after replay_window_check() returned 0. */
void replay_window_commit(struct replay_window *w, uint64_t counter);

/* Sender side: epoch is the persisted boot epoch of this start. */
void replay_counter_init(struct replay_counter *c, uint32_t epoch);
/*
 * The next counter (epoch << 32 | ++seq), or -EOVERFLOW when this boot's
 * 2^32 - 1 sequence numbers are used up: the core must persist a new epoch
 * and call replay_counter_init() again.
 */
int replay_counter_next(struct replay_counter *c, uint64_t *out);

#endif
