#!/bin/sh
# The mobile role: a roaming node on a metered link (--mobile). Two public
# static peers b and e; the mobile node m and an ordinary node a, each behind
# its own NAT. m reaches everyone; it is never a gateway; when idle it keeps
# exactly one keepalive stream, to one gateway; it takes a direct path to a
# only while it exchanges data with a.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
. "${top_srcdir:-.}/tests/net/paths_lib.sh"
net_init m
net_need nft
wgnm_init
plan 6

topo_internet
topo_public b 203.0.113.2
topo_public e 203.0.113.10
topo_nat nm 203.0.113.18 192.168.1
topo_lan_host m nm 192.168.1.2
topo_nat na 203.0.113.26 192.168.2
topo_lan_host a na 192.168.2.2
wgnm_net 203.0.113.2:50002,50502,10.1.1.2 203.0.113.10:50005,50505,10.1.1.5
wgnm_start b 10.1.1.2
wgnm_start e 10.1.1.5
wgnm_start a 10.1.1.1 --idle-timeout 10
wgnm_start m 10.1.1.9 --mobile --idle-timeout 10
wgnm_check_reach 30 a:10.1.1.1 b:10.1.1.2 e:10.1.1.5 m:10.1.1.9

# m's WireGuard tx bytes per peer, "KEY BYTES" lines
tx_of() { ip netns exec "$tag$1" wg show "$tag$1" transfer | awk '{ print $1, $3 }'; }
peers_of() { ip netns exec "$tag$1" wg show "$tag$1" peers | wc -l; }
only_statics() { [ "$(peers_of m)" -eq 2 ]; }

# idle: after the reach pings are 10 s old, m holds no direct peer besides the
# two statics, and only one of them sees m's keepalives
# stable for 15 s: the reach pings made m-a "in use" and may have punched them
stable_statics() {
	_since=$(date +%s) _deadline=$(($(date +%s) + 90))
	while [ "$(date +%s)" -lt "$_deadline" ]; do
		only_statics || _since=$(date +%s)
		[ $(($(date +%s) - _since)) -ge 15 ] && return 0
		sleep 1
	done
	return 1
}
check "idle: m keeps no direct peer but the two static peers (15 s stable)" stable_statics
gw_keys="$(ip netns exec "${tag}b" wg show "${tag}b" public-key) $(ip netns exec "${tag}e" wg show "${tag}e" public-key)"
only_gw() { grep -F -e "${gw_keys% *}" -e "${gw_keys#* }"; }
t0=$(tx_of m | only_gw)
sleep 20
t1=$(tx_of m | only_gw)
# a warm gateway gets a ping every 8-10 s (two or more, over 300 bytes, in
# 20 s); a cold one at most a stray WireGuard handshake (148 bytes)
warm=$(printf '%s\n%s\n' "$t0" "$t1" | awk '{ if ($1 in b) { if ($2 - b[$1] > 300) n++ } else b[$1] = $2 } END { print n + 0 }')
if [ "$warm" -eq 1 ]; then
	ok "idle: m sends keepalives to exactly one gateway"
else
	not_ok "idle: m sends keepalives to $warm gateways (want 1)"
	diag "before: $t0"
	diag "after:  $t1"
fi
check "m never relays: IPv4 forwarding stays off" \
	sh -c "[ \$(ip netns exec ${tag}m cat /proc/sys/net/ipv4/ip_forward) = 0 ]"
no_transit() {
	# no node routes anyone but m itself through m
	for _h in a b e; do
		ip netns exec "$tag$_h" wg show "$tag$_h" allowed-ips |
			grep "^$(ip netns exec "${tag}m" wg show "${tag}m" public-key)" |
			grep -Eq '10\.1\.1\.[1-5]/32' && return 1
	done
	return 0
}
check "m is nobody's gateway" no_transit
# in use: a burst of data m -> a makes the pair direct
t0=$(date +%s)
if wait_direct 25 m 10.1.1.9 a 10.1.1.1 b e; then
	ok "in use: m and a go direct within $(($(date +%s) - t0)) s"
else
	not_ok "in use: m and a direct within 25 s"
	wgnm_dump_logs
fi
tap_done
