/*
 * client: wgnm-tui's end of the control socket (proto/ctl.h): connect, say
 * HELLO, take the HELLO_ACK (or the daemon's VERSION_MISMATCH), then read
 * messages — blocking with a deadline (one-shot status) or as they come
 * (the attached TUI, from a libev watcher) — and send requests.
 *
 * Errors come back as -errno with a sentence in err that names the socket
 * and says what to do ("is wgnm running for wg0?").
 */
#ifndef WGNM_TUI_CLIENT_H
#define WGNM_TUI_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "proto/ctl.h"

#define TUI_CONN_TIMEOUT_MS 5000

struct tui_conn {
	int fd;
	struct ctl_hello_ack ack;
	struct ctl_reader rd;
	uint8_t in[4096]; /* read but not yet fed to rd */
	size_t in_off, in_len;
};

/* WGNM_RUNDIR/<ifname>.sock, as the daemon makes it. 0 or -ENAMETOOLONG/-EINVAL. */
int tui_socket_path(char *buf, size_t len, const char *ifname);

/*
 * Connect to path and shake hands for role. 0, or -ENOENT / -ECONNREFUSED
 * (no daemon), -EACCES, -EPROTONOSUPPORT (another protocol version),
 * -ETIMEDOUT, -EPROTO, ... with err filled. The fd is non-blocking.
 */
int tui_conn_open(struct tui_conn *c, const char *path, enum ctl_role role, char *err,
                  size_t errlen);
void tui_conn_close(struct tui_conn *c);

/*
 * The next whole message already received: 1 and *m, 0 when more bytes are
 * needed, < 0 on a framing or decoding error.
 */
int tui_conn_next(struct tui_conn *c, struct ctl_msg *m);
/* Read what the socket has (non-blocking): bytes read, 0 at EOF, -EAGAIN, or -errno. */
int tui_conn_fill(struct tui_conn *c);
/* The next message, waiting at most timeout_ms: 1, 0 at EOF, -ETIMEDOUT or another error. */
int tui_conn_read(struct tui_conn *c, struct ctl_msg *m, int timeout_ms);
/* Send one REQUEST. 0 or -errno. */
int tui_conn_request(struct tui_conn *c, uint32_t id, enum ctl_op op, uint64_t arg);

#endif
