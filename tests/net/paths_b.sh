#!/bin/sh
# Direct paths, topology B (double NAT): as A, but d sits behind a second NAT
# router (nd) inside the home LAN. c-d still end up direct (d reaches c's LAN
# address through nd); a-c and a-d are punched, d through two NATs.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"
. "${top_srcdir:-.}/tests/net/wgnm.sh"
. "${top_srcdir:-.}/tests/net/paths_lib.sh"
net_init q
net_need nft
wgnm_init
plan 5

topo_layout_b
wgnm_start_a
wgnm_check_reach 30 a:10.1.1.1 b:10.1.1.2 c:10.1.1.3 d:10.1.1.4
t0=$(date +%s)
if wait_direct 20 d 10.1.1.4 c 10.1.1.3 b a na; then
	ok "c-d direct across the inner NAT within $(($(date +%s) - t0)) s"
else
	not_ok "c-d direct across the inner NAT within 20 s"
fi
t0=$(date +%s)
if wait_direct 20 a 10.1.1.1 c 10.1.1.3 b d; then
	ok "a-c punched within $(($(date +%s) - t0)) s"
else
	not_ok "a-c punched within 20 s"
fi
t0=$(date +%s)
if wait_direct 20 a 10.1.1.1 d 10.1.1.4 b c; then
	ok "a-d punched through the double NAT within $(($(date +%s) - t0)) s"
else
	not_ok "a-d punched through the double NAT within 20 s"
	wgnm_dump_logs
fi
check "d's pre-punch TTL counts both NATs (3 routers to the static peer)" \
	grep -q "3 routers between us and static peer" "$wgnm_dir/d.log"
tap_done
