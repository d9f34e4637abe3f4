#!/usr/bin/env bats
# Real-kernel test of issue 2: inside a throwaway cgroup-v1 memory cgroup with
# a 200 MiB limit, a job started with `oomguard run --adj 0` forks two workers
# that each hold memory; a hog started with `oomguard run --adj 1000` grows
# past the limit.  The kernel must kill the hog (SIGKILL, oom_kill counter +1)
# while the job and both workers live on with their memory.  20 rounds, each in
# a fresh cgroup.  Negative values cannot be written on this host (no
# CAP_SYS_RESOURCE), so relative values (0 vs +1000) prove the mechanism.

MEMCG_ROOT=/sys/fs/cgroup/memory
LIMIT_MIB=200

setup_file() {
	export HOG="$OG_BUILD/helpers/og_hog"
}

setup() {
	[ -x "$HOG" ] || skip "helper $HOG not built"
	[ "$(id -u)" -eq 0 ] || skip "needs root to create a memory cgroup"
	[ -w "$MEMCG_ROOT" ] && [ -e "$MEMCG_ROOT/cgroup.procs" ] ||
		skip "no writable cgroup-v1 memory controller at $MEMCG_ROOT"
	CG="$MEMCG_ROOT/og-test-$$-$BATS_TEST_NUMBER"
	mkdir "$CG" 2>/dev/null || skip "cannot create a memory cgroup under $MEMCG_ROOT"
	echo "${LIMIT_MIB}M" > "$CG/memory.limit_in_bytes" || skip "cannot set memory.limit_in_bytes"
	# No swap inside: fast, deterministic, and the kernel's totalpages is the limit.
	echo 0 > "$CG/memory.swappiness" 2>/dev/null || true
	if [ -e "$CG/memory.memsw.limit_in_bytes" ]; then
		echo "${LIMIT_MIB}M" > "$CG/memory.memsw.limit_in_bytes"
	fi
	T="$BATS_TEST_TMPDIR"
	JOB_PID= HOG_PID=
}

teardown() {
	[ -n "${CG:-}" ] && [ -d "$CG" ] || return 0
	# Kill whatever is still in the cgroup, then remove it.
	local i p
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ -n "$(cat "$CG/cgroup.procs")" ] || break
		for p in $(cat "$CG/cgroup.procs"); do kill -KILL "$p" 2>/dev/null; done
		sleep 0.1
	done
	[ -n "$JOB_PID" ] && wait "$JOB_PID" 2>/dev/null
	[ -n "$HOG_PID" ] && wait "$HOG_PID" 2>/dev/null
	rmdir "$CG"
}

# Alive and not a zombie (an unreaped victim still answers kill -0).
is_live() { awk '$1 == "State:" && $2 != "Z" { ok = 1 } END { exit !ok }' "/proc/$1/status" 2>/dev/null; }

oom_kills() { awk '$1 == "oom_kill" { print $2 }' "$CG/memory.oom_control"; }

# Start "$@" inside $CG: the shell joins first, then execs, so the PID stays.
IN_CG='echo $$ > "$1/cgroup.procs" && shift && exec "$@"'
in_cg() { sh -c "$IN_CG" sh "$CG" "$@"; }

# The job holds 170 MiB (10 in its parent, 80 in each worker), so the hog
# meets the 200 MiB limit at about 25 MiB: smaller than either worker.  Only
# its +1000 makes it the kernel's choice, and the control test below shows the
# kernel picking a worker when the hog is not raised.
start_job() {
	local i
	ready="$T/job.ready"
	# Started directly (not through a function) so that $! is oomguard itself;
	# fd 3 closed so that bats does not wait for the job.
	sh -c "$IN_CG" sh "$CG" "$OG_BIN" run --adj 0 -- \
		"$HOG" --hold 10 --workers 2 --worker-mib 80 --ready "$ready" 2> "$T/job.err" 3>&- &
	JOB_PID=$!
	for i in $(seq 200); do [ -e "$ready" ] && break; sleep 0.05; done
	[ -e "$ready" ] || { cat "$T/job.err"; false; }
	read -r job w1 w2 < "$ready"
	grep -q "kernel OOM killer: candidate (oom_score_adj 0 as requested, pid $job og_hog)" "$T/job.err"
	for p in $job $w1 $w2; do
		[ "$(cat /proc/$p/oom_score_adj)" -eq 0 ]
		grep -qx "$(basename "$CG")" < <(sed -n 's|^[0-9]*:memory:/||p' /proc/$p/cgroup)
	done
}

