#!/usr/bin/env bats
# oomguard doctor and top's per-killer victims against real killers on this
# host: the kernel (global and a v1 memcg), and a real earlyoom in --dryrun
# mode whose own choice is compared with the one oomguard predicts.

setup() {
	tmp=$(mktemp -d /tmp/og-doctor.XXXXXX)
	pids=()
	cg=""
}

teardown() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ -n "$cg" ] && [ -d "$cg" ]; then rmdir "$cg" 2>/dev/null || true; fi
	rm -rf "$tmp"
}

# start NAME MIB ADJ: hold_mem under another comm; sets $started.
start() {
	cp "$OG_BUILD/helpers/hold_mem" "$tmp/$1"
	"$tmp/$1" "$2" "$3" >"$tmp/$1.out" 3>&- &
	started=$!
	pids+=("$started")
	for _ in $(seq 50); do grep -q ready "$tmp/$1.out" && return 0; sleep 0.1; done
	return 1
}

@test "doctor PID: kernel EXPOSED with the exact protect command; --json agrees" {
	start og_doc_job 4 0
	run "$OG_BIN" doctor "$started"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Kernel OOM killer: armed"* ]]
	[[ "$output" == *"vm.overcommit_memory="* ]]
	[[ "$output" == *"Headroom now: MemAvailable"* ]]
	[[ "$output" == *"kernel (global OOM)         EXPOSED"* ]]
	[[ "$output" == *"fix: sudo oomguard protect --adj -1000 --tree $started"* ]]
	run "$OG_BIN" doctor --json "$started"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.process.killers[0].verdict' <<<"$output")" = exposed ]
	[ "$(jq -r '.process.killers[0].fix' <<<"$output")" = "sudo oomguard protect --adj -1000 --tree $started" ]
	[ "$(jq -r '.kernel.overcommit_memory' <<<"$output")" = "$(cat /proc/sys/vm/overcommit_memory)" ]
	[ "$(jq -r '.kernel.panic_on_oom' <<<"$output")" = "$(cat /proc/sys/vm/panic_on_oom)" ]
}

@test "doctor: kernel threads and init are protected; bad input is a usage error" {
	run "$OG_BIN" doctor --json 2
	[ "$status" -eq 0 ]
	[ "$(jq -r '.process.killers[0].verdict' <<<"$output")" = protected ]
	run "$OG_BIN" doctor abc
	[ "$status" -eq 2 ]
	run "$OG_BIN" doctor 1 2
	[ "$status" -eq 2 ]
	run "$OG_BIN" doctor 4194304
	[ "$status" -eq 1 ]
	[[ "$output" == *"no process 4194304"* ]]
}

@test "doctor PID in a limited v1 memcg: ranked inside it against the limit" {
	[ "$(id -u)" -eq 0 ] && [ -w /sys/fs/cgroup/memory/cgroup.procs ] || skip "needs a writable cgroup-v1 memory controller"
	cg=/sys/fs/cgroup/memory/og-test-$$-doctor
	mkdir "$cg"
	echo $((256 << 20)) >"$cg/memory.limit_in_bytes"
	cp "$OG_BUILD/helpers/hold_mem" "$tmp/og_doc_cg"
	sh -c "echo \$\$ > $cg/cgroup.procs; exec $tmp/og_doc_cg 8 200" >/dev/null 3>&- &
	pids+=($!)
	sleep 0.5
	run "$OG_BIN" doctor --json "${pids[0]}"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.process.killers[1].verdict' <<<"$output")" = exposed ]
	[[ "$(jq -r '.process.killers[1].why' <<<"$output")" == *"og-test-$$-doctor limit 256M"*"rank 1 of 1"* ]]
	[ "$(jq -r --arg c "/og-test-$$-doctor" '.headroom.memcgs[] | select(.cgroup == $c) | .limit_bytes' <<<"$output")" = $((256 << 20)) ]
	run "$OG_BIN" top --json
	[ "$(jq -r --arg c "/og-test-$$-doctor" '.killers[] | select(.cgroup == $c) | .victim.pid' <<<"$output")" = "${pids[0]}" ]
	kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
}

# Run earlyoom --dryrun with thresholds it is already below, so it names the
# process it would kill: sets $actual to that PID and $eo to earlyoom's.
# Not in a subshell (teardown must see $eo), fd 3 closed (bats waits on it).
earlyoom_pick() {
	earlyoom --dryrun -m 99,98 -s 100 -r 0 "$@" >"$tmp/eo.log" 2>&1 3>&- &
	eo=$!
	pids+=("$eo")
	for _ in $(seq 100); do grep -q 'to process [0-9]' "$tmp/eo.log" && break; sleep 0.1; done
	actual=$(sed -n 's/.*sending SIG[A-Z]* to process \([0-9]*\).*/\1/p' "$tmp/eo.log" | tail -n 1)
}

need_earlyoom() {
	command -v earlyoom >/dev/null || skip "earlyoom not installed"
	avail=$(awk '/^MemAvailable/ {a=$2} /^MemTotal/ {t=$2} END {print int(a*100/t)}' /proc/meminfo)
	[ "$avail" -lt 98 ] || skip "MemAvailable ${avail}% >= 98%: earlyoom --dryrun -m 99,98 would not pick anyone"
}

