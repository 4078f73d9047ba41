/*
 * ctlsrv: the control socket server in-process, with raw clients in the same
 * process (the loop runs between their steps) and, as root, one in a forked
 * child that dropped to nobody. The server's view is a fixed one: PEERS rows
 * made by hand; events are pushed with ctlsrv_event().
 *
 * Covers: socket and directory modes, refusing a live socket, removing a
 * stale one, HELLO/ACK/snapshot, VERSION_MISMATCH for version 99, bad magic,
 * a first message that is not HELLO, oversized and truncated frames (closed,
 * server fine), a client that never reads (queue bounded: cut to a snapshot,
 * then dropped), requests from root (granted) and from nobody (EPERM, while
 * reading works).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ev.h>

#include "src/ctlsrv.h"
#include "src/log.h"
#include "tests/tap.h"

#define PEERS     50
#define QUEUE_MAX (64 * 1024)

static struct ev_loop *loop;
static struct view view;
static int shutdowns, listens;
static char dir[64], path[96];

static void
snapshot_cb(void *arg, view_msg_fn fn, void *fnarg)
{
	(void)arg;
	view_snapshot(&view, fn, fnarg);
}

static void
shutdown_cb(void *arg)
{
	(void)arg;
	shutdowns++;
}

static void
listen_cb(void *arg)
{
	(void)arg;
	listens++;
}

static void
wake_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
}

/* Let the server run one iteration (at most ms milliseconds of waiting). */
static void
spin(int ms)
{
	ev_timer t;

	ev_timer_init(&t, wake_cb, ms / 1000.0, 0.);
	ev_timer_start(loop, &t);
	ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &t);
}

static void
spin_for(int ms)
{
	int i;

	for (i = 0; i < ms / 5; i++)
		spin(5);
}

static int
connect_to(const char *p)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (strlen(p) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, p, strlen(p));
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	return fd;
}

