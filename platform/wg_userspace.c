/*
 * wg_userspace: supervisor of one userspace WireGuard child (see
 * wg_userspace.h for the lifecycle).
 *
 * Owns: the child process (pid) and a pidfd for it, its argv/envp (built
 * once, before any fork), and the watchers embedded in struct wg_userspace:
 * child_w (ev_child on the pid), restart_w (backoff delay before a respawn),
 * ready_w (polls the UAPI socket of a respawned child), and gone_w/poll_w
 * (an adopted child, below).
 *
 * States: RUNNING (child serves its socket), STARTING (respawned, socket not
 * yet answering), WAITING (child dead, restart timer armed).
 * Invariant: pid != 0 exactly in RUNNING and STARTING, and then either
 * child_w watches that pid (it is our child) or, adopted, gone_w watches its
 * pidfd (poll_w polls kill(pid, 0) where the kernel has no pidfd_open).
 *
 * Adopted: after wgnm detaches from its terminal, the process that started
 * the implementation has exited and the daemon goes on in a forked child,
 * which is not the implementation's parent: ev_child never fires for it and
 * waitpid() fails with ECHILD. wg_userspace_after_fork() switches to the
 * pidfd taken right after the spawn (so no recycled pid can be mistaken for
 * it): readable when the process exits, whoever reaps it. A restart spawns
 * a child of the daemon, which ev_child watches again.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "platform/wg_userspace.h"
#include "src/log.h"

#define US_START_TIMEOUT_MS 5000
#define US_BACKOFF_MIN_MS   250
#define US_BACKOFF_MAX_MS   30000
#define US_STABLE_MS        60000
#define US_STOP_TIMEOUT_MS  3000

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

extern char **environ;

enum us_state { US_RUNNING, US_STARTING, US_WAITING };

struct wg_userspace {
	struct ev_loop *loop;
	struct wg_userspace_config cfg;
	char ifname[IFNAMSIZ];
	char path[4096];
	const char *impl; /* "wireguard-go" or "boringtun" */
	char *argv[4];
	char **envp;

	enum us_state state;
	pid_t pid;
	double started_at; /* ev_now() of the last spawn */
	double ready_deadline;
	double ready_delay;
	double backoff_s;
	unsigned restarts;
	int pidfd;    /* of pid, -1: none (no pidfd_open) */
	bool adopted; /* pid is not our child (after a detach) */

	ev_child child_w;
	ev_timer restart_w;
	ev_timer ready_w;
	ev_io gone_w;    /* adopted: pidfd readable = the process exited */
	ev_timer poll_w; /* adopted without pidfd: kill(pid, 0) once a second */

	struct wg_uapi_ctx uapi;
	struct wg_backend_ops ops;
};

static void us_child_cb(struct ev_loop *loop, ev_child *w, int revents);
static void us_restart_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void us_ready_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void us_gone_cb(struct ev_loop *loop, ev_io *w, int revents);
static void us_poll_cb(struct ev_loop *loop, ev_timer *w, int revents);

/* A pidfd for a child we have not reaped yet (its pid cannot be recycled). */
static int
us_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0U); /* close-on-exec by definition */
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* The process is gone (reaped by us or by whoever adopted it): drop its watchers and pidfd. */
static void
us_forget(struct wg_userspace *us)
{
	ev_io_stop(us->loop, &us->gone_w);
	ev_timer_stop(us->loop, &us->poll_w);
	if (us->pidfd >= 0)
		close(us->pidfd);
	us->pidfd = -1;
	us->adopted = false;
	us->pid = 0;
}

