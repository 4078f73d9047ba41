#!/bin/sh
# Mesh core behind NATs (nftables masquerade): public static node b; a behind
# its own NAT; c and d behind one home NAT. Every ordered pair reaches every
# other over the overlay within a bounded time (through b at first; direct
# paths are paths_a.sh's business, relaying through b for pairs that stay
# indirect is checked in paths_c.sh).
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
net_init n
net_need nft
wgnm_init
plan 3

topo_layout_a
wgnm_start_a

wgnm_check_reach 30 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3 d:10.1.1.4

check "b learnt c's NATed endpoint (the home router's public address)" \
	sh -c "ip netns exec ${tag}b wg show ${tag}b endpoints | grep -q '203.0.113.20:'"
check "b has a peer for each of a, c, d" \
	sh -c "[ \$(ip netns exec ${tag}b wg show ${tag}b peers | wc -l) -eq 3 ]"
tap_done
