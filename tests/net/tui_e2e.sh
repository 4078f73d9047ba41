#!/bin/sh
# The TUI end to end, in tmux: four nodes on one LAN; a and b run headless,
# c runs wgnm interactively (TUI in-process). Peers appear on c's screen; d
# detaches c (the process tmux started exits 0 and prints the reattach hint);
# the detached daemon keeps the mesh and still supervises its wireguard-go
# (killed, restarted); wgnm-tui attaches in another window and shows the same
# peers; q leaves it with the daemon running; --status and --json; a second
# wgnm for the same interface is refused; d's TUI is killed with its pane
# (SIGHUP) and d's daemon lives on, detached. Screens are tmux capture-pane.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
net_init t
wgnm_init
net_need tmux
tui_bin=${top_builddir:-.}/wgnm-tui
[ -x "$tui_bin" ] || bail "no wgnm-tui binary at $tui_bin (build first)"
rundir=$("$tui_bin" --help | sed -n 's|.*socket \(.*\)/IFNAME.sock|\1|p')
[ -n "$rundir" ] || bail "cannot tell the control socket directory from wgnm-tui --help"


tmx() {
	tmux -L "${tag}tm" -f "$wgnm_dir/tmux.conf" "$@"
}
printf 'set -g remain-on-exit on\nset -g history-limit 0\n' >"$wgnm_dir/tmux.conf"
net_at_exit "tmux -L '${tag}tm' kill-server"
net_at_exit "rm -f '$rundir/${tag}'*.sock"

# screen WINDOW: the visible text of a tmux window
screen() {
	tmx capture-pane -p -t "e2e:$1"
}
screen_has() {
	screen "$1" | grep -q -- "$2"
}
pane_dead() {
	[ "$(tmx display-message -p -t "e2e:$1" '#{pane_dead}')" = 1 ]
}
# Windows c and att run their program under the pane's sh, which then writes
# the exit status to $wgnm_dir/exit-WINDOW: tmux's own #{pane_dead_status}
# was seen empty now and then on a loaded machine.
pane_status() {
	cat "$wgnm_dir/exit-$1" 2>/dev/null
}
with_status() {
	echo "$2; echo \$? >$wgnm_dir/exit-$1"
}
# The PID of the process named $2 in namespace ${tag}$1 (one of them).
ns_proc() {
	for _p in $(ip netns pids "$tag$1" 2>/dev/null); do
		[ "$(cat "/proc/$_p/comm" 2>/dev/null)" = "$2" ] && echo "$_p" && return 0
	done
	return 1
}
ns_proc_not() {
	_q=$(ns_proc "$1" "$2") && [ "$_q" != "$3" ]
}
# The interactive wgnm of host $1 (address $2) as the first process of tmux window $1.
tui_cmd() {
	echo "ip netns exec $tag$1 env WGNM_BACKEND=${WGNM_TEST_BACKEND:-userspace} \
$wgnm_bin -v -c $wgnm_dir/net.yaml -i $tag$1 -a $2 -n $1 --state-dir $wgnm_dir/$1"
}

topo_layout_lan 4 # a=192.168.50.2 b=.3 c=.4 d=.5
wgnm_net 192.168.50.2:50001,50501,10.1.1.1
wgnm_start a 10.1.1.1
wgnm_start b 10.1.1.2
tmx new-session -d -s e2e -n c -x 160 -y 40 "$(with_status c "$(tui_cmd c 10.1.1.3)")"
# the wgnm that tmux started: the child of the pane's sh
pane_sh=$(tmx display-message -p -t e2e:c '#{pane_pid}')
wait_for 10 pgrep -P "$pane_sh"
pane_c=$(pgrep -P "$pane_sh" | head -1)

if wait_for 30 screen_has c '[ >]b  *10\.1\.1\.2 '; then
	ok "c's TUI shows b (10.1.1.2)"
else
	not_ok "c's TUI shows b (10.1.1.2)"
	screen c | sed 's/^/#   /'
	wgnm_dump_logs
fi
check "c's TUI shows a (10.1.1.1)" sh -c "tmux -L ${tag}tm capture-pane -p -t e2e:c | grep -q '[ >]a  *10\.1\.1\.1 '"
check "header names the node, interface and backend" \
	sh -c "tmux -L ${tag}tm capture-pane -p -t e2e:c | head -1 | grep -q 'wgnm c .*${tag}c (wireguard-go)'"
