/*
 * ctlsrv: control socket server (see ctlsrv.h for the rules it enforces).
 *
 * Owns: the listening socket (and its file), every client's socket, frame
 * reader and output queue. Each client's queue is one byte buffer:
 *
 *     q: [ written | qoff .. fstart .. | frames not yet written ... | qlen ]
 *
 * fstart is the start of the frame that holds byte qoff (the frame being
 * written); snap_end is the end of the last snapshot queued (0 once it has
 * been written). Frames are only ever dropped whole, after fstart's frame.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "src/ctlsrv.h"
#include "src/log.h"

enum client_state { C_HELLO, C_LIVE, C_CLOSING };

struct client {
	struct ctlsrv *srv;
	struct client *next, *prev;
	int fd;
	uid_t uid;
	pid_t pid;
	enum client_state state;
	enum ctl_role role;
	enum ctl_access access;
	bool resync; /* events are ignored until the fresh snapshot is queued */
	ev_io rio, wio;
	ev_timer timer_w; /* HELLO deadline, then the deferred resync */
	struct ctl_reader *rd;
	uint8_t *q;
	size_t qoff, qlen, qcap, fstart, snap_end;
};

struct ctlsrv {
	struct ev_loop *loop;
	struct ctlsrv_config cfg;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	ino_t ino; /* of the socket file we bound: only that one is removed */
	int fd;
	ev_io accept_w;
	ev_timer pause_w; /* accepting paused: out of descriptors */
	struct client *clients;
	unsigned n_clients;
	struct ctlsrv_stats st;
	struct log_ratelimit rl;
};

static uint8_t encbuf[CTL_FRAME_MAX]; /* one frame at a time, single-threaded */

#define OF(type, w, field) ((type *)((char *)(w)-offsetof(type, field)))

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---------------------------------------------------------------- clients */

static void
client_free(struct client *c)
{
	struct ctlsrv *s = c->srv;

	ev_io_stop(s->loop, &c->rio);
	ev_io_stop(s->loop, &c->wio);
	ev_timer_stop(s->loop, &c->timer_w);
	close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	s->n_clients--;
	free(c->rd);
	free(c->q);
	free(c);
}

static void
client_refuse(struct client *c, const char *why)
{
	unsigned long sup;

	c->srv->st.refused++;
	if (log_ratelimit_ok(&c->srv->rl, ev_now(c->srv->loop), &sup))
		log_info("control: client pid %d uid %u: %s, closed", (int)c->pid, (unsigned)c->uid,
		         why);
	client_free(c);
}

static int
q_reserve(struct client *c, size_t n)
{
	size_t want, ncap;
	uint8_t *p;

	if (c->qoff > 0 && c->qoff >= c->qcap / 2) {
		/* Compact: the written part is dead. */
		memmove(c->q, c->q + c->qoff, c->qlen - c->qoff);
		c->qlen -= c->qoff;
		c->fstart -= c->qoff;
		c->snap_end = c->snap_end > c->qoff ? c->snap_end - c->qoff : 0;
		c->qoff = 0;
	}
	want = c->qlen + n;
	if (want <= c->qcap)
		return 0;
	ncap = c->qcap ? c->qcap : 4096;
	while (ncap < want)
		ncap *= 2;
	p = realloc(c->q, ncap);
	if (p == NULL)
		return -ENOMEM;
	c->q = p;
	c->qcap = ncap;
	return 0;
}

static int
q_append(struct client *c, const uint8_t *buf, size_t n)
{
	if (q_reserve(c, n) < 0)
		return -ENOMEM;
	memcpy(c->q + c->qlen, buf, n);
	c->qlen += n;
	ev_io_start(c->srv->loop, &c->wio);
	return 0;
}

/* Encode and queue one message; the client is dropped on failure (returns < 0). */
static int
client_send(struct client *c, const struct ctl_msg *m)
{
	int n = ctl_encode(m, encbuf, sizeof(encbuf));

	if (n < 0) {
		log_warnx("control: cannot encode message 0x%04x: %s", m->type, strerror(-n));
		return 0; /* our bug, not the client's: skip the message */
	}
	if (q_append(c, encbuf, (size_t)n) < 0) {
		c->srv->st.drops++;
		log_warnx("control: client pid %d: out of memory, dropped", (int)c->pid);
		client_free(c);
		return -ENOMEM;
	}
	return 0;
}

