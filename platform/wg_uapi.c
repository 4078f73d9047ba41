/*
 * wg_uapi: WireGuard device get/set over the userspace UAPI socket (see
 * wg_uapi.h). Owns nothing between calls: each call opens, uses and closes
 * one socket. The deadline is taken once per call (CLOCK_MONOTONIC) and
 * every wait (connect, write, read) polls against what is left of it.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "platform/wg_uapi.h"
#include "proto/uapi.h"
#include "src/log.h"

static int uapi_ops_get_cb(void *ctx, const char *ifname, struct wg_device **out);
static int uapi_ops_set_cb(void *ctx, const struct wg_device *dev);

const struct wg_backend_ops wg_uapi_ops = {
    .name = "userspace",
    .get = uapi_ops_get_cb,
    .set = uapi_ops_set_cb,
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
timeout_of(const struct wg_uapi_ctx *ctx)
{
	return (ctx != NULL && ctx->timeout_ms > 0) ? ctx->timeout_ms : WG_UAPI_TIMEOUT_MS;
}

int
wg_uapi_path(const struct wg_uapi_ctx *ctx, const char *ifname, char *buf, size_t len)
{
	const char *dir = (ctx != NULL && ctx->sockdir != NULL) ? ctx->sockdir : WG_UAPI_SOCKDIR;
	size_t n = ifname ? strnlen(ifname, IFNAMSIZ) : 0;
	int w;

	if (n == 0 || n >= IFNAMSIZ || strchr(ifname, '/') != NULL || strcmp(ifname, ".") == 0 ||
	    strcmp(ifname, "..") == 0)
		return -EINVAL;
	w = snprintf(buf, len, "%s/%s.sock", dir, ifname);
	if (w < 0 || (size_t)w >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Wait for events on fd until the deadline. 0 when ready, -ETIMEDOUT, -errno. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int64_t left = deadline - now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		return 0; /* POLLERR/POLLHUP: the next read/write reports it */
	}
}

static int
uapi_connect(const struct wg_uapi_ctx *ctx, const char *ifname, int64_t deadline, int *fdp)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	socklen_t slen = sizeof(int);
	int fd, rc, soerr = 0;

	rc = wg_uapi_path(ctx, ifname, sun.sun_path, sizeof(sun.sun_path));
	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			/* listen backlog full: the process is busy, retry briefly */
			if (now_ms() >= deadline) {
				rc = -ETIMEDOUT;
				goto fail;
			}
			poll(NULL, 0, 5);
			continue;
		}
		if (errno != EINPROGRESS) {
			rc = -errno;
			goto fail;
		}
		if ((rc = wait_fd(fd, POLLOUT, deadline)) < 0)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) < 0) {
			rc = -errno;
			goto fail;
		}
		if (soerr != 0) {
			rc = -soerr;
			goto fail;
		}
		break;
	}
	*fdp = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

static int
write_all(int fd, const char *p, size_t len, int64_t deadline)
{
	size_t off = 0;
	int rc;

	while (off < len) {
		ssize_t n = send(fd, p + off, len - off, MSG_NOSIGNAL);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		if ((rc = wait_fd(fd, POLLOUT, deadline)) < 0)
			return rc;
	}
	return 0;
}

/*
 * Read until the reply is complete (trimmed to it), EOF (-EPROTO) or the
 * deadline. scan is the start of the first line not yet known to be
 * non-empty, so each byte is scanned once however the reply is split.
 */
static int
read_reply(int fd, struct uapi_buf *reply, int64_t deadline)
{
	size_t scan = 0, done;
	int rc;

	for (;;) {
		const char *nl;
		ssize_t n;

		if (reply->len >= WG_UAPI_REPLY_MAX)
			return -EMSGSIZE;
		if ((rc = uapi_buf_reserve(reply, 16384)) < 0)
			return rc;
		n = recv(fd, reply->data + reply->len, reply->cap - reply->len, 0);
		if (n > 0) {
			reply->len += (size_t)n;
			done = uapi_reply_complete(reply->data + scan, reply->len - scan);
			if (done > 0) {
				reply->len = scan + done;
				return 0;
			}
			nl = memrchr(reply->data + scan, '\n', reply->len - scan);
			if (nl != NULL)
				scan = (size_t)(nl - reply->data) + 1;
			continue;
		}
		if (n == 0)
			return -EPROTO;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		if ((rc = wait_fd(fd, POLLIN, deadline)) < 0)
			return rc;
	}
}