static int
ms_or(int v, int dflt)
{
	return v > 0 ? v : dflt;
}

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* name with a '/' is taken as is, otherwise searched in PATH. */
static int
find_exec(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;
	int n;

	if (strchr(name, '/') != NULL) {
		if (access(name, X_OK) < 0)
			return -ENOENT;
		n = snprintf(out, len, "%s", name);
		return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
	}
	if (path == NULL || *path == '\0')
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (p = path; *p != '\0'; p = *end ? end + 1 : end) {
		struct stat st;

		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		if (end == p)
			continue;
		n = snprintf(out, len, "%.*s/%s", (int)(end - p), p, name);
		if (n < 0 || (size_t)n >= len)
			continue;
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

static int
us_choose_impl(struct wg_userspace *us)
{
	const struct wg_userspace_config *c = &us->cfg;

	if (find_exec(c->wggo_path ? c->wggo_path : "wireguard-go", us->path, sizeof(us->path)) ==
	    0) {
		us->impl = "wireguard-go";
		us->argv[1] = "-f";
	} else if ((c->boringtun_path &&
	            find_exec(c->boringtun_path, us->path, sizeof(us->path)) == 0) ||
	           (!c->boringtun_path &&
	            (find_exec("boringtun-cli", us->path, sizeof(us->path)) == 0 ||
	             find_exec("boringtun", us->path, sizeof(us->path)) == 0))) {
		us->impl = "boringtun";
		us->argv[1] = "--foreground";
	} else {
		log_warnx("userspace: %s: no userspace WireGuard found (tried %s, %s)", us->ifname,
		          c->wggo_path ? c->wggo_path : "wireguard-go in PATH",
		          c->boringtun_path ? c->boringtun_path
		                            : "boringtun-cli/boringtun in PATH");
		return -ENOENT;
	}
	us->argv[0] = us->path;
	us->argv[2] = us->ifname;
	us->argv[3] = NULL;
	return 0;
}

/*
 * A copy of the parent's environment with WG_PROCESS_FOREGROUND=1, built
 * before any fork (the child must not allocate). Strings are our own copies.
 * systemd's notification variables stay with wgnm: the child must not
 * report readiness or watchdog pings in wgnm's name.
 */
static void
us_free_env(struct wg_userspace *us)
{
	size_t i;

	for (i = 0; us->envp != NULL && us->envp[i] != NULL; i++)
		free(us->envp[i]);
	free(us->envp);
	us->envp = NULL;
}

static int
us_build_env(struct wg_userspace *us)
{
	static const char fg[] = "WG_PROCESS_FOREGROUND=";
	size_t n = 0, i, j = 0;

	while (environ != NULL && environ[n] != NULL)
		n++;
	us->envp = calloc(n + 2, sizeof(char *));
	if (us->envp == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (strncmp(environ[i], fg, sizeof(fg) - 1) == 0 ||
		    strncmp(environ[i], "NOTIFY_SOCKET=", 14) == 0 ||
		    strncmp(environ[i], "WATCHDOG_", 9) == 0)
			continue;
		if ((us->envp[j++] = strdup(environ[i])) == NULL)
			goto nomem;
	}
	if ((us->envp[j] = strdup("WG_PROCESS_FOREGROUND=1")) == NULL)
		goto nomem;
	return 0;
nomem:
	us_free_env(us);
	return -ENOMEM;
}

static void
describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
		         strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "wait status 0x%x", (unsigned)status);
}

/* In the child: reset signals, set up stdio, close every other fd, exec. */
static void __attribute__((noreturn)) us_exec_child(struct wg_userspace *us, int devnull)
{
	struct sigaction sa;
	sigset_t none;
	int sig, out = us->cfg.child_log_fd >= 0 ? us->cfg.child_log_fd : devnull;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL); /* fails harmlessly for KILL/STOP */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
#endif
	{
		long max = sysconf(_SC_OPEN_MAX), fd;

		if (max < 0 || max > 65536)
			max = 65536;
		for (fd = 3; fd < max; fd++)
			close((int)fd);
	}
	execve(us->path, us->argv, us->envp);
	_exit(127);
}

static int
us_spawn(struct wg_userspace *us)
{
	sigset_t all, old;
	pid_t pid;
	int devnull, saved;

	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		return -errno;
	/* No handler of ours may run in the child before exec (ev.pod). */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		us_exec_child(us, devnull);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(devnull);
	if (pid < 0) {
		log_warnx("userspace: %s: fork: %s", us->ifname, strerror(saved));
		return -saved;
	}
	us->pid = pid;
	us->pidfd = us_pidfd_open(pid);
	us->adopted = false;
	us->started_at = ev_now(us->loop);
	log_info("userspace: %s: started %s (%s), pid %d", us->ifname, us->impl, us->path,
	         (int)pid);
	return 0;
}

static void
us_watch_child(struct wg_userspace *us)
{
	ev_child_set(&us->child_w, us->pid, 0);
	ev_child_start(us->loop, &us->child_w);
}

