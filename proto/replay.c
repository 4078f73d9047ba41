/*
 * replay: sliding replay window and sender counters (see replay.h).
 *
 * The window is a ring of REPLAY_WINDOW_BITS bits indexed by counter modulo
 * the size (as WireGuard does). Invariant: when used, bit (c % BITS) is set
 * iff counter c in (top - BITS, top] has been committed; moving top forward
 * clears the bits of the counters skipped over.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "proto/replay.h"

#define REPLAY_WORDS (REPLAY_WINDOW_BITS / 64)

void
replay_window_init(struct replay_window *w)
{
	memset(w, 0, sizeof(*w));
}

static bool
replay_bit(const struct replay_window *w, uint64_t c)
{
	unsigned i = (unsigned)(c % REPLAY_WINDOW_BITS);

	return (w->bits[i / 64] >> (i % 64)) & 1;
}

int
replay_window_check(const struct replay_window *w, uint64_t counter)
{
	if (!w->used || counter > w->top)
		return 0;
	if (w->top - counter >= REPLAY_WINDOW_BITS)
		return -ESTALE;
	return replay_bit(w, counter) ? -EALREADY : 0;
}

void
replay_window_commit(struct replay_window *w, uint64_t counter)
{
	unsigned i;

	if (!w->used) {
		memset(w->bits, 0, sizeof(w->bits));
		w->top = counter;
		w->used = true;
	} else if (counter > w->top) {
		if (counter - w->top >= REPLAY_WINDOW_BITS) {
			memset(w->bits, 0, sizeof(w->bits));
		} else {
			uint64_t c;

			for (c = w->top + 1; c <= counter; c++) {
				i = (unsigned)(c % REPLAY_WINDOW_BITS);
				w->bits[i / 64] &= ~((uint64_t)1 << (i % 64));
			}
		}
		w->top = counter;
	} else if (w->top - counter >= REPLAY_WINDOW_BITS) {
		return; /* too old: nothing to record */
	}
	i = (unsigned)(counter % REPLAY_WINDOW_BITS);
	w->bits[i / 64] |= (uint64_t)1 << (i % 64);
}

void
replay_counter_init(struct replay_counter *c, uint32_t epoch)
{
	c->epoch = epoch;
	c->seq = 0;
}

int
replay_counter_next(struct replay_counter *c, uint64_t *out)
{
	if (c->seq == UINT32_MAX)
		return -EOVERFLOW;
	c->seq++;
	*out = (uint64_t)c->epoch << 32 | c->seq;
	return 0;
}
