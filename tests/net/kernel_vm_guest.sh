#!/bin/bash
# kernel_vm_guest.sh SRCDIR BUILDDIR: runs INSIDE the kernel WireGuard VM
# (started by kernel_vm.sh through run-in-kernel-wg.sh, with KWG_TMPFS=/tmp).
# Drives BUILDDIR/tests/net/wg_kernel_test and BUILDDIR/wgnm.
#
# 1. Two namespaces joined by a veth (198.51.100.1/.2, the "internet"); the
#    kernel WireGuard interfaces in them are created by wgnm's own rtnetlink
#    code (wg_kernel_test create -> rtnl_link_add) and checked with
#    `ip -d link` to be of kind wireguard. Both ends are configured only
#    through the kernel backend (pair); then addresses with ip, pings across
#    the tunnel, `wg show dump` cross-checked against the backend's get, and
#    the big split test (ops) on a third interface, cross-checked the same
#    way. The interfaces are deleted with rtnl_link_del (delete).
# 2. A real mesh on kernel WireGuard: tests/net/mesh_lan.sh with
#    WGNM_TEST_BACKEND=kernel (the daemons get WGNM_BACKEND=kernel and refuse
#    userspace) and CI=true (nothing may skip in here). Its TAP lines pass
#    through; then: it ran its whole plan and passed, every daemon's log says
#    "WireGuard by kernel" and "stopped" (it left on SIGTERM by itself) and
#    holds no sanitizer report, and no wireguard interface, namespace or wgnm
#    process is left in the VM.
#
# Prints TAP lines without a plan of its own (kernel_vm.sh numbers them all
# into one stream and prints the plan); the plans of the programs it runs are
# dropped there, so a program that stops early is caught here by its exit
# status (and for mesh_lan.sh by comparing its plan with its count).
set -u -o pipefail
[ "${KWG_IN_VM:-}" = 1 ] || { echo "run me via run-in-kernel-wg.sh" >&2; exit 2; }
srcdir=$1
builddir=$2
bin=$builddir/tests/net/wg_kernel_test
tag=k$(printf %04x $((RANDOM)))
a=${tag}a
b=${tag}b
fails=0

pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; fails=$((fails + 1)); }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
# Run a TAP-printing helper; its own "not ok" lines count as failures there,
# a non-zero exit without one (a crash, an early exit) must not go unnoticed.
run_tap() { # run_tap DESCRIPTION COMMAND...
	local what=$1
	shift
	local rc=0
	"$@" || rc=$?
	[ "$rc" = 0 ] || { fails=$((fails + 1)); echo "# $what: exit status $rc"; }
}
mesh_dir=
cleanup() {
	ip netns del "$a" 2>/dev/null
	ip netns del "$b" 2>/dev/null
	[ -z "$mesh_dir" ] || rm -rf "$mesh_dir"
}
trap cleanup EXIT

# ---- 1. the kernel backend, interfaces made by wgnm's rtnl -------------------

setup() {
	ip netns add "$a" && ip netns add "$b" &&
		ip link add "${tag}va" type veth peer name "${tag}vb" &&
		ip link set "${tag}va" netns "$a" && ip link set "${tag}vb" netns "$b" &&
		ip -n "$a" addr add 198.51.100.1/24 dev "${tag}va" &&
		ip -n "$b" addr add 198.51.100.2/24 dev "${tag}vb" &&
		ip -n "$a" link set lo up && ip -n "$b" link set lo up &&
		ip -n "$a" link set "${tag}va" up && ip -n "$b" link set "${tag}vb" up
}
if ! setup; then
	fail "namespaces and veth"
	exit 1
fi
pass "namespaces and veth"

run_tap "create in $a" "$bin" create "$a" "${tag}wg0" "${tag}wg1"
run_tap "create in $b" "$bin" create "$b" "${tag}wg0"

is_wg_link() { # is_wg_link NS IF: iproute2 sees a link of kind wireguard
	ip -n "$1" -d -j link show dev "$2" | grep -q '"info_kind":"wireguard"'
}
check "ip -d link: $a/${tag}wg0 is kind wireguard" is_wg_link "$a" "${tag}wg0"
check "ip -d link: $a/${tag}wg1 is kind wireguard" is_wg_link "$a" "${tag}wg1"
check "ip -d link: $b/${tag}wg0 is kind wireguard" is_wg_link "$b" "${tag}wg0"

# Both ends configured through the backend only.
run_tap "pair" "$bin" pair "$a" "${tag}wg0" "$b" "${tag}wg0"

ip -n "$a" addr add 10.77.0.1/24 dev "${tag}wg0" && ip -n "$a" link set "${tag}wg0" up &&
	ip -n "$b" addr add 10.77.0.2/24 dev "${tag}wg0" && ip -n "$b" link set "${tag}wg0" up ||
	fail "tunnel addresses"

