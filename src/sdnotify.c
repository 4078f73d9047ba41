/*
 * sdnotify: the service manager notification protocol (sd_notify(3)),
 * written directly on an AF_UNIX datagram socket.
 *
 * Vocabulary and invariants: see src/sdnotify.h. Each notification opens its
 * own non-blocking socket, sends one datagram with sendto() and closes it:
 * nothing is kept between calls, so there is no state to reset after a fork
 * and no descriptor to leak into children. The address is taken from
 * $NOTIFY_SOCKET on every call: "/path" is a filesystem socket, "@name" an
 * abstract one (the '@' becomes the leading NUL byte, and the address length
 * counts exactly the name, no terminator).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "src/sdnotify.h"

/*
 * Fill *sun from $NOTIFY_SOCKET. Returns 1 with an address, 0 when there is
 * no service manager to notify, or -errno (see sdnotify()).
 */
static int
sdnotify_addr(struct sockaddr_un *sun, socklen_t *len)
{
	const char *e = getenv("NOTIFY_SOCKET");
	size_t n;

	if (e == NULL || e[0] == '\0')
		return 0;
	if (strncmp(e, "vsock:", 6) == 0)
		return -EAFNOSUPPORT;
	if (e[0] != '/' && e[0] != '@')
		return -EINVAL;
	n = strlen(e);
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (e[0] == '/') {
		if (n >= sizeof(sun->sun_path))
			return -EINVAL;
		memcpy(sun->sun_path, e, n + 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	} else {
		if (n < 2 || n > sizeof(sun->sun_path))
			return -EINVAL;
		memcpy(sun->sun_path + 1, e + 1, n - 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	}
	return 1;
}

static int
sdnotify_send(const struct sockaddr_un *sun, socklen_t slen, const char *msg, size_t len)
{
	ssize_t n;
	int fd, rc = 0;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	do
		n = sendto(fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT, (const struct sockaddr *)sun,
		           slen);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	close(fd);
	return rc;
}

/*
 * Format prefix + fmt into one notification and send it. With one_line,
 * control characters in the formatted part become spaces.
 */
static int __attribute__((format(printf, 3, 0)))
sdnotify_vsend(const char *prefix, bool one_line, const char *fmt, va_list ap)
{
	struct sockaddr_un sun;
	socklen_t slen = 0;
	char buf[SDNOTIFY_MAX + 1];
	size_t plen = strlen(prefix), i;
	int rc, n;

	rc = sdnotify_addr(&sun, &slen);
	if (rc <= 0)
		return rc;
	memcpy(buf, prefix, plen);
	n = vsnprintf(buf + plen, sizeof(buf) - plen, fmt, ap);
	if (n < 0 || (size_t)n >= sizeof(buf) - plen || plen + (size_t)n == 0)
		return -EMSGSIZE;
	if (one_line) {
		for (i = plen; i < plen + (size_t)n; i++) {
			unsigned char c = (unsigned char)buf[i];

			if (c < 0x20 || c == 0x7f)
				buf[i] = ' ';
		}
	}
	return sdnotify_send(&sun, slen, buf, plen + (size_t)n);
}

int
sdnotify(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sdnotify_vsend("", false, fmt, ap);
	va_end(ap);
	return rc;
}

int
sdnotify_status(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sdnotify_vsend("STATUS=", true, fmt, ap);
	va_end(ap);
	return rc;
}

int
sdnotify_reloading(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return -errno;
	return sdnotify("RELOADING=1\nMONOTONIC_USEC=%llu",
	                (unsigned long long)ts.tv_sec * 1000000ULL +
	                    (unsigned long long)ts.tv_nsec / 1000ULL);
}

/* A decimal number in [1, max]: digits only, no sign, no spaces. */
static int
sdnotify_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v == 0)
		return -EINVAL;
	*out = v;
	return 0;
}

int
sdnotify_watchdog_usec(uint64_t *usec)
{
	const char *e;
	uint64_t v, pid;
	int rc;

	*usec = 0;
	e = getenv("WATCHDOG_USEC");
	if (e == NULL || e[0] == '\0')
		return 0;
	rc = sdnotify_parse_uint(e, UINT64_MAX - 1, &v);
	if (rc < 0)
		return rc;
	e = getenv("WATCHDOG_PID");
	if (e != NULL && e[0] != '\0') {
		rc = sdnotify_parse_uint(e, INT_MAX, &pid);
		if (rc < 0)
			return rc;
		if (pid != (uint64_t)getpid())
			return 0;
	}
	*usec = v;
	return 0;
}
