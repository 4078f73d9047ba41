#!/bin/sh
# Secrets never leak: three nodes on one LAN run with debug logging (-v) until
# every pair is reachable; then the shared key, each node's identity secret
# (the 32-byte seed in its state directory) and each node's WireGuard private
# key (read back with `wg show`), each as base64 and as hex, must not appear
# in: the daemons' logs, `wgnm --check` output, `wgnm-tui --status`/`--json`,
# /proc/PID/cmdline and environ of wgnm and of its wireguard-go, or any file
# written under /tmp, /run/wgnm or /var/run/wireguard during the test (the
# test's own directory, which holds net.yaml and the state directories, aside).
# Last, a node whose state directory is made 0755 refuses to start.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
net_init k
net_need wg od base64
wgnm_init
tui=${top_builddir:-.}/wgnm-tui
[ -x "$tui" ] || bail "no $tui"
plan 12

marker=$wgnm_dir/start.marker
# a second in the past: -newer must also see files written within this second
touch -d "@$(($(date +%s) - 1))" "$marker"

topo_layout_lan 3 # a=192.168.50.2 b=.3 c=.4
wgnm_net 192.168.50.2:50001,50501,10.1.1.1
wgnm_start a 10.1.1.1
wgnm_start b 10.1.1.2
wgnm_start c 10.1.1.3
wgnm_check_reach 20 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3

hex() { od -An -v -tx1 | tr -d ' \n'; }
pat=$wgnm_dir/secrets.pat
out=$wgnm_dir/outputs
mkdir -p "$out"
{
	key=$(sed -n 's/^ *sharedKey: *//p' "$wgnm_dir/net.yaml")
	echo "$key"
	printf '%s' "$key" | base64 -d | hex
	echo
	for h in a b c; do
		base64 -w0 <"$wgnm_dir/$h/identity"
		echo
		hex <"$wgnm_dir/$h/identity"
		echo
		wk=$(ip netns exec "$tag$h" wg show "$tag$h" private-key)
		echo "$wk"
		printf '%s' "$wk" | base64 -d | hex
		echo
	done
} >"$pat"
check "7 secrets, 14 encodings to look for (shared key; identity and WireGuard key of a, b, c)" \
	sh -c "[ \$(grep -c . '$pat') -eq 14 ] && ! grep -qx '' '$pat'"
# Hex is searched case-insensitively; base64 as is.
leaks() { grep -a -i -F -f "$pat" "$@" >/dev/null 2>&1; }

# Outputs that a user or an operator sees.
for h in a b c; do
	ip netns exec "$tag$h" "$wgnm_bin" -c "$wgnm_dir/net.yaml" -i "$tag$h" -a 10.1.1.9 \
		-n "$h" --state-dir "$wgnm_dir/$h" --check >"$out/check.$h" 2>&1
	"$tui" -i "$tag$h" --status >"$out/status.$h" 2>&1
	"$tui" -i "$tag$h" --json >"$out/json.$h" 2>&1
done
check "--check printed a summary" grep -q . "$out/check.a"
check "--status and --json answered" sh -c "grep -q '10.1.1.2' '$out/status.a' && grep -q '\"format\"' '$out/json.a'"
check "no secret in --check, --status or --json" sh -c "! grep -a -i -F -f '$pat' '$out'/*"
check "no secret in the debug logs ($(cat "$wgnm_dir"/?.log | wc -l) lines)" \
	sh -c "! grep -a -i -F -f '$pat' '$wgnm_dir/a.log' '$wgnm_dir/b.log' '$wgnm_dir/c.log'"

# Command lines and environments of wgnm and of the wireguard-go it runs.
procs=
for h in a b c; do
	p=$(wgnm_pid "$h")
	procs="$procs $p $(ps -o pid= --ppid "$p" 2>/dev/null)"
done
n=0
for p in $procs; do
	tr '\0' '\n' <"/proc/$p/cmdline" >"$out/cmdline.$p" 2>/dev/null && n=$((n + 1))
	tr '\0' '\n' <"/proc/$p/environ" >"$out/environ.$p" 2>/dev/null
done
check "wireguard-go runs as a child of each wgnm ($n processes)" [ "$n" -ge 6 ]
check "wireguard-go is in the list" sh -c "grep -l wireguard-go '$out'/cmdline.* | grep -q ."
check "no secret in argv or environment of wgnm or wireguard-go" \
	sh -c "! grep -a -i -F -f '$pat' '$out'/cmdline.* '$out'/environ.*"

# Files written since the start, outside the test's own directory.
find /tmp /run/wgnm /var/run/wireguard -xdev -type f -newer "$marker" \
	! -path "$wgnm_dir/*" 2>/dev/null >"$wgnm_dir/newfiles"
check "no secret in the $(wc -l <"$wgnm_dir/newfiles") files written under /tmp, /run/wgnm, /var/run/wireguard" \
	sh -c "! xargs -r -d '\n' grep -a -i -l -F -f '$pat' <'$wgnm_dir/newfiles' 2>/dev/null | grep -q ."

check "state files: directory 0700, identity 0600" \
	sh -c "[ \$(stat -c %a '$wgnm_dir/c') = 700 ] && [ \$(stat -c %a '$wgnm_dir/c/identity') = 600 ]"

# A loose state directory: wgnm refuses to start and says why.
wgnm_stop c
chmod 755 "$wgnm_dir/c"
ip netns exec "${tag}c" "$wgnm_bin" --daemon --foreground -c "$wgnm_dir/net.yaml" -i "${tag}c" \
	-a 10.1.1.3 -n c --state-dir "$wgnm_dir/c" >"$wgnm_dir/c.loose" 2>&1 &
lp=$!
net_pid $lp
wait_for 10 sh -c "! kill -0 $lp 2>/dev/null"
wait "$lp"
lrc=$?
check "state directory 0755: wgnm exits ($lrc) saying 'lets others in'" \
	sh -c "[ $lrc -ne 0 ] && grep -q 'lets others in' '$wgnm_dir/c.loose'"
tap_done
