# bench/report.awk: bench/run's results (TSV) as JSON or as a markdown table.
#
#   awk -F '\t' -v mode=json|md -v host=H -v date=D -v kernel=K -v cpus=C \
#       -v cpu=MODEL -v idle=S -v settle=S -v timeout=S -v load0=L -v load1=L \
#       -v duration=S -f bench/report.awk results.tsv
#
# Input, one line per measurement: system, version, topology, nodes, metric,
# role, value ("null" when not measured), unit, note.
# The markdown starts with a summary (wgnm against each target, a column per
# topology), then has one table per topology (a row per metric, a column per
# system) with the wgnm targets and PASS/FAIL in the wgnm column only, then
# the idle cost per node against N over the scale runs. load0/load1 are the
# load averages (1 5 15 min) at the start and the end of the run.

function jstr(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	gsub(/\t/, " ", s)
	return "\"" s "\""
}

function num(v) {
	return v == "null" || v == "" ? "null" : v
}

# The wgnm target of a row, "" when none applies.
function target(m, r, t, n) {
	if (m == "reach_all" && (t == "a" || t == "b" || t == "c"))
		return "< 2 s"
	if (m == "direct_all")
		return "< 5 s"
	if (m == "restart_recovery" || m == "roam_recovery")
		return "< 3 s"
	# c has no direct pair with a relay to fall back to
	if (m == "deadpath_fallback" && t != "c")
		return "< 10 s"
	if (m == "idle_cpu_pct" && r == "wgnm")
		return "< 0.1 %"
	if (m == "rss_peak" && r == "wgnm" && t ~ /^scale-/ && n >= 31)
		return "< 4096 kB"
	if (m == "idle_pkts_node_min")
		return "< nebula, tinc"
	return ""
}

# PASS/FAIL of wgnm's value v on row m/r of topology t.
function verdict(m, r, t, v,    o, ov, nc) {
	if (v == "null" || v == "")
		return "FAIL"
	if (m == "reach_all" || m == "direct_all")
		return v + 0 < (m == "reach_all" ? 2 : 5) ? "PASS" : "FAIL"
	if (m == "restart_recovery" || m == "roam_recovery")
		return v + 0 < 3 ? "PASS" : "FAIL"
	if (m == "deadpath_fallback")
		return v + 0 < 10 ? "PASS" : "FAIL"
	if (m == "idle_cpu_pct")
		return v + 0 < 0.1 ? "PASS" : "FAIL"
	if (m == "rss_peak")
		return v + 0 < 4096 ? "PASS" : "FAIL"
	if (m == "idle_pkts_node_min") {
		nc = 0
		for (o in sysseen) {
			# test before reading: reading val[] would create the entry
			if (o == "wgnm" || !((o, t, m, r) in val))
				continue
			ov = val[o, t, m, r]
			if (ov == "" || ov == "null")
				continue
			nc++
			if (!(v + 0 < ov + 0))
				return "FAIL"
		}
		return nc > 0 ? "PASS" : "(no comparison)"
	}
	return ""
}

BEGIN {
	nmorder = split("load_avg setup reach_all direct_all idle_after_use_pkts_node_min idle_pkts_node_min idle_bytes_node_min " \
		"idle_cpu_pct rss_peak cpu_seconds restart_recovery deadpath_fallback roam_recovery", morder, " ")
	for (o = 1; o <= nmorder; o++)
		mknown[morder[o]] = 1
}

{
	if (NF < 9)
		next
	nrec++
	sys[nrec] = $1; ver[nrec] = $2; top[nrec] = $3; nodes[nrec] = $4
	met[nrec] = $5; role[nrec] = $6; value[nrec] = $7; unit[nrec] = $8; note[nrec] = $9
	if (!($1 in sysseen)) {
		sysseen[$1] = 1
		sysorder[++nsys] = $1
		version[$1] = $2
	}
	if (!($3 in topseen)) {
		topseen[$3] = 1
		toporder[++ntop] = $3
		topnodes[$3] = $4
	}
	row = $5 SUBSEP $6
	if (!(($3, row) in rowseen)) {
		rowseen[$3, row] = 1
		nrow[$3]++
		rows[$3, nrow[$3]] = row
		rowunit[$3, row] = $8
	}
	val[$1, $3, $5, $6] = $7
	if ($9 != "")
		notes[$3] = notes[$3] "- " $1 " " $5 ($6 != "" ? " (" $6 ")" : "") ": " $9 "\n"
}

END {
	if (mode == "json")
		json()
	else
		md()
}

