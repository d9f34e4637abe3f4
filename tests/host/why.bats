#!/usr/bin/env bats
# oomguard why / run on real kernel OOM kills: a throwaway cgroup-v1 memory
# cgroup with a small limit, a hog that the kernel kills in it, and then the
# exact pid and comm must come back from /dev/kmsg as a memcg kill.

MEMCG=/sys/fs/cgroup/memory

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to create memory cgroups"
	[ -w "$MEMCG" ] || skip "no writable cgroup-v1 memory controller at $MEMCG"
	timeout 2 dd if=/dev/kmsg of=/dev/null bs=8192 count=1 iflag=nonblock status=none 2>/dev/null \
		|| skip "/dev/kmsg is not readable here (dmesg_restrict without CAP_SYSLOG, or no kmsg)"
	hog="$OG_BUILD/helpers/og_why_hog"
	[ -x "$hog" ] || skip "helper og_why_hog not built"
	name="og-test-$$-why-$BATS_TEST_NUMBER"
	cg="$MEMCG/$name"
	mkdir "$cg"
	echo 32M > "$cg/memory.limit_in_bytes"
	if [ -e "$cg/memory.memsw.limit_in_bytes" ]; then echo 32M > "$cg/memory.memsw.limit_in_bytes" || true; fi
	echo 0 > "$cg/memory.swappiness"
}

teardown() {
	if [ -n "${cg:-}" ] && [ -d "$cg" ]; then
		for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$cg" 2>/dev/null && break; sleep 0.2; done
	fi
}

# Start the hog inside the cgroup; sets hogpid and hogstatus.
oom_hog() {
	sh -c "echo \$\$ > '$cg/cgroup.procs' && exec '$hog' 256" &
	hogpid=$!
	hogstatus=0
	wait "$hogpid" || hogstatus=$?
}

@test "why: a real memcg OOM kill is reported with its exact pid and comm (table)" {
	since=$(date +%s)
	oom_hog
	[ "$hogstatus" -eq 137 ]
	grep -q '^oom_kill 1$' "$cg/memory.oom_control"
	run "$OG_BIN" why --kmsg --since "@$since"
	[ "$status" -eq 0 ]
	grep -Eq "kernel-memcg +$hogpid +og_why_hog " <<<"$output"
	# the episode's explanation names the memcg when the kernel printed its report
	# (it rate-limits reports to 10 per 5 s; the kill line itself is never dropped)
	if grep -q "oom_memcg=/$name,task_memcg=/$name,task=og_why_hog,pid=$hogpid," <(dmesg 2>/dev/null); then
		grep -q "memory cgroup /$name reached its limit of 32M" <<<"$output"
	fi
}

@test "why --json: the same kill as a JSON object, validated by jq" {
	since=$(date +%s)
	oom_hog
	[ "$hogstatus" -eq 137 ]
	run "$OG_BIN" why --kmsg --since "@$since" --json
	[ "$status" -eq 0 ]
	# every line is one JSON object
	n=$(jq -s 'length' <<<"$output")
	[ "$n" -ge 1 ]
	jq -e --argjson p "$hogpid" --arg cg "/$name" -s '
		map(select(.victim.pid == $p)) | length == 1 and
		(.[0].killer == "kernel-memcg") and (.[0].victim.comm == "og_why_hog") and
		(.[0].victim.uid == 0) and (.[0].source == "/dev/kmsg") and
		(.[0].oom_memcg == null or .[0].oom_memcg == $cg) and
		(.[0].time_us >= ('"$since"' - 1) * 1000000) and
		(.[0].explanation | test("kernel OOM killer killed og_why_hog"))' <<<"$output"
}

@test "why: nothing in the window says so and names the source" {
	run "$OG_BIN" why --kmsg --since @1 --until @2
	[ "$status" -eq 0 ]
	[[ "$output" == "no OOM kills found in the given time range in /dev/kmsg ("*" records)" ]]
}

@test "why: unreadable /dev/kmsg says which source and why" {
	command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
	[ "$(cat /proc/sys/kernel/dmesg_restrict)" = 1 ] || skip "kernel.dmesg_restrict=0: any user may read the kernel log"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all "$OG_BIN" why --kmsg
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot read /dev/kmsg: Operation not permitted: kernel.dmesg_restrict=1, so reading the kernel log needs CAP_SYSLOG"* ]]
}

@test "run: a job killed by a memcg OOM gets the diagnosis and exit 137" {
	# oomguard itself runs in the cgroup at adj 0; the job at 500 is the kernel's choice.
	run sh -c "echo \$\$ > '$cg/cgroup.procs' && exec '$OG_BIN' run --adj 500 -- '$hog' 256"
	[ "$status" -eq 137 ]
	grep -Eq "^oomguard: pid [0-9]+ \(og_why_hog\) was killed by kernel-memcg: The kernel OOM killer killed og_why_hog" <<<"$output"
	jobpid=$(sed -nE 's/^oomguard: started pid ([0-9]+) .*/\1/p' <<<"$output")
	[ -n "$jobpid" ]
	grep -q "^oomguard: pid $jobpid (og_why_hog) was killed" <<<"$output"
}

@test "run: a job killed by a plain SIGKILL is not blamed on an OOM killer" {
	run "$OG_BIN" run --adj 500 -- sh -c 'kill -9 $$'
	[ "$status" -eq 137 ]
	grep -q "was killed by SIGKILL, and no OOM killer logged killing it" <<<"$output"
}
