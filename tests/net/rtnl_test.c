/*
 * rtnl_test: a command-line driver for platform/rtnl, used by tests/net/rtnl.sh
 * inside a network namespace the script created. It calls nothing but the rtnl
 * module; the script cross-checks the results with `ip`.
 *
 * NAME may be an ifindex (digits), e.g. to delete a link that is gone.
 *
 *   rtnl_test link-add NAME KIND | link-del NAME | link-up NAME | link-down NAME
 *   rtnl_test link-mtu NAME MTU | link-show NAME
 *   rtnl_test addr-add NAME ADDR/LEN | addr-del NAME ADDR/LEN | addr-list NAME
 *   rtnl_test route-add|route-replace|route-del NAME PREFIX [METRIC]
 *   rtnl_test route-flush NAME | route-list NAME
 *   rtnl_test monitor NAME KIND NEWNAME     changes things itself, checks the events
 *   rtnl_test overflow NAME                 tiny receive buffer + burst => RESYNC
 *   rtnl_test forwarding [v6]               enable, report, restore
 *   rtnl_test candidates EXCLUDE OVERLAY    local candidate addresses, one a line
 *
 * Mutating commands print "rc=N" (N >= 0: 0 done, 1 nothing to do) or
 * "rc=N err=STRERROR msg=EXTACK" and exit 1 on error. Addresses are always
 * added with IFA_F_NOPREFIXROUTE.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/if_addr.h>

#include "platform/rtnl.h"
#include "src/log.h"

static struct rtnl *r;

static int
report(int rc)
{
	if (rc < 0) {
		printf("rc=%d err=%s msg=%s\n", rc, strerror(-rc), rtnl_errmsg(r));
		return 1;
	}
	printf("rc=%d\n", rc);
	return 0;
}

/* A link name, or an ifindex when it starts with a digit (tagged names never do). */
static int
ifindex_of(const char *name)
{
	int idx;

	if (name[0] >= '0' && name[0] <= '9')
		return atoi(name);
	idx = rtnl_link_index(r, name);

	if (idx < 0) {
		fprintf(stderr, "rtnl_test: %s: %s\n", name, strerror(-idx));
		exit(1);
	}
	return idx;
}

