/*
 * demorun: `wgnm-tui --demo-frames N [--size WxH]` — render N frames of the
 * built-in demo mesh through the whole terminal path (ncurses, the bounded
 * output buffer, the write watcher, input, SIGWINCH) on a pseudo-terminal the
 * program makes itself, then exit. Keys are typed into the pty, the size is
 * changed half-way, and the reader of the pty stalls for a while so the
 * backlog path runs. Meant for sanitizer runs in make check.
 */
#ifndef WGNM_TUI_DEMORUN_H
#define WGNM_TUI_DEMORUN_H

/* argv[0] is "--demo-frames". Returns the process exit status. */
int demorun_main(int argc, char **argv);

#endif
