#!/bin/sh
# tests/unit/bench_report.sh: bench/report.awk turns bench/run's results
# (TSV) into the markdown table, with PASS/FAIL against the targets for wgnm
# only, and into JSON with units and null for what was not measured.
# Table driven: each case is a line the output must contain, exactly.

top=${top_srcdir:-.}
# shellcheck source=../net/lib.sh
. "$top/tests/net/lib.sh"

tmp=$(mktemp -d) || bail "mktemp"
trap 'rm -rf "$tmp"' EXIT
T=$(printf '\t')

# system version topology nodes metric role value unit note
while IFS='|' read -r s v t n m r val u note; do
	printf '%s\n' "$s$T$v$T$t$T$n$T$m$T$r$T$val$T$u$T$note"
done >"$tmp/r.tsv" <<'EOF'
nebula|1.6.1|a|4|reach_all||0.630|s|12 ordered pairs
tinc|1.0.36|a|4|reach_all||4.203|s|
wgnm|0.1.0|a|4|reach_all||1.500|s|
nebula|1.6.1|a|4|direct_all||1.120|s|
tinc|1.0.36|a|4|direct_all||null|s|5/6 "pairs"
wgnm|0.1.0|a|4|direct_all||null|s|timeout
nebula|1.6.1|a|4|idle_pkts_node_min||161.7|packets/node/min|
tinc|1.0.36|a|4|idle_pkts_node_min||3.7|packets/node/min|
wgnm|0.1.0|a|4|idle_pkts_node_min||5.0|packets/node/min|
wgnm|0.1.0|a|4|idle_cpu_pct|wgnm|0.020|%|
wgnm|0.1.0|a|4|idle_cpu_pct|wireguard-go|0.300|%|
wgnm|0.1.0|a|4|restart_recovery||3.000|s|
wgnm|0.1.0|a|4|deadpath_fallback||9.999|s|
wgnm|0.1.0|scale-8|9|rss_peak|wgnm|5000|kB|
wgnm|0.1.0|scale-8|9|idle_pkts_node_min||10.0|packets/node/min|
tinc|1.0.36|scale-8|9|idle_pkts_node_min||4.0|packets/node/min|
wgnm|0.1.0|scale-30|31|rss_peak|wgnm|3000|kB|
wgnm|0.1.0|scale-30|31|idle_pkts_node_min||11.0|packets/node/min|
tinc|1.0.36|scale-30|31|idle_pkts_node_min||8.0|packets/node/min|
wgnm|0.1.0|c|3|idle_pkts_node_min||7.0|packets/node/min|
wgnm|0.1.0|c|3|deadpath_fallback||null|s|not measured: no direct pair
wgnm|0.1.0|a|4|idle_after_use_pkts_node_min||20.5|packets/node/min|
nebula|1.6.1|a|4|idle_after_use_pkts_node_min||80.0|packets/node/min|
EOF

for mode in md json; do
	awk -F "$T" -v mode=$mode -v host=h -v date=d -v kernel=k -v cpus=2 -v cpu="CPU X" \
		-v idle=20 -v settle=75 -v timeout=30 -v load0="0.5 0.4 0.3" -v load1="1.5 1.4 1.3" \
		-v duration=12.345 -f "$top/bench/report.awk" "$tmp/r.tsv" >"$tmp/r.$mode" ||
		bail "report.awk $mode"
done

# has LINE FILE: FILE holds LINE as a whole line.
has() {
	grep -qxF -- "$1" "$2"
}

while IFS='|' read -r file desc line; do
	[ -n "$file" ] || continue
	# the last field keeps the rest of the line, '|' included
	check "$desc" has "$line" "$tmp/$file"
