/*
 * attach: the attached TUI and the one-shot outputs (see attach.h).
 *
 * Attached, the loop watches the socket (bytes → messages → model) and the
 * terminal (tui_app). Keys: q and d leave (the daemon keeps running), Q asks
 * the daemon to shut down (root only, asked first). The TUI closes when the
 * daemon goes away, with a line saying why.
 */
#include "config.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "tui/app.h"
#include "tui/attach.h"
#include "tui/client.h"
#include "tui/status.h"

struct attach {
	struct ev_loop *loop;
	struct tui_conn *conn;
	struct tui_model model;
	struct tui_app app;
	ev_io sock_w;
	ev_signal sigint_w, sigterm_w, sighup_w;
	uint32_t next_id, shutdown_id;
	char farewell[320]; /* printed after the terminal is restored */
	int status;
};

#define AT_OF(w, field) ((struct attach *)((char *)(w)-offsetof(struct attach, field)))

static void
leave(struct attach *a, int status, const char *why)
{
	if (why != NULL && a->farewell[0] == '\0')
		snprintf(a->farewell, sizeof(a->farewell), "%s", why);
	a->status = status;
	ev_break(a->loop, EVBREAK_ALL);
}

static void
on_result(struct attach *a, const struct ctl_result *r)
{
	char buf[sizeof(a->farewell)];

	if (r->id != a->shutdown_id)
		return;
	if (r->err == 0) {
		snprintf(buf, sizeof(buf), "wgnm-tui: the daemon is shutting down (%s)",
		         r->message);
		leave(a, 0, buf);
	} else {
		snprintf(buf, sizeof(buf), "wgnm-tui: shutdown refused: %s (%s)",
		         strerror((int)r->err), r->message);
		leave(a, 1, buf);
	}
}

static void
sock_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct attach *a = AT_OF(w, sock_w);
	int64_t now_ms = (int64_t)(ev_now(loop) * 1000);
	struct ctl_msg m;
	char buf[320];
	int rc, rounds;

	(void)revents;
	for (rounds = 0; rounds < 64; rounds++) {
		while ((rc = tui_conn_next(a->conn, &m)) > 0) {
			if (m.type == CTL_MSG_RESULT)
				on_result(a, &m.result);
			else if (tui_model_feed(&a->model, &m, now_ms) < 0 &&
			         m.type != CTL_MSG_RESULT) {
				snprintf(buf, sizeof(buf),
				         "wgnm-tui: the daemon sent what the model cannot take "
				         "(message 0x%04x)",
				         m.type);
				leave(a, 1, buf);
				return;
			}
		}
		if (rc < 0) {
			snprintf(buf, sizeof(buf), "wgnm-tui: bad data from the daemon: %s",
			         strerror(-rc));
			leave(a, 1, buf);
			return;
		}
		rc = tui_conn_fill(a->conn);
		if (rc == -EAGAIN)
			return;
		if (rc == 0 || rc < 0) {
			if (a->shutdown_id != 0)
				leave(a, 0, "wgnm-tui: the daemon shut down");
			else
				leave(a, 1, "wgnm-tui: the daemon closed the connection");
			return;
		}
	}
}

static void
action_cb(struct tui_app *app, enum ui_action act, int err, void *arg)
{
	struct attach *a = arg;
	char buf[160];
	int rc;

	(void)app;
	if (err < 0) {
		leave(a, 0, NULL); /* the terminal is gone: nothing to print on */
		return;
	}
	switch (act) {
	case UI_ACT_QUIT:
	case UI_ACT_DETACH:
		leave(a, 0, NULL);
		return;
	case UI_ACT_SHUTDOWN:
		if (a->shutdown_id != 0)
			return;
		a->shutdown_id = ++a->next_id;
		rc = tui_conn_request(a->conn, a->shutdown_id, CTL_OP_SHUTDOWN, 0);
		if (rc < 0) {
			snprintf(buf, sizeof(buf), "wgnm-tui: cannot ask for the shutdown: %s",
			         strerror(-rc));
			leave(a, 1, buf);
		}
		return;
	default:
		return;
	}
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	(void)w;
	ev_break(loop, EVBREAK_ALL);
}