/* One request/reply exchange. reply is the caller's (uapi_buf_free). */
static int
uapi_transact(const struct wg_uapi_ctx *ctx, const char *ifname, const char *op, const char *req,
              size_t reqlen, struct uapi_buf *reply)
{
	int timeout = timeout_of(ctx);
	int64_t deadline = now_ms() + timeout;
	int fd = -1, rc, wrc;

	rc = uapi_connect(ctx, ifname, deadline, &fd);
	if (rc == -ETIMEDOUT)
		goto timeout;
	if (rc < 0) {
		if (rc != -ENOENT)
			log_warnx("uapi: %s: connect: %s", ifname, strerror(-rc));
		return rc;
	}
	wrc = write_all(fd, req, reqlen, deadline);
	if (wrc == -ETIMEDOUT)
		goto timeout;
	/*
	 * On a write error the implementation may have stopped reading after
	 * rejecting a line; its errno reply may still be there to read.
	 */
	if (wrc < 0 && now_ms() + 50 < deadline)
		deadline = now_ms() + 50;
	rc = read_reply(fd, reply, deadline);
	close(fd);
	fd = -1;
	if (wrc < 0 && rc < 0) {
		log_warnx("uapi: %s: %s request: write: %s", ifname, op, strerror(-wrc));
		return wrc;
	}
	if (rc == -ETIMEDOUT)
		goto timeout;
	if (rc < 0)
		log_warnx("uapi: %s: %s reply: %s", ifname, op,
		          rc == -EPROTO ? "connection closed before the reply ended"
		                        : strerror(-rc));
	return rc;
timeout:
	if (fd >= 0)
		close(fd);
	log_warnx("uapi: %s: %s: no answer within %d ms from the userspace WireGuard process",
	          ifname, op, timeout);
	return -ETIMEDOUT;
}

int
wg_uapi_get(const struct wg_uapi_ctx *ctx, const char *ifname, struct wg_device **out)
{
	static const char req[] = "get=1\n\n";
	struct uapi_buf reply = {0};
	int rc;

	*out = NULL;
	rc = uapi_transact(ctx, ifname, "get", req, sizeof(req) - 1, &reply);
	if (rc == 0) {
		rc = uapi_decode_get(reply.data, reply.len, ifname, out);
		if (rc < 0)
			log_warnx("uapi: %s: get: %s", ifname, strerror(-rc));
	}
	uapi_buf_free(&reply);
	return rc;
}

int
wg_uapi_set(const struct wg_uapi_ctx *ctx, const struct wg_device *dev)
{
	struct uapi_buf req = {0}, reply = {0};
	int rc;

	rc = uapi_encode_set(dev, &req);
	if (rc < 0) {
		log_warnx("uapi: %s: set: cannot encode the request: %s", dev->name, strerror(-rc));
		goto out;
	}
	rc = uapi_transact(ctx, dev->name, "set", req.data, req.len, &reply);
	if (rc == 0) {
		rc = uapi_decode_set(reply.data, reply.len);
		if (rc < 0)
			log_warnx("uapi: %s: set refused: %s", dev->name, strerror(-rc));
	}
out:
	uapi_buf_free(&req);
	uapi_buf_free(&reply);
	return rc;
}

bool
wg_uapi_ctx_exists(const struct wg_uapi_ctx *ctx, const char *ifname)
{
	int fd = -1;

	if (uapi_connect(ctx, ifname, now_ms() + timeout_of(ctx), &fd) < 0)
		return false;
	close(fd);
	return true;
}

bool
wg_uapi_exists(const char *ifname)
{
	return wg_uapi_ctx_exists(NULL, ifname);
}

static int
uapi_ops_get_cb(void *ctx, const char *ifname, struct wg_device **out)
{
	return wg_uapi_get(ctx, ifname, out);
}

static int
uapi_ops_set_cb(void *ctx, const struct wg_device *dev)
{
	return wg_uapi_set(ctx, dev);
}