screen c >"$wgnm_dir/screen-c.txt"
if wgnm_all_reach 20 a:10.1.1.1 c:10.1.1.3; then
	ok "a and c reach each other in ${wgnm_elapsed} s"
else
	not_ok "a and c reach each other within 20 s"
fi
wggo=$(ns_proc c wireguard-go)

# A second wgnm for the same interface stops before touching anything.
out=$(ip netns exec "${tag}c" "$wgnm_bin" --daemon --foreground -c "$wgnm_dir/net.yaml" \
	-i "${tag}c" -a 10.1.1.3 -n c2 --state-dir "$wgnm_dir/c2" -u 50999 -w 50998 2>&1)
rc=$?
if [ "$rc" = 1 ] && printf '%s' "$out" | grep -q 'already runs'; then
	ok "a second wgnm for ${tag}c is refused (exit 1, 'already runs')"
else
	not_ok "a second wgnm for ${tag}c is refused (exit $rc: $out)"
fi

# Detach with d.
tmx send-keys -t e2e:c d
if wait_for 10 pane_dead c; then
	ok "d: the process tmux started exited"
else
	not_ok "d: the process tmux started exited"
fi
wait_for 5 sh -c "[ -s '$wgnm_dir/exit-c' ]"
is_status=$(pane_status c)
[ "$is_status" = 0 ] && ok "... with status 0" || not_ok "... with status 0 (got '$is_status')"
check "the pane shows how to reattach" sh -c \
	"tmux -L ${tag}tm capture-pane -p -t e2e:c | grep -q 'wgnm-tui -i ${tag}c'"
daemon=$(ns_proc c wgnm)
if [ -n "$daemon" ] && [ "$daemon" != "$pane_c" ]; then
	ok "a detached wgnm (pid $daemon) goes on in ${tag}c"
else
	not_ok "a detached wgnm goes on in ${tag}c (found '$daemon', pane pid $pane_c)"
fi
check "it is in its own session" sh -c "[ \$(ps -o sid= -p $daemon) -eq $daemon ]"
check "its stdin is /dev/null" sh -c "[ \$(readlink /proc/$daemon/fd/0) = /dev/null ]"
check "a still reaches c through the detached daemon" wgnm_reach a 10.1.1.3
check "wireguard-go is the same process as before the detach" \
	sh -c "[ '$(ns_proc c wireguard-go)' = '$wggo' ]"

# Its wireguard-go is still supervised although it is no longer its child.
kill -KILL "$wggo" 2>/dev/null
if wait_for 10 ns_proc_not c wireguard-go "$wggo"; then
	ok "killed wireguard-go ($wggo) restarted by the detached daemon ($(ns_proc c wireguard-go))"
else
	not_ok "killed wireguard-go ($wggo) restarted by the detached daemon"
fi
if wait_for 40 wgnm_reach a 10.1.1.3; then
	ok "a reaches c again after the restart"
else
	not_ok "a reaches c again after the restart"
	wgnm_dump_logs
fi

# Attach with wgnm-tui in another window: the same peers.
tmx new-window -t e2e -n att "$(with_status att "$tui_bin -i ${tag}c")"
if wait_for 10 screen_has att '[ >]b  *10\.1\.1\.2 '; then
	ok "wgnm-tui -i ${tag}c shows b"
else
	not_ok "wgnm-tui -i ${tag}c shows b"
	screen att | sed 's/^/#   /'
fi
check "... and a" sh -c "tmux -L ${tag}tm capture-pane -p -t e2e:att | grep -q '[ >]a  *10\.1\.1\.1 '"
check "... and the same header" \
	sh -c "tmux -L ${tag}tm capture-pane -p -t e2e:att | head -1 | grep -q 'wgnm c .*${tag}c (wireguard-go)'"
wait_for 10 screen_has att 'via c\|direct' # settled states, for the kept screen
screen att >"$wgnm_dir/screen-att.txt"
tmx send-keys -t e2e:att q
has_status() { [ -n "$(pane_status att)" ]; }
if wait_for 10 pane_dead att && wait_for 5 has_status && [ "$(pane_status att)" = 0 ]; then
	ok "q leaves wgnm-tui with status 0"
