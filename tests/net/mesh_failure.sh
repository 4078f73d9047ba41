#!/bin/sh
# Mesh core, failures: (c) a node killed with SIGKILL is withdrawn by the
# others within the documented bound (dead interval 16 s + a tick + flooding:
# 20 s); restarted with its state directory it is reachable again with the same
# keys. (d) a node stopped with SIGTERM says BYE (the others drop it at once)
# and leaves no interface, address, route or process behind.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
net_init f
wgnm_init
plan 13

topo_layout_lan 4 # a=.2 (static) b=.3 c=.4 d=.5
wgnm_net 192.168.50.2:50001,50501,10.1.1.1
wgnm_start a 10.1.1.1
wgnm_start b 10.1.1.2
wgnm_start c 10.1.1.3
wgnm_start d 10.1.1.4
wgnm_check_reach 30 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3 d:10.1.1.4

# The gateway a holds c's /32; b has a kernel route to it.
gone_from_a() { ! ip netns exec "${tag}a" wg show "${tag}a" allowed-ips | grep -q '10.1.1.3/32'; }
gone_from_b() { ! ip -n "${tag}b" route show proto 110 | grep -q '^10.1.1.3 '; }
key_before=$(ip netns exec "${tag}c" wg show "${tag}c" public-key)

# (c) SIGKILL: no BYE. wireguard-go keeps answering handshakes: only the
# missing pings can tell.
t0=$(date +%s)
wgnm_stop c KILL
if wait_for 25 gone_from_a && wait_for 5 gone_from_b; then
	ok "killed node withdrawn by the gateway and the others in $(($(date +%s) - t0)) s (bound 20 s + slack)"
else
	not_ok "killed node withdrawn within 25 s"
	wgnm_dump_logs
fi
check "b still reaches d" wgnm_reach b 10.1.1.4

t0=$(date +%s)
wgnm_start c 10.1.1.3
if wait_for 15 wgnm_reach b 10.1.1.3 && wait_for 5 wgnm_reach c 10.1.1.4; then
	ok "restarted node reachable again in $(($(date +%s) - t0)) s"
else
	not_ok "restarted node reachable again within 15 s"
	wgnm_dump_logs
fi
is_same_key() { [ "$(ip netns exec "${tag}c" wg show "${tag}c" public-key)" = "$key_before" ]; }
check "same WireGuard key after the restart" is_same_key
check "the restart reclaimed the interface the killed run left" \
	grep -q "left over by a previous run" "$wgnm_dir/c.log"

# (d) SIGTERM: BYE first, then everything removed.
t0=$(date +%s)
wgnm_stop d TERM
gone_d_from_a() { ! ip netns exec "${tag}a" wg show "${tag}a" allowed-ips | grep -q '10.1.1.4/32'; }
if wait_for 3 gone_d_from_a; then
	ok "SIGTERM: the others dropped d at once ($(($(date +%s) - t0)) s)"
else
	not_ok "SIGTERM: the others dropped d within 3 s"
fi
check "SIGTERM: interface gone" sh -c "! ip -n ${tag}d link show ${tag}d"
check "SIGTERM: no wgnm routes left" sh -c "[ -z \"\$(ip -n ${tag}d route show proto 110)\" ]"
check "SIGTERM: no overlay address left" sh -c "! ip -n ${tag}d addr | grep -q 10.1.1.4"
check "SIGTERM: no process left in the namespace" sh -c "[ -z \"\$(ip netns pids ${tag}d)\" ]"
check "SIGTERM: no UAPI socket left" test ! -e "/var/run/wireguard/${tag}d.sock"
check "SIGTERM: the log says it left" grep -q "leaving the mesh" "$wgnm_dir/d.log"
tap_done
