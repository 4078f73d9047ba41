#!/bin/sh
# Mesh core behind NATs (nftables masquerade): public static node b; a behind
# its own NAT; c and d behind one home NAT. Every ordered pair reaches every
# other over the overlay within a bounded time, and traffic between NATed
# nodes is relayed by b: a ping burst c -> a shows up on b's underlay.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
net_init n
net_need nft
wgnm_init
plan 5

topo_layout_a
wgnm_net 203.0.113.2:50002,50502,10.1.1.2
wgnm_start b 10.1.1.2
wgnm_start a 10.1.1.1
wgnm_start c 10.1.1.3
wgnm_start d 10.1.1.4

if wgnm_all_reach 30 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3 d:10.1.1.4; then
	ok "every ordered pair of 4 nodes reachable in ${wgnm_elapsed} s"
else
	not_ok "every ordered pair reachable within 30 s"
	wgnm_dump_logs
fi

# Relayed: 20 pings c -> a cross b's underlay twice each (in and out).
set -- $(topo_ifstat b)
rx0=$1
ip netns exec "${tag}c" ping -q -c 20 -i 0.05 -W 1 10.1.1.1 >/dev/null 2>&1
set -- $(topo_ifstat b)
rx1=$1
if [ $((rx1 - rx0)) -ge 40 ]; then
	ok "c -> a relayed by b ($((rx1 - rx0)) packets on b's underlay for 20 pings)"
else
	not_ok "c -> a relayed by b (only $((rx1 - rx0)) packets on b's underlay)"
fi
check "c's only WireGuard peer is b" \
	sh -c "[ \$(ip netns exec ${tag}c wg show ${tag}c peers | wc -l) -eq 1 ]"
check "b learnt c's NATed endpoint (the home router's public address)" \
	sh -c "ip netns exec ${tag}b wg show ${tag}b endpoints | grep -q '203.0.113.20:'"
check "b has a peer for each of a, c, d" \
	sh -c "[ \$(ip netns exec ${tag}b wg show ${tag}b peers | wc -l) -eq 3 ]"
tap_done
