#!/bin/sh
# wgnm-tui --demo-frames: the whole terminal path (ncurses, bounded output,
# write watcher, typed keys, SIGWINCH, a stalled reader) on a pty the program
# makes itself. Under --enable-sanitizers this is the ASan/UBSan run of the TUI.
tui="${top_builddir:-.}/wgnm-tui"
n=0
fail=0
check() {
	n=$((n + 1))
	desc="$1"
	shift
	if out=$("$@" 2>&1); then
		echo "ok $n - $desc: $out"
	else
		echo "not ok $n - $desc"
		echo "$out" | sed 's/^/# /'
		fail=1
	fi
}
check "200 frames at 80x24" "$tui" --demo-frames 200 --size 80x24
check "200 frames at 200x60" "$tui" --demo-frames 200 --size 200x60
check "50 frames at 20x5 (too small)" "$tui" --demo-frames 50 --size 20x5
n=$((n + 1))
if "$tui" --demo-frames 0 >/dev/null 2>&1; then
	echo "not ok $n - --demo-frames 0 is refused"
	fail=1
else
	echo "ok $n - --demo-frames 0 is refused"
fi
echo "1..$n"
exit $fail
