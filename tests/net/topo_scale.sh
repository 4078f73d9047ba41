#!/bin/sh
# topo_scale.sh: tests/net/topo.sh's scale layout and NAT routers (root, TAP).
#
# topo_layout_scale 6: public host p and h1..h6 over two home NATs r1, r2,
# round robin. Checks the recorded layout (topo_hosts, topo_public,
# topo_up_*), addresses, that every host reaches the public host through its
# NAT, that a router answers nothing unsolicited on its WAN (new inbound is
# dropped, so no conntrack entry can take a port an inside host will need),
# and that topo_move re-homes a host and its topo_up_ entry.

. "${top_srcdir:-.}/tests/net/lib.sh"
. "${top_srcdir:-.}/tests/net/topo.sh"

net_init s
net_need nft ping
topo_layout_scale 6

is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "got '$2', want '$3'"
	fi
}

addr_of() {
	ip -n "$tag$1" -4 -o addr show dev eth0 | awk '{ print $4 }'
}

is "hosts in order" "$topo_hosts" "p h1 h2 h3 h4 h5 h6"
is "public host" "$topo_public" p
is "h1 behind r1" "${topo_up_h1:-}" r1
is "h2 behind r2" "${topo_up_h2:-}" r2
is "h5 behind r1 (round robin)" "${topo_up_h5:-}" r1
is "p on the internet" "${topo_up_p:-}" ""
is "p's address (its own /29 to the internet router)" "$(addr_of p)" 203.0.113.2/29
is "r2's WAN address" "$(addr_of r2)" 203.0.113.26/29
is "h1 first on r1's LAN" "$(addr_of h1)" 192.168.101.2/24
is "h3 second on r1's LAN" "$(addr_of h3)" 192.168.101.3/24
is "h6 third on r2's LAN" "$(addr_of h6)" 192.168.102.4/24

for h in h1 h2 h3 h4 h5 h6; do
	check "$h reaches the public host through its NAT" \
		wait_for 5 ip netns exec "$tag$h" ping -c1 -W1 203.0.113.2
done
check "r1 reaches the public host itself" \
	ip netns exec "${tag}r1" ping -c1 -W1 203.0.113.2
if ip netns exec "${tag}p" ping -c1 -W1 203.0.113.11 >/dev/null 2>&1; then
	not_ok "r1 drops unsolicited traffic on its WAN"
else
	ok "r1 drops unsolicited traffic on its WAN"
fi
check "h1 and h3 talk over their LAN" \
	ip netns exec "${tag}h1" ping -c1 -W1 192.168.101.3

topo_move h1 r2 192.168.102.200
is "topo_move records the new router" "${topo_up_h1:-}" r2
check "h1 reaches the public host from r2's LAN" \
	wait_for 5 ip netns exec "${tag}h1" ping -c1 -W1 203.0.113.2
tap_done
