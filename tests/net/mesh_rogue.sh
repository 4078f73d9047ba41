#!/bin/sh
# Hostile members against a real mesh (wireguard-go in namespaces): they hold
# the shared key but have identities of their own.
#
# Four nodes on one LAN (a is the static peer) and a fifth host e, the rogue,
# on the same LAN so that it can reach every node's admin port directly:
#   (a) a rogue wgnm (fresh identity) claims c's overlay address: it is told
#       "conflict", c keeps its address and stays reachable from everyone (the
#       plain conflict rules are tests/net/mesh_conflict.sh; here the rogue
#       runs against a converged mesh of four);
#   (b) tests/net/rogue_claim (sealed and signed with the shared key) claims
#       198.51.100.77, outside the subnet, at every node: every node refuses it
#       (log), no node has a route or WireGuard allowed-ip for it, and a ping
#       to it never leaves through the WireGuard interface (an nftables
#       counter on that interface stays 0, `ip route get` never names it);
#   (c) with nodes: pinning (identities from `wgnm key`, applied by SIGHUP):
#       a node not listed refuses to start and prints its key; a rogue with an
#       unlisted identity (and the old net.yaml) is refused by everyone and
#       becomes nobody's WireGuard peer; the listed nodes keep working;
#       removing d's entry and reloading revokes d everywhere.
# (d), forged records and link state of another member, is a unit test
# (tests/unit/mesh_members_test.c "forge", tests/unit/mesh_codec_test.c).
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
net_init r
wgnm_init
net_need nft wg
rogue_bin=${top_builddir:-.}/tests/net/rogue_claim
[ -x "$rogue_bin" ] || bail "no $rogue_bin (make check builds it)"
plan 25
t0=$(date +%s)

hosts="a b c d"
topo_layout_lan 5 # a .2 (static) b .3 c .4 d .5, e .6 = the rogue's host
wgnm_net 192.168.50.2:50001,50501,10.1.1.1
cp "$wgnm_dir/net.yaml" "$wgnm_dir/rogue.yaml" # what a member knows: the shared key
wgnm_start a 10.1.1.1
wgnm_start b 10.1.1.2
wgnm_start c 10.1.1.3
wgnm_start d 10.1.1.4
wgnm_check_reach 30 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3 d:10.1.1.4
c_key=$(ip netns exec "${tag}c" wg show "${tag}c" public-key)

# --- (a) a rogue daemon claims c's address -------------------------------------
wgnm_start e 10.1.1.3 -n rogue -w 50009 -u 50509
check "(a) the rogue is told its claim of 10.1.1.3 is refused" \
	wait_for 15 grep -q "address 10.1.1.3 is held by node c" "$wgnm_dir/e.log"
check "(a) the static peer logs the refusal" \
	wait_for 5 grep -q "refused record .* claims 10.1.1.3, which node c holds" "$wgnm_dir/a.log"
wait_for 5 ip netns exec "${tag}e" wg show "${tag}e" public-key
e_key=$(ip netns exec "${tag}e" wg show "${tag}e" public-key)
not_rogues() {
	[ -n "$e_key" ] || return 1
	for _h in $hosts; do
		# 10.1.1.3/32 goes to c, or through a gateway: never to the rogue
		ip netns exec "$tag$_h" wg show "$tag$_h" allowed-ips | grep -q "^$e_key" && return 1
	done
	ip netns exec "${tag}a" wg show "${tag}a" allowed-ips | grep "10.1.1.3/32" |
		grep -q "^$c_key"
}
check "(a) the rogue is nobody's peer; 10.1.1.3 stays with c's key on the static peer" not_rogues
if wgnm_all_reach 10 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3 d:10.1.1.4; then
	ok "(a) everyone still reaches c (and each other) at its address"
else
	not_ok "(a) everyone still reaches c at its address"
	wgnm_dump_logs
fi
check "(a) the rogue has no way into the mesh" \
	sh -c "! ip netns exec ${tag}e ping -c1 -W1 10.1.1.1"
wgnm_stop e