done <<'EOF'
r.md|machine, windows and duration in the header|CPU X, 2 CPUs, kernel k; idle window 20 s from 75 s after the last traffic; poll timeout 30 s; run took 12.345 s;
r.md|load and versions in the header|load average (1 5 15 min) 0.5 0.4 0.3 at the start, 1.5 1.4 1.3 at the end. Versions: nebula 1.6.1, tinc 1.0.36, wgnm 0.1.0.
r.md|summary: a column per topology, in the order run|| target | unit | a | scale-8 | scale-30 | c |
r.md|summary: reach target on the 4-node topologies only|| reach_all < 2 s (a, b, c) | s | 1.500 PASS | - | - | - |
r.md|summary: idle cost with the others' values, no verdict without them|| idle_pkts_node_min < Nebula's and tinc's | packets/node/min | 5.0 FAIL (nebula 161.7, tinc 3.7) | 10.0 FAIL (tinc 4.0) | 11.0 FAIL (tinc 8.0) | 7.0 (no comparison) |
r.md|summary: RSS target at 30 peers only|| rss_peak (wgnm) < 4096 kB at 30 peers | kB | - | - | 3000 PASS | - |
r.md|summary: no dead-path target on c|| deadpath_fallback < 10 s | s | 9.999 PASS | - | - | - |
r.md|summary: the minute after use, every system, no verdict|| idle_after_use_pkts_node_min, no target | packets/node/min | 20.5 (nebula 80.0) | - | - | - |
r.json|the at-rest window's start|  "settle_s": 75,
r.md|summary: idle ratio N=30 / N=8|Idle cost per node, N=30 against N=8 (target <= 1.20, at most +20 %): 11.0 / 10.0 = 1.10 PASS
r.md|no dead-path target on c: plain n/a|| deadpath_fallback | s | - | - | - | n/a |
r.md|nothing to compare the idle cost with: no verdict|| idle_pkts_node_min | packets/node/min | < nebula, tinc | - | - | 7.0 (no comparison) |
r.md|one column per system|| metric | unit | wgnm target | nebula | tinc | wgnm |
r.md|reach within 2 s passes, others show the plain value|| reach_all | s | < 2 s | 0.630 | 4.203 | 1.500 PASS |
r.md|not measured is n/a, and a FAIL for wgnm|| direct_all | s | < 5 s | 1.120 | n/a | n/a FAIL |
r.md|idle cost must be below every other system's|| idle_pkts_node_min | packets/node/min | < nebula, tinc | 161.7 | 3.7 | 5.0 FAIL |
r.md|idle CPU target on wgnm's own process|| idle_cpu_pct (wgnm) | % | < 0.1 % | - | - | 0.020 PASS |
r.md|no target for wireguard-go|| idle_cpu_pct (wireguard-go) | % | - | - | - | 0.300 |
r.md|recovery of exactly 3 s fails (< 3 s)|| restart_recovery | s | < 3 s | - | - | 3.000 FAIL |
r.md|dead-path fallback under 10 s passes|| deadpath_fallback | s | < 10 s | - | - | 9.999 PASS |
r.md|RSS target only at 30 peers (scale-8: none)|| rss_peak (wgnm) | kB | - | - | - | 5000 |
r.md|RSS target at 30 peers|| rss_peak (wgnm) | kB | < 4096 kB | - | - | 3000 PASS |
r.md|idle cost against N: ratio within 20 % passes|| wgnm | 10.0 | 11.0 | 1.10 | <= 1.20 PASS |
r.md|idle cost against N: value only for the others|| tinc | 4.0 | 8.0 | 2.00 | - |
r.md|notes keep the system's words|- tinc direct_all: 5/6 "pairs"
r.json|null for not measured|    {"system": "tinc", "version": "1.0.36", "topology": "a", "nodes": 4, "metric": "direct_all", "value": null, "unit": "s", "note": "5/6 \"pairs\""},
r.json|role and unit kept|    {"system": "wgnm", "version": "0.1.0", "topology": "scale-30", "nodes": 31, "metric": "rss_peak", "role": "wgnm", "value": 3000, "unit": "kB", "note": ""},
r.json|versions object|  "versions": {"nebula": "1.6.1", "tinc": "1.0.36", "wgnm": "0.1.0"},
r.json|last object closes the array|  ]
r.json|CPU model|  "cpu_model": "CPU X",
r.json|load at the start|  "load_start": "0.5 0.4 0.3",
r.json|duration|  "duration_s": 12.345,
EOF

check "JSON has one object per input line" test "$(grep -c '"system":' "$tmp/r.json")" -eq 23
tap_done
