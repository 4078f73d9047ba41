#!/bin/sh
# Reload on SIGHUP (wgnm --daemon --foreground), real WireGuard in namespaces.
#
#   a 203.0.113.1 ---- 203.0.113.2 b 198.51.100.1 ---- 198.51.100.3 c
#
# a is the one static peer of the first net.yaml. a has a route to
# 198.51.100.0/24 through b, c has none to 203.0.113.0/24: c cannot reach a,
# so it cannot join. Then, sending SIGHUP to all three each time:
#   (1) a broken net.yaml: every daemon keeps running, logs the error with
#       file:line:column and "keeping the running configuration"; a and b
#       still ping each other;
#   (3) a changed subnet: refused, naming the subnet and both values;
#   (2) net.yaml with b as a second static peer (at 198.51.100.1, which a
#       reaches through its route): c links to b and reaches a through it;
#   (4) the three daemons keep their pids throughout, and c told its service
#       manager (NOTIFY_SOCKET) RELOADING=1 then READY=1 for every SIGHUP.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
net_init r
wgnm_init
plan 17

net_ns a
net_ns b
net_ns c
topo_veth a eth0 b eth0
topo_veth b eth1 c eth0
ip -n "${tag}a" addr add 203.0.113.1/24 dev eth0
ip -n "${tag}b" addr add 203.0.113.2/24 dev eth0
ip -n "${tag}b" addr add 198.51.100.1/24 dev eth1
ip -n "${tag}c" addr add 198.51.100.3/24 dev eth0
ip -n "${tag}a" route add 198.51.100.0/24 via 203.0.113.2

# net.yaml with one key for the whole test: SUBNET then STATIC... as for wgnm_net.
key=$(head -c 32 /dev/urandom | base64)
write_net() {
	_subnet=$1
	shift
	{
		printf 'network:\n  sharedKey: %s\n  subnet: %s\npeers:\n' "$key" "$_subnet"
		for _s in "$@"; do
			_ep=${_s%%,*}
			_rest=${_s#*,}
			printf '  - endPoint: %s\n    adminPort: %s\n    wgIp: %s\n' \
				"$_ep" "${_rest%%,*}" "${_rest#*,}"
		done
	} >"$wgnm_dir/net.yaml.new"
	chmod 600 "$wgnm_dir/net.yaml.new"
	mv "$wgnm_dir/net.yaml.new" "$wgnm_dir/net.yaml"
}
static_a=203.0.113.1:50001,50501,10.1.1.1
static_b=198.51.100.1:50002,50502,10.1.1.2
write_net 10.1.0.0/16 "$static_a"

# c reports to a service manager: a datagram socket, one line per notification.
notify_sock=$wgnm_dir/notify.sock
notify_log=$wgnm_dir/notify.log
have_notify=
if command -v python3 >/dev/null 2>&1; then
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(4096).decode(errors="replace").replace("\n", " ") + "\n")
        f.flush()
' "$notify_sock" "$notify_log" &
	net_pid $!
	wait_for 5 test -S "$notify_sock" && have_notify=1
fi

wgnm_start a 10.1.1.1
wgnm_start b 10.1.1.2
if [ -n "$have_notify" ]; then
	NOTIFY_SOCKET=$notify_sock wgnm_start c 10.1.1.3
else
	wgnm_start c 10.1.1.3
fi
pids="$(wgnm_pid a) $(wgnm_pid b) $(wgnm_pid c)"

if wgnm_all_reach 30 a:10.1.1.1 b:10.1.1.2; then
	ok "a and b converged in ${wgnm_elapsed} s"
else
	not_ok "a and b converged within 30 s"
	wgnm_dump_logs
fi
check "c cannot reach a with a as its only static peer" sh -c "! ip netns exec ${tag}c ping -c1 -W1 10.1.1.1"

hup_all() {
	for _h in a b c; do
		kill -HUP "$(wgnm_pid $_h)"
	done
}
# count PATTERN FILE: lines matching (extended regex)
count() {
	grep -cE "$1" "$2" 2>/dev/null || true
}
# at_least N PATTERN HOST...: each HOST's log has N lines matching
at_least() {
	_n=$1
	_pat=$2
	shift 2
	for _h in "$@"; do
		[ "$(count "$_pat" "$wgnm_dir/$_h.log")" -ge "$_n" ] || return 1
	done
}
keeping='reload failed: keeping the running configuration'

