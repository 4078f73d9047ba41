# bench/systems/nebula.sh: the Nebula driver of bench/run.
#
# Sourced by bench/run in a subshell per system x topology run (bash). The
# harness sets, before sys_setup:
#   tag                  per-run prefix; host H lives in namespace $tag$H
#   bench_hosts          the mesh hosts ("a b c d", "p h1 h2 ...")
#   bench_public         the host on the internet (lighthouse, static peer)
#   bench_public_addr    its underlay address (203.0.113.x)
#   bench_overlay HOST   prints HOST's overlay address (10.90.0.0/16)
#   bench_spawn HOST PIDFILE LOGFILE CMD...
#                        starts CMD in HOST's namespace in the background,
#                        writes its PID to PIDFILE, registers it for cleanup
#   bench_kill_pidfile PIDFILE
#                        TERM, bounded wait, KILL; removes PIDFILE
#   bench_kill_pids PID...   the same for PIDs
# A driver defines sys_version, sys_setup DIR, sys_start HOST, sys_stop HOST,
# sys_overlay_addr HOST, sys_pids HOST ("ROLE PID" lines, the main daemon
# first) and sys_log HOST (the daemon's log file).
#
# Setup as the Nebula docs recommend: one CA made with nebula-cert, one signed
# certificate per host; the public host is the lighthouse (fixed port 4242,
# in every host's static_host_map); punchy.punch on, and punchy.respond (the
# option formerly named punch_back); other hosts listen on port 0 (the docs
# recommend it for roaming hosts). The firewall lets everything through; the
# tun device is ${tag}n.
#
# With nebula_relay=1 (bench/systems/nebula-relay.sh) the lighthouse is also
# a relay (relay.am_relay) that every other host lists in relay.relays, so
# that pairs which cannot punch (symmetric NATs) still connect. Without it
# (the default) use_relays is false and such pairs stay unreachable.

nebula_dir=
nebula_relay=${nebula_relay:-0}

sys_version() {
	nebula -version 2>&1 | sed -n 's/^Version: //p'
}

sys_overlay_addr() {
	bench_overlay "$1"
}

sys_setup() {
	nebula_dir=$1
	local h lh
	lh=$(bench_overlay "$bench_public")
	mkdir -p "$nebula_dir" || return 1
	nebula-cert ca -name "wgnm-bench $tag" -duration 24h \
		-out-crt "$nebula_dir/ca.crt" -out-key "$nebula_dir/ca.key" || return 1
	for h in $bench_hosts; do
		mkdir -p "$nebula_dir/$h" || return 1
		nebula-cert sign -name "$h" -ip "$(bench_overlay "$h")/16" \
			-ca-crt "$nebula_dir/ca.crt" -ca-key "$nebula_dir/ca.key" \
			-out-crt "$nebula_dir/$h/host.crt" -out-key "$nebula_dir/$h/host.key" ||
			return 1
		if [ "$h" = "$bench_public" ]; then
			nebula_config "$h" "$lh" true 4242 '[]' '[]'
		elif [ "$nebula_relay" = 1 ]; then
			nebula_config "$h" "$lh" false 0 "[\"$lh\"]" "[\"$lh\"]"
		else
			nebula_config "$h" "$lh" false 0 "[\"$lh\"]" '[]'
		fi >"$nebula_dir/$h/config.yml" || return 1
	done
}

# nebula_config HOST LIGHTHOUSE_IP AM_LIGHTHOUSE PORT LH_HOSTS RELAYS
nebula_config() {
	cat <<EOF
pki:
  ca: $nebula_dir/ca.crt
  cert: $nebula_dir/$1/host.crt
  key: $nebula_dir/$1/host.key
static_host_map:
  "$2": ["$bench_public_addr:4242"]
lighthouse:
  am_lighthouse: $3
  interval: 60
  hosts: $5
listen:
  host: 0.0.0.0
  port: $4
punchy:
  punch: true
  respond: true
relay:
  am_relay: $([ "$nebula_relay" = 1 ] && echo "$3" || echo false)
  use_relays: $([ "$nebula_relay" = 1 ] && echo true || echo false)
  relays: $6
tun:
  disabled: false
  dev: ${tag}n
  drop_local_broadcast: false
  drop_multicast: false
  tx_queue: 500
  mtu: 1300
logging:
  level: info
  format: text
firewall:
  outbound:
    - port: any
      proto: any
      host: any
  inbound:
    - port: any
      proto: any
      host: any
EOF
}

sys_start() {
	bench_spawn "$1" "$nebula_dir/$1/pid" "$nebula_dir/$1/log" \
		nebula -config "$nebula_dir/$1/config.yml"
}

sys_stop() {
	bench_kill_pidfile "$nebula_dir/$1/pid"
}

sys_pids() {
	local pid
	pid=$(cat "$nebula_dir/$1/pid" 2>/dev/null) || return 0
	kill -0 "$pid" 2>/dev/null && echo "nebula $pid"
	return 0
}

sys_log() {
	echo "$nebula_dir/$1/log"
}