struct snap_ctx {
	struct client *c;
	int err;
};

static void
snap_msg_cb(const struct ctl_msg *m, void *arg)
{
	struct snap_ctx *sc = arg;

	if (sc->err == 0)
		sc->err = client_send(sc->c, m);
}

/* Queue a fresh snapshot. < 0: the client is gone. */
static int
client_snapshot(struct client *c)
{
	struct snap_ctx sc = {c, 0};

	/* The snapshot starts with a round of events: resync keeps them from us. */
	c->resync = true;
	c->srv->cfg.snapshot_cb(c->srv->cfg.arg, snap_msg_cb, &sc);
	if (sc.err < 0)
		return sc.err;
	c->resync = false;
	c->snap_end = c->qlen;
	return 0;
}

/* Drop every queued frame after the one being written. */
static void
client_cut(struct client *c)
{
	if (c->fstart < c->qoff)
		c->qlen = c->fstart + 4 + be32(c->q + c->fstart);
	else
		c->qlen = c->qoff;
	c->snap_end = 0;
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = OF(struct client, w, timer_w);

	(void)loop;
	(void)revents;
	if (c->state == C_HELLO) {
		client_refuse(c, "no HELLO in time");
		return;
	}
	if (c->resync)
		client_snapshot(c);
}

/* < 0: the client is gone (see client_send). */
static int
result(struct client *c, uint32_t id, int err, const char *text)
{
	struct ctl_msg m;

	memset(&m, 0, sizeof(m));
	m.type = CTL_MSG_RESULT;
	m.result.id = id;
	m.result.err = (uint32_t)err;
	snprintf(m.result.message, sizeof(m.result.message), "%s", text);
	return client_send(c, &m);
}

/* < 0: the client is gone. */
static int
handle_request(struct client *c, const struct ctl_request *r)
{
	struct ctlsrv *s = c->srv;
	struct client *o, *next;
	uint32_t id = r->id;

	if (r->op != CTL_OP_LOG_SINCE && c->access != CTL_ACCESS_ADMIN)
		return result(c, id, EPERM, "only root may change the daemon");
	switch (r->op) {
	case CTL_OP_SHUTDOWN:
		log_info("control: shutdown asked by pid %d uid %u", (int)c->pid, (unsigned)c->uid);
		if (result(c, id, 0, "shutting down") < 0)
			return -1;
		if (s->cfg.shutdown_cb != NULL)
			s->cfg.shutdown_cb(s->cfg.arg);
		return 0;
	case CTL_OP_SET_VERBOSITY:
		if (r->arg > 1)
			return result(c, id, EINVAL, "verbosity is 0 (info) or 1 (debug)");
		log_set_verbose((int)r->arg);
		log_info("control: verbosity %s (pid %d)", r->arg ? "debug" : "info", (int)c->pid);
		return result(c, id, 0, r->arg ? "debug" : "info");
	case CTL_OP_DETACH_CLIENTS:
		for (o = s->clients; o != NULL; o = next) {
			next = o->next;
			if (o != c)
				client_free(o);
		}
		return result(c, id, 0, "other clients closed");
	case CTL_OP_LOG_SINCE:
		return result(c, id, EOPNOTSUPP, "the snapshot carries the log ring");
	}
	return result(c, id, EINVAL, "unknown request");
}

