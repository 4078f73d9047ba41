/*
 * demorun: the --demo-frames driver (see demorun.h). Owns the pty pair, the
 * demo model and the app for the duration of the run.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tui/app.h"
#include "tui/demo.h"
#include "tui/demorun.h"

#define DEMO_TIMEOUT 20.0 /* seconds: a run that takes longer is a failure */

struct demorun {
	struct ev_loop *loop;
	struct tui_model model;
	struct tui_app app;
	int master, slave;
	unsigned long want, tick;
	size_t bytes;
	int w, h;
	bool failed, interactive;
	ev_io mio;
	ev_timer frame, timeout;
	ev_signal sigint, sigterm;
};

#define DR_OF(w, field) ((struct demorun *)((char *)(w)-offsetof(struct demorun, field)))

static void
master_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct demorun *d = DR_OF(w, mio);
	char buf[8192];
	ssize_t n;

	while ((n = read(d->master, buf, sizeof(buf))) > 0)
		d->bytes += (size_t)n;
}

static void
type(struct demorun *d, const char *s)
{
	if (write(d->master, s, strlen(s)) < 0)
		fprintf(stderr, "wgnm-tui: demo: typing into the pty: %s\n", strerror(errno));
}

static void
set_size(struct demorun *d, int w, int h)
{
	struct winsize ws = {.ws_row = (unsigned short)h, .ws_col = (unsigned short)w};

	ioctl(d->master, TIOCSWINSZ, &ws);
}

static void
frame_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct demorun *d = DR_OF(w, frame);
	unsigned long k = d->tick++;
	int64_t now = (int64_t)ev_now(loop);

	if (!d->interactive && d->app.frames >= d->want) {
		ev_break(loop, EVBREAK_ONE);
		return;
	}
	tui_demo_tick(&d->model, (unsigned)k, now, (int64_t)(ev_now(loop) * 1000));
	if (d->interactive)
		return;
	/* A script of keys: some typed into the pty (the real input path), some injected. */
	switch (k % 40) {
	case 1:
		type(d, "\t");
		break;
	case 3:
		type(d, "\x1b[B\x1b[B"); /* Down, Down */
		break;
	case 5:
		type(d, "1\r"); /* Peers, Enter: detail */
		break;
	case 7:
		tui_app_key(&d->app, UI_KEY_ESC);
		break;
	case 9:
		type(d, "?");
		break;
	case 11:
		type(d, "x"); /* closes help */
		break;
	case 13:
		type(d, "/node\r");
		break;
	case 15:
		type(d, "5v");
		break;
	case 17:
		tui_app_key(&d->app, UI_KEY_CTRL('l'));
		break;
	case 19:
		type(d, "/\x15\r3\x1b[6~"); /* clear the filter, NAT, PgDn */
		break;
	case 21:
		type(d, "q"); /* the question... */
		break;
	case 23:
		type(d, "n"); /* ...answered no */
		break;
	}
	if (k == 25)
		ev_io_stop(loop, &d->mio); /* a stalled terminal */
	if (k == 60)
		ev_io_start(loop, &d->mio);
	if (k == d->want / 2) {
		if (d->w == 80 && d->h == 24)
			set_size(d, 200, 60);
		else
			set_size(d, 80, 24);
		raise(SIGWINCH);
	}
}

static void
timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct demorun *d = DR_OF(w, timeout);

	fprintf(stderr, "wgnm-tui: demo: only %lu of %lu frames in %.0f s\n", d->app.frames,
	        d->want, DEMO_TIMEOUT);
	d->failed = true;
	ev_break(loop, EVBREAK_ONE);
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	ev_break(loop, EVBREAK_ONE);
}

static void
action_cb(struct tui_app *app, enum ui_action act, int err, void *arg)
{
	struct demorun *d = arg;

	if (d->interactive) {
		if (err < 0 || act == UI_ACT_QUIT || act == UI_ACT_DETACH)
			ev_break(d->loop, EVBREAK_ONE);
		return;
	}
	if (err < 0 || act == UI_ACT_QUIT) {
		fprintf(stderr, "wgnm-tui: demo: unexpected %s\n",
		        err < 0 ? "loss of the terminal" : "quit");
		d->failed = true;
		ev_break(d->loop, EVBREAK_ONE);
	}
}

