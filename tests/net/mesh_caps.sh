#!/bin/sh
# Reduced privileges, as the systemd unit runs wgnm: root with a bounding set
# of CAP_NET_ADMIN and CAP_NET_RAW only, and no new privileges. Topology A
# works in full: relaying (forwarding switched on through /proc/sys), LAN
# probing, NAT traversal (the pre-punch is a raw socket: CAP_NET_RAW) and
# traffic sampling (a packet socket: CAP_NET_RAW). With CAP_NET_ADMIN alone
# the node still joins but says it cannot watch traffic nor pre-punch.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
. "${top_srcdir:-.}/tests/net/paths_lib.sh"
net_init k
net_need nft setpriv
wgnm_init
plan 11

# CAP_NET_ADMIN is bit 12, CAP_NET_RAW bit 13
caps_of() {
	awk '/^CapEff:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

topo_layout_a
WGNM_WRAP="setpriv --bounding-set=-all,+net_admin,+net_raw --inh-caps=-all --no-new-privs --"
wgnm_start_a
unset WGNM_WRAP
wgnm_check_reach 30 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3 d:10.1.1.4

_bad=
for _h in a b c d; do
	_c=$(caps_of "$(wgnm_pid "$_h")")
	[ "$_c" = 0000000000003000 ] || _bad="$_bad $_h:$_c"
done
check "every daemon runs with CAP_NET_ADMIN and CAP_NET_RAW only (CapEff 3000)${_bad:+; got$_bad}" \
	[ -z "$_bad" ]
_bad=
for _p in $(pgrep -P "$(wgnm_pid a)" 2>/dev/null) $(pgrep -P "$(wgnm_pid b)" 2>/dev/null); do
	_c=$(caps_of "$_p")
	[ $((0x${_c:-ffffffff} & ~0x3000)) -eq 0 ] || _bad="$_bad $_p:$_c"
done
check "the wireguard-go children hold no more than that${_bad:+; got$_bad}" [ -z "$_bad" ]
check "b relays: forwarding switched on through /proc/sys" \
	[ "$(ip netns exec "${tag}b" cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
check "c-d direct on their LAN" wait_direct 20 c 10.1.1.3 d 10.1.1.4 b a na
check "a-c punched through the NATs (raw pre-punch socket)" wait_direct 20 a 10.1.1.1 c 10.1.1.3 b d
check "no daemon lacked a permission" \
	sh -c "! grep -E 'not permitted|cannot watch traffic|Permission denied' '$wgnm_dir'/[abcd].log"

# d again with CAP_NET_ADMIN alone: it joins, and says what it cannot do
wgnm_stop d
: >"$wgnm_dir/d.log"
WGNM_WRAP="setpriv --bounding-set=-all,+net_admin --inh-caps=-all --no-new-privs --"
wgnm_start d 10.1.1.4
unset WGNM_WRAP
if wgnm_all_reach 30 b:10.1.1.2 d:10.1.1.4; then
	ok "CAP_NET_ADMIN alone: d and b reach each other in ${wgnm_elapsed} s"
else
	not_ok "CAP_NET_ADMIN alone: d and b reach each other within 30 s"
	wgnm_dump_logs
fi
check "CAP_NET_ADMIN alone: d's CapEff is 1000" \
	[ "$(caps_of "$(wgnm_pid d)")" = 0000000000001000 ]
check "CAP_NET_ADMIN alone: d says it cannot watch traffic" \
	grep -q "cannot watch traffic" "$wgnm_dir/d.log"
# d punches a (they are not on one LAN): its pre-punch needs a raw socket
_n=0
while ! grep -q "cannot pre-punch" "$wgnm_dir/d.log" && [ "$_n" -lt 100 ]; do
	sleep 0.2
	_n=$((_n + 1))
done
check "CAP_NET_ADMIN alone: d says it cannot pre-punch" \
	grep -q "cannot pre-punch NATs (Operation not permitted)" "$wgnm_dir/d.log"
tap_done
