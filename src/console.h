/*
 * console: the TUI inside wgnm itself — the same tui/ app that wgnm-tui
 * runs, on this process's terminal, with its model fed directly by the feed
 * (a snapshot when it opens, then every event) instead of by the control
 * socket.
 *
 * What the keys ask for comes back through action_cb: quit (the node is to
 * be torn down; asked first), detach (also when the terminal is lost: err
 * < 0). The console never blocks the loop: see tui/term.h.
 *
 * Ownership: the feed is borrowed and outlives the console.
 */
#ifndef WGNM_CONSOLE_H
#define WGNM_CONSOLE_H

#include <ev.h>

struct console;
struct feed;

enum console_action {
	CONSOLE_QUIT,
	CONSOLE_DETACH,
};

typedef void (*console_action_fn)(void *arg, enum console_action act);

/* Open on the terminal fd refers to. 0 and *out, or a negative errno (-ENOTTY, ...). */
int console_open(struct console **out, struct ev_loop *loop, int fd, struct feed *feed,
                 console_action_fn action_cb, void *arg);
/* Restore the terminal and free. NULL is fine. */
void console_close(struct console *c);
/* Free without touching the terminal: the detached child of a fork. NULL is fine. */
void console_abandon(struct console *c);

#endif
