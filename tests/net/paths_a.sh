#!/bin/sh
# Direct paths, topology A: public static b; a behind its own NAT; c and d
# behind one home NAT. Every pair reaches every other; c-d end up direct on
# their LAN; a-c and a-d end up direct through NAT traversal. "Direct" is
# checked without trusting wgnm: during a burst of overlay pings X -> Y the
# underlay counters of every other node (and of the NAT routers not on the
# path) stay flat.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
. "${top_srcdir:-.}/tests/net/paths_lib.sh"
net_init p
net_need nft
wgnm_init
plan 8

topo_layout_a
wgnm_start_a
wgnm_check_reach 30 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3 d:10.1.1.4

t0=$(date +%s)
if wait_direct 20 c 10.1.1.3 d 10.1.1.4 b a na; then
	ok "c-d direct on their LAN within $(($(date +%s) - t0)) s of convergence"
else
	not_ok "c-d direct on their LAN within 20 s"
fi
t0=$(date +%s)
if wait_direct 20 a 10.1.1.1 c 10.1.1.3 b d; then
	ok "a-c direct through NAT traversal within $(($(date +%s) - t0)) s"
else
	not_ok "a-c direct through NAT traversal within 20 s"
fi
t0=$(date +%s)
if wait_direct 20 a 10.1.1.1 d 10.1.1.4 b c; then
	ok "a-d direct through NAT traversal within $(($(date +%s) - t0)) s"
else
	not_ok "a-d direct through NAT traversal within 20 s"
	wgnm_dump_logs
fi
check "reverse direction d -> a direct too" direct d 10.1.1.4 a 10.1.1.1 b c
check "a's WireGuard has a direct peer at the home router's public address" \
	sh -c "ip netns exec ${tag}a wg show ${tag}a endpoints | grep -q '203.0.113.20:'"
check "c's WireGuard reaches d at its LAN address" \
	sh -c "ip netns exec ${tag}c wg show ${tag}c endpoints | grep -q '192.168.2.3:'"
check "a-b still direct (gateway link)" direct a 10.1.1.1 b 10.1.1.2 c d
tap_done