else
	not_ok "q leaves wgnm-tui with status 0"
	diag "pane dead: $(tmx display-message -p -t e2e:att '#{pane_dead}'), status: '$(pane_status att)'"
	screen att | sed 's/^/#   /'
fi
check "the daemon still runs after q" kill -0 "$daemon"

# One-shot outputs.
"$tui_bin" -i "${tag}c" --status >"$wgnm_dir/status.txt" 2>&1
check "--status: exit 0, node block" grep -q "^node: c \[" "$wgnm_dir/status.txt"
check "--status: interface and backend" sh -c \
	"grep -q '^  interface: ${tag}c' $wgnm_dir/status.txt && grep -q '^  backend: wireguard-go' $wgnm_dir/status.txt"
check "--status: one block per peer (a, b, d)" sh -c \
	"[ \$(grep -c '^peer: ' $wgnm_dir/status.txt) -ge 2 ] && grep -q '^peer: a ' $wgnm_dir/status.txt"
"$tui_bin" -i "${tag}c" --json >"$wgnm_dir/status.json" 2>&1
if command -v python3 >/dev/null 2>&1; then
	check "--json: valid JSON with node c and peer a" python3 -c "
import json, sys
d = json.load(open('$wgnm_dir/status.json'))
assert d['format'] == 1 and d['node']['name'] == 'c' and d['node']['interface'] == '${tag}c'
assert any(p['name'] == 'a' and p['address'] == '10.1.1.1' for p in d['peers'])
"
else
	check "--json: node c and peer a" sh -c \
		"grep -q '\"name\": \"c\"' $wgnm_dir/status.json && grep -q '\"name\": \"a\"' $wgnm_dir/status.json"
fi
out=$("$tui_bin" -i "${tag}x" --status 2>&1)
rc=$?
if [ "$rc" = 1 ] && printf '%s' "$out" | grep -q 'no wgnm daemon'; then
	ok "no daemon: exit 1 and 'no wgnm daemon'"
else
	not_ok "no daemon: exit 1 and 'no wgnm daemon' (exit $rc: $out)"
fi

# Another interactive wgnm (d); its pane is killed: SIGHUP, it detaches.
tmx new-window -t e2e -n d "$(tui_cmd d 10.1.1.4)"
pane_d=$(tmx display-message -p -t e2e:d '#{pane_pid}')
if wait_for 30 screen_has d '[ >]a  *10\.1\.1\.1 '; then
	ok "d's TUI shows a"
else
	not_ok "d's TUI shows a"
	screen d | sed 's/^/#   /'
fi
tmx kill-pane -t e2e:d
if wait_for 10 ns_proc_not d wgnm "$pane_d"; then
	ok "pane killed (SIGHUP): d's wgnm detached ($(ns_proc d wgnm))"
else
	not_ok "pane killed (SIGHUP): d's wgnm detached"
	diag "processes in ${tag}d: $(ip netns pids "${tag}d" | tr '\n' ' ')"
fi
check "the first process is gone" sh -c "! kill -0 $pane_d 2>/dev/null"
check "d's daemon answers on its control socket" "$tui_bin" -i "${tag}d" --status
if wait_for 20 wgnm_reach b 10.1.1.4; then
	ok "b reaches d through d's detached daemon"
else
	not_ok "b reaches d through d's detached daemon"
fi

# TUI_E2E_SCREENS=DIR keeps the captured screens and outputs (docs/tui.md shows them).
if [ -n "$TUI_E2E_SCREENS" ]; then
	cp "$wgnm_dir/screen-c.txt" "$wgnm_dir/screen-att.txt" "$wgnm_dir/status.txt" \
		"$wgnm_dir/status.json" "$TUI_E2E_SCREENS/"
fi

# The detached daemons leave cleanly on SIGTERM: socket removed.
kill -TERM "$daemon"
if wait_for 10 sh -c "! kill -0 $daemon 2>/dev/null && [ ! -e '$rundir/${tag}c.sock' ]"; then
	ok "SIGTERM: c's daemon exits and removes its control socket"
else
	not_ok "SIGTERM: c's daemon exits and removes its control socket"
fi
tap_done