function json(    i, s) {
	printf "{\n"
	printf "  \"benchmark\": \"wgnm bench/run\",\n"
	printf "  \"date\": %s,\n  \"host\": %s,\n  \"kernel\": %s,\n  \"cpus\": %d,\n", jstr(date), jstr(host), jstr(kernel), cpus
	printf "  \"cpu_model\": %s,\n", jstr(cpu)
	printf "  \"idle_window_s\": %d,\n  \"settle_s\": %d,\n  \"timeout_s\": %d,\n", idle, settle, timeout
	printf "  \"load_start\": %s,\n  \"load_end\": %s,\n  \"duration_s\": %s,\n", jstr(load0), jstr(load1), num(duration)
	printf "  \"versions\": {"
	for (i = 1; i <= nsys; i++)
		printf "%s%s: %s", (i > 1 ? ", " : ""), jstr(sysorder[i]), jstr(version[sysorder[i]])
	printf "},\n  \"results\": [\n"
	for (i = 1; i <= nrec; i++) {
		printf "    {\"system\": %s, \"version\": %s, \"topology\": %s, \"nodes\": %d, ", jstr(sys[i]), jstr(ver[i]), jstr(top[i]), nodes[i]
		printf "\"metric\": %s, ", jstr(met[i])
		if (role[i] != "")
			printf "\"role\": %s, ", jstr(role[i])
		printf "\"value\": %s, \"unit\": %s, \"note\": %s}%s\n", num(value[i]), jstr(unit[i]), jstr(note[i]), (i < nrec ? "," : "")
	}
	printf "  ]\n}\n"
}

function md(    i, j, k, o, t, r, m, rl, tg, v, cell, s, n, lo, hi, vlo, vhi, ratio, nord, ord, parts) {
	printf "# wgnm benchmark: %s on %s\n\n", date, host
	printf "%s, %d CPUs, kernel %s; idle window %d s from %d s after the last traffic; poll timeout %d s; run took %s s;\n", cpu, cpus, kernel, idle, settle, timeout, duration
	printf "load average (1 5 15 min) %s at the start, %s at the end. Versions:", load0, load1
	for (i = 1; i <= nsys; i++)
		printf "%s %s %s", (i > 1 ? "," : ""), sysorder[i], version[sysorder[i]]
	printf ".\nTargets apply to wgnm only; \"n/a\" = not measured or timed out (see the notes).\n"
	summary()
	for (k = 1; k <= ntop; k++) {
		t = toporder[k]
		printf "\n## Topology %s (%d nodes)\n\n", t, topnodes[t]
		printf "| metric | unit | wgnm target |"
		for (i = 1; i <= nsys; i++)
			printf " %s |", sysorder[i]
		printf "\n|---|---|---|"
		for (i = 1; i <= nsys; i++)
			printf "---|"
		printf "\n"
		# rows in the order of the measurements, whatever order they came in
		nord = 0
		for (o = 1; o <= nmorder; o++)
			for (j = 1; j <= nrow[t]; j++) {
				split(rows[t, j], parts, SUBSEP)
				if (parts[1] == morder[o])
					ord[++nord] = rows[t, j]
			}
		for (j = 1; j <= nrow[t]; j++) {
			split(rows[t, j], parts, SUBSEP)
			if (!(parts[1] in mknown))
				ord[++nord] = rows[t, j]
		}
		for (j = 1; j <= nord; j++) {
			r = ord[j]
			split(r, parts, SUBSEP)
			m = parts[1]; rl = parts[2]
			tg = target(m, rl, t, topnodes[t])
			printf "| %s%s | %s | %s |", m, rl != "" ? " (" rl ")" : "", rowunit[t, r], tg != "" ? tg : "-"
			for (i = 1; i <= nsys; i++) {
				s = sysorder[i]
				if (!((s, t, m, rl) in val)) {
					printf " - |"
					continue
				}
				v = val[s, t, m, rl]
				cell = v == "null" ? "n/a" : v
				if (s == "wgnm" && tg != "")
					cell = cell " " verdict(m, rl, t, v)
				printf " %s |", cell
			}
			printf "\n"
		}
		if (notes[t] != "")
			printf "\nNotes:\n\n%s", notes[t]
	}
	# idle cost per node against N, over the scale runs
	lo = hi = 0
	for (k = 1; k <= ntop; k++) {
		t = toporder[k]
		if (t !~ /^scale-/)
			continue
		n = substr(t, 7) + 0
		if (lo == 0 || n < lo) lo = n
		if (n > hi) hi = n
	}
	if (lo > 0 && hi > lo) {
		printf "\n## Idle cost per node against N (scale-%d vs scale-%d)\n\n", hi, lo
		printf "| system | packets/node/min N=%d | N=%d | ratio | wgnm target |\n|---|---|---|---|---|\n", lo, hi
		for (i = 1; i <= nsys; i++) {
			s = sysorder[i]
			vlo = val[s, "scale-" lo, "idle_pkts_node_min", ""]
			vhi = val[s, "scale-" hi, "idle_pkts_node_min", ""]
			if (vlo == "" || vlo == "null" || vhi == "" || vhi == "null" || vlo + 0 == 0)
				ratio = "n/a"
			else
				ratio = sprintf("%.2f", vhi / vlo)
			printf "| %s | %s | %s | %s | %s |\n", s, vlo == "" ? "-" : vlo, vhi == "" ? "-" : vhi, ratio, \
				s == "wgnm" ? "<= 1.20 " (ratio != "n/a" && ratio + 0 <= 1.2 ? "PASS" : "FAIL") : "-"
		}
	}
}

