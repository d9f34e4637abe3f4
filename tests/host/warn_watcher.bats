#!/usr/bin/env bats
# The watcher (oomguard's own process that stays with a job: `run`, with or
# without --warn, foreground and --detach) must outlive a memcg OOM kill of
# the job and diagnose its end (issue 12, docs/warn.md "The watcher"):
#   shared:  watcher and job in one small memory cgroup.  The kernel ranks
#            tasks by rss + adj x limit / 1000 (mm/oom_kill.c), so a tiny
#            watcher at a higher adj than the job is its first victim.  Here
#            the caller runs at +1000 and the job at 0 (negative values
#            cannot be written on this host: relative values prove it); the
#            watcher lowers itself to the job's 0, and the kernel takes the
#            job.  Fails on a watcher that keeps the caller's +1000.
#   own:     `run --memory-max` without systemd: the job's cgroup is its own
#            and the watcher is not in it, foreground and --detach (the
#            detached watcher removes the cgroup at the end).

load memcg
mc=/sys/fs/cgroup/memory
hog=${OG_BUILD}/helpers/og_why_hog

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a memory cgroup"
	[ -w "$mc/cgroup.procs" ] || skip "no writable cgroup-v1 memory hierarchy at $mc"
	[ -x "$hog" ] || skip "helper og_why_hog not built"
	timeout 2 dd if=/dev/kmsg of=/dev/null bs=8192 count=1 iflag=nonblock status=none 2>/dev/null ||
		skip "/dev/kmsg not readable here"
	T=$(mktemp -d /tmp/og-wat.XXXXXX)
	cgs=()
}

teardown() {
	local cg
	for cg in "${cgs[@]}"; do og_memcg_remove "$cg"; done
	[ -n "${T:-}" ] && rm -rf "$T"
	true
}

mkcg() { # $1 = limit; sets cg
	cg="$mc/og-test-$$-wat-$BATS_TEST_NUMBER-${#cgs[@]}"
	cgs+=("$cg")
	og_memcg_make "$cg" "$1"
}

oom_kills() { awk '$1 == "oom_kill" { print $2 }' "$1/memory.oom_control"; }

# in cgroup $1 at oom_score_adj $2: exec the rest
in_cg_adj() { sh -c 'echo $$ > "$1/cgroup.procs" && echo "$2" > /proc/$$/oom_score_adj && shift 2 && exec "$@"' sh "$@"; }

@test "watcher: sharing the job's small memcg from a caller at +1000, it follows the job to 0 and survives the kill to diagnose it (with and without --warn)" {
	local w
	for w in "" "--warn=psi-full:off,startup:0s --warn-signal none"; do
		mkcg 48M
		run in_cg_adj "$cg" 1000 "$OG_BIN" run --adj 0 $w -- "$hog" 256
		echo "[$w] $output"
		[ "$status" -eq 137 ]
		grep -Eq "^oomguard: watcher pid [0-9]+: oom_score_adj 1000 -> 0, the job's" <<<"$output"
		grep -Eq '^oomguard: pid [0-9]+ \(og_why_hog\) was killed by kernel-memcg: ' <<<"$output"
		[ "$(oom_kills "$cg")" -eq 1 ]   # one kill: the job, not the watcher
	done
}

@test "watcher: run --detach --warn in the job's small memcg survives the kill and writes the diagnosis and end record to the log" {
	mkcg 48M
	local out pid
	out=$(in_cg_adj "$cg" 1000 "$OG_BIN" run -q --detach --adj 0 --warn=psi-full:off,startup:0s --warn-signal none --log "$T/d.log" -- "$hog" 256 </dev/null 2>"$T/err")
	pid=${out%% *}
	[[ "$pid" =~ ^[0-9]+$ ]]
	for _ in $(seq 150); do grep -q ' ended: ' "$T/d.log" && break; sleep 0.1; done
	cat "$T/err" "$T/d.log"
	grep -Eq "Z oomguard: pid $pid \\(og_why_hog\\) was killed by kernel-memcg: " "$T/d.log"
	grep -Eq "Z oomguard: job pid $pid ended: killed by signal 9 \\(exit status 137\\)$" "$T/d.log"
	[ "$(oom_kills "$cg")" -eq 1 ]
}

# The job writes its own and its parent's (the watcher's) memory cgroup, then leaks.
job='grep :memory: /proc/$$/cgroup > "$1/job.cg"; grep :memory: /proc/$PPID/cgroup > "$1/watcher.cg"; exec "$2" 256'

@test "watcher: with a cap of its own (--memory-max, no systemd) the job's cgroup holds the job, not the watcher, which diagnoses the kill" {
	[ ! -d /run/systemd/system ] || skip "systemd runs here: the cap goes on a scope (tests/vm)"
	mkcg 1G
	run in_cg_adj "$cg" 0 "$OG_BIN" run --adj 0 --memory-max 48M --warn=psi-full:off,startup:0s --warn-signal none -- sh -c "$job" sh "$T" "$hog"
	echo "$output"
	cat "$T/job.cg" "$T/watcher.cg"
	[ "$status" -eq 137 ]
	grep -q ":/$(basename "$cg")/oomguard-[0-9]*$" "$T/job.cg"
	grep -q ":/$(basename "$cg")$" "$T/watcher.cg"
	[[ "$output" == *"the job was killed by its own cap"* ]]
	[ -z "$(find "$cg" -mindepth 1 -type d)" ]
}

@test "watcher: run --detach --memory-max (no systemd): the detached watcher diagnoses the kill in the log and removes the job's cgroup" {
	[ ! -d /run/systemd/system ] || skip "systemd runs here: the cap goes on a scope (tests/vm)"
	mkcg 1G
	local out pid
	out=$(in_cg_adj "$cg" 0 "$OG_BIN" run -q --detach --adj 0 --memory-max 48M --log "$T/d.log" -- sh -c "$job" sh "$T" "$hog" </dev/null 2>"$T/err")
	pid=${out%% *}
	[[ "$pid" =~ ^[0-9]+$ ]]
	for _ in $(seq 150); do grep -q ' ended: ' "$T/d.log" && break; sleep 0.1; done
	for _ in $(seq 50); do [ -z "$(find "$cg" -mindepth 1 -type d)" ] && break; sleep 0.1; done
	cat "$T/err" "$T/d.log" "$T/job.cg" "$T/watcher.cg"
	grep -q ":/$(basename "$cg")/oomguard-$pid$" "$T/job.cg"
	grep -q ":/$(basename "$cg")$" "$T/watcher.cg"
	grep -Eq "Z oomguard: job pid $pid ended: killed by signal 9 \\(exit status 137\\)$" "$T/d.log"
	grep -q "the job was killed by its own cap" "$T/d.log" "$T/err"
	[ -z "$(find "$cg" -mindepth 1 -type d)" ]
}