static void
send_bytes(int fd, const void *buf, size_t len)
{
	if (send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		diag("send: %s", strerror(errno));
}

static void
send_msg(int fd, const struct ctl_msg *m)
{
	uint8_t buf[CTL_FRAME_MAX];
	int n = ctl_encode(m, buf, sizeof(buf));

	if (n > 0)
		send_bytes(fd, buf, (size_t)n);
}

static void
hello(int fd, uint16_t version, enum ctl_role role)
{
	struct ctl_msg m;

	memset(&m, 0, sizeof(m));
	m.type = CTL_MSG_HELLO;
	m.hello.magic = CTL_MAGIC;
	m.hello.version = CTL_VERSION;
	m.hello.role = role;
	m.hello.wants = CTL_ACCESS_ADMIN;
	if (version == CTL_VERSION) {
		send_msg(fd, &m);
	} else {
		/* A future client: the frozen start (magic, version) and a body we cannot parse. */
		uint8_t f[] = {0,
		               0,
		               0,
		               10,
		               0,
		               1,
		               0x57,
		               0x47,
		               0x4e,
		               0x4d,
		               (uint8_t)(version >> 8),
		               (uint8_t)version,
		               0xde,
		               0xad};

		send_bytes(fd, f, sizeof(f));
	}
}

struct conn {
	int fd;
	struct ctl_reader rd;
	uint8_t in[4096];
	size_t off, len;
	bool eof;
};

static void
conn_init(struct conn *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	ctl_reader_init(&c->rd);
}

/* The next message, running the server meanwhile: 1, 0 at EOF, -ETIMEDOUT, < 0. */
static int
next_msg(struct conn *c, struct ctl_msg *m, int timeout_ms)
{
	const uint8_t *body;
	uint16_t type;
	size_t blen;
	ssize_t n;
	int rc, waited = 0;

	for (;;) {
		rc = ctl_reader_next(&c->rd, &type, &body, &blen);
		if (rc < 0)
			return rc;
		if (rc > 0) {
			rc = ctl_decode_body(m, type, body, blen);
			return rc < 0 ? rc : 1;
		}
		if (c->off < c->len) {
			c->off += ctl_reader_feed(&c->rd, c->in + c->off, c->len - c->off);
			continue;
		}
		n = read(c->fd, c->in, sizeof(c->in));
		if (n == 0) {
			c->eof = true;
			return 0;
		}
		if (n > 0) {
			c->off = 0;
			c->len = (size_t)n;
			continue;
		}
		if (errno != EAGAIN)
			return -errno;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		spin(5);
		waited += 5;
	}
}

/* Read to the end of a snapshot: the number of PARTs, or < 0. */
static int
read_snapshot(struct conn *c)
{
	struct ctl_msg m = {0};
	int parts = 0, rc;

	while ((rc = next_msg(c, &m, 2000)) > 0) {
		if (m.type == CTL_MSG_SNAPSHOT_PART)
			parts++;
		if (m.type == CTL_MSG_SNAPSHOT_END)
			return (int)m.snap_end.n_peers == PEERS ? parts : -EPROTO;
	}
	return rc < 0 ? rc : -ECONNRESET;
}

/* Closed by the server: EOF (after whatever it still sent) within a second. */
static bool
closed(struct conn *c)
{
	struct ctl_msg m = {0};
	int rc;

	while ((rc = next_msg(c, &m, 1000)) > 0)
		;
	return rc == 0 || rc == -ECONNRESET;
}

static void
fill_view(void)
{
	size_t i;

	view_init(&view);
	view.peers = calloc(PEERS, sizeof(*view.peers));
	view.cap_peers = PEERS;
	for (i = 0; i < PEERS && view.peers != NULL; i++) {
		view.peers[i].id[0] = (uint8_t)i;
		snprintf(view.peers[i].name, sizeof(view.peers[i].name), "node-%03zu", i);
		view.peers[i].state = CTL_PEER_VIA_GATEWAY;
	}
	view.n_peers = view.peers != NULL ? PEERS : 0;
	snprintf(view.header.name, sizeof(view.header.name), "test");
	snprintf(view.header.id_short, sizeof(view.header.id_short), "0123abcd");
	snprintf(view.header.ifname, sizeof(view.header.ifname), "wg0");
	view.seq = 10;
	view.log_seq = 0; /* no log lines in the snapshots */
}

static void
push_events(struct ctlsrv *s, int n)
{
	struct ctl_event ev;
	int i;

	for (i = 0; i < n; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.seq = ++view.seq;
		ev.type = CTL_EV_PEER_UPSERT;
		ev.peer = view.peers[i % PEERS];
		ev.peer.rx_bytes = (uint64_t)i;
		snprintf(ev.peer.warm_reason, sizeof(ev.peer.warm_reason),
		         "padding padding padding padding padding padding");
		ctlsrv_event(s, &ev);
	}
}

/* In a child, as nobody: read a snapshot, ask for a shutdown. Bits of the exit status fail. */
static int
nobody_client(void)
{
	struct passwd *pw = getpwnam("nobody");
	struct ctl_msg m = {0};
	struct conn c;
	int fd, fails = 0, rc;

	if (pw == NULL || setgroups(0, NULL) < 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
		return 64;
	fd = connect_to(path);
	if (fd < 0)
		return 128;
	conn_init(&c, fd);
	hello(fd, CTL_VERSION, CTL_ROLE_TUI);
	for (;;) { /* the parent runs the server; we block in poll */
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		rc = next_msg(&c, &m, 0);
		if (rc == -ETIMEDOUT) {
			if (poll(&pfd, 1, 3000) != 1)
				return 32;
			continue;
		}
		if (rc <= 0)
			return 32;
		if (m.type == CTL_MSG_HELLO_ACK && m.hello_ack.granted != CTL_ACCESS_READ_ONLY)
			fails |= 1;
		if (m.type == CTL_MSG_SNAPSHOT_END) {
			if (m.snap_end.n_peers != PEERS)
				fails |= 2;
			break;
		}
	}
	memset(&m, 0, sizeof(m));
	m.type = CTL_MSG_REQUEST;
	m.request.id = 7;
	m.request.op = CTL_OP_SHUTDOWN;
	send_msg(fd, &m);
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		rc = next_msg(&c, &m, 0);
		if (rc == -ETIMEDOUT) {
			if (poll(&pfd, 1, 3000) != 1)
				return fails | 16;
			continue;
		}
		if (rc <= 0)
			return fails | 16;
		if (m.type == CTL_MSG_RESULT)
			break;
	}
	if (m.result.id != 7 || m.result.err != EPERM)
		fails |= 4;
	close(fd);
	return fails;
}

int
main(void)
{
	struct ctlsrv_config cfg = {0};
	struct ctlsrv *srv = NULL, *other = NULL;
	struct ctlsrv_stats st;
	struct ctl_msg m = {0};
	struct conn c;
	struct stat sb;
	char err[256], stale[96];
	int fd, rc, parts;
	bool root = geteuid() == 0;

	log_init(LOG_TO_NONE, 0, "ctlsrv_test");
	signal(SIGPIPE, SIG_IGN);
	loop = ev_default_loop(0);
	fill_view();
	snprintf(dir, sizeof(dir), "/tmp/wgnm-ctl-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		ok(0, "temp dir");
		return tap_done();
	}
	snprintf(path, sizeof(path), "%s/run/wg0.sock", dir);
	cfg.path = path;
	cfg.own_dir = true;
	cfg.gid = getegid();
	cfg.queue_max = QUEUE_MAX;
	cfg.snapshot_cb = snapshot_cb;
	cfg.shutdown_cb = shutdown_cb;
	cfg.listen_cb = listen_cb;

	/* ---- socket hygiene */
	rc = ctlsrv_open(loop, &cfg, &srv, err, sizeof(err));
	is_int(rc, 0, "open");
	if (rc < 0) {
		diag("%s", err);
		return tap_done();
	}
	snprintf(stale, sizeof(stale), "%s/run", dir);
	ok(stat(stale, &sb) == 0 && (sb.st_mode & 07777) == 0750, "directory created 0750");
	ok(stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode) && (sb.st_mode & 07777) == 0660,
	   "socket 0660");
	is_int(ctlsrv_open(loop, &cfg, &other, err, sizeof(err)), -EADDRINUSE,
	       "a second server on a live socket: -EADDRINUSE");
	ok(strstr(err, "already runs") != NULL, "... saying a daemon already runs");
	{
		struct ctlsrv_config c2 = cfg;
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		int sfd = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(stale, sizeof(stale), "%s/run/stale.sock", dir);
		memcpy(sun.sun_path, stale, strlen(stale)); /* short: /tmp/wgnm-ctl-XXXXXX/... */
		bind(sfd, (struct sockaddr *)&sun, sizeof(sun));
		close(sfd); /* the file stays, nobody listens */
		c2.path = stale;
		rc = ctlsrv_open(loop, &c2, &other, err, sizeof(err));
		is_int(rc, 0, "a stale socket is replaced");
		ctlsrv_close(other);
		ok(access(stale, F_OK) < 0, "close removes the socket file");
	}

	/* ---- a status client: ACK, snapshot, close */
	fd = connect_to(path);
	conn_init(&c, fd);
	hello(fd, CTL_VERSION, CTL_ROLE_STATUS);
	rc = next_msg(&c, &m, 2000);
	ok(rc == 1 && m.type == CTL_MSG_HELLO_ACK && m.hello_ack.version == CTL_VERSION,
	   "HELLO answered by HELLO_ACK");
	ok(rc == 1 && m.hello_ack.granted == (root ? CTL_ACCESS_ADMIN : CTL_ACCESS_READ_ONLY),
	   "access granted by uid (%s)", root ? "root: admin" : "not root: read-only");
	parts = read_snapshot(&c);
	is_int(parts, PEERS, "snapshot: one part per peer");
	ok(closed(&c), "status client closed after the snapshot");
	close(fd);

	/* ---- protocol errors: closed, server fine */
	fd = connect_to(path);
	conn_init(&c, fd);
	hello(fd, 99, CTL_ROLE_TUI);
	rc = next_msg(&c, &m, 2000);
	ok(rc == 1 && m.type == CTL_MSG_VERSION_MISMATCH && m.mismatch.version == CTL_VERSION,
	   "version 99: VERSION_MISMATCH with our version");
	ok(rc == 1 && strstr(m.mismatch.message, "99") != NULL, "... naming both versions: %s",
	   rc == 1 ? m.mismatch.message : "");
	ok(closed(&c), "... then closed");
	close(fd);

	{
		static const struct {
			const char *what;
			uint8_t bytes[16];
			size_t len;
		} bad[] = {
		    {"bad magic", {0, 0, 0, 8, 0, 1, 'N', 'O', 'P', 'E', 0, 1}, 12},
		    {"first message not HELLO", {0, 0, 0, 2, 0x02, 0x01}, 6},
		    {"oversized frame length", {0x00, 0xff, 0xff, 0xff, 0, 1}, 6},
		    {"frame length below 2", {0, 0, 0, 1, 0}, 5},
		    {"unknown message type", {0, 0, 0, 2, 0x7f, 0x7f}, 6},
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			fd = connect_to(path);
			conn_init(&c, fd);
			send_bytes(fd, bad[i].bytes, bad[i].len);
			ok(closed(&c), "%s: closed", bad[i].what);
			close(fd);
		}
	}
	/* truncated: half a HELLO, then the client goes */
	fd = connect_to(path);
	send_bytes(fd, "\0\0\0\x0e\0\x01WG", 8);
	spin_for(20);
	close(fd);
	spin_for(20);
	ctlsrv_stats(srv, &st);
	is_int(st.clients, 0, "truncated HELLO, client gone: no client left");
	ok(st.refused >= 5, "refusals counted (%llu)", (unsigned long long)st.refused);
	/* after a valid HELLO, garbage closes the client */
	fd = connect_to(path);
	conn_init(&c, fd);
	hello(fd, CTL_VERSION, CTL_ROLE_TUI);
	next_msg(&c, &m, 2000);
	read_snapshot(&c);
	send_bytes(fd, "\0\0\0\x03\x01\x04x", 7); /* an EVENT from a client */
	ok(closed(&c), "a client sending an EVENT: closed");
	close(fd);
	fd = connect_to(path);
	conn_init(&c, fd);
	hello(fd, CTL_VERSION, CTL_ROLE_STATUS);
	rc = next_msg(&c, &m, 2000);
	ok(rc == 1 && m.type == CTL_MSG_HELLO_ACK && read_snapshot(&c) == PEERS,
	   "after all that, a good client is served");
	close(fd);

	/* ---- events reach a TUI client in order */
	fd = connect_to(path);
	conn_init(&c, fd);
	hello(fd, CTL_VERSION, CTL_ROLE_TUI);
	next_msg(&c, &m, 2000);
	listens = 0;
	read_snapshot(&c);
	spin_for(10);
	ok(ctlsrv_listening(srv), "a TUI client listens");
	push_events(srv, 3);
	{
		uint64_t seqs[3] = {0};
		int i;

		for (i = 0; i < 3 && next_msg(&c, &m, 2000) == 1; i++)
			seqs[i] = m.type == CTL_MSG_EVENT ? m.event.seq : 0;
		ok(seqs[0] != 0 && seqs[1] == seqs[0] + 1 && seqs[2] == seqs[1] + 1,
		   "three events, in order");
	}

	/* ---- requests as root */
	memset(&m, 0, sizeof(m));
	m.type = CTL_MSG_REQUEST;
	m.request.id = 42;
	m.request.op = CTL_OP_SET_VERBOSITY;
	m.request.arg = 5;
	send_msg(fd, &m);
	rc = next_msg(&c, &m, 2000);
	ok(rc == 1 && m.type == CTL_MSG_RESULT && m.result.id == 42 &&
	       m.result.err == (root ? EINVAL : EPERM),
	   "verbosity 5: %s", root ? "EINVAL" : "EPERM (not root)");
	memset(&m, 0, sizeof(m));
	m.type = CTL_MSG_REQUEST;
	m.request.id = 43;
	m.request.op = CTL_OP_SHUTDOWN;
	send_msg(fd, &m);
	rc = next_msg(&c, &m, 2000);
	if (root) {
		ok(rc == 1 && m.type == CTL_MSG_RESULT && m.result.id == 43 && m.result.err == 0,
		   "root: shutdown granted");
		is_int(shutdowns, 1, "... and passed on to the daemon");
	} else {
		ok(rc == 1 && m.result.err == EPERM, "not root: shutdown refused, EPERM");
		is_int(shutdowns, 0, "... and not passed on");
	}
	close(fd);
	spin_for(10);

	/* ---- a client that never reads: the queue stays bounded */
	fd = connect_to(path);
	conn_init(&c, fd);
	hello(fd, CTL_VERSION, CTL_ROLE_TUI);
	next_msg(&c, &m, 2000); /* the ACK; the rest is never read */
	spin_for(20);
	{
		size_t worst = 0;
		int round;

		for (round = 0; round < 60; round++) {
			push_events(srv, 500);
			spin_for(10);
			ctlsrv_stats(srv, &st);
			if (st.queued_max > worst)
				worst = st.queued_max;
			if (st.clients == 0)
				break;
		}
		ok(st.resyncs >= 1, "stuck client cut back to a snapshot first (%llu)",
		   (unsigned long long)st.resyncs);
		ok(st.drops >= 1 && st.clients == 0, "then dropped (%llu drops)",
		   (unsigned long long)st.drops);
		ok(worst <= 2 * QUEUE_MAX + CTL_FRAME_MAX,
		   "its queue never held more than a snapshot plus the cap (%zu bytes)", worst);
	}
	ok(closed(&c), "the stuck client sees EOF after what was queued");
	close(fd);

	/* ---- nobody may read but not shut down */
	if (!root) {
		ok(getenv("CI") == NULL || strcmp(getenv("CI"), "true") != 0,
		   "non-root client: needs root to setresuid # SKIP not root");
	} else {
		pid_t pid;
		int status = 0;

		chmod(dir, 0755);
		snprintf(stale, sizeof(stale), "%s/run", dir);
		chmod(stale, 0755);
		chmod(path, 0666);
		shutdowns = 0;
		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(nobody_client());
		while (waitpid(pid, &status, WNOHANG) == 0)
			spin(5);
		ok(WIFEXITED(status) && WEXITSTATUS(status) < 32,
		   "nobody connects and reads (status 0x%x)", (unsigned)status);
		ok(WIFEXITED(status) && (WEXITSTATUS(status) & 1) == 0,
		   "nobody is granted read-only access");
		ok(WIFEXITED(status) && (WEXITSTATUS(status) & 2) == 0, "nobody gets the snapshot");
		ok(WIFEXITED(status) && (WEXITSTATUS(status) & 4) == 0,
		   "nobody's shutdown request: EPERM");
		is_int(shutdowns, 0, "the daemon was not asked to shut down");
	}

	ctlsrv_close(srv);
	ok(access(path, F_OK) < 0, "socket removed on close");
	snprintf(stale, sizeof(stale), "%s/run", dir);
	rmdir(stale);
	ok(rmdir(dir) == 0, "temp dir removed");
	free(view.peers);
	return tap_done();
}