# One cell of the summary: wgnm's value of metric m (role r) on topology t
# with its verdict, the other systems' values in brackets for the idle cost.
function scell(m, r, t,    v, tg, c, i, o, ov, oth) {
	tg = target(m, r, t, topnodes[t])
	if (tg == "" || !(("wgnm", t, m, r) in val))
		return "-"
	v = val["wgnm", t, m, r]
	c = (v == "null" ? "n/a" : v) " " verdict(m, r, t, v)
	if (m == "idle_pkts_node_min") {
		oth = ""
		for (i = 1; i <= nsys; i++) {
			o = sysorder[i]
			if (o == "wgnm" || !((o, t, m, r) in val))
				continue
			ov = val[o, t, m, r]
			oth = oth (oth != "" ? ", " : "") o " " (ov == "null" ? "n/a" : ov)
		}
		if (oth != "")
			c = c " (" oth ")"
	}
	return c
}

# wgnm against every target, a column per topology; then the idle cost
# against N and the wireguard-go figures (no target).
function summary(    k, t, j, n, m, r, lbl, unit, tgt, lo, hi, vlo, vhi, ratio, nl, cell, other, s2) {
	if (!("wgnm" in sysseen))
		return
	n = split("reach_all||< 2 s (a, b, c)|s;direct_all||< 5 s|s;" \
		"restart_recovery||< 3 s|s;roam_recovery||< 3 s|s;deadpath_fallback||< 10 s|s;" \
		"idle_pkts_node_min||< Nebula's and tinc's|packets/node/min;" \
		"idle_cpu_pct|wgnm|< 0.1 %|%;rss_peak|wgnm|< 4096 kB at 30 peers|kB", lines, ";")
	printf "\n## Summary: wgnm against its targets\n\n| target | unit |"
	for (k = 1; k <= ntop; k++)
		printf " %s |", toporder[k]
	printf "\n|---|---|"
	for (k = 1; k <= ntop; k++)
		printf "---|"
	printf "\n"
	for (j = 1; j <= n; j++) {
		split(lines[j], f, "|")
		m = f[1]; r = f[2]; tgt = f[3]; unit = f[4]
		printf "| %s%s %s | %s |", m, r != "" ? " (" r ")" : "", tgt, unit
		for (k = 1; k <= ntop; k++)
			printf " %s |", scell(m, r, toporder[k])
		printf "\n"
	}
	# no target: what the WireGuard implementation costs
	for (j = 1; j <= 2; j++) {
		m = j == 1 ? "idle_cpu_pct" : "rss_peak"
		printf "| %s (wireguard-go), no target | %s |", m, j == 1 ? "%" : "kB"
		for (k = 1; k <= ntop; k++) {
			t = toporder[k]
			printf " %s |", (("wgnm", t, m, "wireguard-go") in val) ? val["wgnm", t, m, "wireguard-go"] : "-"
		}
		printf "\n"
	}
	# the minute after use, all systems side by side
	printf "| idle_after_use_pkts_node_min, no target | packets/node/min |"
	for (k = 1; k <= ntop; k++) {
		t = toporder[k]
		cell = (("wgnm", t, "idle_after_use_pkts_node_min", "") in val) ? val["wgnm", t, "idle_after_use_pkts_node_min", ""] : "-"
		other = ""
		for (j = 1; j <= nsys; j++) {
			s2 = sysorder[j]
			if (s2 != "wgnm" && ((s2, t, "idle_after_use_pkts_node_min", "") in val))
				other = other (other != "" ? ", " : "") s2 " " val[s2, t, "idle_after_use_pkts_node_min", ""]
		}
		printf " %s%s |", cell, other != "" ? " (" other ")" : ""
	}
	printf "\n"
	printf "| load_avg at the start, no target | 1-min |"
	for (k = 1; k <= ntop; k++) {
		t = toporder[k]
		printf " %s |", (("wgnm", t, "load_avg", "") in val) ? val["wgnm", t, "load_avg", ""] : "-"
	}
	printf "\n"
	lo = hi = 0
	for (k = 1; k <= ntop; k++) {
		t = toporder[k]
		if (t !~ /^scale-/)
			continue
		nl = substr(t, 7) + 0
		if (lo == 0 || nl < lo) lo = nl
		if (nl > hi) hi = nl
	}
	if (lo > 0 && hi > lo) {
		vlo = val["wgnm", "scale-" lo, "idle_pkts_node_min", ""]
		vhi = val["wgnm", "scale-" hi, "idle_pkts_node_min", ""]
		if (vlo == "" || vlo == "null" || vhi == "" || vhi == "null" || vlo + 0 == 0)
			ratio = "n/a"
		else
			ratio = sprintf("%.2f", vhi / vlo)
		printf "\nIdle cost per node, N=%d against N=%d (target <= 1.20, at most +20 %%): %s / %s = %s %s\n", \
			hi, lo, vhi == "" ? "-" : vhi, vlo == "" ? "-" : vlo, ratio, \
			ratio != "n/a" && ratio + 0 <= 1.2 ? "PASS" : "FAIL"
	}
}
