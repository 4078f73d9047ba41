/*
 * wg_kernel_msg: the generic netlink messages of kernel WireGuard, built and
 * parsed as pure functions on caller buffers (no sockets, no globals), so the
 * splitting and merging rules can be tested without a kernel and fuzzed.
 * platform/wg_kernel.c does the socket I/O around them.
 *
 * Vocabulary:
 *   family   the generic netlink family id of "wireguard" (nlmsg_type of its
 *            messages), resolved at run time through the "nlctrl" family
 *   set      WG_CMD_SET_DEVICE request(s) made from a struct wg_device
 *   dump     the answer to WG_CMD_GET_DEVICE (NLM_F_DUMP): one or more
 *            datagrams of messages, ended by NLMSG_DONE
 *   chunk    one SET message; a device too big for one buffer is sent as
 *            several chunks
 *
 * Split rules of a set (invariants the builder keeps):
 *   - every chunk names the device (IFINDEX when dev->ifindex != 0, else
 *     IFNAME) and is a complete message: all nests are closed;
 *   - device fields and WGDEVICE_F_REPLACE_PEERS appear only in the first
 *     chunk;
 *   - a peer cut in the middle of its allowed IPs is sent again in the next
 *     chunk with only its public key (no flags, so no REPLACE_ALLOWEDIPS) and
 *     the allowed IPs not sent yet; every allowed IP is sent exactly once;
 *   - a chunk never exceeds the buffer; a buffer too small to make progress
 *     gives -EMSGSIZE.
 *
 * Merge rule of a dump: the kernel may split one peer's allowed IPs over
 * several messages, repeating only its public key; a peer whose public key
 * equals the previous peer's is merged into it.
 *
 * Every attribute of a dump is validated (type and length) before use;
 * malformed input gives -EBADMSG, never a crash. Unknown attributes are
 * ignored (newer kernels may add some).
 */
#ifndef WGNM_PLATFORM_WG_KERNEL_MSG_H
#define WGNM_PLATFORM_WG_KERNEL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/wgdev.h"

/*
 * Iterator over the chunks of one set. It points into dev, which must stay
 * unchanged until the iteration ends; it owns nothing.
 */
struct wg_kernel_msg_set {
	const struct wg_device *dev;
	const struct wg_peer *peer;     /* next peer to send, NULL when all are sent */
	const struct wg_allowedip *aip; /* with peer_cont: next allowed IP of peer */
	bool peer_cont;                 /* peer's head went in an earlier chunk */
	bool first;                     /* the next chunk is the first */
};

void wg_kernel_msg_set_init(struct wg_kernel_msg_set *it, const struct wg_device *dev);
/*
 * Build the next chunk into buf (buflen bytes): a WG_CMD_SET_DEVICE request
 * with NLM_F_REQUEST | NLM_F_ACK, nlmsg_type family, sequence number seq.
 * Returns its length (> 0), 0 when every chunk has been built (a device
 * always gives at least one chunk), -EMSGSIZE when buflen is too small to
 * make progress, -EINVAL for a device the kernel cannot take (empty name, a
 * peer without public key, an allowed IP or endpoint of no family).
 */
int wg_kernel_msg_set_next(struct wg_kernel_msg_set *it, void *buf, size_t buflen, uint16_t family,
                           uint32_t seq);

/* A WG_CMD_GET_DEVICE dump request for ifname. Returns its length or -errno. */
int wg_kernel_msg_get_build(void *buf, size_t buflen, uint16_t family, uint32_t seq,
                            const char *ifname);

/*
 * State of one dump being parsed. Set family, seq, portid and dev (the
 * caller's, empty, filled by the parse) before the first datagram; dev may be
 * NULL to only drain a dump. interrupted is set when a message carried
 * NLM_F_DUMP_INTR (the content is then not to be trusted); ended when the
 * kernel ended the dump (NLMSG_DONE or NLMSG_ERROR): after an error with
 * ended clear, the rest of the dump is still to be read (drained).
 */
struct wg_kernel_msg_dump {
	uint16_t family;
	uint32_t seq;
	uint32_t portid;
	struct wg_device *dev;
	bool interrupted;
	bool ended;
};

/*
 * Parse one datagram of a dump (len bytes). Returns 1 when more datagrams
 * follow, 0 when the dump ended consistently (NLMSG_DONE), -EINTR when it
 * ended but was interrupted (discard dev and ask again), the kernel's
 * -errno when it reported one, -EBADMSG for malformed input, -ESRCH for a
 * message of another request (sequence or port id), -EPROTO for a message
 * of an unexpected type or command.
 */
int wg_kernel_msg_dump_parse(struct wg_kernel_msg_dump *d, const void *buf, size_t len);

/* CTRL_CMD_GETFAMILY request for the family name (NLM_F_REQUEST | NLM_F_ACK). */
int wg_kernel_msg_family_build(void *buf, size_t buflen, uint32_t seq, const char *name);
/*
 * Parse one datagram answering it: *family is set from CTRL_ATTR_FAMILY_ID.
 * Returns 1 when more follow, 0 at the ack, the kernel's -errno (-ENOENT: no
 * such family), -EBADMSG/-ESRCH/-EPROTO as above.
 */
int wg_kernel_msg_family_parse(const void *buf, size_t len, uint32_t seq, uint32_t portid,
                               uint16_t *family);

/*
 * Parse one datagram answering a request sent with NLM_F_ACK. Returns 1 when
 * no ack was in it, 0 at a positive ack, the kernel's -errno, or -EBADMSG/
 * -ESRCH/-EPROTO as above. *ended tells whether the ack (positive or not)
 * was read, i.e. nothing more of this answer is pending.
 */
int wg_kernel_msg_ack_parse(const void *buf, size_t len, uint32_t seq, uint32_t portid,
                            bool *ended);

#endif
