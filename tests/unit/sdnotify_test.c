/*
 * sdnotify: notifications arrive byte-exact on a real AF_UNIX datagram
 * socket, path and abstract; bad $NOTIFY_SOCKET values and bad watchdog
 * variables are rejected with their exact errors; a full queue never blocks.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "src/sdnotify.h"
#include "tests/tap.h"

/* A receiving socket bound to name: "/path" or "@abstract". */
static int
receiver(const char *name)
{
	struct sockaddr_un sun;
	socklen_t len;
	size_t n = strlen(name);
	int fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (name[0] == '@') {
		memcpy(sun.sun_path + 1, name + 1, n - 1);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		memcpy(sun.sun_path, name, n + 1);
		len = (socklen_t)sizeof(sun);
	}
	if (bind(fd, (struct sockaddr *)&sun, len) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* The next datagram as a string, or "(none)" when the queue is empty. */
static const char *
recv_one(int fd, char *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len - 1, MSG_DONTWAIT);

	if (n < 0)
		return "(none)";
	buf[n] = '\0';
	return buf;
}

static const struct {
	const char *value;
	int rc;
} bad_sockets[] = {
    {"relative/path", -EINVAL},
    {"notify.sock", -EINVAL},
    {"@", -EINVAL},
    {"vsock:2:1234", -EAFNOSUPPORT},
    {"/nonexistent-dir-wgnm/notify", -ENOENT},
};

static const struct {
	const char *usec, *pid; /* NULL: unset */
	int rc;
	uint64_t want;
} watchdog[] = {
    {NULL, NULL, 0, 0},
    {"", NULL, 0, 0},
    {"30000000", NULL, 0, 30000000},
    {"1", NULL, 0, 1},
    {"18446744073709551614", NULL, 0, UINT64_MAX - 1},
    {"30000000", "SELF", 0, 30000000},
    {"30000000", "", 0, 30000000},
    {"30000000", "1", 0, 0}, /* another process's watchdog */
    {"0", NULL, -EINVAL, 0},
    {"-5", NULL, -EINVAL, 0},
    {"+5", NULL, -EINVAL, 0},
    {" 5", NULL, -EINVAL, 0},
    {"12x", NULL, -EINVAL, 0},
    {"abc", NULL, -EINVAL, 0},
    {"18446744073709551615", NULL, -ERANGE, 0},
    {"99999999999999999999999", NULL, -ERANGE, 0},
    {"30000000", "x", -EINVAL, 0},
    {"30000000", "0", -EINVAL, 0},
    {"30000000", "-1", -EINVAL, 0},
    {"30000000", "2147483648", -ERANGE, 0},
};

static void
setenv_or_unset(const char *name, const char *value)
{
	if (value == NULL)
		unsetenv(name);
	else
		setenv(name, value, 1);
}

int
main(void)
{
	char dir[] = "/tmp/wgnm-sdnotify-XXXXXX", path[128], abstract[64], buf[SDNOTIFY_MAX + 64];
	char big[SDNOTIFY_MAX + 2], self[32];
	const char *s;
	unsigned long long mono;
	struct timespec ts;
	size_t i;
	int fd, afd, rc, sent, again;

	alarm(20); /* a blocking send would hang here: fail instead */

	unsetenv("NOTIFY_SOCKET");
	is_int(sdnotify("READY=1"), 0, "no NOTIFY_SOCKET: no-op");
	is_int(sdnotify_status("x"), 0, "no NOTIFY_SOCKET: status no-op");
	is_int(sdnotify_reloading(), 0, "no NOTIFY_SOCKET: reloading no-op");
	setenv("NOTIFY_SOCKET", "", 1);
	is_int(sdnotify("READY=1"), 0, "empty NOTIFY_SOCKET: no-op");

	for (i = 0; i < sizeof(bad_sockets) / sizeof(bad_sockets[0]); i++) {
		setenv("NOTIFY_SOCKET", bad_sockets[i].value, 1);
		is_int(sdnotify("READY=1"), bad_sockets[i].rc, "NOTIFY_SOCKET=%s rejected",
		       bad_sockets[i].value);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[108] = '\0';
	setenv("NOTIFY_SOCKET", big, 1);
	is_int(sdnotify("READY=1"), -EINVAL, "a 108-byte path does not fit sun_path");
	big[0] = '@';
	big[108] = 'a';
	big[109] = '\0';
	setenv("NOTIFY_SOCKET", big, 1);
	is_int(sdnotify("READY=1"), -EINVAL, "a 108-byte abstract name does not fit");

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return tap_done();
	}
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = receiver(path);
	ok(fd >= 0, "path receiver bound");
	if (fd < 0)
		return tap_done();
	setenv("NOTIFY_SOCKET", path, 1);

	is_int(sdnotify("READY=1"), 0, "READY=1 sent");
	is_str(recv_one(fd, buf, sizeof(buf)), "READY=1", "READY=1 received");
	is_int(sdnotify("STOPPING=1"), 0, "STOPPING=1 sent");
	is_str(recv_one(fd, buf, sizeof(buf)), "STOPPING=1", "STOPPING=1 received");
	is_int(sdnotify("WATCHDOG=1"), 0, "WATCHDOG=1 sent");
	is_str(recv_one(fd, buf, sizeof(buf)), "WATCHDOG=1", "WATCHDOG=1 received");
	is_int(sdnotify("READY=1\nSTATUS=%d peers", 3), 0, "two assignments sent");
	is_str(recv_one(fd, buf, sizeof(buf)), "READY=1\nSTATUS=3 peers",
	       "two assignments in one datagram");
	is_int(sdnotify_status("%s: %u peers", "wg0", 4u), 0, "status sent");
	is_str(recv_one(fd, buf, sizeof(buf)), "STATUS=wg0: 4 peers", "status received");
	is_int(sdnotify_status("bad\nREADY=1\r\t\x7f!"), 0, "status with control characters");
	is_str(recv_one(fd, buf, sizeof(buf)), "STATUS=bad READY=1   !",
	       "control characters cannot start another assignment");
	is_str(recv_one(fd, buf, sizeof(buf)), "(none)", "nothing else was sent");

	clock_gettime(CLOCK_MONOTONIC, &ts);
	mono = (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000;
	is_int(sdnotify_reloading(), 0, "reloading sent");
	s = recv_one(fd, buf, sizeof(buf));
	ok(strncmp(s, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0, "RELOADING=1 with MONOTONIC_USEC");
	if (strncmp(s, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0) {
		unsigned long long got = strtoull(s + 27, NULL, 10);

		ok(got >= mono && got < mono + 5000000ULL, "MONOTONIC_USEC is now (%llu vs %llu)",
		   got, mono);
	} else {
		ok(0, "MONOTONIC_USEC is now: got \"%s\"", s);
	}

	is_int(sdnotify("%s", ""), -EMSGSIZE, "empty notification rejected");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0'; /* SDNOTIFY_MAX + 1 characters */
	is_int(sdnotify("%s", big), -EMSGSIZE, "SDNOTIFY_MAX + 1 bytes rejected");
	is_int(sdnotify_status("%s", big + 7), -EMSGSIZE, "long status rejected");
	big[SDNOTIFY_MAX] = '\0';
	is_int(sdnotify("%s", big), 0, "SDNOTIFY_MAX bytes sent");
	is_int(strlen(recv_one(fd, buf, sizeof(buf))), SDNOTIFY_MAX, "SDNOTIFY_MAX bytes received");

	/* A queue nobody reads fills up: -EAGAIN, never a blocked daemon. */
	sent = again = 0;
	for (i = 0; i < 10000 && again == 0; i++) {
		rc = sdnotify("WATCHDOG=1");
		if (rc == 0)
			sent++;
		else if (rc == -EAGAIN)
			again++;
		else
			break;
	}
	ok(sent > 0 && again == 1, "full queue: -EAGAIN after %d sent, no block", sent);
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	is_int(sdnotify("READY=1"), 0, "sends again once drained");
	is_str(recv_one(fd, buf, sizeof(buf)), "READY=1", "received after the drain");

	close(fd);
	is_int(sdnotify("READY=1"), -ECONNREFUSED, "socket file without a receiver");
	unlink(path);
	is_int(sdnotify("READY=1"), -ENOENT, "socket file gone");
	rmdir(dir);

	snprintf(abstract, sizeof(abstract), "@wgnm-sdnotify-test-%ld-%ld", (long)getpid(),
	         (long)time(NULL));
	afd = receiver(abstract);
	ok(afd >= 0, "abstract receiver bound");
	if (afd >= 0) {
		setenv("NOTIFY_SOCKET", abstract, 1);
		is_int(sdnotify("READY=1"), 0, "READY=1 sent to an abstract socket");
		is_str(recv_one(afd, buf, sizeof(buf)), "READY=1", "READY=1 received (abstract)");
		is_int(sdnotify_status("up"), 0, "status sent to an abstract socket");
		is_str(recv_one(afd, buf, sizeof(buf)), "STATUS=up", "status received (abstract)");
		close(afd);
		is_int(sdnotify("READY=1"), -ECONNREFUSED, "abstract name without a receiver");
	}
	unsetenv("NOTIFY_SOCKET");

	snprintf(self, sizeof(self), "%ld", (long)getpid());
	for (i = 0; i < sizeof(watchdog) / sizeof(watchdog[0]); i++) {
		const char *pid = watchdog[i].pid;
		uint64_t usec = 12345;

		if (pid != NULL && strcmp(pid, "SELF") == 0)
			pid = self;
		setenv_or_unset("WATCHDOG_USEC", watchdog[i].usec);
		setenv_or_unset("WATCHDOG_PID", pid);
		rc = sdnotify_watchdog_usec(&usec);
		is_int(rc, watchdog[i].rc, "WATCHDOG_USEC=%s WATCHDOG_PID=%s: rc",
		       watchdog[i].usec ? watchdog[i].usec : "(unset)",
		       watchdog[i].pid ? watchdog[i].pid : "(unset)");
		ok(usec == watchdog[i].want, "WATCHDOG_USEC=%s WATCHDOG_PID=%s: %" PRIu64 " usec",
		   watchdog[i].usec ? watchdog[i].usec : "(unset)",
		   watchdog[i].pid ? watchdog[i].pid : "(unset)", watchdog[i].want);
	}
	return tap_done();
}
