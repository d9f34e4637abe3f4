#!/usr/bin/env bats
# Real-kernel test of issue 13 (cgroup v1, root, no systemd): protection from
# outside killers plus a budget for the job.  A "desktop" process and a
# leaking job share a parent memory cgroup with a 512 MiB limit.
#   control:  the job is protected (adj 0) and uncapped: when it fills the
#             parent, the kernel kills the desktop (raised to +1000: negative
#             values cannot be written on this host, relative values prove
#             the mechanism, as in memcg.bats).
#   cap:      `oomguard run --memory-max 256M --warn`: the job gets its own
#             memory cgroup under the parent, is warned (SIGUSR1) before the
#             cap, then killed inside its own cgroup; the desktop lives and
#             the parent never reached its limit.  oomguard says the job was
#             killed by its own cap, and its cgroup is removed.
# 10 rounds each.
# The capped job is what a user meets: a start-up (48 MiB at once, then a
# 6 s plateau) and then a leak at 128 MiB/s, under the default start-up
# hold (startup:15s).  The hold is there for start-up bursts: a job that
# leaks from its first instant looks like one, and its eta levels are held
# back until the rate has been steady 2 s (docs/warn.md), so a leak from
# the start would measure the static threshold (10% of 256 MiB at 128 MiB/s:
# ~0.2 s), not the eta:1s warning this test is about.  startup:0s with such
# a leak would measure eta:1s too, but not under the spec a user runs.
# The rounds take ~8 s each, ~80 s in all: the plateau is what the hold
# needs to end for an idle job polled once a second (the burst leaves the
# rate window after 3 s, then two steady readings a second apart).

load memcg
mc=/sys/fs/cgroup/memory
ratehog=${OG_BUILD}/helpers/og_ratehog
hog=${OG_BUILD}/helpers/og_hog
PARENT_MIB=512
CAP_MIB=256
RATE=128

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a memory cgroup"
	[ -w "$mc/cgroup.procs" ] || skip "no writable cgroup-v1 memory hierarchy at $mc"
	[ ! -d /run/systemd/system ] || skip "systemd runs here: the cap goes on the scope (tests/vm)"
	[ -x "$ratehog" ] && [ -x "$hog" ] || skip "helpers not built"
	tmp=$(mktemp -d /tmp/og-cap.XXXXXX)
	cg=$mc/og-test-$$-cap-$BATS_TEST_NUMBER
	og_memcg_make "$cg" "${PARENT_MIB}M"
	desk=
}

teardown() {
	[ -n "${desk:-}" ] && kill -9 "$desk" 2>/dev/null
	og_memcg_remove "${cg:-}"
	[ -n "${tmp:-}" ] && rm -rf "$tmp"
	true
}

oom_kills() { awk '$1 == "oom_kill" { print $2 }' "$1/memory.oom_control"; }
is_live() { awk '$1 == "State:" && $2 != "Z" { ok = 1 } END { exit !ok }' "/proc/$1/status" 2>/dev/null; }

# The desktop: 64 MiB held, in the parent, raised to +1000.
start_desktop() {
	rm -f "$tmp/desk.ready"
	sh -c 'echo $$ > "$1/cgroup.procs" && echo 1000 > /proc/$$/oom_score_adj && shift && exec "$@"' sh "$cg" \
		"$hog" --hold 64 --ready "$tmp/desk.ready" >/dev/null 2>&1 3>&- &  # not the round's $(...) pipe: a failed round must not hang on it
	desk=$!
	for _ in $(seq 200); do [ -e "$tmp/desk.ready" ] && break; sleep 0.05; done
	[ -e "$tmp/desk.ready" ]
	[ "$(cat /proc/$desk/oom_score_adj)" -eq 1000 ]
}

