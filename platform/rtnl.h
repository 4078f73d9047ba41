/*
 * rtnl: everything wgnm changes in the kernel's network configuration apart
 * from WireGuard itself -- links, addresses, routes, IP forwarding -- plus the
 * event monitor that tells the core when any of it changes. rtnetlink through
 * libmnl only; never `ip`.
 *
 * Vocabulary:
 *   request socket  struct rtnl: one NETLINK_ROUTE socket for synchronous
 *                   requests (sequence number + NLM_F_ACK, wait for the ACK)
 *                   and dumps. Blocking, with a receive timeout.
 *   monitor socket  struct rtnl_monitor: a SEPARATE non-blocking socket that
 *                   only listens to multicast groups; its fd goes into an ev_io.
 *   event           one typed change read from the monitor (struct rtnl_event).
 *   RESYNC          the monitor's receive queue overflowed (ENOBUFS): events
 *                   were lost and the caller must rebuild its view with a full
 *                   dump (rtnl_link_dump, rtnl_addr_dump, rtnl_route_dump).
 *   wgnm route      a route whose protocol is RTNL_PROTO_WGNM; only those are
 *                   ever flushed.
 *   candidate       a local address a peer on the same LAN could reach us on.
 *
 * Return values: 0 (or a count) on success, -errno on failure; never fatal.
 * When the kernel attached an extended-ack message to an error it is kept in
 * the request socket (rtnl_errmsg) and logged at debug level. Idempotent
 * operations return 1 when nothing had to be done: adding what already exists
 * (EEXIST) or deleting what is already gone (ENODEV/EADDRNOTAVAIL/ENOENT/ESRCH).
 * Anything else, e.g. -ENETUNREACH or -ENODEV on a route add, is a real
 * failure the core may retry later.
 */
#ifndef WGNM_PLATFORM_RTNL_H
#define WGNM_PLATFORM_RTNL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/ipaddr.h"

/*
 * The rtnetlink protocol number on routes wgnm installs (decimal 110, "n").
 * Unused by the kernel, iproute2's rt_protos, FRR and BIRD; visible as
 * `ip route show proto 110`.
 */
#define RTNL_PROTO_WGNM 0x6e

#define RTNL_KIND_MAX 32

struct rtnl_link {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[RTNL_KIND_MAX]; /* IFLA_INFO_KIND ("wireguard", "dummy"); "" if none */
	unsigned flags;           /* IFF_* (IFF_UP, IFF_LOOPBACK, IFF_RUNNING, ...) */
	unsigned mtu;
	uint8_t operstate; /* IF_OPER_* */
};

struct rtnl_addr {
	int ifindex;
	struct ipaddr addr; /* the local address, host bits kept */
	uint8_t prefixlen;
	uint8_t scope;  /* RT_SCOPE_* */
	uint32_t flags; /* IFA_F_* (IFA_FLAGS, so the full 32 bits) */
};

struct rtnl_route {
	struct ipprefix dst; /* host bits zero */
	int oif;             /* outgoing interface (device route, no gateway) */
	uint32_t table;      /* 0 = RT_TABLE_MAIN */
	uint8_t protocol;    /* 0 = RTNL_PROTO_WGNM */
	uint32_t metric;     /* RTA_PRIORITY; 0 = none */
};

/* --- request socket ------------------------------------------------------------- */

struct rtnl;

/* Opens the request socket. *out is owned by the caller: free with rtnl_close. */
int rtnl_open(struct rtnl **out);
void rtnl_close(struct rtnl *r);
/* The kernel's extended-ack message for the last failed request, "" if none. */
const char *rtnl_errmsg(const struct rtnl *r);

/* --- links ---------------------------------------------------------------------- */