/* Remove a socket file nobody answers on (left by a killed child). */
static void
us_unlink_stale(struct wg_userspace *us)
{
	char path[108];
	struct wg_uapi_ctx probe = {.sockdir = us->uapi.sockdir, .timeout_ms = 100};

	if (wg_uapi_path(&us->uapi, us->ifname, path, sizeof(path)) == 0 &&
	    !wg_uapi_ctx_exists(&probe, us->ifname))
		unlink(path);
}

/* Has an adopted process exited? (It is reaped by its new parent, not by us.) */
static bool
us_adopted_gone(struct wg_userspace *us)
{
	struct pollfd pfd = {.fd = us->pidfd, .events = POLLIN};

	if (us->pidfd >= 0)
		return poll(&pfd, 1, 0) == 1;
	return kill(us->pid, 0) < 0 && errno == ESRCH;
}

/* us_kill_child() for an adopted process: watch it go instead of reaping it. */
static void
us_kill_adopted(struct wg_userspace *us)
{
	double deadline = mono_s() + ms_or(us->cfg.stop_timeout_ms, US_STOP_TIMEOUT_MS) / 1000.0;
	int delay_ms = 5, killed = 0;
	pid_t pid = us->pid;

	kill(pid, SIGTERM);
	while (!us_adopted_gone(us)) {
		if (killed && mono_s() >= deadline + 2.0)
			break; /* a zombie nobody reaps: nothing more we can do */
		if (!killed && mono_s() >= deadline) {
			log_warnx("userspace: %s: %s (pid %d) ignored SIGTERM, sending SIGKILL",
			          us->ifname, us->impl, (int)pid);
			kill(pid, SIGKILL);
			killed = 1;
		}
		poll(NULL, 0, delay_ms);
		if (delay_ms < 100)
			delay_ms *= 2;
	}
	log_info("userspace: %s: %s (pid %d) stopped", us->ifname, us->impl, (int)pid);
	us_forget(us);
	if (killed)
		us_unlink_stale(us);
}

/* Blocking, bounded: SIGTERM, wait, SIGKILL. Reaps the child. */
static void
us_kill_child(struct wg_userspace *us)
{
	double deadline = mono_s() + ms_or(us->cfg.stop_timeout_ms, US_STOP_TIMEOUT_MS) / 1000.0;
	int status = 0, delay_ms = 5, killed = 0;
	char how[64];
	pid_t r;

	if (us->pid <= 0)
		return;
	if (us->adopted) {
		us_kill_adopted(us);
		return;
	}
	kill(us->pid, SIGTERM);
	for (;;) {
		r = waitpid(us->pid, &status, WNOHANG);
		if (r == us->pid || (r < 0 && errno != EINTR))
			break; /* reaped, or already reaped (ECHILD) */
		if (!killed && mono_s() >= deadline) {
			log_warnx("userspace: %s: %s (pid %d) ignored SIGTERM, sending SIGKILL",
			          us->ifname, us->impl, (int)us->pid);
			kill(us->pid, SIGKILL);
			killed = 1;
		}
		poll(NULL, 0, delay_ms);
		if (delay_ms < 100)
			delay_ms *= 2;
	}
	if (r == us->pid) {
		describe_status(status, how, sizeof(how));
		log_info("userspace: %s: %s (pid %d) stopped: %s", us->ifname, us->impl,
		         (int)us->pid, how);
	}
	us_forget(us);
	if (killed)
		us_unlink_stale(us);
}

/* Synchronous start-up wait: until the socket answers, the child exits, or timeout. */
static int
us_wait_ready(struct wg_userspace *us)
{
	double deadline = mono_s() + ms_or(us->cfg.start_timeout_ms, US_START_TIMEOUT_MS) / 1000.0;
	struct wg_uapi_ctx probe = {.sockdir = us->uapi.sockdir, .timeout_ms = 200};
	int delay_ms = 5, status = 0;
	char how[64];

	for (;;) {
		pid_t r = waitpid(us->pid, &status, WNOHANG);

		if (r == us->pid) {
			describe_status(status, how, sizeof(how));
			log_warnx("userspace: %s: %s (pid %d) exited during start-up: %s",
			          us->ifname, us->impl, (int)us->pid, how);
			us_forget(us);
			return -ECHILD;
		}
		if (wg_uapi_ctx_exists(&probe, us->ifname))
			return 0;
		if (mono_s() >= deadline) {
			log_warnx("userspace: %s: %s (pid %d) did not open its UAPI socket "
			          "within %d ms",
			          us->ifname, us->impl, (int)us->pid,
			          ms_or(us->cfg.start_timeout_ms, US_START_TIMEOUT_MS));
			us_kill_child(us);
			return -ETIMEDOUT;
		}
		poll(NULL, 0, delay_ms);
		if (delay_ms < 200)
			delay_ms *= 2;
	}
}