static int
handle_hello(struct client *c, const uint8_t *body, size_t len)
{
	char text[CTL_TEXT_MAX + 1];
	struct ctl_msg m, out;
	uint16_t version;
	int rc;

	rc = ctl_hello_peek(body, len, &version);
	if (rc < 0) {
		client_refuse(c, "not a wgnm control client");
		return -1;
	}
	if (ctl_hello_check(version) < 0) {
		ctl_mismatch_text(text, sizeof(text), "wgnm", CTL_VERSION, "the client", version);
		memset(&out, 0, sizeof(out));
		out.type = CTL_MSG_VERSION_MISMATCH;
		out.mismatch.version = CTL_VERSION;
		snprintf(out.mismatch.message, sizeof(out.mismatch.message), "%s", text);
		c->srv->st.refused++;
		log_info("control: client pid %d: %s", (int)c->pid, text);
		if (client_send(c, &out) < 0)
			return -1;
		c->state = C_CLOSING;
		ev_io_stop(c->srv->loop, &c->rio);
		ev_timer_stop(c->srv->loop, &c->timer_w);
		return 0;
	}
	if (ctl_decode_body(&m, CTL_MSG_HELLO, body, len) < 0) {
		client_refuse(c, "malformed HELLO");
		return -1;
	}
	ev_timer_stop(c->srv->loop, &c->timer_w);
	c->role = m.hello.role;
	c->access = m.hello.wants == CTL_ACCESS_ADMIN && c->uid == 0 ? CTL_ACCESS_ADMIN
	                                                             : CTL_ACCESS_READ_ONLY;
	memset(&out, 0, sizeof(out));
	out.type = CTL_MSG_HELLO_ACK;
	out.hello_ack.version = CTL_VERSION;
	out.hello_ack.granted = c->access;
	snprintf(out.hello_ack.daemon_version, sizeof(out.hello_ack.daemon_version), "%s",
	         PACKAGE_VERSION);
	if (client_send(c, &out) < 0 || client_snapshot(c) < 0)
		return -1;
	if (c->role == CTL_ROLE_STATUS) {
		c->state = C_CLOSING;
		ev_io_stop(c->srv->loop, &c->rio);
		return 0;
	}
	c->state = C_LIVE;
	if (c->srv->cfg.listen_cb != NULL)
		c->srv->cfg.listen_cb(c->srv->cfg.arg);
	return 0;
}

/* One frame from the client. < 0: the client is gone. */
static int
handle_frame(struct client *c, uint16_t type, const uint8_t *body, size_t len)
{
	struct ctl_msg m;

	if (c->state == C_HELLO) {
		if (type != CTL_MSG_HELLO) {
			client_refuse(c, "first message is not HELLO");
			return -1;
		}
		return handle_hello(c, body, len);
	}
	if (c->state != C_LIVE)
		return 0;
	if (type != CTL_MSG_REQUEST || ctl_decode_body(&m, type, body, len) < 0) {
		client_refuse(c, "unexpected or malformed message");
		return -1;
	}
	return handle_request(c, &m.request);
}

static void
read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = OF(struct client, w, rio);
	uint8_t buf[4096];
	const uint8_t *body;
	uint16_t type;
	size_t blen, used;
	ssize_t n;
	int rc, rounds;

	(void)loop;
	(void)revents;
	for (rounds = 0; rounds < 16; rounds++) {
		n = read(c->fd, buf, sizeof(buf));
		if (n == 0) {
			client_free(c);
			return;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			client_free(c);
			return;
		}
		used = 0;
		while (used < (size_t)n) {
			used += ctl_reader_feed(c->rd, buf + used, (size_t)n - used);
			while ((rc = ctl_reader_next(c->rd, &type, &body, &blen)) > 0) {
				if (handle_frame(c, type, body, blen) < 0)
					return;
				if (c->state == C_CLOSING)
					return;
			}
			if (rc < 0) {
				client_refuse(c, rc == -EMSGSIZE ? "oversized frame" : "bad frame");
				return;
			}
		}
	}
}

static void
write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = OF(struct client, w, wio);
	ssize_t n;

	(void)revents;
	while (c->qoff < c->qlen) {
		n = send(c->fd, c->q + c->qoff, c->qlen - c->qoff, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			client_free(c);
			return;
		}
		c->qoff += (size_t)n;
		while (c->fstart < c->qoff && c->fstart + 4 + be32(c->q + c->fstart) <= c->qoff)
			c->fstart += 4 + be32(c->q + c->fstart);
	}
	c->qoff = c->qlen = c->fstart = c->snap_end = 0;
	ev_io_stop(loop, w);
	if (c->state == C_CLOSING)
		client_free(c);
}

/* ---------------------------------------------------------------- events */

