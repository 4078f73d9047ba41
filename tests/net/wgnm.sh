# tests/net/wgnm.sh: run wgnm nodes in the namespaces of tests/net/topo.sh.
#
# POSIX sh; source after lib.sh, topo.sh and net_init. Every node HOST runs in
# namespace ${tag}HOST with interface ${tag}HOST, state in $wgnm_dir/HOST and
# its log in $wgnm_dir/HOST.log (printed as TAP diagnostics when a check fails
# through wgnm_dump_logs). The daemons use wireguard-go (WGNM_BACKEND=userspace)
# unless WGNM_TEST_BACKEND says otherwise. With WGNM_TEST_DIR set, $wgnm_dir is
# that directory and is not removed at exit (the caller checks the logs, which
# then include the daemons' shutdown; tests/net/kernel_vm_guest.sh does).
#
#   wgnm_init                           $wgnm_dir, the binary, cleanup
#   wgnm_net STATIC...                  write $wgnm_dir/net.yaml; STATIC is
#                                       HOST_ADDR:WGPORT,ADMINPORT,WGIP
#   wgnm_start HOST WGIP [ARGS...]      start a daemon (foreground mode, in the
#                                       background of the test), PID tracked;
#                                       $WGNM_WRAP (words) runs before it, e.g.
#                                       setpriv with fewer capabilities
#   wgnm_stop HOST [SIGNAL]             signal it (TERM) and wait (bounded)
#   wgnm_pid HOST                       its PID
#   wgnm_reach FROM WGIP                one ping over the overlay
#   wgnm_all_reach TIMEOUT HOST:WGIP... every ordered pair reachable within
#                                       TIMEOUT s; prints the time taken
#   wgnm_check_reach TIMEOUT HOST:WGIP...
#                                       one TAP check of wgnm_all_reach (logs on failure)
#   wgnm_start_a [ARGS...]              the four nodes of topology A (topo_layout_a):
#                                       b (10.1.1.2, the static peer), a .1, c .3, d .4
#   wgnm_dump_logs                      logs as TAP diagnostics

wgnm_init() {
	wgnm_bin=${top_builddir:-.}/wgnm
	[ -x "$wgnm_bin" ] || bail "no wgnm binary at $wgnm_bin (build first)"
	net_need wireguard-go ping
	if [ -n "${WGNM_TEST_DIR:-}" ]; then
		# The caller's directory, kept: it reads the logs after the test.
		wgnm_dir=$WGNM_TEST_DIR
		mkdir -p "$wgnm_dir" || bail "mkdir $wgnm_dir"
	else
		wgnm_dir=$(mktemp -d "/tmp/wgnm-test.$tag.XXXXXX") || bail "mktemp"
		net_at_exit "rm -rf '$wgnm_dir'"
	fi
}

wgnm_net() {
	_key=$(head -c 32 /dev/urandom | base64)
	{
		printf 'network:\n  sharedKey: %s\n  subnet: 10.1.0.0/16\npeers:\n' "$_key"
		for _s in "$@"; do
			_ep=${_s%%,*}
			_rest=${_s#*,}
			printf '  - endPoint: %s\n    adminPort: %s\n    wgIp: %s\n' \
				"$_ep" "${_rest%%,*}" "${_rest#*,}"
		done
	} >"$wgnm_dir/net.yaml"
	chmod 600 "$wgnm_dir/net.yaml"
}

wgnm_start() {
	_h=$1
	_ip=$2
	shift 2
	# shellcheck disable=SC2086
	ip netns exec "$tag$_h" env WGNM_BACKEND="${WGNM_TEST_BACKEND:-userspace}" \
		${WGNM_WRAP:-} "$wgnm_bin" --daemon --foreground -v -c "$wgnm_dir/net.yaml" -i "$tag$_h" \
		-a "$_ip" -n "$_h" --state-dir "$wgnm_dir/$_h" "$@" >>"$wgnm_dir/$_h.log" 2>&1 &
	eval "wgnm_pid_$_h=$!"
	net_pid $!
}

wgnm_pid() {
	eval "echo \$wgnm_pid_$1"
}

wgnm_stop() {
	_p=$(wgnm_pid "$1")
	[ -n "$_p" ] || return 0
	kill "-${2:-TERM}" "$_p" 2>/dev/null
	_n=100
	while kill -0 "$_p" 2>/dev/null && [ "$_n" -gt 0 ]; do
		sleep 0.05
		_n=$((_n - 1))
	done
	wait "$_p" 2>/dev/null
	eval "wgnm_pid_$1="
}

wgnm_reach() {
	ip netns exec "$tag$1" ping -c1 -W1 "$2" >/dev/null 2>&1
}

# Every ordered pair of HOST:WGIP reachable within TIMEOUT seconds (all pairs
# share the deadline). Sets wgnm_elapsed to the seconds it took.
wgnm_all_reach() {
	_timeout=$1
	shift
	_t0=$(date +%s.%N)
	_deadline=$(($(date +%s) + _timeout))
	for _a in "$@"; do
		for _b in "$@"; do
			[ "$_a" = "$_b" ] && continue
			_left=$((_deadline - $(date +%s)))
			[ "$_left" -gt 0 ] || _left=1
			wait_for "$_left" wgnm_reach "${_a%%:*}" "${_b#*:}" || {
				diag "${_a%%:*} cannot reach ${_b%%:*} (${_b#*:})"
				return 1
			}
		done
	done
	wgnm_elapsed=$(awk -v a="$_t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	return 0
}

wgnm_dump_logs() {
	for _f in "$wgnm_dir"/*.log; do
		[ -f "$_f" ] || continue
		diag "--- $(basename "$_f")"
		tail -n 40 "$_f" | sed 's/^/#   /'
	done
}

wgnm_check_reach() {
	_t=$1
	shift
	if wgnm_all_reach "$_t" "$@"; then
		ok "every ordered pair of $# nodes reachable in ${wgnm_elapsed} s"
	else
		not_ok "every ordered pair of $# nodes reachable within $_t s"
		wgnm_dump_logs
	fi
}

wgnm_start_a() {
	wgnm_net 203.0.113.2:50002,50502,10.1.1.2
	wgnm_start b 10.1.1.2 "$@"
	wgnm_start a 10.1.1.1 "$@"
	wgnm_start c 10.1.1.3 "$@"
	wgnm_start d 10.1.1.4 "$@"
}
