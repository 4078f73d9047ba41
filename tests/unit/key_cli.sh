#!/bin/sh
# wgnm key: this node's identity public key. Made once in a fresh state
# directory (0700, file 0600), the same on every later run, never the private
# seed; wgnm init prints the same key; and it is the key the daemon uses: a
# daemon whose nodes: list does not hold it refuses to start and names that
# very key (checked before it touches any interface, so no root needed).
wgnm="${top_builddir:-.}/wgnm"
n=0
fail=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
	fi
}
dir=$(mktemp -d /tmp/wgnm-key-test.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
st="$dir/state/wg9"

k1=$("$wgnm" key --state-dir "$st" 2>"$dir/err1")
ok $? "key creates an identity and prints its public key"
grep -q "new identity in $st/identity" "$dir/err1"
ok $? "... and says it is new (stderr)"
[ ${#k1} -eq 44 ] && printf '%s' "$k1" | base64 -d 2>/dev/null | wc -c | grep -qx 32
ok $? "the key is base64 of 32 bytes"
[ "$(stat -c %a "$st")" = 700 ] && [ "$(stat -c %a "$st/identity")" = 600 ]
ok $? "state directory 0700, identity file 0600"
k2=$("$wgnm" key --state-dir "$st" 2>"$dir/err2")
[ "$k1" = "$k2" ] && [ ! -s "$dir/err2" ]
ok $? "a second run prints the same key, quietly"
seed=$(base64 -w0 <"$st/identity")
case "$k1" in *"$seed"*) r=1 ;; *) r=0 ;; esac
ok $r "the private seed is not printed"

"$wgnm" init --subnet 10.1.0.0/16 --static 203.0.113.1:50001 -o "$dir/net.yaml" \
	--state-dir "$st" 2>"$dir/init.err"
r=$?
[ $r = 0 ] && grep -qF "$k1" "$dir/init.err"
ok $? "init prints the same key"

{
	cat "$dir/net.yaml"
	printf 'nodes:\n  - name: n1\n    wgIp: 10.1.0.1\n'
	printf '    identity: QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=\n'
} >"$dir/pinned.yaml"
chmod 600 "$dir/pinned.yaml"
timeout 10 "$wgnm" --daemon --foreground -c "$dir/pinned.yaml" -a 10.1.0.5 -n n5 \
	--state-dir "$st" -i wgnmkeytest0 >"$dir/daemon.out" 2>&1
r=$?
[ $r = 1 ] && grep -qF "is not listed in nodes: ($dir/pinned.yaml)" "$dir/daemon.out" &&
	grep -qF "list it in nodes: as {name: n5, wgIp: 10.1.0.5, identity: $k1}" "$dir/daemon.out"
ok $? "an unlisted daemon refuses to start and names the same key"
[ ! -e "$st/epoch" ]
ok $? "... before it counted a start"
echo "1..$n"
exit $fail