static void
utf8_locale(void)
{
	const char *cs;

	/* LC_CTYPE only, as wgnm's own TUI does (src/console.c). */
	setlocale(LC_CTYPE, "");
	cs = nl_langinfo(CODESET);
	if (cs == NULL || strcmp(cs, "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");
}

int
tui_attach_main(const char *path)
{
	static struct tui_conn conn;
	static struct attach a;
	char err[512];
	int rc;

	memset(&a, 0, sizeof(a));
	rc = tui_conn_open(&conn, path, CTL_ROLE_TUI, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "wgnm-tui: %s\n", err);
		return 1;
	}
	a.conn = &conn;
	a.status = 0;
	utf8_locale();
	signal(SIGPIPE, SIG_IGN);
	a.loop = ev_default_loop(0);
	ev_signal_init(&a.sigint_w, signal_cb, SIGINT);
	ev_signal_init(&a.sigterm_w, signal_cb, SIGTERM);
	ev_signal_init(&a.sighup_w, signal_cb, SIGHUP);
	ev_signal_start(a.loop, &a.sigint_w);
	ev_signal_start(a.loop, &a.sigterm_w);
	ev_signal_start(a.loop, &a.sighup_w);
	if (tui_model_init(&a.model) < 0) {
		fprintf(stderr, "wgnm-tui: out of memory\n");
		return 1;
	}
	atexit(term_restore);
	rc = tui_app_open(&a.app, a.loop, STDIN_FILENO, &a.model, NULL,
	                  conn.ack.granted == CTL_ACCESS_ADMIN
	                      ? "Shut the daemon down (the node leaves the mesh)? y/n"
	                      : NULL,
	                  action_cb, &a);
	if (rc < 0) {
		fprintf(stderr, "wgnm-tui: terminal: %s\n", strerror(-rc));
		tui_conn_close(&conn);
		tui_model_free(&a.model);
		return 1;
	}
	ev_io_init(&a.sock_w, sock_cb, conn.fd, EV_READ);
	ev_io_start(a.loop, &a.sock_w);
	sock_cb(a.loop, &a.sock_w, EV_READ); /* what came with the HELLO_ACK */
	ev_run(a.loop, 0);
	ev_io_stop(a.loop, &a.sock_w);
	tui_app_close(&a.app);
	tui_conn_close(&conn);
	tui_model_free(&a.model);
	if (a.farewell[0] != '\0')
		fprintf(a.status == 0 ? stdout : stderr, "%s\n", a.farewell);
	return a.status;
}

int
tui_status_main(const char *path, bool json)
{
	static struct tui_conn conn;
	struct tui_model model;
	struct ctl_msg m;
	char err[512];
	int rc, status = 1;

	rc = tui_conn_open(&conn, path, CTL_ROLE_STATUS, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "wgnm-tui: %s\n", err);
		return 1;
	}
	if (tui_model_init(&model) < 0) {
		fprintf(stderr, "wgnm-tui: out of memory\n");
		tui_conn_close(&conn);
		return 1;
	}
	for (;;) {
		rc = tui_conn_read(&conn, &m, TUI_CONN_TIMEOUT_MS);
		if (rc <= 0) {
			fprintf(stderr, "wgnm-tui: %s: %s before the snapshot was complete\n", path,
			        rc == 0 ? "the daemon closed the connection" : strerror(-rc));
			break;
		}
		rc = tui_model_feed(&model, &m, 0);
		if (m.type == CTL_MSG_SNAPSHOT_END) {
			if (rc < 0) {
				fprintf(stderr, "wgnm-tui: %s: the snapshot is inconsistent\n",
				        path);
				break;
			}
			if (json)
				tui_status_json(stdout, &model, (int64_t)time(NULL));
			else
				tui_status_text(stdout, &model, (int64_t)time(NULL));
			status = fflush(stdout) == 0 ? 0 : 1;
			break;
		}
	}
	tui_conn_close(&conn);
	tui_model_free(&model);
	return status;
}
