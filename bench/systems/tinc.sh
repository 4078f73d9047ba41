# bench/systems/tinc.sh: the tinc 1.0 driver of bench/run.
#
# Sourced by bench/run in a subshell per system x topology run (bash); see
# bench/systems/nebula.sh for what the harness provides.
#
# Setup as tinc 1.0 is meant to be run: one config directory per host with
# tinc.conf (Mode = router, every host but the public one ConnectTo the
# public one, LocalDiscovery = yes so that hosts behind one NAT find each
# other's LAN address), an RSA key pair made by `tincd -K`, and the host file
# of every node (Subnet = its overlay /32, the public host's also Address)
# copied to every host, as tinc's documentation says to exchange them.
# tinc-up gives the interface ${tag}t its overlay address in 10.90.0.0/16.
# Everything else (PingInterval, PingTimeout, PMTU discovery) keeps tinc's
# defaults.

tinc_dir=

sys_version() {
	tincd --version 2>&1 | sed -n '1s/^tinc version //p'
}

sys_overlay_addr() {
	bench_overlay "$1"
}

sys_setup() {
	tinc_dir=$1
	local h d
	mkdir -p "$tinc_dir/hosts" || return 1
	for h in $bench_hosts; do
		d=$tinc_dir/$h
		mkdir -p "$d/hosts" || return 1
		{
			echo "Name = $h"
			echo "Interface = ${tag}t"
			echo "Mode = router"
			echo "AddressFamily = ipv4"
			echo "Port = 655"
			echo "LocalDiscovery = yes"
			[ "$h" = "$bench_public" ] || echo "ConnectTo = $bench_public"
		} >"$d/tinc.conf" || return 1
		{
			[ "$h" != "$bench_public" ] || echo "Address = $bench_public_addr 655"
			echo "Subnet = $(bench_overlay "$h")/32"
		} >"$d/hosts/$h" || return 1
		printf '#!/bin/sh\nip addr add %s/16 dev "$INTERFACE" && ip link set "$INTERFACE" up\n' \
			"$(bench_overlay "$h")" >"$d/tinc-up" || return 1
		chmod 755 "$d/tinc-up" || return 1
		tincd -c "$d" -K2048 </dev/null >"$d/keygen.log" 2>&1 || return 1
		cp "$d/hosts/$h" "$tinc_dir/hosts/$h" || return 1
	done
	for h in $bench_hosts; do
		cp "$tinc_dir"/hosts/* "$tinc_dir/$h/hosts/" || return 1
	done
}

sys_start() {
	local d=$tinc_dir/$1
	bench_spawn "$1" "$d/pid" "$d/stderr" \
		tincd -c "$d" -D -d1 --pidfile="$d/tincd.pid" --logfile="$d/log"
}

sys_stop() {
	bench_kill_pidfile "$tinc_dir/$1/pid"
}

sys_pids() {
	local pid
	pid=$(cat "$tinc_dir/$1/pid" 2>/dev/null) || return 0
	kill -0 "$pid" 2>/dev/null && echo "tincd $pid"
	return 0
}

sys_log() {
	echo "$tinc_dir/$1/log"
}
