#!/usr/bin/env bats
# oomguard top against the real kernel: (a) its memcg victim prediction
# against the victim the kernel actually kills, in randomised rounds; (b) its
# recomputed points against /proc/PID/oom_score for every process.

setup() {
	cgroot=/sys/fs/cgroup/memory
	pids=()
}

teardown() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for d in "$cgroot"/og-test-$$-top-*; do
		[ -d "$d" ] || continue
		[ -d "$d/kid" ] && rmdir "$d/kid" 2>/dev/null
		rmdir "$d" 2>/dev/null || true
	done
}

need_v1_memcg() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make a memory cgroup"
	[ -w "$cgroot/cgroup.procs" ] && [ -e "$cgroot/memory.limit_in_bytes" ] ||
		skip "no writable cgroup-v1 memory controller at $cgroot"
}

@test "memcg OOM: predicted victim matches the kernel's in >= 98% of 70 random rounds (ties and near ties excluded, >= 50 counted)" {
	need_v1_memcg
	seed=${OG_SEED:-$RANDOM}
	run "$OG_BUILD/helpers/oom_rounds" "$OG_BIN" "$cgroot" 70 "$seed"
	echo "$output" | sed 's/^/# /' >&3
	echo "# seed $seed" >&3
	[ "$status" -eq 0 ]
	line=$(tail -n 1 <<<"$output")
	[[ "$line" =~ ^agreement\ ([0-9]+)/([0-9]+)\ .*failed\ rounds\ ([0-9]+)$ ]]
	agree=${BASH_REMATCH[1]} counted=${BASH_REMATCH[2]} failed=${BASH_REMATCH[3]}
	# Every round must produce a kill and a prediction, and at least 50 count.
	[ "$failed" -eq 0 ]
	[ "$counted" -ge 50 ]
	[ $((agree * 100)) -ge $((counted * 98)) ]
}

@test "memcg ranking uses the limit as totalpages: adj unit = limit pages / 1000" {
	need_v1_memcg
	cg=$cgroot/og-test-$$-top-unit
	mkdir "$cg"
	echo 0 >"$cg/memory.swappiness"
	echo $((128 << 20)) >"$cg/memory.limit_in_bytes"
	sh -c "echo \$\$ > $cg/cgroup.procs; exec $OG_BUILD/helpers/hold_mem 4 500" >/dev/null &
	pids+=($!)
	sleep 0.3
	run "$OG_BIN" top --cgroup "$cg" --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.scope.totalpages' <<<"$output")" = 32768 ]
	[ "$(jq -r '.processes[0].parts.adj' <<<"$output")" = $((500 * 32)) ]
	[ "$(jq -r '.victim.pid' <<<"$output")" = "${pids[0]}" ]
	kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
	rmdir "$cg"
}

# Compare computed oom_score with /proc/PID/oom_score for every process; RSS
# can move between the reads, so mismatches get one more look.
check_global() {
	local out bad again
	out=$("$OG_BIN" top --json --kernel-score)
	bad=$(jq -r '[.processes[] | select(.oom_score_read >= 0 and .oom_score != .oom_score_read) | .pid] | join(" ")' <<<"$out")
	n=$(jq '.processes | length' <<<"$out")
	again=""
	if [ -n "$bad" ]; then
		out2=$("$OG_BIN" top --json --kernel-score)
		for p in $bad; do
			m=$(jq -r --argjson p "$p" '.processes[] | select(.pid == $p) | select(.oom_score != .oom_score_read) | "\(.pid) \(.comm) computed \(.oom_score) kernel \(.oom_score_read)"' <<<"$out2")
			[ -n "$m" ] && again+="$m; "
		done
	fi
	# Ordering: along the computed ranking the kernel's scores never rise.
	order_ok=$(jq '[.processes[] | select(.eligible) | .oom_score_read] as $s | [range(1; $s | length) | select($s[.] > $s[. - 1])] | length == 0' <<<"$out")
	echo "# $n processes compared, first-pass mismatches: ${bad:-none}, after retry: ${again:-none}" >&3
}

@test "global: computed oom_score equals /proc/PID/oom_score for every process" {
	helper=$OG_BUILD/helpers/hold_mem
	# Processes that spread the scale: sizes and adj values that differ.
	for spec in "64 0" "200 0" "16 300" "128 700" "8 999"; do
		set -- $spec
		"$helper" "$1" "$2" >/dev/null &
		pids+=($!)
	done
	sleep 1
	check_global
	[ -z "$again" ]
	[ "$order_ok" = true ]
	# Our hogs are among those compared and rank as the formula says (adj
	# outweighs size here: 999, 700, 300, then 200 and 64 MiB at 0).  Only
	# processes the kernel scores at least as high may stand above the first:
	# on a shared machine another job may run at a high adj.
	out=$("$OG_BIN" top --json --kernel-score)
	order=$(jq -r --argjson ours "[$(IFS=,; echo "${pids[*]}")]" '[.processes[] | select(.pid as $p | $ours | any(. == $p)) | .pid | tostring] | join(" ")' <<<"$out")
	echo "# our hogs in top's order: $order (started: ${pids[*]})" >&3
	[ "$order" = "${pids[4]} ${pids[3]} ${pids[2]} ${pids[1]} ${pids[0]}" ]
	above=$(jq -r --argjson p "${pids[4]}" '(.processes | map(.pid) | index($p)) as $i | (.processes[$i].oom_score_read) as $s | [.processes[:$i][] | select(.oom_score_read < $s) | .pid | tostring] | join(" ")' <<<"$out")
	[ -z "$above" ]
}

