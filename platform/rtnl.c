/*
 * rtnl: rtnetlink (NETLINK_ROUTE) through libmnl. See rtnl.h for the
 * vocabulary.
 *
 * This module owns two kinds of sockets and nothing else: the request socket
 * (struct rtnl) and monitor sockets (struct rtnl_monitor). Each keeps its own
 * receive buffer, big enough for one dump datagram (the kernel sizes dump
 * datagrams after the reader's buffer, up to 32 KiB).
 *
 * Invariants of the request socket:
 *   - one request in flight: rtnl_talk() sends, then reads until the ACK
 *     (NLMSG_ERROR) or the end of a dump (NLMSG_DONE) carrying its sequence
 *     number; anything with another sequence number is a leftover of an
 *     earlier aborted exchange and is skipped.
 *   - a callback that fails does not stop the reading: the reply is drained
 *     to its end so the next request starts clean, then the error is returned.
 *   - a dump the kernel marks NLM_F_DUMP_INTR (the table changed under it) is
 *     repeated, a few times at most.
 *   - NETLINK_EXT_ACK is on: an error's message text is kept in errmsg.
 *
 * The monitor socket is non-blocking and never sends. After ENOBUFS it
 * discards until its queue is empty and then reports RTNL_EV_RESYNC.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "platform/rtnl.h"
#include "src/log.h"

#define RTNL_BUF_SIZE   32768 /* one dump datagram */
#define RTNL_REQ_SIZE   512   /* our requests are small and fixed */
#define RTNL_TIMEOUT_S  5     /* the kernel answers at once; this only guards a hang */
#define RTNL_DUMP_TRIES 5     /* for NLM_F_DUMP_INTR */
#define RTNL_MON_BATCH  256   /* datagrams per rtnl_monitor_read before yielding */
#define RTNL_MON_RCVBUF (1 << 20)

struct rtnl {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char errmsg[256];
	_Alignas(struct nlmsghdr) char buf[RTNL_BUF_SIZE]; /* messages are parsed in place */
};

struct rtnl_monitor {
	struct mnl_socket *nl;
	rtnl_event_fn fn;
	void *arg;
	bool overflow; /* ENOBUFS seen; discarding until the queue is empty */
	_Alignas(struct nlmsghdr) char buf[RTNL_BUF_SIZE]; /* messages are parsed in place */
};

/* Called for each data message of a reply; returns 0 or -errno. */
typedef int (*rtnl_msg_fn)(const struct nlmsghdr *nlh, void *arg);

/* A request being built: the buffer is aligned for struct nlmsghdr. */
union rtnl_req {
	struct nlmsghdr nlh;
	char buf[RTNL_REQ_SIZE];
};

/* A growable array of fixed-size items, for dumps. */
struct rtnl_vec {
	void *items;
	size_t n, cap, size;
};

static void *
rtnl_vec_push(struct rtnl_vec *v)
{
	char *slot;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *p = reallocarray(v->items, cap, v->size);

		if (p == NULL)
			return NULL;
		v->items = p;
		v->cap = cap;
	}
	slot = (char *)v->items + v->n * v->size;
	memset(slot, 0, v->size);
	v->n++;
	return slot;
}

/* Hands the items to the caller (NULL when empty). */
static void
rtnl_vec_take(struct rtnl_vec *v, void *out, size_t *n)
{
	if (v->n == 0) {
		free(v->items);
		v->items = NULL;
	}
	*(void **)out = v->items;
	*n = v->n;
	v->items = NULL;
	v->n = v->cap = 0;
}

