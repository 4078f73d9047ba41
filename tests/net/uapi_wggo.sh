#!/bin/sh
# uapi_wggo: the UAPI backend and the userspace supervisor against real
# wireguard-go, in two network namespaces joined by a veth
# (198.51.100.1/24 <-> 198.51.100.2/24), overlay 10.99.0.1 <-> 10.99.0.2.
# Everything WireGuard is configured by tests/net/wgctl_test (wgnm code only);
# `wg show ... dump` (same UAPI socket) and ping are the independent checks.
# `ip` sets overlay addresses and links up until the rtnetlink module does.
# TAP output; needs root (skips when not root, fails under CI=true).

set -u

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { # check "description" command...
	d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d"; fi
}
diagf() { sed 's/^/# /' "$@"; }

cannot_run() {
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - cannot run: $1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

[ "$(id -u)" = 0 ] || cannot_run "needs root"
for c in wireguard-go wg ip ping od; do
	command -v "$c" >/dev/null 2>&1 || cannot_run "needs $c"
done
[ -c /dev/net/tun ] || cannot_run "needs /dev/net/tun"
H=${top_builddir:-.}/tests/net/wgctl_test
[ -x "$H" ] || cannot_run "$H not built"

tag=w$(od -An -N2 -tx2 /dev/urandom | tr -d ' \n')
A=${tag}a
B=${tag}b
IFA=${tag}a0
IFB=${tag}b0
IFS0=${tag}s0
SOCKDIR=/var/run/wireguard
T=$(mktemp -d "/tmp/${tag}.XXXXXX")
SUP_A= SUP_B= SUP_S= HANG=

wgpid() { sed -n 's/^pid=\([0-9]*\).*/\1/p' "$1" 2>/dev/null; }

cleanup() {
	for p in $SUP_A $SUP_B $SUP_S $HANG; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $SUP_A $SUP_B $SUP_S $HANG; do
		wait "$p" 2>/dev/null
	done
	# children of a supervisor that did not stop them
	for f in "$T"/*.state; do
		p=$(wgpid "$f")
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
	done
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -f "$SOCKDIR/$IFA.sock" "$SOCKDIR/$IFB.sock" "$SOCKDIR/$IFS0.sock"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# poll "cond" up to $2 tries, 0.1 s apart (bounded by count and time)
wait_for() {
	i=0
	while [ "$i" -lt "$2" ]; do
		if eval "$1"; then return 0; fi
		i=$((i + 1))
		sleep 0.1
	done
	return 1
}

# ---- topology ---------------------------------------------------------------
ip netns add "$A" && ip netns add "$B" &&
	ip link add "${tag}va" type veth peer name "${tag}vb" &&
	ip link set "${tag}va" netns "$A" && ip link set "${tag}vb" netns "$B" &&
	ip -n "$A" addr add 198.51.100.1/24 dev "${tag}va" &&
	ip -n "$B" addr add 198.51.100.2/24 dev "${tag}vb" &&
	ip -n "$A" link set lo up && ip -n "$B" link set lo up &&
	ip -n "$A" link set "${tag}va" up && ip -n "$B" link set "${tag}vb" up
check "namespaces $A and $B joined by a veth" [ $? -eq 0 ]

KA=$(wg genkey) KB=$(wg genkey)
PA=$(echo "$KA" | wg pubkey) PB=$(echo "$KB" | wg pubkey)
PSK=$(wg genkey)
CONF_A="priv=$KA port=51820 replace_peers peer=$PB psk=$PSK ep=198.51.100.2:51820 ka=0 ip=10.99.0.2/32"
CONF_B="priv=$KB port=51820 replace_peers peer=$PA psk=$PSK ep=198.51.100.1:51820 ip=10.99.0.1/32"

# The supervisor applies the config once up, and again after every restart.
# shellcheck disable=SC2086
ip netns exec "$A" "$H" supervise "$IFA" "$T/a.state" $CONF_A 2>"$T/a.log" &
SUP_A=$!
# shellcheck disable=SC2086
ip netns exec "$B" "$H" supervise "$IFB" "$T/b.state" $CONF_B 2>"$T/b.log" &
SUP_B=$!
check "supervisor started wireguard-go for $IFA and applied its config" \
	wait_for "[ -s '$T/a.state' ]" 100
check "supervisor started wireguard-go for $IFB and applied its config" \
	wait_for "[ -s '$T/b.state' ]" 100
grep -q 'impl=wireguard-go' "$T/a.state" 2>/dev/null
check "implementation is wireguard-go" [ $? -eq 0 ]
PIDA=$(wgpid "$T/a.state")
PIDB=$(wgpid "$T/b.state")
check "wireguard-go $IFA runs (pid ${PIDA:-?})" kill -0 "${PIDA:-0}"
has_link() { ip -n "$1" link show "$2" >/dev/null 2>&1; }
check "its TUN device $IFA lives in namespace $A" has_link "$A" "$IFA"
check "wgctl_test exists $IFA" "$H" exists "$IFA"

up_overlay() {
	ip -n "$A" addr add 10.99.0.1/24 dev "$IFA" 2>/dev/null
	ip -n "$B" addr add 10.99.0.2/24 dev "$IFB" 2>/dev/null
	ip -n "$A" link set "$IFA" up && ip -n "$B" link set "$IFB" up
}
check "overlay addresses and links up (ip)" up_overlay

# ---- read back and cross-check with wg ----------------------------------------
# Compare our get with `wg show dump`, except the counters (handshake, rx, tx)
# that may move between the two reads. Peer lines sorted (wg sorts them).
static_cols() { awk -F'\t' 'NR==1 {print; next} {print $1"\t"$2"\t"$3"\t"$4"\t"$8}' | sort; }
crosscheck() { # ifname
	"$H" get "$1" >"$T/ours" 2>"$T/ours.err" || return 1
	wg show "$1" dump >"$T/wg" 2>"$T/wg.err" || return 1
	static_cols <"$T/ours" >"$T/ours.s"
	static_cols <"$T/wg" >"$T/wg.s"
	if ! cmp -s "$T/ours.s" "$T/wg.s"; then
		diff "$T/wg.s" "$T/ours.s" | diagf
		return 1
	fi
}
check "get $IFA agrees with wg show dump" crosscheck "$IFA"
check "get $IFB agrees with wg show dump" crosscheck "$IFB"
"$H" get "$IFA" >"$T/a.dump" 2>&1
field() { awk -F'\t' -v r="$1" -v c="$2" 'NR==r {print $c}' "$T/a.dump"; }
check "$IFA private key as set" [ "$(field 1 1)" = "$KA" ]
check "$IFA public key derived" [ "$(field 1 2)" = "$PA" ]
check "$IFA listen port 51820" [ "$(field 1 3)" = 51820 ]
check "$IFA peer is B with psk" test "$(field 2 1)" = "$PB" -a "$(field 2 2)" = "$PSK"
check "$IFA peer endpoint 198.51.100.2:51820" [ "$(field 2 3)" = 198.51.100.2:51820 ]
check "$IFA peer allowed IP 10.99.0.2/32" [ "$(field 2 4)" = 10.99.0.2/32 ]
check "no handshake before traffic" [ "$(field 2 5)" = 0 ]

# ---- traffic -----------------------------------------------------------------
ping_ab() { ip netns exec "$A" ping -c 1 -W 1 10.99.0.2 >/dev/null 2>&1; }
ping_ba() { ip netns exec "$B" ping -c 1 -W 1 10.99.0.1 >/dev/null 2>&1; }
check "ping 10.99.0.1 -> 10.99.0.2 through the tunnel" wait_for ping_ab 30
check "ping 10.99.0.2 -> 10.99.0.1 through the tunnel" wait_for ping_ba 30

counters_nonzero() { # ifname
	"$H" get "$1" | awk -F'\t' 'NR==2 { exit !($5 > 0 && $6 > 0 && $7 > 0) }'
}
check "$IFA: last handshake, rx and tx are non-zero after the ping" counters_nonzero "$IFA"
check "$IFB: last handshake, rx and tx are non-zero after the ping" counters_nonzero "$IFB"
wg_counters_nonzero() {
	wg show "$1" dump | awk -F'\t' 'NR==2 { exit !($5 > 0 && $6 > 0 && $7 > 0) }'
}
check "wg show agrees the counters moved" wg_counters_nonzero "$IFA"
check "get $IFA still agrees with wg show dump" crosscheck "$IFA"

# ---- replace vs. append on the live device -------------------------------------
aips() { wg show "$IFA" allowed-ips | awk -v k="$PB" '$1 == k { $1 = ""; print }' | tr ' ' '\n' | grep . | sort | tr '\n' ' '; }
"$H" set "$IFA" "peer=$PB" ip=10.99.5.0/24 ip=fd00:99::2/128
check "append: wg shows the old and new allowed IPs" \
	[ "$(aips)" = "10.99.0.2/32 10.99.5.0/24 fd00:99::2/128 " ]
"$H" set "$IFA" "peer=$PB" replace_ips ip=10.99.0.2/32
check "replace: wg shows only the replacement" [ "$(aips)" = "10.99.0.2/32 " ]
"$H" set "$IFA" "peer=$PSK" update_only ip=10.99.7.0/24
check "update_only for an unknown peer adds nothing" [ "$(wg show "$IFA" peers | wc -l)" -eq 1 ]
"$H" set "$IFA" "peer=$PSK" ip=10.99.8.0/24
"$H" set "$IFA" "peer=$PSK" remove
check "add then remove a peer: back to one peer" [ "$(wg show "$IFA" peers | wc -l)" -eq 1 ]
check "tunnel still works after the edits" wait_for ping_ab 30

# ---- the semantic table (same as tests/unit/wg_fake_test) -----------------------
ip netns exec "$A" "$H" supervise "$IFS0" "$T/s.state" 2>"$T/s.log" &
SUP_S=$!
check "third supervised wireguard-go ($IFS0) for the table" wait_for "[ -s '$T/s.state' ]" 100
"$H" semantics "$IFS0" >"$T/sem" 2>&1
while IFS= read -r line; do
	case $line in
	"ok "*) ok "semantics (wireguard-go): ${line#* - }" ;;
	"not ok "*) nok "semantics (wireguard-go): ${line#* - }" ;;
	*) echo "# $line" ;;
	esac
done <"$T/sem"

# ---- 1000 peers in one set -------------------------------------------------------
"$H" bulk "$IFS0" 1000 >"$T/bulk" 2>&1
bulk_rc=$?
diagf "$T/bulk"
check "1000 peers set in one call and read back identical" [ "$bulk_rc" -eq 0 ]
check "wg show sees 1000 peers" [ "$(wg show "$IFS0" peers | wc -l)" -eq 1000 ]
check "get $IFS0 (1000 peers) agrees with wg show dump" crosscheck "$IFS0"

# ---- stop: the child and its interface are gone -----------------------------------
PIDS=$(wgpid "$T/s.state")
kill -TERM "$SUP_S"
wait "$SUP_S"
check "supervisor of $IFS0 exits 0 on SIGTERM" [ $? -eq 0 ]
SUP_S=
check "wireguard-go $IFS0 (pid $PIDS) is gone" wait_for "! kill -0 $PIDS 2>/dev/null" 30
check "socket $SOCKDIR/$IFS0.sock is gone" [ ! -e "$SOCKDIR/$IFS0.sock" ]
check "interface $IFS0 is gone" wait_for "! ip -n $A link show $IFS0 >/dev/null 2>&1" 30

# ---- restart after the child is killed -------------------------------------------
kill -KILL "$PIDA"
check "supervisor restarted wireguard-go $IFA and called on_restart" \
	wait_for "grep -q 'restarts=1 .*reapply=ok' '$T/a.state'" 100
NPIDA=$(wgpid "$T/a.state")
check "new pid ${NPIDA:-?} differs from the killed $PIDA" test -n "$NPIDA" -a "$NPIDA" != "$PIDA"
check "old pid $PIDA is gone" wait_for "! kill -0 $PIDA 2>/dev/null" 30
check "config re-applied by on_restart (wg show agrees)" crosscheck "$IFA"
check "re-applied private key" [ "$(wg show "$IFA" private-key)" = "$KA" ]
# the new TUN device lost its address and link state: the core re-adds them
check "overlay on the new $IFA up again (ip)" up_overlay
check "ping through the tunnel after the restart" wait_for ping_ab 50

# ---- a hung UAPI socket times out within the deadline ---------------------------------
mkdir -p "$T/sock"
"$H" hang "$T/sock" hung0 &
HANG=$!
check "hanging listener up" wait_for "[ -S '$T/sock/hung0.sock' ]" 50
t0=$(date +%s%N)
"$H" -d "$T/sock" -t 500 get hung0 >/dev/null 2>"$T/hang.err"
hrc=$?
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
diagf "$T/hang.err"
check "get on a hung socket fails" [ "$hrc" -ne 0 ]
check "... with ETIMEDOUT and a log line naming the interface" \
	grep -q 'hung0.*no answer within 500 ms' "$T/hang.err"
check "... after ${ms} ms (deadline 500 ms, limit 1500 ms)" test "$ms" -ge 450 -a "$ms" -lt 1500
t0=$(date +%s%N)
"$H" -d "$T/sock" -t 300 set hung0 port=1 >/dev/null 2>&1
hrc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "set on a hung socket times out too (${ms} ms, deadline 300 ms)" \
	test "$hrc" -ne 0 -a "$ms" -lt 1300
kill -TERM "$HANG"
wait "$HANG" 2>/dev/null
HANG=

# ---- stop the remaining supervisors ------------------------------------------------
for side in a b; do
	if [ $side = a ]; then sup=$SUP_A ifn=$IFA ns=$A; else sup=$SUP_B ifn=$IFB ns=$B; fi
	p=$(wgpid "$T/$side.state")
	kill -TERM "$sup"
	wait "$sup"
	check "supervisor of $ifn exits 0" [ $? -eq 0 ]
	check "wireguard-go $ifn (pid $p) is gone" wait_for "! kill -0 $p 2>/dev/null" 30
	check "socket of $ifn is gone" [ ! -e "$SOCKDIR/$ifn.sock" ]
	check "interface $ifn is gone from $ns" wait_for "! ip -n $ns link show $ifn >/dev/null 2>&1" 30
done
SUP_A= SUP_B=

if [ "$failed" -ne 0 ]; then
	for f in "$T"/*.log; do
		echo "# --- $f"
		diagf "$f"
	done
fi
echo "1..$n"
[ "$failed" -eq 0 ]
