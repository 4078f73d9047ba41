#!/bin/sh
# Direct paths cost little while quiet, topology A (b public static; a behind
# its own NAT; c and d behind one home NAT). A direct path that carries data is
# proven by WireGuard's own counters, so neither side pings it; a quiet one is
# checked every 9 s (which holds the NAT-traversed one's NAT mappings); when
# data starts again a dead path is found within seconds and the pair falls
# back to a relay.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
. "${top_srcdir:-.}/tests/net/paths_lib.sh"
net_init q
net_need nft
wgnm_init
plan 12
tui=${top_builddir:-.}/wgnm-tui

# admin_out HOST PEER: admin datagrams HOST has sent to PEER (wgnm-tui --json)
admin_out() {
	"$tui" -i "$tag$1" --json 2>/dev/null |
		awk -v p="\"$2\"," '$1 == "\"name\":" { cur = ($2 == p) }
			cur && $1 == "\"admin_out\":" { gsub(/[^0-9]/, "", $2); print $2; exit }'
}

# peer_field HOST PEER FIELD: one field of PEER in HOST's status
peer_field() {
	"$tui" -i "$tag$1" --json 2>/dev/null |
		awk -v p="\"$2\"," -v f="\"$3\":" '$1 == "\"name\":" { cur = ($2 == p) }
			cur && $1 == f { sub(/^[^:]*: /, ""); sub(/,$/, ""); print; exit }'
}

# busy X YIP SECONDS: overlay pings X -> Y every 0.05 s, in the background
busy() {
	ip netns exec "$tag$1" ping -q -i 0.05 -w "$3" "$2" >/dev/null 2>&1 &
	busy_pid=$!
	net_pid "$busy_pid"
}

topo_layout_a
wgnm_start_a
wgnm_check_reach 30 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3 d:10.1.1.4
check "c-d direct on their LAN" wait_direct 20 c 10.1.1.3 d 10.1.1.4 b a na
if wait_direct 20 a 10.1.1.1 c 10.1.1.3 b d; then
	ok "a-c direct through NAT traversal"
else
	not_ok "a-c direct through NAT traversal within 20 s"
	wgnm_dump_logs
fi

# Data flows c <-> d for 14 s; after 4 s (both sides see the data), count
# the admin datagrams between them over 8 s: WireGuard's counters prove the
# path, so nobody pings (before this policy: a ping and a pong every 2 s).
busy c 10.1.1.4 14
sleep 4
c0=$(admin_out c d) d0=$(admin_out d c)
sleep 8
c1=$(admin_out c d) d1=$(admin_out d c)
diag "admin datagrams during 8 s of data: c->d $((c1 - c0)), d->c $((d1 - d0))"
check "data flows c <-> d: at most one admin datagram each way in 8 s" \
	sh -c "[ $((c1 - c0)) -le 1 ] && [ $((d1 - d0)) -le 1 ]"
check "c reports the path as proven by data (wgnm-tui --status)" \
	sh -c "'$tui' -i '${tag}c' --status | grep -q 'kept warm: yes - in use: data flows'"
wait "$busy_pid" 2>/dev/null

# Quiet: no data for more than the active window (10 s): the path is only
# checked every 9 s.
quiet_since=$(date +%s)
c_d_cold() { [ "$(peer_field c d kept_warm)" = false ]; }
check "quiet c-d path no longer kept warm (within 15 s)" wait_for 15 c_d_cold
c0=$(admin_out c d) d0=$(admin_out d c)
a0=$(admin_out a c) ca0=$(admin_out c a)
sleep 20
c1=$(admin_out c d) d1=$(admin_out d c)
a1=$(admin_out a c) ca1=$(admin_out c a)
diag "admin datagrams in 20 quiet s: c->d $((c1 - c0)), d->c $((d1 - d0)), a->c $((a1 - a0)), c->a $((ca1 - ca0))"
# the slow check: one ping and one pong per 8-9 s, plus one as the pair goes
# quiet (while in use: one each per second, 40 in 20 s)
check "quiet LAN path c-d: at most 4 checks (ping + pong) in 20 s" \
	[ $((c1 - c0 + d1 - d0)) -le 8 ]
check "quiet NAT-traversed path a-c: at most 4 checks (ping + pong) in 20 s" \
	[ $((a1 - a0 + ca1 - ca0)) -le 8 ]
check "quiet paths are still checked (at least one ping c-d and a-c in 20 s)" \
	sh -c "[ $((c1 - c0 + d1 - d0)) -ge 1 ] && [ $((a1 - a0 + ca1 - ca0)) -ge 1 ]"
diag "quiet for $(($(date +%s) - quiet_since)) s"

# Data again, but the LAN path is dead (c drops everything from d's LAN
# address): c finds out within the wake check (3 s) and both directions go
# through a relay.
nft_t=${tag}q
ip netns exec "${tag}c" nft add table inet "$nft_t"
ip netns exec "${tag}c" nft add chain inet "$nft_t" in '{ type filter hook input priority -10; }'
ip netns exec "${tag}c" nft add rule inet "$nft_t" in ip saddr 192.168.2.3 drop
t0=$(date +%s.%N)
both() { wgnm_reach c 10.1.1.4 && wgnm_reach d 10.1.1.3; }
if wait_for 20 both; then
	t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	diag "c <-> d answered again after ${t} s"
	check "dead quiet path: c <-> d relayed within 8 s (${t} s)" \
		awk -v t="$t" 'BEGIN { exit !(t < 8) }'
else
	not_ok "dead quiet path: c <-> d answer again within 20 s"
	wgnm_dump_logs
fi
check "c logged the dead direct path" grep -q "link to d .*removed: direct path died" \
	"$wgnm_dir/c.log"
# through the gateway b, or through a over its two NAT-traversed paths (cost 100 < 200)
relayed() { relayed_by a c d 10.1.1.4 || relayed_by b c d 10.1.1.4; }
check "c -> d relayed now" relayed
tap_done
