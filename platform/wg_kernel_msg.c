/*
 * wg_kernel_msg: building and parsing kernel WireGuard generic netlink
 * messages on caller buffers (see wg_kernel_msg.h for the vocabulary and the
 * split/merge rules). No I/O and no globals: every function works on the
 * buffer and state it is given.
 *
 * Walking: msg_walk() goes over the netlink messages of one datagram (checks
 * port id and sequence, handles NLMSG_ERROR/NLMSG_DONE and NLM_F_DUMP_INTR),
 * attr_walk() over the attributes of one payload and rejects a payload whose
 * last attribute is cut (-EBADMSG). Every attribute is validated with
 * mnl_attr_validate()/mnl_attr_validate2() before its payload is read.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/time_types.h>

#ifdef HAVE_LINUX_WIREGUARD_H
#include <linux/wireguard.h>
#else
/*
 * The kernel's WireGuard generic netlink ABI (include/uapi/linux/wireguard.h,
 * stable since Linux 5.6), for systems whose headers predate it.
 */
#define WG_GENL_NAME    "wireguard"
#define WG_GENL_VERSION 1
enum wg_cmd { WG_CMD_GET_DEVICE, WG_CMD_SET_DEVICE };
enum wgdevice_flag { WGDEVICE_F_REPLACE_PEERS = 1U << 0 };
enum wgdevice_attribute {
	WGDEVICE_A_UNSPEC,
	WGDEVICE_A_IFINDEX,
	WGDEVICE_A_IFNAME,
	WGDEVICE_A_PRIVATE_KEY,
	WGDEVICE_A_PUBLIC_KEY,
	WGDEVICE_A_FLAGS,
	WGDEVICE_A_LISTEN_PORT,
	WGDEVICE_A_FWMARK,
	WGDEVICE_A_PEERS,
};
enum wgpeer_flag {
	WGPEER_F_REMOVE_ME = 1U << 0,
	WGPEER_F_REPLACE_ALLOWEDIPS = 1U << 1,
	WGPEER_F_UPDATE_ONLY = 1U << 2,
};
enum wgpeer_attribute {
	WGPEER_A_UNSPEC,
	WGPEER_A_PUBLIC_KEY,
	WGPEER_A_PRESHARED_KEY,
	WGPEER_A_FLAGS,
	WGPEER_A_ENDPOINT,
	WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
	WGPEER_A_LAST_HANDSHAKE_TIME,
	WGPEER_A_RX_BYTES,
	WGPEER_A_TX_BYTES,
	WGPEER_A_ALLOWEDIPS,
	WGPEER_A_PROTOCOL_VERSION,
};
enum wgallowedip_attribute {
	WGALLOWEDIP_A_UNSPEC,
	WGALLOWEDIP_A_FAMILY,
	WGALLOWEDIP_A_IPADDR,
	WGALLOWEDIP_A_CIDR_MASK,
};
#endif

#include "platform/wg_kernel_msg.h"

#define GENL_HDRLEN_ALIGNED MNL_ALIGN(sizeof(struct genlmsghdr))

/* ---- generic helpers ------------------------------------------------------ */

static struct nlmsghdr *
msg_start(void *buf, size_t buflen, uint16_t type, uint16_t flags, uint32_t seq, uint8_t cmd,
          uint8_t version)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	if (buflen < MNL_NLMSG_HDRLEN + GENL_HDRLEN_ALIGNED || buflen > UINT32_MAX)
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

typedef int (*attr_cb_fn)(const struct nlattr *attr, void *arg);
typedef int (*msg_cb_fn)(const struct nlmsghdr *nlh, void *arg);

/* Call cb for every attribute of payload; -EBADMSG when one is cut or bogus. */
static int
attr_walk(const void *payload, size_t len, attr_cb_fn cb, void *arg)
{
	const struct nlattr *attr;
	const char *end = (const char *)payload + len;
	int rc;

	if (len > INT_MAX)
		return -EBADMSG;
	for (attr = payload; mnl_attr_ok(attr, (int)(end - (const char *)attr));
	     attr = mnl_attr_next(attr)) {
		rc = cb(attr, arg);
		if (rc < 0)
			return rc;
	}
	if ((const char *)attr < end)
		return -EBADMSG;
	return 0;
}

