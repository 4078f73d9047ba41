/*
 * app: glue between model, ui, canvas and term (see app.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "tui/app.h"

#define APP_OF(w, field) ((struct tui_app *)((char *)(w)-offsetof(struct tui_app, field)))

static void
key_cb(struct term *t, uint32_t key, void *arg)
{
	tui_app_key(arg, key);
}

static void
resize_cb(struct term *t, int w, int h, void *arg)
{
	struct tui_app *app = arg;

	if (canvas_resize(&app->canvas, w, h) == 0)
		app->redraw = true;
}

static void
drained_cb(struct term *t, void *arg)
{
	struct tui_app *app = arg;

	app->redraw = true;
}

static void
lost_cb(struct term *t, int err, void *arg)
{
	struct tui_app *app = arg;

	/* Reported from prepare_cb: the term is still on the stack here. */
	app->lost_err = err;
}

static void
prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct tui_app *app = APP_OF(w, prepare);
	enum ui_action act = app->pending;
	int err = app->lost_err;

	if (act != UI_ACT_NONE || err < 0) {
		app->pending = UI_ACT_NONE;
		app->lost_err = 0;
		if (app->action_cb != NULL)
			app->action_cb(app, act, err, app->arg);
		if (app->loop == NULL)
			return; /* closed by the callback */
	}
	if (app->term == NULL || (!app->redraw && app->model->dirty == 0))
		return;
	if (term_backlog(app->term) > TERM_OUT_MAX / 2)
		return; /* drained_cb brings us back */
	ui_render(&app->ui, &app->canvas, (int64_t)ev_now(loop));
	if (term_draw(app->term, &app->canvas) < 0)
		return;
	app->frames++;
	app->redraw = false;
	app->model->dirty = 0;
}

static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	APP_OF(w, tick)->redraw = true; /* ages and uptime move on */
}

int
tui_app_open(struct tui_app *app, struct ev_loop *loop, int fd, struct tui_model *m,
             const char *quit_question, const char *shutdown_question, tui_app_action_fn action_cb,
             void *arg)
{
	static const struct term_cbs cbs = {
	    .key_cb = key_cb,
	    .resize_cb = resize_cb,
	    .drained_cb = drained_cb,
	    .lost_cb = lost_cb,
	};
	int rc, w, h;

	memset(app, 0, sizeof(*app));
	app->loop = loop;
	app->model = m;
	app->action_cb = action_cb;
	app->arg = arg;
	rc = ui_init(&app->ui, m, quit_question, shutdown_question);
	if (rc < 0)
		return rc;
	rc = term_open(&app->term, loop, fd, &cbs, app);
	if (rc < 0) {
		ui_free(&app->ui);
		return rc;
	}
	term_size(app->term, &w, &h);
	rc = canvas_init(&app->canvas, w, h);
	if (rc < 0) {
		tui_app_close(app);
		return rc;
	}
	ev_prepare_init(&app->prepare, prepare_cb);
	ev_prepare_start(loop, &app->prepare);
	ev_timer_init(&app->tick, tick_cb, 1.0, 1.0);
	ev_timer_start(loop, &app->tick);
	app->redraw = true;
	return 0;
}

static void
app_stop(struct tui_app *app, bool restore)
{
	if (app->loop == NULL)
		return;
	ev_prepare_stop(app->loop, &app->prepare);
	ev_timer_stop(app->loop, &app->tick);
	if (restore)
		term_close(app->term);
	else
		term_abandon(app->term);
	app->term = NULL;
	canvas_free(&app->canvas);
	ui_free(&app->ui);
	app->loop = NULL;
}

void
tui_app_close(struct tui_app *app)
{
	app_stop(app, true);
}

void
tui_app_abandon(struct tui_app *app)
{
	app_stop(app, false);
}

void
tui_app_key(struct tui_app *app, uint32_t key)
{
	enum ui_action act;
	unsigned flags = ui_key(&app->ui, key, &act);

	if (flags & UI_REDRAW)
		app->redraw = true;
	if (act == UI_ACT_REPAINT) {
		if (app->term != NULL)
			term_repaint(app->term);
		app->redraw = true;
	} else if (act != UI_ACT_NONE && app->pending == UI_ACT_NONE) {
		/* Acted on in prepare_cb, outside the terminal's input loop. */
		app->pending = act;
	}
}

void
tui_app_redraw(struct tui_app *app)
{
	app->redraw = true;
}
