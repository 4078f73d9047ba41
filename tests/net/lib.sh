# tests/net/lib.sh: shared helpers for the network-namespace TAP tests.
#
# POSIX sh (make check runs tests with $(SHELL), usually dash: no bash-isms,
# in particular no $RANDOM). Source it first thing:
#
#     . "${top_srcdir:-.}/tests/net/lib.sh"
#     net_init r                 # tag, root check, cleanup trap
#     net_ns a                   # creates namespace ${tag}a, lo up
#     check "lo is up" ip -n "${tag}a" link show lo up
#     wait_for 5 ip netns exec "${tag}a" ping -c1 -W1 10.0.0.2
#     tap_done                   # trailing plan (or call plan N up front)
#
# Tag and cleanup
#   net_init [LETTER]    sets $tag = LETTER (default w) + 4 random hex digits, unused by any
#                        namespace; skips (see CI rule) when not root or `ip` is missing;
#                        installs the cleanup trap on EXIT, HUP, INT, TERM.
#   net_need CMD...      skip_all unless every CMD is in $PATH.
#   net_ns SUFFIX        create namespace ${tag}SUFFIX with lo up (bails out on failure;
#                        call it in the main shell, not inside $(...)).
#   net_pid PID...       kill these PIDs on cleanup (TERM, bounded wait, then KILL).
#   net_at_exit 'CMD'    run CMD (a string, eval'd) on cleanup, last registered first.
#   net_cleanup          what the trap runs (idempotent): at_exit commands, tracked PIDs,
#                        processes inside ${tag}* namespaces, ${tag}* namespaces, ${tag}*
#                        links and nft tables in the caller's namespace, stale
#                        /var/run/wireguard/${tag}*.sock. Only things carrying the tag.
#
# Polling
#   wait_for TIMEOUT_S CMD...   run CMD until it succeeds; at most TIMEOUT_S seconds (wall
#                               clock) AND at most TIMEOUT_S*20 attempts, 50 ms apart.
#                               Returns 0 on success, 1 on timeout. CMD output is discarded.
#
# TAP (one line per check, numbered automatically)
#   plan N               print "1..N" now (optional; tap_done prints a trailing plan otherwise)
#   ok DESC / not_ok DESC
#   check DESC CMD...    ok if CMD exits 0 (its output goes to the log as "# " lines on failure)
#   skip DESC REASON     "ok N # SKIP REASON"; under CI=true it is "not ok" instead
#   skip_all REASON      "1..0 # SKIP REASON", exit 0; under CI=true "not ok" and exit 1
#   bail REASON          "Bail out! REASON", exit 1 (cleanup still runs)
#   diag MSG...          "# MSG"
#   tap_done             trailing plan if none was printed; exit status 1 if anything failed
#
# CI rule: with CI=true a test that cannot run must fail, never skip.

tap_n=0
tap_failed=0
tap_planned=
net_pids=
net_exit_cmds=
net_cleaned=
tag=

diag() {
	printf '# %s\n' "$*"
}

plan() {
	tap_planned=$1
	printf '1..%s\n' "$1"
}

ok() {
	tap_n=$((tap_n + 1))
	printf 'ok %d - %s\n' "$tap_n" "$1"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	printf 'not ok %d - %s\n' "$tap_n" "$1"
}

check() {
	_desc=$1
	shift
	if _out=$("$@" 2>&1); then
		ok "$_desc"
	else
		not_ok "$_desc"
		diag "command: $*"
		printf '%s\n' "$_out" | sed 's/^/#   /'
	fi
}

skip() {
	if [ "${CI:-}" = true ]; then
		not_ok "$1 (cannot run under CI=true: $2)"
	else
		tap_n=$((tap_n + 1))
		printf 'ok %d - %s # SKIP %s\n' "$tap_n" "$1" "$2"
	fi
}