static void
rtnl_strlcpy(char *dst, size_t dstlen, const char *src)
{
	size_t n = strnlen(src, dstlen - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* --- attributes ----------------------------------------------------------------- */

struct rtnl_attrs {
	const struct nlattr **tb;
	unsigned max;
};

static int
rtnl_attr_cb(const struct nlattr *a, void *data)
{
	struct rtnl_attrs *t = data;
	unsigned type = mnl_attr_get_type(a);

	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

static bool
rtnl_attr_u32(const struct nlattr *a, uint32_t *out)
{
	if (a == NULL || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*out = mnl_attr_get_u32(a);
	return true;
}

static bool
rtnl_attr_str(const struct nlattr *a, char *dst, size_t dstlen)
{
	if (a == NULL || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return false;
	rtnl_strlcpy(dst, dstlen, mnl_attr_get_str(a));
	return true;
}

/* An address attribute of the right length for family into out. */
static bool
rtnl_attr_addr(const struct nlattr *a, int family, struct ipaddr *out)
{
	size_t len = family == AF_INET ? 4 : 16;

	if (a == NULL || mnl_attr_get_payload_len(a) != len)
		return false;
	memset(out, 0, sizeof(*out));
	out->family = (sa_family_t)family;
	memcpy(out->bytes, mnl_attr_get_payload(a), len);
	return true;
}

/* --- request socket ------------------------------------------------------------- */

int
rtnl_open(struct rtnl **out)
{
	struct timeval tv = {.tv_sec = RTNL_TIMEOUT_S};
	struct rtnl *r;
	int one = 1, err;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (r->nl == NULL) {
		err = -errno;
		free(r);
		return err;
	}
	if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		rtnl_close(r);
		return err;
	}
	/* Both are best effort: older kernels lack them and still work. */
	mnl_socket_setsockopt(r->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(r->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(r->nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		err = -errno;
		rtnl_close(r);
		return err;
	}
	r->portid = mnl_socket_get_portid(r->nl);
	r->seq = (uint32_t)time(NULL);
	*out = r;
	return 0;
}

void
rtnl_close(struct rtnl *r)
{
	if (r == NULL)
		return;
	if (r->nl != NULL)
		mnl_socket_close(r->nl);
	free(r);
}

const char *
rtnl_errmsg(const struct rtnl *r)
{
	return r->errmsg;
}

/* Keeps the extended-ack message, if any, from the TLVs at p (len bytes). */
static void
rtnl_extack(struct rtnl *r, const void *p, size_t len)
{
	const struct nlattr *attr; /* the name mnl_attr_for_each_payload uses */

	mnl_attr_for_each_payload(p, len)
	{
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			rtnl_strlcpy(r->errmsg, sizeof(r->errmsg), mnl_attr_get_str(attr));
	}
}

/* The status of an NLMSG_ERROR: 0 for an ACK, else -errno. */
static int
rtnl_parse_error(struct rtnl *r, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh), off = sizeof(*e);

	if (plen < sizeof(*e))
		return -EBADMSG;
	if (e->error == 0)
		return 0;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
		    e->msg.nlmsg_len >= sizeof(struct nlmsghdr))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (off <= plen)
			rtnl_extack(r, (const char *)e + off, plen - off);
	}
	return e->error < 0 ? e->error : -e->error;
}

/* The status carried by NLMSG_DONE (an int, possibly followed by TLVs). */
static int
rtnl_parse_done(struct rtnl *r, const struct nlmsghdr *nlh)
{
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	int status;

	if (plen < sizeof(int))
		return 0;
	memcpy(&status, mnl_nlmsg_get_payload(nlh), sizeof(status));
	if (status < 0 && (nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		rtnl_extack(r, (const char *)mnl_nlmsg_get_payload(nlh) + sizeof(int),
		            plen - sizeof(int));
	return status < 0 ? status : 0;
}

/*
 * Sends nlh and reads the reply, passing each data message to fn (may be NULL).
 * Requests get NLM_F_ACK; dumps end with NLMSG_DONE. Returns 0 or -errno;
 * -EINTR when the kernel flagged a dump as inconsistent.
 */
static int
rtnl_talk(struct rtnl *r, struct nlmsghdr *nlh, rtnl_msg_fn fn, void *arg)
{
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP, intr = false;
	uint16_t type = nlh->nlmsg_type;
	int cb_err = 0, err;
	uint32_t seq;

	if (++r->seq == 0)
		r->seq = 1;
	seq = r->seq;
	nlh->nlmsg_seq = seq;
	if (!dump)
		nlh->nlmsg_flags |= NLM_F_ACK;
	r->errmsg[0] = '\0';

	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *m;
		ssize_t got;
		int len;

		got = mnl_socket_recvfrom(r->nl, r->buf, sizeof(r->buf));
		if (got < 0) {
			if (errno == EINTR || errno == ESRCH) /* ESRCH: not from the kernel */
				continue;
			err = (errno == EAGAIN || errno == EWOULDBLOCK) ? -ETIMEDOUT : -errno;
			goto out;
		}
		len = (int)got;
		for (m = (const struct nlmsghdr *)r->buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq || m->nlmsg_pid != r->portid)
				continue;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			switch (m->nlmsg_type) {
			case NLMSG_NOOP:
				break;
			case NLMSG_ERROR:
				err = rtnl_parse_error(r, m);
				goto out;
			case NLMSG_DONE:
				err = rtnl_parse_done(r, m);
				goto out;
			case NLMSG_OVERRUN:
				err = -EOVERFLOW;
				goto out;
			default:
				if (cb_err == 0 && fn != NULL)
					cb_err = fn(m, arg);
				break;
			}
		}
	}
out:
	if (err == 0 && cb_err < 0)
		err = cb_err;
	if (err == 0 && intr)
		err = -EINTR;
	if (err < 0)
		log_debug("rtnl: request %u failed: %s%s%s", type, strerror(-err),
		          r->errmsg[0] ? ": " : "", r->errmsg);
	return err;
}

static struct nlmsghdr *
rtnl_req_init(union rtnl_req *req, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(req, 0, sizeof(*req));
	nlh = mnl_nlmsg_put_header(req->buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/*
 * A dump of type (RTM_GETLINK/GETADDR/GETROUTE) for family, header size hdrlen
 * (the family is the first byte of every rtnetlink header). fn fills v; v is
 * emptied before each retry.
 */
static int
rtnl_dump(struct rtnl *r, uint16_t type, int family, size_t hdrlen, rtnl_msg_fn fn,
          struct rtnl_vec *v)
{
	union rtnl_req req;
	int err = -EINTR, i;

	for (i = 0; i < RTNL_DUMP_TRIES && err == -EINTR; i++) {
		struct nlmsghdr *nlh = rtnl_req_init(&req, type, NLM_F_DUMP);
		unsigned char *hdr = mnl_nlmsg_put_extra_header(nlh, hdrlen);

		hdr[0] = (unsigned char)family;
		v->n = 0;
		err = rtnl_talk(r, nlh, fn, v);
		if (err == -EINTR)
			log_debug("rtnl: dump %u interrupted by a change, retrying", type);
	}
	return err;
}

/* --- links ---------------------------------------------------------------------- */

static int
rtnl_link_parse(const struct nlmsghdr *nlh, struct rtnl_link *out)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {0}, *info[IFLA_INFO_MAX + 1] = {0};
	struct rtnl_attrs t = {tb, IFLA_MAX}, ti = {info, IFLA_INFO_MAX};
	const struct ifinfomsg *ifi;
	uint32_t mtu;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -EBADMSG;
	ifi = mnl_nlmsg_get_payload(nlh);
	memset(out, 0, sizeof(*out));
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	if (mnl_attr_parse(nlh, sizeof(*ifi), rtnl_attr_cb, &t) < 0)
		return -EBADMSG;
	rtnl_attr_str(tb[IFLA_IFNAME], out->name, sizeof(out->name));
	if (rtnl_attr_u32(tb[IFLA_MTU], &mtu))
		out->mtu = mtu;
	if (tb[IFLA_OPERSTATE] != NULL && mnl_attr_validate(tb[IFLA_OPERSTATE], MNL_TYPE_U8) == 0)
		out->operstate = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
	if (tb[IFLA_LINKINFO] != NULL &&
	    mnl_attr_parse_nested(tb[IFLA_LINKINFO], rtnl_attr_cb, &ti) >= 0)
		rtnl_attr_str(info[IFLA_INFO_KIND], out->kind, sizeof(out->kind));
	return 0;
}

struct rtnl_link_get_ctx {
	struct rtnl_link *out;
	bool found;
};

static int
rtnl_link_get_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct rtnl_link_get_ctx *ctx = arg;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (rtnl_link_parse(nlh, ctx->out) < 0)
		return -EBADMSG;
	ctx->found = true;
	return 0;
}

static bool
rtnl_name_ok(const char *name)
{
	size_t n = strnlen(name, IFNAMSIZ);

	return n > 0 && n < IFNAMSIZ;
}

int
rtnl_link_get(struct rtnl *r, int ifindex, const char *name, struct rtnl_link *out)
{
	struct rtnl_link_get_ctx ctx = {out, false};
	union rtnl_req req;
	struct nlmsghdr *nlh = rtnl_req_init(&req, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	int err;

	ifi->ifi_family = AF_UNSPEC;
	if (ifindex > 0) {
		ifi->ifi_index = ifindex;
	} else {
		if (name == NULL || !rtnl_name_ok(name))
			return -EINVAL;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	}
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	err = rtnl_talk(r, nlh, rtnl_link_get_cb, &ctx);
	if (err < 0)
		return err;
	return ctx.found ? 0 : -ENODEV;
}

int
rtnl_link_index(struct rtnl *r, const char *name)
{
	struct rtnl_link l;
	int err = rtnl_link_get(r, 0, name, &l);

	return err < 0 ? err : l.ifindex;
}

int
rtnl_link_add(struct rtnl *r, const char *name, const char *kind)
{
	union rtnl_req req;
	struct nlmsghdr *nlh = rtnl_req_init(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *nest;

	if (!rtnl_name_ok(name) || kind == NULL || kind[0] == '\0' ||
	    strnlen(kind, RTNL_KIND_MAX) >= RTNL_KIND_MAX)
		return -EINVAL;
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, nest);
	return rtnl_talk(r, nlh, NULL, NULL);
}

int
rtnl_link_del(struct rtnl *r, int ifindex)
{
	union rtnl_req req;
	struct nlmsghdr *nlh = rtnl_req_init(&req, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	int err;

	if (ifindex <= 0)
		return -EINVAL;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	err = rtnl_talk(r, nlh, NULL, NULL);
	return err == -ENODEV ? 1 : err;
}

int
rtnl_link_set_up(struct rtnl *r, int ifindex, bool up)
{
	union rtnl_req req;
	struct nlmsghdr *nlh = rtnl_req_init(&req, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	if (ifindex <= 0)
		return -EINVAL;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	return rtnl_talk(r, nlh, NULL, NULL);
}

int
rtnl_link_set_mtu(struct rtnl *r, int ifindex, unsigned mtu)
{
	union rtnl_req req;
	struct nlmsghdr *nlh = rtnl_req_init(&req, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	if (ifindex <= 0 || mtu == 0)
		return -EINVAL;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return rtnl_talk(r, nlh, NULL, NULL);
}

static int
rtnl_link_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct rtnl_vec *v = arg;
	struct rtnl_link *l;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	l = rtnl_vec_push(v);
	if (l == NULL)
		return -ENOMEM;
	if (rtnl_link_parse(nlh, l) < 0)
		v->n--;
	return 0;
}

int
rtnl_link_dump(struct rtnl *r, struct rtnl_link **out, size_t *n)
{
	struct rtnl_vec v = {.size = sizeof(struct rtnl_link)};
	int err;

	err = rtnl_dump(r, RTM_GETLINK, AF_UNSPEC, sizeof(struct ifinfomsg), rtnl_link_dump_cb, &v);
	if (err < 0) {
		free(v.items);
		return err;
	}
	rtnl_vec_take(&v, out, n);
	return 0;
}

/* --- addresses ------------------------------------------------------------------ */

static int
rtnl_addr_parse(const struct nlmsghdr *nlh, struct rtnl_addr *out)
{
	const struct nlattr *tb[IFA_MAX + 1] = {0};
	struct rtnl_attrs t = {tb, IFA_MAX};
	const struct ifaddrmsg *ifa;
	uint32_t flags;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return -EBADMSG;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (mnl_attr_parse(nlh, sizeof(*ifa), rtnl_attr_cb, &t) < 0)
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	/* IFA_LOCAL is the local end on point-to-point links; IFA_ADDRESS then the peer. */
	if (!rtnl_attr_addr(tb[IFA_LOCAL], ifa->ifa_family, &out->addr) &&
	    !rtnl_attr_addr(tb[IFA_ADDRESS], ifa->ifa_family, &out->addr))
		return -EBADMSG;
	if (ifa->ifa_prefixlen > ipaddr_bits(&out->addr))
		return -EBADMSG;
	out->ifindex = (int)ifa->ifa_index;
	out->prefixlen = ifa->ifa_prefixlen;
	out->scope = ifa->ifa_scope;
	out->flags = rtnl_attr_u32(tb[IFA_FLAGS], &flags) ? flags : ifa->ifa_flags;
	return 0;
}

static int
rtnl_addr_msg(struct rtnl *r, uint16_t type, uint16_t nlflags, int ifindex,
              const struct ipaddr *addr, unsigned prefixlen, uint32_t flags)
{
	union rtnl_req req;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	size_t alen;

	if (ifindex <= 0 || addr == NULL || (addr->family != AF_INET && addr->family != AF_INET6) ||
	    prefixlen > ipaddr_bits(addr))
		return -EINVAL;
	alen = ipaddr_len(addr);
	nlh = rtnl_req_init(&req, type, nlflags);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = addr->family;
	ifa->ifa_prefixlen = (uint8_t)prefixlen;
	ifa->ifa_flags = (uint8_t)(flags & 0xff);
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr->bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr->bytes);
	if (type == RTM_NEWADDR)
		mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	return rtnl_talk(r, nlh, NULL, NULL);
}

int
rtnl_addr_add(struct rtnl *r, int ifindex, const struct ipaddr *addr, unsigned prefixlen,
              uint32_t flags)
{
	int err = rtnl_addr_msg(r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, addr, prefixlen,
	                        flags);

	return err == -EEXIST ? 1 : err;
}

int
rtnl_addr_del(struct rtnl *r, int ifindex, const struct ipaddr *addr, unsigned prefixlen)
{
	int err = rtnl_addr_msg(r, RTM_DELADDR, 0, ifindex, addr, prefixlen, 0);

	/* ENODEV: the link is gone, and its addresses with it. */
	if (err == -EADDRNOTAVAIL || err == -ENOENT || err == -ESRCH || err == -ENODEV)
		return 1;
	return err;
}

struct rtnl_addr_dump_ctx {
	struct rtnl_vec v; /* first: rtnl_dump() resets it through the pointer */
	int ifindex;
	int family;
};

static int
rtnl_addr_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct rtnl_addr_dump_ctx *ctx = arg;
	struct rtnl_addr a;
	struct rtnl_addr *slot;

	if (nlh->nlmsg_type != RTM_NEWADDR || rtnl_addr_parse(nlh, &a) < 0)
		return 0;
	if (ctx->ifindex > 0 && a.ifindex != ctx->ifindex)
		return 0;
	if (ctx->family != AF_UNSPEC && a.addr.family != ctx->family)
		return 0;
	slot = rtnl_vec_push(&ctx->v);
	if (slot == NULL)
		return -ENOMEM;
	*slot = a;
	return 0;
}

int
rtnl_addr_dump(struct rtnl *r, int ifindex, int family, struct rtnl_addr **out, size_t *n)
{
	struct rtnl_addr_dump_ctx ctx = {{.size = sizeof(struct rtnl_addr)}, ifindex, family};
	int err;

	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return -EINVAL;
	err =
	    rtnl_dump(r, RTM_GETADDR, family, sizeof(struct ifaddrmsg), rtnl_addr_dump_cb, &ctx.v);
	if (err < 0) {
		free(ctx.v.items);
		return err;
	}
	rtnl_vec_take(&ctx.v, out, n);
	return 0;
}

/* --- routes --------------------------------------------------------------------- */

/* Unicast, non-cached routes only; -ENOENT for the others. */
static int
rtnl_route_parse(const struct nlmsghdr *nlh, struct rtnl_route *out)
{
	const struct nlattr *tb[RTA_MAX + 1] = {0};
	struct rtnl_attrs t = {tb, RTA_MAX};
	const struct rtmsg *rtm;
	uint32_t v;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return -EBADMSG;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (rtm->rtm_type != RTN_UNICAST || (rtm->rtm_flags & RTM_F_CLONED))
		return -ENOENT;
	if (mnl_attr_parse(nlh, sizeof(*rtm), rtnl_attr_cb, &t) < 0)
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	if (tb[RTA_DST] != NULL) {
		if (!rtnl_attr_addr(tb[RTA_DST], rtm->rtm_family, &out->dst.addr))
			return -EBADMSG;
	} else {
		out->dst.addr.family = rtm->rtm_family;
	}
	if (rtm->rtm_dst_len > ipaddr_bits(&out->dst.addr))
		return -EBADMSG;
	out->dst.len = rtm->rtm_dst_len;
	out->table = rtnl_attr_u32(tb[RTA_TABLE], &v) ? v : rtm->rtm_table;
	out->protocol = rtm->rtm_protocol;
	if (rtnl_attr_u32(tb[RTA_OIF], &v))
		out->oif = (int)v;
	if (rtnl_attr_u32(tb[RTA_PRIORITY], &v))
		out->metric = v;
	return 0;
}

static int
rtnl_route_msg(struct rtnl *r, uint16_t type, uint16_t nlflags, const struct rtnl_route *rt)
{
	uint32_t table = rt->table ? rt->table : RT_TABLE_MAIN;
	const struct ipaddr *dst = &rt->dst.addr;
	union rtnl_req req;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	if ((dst->family != AF_INET && dst->family != AF_INET6) || rt->dst.len > ipaddr_bits(dst) ||
	    rt->oif < 0 || (type == RTM_NEWROUTE && rt->oif == 0))
		return -EINVAL;
	nlh = rtnl_req_init(&req, type, nlflags);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = dst->family;
	rtm->rtm_dst_len = rt->dst.len;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = rt->protocol ? rt->protocol : RTNL_PROTO_WGNM;
	rtm->rtm_type = RTN_UNICAST;
	if (type == RTM_DELROUTE)
		rtm->rtm_scope = RT_SCOPE_NOWHERE; /* any scope */
	else
		rtm->rtm_scope = dst->family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (rt->dst.len > 0)
		mnl_attr_put(nlh, RTA_DST, ipaddr_len(dst), dst->bytes);
	if (rt->oif > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)rt->oif);
	if (rt->metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, rt->metric);
	return rtnl_talk(r, nlh, NULL, NULL);
}

int
rtnl_route_add(struct rtnl *r, const struct rtnl_route *rt)
{
	int err = rtnl_route_msg(r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, rt);

	return err == -EEXIST ? 1 : err;
}

int
rtnl_route_replace(struct rtnl *r, const struct rtnl_route *rt)
{
	return rtnl_route_msg(r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, rt);
}

int
rtnl_route_del(struct rtnl *r, const struct rtnl_route *rt)
{
	int err = rtnl_route_msg(r, RTM_DELROUTE, 0, rt);

	/* IPv4 says ESRCH, IPv6 ENOENT; ENODEV: the link and its routes are gone. */
	if (err == -ESRCH || err == -ENOENT || err == -ENODEV)
		return 1;
	return err;
}

static int
rtnl_route_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct rtnl_vec *v = arg;
	struct rtnl_route rt, *slot;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtnl_route_parse(nlh, &rt) < 0)
		return 0;
	slot = rtnl_vec_push(v);
	if (slot == NULL)
		return -ENOMEM;
	*slot = rt;
	return 0;
}

int
rtnl_route_dump(struct rtnl *r, int family, struct rtnl_route **out, size_t *n)
{
	struct rtnl_vec v = {.size = sizeof(struct rtnl_route)};
	int err;

	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return -EINVAL;
	err = rtnl_dump(r, RTM_GETROUTE, family, sizeof(struct rtmsg), rtnl_route_dump_cb, &v);
	if (err < 0) {
		free(v.items);
		return err;
	}
	rtnl_vec_take(&v, out, n);
	return 0;
}

int
rtnl_route_flush_proto(struct rtnl *r, int ifindex, uint8_t proto)
{
	struct rtnl_route *rts;
	size_t n, i;
	int err, first_err = 0, removed = 0;

	if (proto == 0)
		return -EINVAL; /* would match every route */
	err = rtnl_route_dump(r, AF_UNSPEC, &rts, &n);
	if (err < 0)
		return err;
	for (i = 0; i < n; i++) {
		if (rts[i].protocol != proto || (ifindex > 0 && rts[i].oif != ifindex))
			continue;
		err = rtnl_route_del(r, &rts[i]);
		if (err == 0)
			removed++;
		else if (err < 0 && first_err == 0)
			first_err = err;
	}
	free(rts);
	return first_err < 0 ? first_err : removed;
}

/* --- monitor -------------------------------------------------------------------- */

int
rtnl_monitor_open(struct rtnl_monitor **out, unsigned opts, int rcvbuf, rtnl_event_fn fn, void *arg)
{
	unsigned groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
	struct rtnl_monitor *m;
	int fd, err;

	if (fn == NULL || rcvbuf < 0)
		return -EINVAL;
	if (opts & RTNL_MON_ROUTES)
		groups |= RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
	if (rcvbuf == 0)
		rcvbuf = RTNL_MON_RCVBUF;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->fn = fn;
	m->arg = arg;
	m->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (m->nl == NULL) {
		err = -errno;
		free(m);
		return err;
	}
	fd = mnl_socket_get_fd(m->nl);
	/* FORCE may exceed rmem_max but needs CAP_NET_ADMIN; fall back to the capped one. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0) {
		err = -errno;
		rtnl_monitor_close(m);
		return err;
	}
	if (mnl_socket_bind(m->nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		rtnl_monitor_close(m);
		return err;
	}
	*out = m;
	return 0;
}

int
rtnl_monitor_fd(const struct rtnl_monitor *m)
{
	return mnl_socket_get_fd(m->nl);
}

void
rtnl_monitor_close(struct rtnl_monitor *m)
{
	if (m == NULL)
		return;
	if (m->nl != NULL)
		mnl_socket_close(m->nl);
	free(m);
}

/* One multicast message into ev; -ENOENT for what is not reported. */
static int
rtnl_monitor_parse(const struct nlmsghdr *nlh, struct rtnl_event *ev)
{
	const struct ifinfomsg *ifi;

	memset(ev, 0, sizeof(*ev));
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
			return -EBADMSG;
		ifi = mnl_nlmsg_get_payload(nlh);
		if (ifi->ifi_family != AF_UNSPEC) /* e.g. AF_BRIDGE port notices */
			return -ENOENT;
		if (nlh->nlmsg_type == RTM_DELLINK) {
			ev->type = RTNL_EV_LINK_REMOVED;
		} else if (ifi->ifi_change == ~0u) {
			/* The kernel marks a registration (or a move into this namespace) so. */
			ev->type = RTNL_EV_LINK_ADDED;
		} else {
			ev->type = RTNL_EV_LINK_CHANGED;
			ev->changed = ifi->ifi_change;
		}
		return rtnl_link_parse(nlh, &ev->link);
	case RTM_NEWADDR:
	case RTM_DELADDR:
		ev->type =
		    nlh->nlmsg_type == RTM_NEWADDR ? RTNL_EV_ADDR_ADDED : RTNL_EV_ADDR_REMOVED;
		return rtnl_addr_parse(nlh, &ev->addr);
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		ev->type =
		    nlh->nlmsg_type == RTM_NEWROUTE ? RTNL_EV_ROUTE_ADDED : RTNL_EV_ROUTE_REMOVED;
		return rtnl_route_parse(nlh, &ev->route);
	default:
		return -ENOENT;
	}
}

int
rtnl_monitor_read(struct rtnl_monitor *m)
{
	struct rtnl_event ev;
	int delivered = 0, i;

	for (i = 0; i < RTNL_MON_BATCH; i++) {
		const struct nlmsghdr *nlh;
		ssize_t got;
		int len;

		got = mnl_socket_recvfrom(m->nl, m->buf, sizeof(m->buf));
		if (got < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR || errno == ESRCH) /* ESRCH: not from the kernel */
				continue;
			if (errno == ENOBUFS || errno == ENOSPC) { /* overflow, or truncated */
				if (!m->overflow)
					log_warnx("rtnl: monitor lost events (%s), resynchronising",
					          strerror(errno));
				m->overflow = true;
				continue;
			}
			return -errno;
		}
		if (m->overflow)
			continue; /* the dump after RESYNC supersedes it */
		len = (int)got;
		for (nlh = (const struct nlmsghdr *)m->buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (rtnl_monitor_parse(nlh, &ev) < 0)
				continue;
			m->fn(&ev, m->arg);
			delivered++;
		}
	}
	if (m->overflow && i < RTNL_MON_BATCH) {
		/* The queue is empty now: events from here on are newer than the dump. */
		m->overflow = false;
		memset(&ev, 0, sizeof(ev));
		ev.type = RTNL_EV_RESYNC;
		m->fn(&ev, m->arg);
		delivered++;
	}
	return delivered;
}

