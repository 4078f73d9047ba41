#!/bin/sh
# Mesh core, address conflicts: a newcomer with a fresh identity that claims
# the address of a live node is refused; the live node keeps its address and
# its traffic; both sides say so in their logs.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
net_init c
wgnm_init
plan 7

topo_layout_lan 3 # a=.2 (static) b=.3 c=.4
wgnm_net 192.168.50.2:50001,50501,10.1.1.1
wgnm_start a 10.1.1.1
wgnm_start b 10.1.1.2
if wgnm_all_reach 20 a:10.1.1.1 b:10.1.1.2; then
	ok "a and b converged in ${wgnm_elapsed} s"
else
	not_ok "a and b converged"
	wgnm_dump_logs
fi
b_key=$(ip netns exec "${tag}b" wg show "${tag}b" public-key)

# c claims b's address with its own identity (and its own ports).
wgnm_start c 10.1.1.2 -w 50003 -u 50503
check "the newcomer is told and logs the conflict" \
	wait_for 10 grep -q "address 10.1.1.2 is held by node b" "$wgnm_dir/c.log"
check "the static node logs the refusal" \
	wait_for 5 grep -q "refused record .* claims 10.1.1.2, which node b holds" "$wgnm_dir/a.log"
check "the live holder is told too" \
	wait_for 5 grep -q "claimed our address 10.1.1.2; it was refused" "$wgnm_dir/b.log"
holder_is_b() {
	ip netns exec "${tag}a" wg show "${tag}a" allowed-ips | grep "10.1.1.2/32" | grep -q "^$b_key"
}
check "10.1.1.2 stays with b's WireGuard key on the gateway" holder_is_b
check "a still reaches b" wgnm_reach a 10.1.1.2
check "the newcomer got no route to the mesh" sh -c "! ip netns exec ${tag}c ping -c1 -W1 10.1.1.1"
tap_done
