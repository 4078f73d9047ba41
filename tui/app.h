/*
 * app: the TUI as one object in a libev loop — a model (fed by the caller),
 * the ui state, a canvas and the terminal. Used the same way by wgnm (model
 * fed in-process) and wgnm-tui (model fed from the control socket).
 *
 * Drawing happens at most once per loop iteration, in an ev_prepare watcher,
 * when the model is dirty, a key asked for it, the terminal was resized, or
 * the one-second tick moved ages on. The caller feeds the model with
 * tui_model_*() and needs to do nothing else for the screen to follow.
 *
 * Ownership: the model is the caller's and must outlive the app.
 */
#ifndef WGNM_TUI_APP_H
#define WGNM_TUI_APP_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "tui/canvas.h"
#include "tui/model.h"
#include "tui/term.h"
#include "tui/ui.h"

struct tui_app;

/*
 * What a key asked for (UI_ACT_QUIT, _DETACH, _SHUTDOWN), or UI_ACT_NONE with
 * err < 0 when the terminal was lost (treat it like a detach). Called from the
 * app's prepare watcher, never from inside the terminal code, so the callback
 * may call tui_app_close().
 */
typedef void (*tui_app_action_fn)(struct tui_app *app, enum ui_action act, int err, void *arg);

struct tui_app {
	struct ev_loop *loop;
	struct tui_model *model;
	struct ui ui;
	struct canvas canvas;
	struct term *term;
	ev_prepare prepare;
	ev_timer tick;
	bool redraw;
	enum ui_action pending; /* a key's action, reported from the prepare watcher */
	int lost_err;           /* the terminal was lost: reported likewise */
	unsigned long frames;   /* draws handed to the terminal */
	tui_app_action_fn action_cb;
	void *arg;
};

/*
 * Start the TUI on the terminal fd refers to. quit_question/shutdown_question
 * as in ui_init(). 0 or a negative errno from term_open()/allocation.
 */
int tui_app_open(struct tui_app *app, struct ev_loop *loop, int fd, struct tui_model *m,
                 const char *quit_question, const char *shutdown_question,
                 tui_app_action_fn action_cb, void *arg);
/* Restore the terminal and stop; the model is left alone. */
void tui_app_close(struct tui_app *app);
/* Stop without touching the terminal (the child of a detach fork; see term_abandon()). */
void tui_app_abandon(struct tui_app *app);
/* Handle a key as if typed (demo, tests). */
void tui_app_key(struct tui_app *app, uint32_t key);
/* Ask for a redraw in this loop iteration (the model's dirty bits do this already). */
void tui_app_redraw(struct tui_app *app);

#endif
