#!/bin/sh
# install: `make install DESTDIR=...` from the build tree, then check what
# landed: the exact file list (programs, three man pages, the systemd unit and
# the OpenRC script where configure enabled them, the example configuration,
# never a real net.yaml), modes, that the installed wgnm runs, that the unit
# and the init script start the installed wgnm with the installed paths,
# `systemd-analyze verify` on the unit, `sh -n` and a dry evaluation of the
# OpenRC script, and `mandoc -T lint -W warning` on the man pages.
#
# Needs no root. Run by make check, which exports top_builddir and the
# configured directories (WGNM_SBINDIR, ... see Makefile.am). A missing
# systemd-analyze or mandoc is a visible SKIP, and a failure when CI=true.
set -u

n=0
failed=0
pass() {
	n=$((n + 1))
	echo "ok $n - $1"
}
fail() {
	n=$((n + 1))
	echo "not ok $n - $1"
	failed=1
}
check() {
	desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}
skip() {
	if [ "${CI:-}" = true ]; then
		fail "$1 # CI=true: cannot skip: $2"
	else
		n=$((n + 1))
		echo "ok $n - $1 # SKIP $2"
	fi
}
diag_file() {
	sed 's/^/# /' "$1"
}

if [ -z "${top_builddir:-}" ] || [ -z "${WGNM_SBINDIR:-}" ]; then
	echo "1..1"
	echo "not ok 1 - run through make check (top_builddir, WGNM_SBINDIR unset)"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wgnm-install.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
dest=$tmp/root

sbindir=$WGNM_SBINDIR
bindir=$WGNM_BINDIR
mandir=$WGNM_MANDIR
sysconfdir=$WGNM_SYSCONFDIR
unitdir=$WGNM_UNITDIR
openrcdir=$WGNM_OPENRCDIR

# A make nested in make check must not inherit the outer jobserver or flags.
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${WGNM_MAKE:-make}" -C "$top_builddir" \
	install DESTDIR="$dest" >"$tmp/install.log" 2>&1; then
	pass "make install DESTDIR=..."
else
	fail "make install DESTDIR=..."
	diag_file "$tmp/install.log"
	echo "1..$n"
	exit 1
fi

# --- the file list ---------------------------------------------------------------
{
	echo "$sbindir/wgnm"
	echo "$bindir/wgnm-tui"
	echo "$mandir/man1/wgnm-tui.1"
	echo "$mandir/man5/wgnm.yaml.5"
	echo "$mandir/man8/wgnm.8"
	echo "$sysconfdir/wgnm/net.yaml.example"
	echo "$sysconfdir/wgnm/peer.yaml.example"
	[ "$unitdir" = no ] || echo "$unitdir/wgnm@.service"
	[ "$openrcdir" = no ] || echo "$openrcdir/wgnm"
} | LC_ALL=C sort >"$tmp/expected"
(cd "$dest" && find . -type f -o -type l) | sed 's|^\.||' | LC_ALL=C sort >"$tmp/installed"
if cmp -s "$tmp/expected" "$tmp/installed"; then
	pass "installed files are exactly the expected $(wc -l <"$tmp/expected") files"
else
	fail "installed files are exactly the expected ones"
	diff "$tmp/expected" "$tmp/installed" | sed 's/^/# /'
fi
check "no net.yaml installed over a real one" test ! -e "$dest$sysconfdir/wgnm/net.yaml"
check "wgnm is executable" test -x "$dest$sbindir/wgnm"
check "wgnm-tui is executable" test -x "$dest$bindir/wgnm-tui"
check "the examples are not executable" test ! -x "$dest$sysconfdir/wgnm/net.yaml.example"
version=$("$dest$sbindir/wgnm" --version 2>&1)
case $version in
"wgnm "[0-9]*) pass "installed wgnm runs: $version" ;;
*) fail "installed wgnm runs: got '$version'" ;;
esac
check "net.yaml.example is examples/net.yaml" \
	cmp -s "$dest$sysconfdir/wgnm/net.yaml.example" "$top_srcdir/examples/net.yaml"

# --- the systemd unit --------------------------------------------------------------
# The installed copy when configure enabled it, else the one built for it.
if [ "$unitdir" != no ]; then
	unit=$dest$unitdir/wgnm@.service
	check "unit is installed mode 0644" \
		test "$(find "$unit" -perm 0644 | wc -l)" -eq 1
else
	unit=$top_builddir/dist/systemd/wgnm@.service
	pass "unit not installed (--without-systemdsystemunitdir); checking $unit"
