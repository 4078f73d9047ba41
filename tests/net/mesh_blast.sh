#!/bin/sh
# Admin-port blast: topology A converged (b public, a behind its own NAT, c and
# d behind one home NAT). An attacker x on the internet blasts b's admin port
# and an attacker y on the home LAN blasts c's, each with random datagrams of
# random sizes (0..1500, every 500th 65000 bytes), datagrams with a valid clear
# header but garbage ciphertext, and replays of admin datagrams captured at b
# (tests/net/blast.c). Checks: every daemon still runs; every pair reachable
# during and after; b's and c's logs grew by at most LOG_MAX lines; the drops
# are counted by reason in wgnm-tui --json. Measured (2 cores): 36400
# datagrams per attacker in 9 s, 5-7 new log lines, the whole test 17 s.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
net_init x
net_need nft ss
wgnm_init
blast=${top_builddir:-.}/tests/net/blast
tui=${top_builddir:-.}/wgnm-tui
[ -x "$blast" ] || bail "no $blast (make check builds it)"
[ -x "$tui" ] || bail "no $tui"
plan 14

NRANDOM=${BLAST_RANDOM:-20000}
NHEADER=${BLAST_HEADER:-10000}
NREPLAY=${BLAST_REPLAYS:-100} # times each captured datagram
RATE=${BLAST_RATE:-4000}      # datagrams per second per attacker
LOG_MAX=50
all="a:10.1.1.1 b:10.1.1.2 c:10.1.1.3 d:10.1.1.4"

topo_layout_a
topo_public x 203.0.113.50
topo_lan_host y nh 192.168.2.9

# b first; capture what b receives once its admin socket is bound (so every
# captured datagram has been through b's replay window), then the others.
wgnm_net 203.0.113.2:50002,50502,10.1.1.2
wgnm_start b 10.1.1.2
wait_for 10 sh -c "ip netns exec ${tag}b ss -Huln 'sport = :50502' | grep -q ." ||
	bail "b's admin socket not bound"
ip netns exec "${tag}b" "$blast" capture 50502 64 20 "$wgnm_dir/cap" >"$wgnm_dir/capture.out" 2>&1 &
cap_pid=$!
net_pid $cap_pid
wgnm_start a 10.1.1.1
wgnm_start c 10.1.1.3
wgnm_start d 10.1.1.4

wgnm_check_reach 30 $all
wait "$cap_pid"
check "captured sealed admin datagrams at b ($(cat "$wgnm_dir/capture.out"))" \
	sh -c "grep -q '^captured=[1-9]' '$wgnm_dir/capture.out'"

c_port=$("$tui" -i "${tag}c" --json | sed -n 's/.*"admin_port": \([0-9]*\).*/\1/p')
[ -n "$c_port" ] || bail "c's admin port unknown"
lines_b0=$(wc -l <"$wgnm_dir/b.log")
lines_c0=$(wc -l <"$wgnm_dir/c.log")

t0=$(date +%s)
ip netns exec "${tag}x" "$blast" send 203.0.113.2 50502 "$wgnm_dir/cap" \
	"$NRANDOM" "$NHEADER" "$NREPLAY" "$RATE" >"$wgnm_dir/blast_b.out" 2>&1 &
bx=$!
net_pid $bx
ip netns exec "${tag}y" "$blast" send 192.168.2.2 "$c_port" "$wgnm_dir/cap" \
	"$NRANDOM" "$NHEADER" "$NREPLAY" "$RATE" >"$wgnm_dir/blast_c.out" 2>&1 &
by=$!
net_pid $by

# During the blast (it takes about (RANDOM + HEADER + REPLAYS * captured) / RATE
# seconds): every pair still reachable.
during_running=no
if wgnm_all_reach 20 $all; then
	kill -0 "$bx" 2>/dev/null && during_running=yes
	ok "every pair reachable during the blast (${wgnm_elapsed} s; blast still running: $during_running)"
else
	not_ok "every pair reachable during the blast"
	wgnm_dump_logs
fi
wait "$bx"
rc_x=$?
wait "$by"
rc_y=$?
t1=$(date +%s)
check "blast at b's admin port from the internet: $(cat "$wgnm_dir/blast_b.out")" [ "$rc_x" -eq 0 ]
check "blast at c's admin port from the home LAN: $(cat "$wgnm_dir/blast_c.out")" [ "$rc_y" -eq 0 ]
diag "blast time: $((t1 - t0)) s"

for h in a b c d; do
	check "wgnm on $h still running" kill -0 "$(wgnm_pid $h)"
done
wgnm_check_reach 20 $all

lines_b=$(($(wc -l <"$wgnm_dir/b.log") - lines_b0))
lines_c=$(($(wc -l <"$wgnm_dir/c.log") - lines_c0))
check "b's log grew by $lines_b lines (at most $LOG_MAX)" [ "$lines_b" -le "$LOG_MAX" ]
check "c's log grew by $lines_c lines (at most $LOG_MAX)" [ "$lines_c" -le "$LOG_MAX" ]

# Drop counters by reason, from the control socket. The kernel may drop some
# datagrams when the socket buffer is full, so expect most, not all.
drops() {
	"$tui" -i "$tag$1" --json | tr -d '\n' | sed -n 's/.*"dropped": {\([^}]*\)}.*/\1/p'
}
count() {
	printf '%s\n' "$1" | tr ',' '\n' | sed -n "s/^ *\"$2\": \([0-9]*\)$/\1/p"
}
for h in b c; do
	d=$(drops $h)
	diag "$h dropped: $d"
	key=$(count "$d" "bad key")
	rep=$(count "$d" replay)
	junk=$(($(count "$d" truncated) + $(count "$d" oversize) + $(count "$d" "bad header")))
	own=$(count "$d" "own datagram")
	ncap=$(grep -o 'replay=[0-9]*' "$wgnm_dir/blast_$h.out" | cut -d= -f2)
	# Datagrams (and headers) c sent itself come back to c as its own.
	check "$h counted garbage ($junk), bad-key ($key), replayed ($rep) and own ($own) datagrams" \
		[ "${junk:-0}" -ge $((NRANDOM * 8 / 10)) -a "${key:-0}" -gt 0 -a "${rep:-0}" -gt 0 \
		-a $((key + rep + own)) -ge $(((NHEADER + ${ncap:-0}) * 8 / 10)) ]
done
tap_done
