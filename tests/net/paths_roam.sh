#!/bin/sh
# Roaming and dead direct paths, topology A.
# 1. Charlie's underlay moves from the home LAN to Alpha's LAN: reachable
#    again within 10 s, and then direct with Alpha on their new shared LAN.
# 2. The direct path a-d is cut in nftables: a and d fall back to the gateway
#    within 10 s (a continuous ping shows the gap).
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
. "${top_srcdir:-.}/tests/net/paths_lib.sh"
net_init r
net_need nft
wgnm_init
plan 7

topo_layout_a
wgnm_start_a
wgnm_check_reach 30 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3 d:10.1.1.4
wait_direct 20 a 10.1.1.1 d 10.1.1.4 b c || diag "a-d not direct before the cut"

# 1. roaming
t0=$(date +%s.%N)
topo_move c na 192.168.1.3
if wait_for 10 wgnm_reach b 10.1.1.3 && wait_for 10 wgnm_reach a 10.1.1.3 &&
	wait_for 10 wgnm_reach d 10.1.1.3; then
	ok "c reachable from b, a and d again $(awk -v a="$t0" -v b="$(date +%s.%N)" \
		'BEGIN { printf "%.1f", b - a }') s after moving LANs"
else
	not_ok "c reachable again within 10 s after moving LANs"
	wgnm_dump_logs
fi
check "c re-announced on the address change" \
	grep -q "local addresses changed" "$wgnm_dir/c.log"
t0=$(date +%s)
if wait_direct 20 c 10.1.1.3 a 10.1.1.1 b nh d; then
	ok "c and a direct on their new shared LAN after $(($(date +%s) - t0)) s"
else
	not_ok "c and a direct on their new shared LAN within 20 s"
fi

# 2. dead direct path: on a's NAT, drop everything to and from the home NAT
# (d's public side). A timestamped ping a -> d shows the outage.
ip netns exec "${tag}a" ping -D -i 0.1 -W 1 10.1.1.4 >"$wgnm_dir/ping.out" 2>&1 &
ping_pid=$!
net_pid "$ping_pid"
sleep 2
ip netns exec "${tag}na" nft -f - <<EOF2
table inet cut {
	chain cutfwd {
		type filter hook forward priority -10;
		ip daddr 203.0.113.20 drop
		ip saddr 203.0.113.20 drop
	}
}
EOF2
cut_at=$(date +%s.%N)
# replies after the cut, 3 in a row: it is back
back() {
	awk -v t="$cut_at" -F'[][]' '/bytes from/ && $2 > t + 0.5 { n++ } END { exit !(n >= 3) }' \
		"$wgnm_dir/ping.out"
}
if wait_for 20 back; then
	# the outage: the largest gap between replies around the cut
	gap=$(awk -F'[][]' '/bytes from/ { if (p && $2 - p > g) g = $2 - p; p = $2 }
		END { printf "%.1f", g }' "$wgnm_dir/ping.out")
	if awk -v g="$gap" 'BEGIN { exit !(g >= 0.5 && g <= 10) }'; then
		ok "dead direct path: a -> d back through the gateway after a $gap s outage (bound 10 s)"
	else
		not_ok "dead direct path: outage $gap s (expected 0.5 .. 10 s)"
	fi
else
	not_ok "dead direct path: a -> d never came back"
	wgnm_dump_logs
fi
kill "$ping_pid" 2>/dev/null
check "a -> d now relayed by b" relayed_by b a d 10.1.1.4
check "the dead path is in the log" grep -q "direct path died" "$wgnm_dir/a.log"
tap_done