@test "earlyoom --prefer / --avoid / --ignore: oomguard predicts earlyoom's own pick" {
	need_earlyoom
	start og_pref 4 1000; pref=$started
	# og_pick outranks everything else a busy host is likely to run, so the
	# two picks (earlyoom's and ours, taken a moment apart) see the same field.
	start og_pick 256 1000; pick=$started
	rules=("--prefer ^(og_pref)\$" "--avoid ^(og_pref)\$")
	# --ignore exists from earlyoom 1.8 on.
	if earlyoom -h 2>&1 | grep -q -- --ignore; then rules+=("--ignore ^(og_pref)\$"); fi
	for rule in "${rules[@]}"; do
		set -- $rule
		for attempt in 1 2; do
			earlyoom_pick "$1" "$2"
			run "$OG_BIN" top --json
			predicted=$(jq -r --argjson e "$eo" '.killers[] | select(.killer == "earlyoom" and .pid == $e) | .victim.pid' <<<"$output")
			echo "# earlyoom $rule: earlyoom picked $actual ($(cat /proc/$actual/comm 2>/dev/null)), oomguard predicted $predicted" >&3
			[ "$predicted" = "$actual" ] && break
			kill "$eo"; wait "$eo" 2>/dev/null || true
		done
		[ -n "$actual" ] || { sed 's/^/# earlyoom: /' "$tmp/eo.log" >&3; false; }
		[ "$predicted" = "$actual" ]
		# Other jobs on a shared host may outrank og_pick; og_pref's fate is certain.
		case $1 in
		--prefer) [ "$actual" = "$pref" ] ;;
		*) [ "$actual" != "$pref" ] ;;
		esac
		if [ "$1" = --ignore ]; then
			run "$OG_BIN" doctor --json "$pref"
			[ "$(jq -r --argjson e "$eo" '.earlyoom[] | select(.pid == $e) | .ignore' <<<"$output")" = '^(og_pref)$' ]
			[ "$(jq -r --argjson e "$eo" '.process.killers[] | select(.killer_pid == $e) | .verdict' <<<"$output")" = protected ]
			run "$OG_BIN" doctor "$actual"
			[[ "$output" == *"add --ignore '(^(og_pref)\$)|^("*")\$' to EARLYOOM_ARGS"* ]]
		fi
		if [ "$1" = --avoid ]; then
			run "$OG_BIN" doctor --json "$actual"
			[ "$(jq -r --argjson e "$eo" '.earlyoom[] | select(.pid == $e) | .avoid' <<<"$output")" = '^(og_pref)$' ]
			[ "$(jq -r --argjson e "$eo" '.process.killers[] | select(.killer_pid == $e) | .verdict' <<<"$output")" = exposed ]
			[[ "$(jq -r --argjson e "$eo" '.process.killers[] | select(.killer_pid == $e) | .why' <<<"$output")" == *"earlyoom's pick now: THIS process"* ]]
			fix=$(jq -r --argjson e "$eo" '.process.killers[] | select(.killer_pid == $e) | .fix' <<<"$output")
			if earlyoom -h 2>&1 | grep -q -- --ignore; then
				[[ "$fix" == "add --ignore '^("* ]]
			else
				[[ "$fix" == "add --avoid '(^(og_pref)\$)|^("*")\$' to EARLYOOM_ARGS"* ]]
			fi
		fi
		kill "$eo"; wait "$eo" 2>/dev/null || true
	done
}

@test "doctor: a job alone in its memcg gets advice about the limit and --warn, not -1000 (the cgroup would stall)" {
	[ "$(id -u)" -eq 0 ] && [ -w /sys/fs/cgroup/memory/cgroup.procs ] || skip "needs a writable cgroup-v1 memory controller"
	cg=/sys/fs/cgroup/memory/og-test-$$-doctor-alone
	mkdir "$cg"
	echo $((256 << 20)) >"$cg/memory.limit_in_bytes"
	cp "$OG_BUILD/helpers/hold_mem" "$tmp/og_doc_alone"
	sh -c "echo \$\$ > $cg/cgroup.procs; exec $tmp/og_doc_alone 8 0" >/dev/null 3>&- &
	pids+=($!)
	sleep 0.5
	run "$OG_BIN" doctor --json "${pids[0]}"
	[ "$status" -eq 0 ]
	fix=$(jq -r '.process.killers[1].fix' <<<"$output")
	echo "$fix"
	[[ "$fix" != *"-1000 --tree"* ]]
	[[ "$fix" == *"raise the limit of /sys/fs/cgroup/memory/og-test-$$-doctor-alone"* ]]
	[[ "$fix" == *"oomguard watch --warn ${pids[0]}"* ]]
	[[ "$(jq -r '.process.killers[1].why' <<<"$output")" == *"the job is all the kernel can kill there"* ]]
	# Another task in the same cgroup: then -1000 on the job is the fix again.
	sh -c "echo \$\$ > $cg/cgroup.procs; exec $tmp/og_doc_alone 4 0" >/dev/null 3>&- &
	pids+=($!)
	sleep 0.5
	run "$OG_BIN" doctor --json "${pids[0]}"
	[ "$(jq -r '.process.killers[1].fix' <<<"$output")" = "sudo oomguard protect --adj -1000 --tree ${pids[0]}" ]
	kill "${pids[@]}"; wait 2>/dev/null || true
}
