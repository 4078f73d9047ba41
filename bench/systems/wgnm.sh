# bench/systems/wgnm.sh: the wgnm driver of bench/run.
#
# Sourced by bench/run in a subshell per system x topology run (bash); see
# bench/systems/nebula.sh for what the harness provides. In addition the
# harness sets bench_wgnm, the wgnm binary to run (--wgnm, $WGNM, the build
# directory, or PATH).
#
# Setup: one net.yaml for all hosts, made by `wgnm init` with the public host
# as the only static peer (WireGuard port 51820, its overlay address); every
# host runs
#   wgnm --daemon --foreground -c net.yaml -i ${tag}HOST -a ADDR -n HOST
#        --state-dir DIR/HOST/state
# (wgnm(8)). There is no kernel WireGuard here, so wgnm starts wireguard-go,
# which must be in PATH; the interface name carries the tag and the host
# because wireguard-go's UAPI sockets in /var/run/wireguard are machine-wide.
# sys_pids lists wgnm and its wireguard-go separately.

wgnm_dir=

sys_version() {
	"$bench_wgnm" --version 2>&1 | sed -n '1s/^wgnm //p'
}

sys_overlay_addr() {
	bench_overlay "$1"
}

sys_setup() {
	wgnm_dir=$1
	local h
	command -v wireguard-go >/dev/null 2>&1 || {
		echo "wgnm driver: wireguard-go is not in PATH" >&2
		return 1
	}
	[ -x "$bench_wgnm" ] || {
		echo "wgnm driver: no wgnm binary at '$bench_wgnm' (build it, or --wgnm PATH)" >&2
		return 1
	}
	mkdir -p "$wgnm_dir" || return 1
	"$bench_wgnm" init --subnet 10.90.0.0/16 \
		--static "$bench_public_addr:51820,,$(bench_overlay "$bench_public")" \
		-o "$wgnm_dir/net.yaml" --force || return 1
	for h in $bench_hosts; do
		[ ${#tag} -le 15 ] && [ $((${#tag} + ${#h})) -le 15 ] || {
			echo "wgnm driver: interface name $tag$h is longer than 15" >&2
			return 1
		}
		mkdir -p "$wgnm_dir/$h/state" || return 1
		chmod 700 "$wgnm_dir/$h/state" || return 1
		"$bench_wgnm" --check -c "$wgnm_dir/net.yaml" -i "$tag$h" \
			-a "$(bench_overlay "$h")" -n "$h" --state-dir "$wgnm_dir/$h/state" \
			>"$wgnm_dir/$h/check.log" 2>&1 || {
			cat "$wgnm_dir/$h/check.log" >&2
			return 1
		}
	done
}

# Copies stdin to stdout with a wall clock time (HH:MM:SS.mmm, as in
# bench/run's progress lines) in front of every line: wgnm's stderr has no
# times, and the log is what explains a slow measurement.
wgnm_stamp() {
	local line t us
	while IFS= read -r line; do
		t=$EPOCHREALTIME
		us=${t#*.}
		printf '%(%T)T.%s %s\n' "${t%.*}" "${us:0:3}" "$line"
	done
}

# As bench_spawn, but the output goes through wgnm_stamp (a process of the
# harness's namespace, not counted as the daemon's); $! is still wgnm, as
# `ip netns exec` execs it.
sys_start() {
	local d=$wgnm_dir/$1
	ip netns exec "$tag$1" "$bench_wgnm" --daemon --foreground -c "$wgnm_dir/net.yaml" \
		-i "$tag$1" -a "$(bench_overlay "$1")" -n "$1" --state-dir "$d/state" \
		${WGNM_BENCH_VERBOSE:+-v} </dev/null > >(wgnm_stamp >>"$d/log") 2>&1 &
	echo $! >"$d/pid"
	net_pid $!
	disown $!
}

# wgnm first; wireguard-go is supervised by wgnm, so kill wgnm's children
# too: whatever runs as wireguard-go in the host's namespace.
sys_stop() {
	local wg
	wg=$(sys_pids "$1" | awk '$1 == "wireguard-go" { print $2 }')
	bench_kill_pidfile "$wgnm_dir/$1/pid"
	# shellcheck disable=SC2086
	[ -z "$wg" ] || bench_kill_pids $wg
	rm -f "/var/run/wireguard/$tag$1.sock"
}

sys_pids() {
	local pid p
	pid=$(cat "$wgnm_dir/$1/pid" 2>/dev/null)
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "wgnm $pid"
	for p in $(ip netns pids "$tag$1" 2>/dev/null); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = wireguard-go ] && echo "wireguard-go $p"
	done
	return 0
}

sys_log() {
	echo "$wgnm_dir/$1/log"
}