static int
attr_walk_nested(const struct nlattr *nest, attr_cb_fn cb, void *arg)
{
	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0)
		return -EBADMSG;
	return attr_walk(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), cb, arg);
}

/* The attributes of a generic netlink message of command cmd. */
static int
genl_walk(const struct nlmsghdr *nlh, uint8_t cmd, attr_cb_fn cb, void *arg)
{
	const struct genlmsghdr *genl;

	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN_ALIGNED)
		return -EBADMSG;
	genl = mnl_nlmsg_get_payload(nlh);
	if (genl->cmd != cmd)
		return -EPROTO;
	return attr_walk(mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN_ALIGNED),
	                 mnl_nlmsg_get_payload_len(nlh) - GENL_HDRLEN_ALIGNED, cb, arg);
}

/* NLMSG_ERROR: 0 for an ack, else the kernel's -errno. */
static int
msg_error(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err))
		return -EBADMSG;
	err = mnl_nlmsg_get_payload(nlh);
	if (err->error > 0 || err->error == INT_MIN)
		return -EPROTO;
	return err->error;
}

/* NLMSG_DONE: a dump that failed midway carries the error as an int. */
static int
msg_done(const struct nlmsghdr *nlh)
{
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(err))
		return 0;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err > 0 || err == INT_MIN)
		return -EPROTO;
	return err;
}

/*
 * Walk the messages of one datagram. Messages of type `type` go to cb (none
 * when cb is NULL). Returns 1 when the answer goes on in another datagram, 0
 * or the kernel's -errno at NLMSG_ERROR/NLMSG_DONE (then *ended is set), or
 * -errno for a malformed or foreign datagram. *intr is set when a message
 * carries NLM_F_DUMP_INTR.
 */
static int
msg_walk(const void *buf, size_t len, uint32_t seq, uint32_t portid, uint16_t type, msg_cb_fn cb,
         void *arg, bool *intr, bool *ended)
{
	const struct nlmsghdr *nlh = buf;
	int left, rc;

	if (len > INT_MAX)
		return -EBADMSG;
	left = (int)len;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (!mnl_nlmsg_portid_ok(nlh, portid) || !mnl_nlmsg_seq_ok(nlh, seq))
			return -ESRCH;
		if ((nlh->nlmsg_flags & NLM_F_DUMP_INTR) && intr != NULL)
			*intr = true;
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			continue;
		case NLMSG_ERROR:
			*ended = true;
			return msg_error(nlh);
		case NLMSG_DONE:
			*ended = true;
			return msg_done(nlh);
		case NLMSG_OVERRUN:
			return -EOVERFLOW;
		default:
			break;
		}
		if (nlh->nlmsg_type != type)
			return -EPROTO;
		if (cb != NULL) {
			rc = cb(nlh, arg);
			if (rc < 0)
				return rc;
		}
	}
	if (left > 0)
		return -EBADMSG;
	return 1;
}

/* ---- SET_DEVICE: building the chunks -------------------------------------- */

void
wg_kernel_msg_set_init(struct wg_kernel_msg_set *it, const struct wg_device *dev)
{
	memset(it, 0, sizeof(*it));
	it->dev = dev;
	it->peer = dev->first_peer;
	it->first = true;
}