/* ifindex (> 0) of the link called name, or -ENODEV. */
int rtnl_link_index(struct rtnl *r, const char *name);
/* One link by ifindex (when ifindex > 0) or else by name. -ENODEV if absent. */
int rtnl_link_get(struct rtnl *r, int ifindex, const char *name, struct rtnl_link *out);
/*
 * Creates a link of the given kind (IFLA_INFO_KIND: "wireguard", "dummy", ...),
 * down. Not idempotent on purpose: -EEXIST if a link of that name exists
 * (whatever its kind), so the caller knows it was not created by us.
 * -EOPNOTSUPP when the kernel has no such kind.
 */
int rtnl_link_add(struct rtnl *r, const char *name, const char *kind);
/* 0 deleted, 1 already gone. */
int rtnl_link_del(struct rtnl *r, int ifindex);
int rtnl_link_set_up(struct rtnl *r, int ifindex, bool up);
int rtnl_link_set_mtu(struct rtnl *r, int ifindex, unsigned mtu);
/* All links. *out (calloc'd, free() it) gets *n entries; *out is NULL when *n is 0. */
int rtnl_link_dump(struct rtnl *r, struct rtnl_link **out, size_t *n);

/* --- addresses ------------------------------------------------------------------ */

/*
 * Adds addr/prefixlen to the link with IFA_FLAGS = flags. wgnm's overlay
 * address uses IFA_F_NOPREFIXROUTE (routes are wgnm's job: a kernel prefix
 * route would make a later route add for the same prefix fail), and IPv6 ones
 * may add IFA_F_NODAD. 0 added, 1 already present.
 */
int rtnl_addr_add(struct rtnl *r, int ifindex, const struct ipaddr *addr, unsigned prefixlen,
                  uint32_t flags);
/* 0 removed, 1 was not there. */
int rtnl_addr_del(struct rtnl *r, int ifindex, const struct ipaddr *addr, unsigned prefixlen);
/*
 * Addresses of one link (ifindex > 0) or all links (0), of one family
 * (AF_INET, AF_INET6) or both (AF_UNSPEC). Allocation as for rtnl_link_dump.
 */
int rtnl_addr_dump(struct rtnl *r, int ifindex, int family, struct rtnl_addr **out, size_t *n);

/* --- routes --------------------------------------------------------------------- */

/*
 * Device route rt->dst via rt->oif (no gateway; WireGuard picks the peer).
 * add: 0 added, 1 a route for that destination (same table and metric)
 * already exists, wherever it points -- use replace to be sure of the target.
 * replace: NLM_F_CREATE|NLM_F_REPLACE, 0.
 * del: only a route of rt->protocol matches; 0 removed, 1 was not there.
 */
int rtnl_route_add(struct rtnl *r, const struct rtnl_route *rt);
int rtnl_route_replace(struct rtnl *r, const struct rtnl_route *rt);
int rtnl_route_del(struct rtnl *r, const struct rtnl_route *rt);
/*
 * Unicast routes of a family (AF_INET, AF_INET6, AF_UNSPEC = both) in all
 * tables. Routes without a single RTA_OIF (multipath) get oif 0. Allocation as
 * for rtnl_link_dump.
 */
int rtnl_route_dump(struct rtnl *r, int family, struct rtnl_route **out, size_t *n);
/*
 * Deletes every IPv4 and IPv6 route with protocol proto (via ifindex, or via
 * any link when ifindex is 0), in any table. Returns how many were removed, or
 * the first error (it still tries the rest).
 */
int rtnl_route_flush_proto(struct rtnl *r, int ifindex, uint8_t proto);

/* --- monitor -------------------------------------------------------------------- */

enum rtnl_event_type {
	RTNL_EV_LINK_ADDED,   /* .link; a new link (or one moved into this namespace) */
	RTNL_EV_LINK_CHANGED, /* .link; .changed = IFF_* bits that flipped (IFF_UP: up/down;
	                         0: only attributes such as MTU or name changed) */
	RTNL_EV_LINK_REMOVED, /* .link */
	RTNL_EV_ADDR_ADDED,   /* .addr (also sent when flags change, e.g. DAD finished) */
	RTNL_EV_ADDR_REMOVED, /* .addr */
	RTNL_EV_ROUTE_ADDED,  /* .route; only with RTNL_MON_ROUTES */
	RTNL_EV_ROUTE_REMOVED,
	RTNL_EV_RESYNC, /* events were lost: dump everything again */
};

