#!/bin/sh
# rtnl.sh: platform/rtnl against the real kernel (root, TAP).
#
# Everything happens in a fresh namespace ${tag}r. tests/net/rtnl_test (which
# uses only platform/rtnl) makes the changes; `ip` cross-checks them. Covers
# links, noprefixroute addresses, idempotent adds/deletes, wgnm-protocol
# routes and their flush, the monitor (events, ENOBUFS -> RESYNC), the
# forwarding switches and local candidate addresses.
#
# The host kernel may lack the "dummy" link kind (no modules); the test then
# uses a "bridge" link, which behaves the same for everything checked here.

. "${top_srcdir:-.}/tests/net/lib.sh"

helper=${top_builddir:-.}/tests/net/rtnl_test

net_init r
[ -x "$helper" ] || skip_all "$helper not built (make check builds it)"
net_ns r
ns=${tag}r
d0=${tag}d0
v0=${tag}v0
v1=${tag}v1

# The helper inside the namespace; its debug log goes to stderr (the .log file).
T() {
	ip netns exec "$ns" "$helper" "$@"
}

# is_out DESC WANT CMD...: CMD's stdout equals WANT exactly.
is_out() {
	_desc=$1
	_want=$2
	shift 2
	_got=$("$@" 2>/dev/null)
	if [ "$_got" = "$_want" ]; then
		ok "$_desc"
	else
		not_ok "$_desc"
		diag "command: $*"
		diag "want: $_want"
		printf '%s\n' "$_got" | sed 's/^/#  got: /'
	fi
}

# has_line DESC PATTERN CMD...: some line of CMD's stdout matches the grep -E PATTERN.
has_line() {
	_desc=$1
	_pat=$2
	shift 2
	_got=$("$@" 2>&1)
	if printf '%s\n' "$_got" | grep -Eq -- "$_pat"; then
		ok "$_desc"
	else
		not_ok "$_desc"
		diag "command: $*"
		diag "no line matches: $_pat"
		printf '%s\n' "$_got" | sed 's/^/#  got: /'
	fi
}

# no_line DESC PATTERN CMD...: no line of CMD's stdout matches.
no_line() {
	_desc=$1
	_pat=$2
	shift 2
	_got=$("$@" 2>&1)
	if printf '%s\n' "$_got" | grep -Eq -- "$_pat"; then
		not_ok "$_desc"
		diag "command: $*"
		diag "unexpected line matching: $_pat"
		printf '%s\n' "$_got" | sed 's/^/#  got: /'
	else
		ok "$_desc"
	fi
}

# --- links ---------------------------------------------------------------------

kind=dummy
out=$(T link-add "$d0" dummy 2>/dev/null)
case $out in
rc=-95*)
	diag "this kernel has no dummy links; using a bridge instead"
	kind=bridge
	out=$(T link-add "$d0" bridge 2>/dev/null)
	;;
esac
is_out "link_add $kind: created" "rc=0" echo "$out"
has_line "link_add again: -EEXIST (never silently adopts a link)" \
	'^rc=-17 err=File exists' T link-add "$d0" "$kind"
has_line "link_add unknown kind: -EOPNOTSUPP with the kernel's extack message" \
	'^rc=-95 err=Operation not supported msg=.+' T link-add "${tag}x0" nosuchkind
has_line "link_get: kind $kind, down" "^ifindex=[0-9]+ name=$d0 kind=$kind mtu=1500 up=0\$" \
	T link-show "$d0"
is_out "link_get of a missing link: -ENODEV" "rc=-19 err=No such device msg=" \
	T link-show "${tag}none"
is_out "link_set_up: rc=0" "rc=0" T link-up "$d0"
is_out "link_set_mtu 1400: rc=0" "rc=0" T link-mtu "$d0" 1400
has_line "ip sees the link up with MTU 1400" "<.*,UP[,>].* mtu 1400 " ip -n "$ns" link show "$d0"
has_line "link_get: up, MTU 1400" "kind=$kind mtu=1400 up=1\$" T link-show "$d0"
d0_index=$(T link-show "$d0" 2>/dev/null | sed -n 's/^ifindex=\([0-9]*\) .*/\1/p')

# --- addresses -----------------------------------------------------------------

is_out "addr_add 10.77.1.1/16: added (0)" "rc=0" T addr-add "$d0" 10.77.1.1/16
has_line "ip -d addr: 10.77.1.1/16 carries noprefixroute" \
	"inet 10\.77\.1\.1/16 .*noprefixroute" ip -n "$ns" -d addr show dev "$d0"