# Bounded: up to 5 tries of one ping with a 2 s reply timeout each.
ping_ok() { # ping_ok NS ADDR
	local i
	for i in 1 2 3 4 5; do
		ip netns exec "$1" ping -c 1 -W 2 "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}
check "ping A -> B over kernel WireGuard" ping_ok "$a" 10.77.0.2
check "ping B -> A over kernel WireGuard" ping_ok "$b" 10.77.0.1

# `wg show dump` against the backend's get (rx/tx left out: traffic may run).
same_dump() { # same_dump NS IF MASK_COUNTERS
	local ours theirs mask='{ print }'
	[ "$3" = 1 ] && mask='BEGIN { OFS = "\t" } NF == 8 { $6 = "-"; $7 = "-" } { print }'
	ours=$("$bin" dump "$1" "$2" | awk -F'\t' "$mask") || return 1
	theirs=$(ip netns exec "$1" wg show "$2" dump | awk -F'\t' "$mask") || return 1
	[ -n "$ours" ] || return 1
	if [ "$ours" != "$theirs" ]; then
		diff <(echo "$ours") <(echo "$theirs") | head -5 | sed 's/^/# /'
		return 1
	fi
	return 0
}
check "side A: backend get equals wg show dump" same_dump "$a" "${tag}wg0" 1
check "side B: backend get equals wg show dump" same_dump "$b" "${tag}wg0" 1
hs=$(ip netns exec "$a" wg show "${tag}wg0" latest-handshakes | awk '{ print $2 }')
check "side A: a handshake happened (latest $hs)" test "${hs:-0}" -gt 0

# The big one: replace/append/remove/update_only and the split paths.
run_tap "ops" "$bin" ops "$a" "${tag}wg1"
check "big device: backend get equals wg show dump" same_dump "$a" "${tag}wg1" 0
npeers=$(ip netns exec "$a" wg show "${tag}wg1" peers | wc -l)
naips=$(ip netns exec "$a" wg show "${tag}wg1" allowed-ips | awk '{ n += NF - 1 } END { print n }')
check "big device: wg sees 300 peers ($npeers)" test "$npeers" -eq 300
check "big device: wg sees 2299 allowed IPs ($naips)" test "$naips" -eq 2299

# Deleted by wgnm's rtnl too; iproute2 must agree that they are gone.
run_tap "delete in $a" "$bin" delete "$a" "${tag}wg0" "${tag}wg1"
run_tap "delete in $b" "$bin" delete "$b" "${tag}wg0"
no_wg_links() { # no_wg_links NS...: no link of kind wireguard in any of them
	local ns out
	for ns in "$@"; do
		out=$(ip -n "$ns" -o link show type wireguard) || return 1
		[ -z "$out" ] || { echo "# $ns: $out"; return 1; }
	done
	return 0
}
check "ip link: no wireguard link left in $a and $b" no_wg_links "$a" "$b"
{ ip netns del "$a" && ip netns del "$b"; } || fail "delete namespaces $a and $b"

# ---- 2. a mesh of wgnm daemons on kernel WireGuard ---------------------------

mesh_dir=$(mktemp -d /tmp/wgnm-kvm-mesh.XXXXXX) || { fail "mktemp for the mesh test"; exit 1; }
t0=$(date +%s)
env CI=true top_srcdir="$srcdir" top_builddir="$builddir" WGNM_TEST_BACKEND=kernel \
	WGNM_TEST_DIR="$mesh_dir/wgnm" sh "$srcdir/tests/net/mesh_lan.sh" 2>&1 |
	tee "$mesh_dir/tap"
mesh_rc=${PIPESTATUS[0]}
t1=$(date +%s)

mesh_complete() { # the mesh test ran its whole plan and passed
	local planned ran
	planned=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$mesh_dir/tap" | head -1)
	ran=$(grep -cE '^(not )?ok ' "$mesh_dir/tap")
	echo "# mesh_lan.sh: exit status $mesh_rc, plan ${planned:-none}, ran $ran"
	[ "$mesh_rc" = 0 ] && [ -n "$planned" ] && [ "$planned" -gt 0 ] &&
		[ "$ran" -eq "$planned" ] && ! grep -q '^Bail out!' "$mesh_dir/tap"
}
check "mesh_lan.sh on kernel WireGuard: whole plan run, all passed ($((t1 - t0)) s)" mesh_complete

logs_say() { # logs_say PATTERN: every daemon's log (a, b, c) matches
	local h
	for h in a b c; do
		grep -q "$1" "$mesh_dir/wgnm/$h.log" 2>/dev/null || {
			echo "# $h.log lacks \"$1\":"
			tail -n 5 "$mesh_dir/wgnm/$h.log" 2>/dev/null | sed 's/^/#   /'
			return 1
		}
	done
	return 0
}
check "daemons a, b, c: log says \"WireGuard by kernel\"" logs_say ': WireGuard by kernel,'
check "daemons a, b, c: log says \"stopped\" (left on SIGTERM by themselves)" logs_say ': stopped$'
no_sanitizer_report() { # in a --enable-sanitizers build the reports go to the logs
	! grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$mesh_dir"/wgnm/*.log
}
check "daemons a, b, c: no sanitizer report in their logs" no_sanitizer_report

# This VM is ours alone: whatever is left anywhere in it was left by the test.
no_wg_anywhere() {
	local nss
	nss=$(ip netns list | awk '{ print $1 }')
	[ -z "$nss" ] || echo "# namespaces left: $nss"
	# shellcheck disable=SC2086
	no_wg_links $nss && [ -z "$(ip -o link show type wireguard)" ] && [ -z "$nss" ]
}
check "no wireguard interface and no namespace left in the VM" no_wg_anywhere
no_wgnm_process() {
	local f comm state left=
	for f in /proc/[0-9]*/stat; do
		# comm is in parentheses; the state letter follows it
		read -r _ comm state _ <"$f" 2>/dev/null || continue
		[ "$comm" = "(wgnm)" ] && left="$left ${f#/proc/}($state)"
	done
	[ -z "$left" ] || echo "# wgnm processes left:$left"
	[ -z "$left" ]
}
check "no wgnm process left in the VM" no_wgnm_process

[ "$fails" -eq 0 ]
