/*
 * uapi: the cross-platform WireGuard UAPI text format (wireguard.com/xplatform),
 * as spoken over /var/run/wireguard/<ifname>.sock by wireguard-go and boringtun.
 * Pure codec: no I/O, no globals.
 *
 * Grammar (every line is "key=value\n", a request or reply ends with a blank line):
 *
 *   set request  = "set=1\n" device-line* peer* "\n"
 *   get request  = "get=1\n\n"
 *   set reply    = "errno=" N "\n\n"
 *   get reply    = device-line* peer* "errno=" N "\n\n"
 *   peer         = "public_key=" HEX64 "\n" peer-line*
 *
 * Keys are lower-case hex (64 digits). Numbers are unsigned decimal. N is an
 * errno value; wireguard-go writes it negative ("errno=-22"), the spec
 * positive: both mean the same, and the decoders return -|N|.
 *
 * The model in and out is the neutral struct wg_device (platform/wgdev.h);
 * only fields whose flag bits are set are encoded. The decoders are strict:
 * every line must be key=value with a known-good key syntax and at most
 * UAPI_LINE_MAX bytes; a known key with a malformed value is -EINVAL; a broken
 * line, a peer field before any public_key, a missing errno line or a missing
 * terminating blank line (a truncated reply) is -EPROTO. Unknown keys are
 * ignored (forward compatibility). The decoders read exactly len bytes and
 * never rely on NUL termination.
 *
 * Secrets: encoded text holds private and preshared keys in hex. struct
 * uapi_buf memory is wiped on growth and by uapi_buf_free().
 */
#ifndef WGNM_PROTO_UAPI_H
#define WGNM_PROTO_UAPI_H

#include <stddef.h>

#include "platform/wgdev.h"

/* Longest accepted line in a reply, excluding the newline. */
#define UAPI_LINE_MAX 512
/* Largest errno value accepted in "errno=N". */
#define UAPI_ERRNO_MAX 4095

/* A growing text buffer. Zero-initialise; release with uapi_buf_free(). */
struct uapi_buf {
	char *data; /* not NUL-terminated */
	size_t len;
	size_t cap;
};

/* Wipe and free the buffer's memory; the struct is zeroed and reusable. */
void uapi_buf_free(struct uapi_buf *buf);
/* Make room for extra more bytes (old memory is wiped, not realloc'd). 0 or -ENOMEM. */
int uapi_buf_reserve(struct uapi_buf *buf, size_t extra);

/*
 * Encode dev as a set request ("set=1\n" ... "\n"), appended to out.
 * Returns 0, -EINVAL for a peer without a public key, an endpoint without an
 * address/port or a malformed prefix, or -ENOMEM. On error out keeps its old
 * length (text appended so far is wiped).
 */
int uapi_encode_set(const struct wg_device *dev, struct uapi_buf *out);

/*
 * Encode a get reply for dev, as a UAPI server would send it (for tests and
 * round trips). err is 0 or -errno; when err < 0 only "errno=<err>" is written.
 * Returns 0, -EINVAL or -ENOMEM.
 */
int uapi_encode_reply(const struct wg_device *dev, int err, struct uapi_buf *out);

/*
 * Has a whole reply arrived? Returns the reply's length up to and including
 * its terminating blank line, or 0 when more bytes are needed. Bytes after
 * the reply are not part of it.
 */
size_t uapi_reply_complete(const char *buf, size_t len);

/*
 * Decode a get reply (exactly len bytes, ending with the blank line) into a
 * new device named ifname. On 0, *out is the caller's, to free with
 * wg_device_free(); on error *out is NULL. Returns 0, -N for "errno=N" with
 * N != 0, -EPROTO or -EINVAL (see above), -ENOMEM.
 */
int uapi_decode_get(const char *buf, size_t len, const char *ifname, struct wg_device **out);

/* Decode a set reply. Returns 0, -N for "errno=N", -EPROTO. */
int uapi_decode_set(const char *buf, size_t len);

#endif