/* One allowed IP nest. 1 when it went in, 0 when the buffer is full, -EINVAL. */
static int
set_put_allowedip(struct nlmsghdr *nlh, size_t buflen, const struct wg_allowedip *aip)
{
	const struct ipprefix *p = &aip->prefix;
	struct nlattr *nest;

	if ((p->addr.family != AF_INET && p->addr.family != AF_INET6) ||
	    p->len > ipaddr_bits(&p->addr))
		return -EINVAL;
	nest = mnl_attr_nest_start_check(nlh, buflen, 0);
	if (nest == NULL)
		return 0;
	if (!mnl_attr_put_u16_check(nlh, buflen, WGALLOWEDIP_A_FAMILY, p->addr.family) ||
	    !mnl_attr_put_check(nlh, buflen, WGALLOWEDIP_A_IPADDR, ipaddr_len(&p->addr),
	                        p->addr.bytes) ||
	    !mnl_attr_put_u8_check(nlh, buflen, WGALLOWEDIP_A_CIDR_MASK, p->len)) {
		mnl_attr_nest_cancel(nlh, nest);
		return 0;
	}
	mnl_attr_nest_end(nlh, nest);
	return 1;
}

/*
 * The fields of a peer that go only with its first appearance. 1 when they
 * went in, 0 when the buffer is full, -EINVAL for an endpoint of no family.
 */
static int
set_put_peer_head(struct nlmsghdr *nlh, size_t buflen, const struct wg_peer *peer)
{
	uint32_t flags = 0;

	if (peer->flags & WGPEER_REMOVE_ME)
		flags |= WGPEER_F_REMOVE_ME;
	if (peer->flags & WGPEER_REPLACE_ALLOWEDIPS)
		flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
	if (peer->flags & WGPEER_UPDATE_ONLY)
		flags |= WGPEER_F_UPDATE_ONLY;
	if (flags != 0 && !mnl_attr_put_u32_check(nlh, buflen, WGPEER_A_FLAGS, flags))
		return 0;
	if (peer->flags & WGPEER_REMOVE_ME)
		return 1;
	if ((peer->flags & WGPEER_HAS_PRESHARED_KEY) &&
	    !mnl_attr_put_check(nlh, buflen, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN,
	                        peer->preshared_key))
		return 0;
	if (peer->flags & WGPEER_HAS_ENDPOINT) {
		struct sockaddr_storage ss;
		socklen_t sslen = endpoint_to_sockaddr(&peer->endpoint, &ss);

		if (sslen == 0)
			return -EINVAL;
		if (!mnl_attr_put_check(nlh, buflen, WGPEER_A_ENDPOINT, sslen, &ss))
			return 0;
	}
	if ((peer->flags & WGPEER_HAS_KEEPALIVE) &&
	    !mnl_attr_put_u16_check(nlh, buflen, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
	                            peer->keepalive_s))
		return 0;
	return 1;
}

/*
 * Put it->peer, or the rest of it when it->peer_cont. Returns 1 when the
 * peer is complete (it moves on to the next peer), 0 when the buffer is full
 * (it remembers where to go on), -EINVAL. *progress is set when anything new
 * went in.
 */
