/*
 * wg_userspace: one supervised userspace WireGuard process (wireguard-go, or
 * boringtun when wireguard-go is not installed) serving one interface.
 *
 * Lifecycle:
 *   start    fork+exec the implementation in the foreground
 *            (WG_PROCESS_FOREGROUND=1), then wait, bounded, until its UAPI
 *            socket answers; if the child exits first, the error quotes its
 *            exit status.
 *   running  an ev_child watcher notices the child's death; it is restarted
 *            after a delay that doubles from backoff_min_ms to backoff_max_ms
 *            (back to the minimum after it ran stable_ms). A restarted child
 *            is a blank interface: once its socket answers, on_restart(arg)
 *            is called and the core must re-apply the full device config.
 *   stop     SIGTERM, wait up to stop_timeout_ms, then SIGKILL; the child
 *            removes its interface when it exits. A socket file left behind
 *            by a killed child is removed.
 *
 * The supervisor uses ev_child, which libev offers in the default loop only:
 * start() refuses any other loop (-EINVAL).
 *
 * Across a fork whose parent exits (wgnm's detach): the child of the fork
 * calls wg_userspace_after_fork() after ev_loop_fork(); the running
 * implementation (no longer its child) is then watched through a pidfd
 * taken at spawn time, and restarted as above when it dies. The child runs in its own
 * session with default signal dispositions, an empty signal mask, stdin on
 * /dev/null, stdout/stderr on child_log_fd (or /dev/null) and no other fds.
 * The only program wgnm ever executes is this one.
 */
#ifndef WGNM_PLATFORM_WG_USERSPACE_H
#define WGNM_PLATFORM_WG_USERSPACE_H

#include <sys/types.h>

#include "platform/wg_uapi.h"
#include "platform/wgdev.h"

struct ev_loop;
struct wg_userspace;

struct wg_userspace_config {
	const char *ifname;
	const char *wggo_path;      /* NULL: "wireguard-go" in PATH */
	const char *boringtun_path; /* NULL: "boringtun-cli", then "boringtun" in PATH */
	const char *sockdir;        /* where the child's socket appears; NULL: WG_UAPI_SOCKDIR */
	int uapi_timeout_ms;        /* deadline of each get/set; <= 0: WG_UAPI_TIMEOUT_MS */
	int start_timeout_ms;       /* wait for the socket; <= 0: 5000 */
	int backoff_min_ms;         /* first restart delay; <= 0: 250 */
	int backoff_max_ms;         /* <= 0: 30000 */
	int stable_ms;              /* a run this long resets the delay; <= 0: 60000 */
	int stop_timeout_ms;        /* SIGTERM to SIGKILL; <= 0: 3000 */
	int child_log_fd;           /* child's stdout and stderr; < 0: /dev/null */
	void (*on_restart)(void *arg);
	void *arg;
};

/*
 * Start the child and wait until it serves its UAPI socket. On 0, *out is
 * the caller's, to release with wg_userspace_stop(). Returns -EINVAL (bad
 * config or not the default loop), -ENOENT (no implementation found),
 * -EEXIST (a live process already serves the interface), -ECHILD (the child
 * exited during start-up), -ETIMEDOUT, or another -errno.
 */
int wg_userspace_start(struct ev_loop *loop, const struct wg_userspace_config *cfg,
                       struct wg_userspace **out);
/* Stop supervising, terminate the child (bounded) and free us. NULL is a no-op. */
void wg_userspace_stop(struct wg_userspace *us);

/*
 * In the child of a fork (the parent goes away without reaping anything):
 * supervise the running implementation although it is not our child. 0.
 */
int wg_userspace_after_fork(struct wg_userspace *us);

/* The child's pid, 0 while none runs (between a death and its restart). */
pid_t wg_userspace_pid(const struct wg_userspace *us);
/* "wireguard-go" or "boringtun". */
const char *wg_userspace_impl(const struct wg_userspace *us);
/* How many times a restarted child came up (and on_restart was called). */
unsigned wg_userspace_restarts(const struct wg_userspace *us);
/*
 * The backend for this interface: UAPI get/set under the implementation's
 * display name. *ctx receives the ops' context. Both live as long as us.
 */
const struct wg_backend_ops *wg_userspace_backend(struct wg_userspace *us, void **ctx);

#endif