static int
usage(void)
{
	fprintf(stderr, "usage: wgnm-tui --demo-frames N [--size WxH]\n"
	                "       wgnm-tui --demo   (the demo mesh on this terminal; q leaves)\n");
	return 2;
}

static int
open_pty(struct demorun *d)
{
	const char *name;

	d->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (d->master < 0 || grantpt(d->master) < 0 || unlockpt(d->master) < 0)
		return -errno;
	name = ptsname(d->master);
	if (name == NULL)
		return -errno;
	d->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (d->slave < 0)
		return -errno;
	fcntl(d->master, F_SETFL, fcntl(d->master, F_GETFL) | O_NONBLOCK);
	set_size(d, d->w, d->h);
	return 0;
}

int
demorun_main(int argc, char **argv)
{
	static struct demorun d;
	const char *cs;
	char *end;
	int i, rc;

	memset(&d, 0, sizeof(d));
	d.master = d.slave = -1;
	d.w = 80;
	d.h = 24;
	d.interactive = strcmp(argv[0], "--demo") == 0;
	if (d.interactive) {
		if (argc != 1)
			return usage();
	} else {
		if (argc < 2)
			return usage();
		d.want = strtoul(argv[1], &end, 10);
		if (*end != '\0' || d.want == 0 || d.want > 1000000)
			return usage();
	}
	for (i = d.interactive ? 1 : 2; i < argc; i++) {
		if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%dx%d", &d.w, &d.h) != 2 || d.w < 1 || d.h < 1 ||
			    d.w > 1000 || d.h > 1000)
				return usage();
		} else {
			return usage();
		}
	}

	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	if (cs == NULL || strcmp(cs, "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");
	if (!d.interactive)
		setenv("TERM", "xterm-256color", 1); /* the pty is ours: a fixed, common type */

	d.loop = ev_default_loop(0);
	/* Handlers before ncurses starts, so it installs none of its own. */
	ev_signal_init(&d.sigint, signal_cb, SIGINT);
	ev_signal_init(&d.sigterm, signal_cb, SIGTERM);
	ev_signal_start(d.loop, &d.sigint);
	ev_signal_start(d.loop, &d.sigterm);

	rc = d.interactive ? 0 : open_pty(&d);
	if (rc < 0) {
		fprintf(stderr, "wgnm-tui: demo: pseudo-terminal: %s\n", strerror(-rc));
		return 1;
	}
	if (tui_model_init(&d.model) < 0 || tui_demo_fill(&d.model, 40, (int64_t)time(NULL)) < 0) {
		fprintf(stderr, "wgnm-tui: demo: out of memory\n");
		return 1;
	}
	atexit(term_restore);
	rc = tui_app_open(&d.app, d.loop, d.interactive ? STDIN_FILENO : d.slave, &d.model,
	                  "Quit and tear the mesh node down? y/n", NULL, action_cb, &d);
	if (rc < 0) {
		fprintf(stderr, "wgnm-tui: demo: terminal: %s\n", strerror(-rc));
		return 1;
	}
	if (d.interactive) {
		ev_timer_init(&d.frame, frame_cb, 1.0, 1.0);
		ev_timer_start(d.loop, &d.frame);
	} else {
		ev_io_init(&d.mio, master_cb, d.master, EV_READ);
		ev_io_start(d.loop, &d.mio);
		ev_timer_init(&d.frame, frame_cb, 0.001, 0.001);
		ev_timer_start(d.loop, &d.frame);
		ev_timer_init(&d.timeout, timeout_cb, DEMO_TIMEOUT, 0);
		ev_timer_start(d.loop, &d.timeout);
	}

	ev_run(d.loop, 0);

	ev_timer_stop(d.loop, &d.frame);
	ev_timer_stop(d.loop, &d.timeout);
	tui_app_close(&d.app);
	if (!d.interactive) {
		master_cb(d.loop, &d.mio, EV_READ);
		ev_io_stop(d.loop, &d.mio);
	}
	ev_signal_stop(d.loop, &d.sigint);
	ev_signal_stop(d.loop, &d.sigterm);
	if (!d.interactive) {
		printf("demo: %lu frames, %zu bytes to the terminal\n", d.app.frames, d.bytes);
		close(d.slave);
		close(d.master);
	}
	tui_model_free(&d.model);
	return d.failed ? 1 : 0;
}