static void
us_free(struct wg_userspace *us)
{
	us_free_env(us);
	free(us);
}

int
wg_userspace_start(struct ev_loop *loop, const struct wg_userspace_config *cfg,
                   struct wg_userspace **out)
{
	struct wg_userspace *us;
	char path[108];
	int rc;

	*out = NULL;
	if (loop == NULL || !ev_is_default_loop(loop) || cfg->ifname == NULL)
		return -EINVAL;
	us = calloc(1, sizeof(*us));
	if (us == NULL)
		return -ENOMEM;
	us->loop = loop;
	us->cfg = *cfg;
	us->pidfd = -1;
	snprintf(us->ifname, sizeof(us->ifname), "%s", cfg->ifname);
	us->uapi.sockdir = cfg->sockdir;
	us->uapi.timeout_ms = cfg->uapi_timeout_ms;
	if ((rc = wg_uapi_path(&us->uapi, cfg->ifname, path, sizeof(path))) < 0 ||
	    strlen(cfg->ifname) != strlen(us->ifname)) {
		log_warnx("userspace: bad interface name");
		us_free(us);
		return rc < 0 ? rc : -EINVAL;
	}
	if ((rc = us_choose_impl(us)) < 0 || (rc = us_build_env(us)) < 0) {
		us_free(us);
		return rc;
	}
	if (wg_uapi_ctx_exists(&us->uapi, us->ifname)) {
		log_warnx("userspace: %s: a live process already serves %s", us->ifname, path);
		us_free(us);
		return -EEXIST;
	}
	us->ops = wg_uapi_ops;
	us->ops.name = us->impl;
	us->backoff_s = ms_or(cfg->backoff_min_ms, US_BACKOFF_MIN_MS) / 1000.0;
	ev_child_init(&us->child_w, us_child_cb, 0, 0);
	ev_init(&us->restart_w, us_restart_cb);
	ev_init(&us->ready_w, us_ready_cb);
	ev_init(&us->gone_w, us_gone_cb);
	ev_init(&us->poll_w, us_poll_cb);

	if ((rc = us_spawn(us)) < 0 || (rc = us_wait_ready(us)) < 0) {
		us_free(us);
		return rc;
	}
	us->state = US_RUNNING;
	/* Safe after the fork: the loop has not run since (ev.pod, ev_child). */
	us_watch_child(us);
	*out = us;
	return 0;
}

void
wg_userspace_stop(struct wg_userspace *us)
{
	if (us == NULL)
		return;
	ev_child_stop(us->loop, &us->child_w);
	ev_timer_stop(us->loop, &us->restart_w);
	ev_timer_stop(us->loop, &us->ready_w);
	us_kill_child(us);
	us_forget(us);
	us_free(us);
}

/* The child is gone (how: its wait status in words): schedule the restart. */
static void
us_died(struct wg_userspace *us, const char *how)
{
	struct ev_loop *loop = us->loop;
	double ran = ev_now(loop) - us->started_at;
	double max_s = ms_or(us->cfg.backoff_max_ms, US_BACKOFF_MAX_MS) / 1000.0;

	ev_child_stop(loop, &us->child_w);
	ev_timer_stop(loop, &us->ready_w);
	if (ran * 1000.0 >= ms_or(us->cfg.stable_ms, US_STABLE_MS))
		us->backoff_s = ms_or(us->cfg.backoff_min_ms, US_BACKOFF_MIN_MS) / 1000.0;
	log_warnx("userspace: %s: %s (pid %d) died after %.1f s: %s; restarting in %.2f s",
	          us->ifname, us->impl, (int)us->pid, ran, how, us->backoff_s);
	us_forget(us);
	us->state = US_WAITING;
	ev_timer_set(&us->restart_w, us->backoff_s, 0.);
	ev_timer_start(loop, &us->restart_w);
	us->backoff_s = us->backoff_s * 2 > max_s ? max_s : us->backoff_s * 2;
}

