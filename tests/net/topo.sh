# tests/net/topo.sh: underlay topologies for mesh tests and the demo.
#
# POSIX sh; source after lib.sh and net_init (needs $tag). Every host is a
# namespace ${tag}NAME whose underlay interface is eth0. The "internet" is a
# router in namespace ${tag}inet: every public host and every NAT router's WAN
# side gets its own /29 of TEST-NET 203.0.113.0/24 on a link to it (the router
# is .1 of the /29), so at least one router lies between any two NATs, as on
# the real internet. It has no route anywhere else. NAT routers masquerade
# with nftables; home LANs use private 192.168.x.0/24 ranges that exist only
# inside their router's namespace.
#
#   topo_internet                      the ${tag}inet router namespace
#   topo_public NAME ADDR              host on the internet, ADDR in 203.0.113.0/24,
#                                      not the first address of its /29
#   topo_nat NAME WANADDR LAN [MODE]   NAT router: wan on the internet, LAN bridge
#                                      with LAN.1/24 (LAN like 192.168.1);
#                                      MODE "symmetric" = endpoint-dependent mapping
#   topo_nat_in NAME PARENT WANADDR LAN
#                                      NAT router whose wan sits on PARENT's LAN
#                                      (double NAT); WANADDR inside PARENT's LAN
#   topo_lan_host NAME ROUTER ADDR     host on ROUTER's LAN, default route via it
#   topo_move NAME ROUTER ADDR         move host NAME's underlay to another LAN
#   topo_ifstat NAME                   "rx_packets tx_packets" of NAME's eth0
#
# NAT routers drop unsolicited inbound traffic on their WAN side, as home
# routers do. Every host or router placed behind a router records it:
# $topo_up_NAME is the router NAME sits behind (unset for hosts on the
# internet). Layouts a, b, c and scale set $topo_hosts (the mesh hosts, not
# the routers) and $topo_public (their public host).
#
# Layouts used by the tests (hosts a b c d):
#   topo_layout_a     b public; a behind its own NAT (na); c and d behind one
#                     home NAT (nh)
#   topo_layout_b     as a, but d behind a second NAT router (nd) in the home LAN
#   topo_layout_c     b public; a and c each behind a symmetric NAT
#   topo_layout_lan N hosts a.. on one LAN bridge (no NAT), 192.168.50.0/24,
#                     and the bridge also joined to the internet for static peers
#   topo_layout_scale N
#                     public host p (203.0.113.2) + N hosts h1..hN spread round
#                     robin over ceil(N/4) home NATs r1.. (WAN 203.0.113.(8k+10),
#                     LAN 192.168.(100+k).0/24, hosts from .2); at most 100

topo_port=0

# Veth pair between namespace $1 (interface $2) and namespace $3 (interface $4).
# The underlay is IPv4 only: no IPv6 on these links, so the kernel's own
# router solicitations and MLD reports do not count as traffic in the tests.
topo_veth() {
	ip -n "$tag$1" link add "$2" type veth peer name "$4" netns "$tag$3" ||
		bail "veth $tag$1:$2 <-> $tag$3:$4"
	ip netns exec "$tag$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	ip netns exec "$tag$3" sysctl -qw "net.ipv6.conf.$4.disable_ipv6=1"
	ip -n "$tag$1" link set "$2" up
	ip -n "$tag$3" link set "$4" up
}

topo_bridge() {
	ip -n "$tag$1" link add br0 type bridge || bail "bridge in $tag$1"
	ip netns exec "$tag$1" sysctl -qw net.ipv6.conf.br0.disable_ipv6=1
	ip -n "$tag$1" link set br0 up
}

# Plug a new host interface into the bridge of namespace $1; prints nothing.
topo_plug() {
	topo_port=$((topo_port + 1))
	topo_veth "$2" eth0 "$1" "p$topo_port"
	ip -n "$tag$1" link set "p$topo_port" master br0
}

topo_internet() {
	net_ns inet
	ip netns exec "${tag}inet" sysctl -qw net.ipv4.ip_forward=1
}