one_round() {
	local job w1 w2 before rc p rss ready
	[ -n "$(oom_kills)" ] || skip "memory.oom_control has no oom_kill counter (kernel < 4.13)"
	before=$(oom_kills)
	start_job

	# The hog: raised to +1000 by oomguard, grows 4 MiB every 5 ms until killed.
	run in_cg "$OG_BIN" run --adj 1000 -- "$HOG" --grow 4 --tick 5 --max 4096
	echo "hog: rc=$status, $output"
	[ "$status" -eq 137 ]                                   # SIGKILL, 128+9, passed on by oomguard
	[[ "$output" == *"oom_score_adj 1000 as requested"* ]]
	[ "$(oom_kills)" -eq $((before + 1)) ]                  # exactly one kill: the hog

	# The job and both workers are alive, unchanged, still holding their memory.
	for p in $job $w1 $w2; do
		is_live "$p"
		[ "$(cat /proc/$p/oom_score_adj)" -eq 0 ]
	done
	for p in $w1 $w2; do
		rss=$(awk '/^VmRSS:/ { print $2 }' /proc/$p/status)
		[ "$rss" -ge $((79 * 1024)) ]
	done
	is_live "$JOB_PID"                                      # the foreground oomguard too

	# And the job ends normally when asked: oomguard forwards SIGTERM.
	kill -TERM "$JOB_PID"
	rc=0; wait "$JOB_PID" || rc=$?
	JOB_PID=
	[ "$rc" -eq 0 ]
	! is_live "$w1" || false
}

@test "memcg OOM control: a hog left at 0 and smaller than the workers is spared, a worker dies" {
	local job w1 w2 before ready alive=0
	[ -n "$(oom_kills)" ] || skip "memory.oom_control has no oom_kill counter (kernel < 4.13)"
	before=$(oom_kills)
	start_job
	# Grows to 60 MiB at most: enough to hit the limit, then it stops.
	in_cg "$OG_BIN" run --adj 0 -- "$HOG" --grow 4 --tick 5 --max 60 2> "$T/hog.err" 3>&- &
	HOG_PID=$!
	for i in $(seq 100); do [ "$(oom_kills)" -gt "$before" ] && break; sleep 0.05; done
	sleep 0.3
	[ "$(oom_kills)" -eq $((before + 1)) ]
	is_live "$HOG_PID"                                      # the hog lives
	is_live "$w1" && alive=$((alive + 1))
	is_live "$w2" && alive=$((alive + 1))
	[ "$alive" -eq 1 ]                                      # one worker was the victim
}

@test "memcg OOM round 1: hog at +1000 killed, job at 0 and both workers live" { one_round; }
@test "memcg OOM round 2" { one_round; }
@test "memcg OOM round 3" { one_round; }
@test "memcg OOM round 4" { one_round; }
@test "memcg OOM round 5" { one_round; }
@test "memcg OOM round 6" { one_round; }
@test "memcg OOM round 7" { one_round; }
@test "memcg OOM round 8" { one_round; }
@test "memcg OOM round 9" { one_round; }
@test "memcg OOM round 10" { one_round; }
@test "memcg OOM round 11" { one_round; }
@test "memcg OOM round 12" { one_round; }
@test "memcg OOM round 13" { one_round; }
@test "memcg OOM round 14" { one_round; }
@test "memcg OOM round 15" { one_round; }
@test "memcg OOM round 16" { one_round; }
@test "memcg OOM round 17" { one_round; }
@test "memcg OOM round 18" { one_round; }
@test "memcg OOM round 19" { one_round; }
@test "memcg OOM round 20" { one_round; }
