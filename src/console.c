/*
 * console: tui_app + tui_model fed by the feed (see console.h).
 *
 * Owns: the model, the app (and through it the terminal), its feed
 * subscription. The model is fed in the loop thread only, by feed callbacks.
 */
#include "config.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "src/console.h"
#include "src/feed.h"
#include "src/log.h"
#include "tui/app.h"
#include "tui/model.h"

struct console {
	struct ev_loop *loop;
	struct feed *feed;
	struct tui_model model;
	struct tui_app app;
	bool app_open;
	console_action_fn action_cb;
	void *arg;
};

static int64_t
now_ms(const struct console *c)
{
	return (int64_t)(ev_now(c->loop) * 1000);
}

static void
event_cb(const struct ctl_event *ev, void *arg)
{
	struct console *c = arg;

	if (tui_model_apply(&c->model, ev, now_ms(c)) < 0)
		log_warnx("console: model: cannot apply event %d", ev->type);
}

static bool
listening_cb(void *arg)
{
	(void)arg;
	return true;
}

static void
snap_cb(const struct ctl_msg *m, void *arg)
{
	struct console *c = arg;

	if (tui_model_feed(&c->model, m, now_ms(c)) < 0)
		log_warnx("console: model: cannot apply snapshot message 0x%04x", m->type);
}

static void
action_cb(struct tui_app *app, enum ui_action act, int err, void *arg)
{
	struct console *c = arg;

	(void)app;
	if (err < 0 || act == UI_ACT_DETACH)
		c->action_cb(c->arg, CONSOLE_DETACH);
	else if (act == UI_ACT_QUIT)
		c->action_cb(c->arg, CONSOLE_QUIT);
}

int
console_open(struct console **out, struct ev_loop *loop, int fd, struct feed *feed,
             console_action_fn cb, void *arg)
{
	struct feed_sub sub = {.event_cb = event_cb, .listening_cb = listening_cb};
	struct console *c;
	int rc;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->loop = loop;
	c->feed = feed;
	c->action_cb = cb;
	c->arg = arg;
	if ((rc = tui_model_init(&c->model)) < 0) {
		free(c);
		return rc;
	}
	/* As wgnm-tui does: the same model and size give the same screen. */
	setlocale(LC_CTYPE, "");
	if (nl_langinfo(CODESET) == NULL || strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");
	feed_snapshot(feed, snap_cb, c);
	rc = tui_app_open(&c->app, loop, fd, &c->model, "Quit and tear the mesh node down? y/n",
	                  NULL, action_cb, c);
	if (rc < 0) {
		tui_model_free(&c->model);
		free(c);
		return rc;
	}
	c->app_open = true;
	sub.arg = c;
	if ((rc = feed_subscribe(feed, &sub)) < 0) {
		console_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

static void
console_free(struct console *c, bool restore)
{
	if (c == NULL)
		return;
	feed_unsubscribe(c->feed, c);
	if (c->app_open) {
		if (restore)
			tui_app_close(&c->app);
		else
			tui_app_abandon(&c->app);
	}
	tui_model_free(&c->model);
	free(c);
}

void
console_close(struct console *c)
{
	console_free(c, true);
}

void
console_abandon(struct console *c)
{
	console_free(c, false);
}