static int
set_put_peer(struct nlmsghdr *nlh, size_t buflen, struct wg_kernel_msg_set *it, bool *progress)
{
	const struct wg_peer *peer = it->peer;
	const struct wg_allowedip *aip;
	struct nlattr *peer_nest, *aips_nest;
	bool head_new = !it->peer_cont;
	size_t n = 0;
	int rc;

	if (!(peer->flags & WGPEER_HAS_PUBLIC_KEY))
		return -EINVAL;
	peer_nest = mnl_attr_nest_start_check(nlh, buflen, 0);
	if (peer_nest == NULL)
		return 0;
	if (!mnl_attr_put_check(nlh, buflen, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, peer->public_key))
		goto cancel;
	if (head_new) {
		rc = set_put_peer_head(nlh, buflen, peer);
		if (rc <= 0) {
			mnl_attr_nest_cancel(nlh, peer_nest);
			return rc;
		}
		aip = peer->first_allowedip;
	} else {
		/*
		 * A continuation: never REPLACE_ALLOWEDIPS again (it would drop
		 * what the earlier chunk added), but UPDATE_ONLY again, or a
		 * peer skipped in the earlier chunk would be created here.
		 */
		if ((peer->flags & WGPEER_UPDATE_ONLY) &&
		    !mnl_attr_put_u32_check(nlh, buflen, WGPEER_A_FLAGS, WGPEER_F_UPDATE_ONLY))
			goto cancel;
		aip = it->aip;
	}
	if (aip != NULL && !(peer->flags & WGPEER_REMOVE_ME)) {
		aips_nest = mnl_attr_nest_start_check(nlh, buflen, WGPEER_A_ALLOWEDIPS);
		if (aips_nest == NULL)
			goto full;
		for (; aip != NULL; aip = aip->next) {
			rc = set_put_allowedip(nlh, buflen, aip);
			if (rc < 0) {
				mnl_attr_nest_cancel(nlh, peer_nest);
				return rc;
			}
			if (rc == 0)
				break;
			n++;
		}
		if (n == 0)
			mnl_attr_nest_cancel(nlh, aips_nest);
		else
			mnl_attr_nest_end(nlh, aips_nest);
		if (aip != NULL)
			goto full;
	}
	mnl_attr_nest_end(nlh, peer_nest);
	*progress = true;
	it->peer = peer->next;
	it->peer_cont = false;
	it->aip = NULL;
	return 1;

full:
	if (head_new || n > 0) {
		/* Something new went in: close the peer, go on in the next chunk. */
		mnl_attr_nest_end(nlh, peer_nest);
		*progress = true;
		it->peer_cont = true;
		it->aip = aip;
		return 0;
	}
cancel:
	mnl_attr_nest_cancel(nlh, peer_nest);
	return 0;
}

/* The device fields of the first chunk. true when they went in. */
static bool
set_put_device(struct nlmsghdr *nlh, size_t buflen, const struct wg_device *dev)
{
	if ((dev->flags & WGDEV_REPLACE_PEERS) &&
	    !mnl_attr_put_u32_check(nlh, buflen, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS))
		return false;
	if ((dev->flags & WGDEV_HAS_PRIVATE_KEY) &&
	    !mnl_attr_put_check(nlh, buflen, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, dev->private_key))
		return false;
	if ((dev->flags & WGDEV_HAS_LISTEN_PORT) &&
	    !mnl_attr_put_u16_check(nlh, buflen, WGDEVICE_A_LISTEN_PORT, dev->listen_port))
		return false;
	if ((dev->flags & WGDEV_HAS_FWMARK) &&
	    !mnl_attr_put_u32_check(nlh, buflen, WGDEVICE_A_FWMARK, dev->fwmark))
		return false;
	return true;
}

int
wg_kernel_msg_set_next(struct wg_kernel_msg_set *it, void *buf, size_t buflen, uint16_t family,
                       uint32_t seq)
{
	const struct wg_device *dev = it->dev;
	struct nlmsghdr *nlh;
	struct nlattr *peers_nest;
	bool progress = false, any_peer;
	int rc;

	if (!it->first && it->peer == NULL)
		return 0;
	if (dev->ifindex == 0 &&
	    (dev->name[0] == '\0' || strnlen(dev->name, sizeof(dev->name)) == sizeof(dev->name)))
		return -EINVAL;
	nlh = msg_start(buf, buflen, family, NLM_F_REQUEST | NLM_F_ACK, seq, WG_CMD_SET_DEVICE,
	                WG_GENL_VERSION);
	if (nlh == NULL)
		return -EMSGSIZE;
	if (dev->ifindex != 0) {
		if (!mnl_attr_put_u32_check(nlh, buflen, WGDEVICE_A_IFINDEX, dev->ifindex))
			return -EMSGSIZE;
	} else if (!mnl_attr_put_strz_check(nlh, buflen, WGDEVICE_A_IFNAME, dev->name)) {
		return -EMSGSIZE;
	}
	if (it->first) {
		if (!set_put_device(nlh, buflen, dev))
			return -EMSGSIZE;
		it->first = false;
		progress = true;
	}
	if (it->peer != NULL) {
		peers_nest = mnl_attr_nest_start_check(nlh, buflen, WGDEVICE_A_PEERS);
		if (peers_nest != NULL) {
			any_peer = false;
			while (it->peer != NULL) {
				bool put = false;

				rc = set_put_peer(nlh, buflen, it, &put);
				if (rc < 0)
					return rc;
				any_peer |= put;
				if (rc == 0)
					break;
			}
			if (any_peer)
				mnl_attr_nest_end(nlh, peers_nest);
			else
				mnl_attr_nest_cancel(nlh, peers_nest);
			progress |= any_peer;
		}
	}
	if (!progress)
		return -EMSGSIZE;
	return (int)nlh->nlmsg_len;
}

