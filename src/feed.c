/*
 * feed: the published view and its pace (see feed.h).
 *
 * Owns: the published and the fresh view, the round timer, the log hook.
 * Invariant: pub is what every subscriber has been told (or, for a
 * subscriber that joined later, what its snapshot said).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "src/feed.h"
#include "src/log.h"
#include "src/mesh.h"

struct feed {
	struct ev_loop *loop;
	const struct mesh *mesh;
	struct view_info info;
	struct view pub, fresh;
	struct feed_sub subs[FEED_SUBS_MAX];
	size_t n_subs;
	uint64_t gen;    /* mesh generation of the last round */
	double last;     /* ev_now() of the last round */
	bool in_round;   /* no nested rounds from a subscriber's callback */
	ev_timer tick_w; /* FEED_MIN_INTERVAL, while someone listens */
	ev_timer log_w;  /* FEED_LOG_DELAY after a log line */
};

#define FEED_OF(w, field) ((struct feed *)((char *)(w)-offsetof(struct feed, field)))

static bool
listening(const struct feed *f)
{
	size_t i;

	for (i = 0; i < f->n_subs; i++)
		if (f->subs[i].listening_cb == NULL || f->subs[i].listening_cb(f->subs[i].arg))
			return true;
	return false;
}

static void
fan_out_cb(const struct ctl_event *ev, void *arg)
{
	struct feed *f = arg;
	size_t i;

	for (i = 0; i < f->n_subs; i++)
		f->subs[i].event_cb(ev, f->subs[i].arg);
}

void
feed_round(struct feed *f)
{
	if (f->in_round)
		return;
	f->in_round = true;
	f->last = ev_now(f->loop);
	f->gen = mesh_generation(f->mesh);
	if (view_build(&f->fresh, f->mesh, &f->info) == 0)
		view_publish(&f->pub, &f->fresh, fan_out_cb, f);
	else
		log_warnx("view: out of memory; the screen lags behind");
	view_publish_log(&f->pub, fan_out_cb, f);
	f->in_round = false;
}

static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct feed *f = FEED_OF(w, tick_w);

	(void)revents;
	if (!listening(f)) {
		ev_timer_stop(loop, w); /* feed_wake() starts it again */
		return;
	}
	if (mesh_generation(f->mesh) != f->gen || ev_now(loop) - f->last >= FEED_INTERVAL - 0.01)
		feed_round(f);
}

static void
log_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct feed *f = FEED_OF(w, log_w);

	(void)loop;
	(void)revents;
	if (listening(f) && !f->in_round) {
		f->last = ev_now(f->loop);
		view_publish_log(&f->pub, fan_out_cb, f);
	}
}

/* Called for every log line, from anywhere: only arm a timer. */
static void
log_hook(const struct log_line *line, void *arg)
{
	struct feed *f = arg;

	(void)line;
	if (!ev_is_active(&f->log_w) && f->n_subs > 0) {
		ev_timer_set(&f->log_w, FEED_LOG_DELAY, 0.);
		ev_timer_start(f->loop, &f->log_w);
	}
}

struct feed *
feed_new(struct ev_loop *loop, const struct mesh *m, const struct view_info *info)
{
	struct feed *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->loop = loop;
	f->mesh = m;
	f->info = *info;
	view_init(&f->pub);
	view_init(&f->fresh);
	f->fresh.mono_offset = f->pub.mono_offset;
	ev_timer_init(&f->tick_w, tick_cb, FEED_MIN_INTERVAL, FEED_MIN_INTERVAL);
	ev_timer_init(&f->log_w, log_cb, FEED_LOG_DELAY, 0.);
	log_set_hook(log_hook, f);
	return f;
}

void
feed_free(struct feed *f)
{
	if (f == NULL)
		return;
	log_set_hook(NULL, NULL);
	ev_timer_stop(f->loop, &f->tick_w);
	ev_timer_stop(f->loop, &f->log_w);
	view_free(&f->pub);
	view_free(&f->fresh);
	free(f);
}

int
feed_subscribe(struct feed *f, const struct feed_sub *sub)
{
	if (f->n_subs == FEED_SUBS_MAX)
		return -ENOSPC;
	f->subs[f->n_subs++] = *sub;
	feed_wake(f);
	return 0;
}

void
feed_unsubscribe(struct feed *f, void *arg)
{
	size_t i;

	for (i = 0; i < f->n_subs; i++) {
		if (f->subs[i].arg != arg)
			continue;
		memmove(&f->subs[i], &f->subs[i + 1], (f->n_subs - i - 1) * sizeof(f->subs[0]));
		f->n_subs--;
		return;
	}
}

void
feed_wake(struct feed *f)
{
	if (!ev_is_active(&f->tick_w))
		ev_timer_again(f->loop, &f->tick_w);
}

void
feed_snapshot(struct feed *f, view_msg_fn fn, void *arg)
{
	feed_round(f);
	view_snapshot(&f->pub, fn, arg);
}

const struct view *
feed_view(const struct feed *f)
{
	return &f->pub;
}