/* --- forwarding ----------------------------------------------------------------- */

#define RTNL_FWD_V4 "/proc/sys/net/ipv4/ip_forward"
#define RTNL_FWD_V6 "/proc/sys/net/ipv6/conf/all/forwarding"

static int
rtnl_sysctl_read(const char *path)
{
	char buf[16];
	ssize_t n;
	int fd, err;
	long v;
	char *end;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	if (end == buf || v < 0 || v > 255)
		return -EINVAL;
	return (int)v;
}

static int
rtnl_sysctl_write(const char *path, int v)
{
	char buf[16];
	int fd, len, err = 0;

	len = snprintf(buf, sizeof(buf), "%d\n", v);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)len) != len)
		err = errno ? -errno : -EIO;
	if (close(fd) < 0 && err == 0)
		err = -errno;
	return err;
}

/* Sets path to 1 unless it is; *old gets the previous value if we changed it. */
static int
rtnl_forwarding_on(const char *path, int *old)
{
	int cur, err;

	cur = rtnl_sysctl_read(path);
	if (cur < 0) {
		log_warnx("rtnl: cannot read %s: %s", path, strerror(-cur));
		return cur;
	}
	if (cur == 1) {
		log_debug("rtnl: %s already 1", path);
		return 0;
	}
	err = rtnl_sysctl_write(path, 1);
	if (err < 0) {
		log_warnx("rtnl: cannot enable forwarding in %s: %s", path, strerror(-err));
		return err;
	}
	if (*old < 0)
		*old = cur;
	log_info("rtnl: forwarding enabled: %s %d -> 1 (restored on exit)", path, cur);
	return 0;
}