static void
us_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct wg_userspace *us = container_of(w, struct wg_userspace, child_w);
	char how[64];

	(void)loop;
	(void)revents;
	describe_status(w->rstatus, how, sizeof(how));
	us_died(us, how);
}

static void
us_gone_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct wg_userspace *us = container_of(w, struct wg_userspace, gone_w);

	(void)loop;
	(void)revents;
	us_died(us, "exited (status unknown: not our child since the detach)");
}

static void
us_poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct wg_userspace *us = container_of(w, struct wg_userspace, poll_w);

	(void)loop;
	(void)revents;
	if (us->pid > 0 && us_adopted_gone(us))
		us_died(us, "exited (status unknown: not our child since the detach)");
}

int
wg_userspace_after_fork(struct wg_userspace *us)
{
	ev_child_stop(us->loop, &us->child_w);
	if (us->pid <= 0)
		return 0; /* WAITING: the restart timer spawns a child of ours */
	us->adopted = true;
	if (us->pidfd >= 0) {
		ev_io_set(&us->gone_w, us->pidfd, EV_READ);
		ev_io_start(us->loop, &us->gone_w);
	} else {
		ev_timer_set(&us->poll_w, 1., 1.);
		ev_timer_start(us->loop, &us->poll_w);
	}
	log_info("userspace: %s: %s (pid %d) is no longer our child; watching it through %s",
	         us->ifname, us->impl, (int)us->pid, us->pidfd >= 0 ? "a pidfd" : "kill(pid, 0)");
	return 0;
}

static void
us_restart_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct wg_userspace *us = container_of(w, struct wg_userspace, restart_w);

	(void)revents;
	us_unlink_stale(us);
	if (us_spawn(us) < 0) {
		ev_timer_set(w, us->backoff_s, 0.);
		ev_timer_start(loop, w);
		return;
	}
	us->state = US_STARTING;
	us_watch_child(us);
	us->ready_delay = 0.01;
	us->ready_deadline =
	    ev_now(loop) + ms_or(us->cfg.start_timeout_ms, US_START_TIMEOUT_MS) / 1000.0;
	ev_timer_set(&us->ready_w, us->ready_delay, 0.);
	ev_timer_start(loop, &us->ready_w);
}

static void
us_ready_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct wg_userspace *us = container_of(w, struct wg_userspace, ready_w);
	struct wg_uapi_ctx probe = {.sockdir = us->uapi.sockdir, .timeout_ms = 200};

	(void)revents;
	if (us->state != US_STARTING || us->pid <= 0)
		return;
	if (wg_uapi_ctx_exists(&probe, us->ifname)) {
		us->state = US_RUNNING;
		us->restarts++;
		log_info("userspace: %s: %s (pid %d) is back; re-applying the configuration",
		         us->ifname, us->impl, (int)us->pid);
		if (us->cfg.on_restart != NULL)
			us->cfg.on_restart(us->cfg.arg);
		return;
	}
	if (ev_now(loop) >= us->ready_deadline) {
		log_warnx("userspace: %s: restarted %s (pid %d) did not open its UAPI socket; "
		          "killing it",
		          us->ifname, us->impl, (int)us->pid);
		kill(us->pid, SIGKILL); /* child_w reaps it and schedules the next try */
		return;
	}
	if (us->ready_delay < 0.2)
		us->ready_delay *= 2;
	ev_timer_set(w, us->ready_delay, 0.);
	ev_timer_start(loop, w);
}

pid_t
wg_userspace_pid(const struct wg_userspace *us)
{
	return us->pid;
}

const char *
wg_userspace_impl(const struct wg_userspace *us)
{
	return us->impl;
}

unsigned
wg_userspace_restarts(const struct wg_userspace *us)
{
	return us->restarts;
}

const struct wg_backend_ops *
wg_userspace_backend(struct wg_userspace *us, void **ctx)
{
	*ctx = &us->uapi;
	return &us->ops;
}
