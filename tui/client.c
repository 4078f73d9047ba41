/*
 * client: the control protocol seen from wgnm-tui (see client.h).
 *
 * Owns the socket and the frame reader. Bytes go socket → in[] → rd; rd may
 * refuse bytes while it holds a whole frame nobody took yet, so in[] keeps
 * them until the next call.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tui/client.h"

int
tui_socket_path(char *buf, size_t len, const char *ifname)
{
	int n;

	if (ifname[0] == '\0' || strchr(ifname, '/') != NULL || strlen(ifname) > CTL_IFNAME_MAX)
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s.sock", WGNM_RUNDIR, ifname);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
send_all(int fd, const uint8_t *buf, size_t len)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	ssize_t n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (poll(&pfd, 1, TUI_CONN_TIMEOUT_MS) != 1)
				return -ETIMEDOUT;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
send_msg(struct tui_conn *c, const struct ctl_msg *m)
{
	uint8_t buf[CTL_FRAME_MAX];
	int n = ctl_encode(m, buf, sizeof(buf));

	return n < 0 ? n : send_all(c->fd, buf, (size_t)n);
}

int
tui_conn_next(struct tui_conn *c, struct ctl_msg *m)
{
	const uint8_t *body;
	uint16_t type;
	size_t blen;
	int rc;

	for (;;) {
		rc = ctl_reader_next(&c->rd, &type, &body, &blen);
		if (rc < 0)
			return rc;
		if (rc > 0) {
			rc = ctl_decode_body(m, type, body, blen);
			return rc < 0 ? rc : 1;
		}
		if (c->in_off == c->in_len)
			return 0;
		c->in_off += ctl_reader_feed(&c->rd, c->in + c->in_off, c->in_len - c->in_off);
	}
}

int
tui_conn_fill(struct tui_conn *c)
{
	ssize_t n;

	if (c->in_off < c->in_len)
		return (int)(c->in_len - c->in_off); /* still to be fed */
	do
		n = read(c->fd, c->in, sizeof(c->in));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	c->in_off = 0;
	c->in_len = (size_t)n;
	return (int)n;
}

int
tui_conn_read(struct tui_conn *c, struct ctl_msg *m, int timeout_ms)
{
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
	int64_t deadline = mono_ms() + timeout_ms;
	int rc;

	for (;;) {
		rc = tui_conn_next(c, m);
		if (rc != 0)
			return rc;
		rc = tui_conn_fill(c);
		if (rc == 0)
			return 0;
		if (rc > 0)
			continue;
		if (rc != -EAGAIN)
			return rc;
		int64_t left = deadline - mono_ms();

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
	}
}

int
tui_conn_request(struct tui_conn *c, uint32_t id, enum ctl_op op, uint64_t arg)
{
	struct ctl_msg m;

	memset(&m, 0, sizeof(m));
	m.type = CTL_MSG_REQUEST;
	m.request.id = id;
	m.request.op = op;
	m.request.arg = arg;
	return send_msg(c, &m);
}

int
tui_conn_open(struct tui_conn *c, const char *path, enum ctl_role role, char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char text[CTL_TEXT_MAX + 64];
	struct ctl_msg m;
	int rc;

	memset(c, 0, sizeof(*c));
	ctl_reader_init(&c->rd);
	c->fd = -1;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path));
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return rc;
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 && errno != EINPROGRESS) {
		rc = -errno;
		if (rc == -ENOENT)
			snprintf(err, errlen,
			         "no wgnm daemon: %s does not exist (is wgnm running "
			         "for this interface?)",
			         path);
		else if (rc == -ECONNREFUSED)
			snprintf(err, errlen, "no wgnm daemon answers on %s (a stale socket)",
			         path);
		else if (rc == -EACCES || rc == -EPERM)
			snprintf(err, errlen,
			         "%s: permission denied (root, or a member of the "
			         "group given to wgnm --group)",
			         path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		tui_conn_close(c);
		return rc;
	}
	memset(&m, 0, sizeof(m));
	m.type = CTL_MSG_HELLO;
	m.hello.magic = CTL_MAGIC;
	m.hello.version = CTL_VERSION;
	m.hello.role = role;
	m.hello.wants = CTL_ACCESS_ADMIN; /* the daemon grants it to root only */
	rc = send_msg(c, &m);
	if (rc == 0)
		rc = tui_conn_read(c, &m, TUI_CONN_TIMEOUT_MS);
	if (rc == 1 && m.type == CTL_MSG_HELLO_ACK) {
		c->ack = m.hello_ack;
		return 0;
	}
	if (rc == 1 && m.type == CTL_MSG_VERSION_MISMATCH) {
		ctl_mismatch_text(text, sizeof(text), "wgnm-tui", CTL_VERSION, "the daemon",
		                  m.mismatch.version);
		snprintf(err, errlen, "%s: %s", path, text);
		rc = -EPROTONOSUPPORT;
	} else if (rc == 1) {
		snprintf(err, errlen, "%s: unexpected answer 0x%04x to HELLO", path, m.type);
		rc = -EPROTO;
	} else if (rc == 0) {
		snprintf(err, errlen, "%s: the daemon closed the connection", path);
		rc = -ECONNRESET;
	} else {
		snprintf(err, errlen, "%s: no answer from the daemon: %s", path, strerror(-rc));
	}
	tui_conn_close(c);
	return rc;
}

void
tui_conn_close(struct tui_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