void
ctlsrv_event(struct ctlsrv *s, const struct ctl_event *ev)
{
	struct client *c, *next;
	struct ctl_msg m;
	size_t limit = s->cfg.queue_max ? s->cfg.queue_max : CTLSRV_QUEUE_MAX;
	size_t pending, snap;
	int n;

	if (s->clients == NULL)
		return;
	memset(&m, 0, sizeof(m));
	m.type = CTL_MSG_EVENT;
	m.event = *ev;
	n = ctl_encode(&m, encbuf, sizeof(encbuf));
	if (n < 0) {
		log_warnx("control: cannot encode event %d: %s", ev->type, strerror(-n));
		return;
	}
	for (c = s->clients; c != NULL; c = next) {
		next = c->next;
		if (c->state != C_LIVE || c->resync)
			continue;
		pending = c->qlen - c->qoff;
		snap = c->snap_end > c->qoff ? c->snap_end - c->qoff : 0;
		if (pending - snap + (size_t)n > limit) {
			if (snap > 0) {
				s->st.drops++;
				log_warnx("control: client pid %d does not keep up even with a "
				          "snapshot; dropped",
				          (int)c->pid);
				client_free(c);
				continue;
			}
			/* Cut back to a fresh snapshot, queued after this round of events. */
			s->st.resyncs++;
			log_info("control: client pid %d falls behind; sending it a fresh snapshot",
			         (int)c->pid);
			client_cut(c);
			c->resync = true;
			ev_timer_set(&c->timer_w, 0., 0.);
			ev_timer_start(s->loop, &c->timer_w);
			continue;
		}
		if (q_append(c, encbuf, (size_t)n) < 0) {
			s->st.drops++;
			client_free(c);
		}
	}
}

bool
ctlsrv_listening(const struct ctlsrv *s)
{
	const struct client *c;

	for (c = s->clients; c != NULL; c = c->next)
		if (c->state == C_LIVE && c->role == CTL_ROLE_TUI)
			return true;
	return false;
}

void
ctlsrv_stats(const struct ctlsrv *s, struct ctlsrv_stats *st)
{
	const struct client *c;

	*st = s->st;
	st->clients = s->n_clients;
	st->queued_max = 0;
	for (c = s->clients; c != NULL; c = c->next)
		if (c->qlen - c->qoff > st->queued_max)
			st->queued_max = c->qlen - c->qoff;
}

/* ---------------------------------------------------------------- listening */

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctlsrv *s = OF(struct ctlsrv, w, accept_w);
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct client *c;
	unsigned long sup;
	int fd, i;

	(void)revents;
	for (i = 0; i < 16; i++) {
		fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				if (log_ratelimit_ok(&s->rl, ev_now(loop), &sup))
					log_warn("control: accept; pausing for a second");
				ev_io_stop(loop, w);
				ev_timer_set(&s->pause_w, 1., 0.);
				ev_timer_start(loop, &s->pause_w);
			}
			return;
		}
		c = NULL;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 ||
		    s->n_clients >= CTLSRV_CLIENTS_MAX || (c = calloc(1, sizeof(*c))) == NULL ||
		    (c->rd = malloc(sizeof(*c->rd))) == NULL) {
			free(c);
			if (s->n_clients >= CTLSRV_CLIENTS_MAX &&
			    log_ratelimit_ok(&s->rl, ev_now(loop), &sup))
				log_warnx("control: %u clients already; refusing another",
				          s->n_clients);
			s->st.refused++;
			close(fd);
			continue;
		}
		c->srv = s;
		c->fd = fd;
		c->uid = cred.uid;
		c->pid = cred.pid;
		ctl_reader_init(c->rd);
		ev_io_init(&c->rio, read_cb, fd, EV_READ);
		ev_io_init(&c->wio, write_cb, fd, EV_WRITE);
		ev_timer_init(&c->timer_w, timer_cb, CTLSRV_HELLO_TIMEOUT, 0.);
		ev_io_start(loop, &c->rio);
		ev_timer_start(loop, &c->timer_w);
		c->next = s->clients;
		if (s->clients != NULL)
			s->clients->prev = c;
		s->clients = c;
		s->n_clients++;
	}
}

static void
pause_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctlsrv *s = OF(struct ctlsrv, w, pause_w);

	(void)revents;
	ev_io_start(loop, &s->accept_w);
}

/* "<what> <path>: <strerror>" into err; returns rc. */
static int
fail(char *err, size_t errlen, int rc, const char *what, const char *path)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(-rc));
	return rc;
}