# --- (b) a claim outside the subnet --------------------------------------------
rogue_out=$(ip netns exec "${tag}e" "$rogue_bin" "$wgnm_dir/rogue.yaml" 198.51.100.77 rogue77 3 \
	192.168.50.2:50501 192.168.50.3:50502 192.168.50.4:50503 192.168.50.5:50504)
check "(b) rogue_claim sent its sealed, signed claim of 198.51.100.77 to every node" \
	test -n "$rogue_out"
all_refused_77() {
	for _h in $hosts; do
		grep -q "refused record from 192.168.50.6:.*node rogue77 claims 198.51.100.77, outside the overlay subnet" \
			"$wgnm_dir/$_h.log" || return 1
	done
}
check "(b) every node refuses it (log)" wait_for 10 all_refused_77
tui_bin=${top_builddir:-.}/wgnm-tui
status_refused() {
	"$tui_bin" -i "${tag}b" --status | grep -q "^  dropped:.* refused [1-9]"
}
check "(b) wgnm-tui --status of b counts the refusals (drop counters)" wait_for 5 status_refused
check "(b) wgnm-tui --json of b too" sh -c \
	"'$tui_bin' -i '${tag}b' --json | grep -q '\"dropped\": {.*\"refused\": [1-9]'"
no_state_77() {
	for _h in $hosts; do
		ip -n "$tag$_h" route show table all | grep -q "198\.51\.100\.77" && return 1
		ip netns exec "$tag$_h" wg show "$tag$_h" allowed-ips | grep -q "198\.51\.100\.77" &&
			return 1
	done
	return 0
}
check "(b) no node has a route or a WireGuard allowed-ip for it" no_state_77
route_get_77() {
	for _h in $hosts; do
		ip -n "$tag$_h" route get 198.51.100.77 2>&1 | grep -q "dev $tag$_h" && return 1
	done
	return 0
}
check "(b) 'ip route get 198.51.100.77' names no WireGuard interface" route_get_77
for _h in $hosts; do
	ip netns exec "$tag$_h" nft -f - <<EOF || bail "nft in $tag$_h"
table ip ${tag}cnt {
	chain out {
		type filter hook output priority 0;
		oifname "$tag$_h" ip daddr 198.51.100.77 counter
	}
}
EOF
	ip netns exec "$tag$_h" ping -c2 -i0.2 -W1 198.51.100.77 >/dev/null 2>&1
done
tunnel_silent() {
	for _h in $hosts; do
		ip netns exec "$tag$_h" nft list table ip "${tag}cnt" | grep -q "counter packets 0 " ||
			return 1
	done
}
check "(b) pings to it never enter the tunnel (nft counter on the WireGuard interface: 0)" \
	tunnel_silent

# --- (c) pinning with nodes: ------------------------------------------------------
keys_ok=1
for _h in $hosts; do
	_k=$("$wgnm_bin" key --state-dir "$wgnm_dir/$_h") || keys_ok=0
	_k2=$("$wgnm_bin" key --state-dir "$wgnm_dir/$_h") || keys_ok=0
	[ "$_k" = "$_k2" ] || keys_ok=0
	_short=$(printf '%s' "$_k" | cut -c1-8)
	grep -q "identity $_short (new" "$wgnm_dir/$_h.log" || keys_ok=0
	eval "key_$_h=\$_k"
done
check "(c) 'wgnm key' prints the identity each daemon uses (stable across runs)" \
	test "$keys_ok" = 1
write_nodes() {
	cp "$wgnm_dir/rogue.yaml" "$wgnm_dir/net.yaml.new"
	echo "nodes:" >>"$wgnm_dir/net.yaml.new"
	_i=0
	for _h in "$@"; do
		case $_h in a) _ip=10.1.1.1 ;; b) _ip=10.1.1.2 ;; c) _ip=10.1.1.3 ;; d) _ip=10.1.1.4 ;; esac
		eval "_k=\$key_$_h"
		printf '  - name: %s\n    wgIp: %s\n    identity: %s\n' "$_h" "$_ip" "$_k" \
			>>"$wgnm_dir/net.yaml.new"
	done
	chmod 600 "$wgnm_dir/net.yaml.new"
	mv "$wgnm_dir/net.yaml.new" "$wgnm_dir/net.yaml"
}
# Send SIGHUP to each host and wait for its Nth "reload: done".
reload() {
	_n=$1
	shift
	for _h in "$@"; do
		kill -HUP "$(wgnm_pid "$_h")"
	done
	for _h in "$@"; do
		wait_for 10 sh -c "[ \$(grep -c 'reload: done' '$wgnm_dir/$_h.log') -ge $_n ]" || return 1
	done
}
write_nodes a b c d
check "(c) all four reload a net.yaml whose nodes: lists them" reload 1 a b c d
check "(c) the listed nodes keep working" wgnm_all_reach 20 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3 \
	d:10.1.1.4
