#!/bin/sh
# kernel_vm.sh: the kernel WireGuard backend against real kernel WireGuard,
# in a throw-away QEMU VM (the build hosts' own kernels have none).
#
# Boots one VM with ../shared/tools/kernel-wg-vm/run-in-kernel-wg.sh (looked
# up from $top_srcdir/.. and $top_srcdir/../..; WGNM_KWG_VM overrides it) and
# runs tests/net/kernel_vm_guest.sh inside, which drives
# tests/net/wg_kernel_test (the backend, interfaces made by wgnm's rtnl) and
# then tests/net/mesh_lan.sh with the wgnm daemon on kernel WireGuard. The
# guest gets its own /tmp (KWG_TMPFS): the mesh test's files stay in the VM.
# The guest's TAP lines (of all the programs it runs) are renumbered into one
# stream here and their plans dropped; a "Bail out!" becomes a failed check;
# anything else it prints becomes a "#" comment.
#
# Skips (visibly) when not root, when QEMU, a kernel image or the run script
# is missing, or when the VM cannot start at all (status 125 before the guest
# printed any test line); with CI=true each of those is a failure instead.
set -u

top_srcdir=${top_srcdir:-$(dirname "$0")/../..}
top_builddir=${top_builddir:-.}
abs_srcdir=$(cd "$top_srcdir" && pwd)
abs_builddir=$(cd "$top_builddir" && pwd)

cannot_run() {
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - kernel VM test cannot run: $1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

[ "$(id -u)" = 0 ] || cannot_run "needs root"
vm=${WGNM_KWG_VM:-}
if [ -z "$vm" ]; then
	for d in "$abs_srcdir/.." "$abs_srcdir/../.."; do
		if [ -x "$d/shared/tools/kernel-wg-vm/run-in-kernel-wg.sh" ]; then
			vm=$d/shared/tools/kernel-wg-vm/run-in-kernel-wg.sh
			break
		fi
	done
fi
[ -n "$vm" ] && [ -x "$vm" ] || cannot_run "run-in-kernel-wg.sh not found (set WGNM_KWG_VM)"
command -v "${KWG_QEMU:-qemu-system-x86_64}" >/dev/null 2>&1 ||
	cannot_run "no qemu-system-x86_64 (apt-get install qemu-system-x86)"
ls /boot/vmlinuz-* >/dev/null 2>&1 || cannot_run "no kernel image in /boot (apt-get install linux-image-amd64)"
for p in tests/net/wg_kernel_test wgnm; do
	[ -x "$abs_builddir/$p" ] || cannot_run "$abs_builddir/$p not built"
done

out=$(mktemp "${TMPDIR:-/tmp}/wgnm-kvm.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT INT TERM
start=$(date +%s)
KWG_TMPFS="/tmp${KWG_TMPFS:+ $KWG_TMPFS}" KWG_TIMEOUT=${KWG_TIMEOUT:-240} \
	"$vm" "$abs_srcdir/tests/net/kernel_vm_guest.sh" "$abs_srcdir" "$abs_builddir" >"$out" 2>&1
rc=$?
end=$(date +%s)

# 125 with no test line at all: the VM itself could not run here (no
# usable QEMU, kernel or initramfs tools), which says nothing about wgnm.
if [ "$rc" = 125 ] && ! grep -qE '^(not )?ok' "$out"; then
	tail -n 15 "$out" | sed 's/^/# /'
	cannot_run "the VM could not start (run-in-kernel-wg.sh status 125)"
fi

# Renumber the guest's TAP into one stream; drop its plans.
n=0
fails=0
while IFS= read -r line; do
	case $line in
	"ok "* | "not ok "*)
		n=$((n + 1))
		case $line in "not ok "*) fails=$((fails + 1)); st="not ok";; *) st=ok;; esac
		rest=$(printf '%s\n' "$line" | sed -E 's/^(not )?ok [0-9]* *-? *//')
		echo "$st $n - $rest"
		;;
	1..*) ;;
	"Bail out!"*)
		n=$((n + 1))
		echo "not ok $n - guest: $line"
		;;
	"#"*) echo "$line" ;;
	*) echo "# $line" ;;
	esac
done <"$out"
n=$((n + 1))
if [ "$rc" = 0 ]; then
	echo "ok $n - VM run completed ($((end - start)) s)"
else
	echo "not ok $n - VM run exited with status $rc (124 = timeout, 125 = VM failure)"
fi
[ "$n" -gt 1 ] || { n=$((n + 1)); echo "not ok $n - the guest reported no test"; }
echo "1..$n"
