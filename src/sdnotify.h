/*
 * sdnotify: tell a service manager (systemd, or anything speaking its
 * notification protocol) how the daemon is doing, without libsystemd.
 *
 * Vocabulary:
 *   notification  one datagram of newline-separated VAR=value assignments,
 *                 sent to the AF_UNIX datagram socket named by $NOTIFY_SOCKET
 *                 (a path, or "@name" for an abstract socket).
 *   state         READY=1 (start-up done), RELOADING=1 (re-reading the
 *                 configuration; READY=1 again when done), STOPPING=1,
 *                 WATCHDOG=1 (still alive), STATUS=text (one line for
 *                 `systemctl status`).
 *
 * Invariants: no call ever blocks (the socket is non-blocking; a full queue
 * is -EAGAIN, and the notification is lost); without $NOTIFY_SOCKET every call
 * is a no-op returning 0, so callers never test for a service manager. The
 * environment is read on every call and never changed: whoever starts child
 * processes must keep NOTIFY_SOCKET and WATCHDOG_* out of their environment.
 */
#ifndef WGNM_SDNOTIFY_H
#define WGNM_SDNOTIFY_H

#include <stdint.h>

/* Largest notification, in bytes: systemd ignores longer datagrams (PIPE_BUF). */
#define SDNOTIFY_MAX 4096

/*
 * Send the notification formatted from fmt, e.g. sdnotify("READY=1") or
 * sdnotify("STOPPING=1"). The caller is responsible for the text: a newline
 * in a formatted value starts a new assignment (use sdnotify_status for free
 * text). Returns 0 (also when $NOTIFY_SOCKET is unset or empty), or
 *   -EINVAL       $NOTIFY_SOCKET is neither an absolute path nor "@name", or
 *                 longer than a socket address holds
 *   -EAFNOSUPPORT $NOTIFY_SOCKET names another address family ("vsock:...")
 *   -EMSGSIZE     the text is empty or longer than SDNOTIFY_MAX
 *   -EAGAIN       the manager's queue is full (the notification is dropped)
 *   -errno        from socket()/sendmsg(), e.g. -ENOENT, -ECONNREFUSED
 */
int sdnotify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * "STATUS=<text>", text formatted from fmt with every control character
 * (newlines included) replaced by a space, so it stays one assignment.
 * Returns as sdnotify().
 */
int sdnotify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * "RELOADING=1" plus "MONOTONIC_USEC=<now>" (CLOCK_MONOTONIC), which systemd
 * 253 and later require with RELOADING=1. Send sdnotify("READY=1") when the
 * reload is done, whether it succeeded or not. Returns as sdnotify().
 */
int sdnotify_reloading(void);

/*
 * The watchdog interval the manager expects: *usec is set from
 * $WATCHDOG_USEC, or to 0 when there is no watchdog for this process
 * ($WATCHDOG_USEC unset or empty, or $WATCHDOG_PID names another process).
 * Send sdnotify("WATCHDOG=1") about every *usec / 2. Returns 0, or
 *   -EINVAL  $WATCHDOG_USEC is not a decimal number > 0, or $WATCHDOG_PID is
 *            not a decimal number > 0 (*usec is 0)
 *   -ERANGE  $WATCHDOG_USEC or $WATCHDOG_PID does not fit (*usec is 0)
 */
int sdnotify_watchdog_usec(uint64_t *usec);

#endif