/* ---- GET_DEVICE: the dump ------------------------------------------------- */

int
wg_kernel_msg_get_build(void *buf, size_t buflen, uint16_t family, uint32_t seq, const char *ifname)
{
	struct nlmsghdr *nlh;

	if (ifname == NULL || ifname[0] == '\0' || strnlen(ifname, IFNAMSIZ) == IFNAMSIZ)
		return -EINVAL;
	nlh = msg_start(buf, buflen, family, NLM_F_REQUEST | NLM_F_DUMP, seq, WG_CMD_GET_DEVICE,
	                WG_GENL_VERSION);
	if (nlh == NULL || !mnl_attr_put_strz_check(nlh, buflen, WGDEVICE_A_IFNAME, ifname))
		return -EMSGSIZE;
	return (int)nlh->nlmsg_len;
}

struct dump_aip {
	struct ipprefix prefix;
	size_t addr_len; /* 0 = no WGALLOWEDIP_A_IPADDR yet */
	bool has_family, has_cidr;
};

static int
dump_aip_attr_cb(const struct nlattr *attr, void *arg)
{
	struct dump_aip *a = arg;
	size_t len = mnl_attr_get_payload_len(attr);

	switch (mnl_attr_get_type(attr)) {
	case WGALLOWEDIP_A_FAMILY:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return -EBADMSG;
		a->prefix.addr.family = mnl_attr_get_u16(attr);
		a->has_family = true;
		break;
	case WGALLOWEDIP_A_IPADDR:
		if (len != 4 && len != 16)
			return -EBADMSG;
		memcpy(a->prefix.addr.bytes, mnl_attr_get_payload(attr), len);
		a->addr_len = len;
		break;
	case WGALLOWEDIP_A_CIDR_MASK:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return -EBADMSG;
		a->prefix.len = mnl_attr_get_u8(attr);
		a->has_cidr = true;
		break;
	default:
		break;
	}
	return 0;
}

static int
dump_aip_cb(const struct nlattr *attr, void *arg)
{
	struct wg_peer *peer = arg;
	struct dump_aip a;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = attr_walk_nested(attr, dump_aip_attr_cb, &a);
	if (rc < 0)
		return rc;
	if (!a.has_family || !a.has_cidr || a.addr_len == 0)
		return -EBADMSG;
	if (!((a.prefix.addr.family == AF_INET && a.addr_len == 4) ||
	      (a.prefix.addr.family == AF_INET6 && a.addr_len == 16)) ||
	    a.prefix.len > ipaddr_bits(&a.prefix.addr))
		return -EBADMSG;
	if (wg_peer_add_allowedip(peer, &a.prefix) == NULL)
		return -ENOMEM;
	return 0;
}