# (1) a broken net.yaml: b's wgIp outside the subnet, on line 10 column 11
write_net 10.1.0.0/16 "$static_a" 198.51.100.1:50002,50502,10.9.1.2
hup_all
if wait_for 10 at_least 1 "$keeping" a b c; then
	ok "broken net.yaml: every daemon keeps the running configuration"
else
	not_ok "broken net.yaml: every daemon says it keeps the running configuration"
	wgnm_dump_logs
fi
check "broken net.yaml: the error is logged with file:line:column" \
	grep -qE "net\.yaml:10:11: wgIp 10\.9\.1\.2 is outside subnet 10\.1\.0\.0/16" "$wgnm_dir/c.log"
check "broken net.yaml: no reload applied" sh -c "! grep -q 'reload: done' $wgnm_dir/a.log"
check "broken net.yaml: a and b still reach each other" wgnm_all_reach 10 a:10.1.1.1 b:10.1.1.2

# (3) another subnet that still holds every address: refused, named
write_net 10.1.0.0/17 "$static_a"
hup_all
if wait_for 10 at_least 2 "$keeping" a b c; then
	ok "changed subnet: refused by every daemon"
else
	not_ok "changed subnet: refused by every daemon"
	wgnm_dump_logs
fi
check "changed subnet: the message names it" grep -qF \
	"reload: the subnet changed (10.1.0.0/16 -> 10.1.0.0/17): restart wgnm to apply it" \
	"$wgnm_dir/b.log"
check "changed subnet: a and b still reach each other" wgnm_all_reach 10 a:10.1.1.1 b:10.1.1.2

# (2) b as a second static peer: c joins through it
write_net 10.1.0.0/16 "$static_a" "$static_b"
t0=$(date +%s)
hup_all
if wait_for 10 at_least 1 'reload: done' a b c; then
	ok "static peer added: every daemon reloaded"
else
	not_ok "static peer added: every daemon reloaded"
	wgnm_dump_logs
fi
check "static peer added: c logs 2 static peers, 1 added" \
	grep -qF "reload: 2 static peers (+1 -0, 0 changed)" "$wgnm_dir/c.log"
if wgnm_all_reach 30 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3; then
	ok "static peer added: c reaches a and b (and they c) $(($(date +%s) - t0)) s after SIGHUP"
else
	not_ok "static peer added: everyone reaches everyone within 30 s"
	wgnm_dump_logs
fi
check "static peer added: b finds itself in the list (its ports unchanged)" \
	grep -qF "reload: 2 static peers (+1 -0, 0 changed)" "$wgnm_dir/b.log"

# (4) the same processes throughout
alive=0
for p in $pids; do
	kill -0 "$p" 2>/dev/null && alive=$((alive + 1))
done
check "all three daemons alive with the pids they started with" [ "$alive" -eq 3 ]
same_pids() { [ "$pids" = "$(wgnm_pid a) $(wgnm_pid b) $(wgnm_pid c)" ]; }
check "pids unchanged" same_pids
check "no daemon logged a detach" sh -c "! grep -q 'detached from the terminal' $wgnm_dir/*.log"

# RELOADING=1 ... READY=1 for each of the three SIGHUPs
reload_pairs() {
	awk '/^RELOADING=1/ { r = 1; next } /^READY=1/ && r { n++; r = 0 } END { print n + 0 }' \
		"$notify_log"
}
if [ -n "$have_notify" ]; then
	three_pairs() { [ "$(reload_pairs)" -eq 3 ]; }
	if wait_for 5 three_pairs; then
		ok "c sent RELOADING=1 then READY=1 for each SIGHUP"
	else
		not_ok "c sent RELOADING=1 then READY=1 for each SIGHUP (got $(reload_pairs) pairs)"
		sed 's/^/#   /' "$notify_log"
	fi
else
	skip "RELOADING=1 then READY=1" "needs python3 for the notification socket"
fi
tap_done