# Host NAME's eth0 on its own /29 to the internet router: ADDR/29, default via .1.
topo_wan() {
	_last=${2##*.}
	_base=$((_last & ~7))
	_net=${2%.*}
	topo_port=$((topo_port + 1))
	topo_veth "$1" eth0 inet "p$topo_port"
	ip -n "$tag$1" addr add "$2/29" dev eth0
	ip -n "${tag}inet" addr add "$_net.$((_base + 1))/29" dev "p$topo_port"
	ip -n "$tag$1" route add default via "$_net.$((_base + 1))"
}

topo_public() {
	net_ns "$1"
	topo_wan "$1" "$2"
}

topo_nat_rules() {
	_mode=
	[ "${2:-}" = symmetric ] && _mode=" random,fully-random"
	ip netns exec "$tag$1" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$tag$1" nft -f - <<EOF || bail "nft in $tag$1"
table ip nat {
	chain post {
		type nat hook postrouting priority 100;
		oifname "eth0" masquerade$_mode
	}
}
table ip filter {
	chain in {
		type filter hook input priority 0;
		iifname "eth0" ct state new drop
	}
}
EOF
}

topo_nat() {
	net_ns "$1"
	topo_wan "$1" "$2"
	topo_bridge "$1"
	ip -n "$tag$1" addr add "$3.1/24" dev br0
	topo_nat_rules "$1" "${4:-}"
	eval "topo_lan_$1=$3"
}

topo_nat_in() {
	net_ns "$1"
	topo_plug "$2" "$1"
	ip -n "$tag$1" addr add "$3/24" dev eth0
	eval "_plan=\$topo_lan_$2"
	ip -n "$tag$1" route add default via "$_plan.1"
	eval "topo_up_$1=$2"
	topo_bridge "$1"
	ip -n "$tag$1" addr add "$4.1/24" dev br0
	topo_nat_rules "$1"
	eval "topo_lan_$1=$4"
}

topo_lan_host() {
	net_ns "$1"
	topo_plug "$2" "$1"
	ip -n "$tag$1" addr add "$3/24" dev eth0
	eval "_lan=\$topo_lan_$2"
	ip -n "$tag$1" route add default via "$_lan.1"
	eval "topo_up_$1=$2"
}

topo_move() {
	ip -n "$tag$1" link del eth0
	topo_plug "$2" "$1"
	ip -n "$tag$1" addr add "$3/24" dev eth0
	eval "_lan=\$topo_lan_$2"
	ip -n "$tag$1" route add default via "$_lan.1"
	eval "topo_up_$1=$2"
}

topo_ifstat() {
	ip netns exec "$tag$1" sh -c \
		'echo "$(cat /sys/class/net/eth0/statistics/rx_packets) $(cat /sys/class/net/eth0/statistics/tx_packets)"'
}

topo_layout_a() {
	topo_internet
	topo_hosts="a b c d"
	topo_public=b
	topo_public b 203.0.113.2
	topo_nat na 203.0.113.10 192.168.1
	topo_lan_host a na 192.168.1.2
	topo_nat nh 203.0.113.20 192.168.2
	topo_lan_host c nh 192.168.2.2
	topo_lan_host d nh 192.168.2.3
}

topo_layout_b() {
	topo_internet
	topo_hosts="a b c d"
	topo_public=b
	topo_public b 203.0.113.2
	topo_nat na 203.0.113.10 192.168.1
	topo_lan_host a na 192.168.1.2
	topo_nat nh 203.0.113.20 192.168.2
	topo_lan_host c nh 192.168.2.2
	topo_nat_in nd nh 192.168.2.10 192.168.3
	topo_lan_host d nd 192.168.3.2
}

topo_layout_c() {
	topo_internet
	topo_hosts="a b c"
	topo_public=b
	topo_public b 203.0.113.2
	topo_nat na 203.0.113.10 192.168.1 symmetric
	topo_lan_host a na 192.168.1.2
	topo_nat nc 203.0.113.30 192.168.4 symmetric
	topo_lan_host c nc 192.168.4.2
}

# N hosts a, b, c, ... on one LAN 192.168.50.0/24, no NAT, no internet.
topo_layout_lan() {
	net_ns lan
	topo_bridge lan
	_i=0
	for _h in a b c d e f g h; do
		[ "$_i" -lt "$1" ] || break
		_i=$((_i + 1))
		net_ns "$_h"
		topo_plug lan "$_h"
		ip -n "$tag$_h" addr add "192.168.50.$((_i + 1))/24" dev eth0
	done
}

topo_layout_scale() {
	[ "$1" -ge 1 ] && [ "$1" -le 100 ] || bail "topo_layout_scale: N must be 1..100"
	topo_internet
	topo_public p 203.0.113.2
	topo_hosts=p
	topo_public=p
	_nr=$((($1 + 3) / 4))
	_k=1
	while [ "$_k" -le "$_nr" ]; do
		topo_nat "r$_k" "203.0.113.$((8 * _k + 10))" "192.168.$((100 + _k))"
		_k=$((_k + 1))
	done
	_i=1
	while [ "$_i" -le "$1" ]; do
		_k=$(((_i - 1) % _nr + 1))
		topo_lan_host "h$_i" "r$_k" "192.168.$((100 + _k)).$(((_i - 1) / _nr + 2))"
		topo_hosts="$topo_hosts h$_i"
		_i=$((_i + 1))
	done
}