static int
dump_peer_attr_cb(const struct nlattr *attr, void *arg)
{
	struct wg_peer *peer = arg;

	switch (mnl_attr_get_type(attr)) {
	case WGPEER_A_PUBLIC_KEY:
		if (mnl_attr_validate2(attr, MNL_TYPE_BINARY, WG_KEY_LEN) < 0)
			return -EBADMSG;
		memcpy(peer->public_key, mnl_attr_get_payload(attr), WG_KEY_LEN);
		peer->flags |= WGPEER_HAS_PUBLIC_KEY;
		break;
	case WGPEER_A_PRESHARED_KEY:
		if (mnl_attr_validate2(attr, MNL_TYPE_BINARY, WG_KEY_LEN) < 0)
			return -EBADMSG;
		memcpy(peer->preshared_key, mnl_attr_get_payload(attr), WG_KEY_LEN);
		/* The kernel always reports one; all zero means none. */
		if (!wg_key_is_zero(peer->preshared_key))
			peer->flags |= WGPEER_HAS_PRESHARED_KEY;
		break;
	case WGPEER_A_ENDPOINT: {
		struct sockaddr_storage ss;
		size_t len = mnl_attr_get_payload_len(attr);

		if (len != sizeof(struct sockaddr_in) && len != sizeof(struct sockaddr_in6))
			return -EBADMSG;
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, mnl_attr_get_payload(attr), len);
		if (endpoint_from_sockaddr(&peer->endpoint, (const struct sockaddr *)&ss,
		                           (socklen_t)len) < 0)
			return -EBADMSG;
		peer->flags |= WGPEER_HAS_ENDPOINT;
		break;
	}
	case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return -EBADMSG;
		peer->keepalive_s = mnl_attr_get_u16(attr);
		peer->flags |= WGPEER_HAS_KEEPALIVE;
		break;
	case WGPEER_A_LAST_HANDSHAKE_TIME: {
		struct __kernel_timespec ts;

		if (mnl_attr_validate2(attr, MNL_TYPE_BINARY, sizeof(ts)) < 0)
			return -EBADMSG;
		memcpy(&ts, mnl_attr_get_payload(attr), sizeof(ts));
		if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000LL)
			return -EBADMSG;
		peer->last_handshake.tv_sec = (time_t)ts.tv_sec;
		peer->last_handshake.tv_nsec = (long)ts.tv_nsec;
		break;
	}
	case WGPEER_A_RX_BYTES:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
			return -EBADMSG;
		peer->rx_bytes = mnl_attr_get_u64(attr);
		break;
	case WGPEER_A_TX_BYTES:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
			return -EBADMSG;
		peer->tx_bytes = mnl_attr_get_u64(attr);
		break;
	case WGPEER_A_PROTOCOL_VERSION:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return -EBADMSG;
		break;
	case WGPEER_A_ALLOWEDIPS:
		return attr_walk_nested(attr, dump_aip_cb, peer);
	default:
		break;
	}
	return 0;
}

/*
 * One peer nest: appended to the device, or, when it repeats the previous
 * peer's public key (the kernel split the peer), its allowed IPs are moved
 * to that peer.
 */
static int
dump_peer_cb(const struct nlattr *attr, void *arg)
{
	struct wg_device *dev = arg;
	struct wg_peer *prev = dev->last_peer, *peer;
	int rc;

	peer = wg_device_add_peer(dev, NULL);
	if (peer == NULL)
		return -ENOMEM;
	rc = attr_walk_nested(attr, dump_peer_attr_cb, peer);
	if (rc < 0)
		return rc; /* peer stays in dev: the caller frees dev */
	if (!(peer->flags & WGPEER_HAS_PUBLIC_KEY))
		return -EBADMSG;
	if (prev != NULL && wg_key_equal(prev->public_key, peer->public_key)) {
		if (peer->first_allowedip != NULL) {
			if (prev->last_allowedip != NULL)
				prev->last_allowedip->next = peer->first_allowedip;
			else
				prev->first_allowedip = peer->first_allowedip;
			prev->last_allowedip = peer->last_allowedip;
		}
		prev->next = NULL;
		dev->last_peer = prev;
		sodium_memzero(peer, sizeof(*peer));
		free(peer);
	}
	return 0;
}

