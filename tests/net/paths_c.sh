#!/bin/sh
# Direct paths, topology C: a and c each behind an endpoint-dependent
# ("symmetric") NAT (masquerade with random ports). They cannot be punched:
# they stay reachable through the public node b, the attempts stop after a
# bounded number with backoff, and the reason is recorded.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
. "${top_srcdir:-.}/tests/net/paths_lib.sh"
net_init s
net_need nft
wgnm_init
plan 5

topo_layout_c
wgnm_net 203.0.113.2:50002,50502,10.1.1.2
wgnm_start b 10.1.1.2
wgnm_start a 10.1.1.1
wgnm_start c 10.1.1.3
wgnm_check_reach 30 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3
# the punch fails (punch_timeout 10 s): the reason lands in the log
check "the failed punch is recorded with its reason" \
	wait_for 30 grep -q "direct path to .*: no handshake on the reflexive endpoints" \
	"$wgnm_dir/a.log" "$wgnm_dir/c.log"
check "a -> c relayed by b" relayed_by b a c 10.1.1.3
check "c -> a relayed by b" relayed_by b c a 10.1.1.1
check "no direct WireGuard peer between a and c" \
	sh -c "[ \$(ip netns exec ${tag}a wg show ${tag}a peers | wc -l) -eq 1 ]"
tap_done