fi
check "unit has no unsubstituted @dir@" sh -c '! grep -n "@[a-z_]*dir@" "$1"' sh "$unit"
execstart=$(sed -n 's/^ExecStart=//p' "$unit")
set -- ${execstart:-missing}
check "ExecStart runs the installed wgnm ($1)" test "$1" = "$sbindir/wgnm"
case " $execstart " in
*" -c $sysconfdir/wgnm/net.yaml "*) pass "ExecStart reads $sysconfdir/wgnm/net.yaml" ;;
*) fail "ExecStart reads $sysconfdir/wgnm/net.yaml: $execstart" ;;
esac
case " $execstart " in
*" --daemon --foreground "*" -i %i --state-dir \${STATE_DIRECTORY} ") pass "ExecStart: headless, in the foreground, interface and state from the instance" ;;
*) fail "ExecStart: headless, in the foreground, interface and state from the instance: $execstart" ;;
esac
check "EnvironmentFile is optional and per instance" \
	grep -qx "EnvironmentFile=-$sysconfdir/wgnm/%i.env" "$unit"

# systemd-analyze verify wants ExecStart's binary to exist: verify a copy
# whose ExecStart points into DESTDIR, with the installed man pages on
# MANPATH for Documentation=. Any output (a warning too) is a failure.
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir "$tmp/verify"
	sed "s|^ExecStart=$sbindir/wgnm |ExecStart=$dest$sbindir/wgnm |" "$unit" \
		>"$tmp/verify/wgnm@.service"
	if MANPATH="$dest$mandir" SYSTEMD_LOG_COLOR=0 systemd-analyze verify \
		"$tmp/verify/wgnm@.service" >"$tmp/verify.log" 2>&1 &&
		[ ! -s "$tmp/verify.log" ]; then
		pass "systemd-analyze verify: no errors, no warnings"
	else
		fail "systemd-analyze verify"
		diag_file "$tmp/verify.log"
	fi
else
	skip "systemd-analyze verify" "systemd-analyze not installed"
fi

# --- the OpenRC script -------------------------------------------------------------
if [ "$openrcdir" != no ]; then
	initscript=$dest$openrcdir/wgnm
else
	initscript=$top_builddir/dist/openrc/wgnm
	pass "OpenRC script not installed (no openrc-run at configure time); checking $initscript"
fi
check "OpenRC script is executable" test -x "$initscript"
check "OpenRC script: sh -n" sh -n "$initscript"
check "OpenRC script has no unsubstituted @dir@" sh -c '! grep -n "@[a-z_]*dir@" "$1"' sh "$initscript"
check "OpenRC script starts with #!/sbin/openrc-run" \
	test "$(sed -n 1p "$initscript")" = "#!/sbin/openrc-run"

# What openrc-run would compute: it sources /etc/conf.d/wgnm[.IFNAME] (here:
# WGNM_ARGS in the environment) and then the script, and calls depend().
openrc_eval() { # RC_SVCNAME WGNM_ARGS
	RC_SVCNAME=$1 WGNM_ARGS=$2 sh -c '
		need() { echo "need $*"; }
		use() { :; }
		after() { :; }
		. "$1"
		echo "$command $command_args"
		echo "pidfile $pidfile"
		depend' sh "$initscript"
}
got=$(openrc_eval wgnm.wg7 "-p /etc/wgnm/wg7.yaml")
want="$sbindir/wgnm --daemon --foreground -c $sysconfdir/wgnm/net.yaml -p /etc/wgnm/wg7.yaml -i wg7
pidfile /run/wgnm.wg7.pid
need net"
if [ "$got" = "$want" ]; then
	pass "OpenRC wgnm.wg7: the installed wgnm on wg7 with WGNM_ARGS, needs net"
else
	fail "OpenRC wgnm.wg7"
	printf '%s\n' "got:" "$got" "want:" "$want" | sed 's/^/# /'
fi
got=$(openrc_eval wgnm "" | sed -n 1p)
want="$sbindir/wgnm --daemon --foreground -c $sysconfdir/wgnm/net.yaml  -i wg0"
check "OpenRC plain wgnm manages wg0" test "$got" = "$want"

# --- man pages -------------------------------------------------------------------
for page in man1/wgnm-tui.1 man5/wgnm.yaml.5 man8/wgnm.8; do
	if command -v mandoc >/dev/null 2>&1; then
		if mandoc -T lint -W warning "$dest$mandir/$page" >"$tmp/lint.log" 2>&1 &&
			[ ! -s "$tmp/lint.log" ]; then
			pass "mandoc -T lint -W warning $page"
		else
			fail "mandoc -T lint -W warning $page"
			diag_file "$tmp/lint.log"
		fi
	else
		skip "mandoc -T lint $page" "mandoc not installed"
	fi
done

echo "1..$n"
exit $failed