is_out "no kernel prefix route for 10.77.0.0/16" "" ip -n "$ns" route show 10.77.0.0/16
is_out "addr_add again: already there (1)" "rc=1" T addr-add "$d0" 10.77.1.1/16
has_line "addr_dump: 10.77.1.1/16 with IFA_F_NOPREFIXROUTE|PERMANENT" \
	'^10\.77\.1\.1/16 flags=0x280 scope=0$' T addr-list "$d0"
is_out "addr_add IPv6 fd00:77::1/64: added" "rc=0" T addr-add "$d0" fd00:77::1/64
has_line "ip -d addr: fd00:77::1/64 noprefixroute" "inet6 fd00:77::1/64 .*noprefixroute" \
	ip -n "$ns" -d addr show dev "$d0"
is_out "no kernel prefix route for fd00:77::/64" "" ip -n "$ns" -6 route show fd00:77::/64
is_out "addr_del fd00:77::1/64: removed (0)" "rc=0" T addr-del "$d0" fd00:77::1/64
is_out "addr_del fd00:77::1/64 again: was gone (1)" "rc=1" T addr-del "$d0" fd00:77::1/64

# --- routes --------------------------------------------------------------------

is_out "route_add 10.77.2.2/32: added (0)" "rc=0" T route-add "$d0" 10.77.2.2/32
has_line "ip route: 10.77.2.2 via $d0, proto 110" "^10\.77\.2\.2 dev $d0 proto 110 scope link" \
	ip -n "$ns" route show 10.77.2.2/32
is_out "route_add again: existed (1)" "rc=1" T route-add "$d0" 10.77.2.2/32
is_out "route_replace: rc=0" "rc=0" T route-replace "$d0" 10.77.2.2/32
is_out "still exactly one 10.77.2.2 route" "1" \
	sh -c "ip -n '$ns' route show 10.77.2.2/32 | wc -l"
is_out "route_replace of a missing route creates it" "rc=0" T route-replace "$d0" 10.77.2.3/32
is_out "route_del 10.77.2.2/32: removed (0)" "rc=0" T route-del "$d0" 10.77.2.2/32
is_out "ip route: 10.77.2.2 gone" "" ip -n "$ns" route show 10.77.2.2/32
is_out "route_del again: was gone (1)" "rc=1" T route-del "$d0" 10.77.2.2/32
is_out "route_add subnet 10.77.0.0/16: rc=0" "rc=0" T route-add "$d0" 10.77.0.0/16
is_out "route_add IPv6 fd00:77::2/128: rc=0" "rc=0" T route-add "$d0" fd00:77::2/128
has_line "ip -6 route: fd00:77::2 proto 110" "^fd00:77::2 dev $d0 proto 110 " \
	ip -n "$ns" -6 route show fd00:77::2/128
ip -n "$ns" route add 10.77.9.9/32 dev "$d0"
is_out "route_del leaves a route of another protocol alone (1)" "rc=1" \
	T route-del "$d0" 10.77.9.9/32
is_out "route_flush_proto: 3 wgnm routes removed" "rc=3" T route-flush "$d0"
is_out "ip route: no proto 110 route left (IPv4)" "" ip -n "$ns" route show proto 110
is_out "ip route: no proto 110 route left (IPv6)" "" ip -n "$ns" -6 route show proto 110
has_line "the foreign route survived the flush" "^10\.77\.9\.9 dev $d0" ip -n "$ns" route show
is_out "link_set_up false: rc=0" "rc=0" T link-down "$d0"
has_line "route_add via a down link: -ENETDOWN with the kernel's message (for the retry queue)" \
	'^rc=-100 err=Network is down msg=.+' T route-add "$d0" 10.77.2.2/32
T link-up "$d0" >/dev/null 2>&1

# --- addresses, the rest ------------------------------------------------------

is_out "addr_del 10.77.1.1/16: removed (0)" "rc=0" T addr-del "$d0" 10.77.1.1/16
is_out "addr_del again: was gone (1)" "rc=1" T addr-del "$d0" 10.77.1.1/16
no_line "ip addr: 10.77.1.1 gone" "10\.77\.1\.1" ip -n "$ns" addr show dev "$d0"

# --- monitor -------------------------------------------------------------------

