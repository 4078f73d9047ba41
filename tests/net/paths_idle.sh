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
plan 7
window=${WGNM_IDLE_WINDOW:-30}

# layout N PREFIX: N hosts PREFIX1.. each behind NAT PREFIXn1.. on the internet
layout() {
	_k=1
	while [ "$_k" -le "$1" ]; do
		topo_nat "$2n$_k" "203.0.113.$((8 * _k + 2))" "192.168.$((10 + _k))"
		topo_lan_host "$2$_k" "$2n$_k" "192.168.$((10 + _k)).2"
		_k=$((_k + 1))
	done
}

# only_gateway HOST: its WireGuard has exactly one peer (the gateway) left
only_gateway() {
	[ "$(ip netns exec "$tag$1" wg show "$tag$1" peers 2>/dev/null | wc -l)" -eq 1 ]
}

# run N PREFIX: start, converge, wait for idle, measure; sets per_node
run() {
	_n=$1 _p=$2
	layout "$_n" "$_p"
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
	_k=1 _idle=0
	while [ "$_k" -le "$_n" ]; do
		wait_for 90 only_gateway "$_p$_k" && _idle=$((_idle + 1))
		_k=$((_k + 1))
	done
	if [ "$_idle" -eq "$_n" ]; then
		ok "$_n NATed nodes: idle direct links gone, only the gateway kept"
	else
		not_ok "$_n NATed nodes: only $_idle of $_n nodes back to the gateway only"
	fi
	_before= _k=1
	while [ "$_k" -le "$_n" ]; do
		set -- $(topo_ifstat "$_p$_k")
		_before="$_before $(($1 + $2))"
		_k=$((_k + 1))
	done
	sleep "$window"
	_total=0 _k=1
	for _b in $_before; do
		set -- $(topo_ifstat "$_p$_k")
		_total=$((_total + $1 + $2 - _b))
		_k=$((_k + 1))
	done
	per_node=$((_total * 60 / window / _n))
	diag "$_n NATed nodes: $per_node underlay packets per node per minute (window ${window} s)"
}

topo_internet
topo_public b 203.0.113.2
wgnm_net 203.0.113.2:50002,50502,10.1.1.2
wgnm_start b 10.1.1.2

_p_net=3
run 3 x
small=$per_node
_p_net=8
run 8 y
large=$per_node

check "idle cost per node does not grow with N ($small at 3 nodes, $large at 8; bound +20 %)" \
	[ "$large" -le $((small + small / 5 + 2)) ]
check "idle cost per node stays small (< 60 packets/min; measured $large)" [ "$large" -lt 60 ]
check "the pairs did punch before going idle (log)" \
	grep -q "idle: traffic back to the gateway" "$wgnm_dir/y1.log"
tap_done