# One capped round: prints the warning->kill margin in ms, or why it failed.
cap_round() {
	local mark=$tmp/mark.$1 before after t_sig t_end rc own
	start_desktop || { echo "desktop did not start"; return; }
	before=$(oom_kills "$cg")
	sh -c 'echo $$ > "$1/cgroup.procs" || exit 99; shift; exec "$@"' sh "$cg" \
		"$OG_BIN" run --adj 0 --memory-max ${CAP_MIB}M --warn=eta:1s,psi-full:off -- \
		"$ratehog" --steps 48:6 --rate $RATE --mark "$mark" 2>"$tmp/err" 3>&-
	rc=$?
	t_end=$(date +%s%N)
	after=$(oom_kills "$cg")
	own=$(sed -n 's|^oomguard: memory cap: 256.0 MiB max on \(.*\)$|\1|p' "$tmp/err")
	if [ "$rc" -ne 137 ]; then echo "job rc $rc: $(tr '\n' ' ' < "$tmp/err")"; return; fi
	if ! is_live "$desk"; then echo "desktop died"; return; fi
	# the parent never hit its own limit: the kill was inside the job's cgroup
	if [ "$after" -ne "$before" ]; then echo "parent oom_kill $before->$after"; return; fi
	if [ -z "$own" ] || [ "${own%/oomguard-*}" != "/$(basename "$cg")" ]; then echo "no read-back line for a child of $cg"; return; fi
	if [ -d "$mc$own" ]; then echo "own cgroup $own left behind"; return; fi
	grep -q "the job was killed by its own cap: the kernel's memcg OOM killer acted inside $own at its cap of 256.0 MiB" "$tmp/err" ||
		{ echo "no own-cap diagnosis: $(tr '\n' ' ' < "$tmp/err")"; return; }
	grep -q "peak 25[56]\.[0-9] MiB" "$tmp/err" || { echo "no peak near the cap"; return; }
	t_sig=$(awk '$1 == "usr1" { print $2; exit }' "$mark")
	[ -n "$t_sig" ] || { echo nosignal; return; }
	# the first notice is the eta warning, after the start-up (not a static threshold)
	grep -q "^oomguard: warning: pid [0-9]*: memcg headroom .* gone in .*(threshold eta:1s)" "$tmp/err" ||
		{ echo "first notice not the eta warning: $(grep -E '^oomguard: (warning|critical|pid [0-9]+: start-up)' "$tmp/err" | tr '\n' '|')"; return; }
	kill -9 "$desk"; wait "$desk" 2>/dev/null; desk=
	echo $(( (t_end - t_sig) / 1000000 ))
}

@test "cap: with --memory-max below the parent's limit the leaking job is warned, then killed in its own cgroup; the desktop lives (10 rounds)" {
	local i m all=()
	for i in 1 2 3 4 5 6 7 8 9 10; do
		m=$(cap_round "$i")
		all+=("$m")
		[[ "$m" =~ ^[0-9]+$ ]] && [ "$m" -gt 0 ] || { echo "round $i: $m"; echo "so far: ${all[*]}"; return 1; }
	done
	echo "# cap ${CAP_MIB} MiB in a ${PARENT_MIB} MiB parent, start-up then ${RATE} MiB/s, eta:1s: SIGUSR1->kill margins (ms): ${all[*]}" >&3
}

# Control: the same job protected but uncapped; it holds at 480 MiB so the
# round ends once the kernel has chosen.
control_round() {
	local before after job
	start_desktop || { echo "desktop did not start"; return; }
	before=$(oom_kills "$cg")
	rm -f "$tmp/mark"
	sh -c 'echo $$ > "$1/cgroup.procs" || exit 99; shift; exec "$@"' sh "$cg" \
		"$OG_BIN" run -q --adj 0 -- "$ratehog" --rate $RATE --max 480 --mark "$tmp/mark" 2>"$tmp/err" 3>&- &
	job=$!
	for _ in $(seq 150); do is_live "$desk" || break; sleep 0.1; done
	after=$(oom_kills "$cg")
	local jobpid
	jobpid=$(pgrep -P "$job" -x og_ratehog)
	local desk_live=no job_live=no
	is_live "$desk" && desk_live=yes
	[ -n "$jobpid" ] && is_live "$jobpid" && job_live=yes
	kill -9 "$job" $jobpid 2>/dev/null; wait "$job" 2>/dev/null
	wait "$desk" 2>/dev/null; desk=
	echo "desktop=$desk_live job=$job_live oom_kill=$((after - before))"
}

@test "cap control: without a cap the protected job's leak makes the kernel kill the desktop (10 rounds)" {
	local i r
	for i in 1 2 3 4 5 6 7 8 9 10; do
		r=$(control_round)
		[ "$r" = "desktop=no job=yes oom_kill=1" ] || { echo "round $i: $r"; return 1; }
	done
}

@test "cap: --memory-high is refused on cgroup v1 before anything runs, and no cgroup is left" {
	run sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
		"$OG_BIN" run --adj 0 --memory-max 64M --memory-high 32M -- touch "$tmp/ran"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"--memory-high needs cgroup v2 (memory.high)"*"nothing was run"* ]]
	[ ! -e "$tmp/ran" ]
	[ -z "$(find "$cg" -mindepth 1 -type d)" ]
}

