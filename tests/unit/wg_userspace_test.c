/*
 * wg_uapi + wg_userspace without root: this program is also its own fake
 * userspace WireGuard. Started as "<self> -f IFNAME" (how the supervisor
 * starts wireguard-go) it checks the hygiene it was promised (default signal
 * dispositions, empty mask, WG_PROCESS_FOREGROUND=1, no inherited fds; exit 3
 * if not), then serves a minimal UAPI on $WGTEST_SOCKDIR/IFNAME.sock: get
 * answers listen_port=<its pid % 60000 + 1>, set reads the whole request and
 * answers errno=0. WGTEST_SPLIT=1 writes replies one byte at a time.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "platform/wg_uapi.h"
#include "platform/wg_userspace.h"
#include "src/log.h"
#include "tests/tap.h"

static char sockdir[64];
static char sockpath[sizeof(((struct sockaddr_un *)0)->sun_path)];

static void
fake_term(int sig)
{
	(void)sig;
	unlink(sockpath);
	_exit(0);
}

static int
fake_impl(const char *ifname)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	const char *dir = getenv("WGTEST_SOCKDIR"), *fg = getenv("WG_PROCESS_FOREGROUND");
	const char *marker = getenv("WGTEST_MARKER_FD");
	int split = getenv("WGTEST_SPLIT") != NULL;
	struct sigaction sa;
	sigset_t mask;
	int fd;

	sigprocmask(SIG_SETMASK, NULL, &mask);
	sigaction(SIGUSR1, NULL, &sa);
	if (dir == NULL || fg == NULL || strcmp(fg, "1") != 0 || sigismember(&mask, SIGTERM) ||
	    sa.sa_handler != SIG_DFL || marker == NULL || fcntl(atoi(marker), F_GETFD) != -1)
		return 3;
	snprintf(sockpath, sizeof(sockpath), "%s/%s.sock", dir, ifname);
	memcpy(sun.sun_path, sockpath, sizeof(sun.sun_path));
	signal(SIGTERM, fake_term);
	unlink(sockpath);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 8) < 0)
		return 4;
	for (;;) {
		char req[8] = {0}, reply[64], ch, prev = 0;
		size_t got = 0, i;
		int c = accept(fd, NULL, NULL), n;

		if (c < 0)
			continue;
		/* read to the blank line, keeping the first bytes (the operation) */
		while (read(c, &ch, 1) == 1) {
			if (got < sizeof(req) - 1)
				req[got++] = ch;
			if (ch == '\n' && prev == '\n')
				break;
			prev = ch;
		}
		if (!(ch == '\n' && prev == '\n')) { /* a probe: connect and close */
			close(c);
			continue;
		}
		if (strncmp(req, "get=1\n", 6) == 0)
			n = snprintf(reply, sizeof(reply), "listen_port=%d\nerrno=0\n\n",
			             (int)(getpid() % 60000) + 1);
		else
			n = snprintf(reply, sizeof(reply), "errno=0\n\n");
		for (i = 0; i < (size_t)n; i += split ? 1 : (size_t)n) {
			if (send(c, reply + i, split ? 1 : (size_t)n, MSG_NOSIGNAL) < 0)
				break;
			if (split)
				usleep(2000);
		}
		close(c);
	}
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A listener that never accepts: connect and write succeed, nothing answers. */
static int
listen_at(const char *ifname)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s.sock", sockdir, ifname);
	unlink(sun.sun_path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 8) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int restarts_seen;

static void
restart_cb(void *arg)
{
	(void)arg;
	restarts_seen++;
}

static void
watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

static void
idle_check_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	if (restarts_seen > 0)
		ev_break(loop, EVBREAK_ALL);
	else
		ev_timer_again(loop, w);
}

static void
run_until_restart(struct ev_loop *loop)
{
	ev_timer watchdog, idle;

	ev_timer_init(&watchdog, watchdog_cb, 5., 0.);
	ev_timer_init(&idle, idle_check_cb, 0., 0.02);
	ev_timer_start(loop, &watchdog);
	ev_timer_again(loop, &idle);
	ev_run(loop, 0);
	ev_timer_stop(loop, &watchdog);
	ev_timer_stop(loop, &idle);
}

/*
 * wgnm's detach: fork; the parent goes on without reaping (here: it waits
 * for the forked side first), the forked side supervises an implementation
 * that is not its child. Each failed check sets one bit of the exit status.
 */
