/*
 * rtnl_filter_test: the local candidate filter (rtnl_candidates_filter) on
 * fixed link and address tables. Each row is checked alone (kept or dropped,
 * and why), then the whole table at once for order, duplicates and the limit.
 */
#include "config.h"

#include <stdlib.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "platform/rtnl.h"
#include "tests/tap.h"

enum { LO = 1, ETH0 = 2, WG0 = 3, ETH1 = 4, ETH2 = 5, GONE = 9 };

static const struct rtnl_link links[] = {
    {.ifindex = LO, .name = "lo", .flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING},
    {.ifindex = ETH0, .name = "eth0", .flags = IFF_UP | IFF_RUNNING},
    {.ifindex = WG0, .name = "wg0", .kind = "wireguard", .flags = IFF_UP | IFF_POINTOPOINT},
    {.ifindex = ETH1, .name = "eth1", .flags = 0}, /* down */
    {.ifindex = ETH2, .name = "eth2", .flags = IFF_UP},
};

struct row {
	int ifindex;
	const char *addr;
	uint8_t prefixlen;
	uint8_t scope;
	uint32_t flags;
	int keep;
	const char *why;
};

static const struct row rows[] = {
    {LO, "127.0.0.1", 8, RT_SCOPE_HOST, 0, 0, "loopback link"},
    {ETH0, "198.51.100.7", 24, RT_SCOPE_UNIVERSE, 0, 1, "global IPv4 on an up link"},
    {ETH0, "10.77.1.1", 16, RT_SCOPE_UNIVERSE, IFA_F_NOPREFIXROUTE, 0, "inside the overlay"},
    {WG0, "10.77.1.2", 16, RT_SCOPE_UNIVERSE, 0, 0, "on the excluded link"},
    {WG0, "203.0.113.9", 24, RT_SCOPE_UNIVERSE, 0, 0, "on the excluded link, not overlay"},
    {ETH1, "192.0.2.1", 24, RT_SCOPE_UNIVERSE, 0, 0, "link is down"},
    {GONE, "192.168.9.9", 24, RT_SCOPE_UNIVERSE, 0, 0, "link unknown"},
    {ETH0, "169.254.1.1", 16, RT_SCOPE_UNIVERSE, 0, 0, "IPv4 link-local"},
    {ETH0, "fe80::1", 64, RT_SCOPE_LINK, IFA_F_PERMANENT, 0, "IPv6 link-local"},
    {ETH0, "2001:db8::7", 64, RT_SCOPE_UNIVERSE, IFA_F_PERMANENT, 1, "global IPv6"},
    {ETH0, "2001:db8::8", 64, RT_SCOPE_UNIVERSE, IFA_F_TENTATIVE, 0, "IPv6 tentative"},
    {ETH0, "2001:db8::9", 64, RT_SCOPE_UNIVERSE, IFA_F_DEPRECATED, 0, "IPv6 deprecated"},
    {ETH0, "2001:db8::a", 64, RT_SCOPE_UNIVERSE, IFA_F_DADFAILED | IFA_F_TENTATIVE, 0,
     "IPv6 DAD failed"},
    {ETH2, "192.168.1.5", 24, RT_SCOPE_HOST, 0, 0, "host scope"},
    {ETH2, "192.168.1.6", 24, RT_SCOPE_LINK, 0, 0, "link scope"},
    {ETH2, "192.168.1.7", 24, RT_SCOPE_SITE, 0, 1, "site scope is below link"},
    {ETH2, "224.0.0.5", 32, RT_SCOPE_UNIVERSE, 0, 0, "multicast"},
    {ETH2, "0.0.0.0", 0, RT_SCOPE_UNIVERSE, 0, 0, "unspecified"},
    {ETH2, "::1", 128, RT_SCOPE_UNIVERSE, 0, 0, "loopback address on another link"},
    {ETH2, "127.0.0.2", 8, RT_SCOPE_UNIVERSE, 0, 0, "IPv4 loopback range elsewhere"},
    {ETH2, "fd00::5", 64, RT_SCOPE_UNIVERSE, 0, 1, "ULA is a usable LAN address"},
    {ETH2, "198.51.100.7", 24, RT_SCOPE_UNIVERSE, 0, 1, "alone: kept (a duplicate in the table)"},
    {ETH2, "10.78.0.1", 24, RT_SCOPE_UNIVERSE, 0, 1, "just outside the overlay"},
    {ETH2, "10.77.255.255", 16, RT_SCOPE_UNIVERSE, 0, 0, "overlay upper edge"},
};

