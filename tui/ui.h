/*
 * ui: the state of the screen around a model — which pane has the focus, the
 * selection and scroll position of each list, overlays (detail, help),
 * prompts (filter, confirmations) — and the key handling that changes it.
 *
 * Vocabulary:
 *   pane     one of Peers, Routes, NAT, Keepalive, Log (keys 1-5)
 *   list     the rows of a pane; sel is the selected row, top the first shown,
 *            page the number of rows the last render could show
 *   view     the peers that pass the filter, sorted by name then id; the
 *            Peers, NAT and Keepalive panes all list this view
 *   action   what a key asks of the caller (quit, detach, shutdown, repaint)
 *
 * Key handlers return flags (UI_HANDLED, UI_REDRAW) so that many keys cost one
 * repaint. ui_render() draws model + ui into a canvas and is deterministic:
 * the same model, ui state, size and `now` give the same screen. No curses.
 */
#ifndef WGNM_TUI_UI_H
#define WGNM_TUI_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/canvas.h"
#include "tui/model.h"

enum ui_pane {
	UI_PANE_PEERS = 0,
	UI_PANE_ROUTES = 1,
	UI_PANE_NAT = 2,
	UI_PANE_KEEPALIVE = 3,
	UI_PANE_LOG = 4,
};
#define UI_PANE_COUNT 5

/* Keys: Unicode code points as themselves, the rest above the Unicode range. */
enum ui_key {
	UI_KEY_UP = 0x110000,
	UI_KEY_DOWN,
	UI_KEY_LEFT,
	UI_KEY_RIGHT,
	UI_KEY_PGUP,
	UI_KEY_PGDN,
	UI_KEY_HOME,
	UI_KEY_END,
	UI_KEY_ENTER,
	UI_KEY_ESC,
	UI_KEY_TAB,
	UI_KEY_BTAB,
	UI_KEY_BACKSPACE,
};
#define UI_KEY_CTRL(c) ((uint32_t)((c)&0x1f))

enum {
	UI_HANDLED = 1 << 0,
	UI_REDRAW = 1 << 1,
};

enum ui_action {
	UI_ACT_NONE = 0,
	UI_ACT_QUIT,     /* leave (in-process: tear the node down) */
	UI_ACT_DETACH,   /* go on as a daemon without the terminal */
	UI_ACT_SHUTDOWN, /* ask the daemon to shut down */
	UI_ACT_REPAINT,  /* repaint the whole terminal (Ctrl-L) */
};

enum ui_prompt {
	UI_PROMPT_NONE = 0,
	UI_PROMPT_FILTER,
	UI_PROMPT_QUIT,
	UI_PROMPT_SHUTDOWN,
};

#define UI_FILTER_MAX 48

/* Colour pairs a style may name; the terminal layer maps them (or ignores them). */
enum ui_color {
	UI_COLOR_NONE = 0,
	UI_COLOR_GOOD = 1,   /* direct paths */
	UI_COLOR_WARN = 2,   /* via gateway, backing off, warnings */
	UI_COLOR_BAD = 3,    /* down, conflict, failed */
	UI_COLOR_ACCENT = 4, /* header and titles */
};
#define UI_COLOR_COUNT 5

struct ui_list {
	size_t sel, top;
	int page;
};

struct ui {
	const struct tui_model *model; /* not owned */
	/* Questions for q and Q; NULL: q leaves at once, Q does nothing. Not owned. */
	const char *quit_question;
	const char *shutdown_question;

	enum ui_pane focus;
	struct ui_list list[UI_PANE_COUNT];
	bool log_follow;              /* the log list sticks to the newest line */
	enum ctl_log_level log_level; /* lines up to this level are shown */
	bool help;
	bool detail;
	uint8_t detail_id[CTL_ID_LEN];
	enum ui_prompt prompt;
	char filter[UI_FILTER_MAX + 1];
	char filter_saved[UI_FILTER_MAX + 1]; /* restored when the prompt is cancelled */

	/* The view (see above), rebuilt by ui_view_update(). */
	size_t *view;
	size_t n_view, cap_view;
	/* Log lines that pass the level filter, as model log indices. */
	size_t *logv;
	size_t n_logv;
};

/* 0 or -ENOMEM. quit_question/shutdown_question as in struct ui. */
int ui_init(struct ui *ui, const struct tui_model *m, const char *quit_question,
            const char *shutdown_question);
void ui_free(struct ui *ui);

/* Handle one key; sets *act (UI_ACT_NONE unless the key asks for something). */
unsigned ui_key(struct ui *ui, uint32_t key, enum ui_action *act);

/* Rebuild the peer view and the log view from the model. 0 or -ENOMEM. */
int ui_view_update(struct ui *ui);

/* The selected peer of the focused peer list (or the detail's peer), or NULL. */
const struct tui_peer *ui_selected_peer(const struct ui *ui);

/* Draw everything; now is the wall clock in seconds (ages, uptime). */
void ui_render(struct ui *ui, struct canvas *c, int64_t now);

/* Formatting shared by the panes (exposed for tests). */
void ui_fmt_bytes(char *buf, size_t len, uint64_t bytes);
void ui_fmt_age(char *buf, size_t len, int64_t seconds);
void ui_fmt_rtt(char *buf, size_t len, uint32_t rtt_us);

#endif