int
rtnl_forwarding_enable(struct rtnl_forwarding *st, bool ipv6)
{
	int err;

	err = rtnl_forwarding_on(RTNL_FWD_V4, &st->old_v4);
	if (err < 0 || !ipv6)
		return err;
	err = rtnl_forwarding_on(RTNL_FWD_V6, &st->old_v6);
	if (err == 0 && st->old_v6 >= 0)
		log_info("rtnl: note: with IPv6 forwarding on, the kernel ignores router "
		         "advertisements on interfaces whose accept_ra is not 2");
	return err;
}

static int
rtnl_forwarding_back(const char *path, int *old)
{
	int cur, err;

	if (*old < 0)
		return 0;
	cur = rtnl_sysctl_read(path);
	if (cur != 1) {
		/* Someone changed it after us: theirs wins. */
		log_info("rtnl: %s changed by someone else (now %d), leaving it", path, cur);
		*old = -1;
		return 0;
	}
	err = rtnl_sysctl_write(path, *old);
	if (err < 0) {
		log_warnx("rtnl: cannot restore %s to %d: %s", path, *old, strerror(-err));
		return err;
	}
	log_info("rtnl: forwarding restored: %s 1 -> %d", path, *old);
	*old = -1;
	return 0;
}

int
rtnl_forwarding_restore(struct rtnl_forwarding *st)
{
	int e4 = rtnl_forwarding_back(RTNL_FWD_V4, &st->old_v4);
	int e6 = rtnl_forwarding_back(RTNL_FWD_V6, &st->old_v6);

	return e4 < 0 ? e4 : e6;
}