struct rtnl_event {
	enum rtnl_event_type type;
	unsigned changed; /* RTNL_EV_LINK_CHANGED only */
	union {
		struct rtnl_link link;
		struct rtnl_addr addr;
		struct rtnl_route route;
	};
};

/* Called for each event; ev is only valid during the call. */
typedef void (*rtnl_event_fn)(const struct rtnl_event *ev, void *arg);

#define RTNL_MON_ROUTES 0x1 /* also subscribe to IPv4/IPv6 route changes */

struct rtnl_monitor;

/*
 * Opens the monitor socket (links, IPv4 and IPv6 addresses; routes with
 * RTNL_MON_ROUTES). rcvbuf: receive buffer in bytes, 0 for the default
 * (1 MiB). fn/arg are kept until rtnl_monitor_close. *out is the caller's:
 * free with rtnl_monitor_close.
 */
int rtnl_monitor_open(struct rtnl_monitor **out, unsigned opts, int rcvbuf, rtnl_event_fn fn,
                      void *arg);
/* The non-blocking fd to watch for EV_READ. */
int rtnl_monitor_fd(const struct rtnl_monitor *m);
/*
 * Reads and delivers what is pending, without blocking. After an overflow it
 * discards what is still queued (a dump supersedes it), logs it and delivers
 * one RTNL_EV_RESYNC last. Returns the number of events delivered (0: nothing
 * pending) or -errno.
 */
int rtnl_monitor_read(struct rtnl_monitor *m);
void rtnl_monitor_close(struct rtnl_monitor *m);

/* --- forwarding ----------------------------------------------------------------- */

/*
 * Saved global forwarding switches. wgnm only touches the global ones
 * (net.ipv4.ip_forward, net.ipv6.conf.all.forwarding): a write there is
 * copied to every interface and to "default" (inherited by interfaces created
 * later, like the WireGuard one), and IPv6 forwarding requires the "all"
 * switch anyway, so a per-interface write would add nothing.
 */
struct rtnl_forwarding {
	int old_v4; /* value before we changed it; -1 = untouched */
	int old_v6;
};

#define RTNL_FORWARDING_INIT                                                                       \
	{                                                                                          \
		-1, -1                                                                             \
	}

/*
 * Turns IPv4 forwarding on (and IPv6 when ipv6), remembering the old values
 * in st and logging each change. Already on: nothing changed, nothing to
 * restore.
 */
int rtnl_forwarding_enable(struct rtnl_forwarding *st, bool ipv6);
/* Puts back what rtnl_forwarding_enable changed; st is reset. */
int rtnl_forwarding_restore(struct rtnl_forwarding *st);

/* --- local candidate addresses -------------------------------------------------- */

/*
 * The pure filter: from addrs (and the links they sit on) keep global unicast
 * addresses of up, non-loopback links other than exclude_ifindex, not in
 * overlay (may be NULL), not loopback/link-local/multicast/unspecified, scope
 * below link, and for IPv6 not tentative, deprecated or DAD-failed. Duplicates
 * are dropped; order is kept. Writes at most max to out; returns the count.
 */
size_t rtnl_candidates_filter(const struct rtnl_addr *addrs, size_t naddrs,
                              const struct rtnl_link *links, size_t nlinks, int exclude_ifindex,
                              const struct ipprefix *overlay, struct rtnl_addr *out, size_t max);
/* Dumps links and addresses and applies the filter. Returns the count or -errno. */
int rtnl_local_candidates(struct rtnl *r, int exclude_ifindex, const struct ipprefix *overlay,
                          struct rtnl_addr *out, size_t max);

#endif