static int
dump_device_attr_cb(const struct nlattr *attr, void *arg)
{
	struct wg_device *dev = arg;
	size_t len;

	switch (mnl_attr_get_type(attr)) {
	case WGDEVICE_A_IFINDEX:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return -EBADMSG;
		dev->ifindex = mnl_attr_get_u32(attr);
		break;
	case WGDEVICE_A_IFNAME:
		len = mnl_attr_get_payload_len(attr);
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 || len > sizeof(dev->name) ||
		    strlen(mnl_attr_get_str(attr)) == 0)
			return -EBADMSG;
		memset(dev->name, 0, sizeof(dev->name));
		memcpy(dev->name, mnl_attr_get_payload(attr), len);
		break;
	case WGDEVICE_A_PRIVATE_KEY:
		if (mnl_attr_validate2(attr, MNL_TYPE_BINARY, WG_KEY_LEN) < 0)
			return -EBADMSG;
		memcpy(dev->private_key, mnl_attr_get_payload(attr), WG_KEY_LEN);
		dev->flags |= WGDEV_HAS_PRIVATE_KEY;
		break;
	case WGDEVICE_A_PUBLIC_KEY:
		if (mnl_attr_validate2(attr, MNL_TYPE_BINARY, WG_KEY_LEN) < 0)
			return -EBADMSG;
		memcpy(dev->public_key, mnl_attr_get_payload(attr), WG_KEY_LEN);
		dev->flags |= WGDEV_HAS_PUBLIC_KEY;
		break;
	case WGDEVICE_A_LISTEN_PORT:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return -EBADMSG;
		dev->listen_port = mnl_attr_get_u16(attr);
		dev->flags |= WGDEV_HAS_LISTEN_PORT;
		break;
	case WGDEVICE_A_FWMARK:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return -EBADMSG;
		dev->fwmark = mnl_attr_get_u32(attr);
		dev->flags |= WGDEV_HAS_FWMARK;
		break;
	case WGDEVICE_A_PEERS:
		return attr_walk_nested(attr, dump_peer_cb, dev);
	default:
		break;
	}
	return 0;
}

static int
dump_msg_cb(const struct nlmsghdr *nlh, void *arg)
{
	return genl_walk(nlh, WG_CMD_GET_DEVICE, dump_device_attr_cb, arg);
}

int
wg_kernel_msg_dump_parse(struct wg_kernel_msg_dump *d, const void *buf, size_t len)
{
	int rc;

	rc = msg_walk(buf, len, d->seq, d->portid, d->family, d->dev != NULL ? dump_msg_cb : NULL,
	              d->dev, &d->interrupted, &d->ended);
	if (rc == 0 && d->interrupted)
		return -EINTR;
	return rc;
}

/* ---- nlctrl: resolving the family ----------------------------------------- */

int
wg_kernel_msg_family_build(void *buf, size_t buflen, uint32_t seq, const char *name)
{
	struct nlmsghdr *nlh;

	nlh = msg_start(buf, buflen, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, seq,
	                CTRL_CMD_GETFAMILY, 1);
	if (nlh == NULL || !mnl_attr_put_strz_check(nlh, buflen, CTRL_ATTR_FAMILY_NAME, name))
		return -EMSGSIZE;
	return (int)nlh->nlmsg_len;
}

static int
family_attr_cb(const struct nlattr *attr, void *arg)
{
	uint16_t *family = arg;

	if (mnl_attr_get_type(attr) != CTRL_ATTR_FAMILY_ID)
		return 0;
	if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
		return -EBADMSG;
	*family = mnl_attr_get_u16(attr);
	return 0;
}

static int
family_msg_cb(const struct nlmsghdr *nlh, void *arg)
{
	return genl_walk(nlh, CTRL_CMD_NEWFAMILY, family_attr_cb, arg);
}

int
wg_kernel_msg_family_parse(const void *buf, size_t len, uint32_t seq, uint32_t portid,
                           uint16_t *family)
{
	bool ended = false;

	return msg_walk(buf, len, seq, portid, GENL_ID_CTRL, family_msg_cb, family, NULL, &ended);
}

int
wg_kernel_msg_ack_parse(const void *buf, size_t len, uint32_t seq, uint32_t portid, bool *ended)
{
	*ended = false;
	/* No data message is expected: netlink never uses type 0. */
	return msg_walk(buf, len, seq, portid, 0, NULL, NULL, NULL, ended);
}
