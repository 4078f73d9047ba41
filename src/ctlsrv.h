/*
 * ctlsrv: the control socket of a running wgnm — a UNIX stream socket per
 * interface (WGNM_RUNDIR/<ifname>.sock) that wgnm-tui attaches to and
 * `wgnm-tui --status/--json` read from. The protocol is proto/ctl.h.
 *
 * Vocabulary:
 *   client    one accepted connection: HELLO first (else closed after
 *             CTLSRV_HELLO_TIMEOUT), then a snapshot, then events (role TUI)
 *             or the snapshot alone and a close (role STATUS)
 *   access    from SO_PEERCRED at accept: uid 0 asking for admin access gets
 *             it (shutdown, verbosity, detach other clients); everyone else
 *             who can connect reads only (snapshot and events) and gets
 *             EPERM for requests that change something. Who can connect is
 *             the file system's business: directory 0750 and socket 0660,
 *             owner root, group the configured one (--group), so only root
 *             and members of that group get in.
 *   queue     the bytes a client has not taken yet. Event bytes beyond
 *             queue_max cut the client back to a fresh snapshot (queued
 *             events dropped, the frame being written finished first); a
 *             client that overflows again before it has taken that snapshot
 *             is dropped. So a client costs at most one snapshot plus
 *             queue_max bytes, and at most CTLSRV_CLIENTS_MAX clients exist.
 *
 * Start-up hygiene: a socket a live daemon answers on is refused
 * (-EADDRINUSE), a stale one removed; the socket is bound under umask 0117;
 * accept() failing for lack of descriptors pauses accepting for a second
 * instead of spinning. A client that sends a bad frame (truncated, oversized,
 * unknown, out of order) is closed at once; a HELLO of another protocol
 * version gets VERSION_MISMATCH and is closed once that has been written.
 */
#ifndef WGNM_CTLSRV_H
#define WGNM_CTLSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ev.h>

#include "proto/ctl.h"
#include "src/view.h"

#define CTLSRV_QUEUE_MAX     (1024 * 1024)
#define CTLSRV_CLIENTS_MAX   32
#define CTLSRV_HELLO_TIMEOUT 5.0

struct ctlsrv;

struct ctlsrv_config {
	const char *path; /* the socket; at most sizeof(sun_path) - 1 bytes */
	bool own_dir;     /* create (0750) and fix up the socket's directory */
	gid_t gid;        /* group of directory and socket */
	size_t queue_max; /* 0: CTLSRV_QUEUE_MAX */
	/* A snapshot of the current view into fn (feed_snapshot). */
	void (*snapshot_cb)(void *arg, view_msg_fn fn, void *fnarg);
	/* CTL_OP_SHUTDOWN from an admin client, after its RESULT is queued. */
	void (*shutdown_cb)(void *arg);
	/* A TUI client is ready for events: the feed should run. */
	void (*listen_cb)(void *arg);
	void *arg;
};

struct ctlsrv_stats {
	unsigned clients;
	size_t queued_max; /* bytes in the fullest queue now */
	uint64_t resyncs;  /* clients cut back to a snapshot */
	uint64_t drops;    /* clients dropped for not keeping up */
	uint64_t refused;  /* bad frames, versions, too many clients */
};

/*
 * Bind and listen. 0 and *out, or -EADDRINUSE (a live daemon answers there),
 * -ENAMETOOLONG, or another -errno, with a sentence in err.
 */
int ctlsrv_open(struct ev_loop *loop, const struct ctlsrv_config *cfg, struct ctlsrv **out,
                char *err, size_t errlen);
/* Close every client (after one last try to write what is queued), remove the socket. */
void ctlsrv_close(struct ctlsrv *s);

/* One change event for every client that follows events. */
void ctlsrv_event(struct ctlsrv *s, const struct ctl_event *ev);
/* Does any client follow events (the feed's listening callback)? */
bool ctlsrv_listening(const struct ctlsrv *s);
void ctlsrv_stats(const struct ctlsrv *s, struct ctlsrv_stats *st);

/* The default socket of an interface: WGNM_RUNDIR/<ifname>.sock. 0 or -ENAMETOOLONG. */
int ctlsrv_default_path(char *buf, size_t len, const char *ifname);

#endif