@test "cap: --swap-max sets memory.memsw.limit_in_bytes to max + swap, read back" {
	[ -e "$cg/memory.memsw.limit_in_bytes" ] || skip "no swap accounting"
	run sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
		"$OG_BIN" run --adj 0 --memory-max 64M --swap-max 16M -- \
		sh -c 'd=/sys/fs/cgroup/memory$(sed -n "s/^[0-9]*:memory://p" /proc/self/cgroup); cat $d/memory.limit_in_bytes $d/memory.memsw.limit_in_bytes'
	[ "$status" -eq 0 ]
	[[ "$output" == *"memory cap: 64.0 MiB max, 16.0 MiB swap on /$(basename "$cg")/oomguard-"* ]]
	grep -qx 67108864 <<<"$output"
	grep -qx 83886080 <<<"$output"
}

@test "cap: doctor PID shows the job's cap" {
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
		"$OG_BIN" run -q --adj 0 --memory-max 96M -- "$hog" --hold 1 --ready "$tmp/r" 2>/dev/null 3>&- &
	local og=$!
	for _ in $(seq 100); do [ -e "$tmp/r" ] && break; sleep 0.05; done
	read -r pid _ < "$tmp/r"
	run "$OG_BIN" doctor "$pid"
	kill "$pid"; wait "$og"
	[[ "$output" == *"memory cap: 96.0 MiB max on /$(basename "$cg")/oomguard-$pid"* ]]
}

# A start that fails after the job's own cgroup was made and the held job
# moved in must leave nothing: the job is killed and reaped at its gate,
# then the cgroup removed; one line, non-zero exit (issue 13).
one_line_nothing_left() { # $1 = expected status, then the run options
	local want=$1
	shift
	rm -f "$tmp/ran"
	run "-$want" sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$OG_BIN" run "$@"
	echo "$output"
	[ "$status" -eq "$want" ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"nothing was run"* || "$output" == *"cannot execute"* ]]
	[ ! -e "$tmp/ran" ]
	[ -z "$(find "$cg" -mindepth 1 -type d)" ]
}

@test "cap: a job whose command cannot be executed after its cgroup was made: exit 127, one line, no cgroup left" {
	one_line_nothing_left 127 --adj 0 --memory-max 64M -- "$tmp/no-such-command"
}

@test "cap: a job whose oom_score_adj (-999 with a cap) cannot be set after its cgroup was made: exit 1, one line, no cgroup left" {
	! sh -c 'echo -1 > /proc/self/oom_score_adj' 2>/dev/null || skip "oom_score_adj can be lowered here: the start does not fail"

	one_line_nothing_left 1 --memory-max 64M -- touch "$tmp/ran"
	[[ "$output" == *"cannot lower oom_score_adj of the job to -999"* ]]
}

# protect --scope --memory-max without systemd (issue 13 point 1): running
# processes (a shell and, with --tree, its child) move into a memory cgroup
# of their own below their current one, with the cap read back; the cap
# counts what they allocate from then on; a detached waiter removes the
# cgroup once the main process has ended and the cgroup is empty (the child
# outlives the shell here: the cgroup stays until it is gone too).
@test "cap: protect --scope --tree --memory-max (no systemd) caps running processes in a cgroup of their own, removed when they are gone" {
	sh -c 'echo $$ > "$1/cgroup.procs" && sleep 60 & echo $! > "$2"; wait' sh "$cg" "$tmp/child" >/dev/null 2>&1 3>&- &
	local main=$! child own
	for _ in $(seq 100); do [ -s "$tmp/child" ] && break; sleep 0.05; done
	child=$(cat "$tmp/child")
	[[ "$child" =~ ^[0-9]+$ ]]
	for _ in $(seq 100); do grep -q "^$main\$" "$cg/cgroup.procs" && break; sleep 0.05; done
	run "$OG_BIN" protect --scope --tree --memory-max 64M "$main"
	echo "$output"
	[ "$status" -eq 0 ]
	own=/$(basename "$cg")/oomguard-$main
	[[ "$output" == *"memory cap: 64.0 MiB max on $own"* ]]
	[[ "$output" == *"the memory they held before the move stays charged to the cgroup they came from"* ]]
	grep -q ":memory:$own\$" /proc/$main/cgroup
	grep -q ":memory:$own\$" /proc/$child/cgroup
	[ "$(cat "$mc$own/memory.limit_in_bytes")" -eq $((64 << 20)) ]
	kill -9 "$main"; wait "$main" 2>/dev/null || true
	sleep 1.5
	[ -d "$mc$own" ]   # the child is still in it
	kill -9 "$child"
	for _ in $(seq 50); do [ -d "$mc$own" ] || break; sleep 0.1; done
	[ ! -d "$mc$own" ]
}

@test "cap: protect --scope --memory-max (no systemd) of a process that is gone changes nothing" {
	run "$OG_BIN" protect --scope --memory-max 64M 999999999
	[ "$status" -ne 0 ]
	[ -z "$(find "$cg" -mindepth 1 -type d)" ]
}