mon=$(T monitor "$d0" "$kind" "${tag}m0" 2>/dev/null)
mon_rc=$?
printf '%s\n' "$mon" | sed 's/^/# monitor: /'
is_out "monitor: every expected event within 5 s" "0" echo "$mon_rc"
has_line "monitor: address added (10.99.0.1/24, noprefixroute)" \
	"^event addr-added ifindex=$d0_index 10\.99\.0\.1/24 flags=0x280\$" echo "$mon"
has_line "monitor: address removed" "^event addr-removed ifindex=$d0_index 10\.99\.0\.1/24" \
	echo "$mon"
has_line "monitor: link down" "^event link-changed $d0 kind=$kind up=0 changed=0x1\$" echo "$mon"
has_line "monitor: link up" "^event link-changed $d0 kind=$kind up=1 changed=0x1\$" echo "$mon"
has_line "monitor: link added" "^event link-added ${tag}m0 kind=$kind " echo "$mon"
has_line "monitor: link removed" "^event link-removed ${tag}m0 " echo "$mon"

ovf=$(T overflow "$d0" 2>/dev/null)
ovf_rc=$?
printf '%s\n' "$ovf" | sed 's/^/# overflow: /'
is_out "overflow: helper succeeded" "0" echo "$ovf_rc"
has_line "overflow: tiny buffer + 800 changes => RESYNC" "^event resync\$" echo "$ovf"
has_line "overflow: monitor works again after RESYNC" "^after resync: address event seen\$" \
	echo "$ovf"

# --- forwarding ----------------------------------------------------------------

sysctl_get() {
	ip netns exec "$ns" cat "$1"
}
sysctl_set() {
	ip netns exec "$ns" sh -c "echo $2 > $1"
}
p4=/proc/sys/net/ipv4/ip_forward
p6=/proc/sys/net/ipv6/conf/all/forwarding

host_fwd=$(cat $p4)
sysctl_set $p4 0
sysctl_set $p6 0
fwd=$(T forwarding v6 2>/dev/null)
printf '%s\n' "$fwd" | sed 's/^/# forwarding: /'
has_line "forwarding_enable(v6): both on, old values saved" \
	'^during v4=1 v6=1 saved_v4=0 saved_v6=0$' echo "$fwd"
has_line "forwarding_restore: rc=0" '^rc=0$' echo "$fwd"
is_out "after restore: ip_forward back to 0" "0" sysctl_get $p4
is_out "after restore: IPv6 forwarding back to 0" "0" sysctl_get $p6

sysctl_set $p4 1
fwd=$(T forwarding 2>/dev/null)
has_line "forwarding already on: nothing saved" '^during v4=1 v6=0 saved_v4=-1 saved_v6=-1$' \
	echo "$fwd"
is_out "forwarding already on: still on after restore" "1" sysctl_get $p4
is_out "the host's own ip_forward was not touched" "$host_fwd" cat $p4
sysctl_set $p4 0

# --- local candidates ----------------------------------------------------------

ip -n "$ns" link add "$v0" type veth peer name "$v1"
ip -n "$ns" link set "$v0" up
ip -n "$ns" link set "$v1" up
ip -n "$ns" addr add 198.51.100.7/24 dev "$v0"
ip -n "$ns" addr add 10.77.1.1/16 dev "$v0"
ip -n "$ns" addr add fe80::7/64 dev "$v0" nodad
ip -n "$ns" addr add 2001:db8:77::7/64 dev "$v0" nodad
ip -n "$ns" addr add 2001:db8:77::9/64 dev "$v0" nodad preferred_lft 0
ip -n "$ns" addr add 203.0.113.5/24 dev "$d0"
ip -n "$ns" addr add 10.77.1.2/16 dev "$d0"
is_out "candidates: only 198.51.100.7 and the global v6 (not lo, overlay, link-local, deprecated, excluded link)" \
	"198.51.100.7
2001:db8:77::7" sh -c "ip netns exec '$ns' '$helper' candidates '$d0' 10.77.0.0/16 | sort"

# --- links, the end -------------------------------------------------------------

is_out "link_del: removed (0)" "rc=0" T link-del "$d0"
is_out "link_del again (by ifindex): was gone (1)" "rc=1" T link-del "$d0_index"
is_out "ip: the link is gone" "" sh -c "ip -n '$ns' -o link show | grep '$d0'"

tap_done