skip_all() {
	if [ "${CI:-}" = true ]; then
		[ -n "$tap_planned" ] || printf '1..%d\n' $((tap_n + 1))
		not_ok "cannot run under CI=true: $1"
		exit 1
	fi
	printf '1..0 # SKIP %s\n' "$1"
	exit 0
}

bail() {
	printf 'Bail out! %s\n' "$*"
	exit 1
}

tap_done() {
	[ -n "$tap_planned" ] || printf '1..%d\n' "$tap_n"
	if [ -n "$tap_planned" ] && [ "$tap_planned" -ne "$tap_n" ]; then
		diag "planned $tap_planned tests but ran $tap_n"
		exit 1
	fi
	[ "$tap_failed" -eq 0 ] || exit 1
	exit 0
}

# --- polling ------------------------------------------------------------------

wait_for() {
	_timeout=$1
	shift
	_deadline=$(($(date +%s) + _timeout))
	_tries=$((_timeout * 20))
	while :; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		_tries=$((_tries - 1))
		if [ "$_tries" -le 0 ] || [ "$(date +%s)" -ge "$_deadline" ]; then
			return 1
		fi
		sleep 0.05
	done
}

# --- tag, namespaces, cleanup -------------------------------------------------

net_need() {
	for _c in "$@"; do
		command -v "$_c" >/dev/null 2>&1 || skip_all "needs $_c"
	done
}

net_init() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
	net_need ip od
	_letter=${1:-w}
	_i=0
	while :; do
		tag=$_letter$(od -An -N2 -tx2 /dev/urandom | tr -d ' \n')
		ip netns list 2>/dev/null | grep -q "^$tag" || break
		_i=$((_i + 1))
		[ "$_i" -lt 20 ] || bail "no unused tag found"
	done
	trap net_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 141' PIPE
	diag "tag $tag"
}

net_ns() {
	ip netns add "$tag$1" || bail "cannot create namespace $tag$1"
	ip -n "$tag$1" link set lo up || bail "cannot set lo up in $tag$1"
}

net_pid() {
	net_pids="$net_pids $*"
}

net_at_exit() {
	net_exit_cmds="$1
$net_exit_cmds"
}

# Kill each PID: TERM, wait up to 2 s for all of them, then KILL what is left.
net_kill_pids() {
	[ -n "$*" ] || return 0
	kill "$@" 2>/dev/null
	_n=40
	while [ "$_n" -gt 0 ]; do
		_alive=
		for _p in "$@"; do
			kill -0 "$_p" 2>/dev/null && _alive="$_alive $_p"
		done
		[ -n "$_alive" ] || return 0
		sleep 0.05
		_n=$((_n - 1))
	done
	# shellcheck disable=SC2086
	kill -9 $_alive 2>/dev/null
	return 0
}

net_cleanup() {
	_rc=$?
	[ -z "$net_cleaned" ] || return 0
	net_cleaned=1
	trap - EXIT HUP INT TERM PIPE
	if [ -n "$net_exit_cmds" ]; then
		printf '%s\n' "$net_exit_cmds" | while IFS= read -r _cmd; do
			[ -z "$_cmd" ] || eval "$_cmd" >/dev/null 2>&1
		done
	fi
	# shellcheck disable=SC2086
	net_kill_pids $net_pids
	if [ -n "$tag" ]; then
		for _ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$tag"); do
			# shellcheck disable=SC2046
			net_kill_pids $(ip netns pids "$_ns" 2>/dev/null)
			ip netns del "$_ns" 2>/dev/null
		done
		for _l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' |
			sed 's/@.*//' | grep "^$tag"); do
			ip link del "$_l" 2>/dev/null
		done
		if command -v nft >/dev/null 2>&1; then
			nft list tables 2>/dev/null | awk '{print $2, $3}' | grep " $tag" |
				while read -r _fam _t; do
					nft delete table "$_fam" "$_t" 2>/dev/null
				done
		fi
		rm -f /var/run/wireguard/"$tag"*.sock
	fi
	exit "$_rc"
}