unlisted_start() {
	ip netns exec "${tag}e" env WGNM_BACKEND=userspace timeout 10 "$wgnm_bin" --daemon \
		--foreground -c "$wgnm_dir/net.yaml" -i "${tag}x" -a 10.1.1.9 -n rogue \
		--state-dir "$wgnm_dir/x" >"$wgnm_dir/x.log" 2>&1 && return 1
	_k=$("$wgnm_bin" key --state-dir "$wgnm_dir/x")
	grep -q "is not listed in nodes: .*identity: $_k" "$wgnm_dir/x.log"
}
check "(c) a node not in nodes: refuses to start and prints its key" unlisted_start

# The rogue still has the old file (shared key, no nodes:) and says HELLO to everyone.
wgnm_start e 10.1.1.9 -n rogue -w 50009 -u 50509 -c "$wgnm_dir/rogue.yaml" \
	--state-dir "$wgnm_dir/e2" -i "${tag}e2" \
	--static 192.168.50.3:50002,50502,10.1.1.2 --static 192.168.50.4:50003,50503,10.1.1.3 \
	--static 192.168.50.5:50004,50504,10.1.1.4
rogue_short() {
	sed -n 's/.*identity \([^ ]*\) (new, .*\/e2\/identity.*/\1/p' "$wgnm_dir/e.log" | tail -n1
}
wait_for 10 sh -c "grep -q '/e2/identity' '$wgnm_dir/e.log'"
rshort=$(rogue_short)
all_refuse_rogue() {
	[ -n "$rshort" ] || return 1
	for _h in $hosts; do
		grep -q "refused datagram from 192.168.50.6:50509: sender $rshort is not listed in nodes:" \
			"$wgnm_dir/$_h.log" || return 1
	done
}
check "(c) every node refuses the unlisted rogue ($rshort)" wait_for 25 all_refuse_rogue
rwg=$(ip netns exec "${tag}e" wg show "${tag}e2" public-key 2>/dev/null)
nobody_peers_rogue() {
	[ -n "$rwg" ] || return 1
	for _h in $hosts; do
		ip netns exec "$tag$_h" wg show "$tag$_h" peers | grep -q "^$rwg" && return 1
	done
	return 0
}
check "(c) the rogue is nobody's WireGuard peer" nobody_peers_rogue
check "(c) the rogue has no way into the mesh" \
	sh -c "! ip netns exec ${tag}e ping -c1 -W1 10.1.1.1"
check "(c) the listed nodes still work" wgnm_all_reach 10 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3 \
	d:10.1.1.4
wgnm_stop e

# Revoking d: remove its entry, distribute the file, reload everywhere else.
d_key_wg=$(ip netns exec "${tag}d" wg show "${tag}d" public-key)
write_nodes a b c
check "(c) revoke d: a, b and c reload nodes: without it" reload 2 a b c
d_gone() {
	for _h in a b c; do
		ip netns exec "$tag$_h" wg show "$tag$_h" peers | grep -q "^$d_key_wg" && return 1
		ip -n "$tag$_h" route show | grep -q "^10\.1\.1\.4 " && return 1
	done
	return 0
}
check "(c) d is nobody's WireGuard peer and has no route any more" wait_for 10 d_gone
check "(c) a logs the revocation" grep -q "node d (.*) revoked: it is not listed in nodes:" \
	"$wgnm_dir/a.log"
check "(c) a, b and c still reach each other" wgnm_all_reach 10 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3
diag "mesh_rogue took $(($(date +%s) - t0)) s"
[ "$tap_failed" -eq 0 ] || wgnm_dump_logs
tap_done