/* --- local candidate addresses -------------------------------------------------- */

static const struct rtnl_link *
rtnl_link_find(const struct rtnl_link *links, size_t n, int ifindex)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (links[i].ifindex == ifindex)
			return &links[i];
	return NULL;
}

static bool
rtnl_candidate_ok(const struct rtnl_addr *a, const struct rtnl_link *links, size_t nlinks,
                  int exclude_ifindex, const struct ipprefix *overlay)
{
	const struct rtnl_link *l;

	if (a->addr.family != AF_INET && a->addr.family != AF_INET6)
		return false;
	if (a->ifindex == exclude_ifindex)
		return false;
	l = rtnl_link_find(links, nlinks, a->ifindex);
	if (l == NULL || !(l->flags & IFF_UP) || (l->flags & IFF_LOOPBACK))
		return false;
	if (a->scope >= RT_SCOPE_LINK)
		return false;
	if (ipaddr_is_loopback(&a->addr) || ipaddr_is_link_local(&a->addr) ||
	    ipaddr_is_multicast(&a->addr) || ipaddr_is_unspecified(&a->addr))
		return false;
	if (a->addr.family == AF_INET6 &&
	    (a->flags & (IFA_F_TENTATIVE | IFA_F_DEPRECATED | IFA_F_DADFAILED)))
		return false;
	if (overlay != NULL && ipprefix_contains(overlay, &a->addr))
		return false;
	return true;
}

