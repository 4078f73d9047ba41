#!/bin/bash
# kernel_vm_guest.sh BIN: runs INSIDE the kernel WireGuard VM (started by
# kernel_vm.sh through run-in-kernel-wg.sh); BIN is tests/net/wg_kernel_test.
#
# Two namespaces joined by a veth (198.51.100.1/.2, the "internet"), a
# kernel WireGuard interface in each, configured on both sides only through
# the kernel backend (BIN pair); then addresses with ip, pings across the
# tunnel, `wg show dump` cross-checked against the backend's get, and the big
# split test (BIN ops) on a third interface, cross-checked the same way.
# Prints TAP lines (kernel_vm.sh numbers them and prints the plan).
set -u -o pipefail
[ "${KWG_IN_VM:-}" = 1 ] || { echo "run me via run-in-kernel-wg.sh" >&2; exit 2; }
bin=$1
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
cleanup() {
	ip netns del "$a" 2>/dev/null
	ip netns del "$b" 2>/dev/null
}
trap cleanup EXIT

# Topology.
setup() {
	ip netns add "$a" && ip netns add "$b" &&
		ip link add "${tag}va" type veth peer name "${tag}vb" &&
		ip link set "${tag}va" netns "$a" && ip link set "${tag}vb" netns "$b" &&
		ip -n "$a" addr add 198.51.100.1/24 dev "${tag}va" &&
		ip -n "$b" addr add 198.51.100.2/24 dev "${tag}vb" &&
		ip -n "$a" link set lo up && ip -n "$b" link set lo up &&
		ip -n "$a" link set "${tag}va" up && ip -n "$b" link set "${tag}vb" up &&
		ip -n "$a" link add "${tag}wg0" type wireguard &&
		ip -n "$b" link add "${tag}wg0" type wireguard &&
		ip -n "$a" link add "${tag}wg1" type wireguard
}
if ! setup; then
	fail "namespaces, veth and kernel WireGuard links"
	exit 1
fi
pass "namespaces, veth and kernel WireGuard links"

# Both ends configured through the backend only.
"$bin" pair "$a" "${tag}wg0" "$b" "${tag}wg0" || fails=$((fails + 1))

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
"$bin" ops "$a" "${tag}wg1" || fails=$((fails + 1))
check "big device: backend get equals wg show dump" same_dump "$a" "${tag}wg1" 0
npeers=$(ip netns exec "$a" wg show "${tag}wg1" peers | wc -l)
naips=$(ip netns exec "$a" wg show "${tag}wg1" allowed-ips | awk '{ n += NF - 1 } END { print n }')
check "big device: wg sees 300 peers ($npeers)" test "$npeers" -eq 300
check "big device: wg sees 2299 allowed IPs ($naips)" test "$naips" -eq 2299

[ "$fails" -eq 0 ]