static void
parse_prefix(const char *s, struct ipprefix *p, bool host_bits)
{
	if (ipprefix_parse(p, s, host_bits) < 0) {
		fprintf(stderr, "rtnl_test: bad prefix %s\n", s);
		exit(2);
	}
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- monitor ------------------------------------------------------------------ */

struct seen {
	int ifindex, newindex;
	struct ipaddr addr;
	bool addr_added, addr_removed, link_down, link_up, link_added, link_removed, resync;
	unsigned events;
};

static void
print_event(const struct rtnl_event *ev)
{
	char buf[IPADDR_STRLEN];

	switch (ev->type) {
	case RTNL_EV_LINK_ADDED:
	case RTNL_EV_LINK_CHANGED:
	case RTNL_EV_LINK_REMOVED:
		printf("event link-%s %s kind=%s up=%d changed=0x%x\n",
		       ev->type == RTNL_EV_LINK_ADDED     ? "added"
		       : ev->type == RTNL_EV_LINK_CHANGED ? "changed"
		                                          : "removed",
		       ev->link.name, ev->link.kind, (ev->link.flags & IFF_UP) != 0, ev->changed);
		break;
	case RTNL_EV_ADDR_ADDED:
	case RTNL_EV_ADDR_REMOVED:
		printf("event addr-%s ifindex=%d %s/%u flags=0x%x\n",
		       ev->type == RTNL_EV_ADDR_ADDED ? "added" : "removed", ev->addr.ifindex,
		       ipaddr_fmt(&ev->addr.addr, buf, sizeof(buf)), ev->addr.prefixlen,
		       ev->addr.flags);
		break;
	case RTNL_EV_ROUTE_ADDED:
	case RTNL_EV_ROUTE_REMOVED:
		printf("event route-%s\n", ev->type == RTNL_EV_ROUTE_ADDED ? "added" : "removed");
		break;
	case RTNL_EV_RESYNC:
		printf("event resync\n");
		break;
	}
}

static void
monitor_cb(const struct rtnl_event *ev, void *arg)
{
	struct seen *s = arg;

	s->events++;
	if (!(ev->type == RTNL_EV_ADDR_ADDED && s->resync))
		print_event(ev); /* the overflow burst is not worth printing */
	switch (ev->type) {
	case RTNL_EV_LINK_ADDED:
		if (s->newindex == 0)
			s->newindex = ev->link.ifindex;
		s->link_added = true;
		break;
	case RTNL_EV_LINK_REMOVED:
		if (ev->link.ifindex == s->newindex)
			s->link_removed = true;
		break;
	case RTNL_EV_LINK_CHANGED:
		if (ev->link.ifindex == s->ifindex && (ev->changed & IFF_UP))
			*((ev->link.flags & IFF_UP) ? &s->link_up : &s->link_down) = true;
		break;
	case RTNL_EV_ADDR_ADDED:
		if (ev->addr.ifindex == s->ifindex && ipaddr_equal(&ev->addr.addr, &s->addr))
			s->addr_added = true;
		break;
	case RTNL_EV_ADDR_REMOVED:
		if (ev->addr.ifindex == s->ifindex && ipaddr_equal(&ev->addr.addr, &s->addr))
			s->addr_removed = true;
		break;
	case RTNL_EV_RESYNC:
		s->resync = true;
		break;
	default:
		break;
	}
}

/* Reads events until done(s) or timeout_s; returns whether done. */
static bool
pump(struct rtnl_monitor *m, struct seen *s, bool (*done)(const struct seen *), double timeout_s)
{
	double end = now_s() + timeout_s;
	struct pollfd pfd = {.fd = rtnl_monitor_fd(m), .events = POLLIN};
	int rounds;

	for (rounds = 0; rounds < 1000 && !done(s); rounds++) {
		double left = end - now_s();
		int err;

		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			return false;
		err = rtnl_monitor_read(m);
		if (err < 0) {
			fprintf(stderr, "rtnl_monitor_read: %s\n", strerror(-err));
			return false;
		}
	}
	fflush(stdout);
	return done(s);
}

static bool
all_seen(const struct seen *s)
{
	return s->addr_added && s->addr_removed && s->link_down && s->link_up && s->link_added &&
	       s->link_removed;
}

static int
cmd_monitor(const char *name, const char *kind, const char *newname)
{
	struct rtnl_monitor *m;
	struct seen s = {0};
	int err, newidx;

	s.ifindex = ifindex_of(name);
	ipaddr_parse(&s.addr, "10.99.0.1");
	err = rtnl_monitor_open(&m, 0, 0, monitor_cb, &s);
	if (err < 0)
		return report(err);
	if (rtnl_addr_add(r, s.ifindex, &s.addr, 24, IFA_F_NOPREFIXROUTE) != 0 ||
	    rtnl_addr_del(r, s.ifindex, &s.addr, 24) != 0 ||
	    rtnl_link_set_up(r, s.ifindex, false) < 0 || rtnl_link_set_up(r, s.ifindex, true) < 0 ||
	    rtnl_link_add(r, newname, kind) < 0) {
		printf("setup failed: %s\n", rtnl_errmsg(r));
		return 1;
	}
	newidx = ifindex_of(newname);
	if (rtnl_link_del(r, newidx) != 0) {
		printf("link del failed\n");
		return 1;
	}
	s.newindex = newidx;
	err = pump(m, &s, all_seen, 5.0) ? 0 : 1;
	printf("seen addr_added=%d addr_removed=%d link_down=%d link_up=%d link_added=%d "
	       "link_removed=%d\n",
	       s.addr_added, s.addr_removed, s.link_down, s.link_up, s.link_added, s.link_removed);
	rtnl_monitor_close(m);
	return err;
}

static bool
resync_seen(const struct seen *s)
{
	return s->resync;
}

static bool
addr_seen(const struct seen *s)
{
	return s->addr_added;
}

static int
cmd_overflow(const char *name)
{
	struct rtnl_monitor *m;
	struct seen s = {0};
	struct ipaddr a;
	int err, i, failed = 0;

	s.ifindex = ifindex_of(name);
	err = rtnl_monitor_open(&m, 0, 1, monitor_cb, &s); /* the kernel rounds up to its minimum */
	if (err < 0)
		return report(err);
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	for (i = 0; i < 400; i++) {
		a.bytes[0] = 10;
		a.bytes[1] = 98;
		a.bytes[2] = (uint8_t)(i >> 8);
		a.bytes[3] = (uint8_t)(i & 0xff);
		if (rtnl_addr_add(r, s.ifindex, &a, 32, IFA_F_NOPREFIXROUTE) < 0)
			failed++;
	}
	for (i = 0; i < 400; i++) {
		a.bytes[2] = (uint8_t)(i >> 8);
		a.bytes[3] = (uint8_t)(i & 0xff);
		if (rtnl_addr_del(r, s.ifindex, &a, 32) < 0)
			failed++;
	}
	if (failed)
		printf("burst: %d operations failed\n", failed);
	if (!pump(m, &s, resync_seen, 5.0)) {
		printf("no resync after %u events\n", s.events);
		rtnl_monitor_close(m);
		return 1;
	}
	printf("resync after %u events\n", s.events);
	/* The monitor keeps working after the overflow. */
	s.resync = false;
	s.addr_added = false;
	ipaddr_parse(&s.addr, "10.99.0.2");
	rtnl_addr_add(r, s.ifindex, &s.addr, 32, IFA_F_NOPREFIXROUTE);
	err = pump(m, &s, addr_seen, 5.0) ? 0 : 1;
	printf("after resync: address event %s\n", err ? "missing" : "seen");
	rtnl_addr_del(r, s.ifindex, &s.addr, 32);
	rtnl_monitor_close(m);
	return err || failed;
}

/* --- the rest ----------------------------------------------------------------- */

static int
read_int(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int
cmd_forwarding(bool v6)
{
	struct rtnl_forwarding st = RTNL_FORWARDING_INIT;
	const char *p4 = "/proc/sys/net/ipv4/ip_forward";
	const char *p6 = "/proc/sys/net/ipv6/conf/all/forwarding";
	int err;

	printf("before v4=%d v6=%d\n", read_int(p4), read_int(p6));
	err = rtnl_forwarding_enable(&st, v6);
	printf("during v4=%d v6=%d saved_v4=%d saved_v6=%d\n", read_int(p4), read_int(p6),
	       st.old_v4, st.old_v6);
	if (err < 0)
		return report(err);
	err = rtnl_forwarding_restore(&st);
	printf("after v4=%d v6=%d\n", read_int(p4), read_int(p6));
	return report(err);
}

static int
cmd_route(const char *cmd, const char *name, const char *prefix, const char *metric)
{
	struct rtnl_route rt = {0};

	parse_prefix(prefix, &rt.dst, false);
	rt.oif = ifindex_of(name);
	rt.metric = metric ? (uint32_t)strtoul(metric, NULL, 10) : 0;
	if (strcmp(cmd, "route-add") == 0)
		return report(rtnl_route_add(r, &rt));
	if (strcmp(cmd, "route-replace") == 0)
		return report(rtnl_route_replace(r, &rt));
	return report(rtnl_route_del(r, &rt));
}

static int
cmd_route_list(const char *name)
{
	struct rtnl_route *rts;
	char buf[IPPREFIX_STRLEN];
	size_t n, i;
	int idx = ifindex_of(name), err;

	err = rtnl_route_dump(r, AF_UNSPEC, &rts, &n);
	if (err < 0)
		return report(err);
	for (i = 0; i < n; i++)
		if (rts[i].oif == idx)
			printf("%s proto %u table %u metric %u\n",
			       ipprefix_fmt(&rts[i].dst, buf, sizeof(buf)), rts[i].protocol,
			       rts[i].table, rts[i].metric);
	free(rts);
	return 0;
}

static int
cmd_addr_list(const char *name)
{
	struct rtnl_addr *as;
	char buf[IPADDR_STRLEN];
	size_t n, i;
	int err;

	err = rtnl_addr_dump(r, ifindex_of(name), AF_UNSPEC, &as, &n);
	if (err < 0)
		return report(err);
	for (i = 0; i < n; i++)
		printf("%s/%u flags=0x%x scope=%u\n", ipaddr_fmt(&as[i].addr, buf, sizeof(buf)),
		       as[i].prefixlen, as[i].flags, as[i].scope);
	free(as);
	return 0;
}

static int
cmd_candidates(const char *exclude, const char *overlay)
{
	struct rtnl_addr out[64];
	struct ipprefix p;
	char buf[IPADDR_STRLEN];
	int n, i;

	parse_prefix(overlay, &p, false);
	n = rtnl_local_candidates(r, ifindex_of(exclude), &p, out, 64);
	if (n < 0)
		return report(n);
	for (i = 0; i < n; i++)
		printf("%s\n", ipaddr_fmt(&out[i].addr, buf, sizeof(buf)));
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: see the comment at the top of tests/net/rtnl_test.c\n");
	return 2;
}

static int
run(int argc, char **argv)
{
	const char *cmd = argv[1], *name = argc > 2 ? argv[2] : NULL;
	struct rtnl_link l;
	struct ipprefix p;
	int err;

	if (argc == 2 && strcmp(cmd, "forwarding") == 0)
		return cmd_forwarding(false);
	if (argc == 3 && strcmp(cmd, "forwarding") == 0 && strcmp(argv[2], "v6") == 0)
		return cmd_forwarding(true);
	if (name == NULL)
		return usage();
	if (argc == 4 && strcmp(cmd, "link-add") == 0)
		return report(rtnl_link_add(r, name, argv[3]));
	if (argc == 3 && strcmp(cmd, "link-del") == 0)
		return report(rtnl_link_del(r, ifindex_of(name)));
	if (argc == 3 && strcmp(cmd, "link-up") == 0)
		return report(rtnl_link_set_up(r, ifindex_of(name), true));
	if (argc == 3 && strcmp(cmd, "link-down") == 0)
		return report(rtnl_link_set_up(r, ifindex_of(name), false));
	if (argc == 4 && strcmp(cmd, "link-mtu") == 0)
		return report(rtnl_link_set_mtu(r, ifindex_of(name), (unsigned)atoi(argv[3])));
	if (argc == 3 && strcmp(cmd, "link-show") == 0) {
		err = rtnl_link_get(r, 0, name, &l);
		if (err < 0)
			return report(err);
		printf("ifindex=%d name=%s kind=%s mtu=%u up=%d\n", l.ifindex, l.name, l.kind,
		       l.mtu, (l.flags & IFF_UP) != 0);
		return 0;
	}
	if (argc == 4 && (strcmp(cmd, "addr-add") == 0 || strcmp(cmd, "addr-del") == 0)) {
		parse_prefix(argv[3], &p, true);
		if (strcmp(cmd, "addr-add") == 0)
			return report(rtnl_addr_add(r, ifindex_of(name), &p.addr, p.len,
			                            IFA_F_NOPREFIXROUTE));
		return report(rtnl_addr_del(r, ifindex_of(name), &p.addr, p.len));
	}
	if (argc == 3 && strcmp(cmd, "addr-list") == 0)
		return cmd_addr_list(name);
	if ((argc == 4 || argc == 5) && strncmp(cmd, "route-", 6) == 0 &&
	    (strcmp(cmd, "route-add") == 0 || strcmp(cmd, "route-replace") == 0 ||
	     strcmp(cmd, "route-del") == 0))
		return cmd_route(cmd, name, argv[3], argc == 5 ? argv[4] : NULL);
	if (argc == 3 && strcmp(cmd, "route-flush") == 0)
		return report(rtnl_route_flush_proto(r, ifindex_of(name), RTNL_PROTO_WGNM));
	if (argc == 3 && strcmp(cmd, "route-list") == 0)
		return cmd_route_list(name);
	if (argc == 5 && strcmp(cmd, "monitor") == 0)
		return cmd_monitor(name, argv[3], argv[4]);
	if (argc == 3 && strcmp(cmd, "overflow") == 0)
		return cmd_overflow(name);
	if (argc == 4 && strcmp(cmd, "candidates") == 0)
		return cmd_candidates(name, argv[3]);
	return usage();
}

int
main(int argc, char **argv)
{
	int err, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init(LOG_TO_STDERR, 1, "rtnl_test");
	if (argc < 2)
		return usage();
	err = rtnl_open(&r);
	if (err < 0) {
		fprintf(stderr, "rtnl_open: %s\n", strerror(-err));
		return 1;
	}
	rc = run(argc, argv);
	rtnl_close(r);
	return rc;
}