static int
prepare_dir(const struct ctlsrv_config *cfg, const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return fail(err, errlen, -errno, "control socket directory", dir);
	if (lstat(dir, &st) < 0)
		return fail(err, errlen, -errno, "control socket directory", dir);
	if (!S_ISDIR(st.st_mode))
		return fail(err, errlen, -ENOTDIR, "control socket directory", dir);
	if (geteuid() == 0 && (st.st_uid != 0 || st.st_gid != cfg->gid) &&
	    chown(dir, 0, cfg->gid) < 0)
		return fail(err, errlen, -errno, "control socket directory (chown)", dir);
	if ((st.st_mode & 07777) != 0750 && chmod(dir, 0750) < 0)
		return fail(err, errlen, -errno, "control socket directory (chmod)", dir);
	return 0;
}

/* 0: nobody there (a stale socket was removed); -EADDRINUSE: a live daemon answers. */
static int
check_live(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return fail(err, errlen, -errno, "control socket", sun->sun_path);
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0) {
		snprintf(err, errlen,
		         "control socket %s: a wgnm daemon already runs for this interface "
		         "(attach with wgnm-tui)",
		         sun->sun_path);
		rc = -EADDRINUSE;
	} else if (errno == ECONNREFUSED) {
		log_info("control: removing the stale socket %s", sun->sun_path);
		if (unlink(sun->sun_path) < 0 && errno != ENOENT)
			rc = fail(err, errlen, -errno, "control socket", sun->sun_path);
	} else if (errno != ENOENT) {
		rc = fail(err, errlen, -errno, "control socket", sun->sun_path);
	}
	close(fd);
	return rc;
}

int
ctlsrv_open(struct ev_loop *loop, const struct ctlsrv_config *cfg, struct ctlsrv **out, char *err,
            size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct ctlsrv *s;
	struct stat st = {0};
	mode_t old;
	int rc;

	*out = NULL;
	if (strlen(cfg->path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket %s: path too long", cfg->path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, cfg->path, strlen(cfg->path));
	if (cfg->own_dir && (rc = prepare_dir(cfg, cfg->path, err, errlen)) < 0)
		return rc;
	if ((rc = check_live(&sun, err, errlen)) < 0)
		return rc;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return fail(err, errlen, -ENOMEM, "control socket", cfg->path);
	s->loop = loop;
	s->cfg = *cfg;
	snprintf(s->path, sizeof(s->path), "%s", cfg->path);
	s->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(10, 5);
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		rc = fail(err, errlen, -errno, "control socket", cfg->path);
		free(s);
		return rc;
	}
	old = umask(0117);
	rc = bind(s->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ? -errno : 0;
	umask(old);
	if (rc == 0 && geteuid() == 0 && chown(s->path, 0, cfg->gid) < 0)
		rc = -errno;
	if (rc == 0 && chmod(s->path, 0660) < 0)
		rc = -errno;
	if (rc == 0 && listen(s->fd, 16) < 0)
		rc = -errno;
	if (rc == 0 && stat(s->path, &st) < 0)
		rc = -errno;
	if (rc < 0) {
		fail(err, errlen, rc, "control socket", cfg->path);
		close(s->fd);
		free(s);
		return rc;
	}
	s->ino = st.st_ino;
	ev_io_init(&s->accept_w, accept_cb, s->fd, EV_READ);
	ev_io_start(loop, &s->accept_w);
	ev_timer_init(&s->pause_w, pause_cb, 1., 0.);
	*out = s;
	return 0;
}

void
ctlsrv_close(struct ctlsrv *s)
{
	struct client *c, *next;
	struct stat st;

	if (s == NULL)
		return;
	for (c = s->clients; c != NULL; c = next) {
		next = c->next;
		if (c->qlen > c->qoff) /* one last try, never blocking */
			(void)!send(c->fd, c->q + c->qoff, c->qlen - c->qoff,
			            MSG_NOSIGNAL | MSG_DONTWAIT);
		client_free(c);
	}
	ev_io_stop(s->loop, &s->accept_w);
	ev_timer_stop(s->loop, &s->pause_w);
	close(s->fd);
	if (stat(s->path, &st) == 0 && st.st_ino == s->ino)
		unlink(s->path);
	free(s);
}

int
ctlsrv_default_path(char *buf, size_t len, const char *ifname)
{
	int n = snprintf(buf, len, "%s/%s.sock", WGNM_RUNDIR, ifname);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