#define NROWS  (sizeof(rows) / sizeof(rows[0]))
#define NLINKS (sizeof(links) / sizeof(links[0]))

static struct rtnl_addr
row_addr(const struct row *r)
{
	struct rtnl_addr a;

	memset(&a, 0, sizeof(a));
	a.ifindex = r->ifindex;
	if (ipaddr_parse(&a.addr, r->addr) < 0) {
		fprintf(stderr, "bad test address %s\n", r->addr);
		exit(2);
	}
	a.prefixlen = r->prefixlen;
	a.scope = r->scope;
	a.flags = r->flags;
	return a;
}

int
main(void)
{
	struct rtnl_addr all[NROWS], out[NROWS];
	struct ipprefix overlay;
	char buf[IPADDR_STRLEN];
	size_t i, n;

	if (ipprefix_parse(&overlay, "10.77.0.0/16", false) < 0)
		return 2;

	/* Each row alone. */
	for (i = 0; i < NROWS; i++) {
		all[i] = row_addr(&rows[i]);
		n = rtnl_candidates_filter(&all[i], 1, links, NLINKS, WG0, &overlay, out, 1);
		is_int(n, rows[i].keep, "%s %s: %s", rows[i].keep ? "keeps" : "drops", rows[i].addr,
		       rows[i].why);
	}

	/* The whole table: order kept, the second 198.51.100.7 dropped. */
	{
		static const char *const want[] = {"198.51.100.7", "2001:db8::7", "192.168.1.7",
		                                   "fd00::5", "10.78.0.1"};
		const size_t nwant = sizeof(want) / sizeof(want[0]);

		n = rtnl_candidates_filter(all, NROWS, links, NLINKS, WG0, &overlay, out, NROWS);
		is_int(n, nwant, "whole table: %zu candidates", nwant);
		for (i = 0; i < n && i < nwant; i++)
			is_str(ipaddr_fmt(&out[i].addr, buf, sizeof(buf)), want[i],
			       "whole table: candidate %zu", i);
		ok(n > 0 && out[0].ifindex == ETH0 && out[0].prefixlen == 24,
		   "the first copy of a duplicate is the one kept (ifindex, prefixlen)");
	}

	/* The limit: at most max written, in order. */
	n = rtnl_candidates_filter(all, NROWS, links, NLINKS, WG0, &overlay, out, 2);
	is_int(n, 2, "max 2: two written");
	is_str(ipaddr_fmt(&out[1].addr, buf, sizeof(buf)), "2001:db8::7", "max 2: in order");
	n = rtnl_candidates_filter(all, NROWS, links, NLINKS, WG0, &overlay, out, 0);
	is_int(n, 0, "max 0: nothing written");

	/* No overlay, no excluded link: wg0's and the overlay addresses come back. */
	n = rtnl_candidates_filter(all, NROWS, links, NLINKS, 0, NULL, out, NROWS);
	is_int(n, 9, "no overlay, nothing excluded: 9 candidates");

	/* No links known: nothing is up, nothing is kept. */
	n = rtnl_candidates_filter(all, NROWS, NULL, 0, WG0, &overlay, out, NROWS);
	is_int(n, 0, "no links: nothing");

	/* Empty address list. */
	n = rtnl_candidates_filter(NULL, 0, links, NLINKS, WG0, &overlay, out, NROWS);
	is_int(n, 0, "no addresses: nothing");

	return tap_done();
}