size_t
rtnl_candidates_filter(const struct rtnl_addr *addrs, size_t naddrs, const struct rtnl_link *links,
                       size_t nlinks, int exclude_ifindex, const struct ipprefix *overlay,
                       struct rtnl_addr *out, size_t max)
{
	size_t i, j, n = 0;

	for (i = 0; i < naddrs && n < max; i++) {
		if (!rtnl_candidate_ok(&addrs[i], links, nlinks, exclude_ifindex, overlay))
			continue;
		for (j = 0; j < n; j++)
			if (ipaddr_equal(&out[j].addr, &addrs[i].addr))
				break;
		if (j == n)
			out[n++] = addrs[i];
	}
	return n;
}

int
rtnl_local_candidates(struct rtnl *r, int exclude_ifindex, const struct ipprefix *overlay,
                      struct rtnl_addr *out, size_t max)
{
	struct rtnl_link *links = NULL;
	struct rtnl_addr *addrs = NULL;
	size_t nlinks, naddrs, n;
	int err;

	err = rtnl_link_dump(r, &links, &nlinks);
	if (err < 0)
		return err;
	err = rtnl_addr_dump(r, 0, AF_UNSPEC, &addrs, &naddrs);
	if (err < 0) {
		free(links);
		return err;
	}
	n = rtnl_candidates_filter(addrs, naddrs, links, nlinks, exclude_ifindex, overlay, out,
	                           max);
	free(links);
	free(addrs);
	return (int)n;
}