@test "top --cgroup of an empty memcg ranks nothing from outside it; '/name' as printed works like the full path" {
	need_v1_memcg
	name=og-test-$$-top-empty
	mkdir "$cgroot/$name"
	echo $((64 << 20)) >"$cgroot/$name/memory.limit_in_bytes"
	for form in "$cgroot/$name" "/$name" "/$name/"; do
		run "$OG_BIN" top --cgroup "$form" --json
		[ "$status" -eq 0 ]
		[ "$(jq '.processes | length' <<<"$output")" = 0 ]
		[ "$(jq -r '.victim' <<<"$output")" = null ]
		[ "$(jq -r '.scope.totalpages' <<<"$output")" = 16384 ]
	done
	# doctor/top's memcg line counts 0 tasks, not the machine's.
	run "$OG_BIN" top -n 0
	[ "$status" -eq 0 ]
	grep -A1 -F "/$name" <<<"$output" | grep -q ' 0 tasks'
	rmdir "$cgroot/$name"
}

@test "top --cgroup of a cgroup limited by its parent shows only its own tasks, ranked in the parent" {
	need_v1_memcg
	par=$cgroot/og-test-$$-top-par
	mkdir "$par" "$par/kid"
	echo 0 >"$par/memory.swappiness"
	echo $((256 << 20)) >"$par/memory.limit_in_bytes"
	sh -c "echo \$\$ > $par/cgroup.procs; exec $OG_BUILD/helpers/hold_mem 32 500" >/dev/null &
	pids+=($!)
	sh -c "echo \$\$ > $par/kid/cgroup.procs; exec $OG_BUILD/helpers/hold_mem 4 0" >/dev/null &
	pids+=($!)
	sleep 0.3
	run "$OG_BIN" top --cgroup "/og-test-$$-top-par/kid" --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.processes[].pid] | join(" ")' <<<"$output")" = "${pids[1]}" ]
	[ "$(jq -r '.processes[0].rank' <<<"$output")" = 2 ]
	[ "$(jq -r '.scope.limited_by' <<<"$output")" = "$par" ]
	kill "${pids[@]}"; wait 2>/dev/null || true
	rmdir "$par/kid" "$par"
}

@test "watch --cgroup accepts the cgroup path as printed ('/name')" {
	need_v1_memcg
	name=og-test-$$-top-watch
	mkdir "$cgroot/$name"
	echo $((64 << 20)) >"$cgroot/$name/memory.limit_in_bytes"
	sleep 30 &
	pids+=($!)
	# No signal: under load a PSI warning would kill the sleep with SIGUSR1.
	run timeout 3 "$OG_BIN" watch --warn-signal none --cgroup "/$name" "${pids[0]}"
	[[ "$output" != *"No such file"* ]]
	[[ "$output" != *"not a memory cgroup"* ]]
	[[ "$output" == *"$name"* ]]
	run "$OG_BIN" watch --warn-signal none --cgroup "/og-test-$$-nonesuch" "${pids[0]}"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--cgroup /og-test-$$-nonesuch: No such file"* ]]
	rmdir "$cgroot/$name"
}

# The "Next victim per armed killer" section keeps one value column: a label
# wider than it stands alone and its values follow on the next line.
victims_aligned() {
	sed -n '/^Next victim per armed killer:/,/^[^ ]/p' | sed '1d' | awk '
		alone { if (substr($0, 1, 37) != sprintf("%37s", "") || substr($0, 38, 1) == " " && $0 !~ /^ +[0-9]/) bad = 1; alone = 0; next }
		/^  [^ ]/ { if (length($0) > 37 && substr($0, 37, 1) != " ") alone = 1 }
		END { exit bad || alone }'
}

@test "top and doctor: a long memcg name keeps the next-victim values in one column" {
	need_v1_memcg
	name=og-test-$$-top-a-rather-long-cgroup-name-for-the-column
	mkdir "$cgroot/$name"
	echo $((64 << 20)) >"$cgroot/$name/memory.limit_in_bytes"
	run "$OG_BIN" top -n 0
	[ "$status" -eq 0 ]
	grep -qx "  kernel, memcg v1 /$name" <<<"$output"
	victims_aligned <<<"$output"
	run "$OG_BIN" doctor
	[ "$status" -eq 0 ]
	if grep -q '^Next victim per armed killer:' <<<"$output"; then victims_aligned <<<"$output"; fi
	rmdir "$cgroot/$name"
}
