#!/bin/sh
# Idle cost: public static b and N nodes, each behind its own NAT. After
# convergence the nodes punch each other once; idle pairs (no data for the
# idle timeout, 10 s here) drop their direct links and go back to keeping only
# their gateway warm. The underlay packets per node per minute, measured on
# each node's own underlay interface, must not grow with N (3 vs 8 nodes).
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
net_init i
net_need nft
wgnm_init
plan 9
window=${WGNM_IDLE_WINDOW:-60}
# tcpdump -n -i eth0 in a node's namespace shows what is counted

# layout N PREFIX FIRST: N hosts PREFIX1.. each behind NAT PREFIXn1.., the
# NATs on the internet /29s number FIRST.. (each home LAN is 192.168.1.0/24:
# overlapping private ranges, as in real homes)
layout() {
	_k=1
	while [ "$_k" -le "$1" ]; do
		topo_nat "$2n$_k" "203.0.113.$((8 * ($3 + _k) + 2))" "192.168.1"
		topo_lan_host "$2$_k" "$2n$_k" "192.168.1.2"
		_k=$((_k + 1))
	done
}

# only_gateway HOST: its WireGuard has exactly one peer (the gateway) left
only_gateway() {
	[ "$(ip netns exec "$tag$1" wg show "$tag$1" peers 2>/dev/null | wc -l)" -eq 1 ]
}

# run N PREFIX FIRST: start, converge, wait for idle, measure; sets per_node
run() {
	_n=$1 _p=$2
	layout "$_n" "$_p" "$3"
	_hosts= _k=1
	while [ "$_k" -le "$_n" ]; do
		wgnm_start "$_p$_k" "10.1.$_p_net.$_k" --idle-timeout 10
		_hosts="$_hosts $_p$_k:10.1.$_p_net.$_k"
		_k=$((_k + 1))
	done
	# shellcheck disable=SC2086
	if wgnm_all_reach 60 b:10.1.1.2 $_hosts; then
		ok "$_n NATed nodes: every ordered pair reachable in ${wgnm_elapsed} s"
	else
		not_ok "$_n NATed nodes: every ordered pair reachable within 60 s"
		wgnm_dump_logs
	fi
	# converged: every node has kept only its gateway for 20 s in a row
	_since=$(date +%s) _deadline=$(($(date +%s) + 150)) _stable=no
	while [ "$(date +%s)" -lt "$_deadline" ]; do
		_k=1 _all=yes
		while [ "$_k" -le "$_n" ]; do
			only_gateway "$_p$_k" || _all=no
			_k=$((_k + 1))
		done
		[ "$_all" = yes ] || _since=$(date +%s)
		if [ $(($(date +%s) - _since)) -ge 20 ]; then
			_stable=yes
			break
		fi
		sleep 1
	done
	if [ "$_stable" = yes ]; then
		ok "$_n NATed nodes: idle direct links gone, only the gateway kept (20 s stable)"
	else
		not_ok "$_n NATed nodes: direct links still coming and going after 150 s"
	fi
	# quiet: no daemon logged anything (links, routes, and with -v every
	# admin message but PING, PONG and HELLO) for 10 s; a mesh that never
	# settles fails here instead of inflating the figure
	_logs="$wgnm_dir/b.log" _k=1
	while [ "$_k" -le "$_n" ]; do
		_logs="$_logs $wgnm_dir/$_p$_k.log"
		_k=$((_k + 1))
	done
	_deadline=$(($(date +%s) + 90)) _since=$(date +%s) _quiet=no
	# shellcheck disable=SC2086
	_sum=$(cat $_logs | wc -l)
	while [ "$(date +%s)" -lt "$_deadline" ]; do
		sleep 1
		# shellcheck disable=SC2086
		_now=$(cat $_logs | wc -l)
		[ "$_now" = "$_sum" ] || _since=$(date +%s)
		_sum=$_now
		if [ $(($(date +%s) - _since)) -ge 10 ]; then
			_quiet=yes
			break
		fi
	done
	if [ "$_quiet" = yes ]; then
		ok "$_n NATed nodes: the mesh is quiet (nothing logged for 10 s)"
	else
		not_ok "$_n NATed nodes: still logging after 90 s"
	fi
	_marks=
	for _l in $_logs; do
		_marks="$_marks $(wc -l <"$_l")"
	done
	_before= _k=1
	while [ "$_k" -le "$_n" ]; do
		set -- $(topo_ifstat "$_p$_k")
		_before="$_before $(($1 + $2))"
		_k=$((_k + 1))
	done
	sleep "$window"
	_total=0 _k=1 _each=
	for _b in $_before; do
		set -- $(topo_ifstat "$_p$_k")
		_total=$((_total + $1 + $2 - _b))
		_each="$_each $(($1 + $2 - _b))"
		_k=$((_k + 1))
	done
	diag "$_n NATed nodes: packets per node in the window:$_each"
	# the median node: one node still finishing a sync does not make the mesh
	_median=$(printf '%s\n' $_each | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	per_node=$((_median * 60 / window))
	diag "$_n NATed nodes: $per_node underlay packets per node per minute (median, window ${window} s; mean $((_total * 60 / window / _n)))"
	# what the daemons logged during the window (nothing, when idle)
	set -- $_marks
	for _l in $_logs; do
		tail -n +$(($1 + 1)) "$_l" | head -n 20 | sed "s|^|# $(basename "$_l" .log): |"
		shift
	done
}

topo_internet
topo_public b 203.0.113.2
wgnm_net 203.0.113.2:50002,50502,10.1.1.2
wgnm_start b 10.1.1.2

_p_net=3
run 3 x 0
small=$per_node
_p_net=8
run 8 y 4
large=$per_node

check "idle cost per node does not grow with N ($small at 3 nodes, $large at 8; bound +20 %)" \
	[ "$large" -le $((small + small / 5 + 2)) ]
check "idle cost per node stays small (< 60 packets/min; measured $large)" [ "$large" -lt 60 ]
check "the pairs did punch before going idle (log)" \
	grep -q "idle: traffic back to the gateway" "$wgnm_dir/y1.log"
tap_done