static void
adopt_test(struct ev_loop *loop, struct wg_userspace_config *cfg, struct wg_uapi_ctx *ctx)
{
	static const char *const checks[] = {
	    "after the fork the implementation is not the forked side's child",
	    "killed adopted implementation restarted (on_restart once)",
	    "a new pid serves the interface",
	    "the new implementation is the forked side's own child",
	    "its UAPI socket answers",
	    "stop terminates it",
	};
	struct wg_userspace *us = NULL;
	sigset_t all, old;
	pid_t first, d;
	int rc, st = 0;
	size_t i;

	cfg->ifname = "fork0";
	rc = wg_userspace_start(loop, cfg, &us);
	is_int(rc, 0, "start an implementation to be adopted after a fork");
	if (rc < 0)
		return;
	first = wg_userspace_pid(us);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	d = fork();
	if (d == 0) {
		unsigned fails = 0;
		pid_t second;

		ev_loop_fork(loop);
		sigprocmask(SIG_SETMASK, &old, NULL);
		restarts_seen = 0;
		wg_userspace_after_fork(us);
		if (waitpid(first, NULL, WNOHANG) != -1 || errno != ECHILD)
			fails |= 1;
		kill(first, SIGKILL);
		run_until_restart(loop);
		if (restarts_seen != 1)
			fails |= 2;
		second = wg_userspace_pid(us);
		if (second <= 0 || second == first)
			fails |= 4;
		if (second <= 0 || waitpid(second, NULL, WNOHANG) != 0)
			fails |= 8;
		if (!wg_uapi_ctx_exists(ctx, "fork0"))
			fails |= 16;
		wg_userspace_stop(us);
		if (second <= 0 || kill(second, 0) == 0 || errno != ESRCH)
			fails |= 32;
		fflush(stdout);
		_exit((int)fails);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	ok(d > 0, "fork");
	if (d < 0)
		return;
	/* `first` stays our unreaped (zombie) child meanwhile: the pidfd must see it exit. */
	while (waitpid(d, &st, 0) < 0 && errno == EINTR)
		;
	ok(WIFEXITED(st), "forked side exited normally (status 0x%x)", (unsigned)st);
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		ok(WIFEXITED(st) && (WEXITSTATUS(st) & (1 << i)) == 0, "%s", checks[i]);
	ok(waitpid(first, NULL, WNOHANG) == first,
	   "the original parent reaps the killed first one");
	wg_userspace_stop(us);
}

int
main(int argc, char **argv)
{
	struct wg_uapi_ctx ctx = {.sockdir = sockdir, .timeout_ms = 300};
	struct wg_userspace_config cfg = {0};
	struct ev_loop *loop;
	struct wg_userspace *us = NULL;
	const struct wg_backend_ops *ops;
	struct wg_device *dev = NULL;
	char self[PATH_MAX], env[32], longdir[200];
	void *uctx;
	int64_t t0;
	pid_t pid, pid2;
	int fd, marker, rc;
	ssize_t n;

	if (argc == 3 && strcmp(argv[1], "-f") == 0)
		return fake_impl(argv[2]);

	log_init(LOG_TO_STDERR, 0, "wg_userspace_test");
	snprintf(sockdir, sizeof(sockdir), "/tmp/wgnm-us-XXXXXX");
	if (mkdtemp(sockdir) == NULL ||
	    (n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0) {
		ok(0, "temp dir and own path");
		return tap_done();
	}
	self[n] = '\0';
	setenv("WGTEST_SOCKDIR", sockdir, 1);
	/* an fd without CLOEXEC and an ignored signal must not reach the child */
	marker = open("/dev/null", O_RDONLY);
	snprintf(env, sizeof(env), "%d", marker);
	setenv("WGTEST_MARKER_FD", env, 1);
	signal(SIGUSR1, SIG_IGN);

	/* ---- wg_uapi: errors before any process ---- */
	is_int(wg_uapi_get(&ctx, "nope0", &dev), -ENOENT, "no socket: -ENOENT");
	ok(dev == NULL, "no device on error");
	is_int(wg_uapi_get(&ctx, "../x", &dev), -EINVAL, "ifname with '/': -EINVAL");
	is_int(wg_uapi_get(&ctx, "", &dev), -EINVAL, "empty ifname: -EINVAL");
	is_int(wg_uapi_get(&ctx, "abcdefghijklmnop", &dev), -EINVAL, "overlong ifname: -EINVAL");
	memset(longdir, 'd', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	{
		struct wg_uapi_ctx lc = {.sockdir = longdir};

		is_int(wg_uapi_get(&lc, "wg0", &dev), -ENAMETOOLONG,
		       "socket path too long: -ENAMETOOLONG");
	}
	fd = listen_at("stale0");
	close(fd);
	is_int(wg_uapi_get(&ctx, "stale0", &dev), -ECONNREFUSED, "stale socket: -ECONNREFUSED");
	ok(!wg_uapi_ctx_exists(&ctx, "stale0"), "stale socket does not exist");

	fd = listen_at("hung0");
	ok(wg_uapi_ctx_exists(&ctx, "hung0"), "hung listener: connect succeeds");
	t0 = now_ms();
	is_int(wg_uapi_get(&ctx, "hung0", &dev), -ETIMEDOUT, "hung listener: get -ETIMEDOUT");
	ok(now_ms() - t0 >= 290 && now_ms() - t0 < 1000, "... within the 300 ms deadline (%lld ms)",
	   (long long)(now_ms() - t0));

	/* ---- supervisor start failures ---- */
	loop = ev_default_loop(0);
	cfg.ifname = "hung0";
	cfg.wggo_path = self;
	cfg.sockdir = sockdir;
	cfg.uapi_timeout_ms = 2000;
	cfg.backoff_min_ms = 50;
	cfg.start_timeout_ms = 3000;
	cfg.on_restart = restart_cb;
	is_int(wg_userspace_start(loop, &cfg, &us), -EEXIST, "interface already served: -EEXIST");
	close(fd);
	{
		struct ev_loop *other = ev_loop_new(0);

		cfg.ifname = "us0";
		is_int(wg_userspace_start(other, &cfg, &us), -EINVAL,
		       "not the default loop: -EINVAL");
		ev_loop_destroy(other);
	}
	cfg.wggo_path = "/bin/false";
	is_int(wg_userspace_start(loop, &cfg, &us), -ECHILD,
	       "child exits during start-up: -ECHILD");
	cfg.wggo_path = "/nonexistent/wireguard-go";
	cfg.boringtun_path = "/nonexistent/boringtun";
	is_int(wg_userspace_start(loop, &cfg, &us), -ENOENT, "no implementation: -ENOENT");
	ok(us == NULL, "nothing returned on failure");

	/* ---- supervised fake implementation ---- */
	cfg.wggo_path = self;
	cfg.boringtun_path = NULL;
	rc = wg_userspace_start(loop, &cfg, &us);
	is_int(rc, 0, "start the fake implementation (hygiene checked by the child)");
	if (rc < 0)
		goto out;
	is_str(wg_userspace_impl(us), "wireguard-go", "implementation name");
	pid = wg_userspace_pid(us);
	ok(pid > 0, "child pid %d", (int)pid);
	ops = wg_userspace_backend(us, &uctx);
	is_str(ops->name, "wireguard-go", "backend display name");
	is_int(ops->get(uctx, "us0", &dev), 0, "get through the backend");
	ok(dev && dev->listen_port == pid % 60000 + 1, "the child answered");
	wg_device_free(dev);
	dev = NULL;
	{
		struct wg_device *big = wg_device_new("us0");
		uint8_t key[WG_KEY_LEN] = {0};
		int i;

		for (i = 0; i < 3000; i++) {
			key[0] = (uint8_t)i;
			key[1] = (uint8_t)(i >> 8);
			wg_device_add_peer(big, key);
		}
		is_int(ops->set(uctx, big), 0, "set with 3000 peers (partial writes)");
		wg_device_free(big);
	}

	/* kill the child: restarted with backoff, on_restart called */
	kill(pid, SIGKILL);
	{
		ev_timer watchdog, idle;

		ev_timer_init(&watchdog, watchdog_cb, 5., 0.);
		ev_timer_init(&idle, idle_check_cb, 0., 0.02);
		ev_timer_start(loop, &watchdog);
		ev_timer_again(loop, &idle);
		ev_run(loop, 0);
		ev_timer_stop(loop, &watchdog);
		ev_timer_stop(loop, &idle);
	}
	is_int(restarts_seen, 1, "on_restart called once after the kill");
	is_int(wg_userspace_restarts(us), 1, "restart counted");
	pid2 = wg_userspace_pid(us);
	ok(pid2 > 0 && pid2 != pid, "new child %d replaces %d", (int)pid2, (int)pid);
	ok(kill(pid, 0) < 0 && errno == ESRCH, "the killed child was reaped");
	is_int(ops->get(uctx, "us0", &dev), 0, "get after the restart");
	ok(dev && dev->listen_port == pid2 % 60000 + 1, "the new child answered");
	wg_device_free(dev);
	dev = NULL;

	wg_userspace_stop(us);
	ok(kill(pid2, 0) < 0 && errno == ESRCH, "child gone after stop");
	ok(!wg_uapi_ctx_exists(&ctx, "us0"), "its socket is gone");

	/* a reply arriving one byte at a time */
	setenv("WGTEST_SPLIT", "1", 1);
	cfg.ifname = "split0";
	rc = wg_userspace_start(loop, &cfg, &us);
	is_int(rc, 0, "start a child that answers byte by byte");
	if (rc == 0) {
		ops = wg_userspace_backend(us, &uctx);
		is_int(ops->get(uctx, "split0", &dev), 0, "split reply decodes");
		ok(dev && dev->listen_port == wg_userspace_pid(us) % 60000 + 1,
		   "split reply value");
		wg_device_free(dev);
		is_int(ops->set(uctx, dev = wg_device_new("split0")), 0, "split set reply");
		wg_device_free(dev);
		wg_userspace_stop(us);
	}
	unsetenv("WGTEST_SPLIT");
	adopt_test(loop, &cfg, &ctx);
out : {
	static const char *const left[] = {"hung0", "stale0", "us0", "split0", "fork0"};
	char path[sizeof(sockpath)];
	size_t i;

	for (i = 0; i < sizeof(left) / sizeof(left[0]); i++)
		if (wg_uapi_path(&ctx, left[i], path, sizeof(path)) == 0)
			unlink(path);
}
	ok(rmdir(sockdir) == 0, "temp socket dir removed");
	return tap_done();
}
