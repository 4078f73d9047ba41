#!/bin/sh
# Mesh core, one LAN: three nodes, one of them the static peer. Every ordered
# pair reaches every other over the overlay: at once through the static node,
# then b and c directly on their LAN.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
net_init l
wgnm_init
plan 9

topo_layout_lan 3 # a=192.168.50.2 b=.3 c=.4
wgnm_net 192.168.50.2:50001,50501,10.1.1.1
wgnm_start a 10.1.1.1
wgnm_start b 10.1.1.2
wgnm_start c 10.1.1.3

wgnm_check_reach 20 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3

# What wgnm configured, cross-checked with the wg tool.
check "a has b and c as WireGuard peers" \
	sh -c "[ \$(ip netns exec ${tag}a wg show ${tag}a peers | wc -l) -eq 2 ]"
b_direct_c() {
	ip netns exec "${tag}b" wg show "${tag}b" allowed-ips | grep "10.1.1.3/32" |
		grep -q "^$(ip netns exec "${tag}c" wg show "${tag}c" public-key)"
}
check "b and c go direct on the LAN: c's /32 on c's own peer in b" wait_for 15 b_direct_c
check "b has both a and c as WireGuard peers" \
	sh -c "[ \$(ip netns exec ${tag}b wg show ${tag}b peers | wc -l) -eq 2 ]"
check "b has a kernel route for c, protocol wgnm (110)" \
	sh -c "ip -n ${tag}b route show proto 110 | grep -q '^10.1.1.3 dev ${tag}b'"
check "address added with noprefixroute" \
	sh -c "ip -n ${tag}b addr show dev ${tag}b | grep '10.1.1.2/16' | grep -q noprefixroute"
check "no subnet route: only wgnm's /32s" \
	sh -c "! ip -n ${tag}b route show | grep -q '^10.1.0.0/16'"
fwd_on() { [ "$(ip netns exec "${tag}a" cat /proc/sys/net/ipv4/ip_forward)" = 1 ]; }
check "a node with two working links may relay: IPv4 forwarding on in a" wait_for 10 fwd_on
check "b's WireGuard key is the one derived from its identity (stable file)" \
	test -s "$wgnm_dir/b/identity"
tap_done
