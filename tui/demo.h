/*
 * demo: a built-in model of a small mesh (plus optional filler peers), for
 * `wgnm-tui --demo-frames`, the golden screen tests and trying the TUI without
 * a network. Everything is derived from the arguments: the same call gives
 * the same model.
 */
#ifndef WGNM_TUI_DEMO_H
#define WGNM_TUI_DEMO_H

#include <stdint.h>

#include "tui/model.h"

/* The wall clock the demo's times are relative to (2023-11-14 22:13:20 UTC). */
#define TUI_DEMO_NOW 1700000000

/*
 * Fill m (initialised, any content) with the demo mesh through a snapshot:
 * 8 named peers, then `extra` filler peers "node-NNN", routes, NAT, log lines.
 * now is the wall clock (seconds) the times are relative to; the rx/tx
 * counters are sampled twice, at monotonic 1000 and 3000 ms, so rates show.
 * 0 or -ENOMEM.
 */
int tui_demo_fill(struct tui_model *m, unsigned extra, int64_t now);

/*
 * One step of life for frame number `frame`: counters grow, a peer changes
 * state, a log line arrives. now_ms is the monotonic clock. 0 or -ENOMEM.
 */
int tui_demo_tick(struct tui_model *m, unsigned frame, int64_t now, int64_t now_ms);

#endif
