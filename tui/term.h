/*
 * term: the ncurses glue, built so that a stopped, slow or vanished terminal
 * never blocks the libev loop it runs in (the mesh shares that loop).
 *
 * Vocabulary:
 *   tty fd    our own open file description of the terminal (reopened from
 *             its name), O_NONBLOCK, so the shell's stdin/stdout keep their
 *             flags
 *   backlog   bytes ncurses produced that the terminal has not taken yet: a
 *             bounded buffer (TERM_OUT_MAX) that ncurses writes into through
 *             a stdio cookie and that a write watcher drains. On overflow the
 *             pending bytes are dropped and the next draw repaints fully.
 *   shown     the canvas as last handed to curses: only changed cells are
 *             copied on the next draw
 *
 * Input is read non-blocking until ERR (ncurses may wait up to ESCDELAY,
 * 25 ms, for the rest of an escape sequence). SIGWINCH is an ev_signal,
 * started before ncurses so that ncurses installs no handler of its own. The
 * terminal is put in raw mode by hand (no ISIG: Ctrl-C and Ctrl-Z arrive as
 * keys, and nothing can stop the process through the tty). term_restore()
 * undoes everything on any exit path and is safe to call more than once, from
 * atexit() and from log_set_fatal_hook().
 */
#ifndef WGNM_TUI_TERM_H
#define WGNM_TUI_TERM_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/canvas.h"

#define TERM_OUT_MAX (256 * 1024)

struct term;

/* Callbacks may change state and ask for a redraw, but must not call term_draw(). */
struct term_cbs {
	/* A key (enum ui_key or a code point). */
	void (*key_cb)(struct term *t, uint32_t key, void *arg);
	/* The terminal has a new size. */
	void (*resize_cb)(struct term *t, int w, int h, void *arg);
	/* A draw was refused or dropped (-EAGAIN, overflow) and the backlog has drained: draw
	 * again. */
	void (*drained_cb)(struct term *t, void *arg);
	/* The terminal is gone (hangup, EIO): err is a negative errno. The term has
	 * stopped its watchers; the owner calls term_close(). */
	void (*lost_cb)(struct term *t, int err, void *arg);
};

/*
 * Take over the terminal fd refers to (fd itself is left as it is). Returns
 * 0 and *out, or -ENOTTY, -ENOTSUP (no terminfo entry for $TERM), -ENOMEM, or
 * another -errno. Only one term may be open at a time (-EBUSY).
 */
int term_open(struct term **out, struct ev_loop *loop, int fd, const struct term_cbs *cbs,
              void *arg);
/* Restore the terminal and free everything. NULL is fine. */
void term_close(struct term *t);
/*
 * Give the terminal up without touching it: stop the watchers, free
 * everything, close our descriptors. For the side of a fork that goes on
 * without the terminal (the other side restores it with term_close()).
 */
void term_abandon(struct term *t);
/* Restore the terminal of the open term, if any (atexit, fatal hook). */
void term_restore(void);

/*
 * Copy the canvas to the screen (changed cells only) and queue the output.
 * 0, or -EAGAIN when the backlog is over half full (drained_cb follows), or
 * -EPIPE after the terminal was lost.
 */
int term_draw(struct term *t, const struct canvas *c);
/* The next draw repaints every cell (Ctrl-L, after a resize). */
void term_repaint(struct term *t);

void term_size(const struct term *t, int *w, int *h);
size_t term_backlog(const struct term *t);
/* Output dropped because of overflows so far, in bytes. */
uint64_t term_dropped(const struct term *t);

/* Whether to use colours: has_colors and NO_COLOR unset or empty (pure). */
bool term_color_wanted(bool has_colors, const char *no_color_env);

#endif
