# tests/net/paths_lib.sh: "is this pair direct?" without trusting wgnm.
#
# Source after wgnm.sh. A pair X -> Y is direct when a burst of overlay pings
# X -> Y leaves the underlay counters of every other given host flat.
#
#   rx_sum HOST...                       sum of the hosts' eth0 rx packets
#   direct X XIP Y YIP OTHERS...         one 30-ping burst; 0 if OTHERS stayed flat
#   wait_direct TIMEOUT X XIP Y YIP OTHERS...
#                                        poll direct until true or TIMEOUT s
#   relayed_by G X Y YIP                 a burst X -> Y crosses G's underlay

rx_sum() {
	_s=0
	for _h in "$@"; do
		set -- $(topo_ifstat "$_h")
		_s=$((_s + $1))
	done
	echo "$_s"
}

direct() {
	_x=$1 _yip=$4
	shift 4
	_r0=$(rx_sum "$@")
	ip netns exec "$tag$_x" ping -q -c 30 -i 0.02 -W 1 "$_yip" >/dev/null 2>&1 || return 1
	_r1=$(rx_sum "$@")
	[ $((_r1 - _r0)) -lt 15 ]
}

wait_direct() {
	_deadline=$(($(date +%s) + $1))
	shift
	while [ "$(date +%s)" -lt "$_deadline" ]; do
		direct "$@" && return 0
		sleep 0.2
	done
	return 1
}

relayed_by() {
	_r0=$(rx_sum "$1")
	ip netns exec "$tag$2" ping -q -c 30 -i 0.02 -W 1 "$4" >/dev/null 2>&1 || return 1
	_r1=$(rx_sum "$1")
	[ $((_r1 - _r0)) -ge 60 ]
}
