#!/bin/sh
# The README's first command, headless: tools/demo --headless builds its
# namespaces, runs four nodes to convergence, prints every node's status and
# removes everything it made: no namespace, no process, no interface, no
# socket is left with its tag.
. "${top_srcdir:-.}/tests/net/lib.sh"
net_init x # only for the root check and TAP; the demo picks its own tag
plan 7
out=$(mktemp /tmp/wgnm-demo-test.XXXXXX)
net_at_exit "rm -f '$out'"

top_builddir=$(cd "${top_builddir:-.}" && pwd)
top=$(cd "${top_srcdir:-.}" && pwd)
# the demo looks for the binaries in $top/build; point it at this build
if [ "$top_builddir" != "$top/build" ]; then
	demo_env="env top_builddir=$top_builddir"
fi
if timeout 120 ${demo_env:-} sh "$top/tools/demo" --headless --no-build >"$out" 2>&1; then
	ok "tools/demo --headless exits 0"
else
	not_ok "tools/demo --headless exits 0"
	sed 's/^/#   /' "$out"
fi
dtag=$(sed -n 's/.*(tag \([a-z0-9]*\)).*/\1/p' "$out" | head -n 1)
check "the demo says which tag it used" test -n "$dtag"
check "every pair reached every other" grep -q "every pair reachable after" "$out"
check "four node status blocks printed" sh -c "[ \$(grep -c '^node: ' '$out') -eq 4 ]"
check "no namespace left" sh -c "! ip netns list | grep -q '^$dtag'"
check "no interface or socket left" \
	sh -c "! ip -o link | grep -q '$dtag' && ! ls /var/run/wireguard/$dtag* /run/wgnm/$dtag* 2>/dev/null | grep -q ."
# every process's command line, without spawning one that contains the tag
no_process() {
	for _c in /proc/[0-9]*/cmdline; do
		case "$(tr '\0' ' ' <"$_c" 2>/dev/null)" in
		*"$dtag"*) return 1 ;;
		esac
	done
	return 0
}
check "no process left" no_process
tap_done
