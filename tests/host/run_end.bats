#!/usr/bin/env bats
# The end of a job started by `oomguard run` is always diagnosed (issue 12):
# with and without --warn, in the foreground and --detach (there the log
# gets the diagnosis and an end record, written by the watcher that stays
# with the job in a session of its own); an unreadable kernel log is said to
# be unreadable, with the command that can read it, never blamed on
# "another process".  And the warning is the job's own: unrelated memory
# pressure next to a job with room in its cgroup sends it nothing.

load memcg
MEMCG=/sys/fs/cgroup/memory

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to create memory cgroups"
	[ -w "$MEMCG" ] || skip "no writable cgroup-v1 memory controller at $MEMCG"
	hog="$OG_BUILD/helpers/og_why_hog"
	[ -x "$hog" ] || skip "helper og_why_hog not built"
	T=$(mktemp -d /tmp/og-end.XXXXXX)
	chmod 755 "$T"
	cgs=()
	pids=()
}

teardown() {
	local cg p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	for cg in "${cgs[@]}"; do og_memcg_remove "$cg"; done
	[ -n "${T:-}" ] && rm -rf "$T"
}

mkcg() { # $1 = limit; sets cg
	cg="$MEMCG/og-test-$$-end-$BATS_TEST_NUMBER-${#cgs[@]}"
	cgs+=("$cg")
	og_memcg_make "$cg" "$1"
}

kmsg_readable() {
	timeout 2 dd if=/dev/kmsg of=/dev/null bs=8192 count=1 iflag=nonblock status=none 2>/dev/null
}

in_cg() { sh -c 'echo $$ > "$1/cgroup.procs" || exit 99; shift; exec "$@"' sh "$@"; }
# The job moves itself into the cgroup, then execs the hog: only the job is
# in there, so the OOM killer has nobody else to choose (a watcher in the
# job's own small cgroup can be a second victim while the first one dies,
# above all a sanitizer build of it).


@test "run --warn: a memcg OOM kill is diagnosed on stderr and in --log, as without --warn" {
	kmsg_readable || skip "/dev/kmsg not readable here"
	local w
	for w in "" "--warn=psi-full:off --warn-signal none"; do
		mkcg 32M
		run "$OG_BIN" run -q --adj 500 $w --log "$T/fg.log" -- sh -c 'echo $$ > "$1/cgroup.procs" || exit 99; exec "$2" 256' sh "$cg" "$hog"
		echo "[$w] $output"
		[ "$status" -eq 137 ]
		grep -Eq '^oomguard: pid [0-9]+ \(og_why_hog\) was killed by kernel-memcg: ' <<<"$output"
		grep -Eq 'Z oomguard: pid [0-9]+ \(og_why_hog\) was killed by kernel-memcg: ' "$T/fg.log"
		: > "$T/fg.log"
	done
	# The foreground log holds the job's output, not an end record: the
	# terminal has the exit status.
	run in_cg "$cg" "$OG_BIN" run -q --adj 0 --warn=psi-full:off --log "$T/ok.log" -- sh -c 'echo fine'
	[ "$status" -eq 0 ]
	[ "$(cat "$T/ok.log")" = fine ]
}

@test "run --detach (with and without --warn): the log gets the diagnosis and the end record" {
	kmsg_readable || skip "/dev/kmsg not readable here"
	local w out pid
	for w in "" "--warn=psi-full:off --warn-signal none"; do
		mkcg 32M
		: > "$T/d.log"
		out=$("$OG_BIN" run -q --detach --adj 500 $w --log "$T/d.log" -- sh -c 'echo $$ > "$1/cgroup.procs" || exit 99; exec "$2" 256' sh "$cg" "$hog" </dev/null)
		pid=${out%% *}
		[[ "$pid" =~ ^[0-9]+$ ]]
		for _ in $(seq 100); do grep -q ' ended: ' "$T/d.log" && break; sleep 0.1; done
		echo "[$w]"; cat "$T/d.log"
		grep -Eq "Z oomguard: pid $pid \\(og_why_hog\\) was killed by kernel-memcg: " "$T/d.log"
		grep -Eq "Z oomguard: job pid $pid ended: killed by signal 9 \\(exit status 137\\)$" "$T/d.log"
	done
}

@test "run --detach --warn: the watcher leads its own session and outlives the shell that started it" {
	mkcg 1G
	# A shell in its own session starts the job, then SIGHUPs its group, as a closing terminal would.
	run setsid bash -c '"$0" run -q --detach --adj 0 --warn=psi-full:off --log "$1/h.log" -- sleep 3 > "$1/pid"; kill -HUP 0; sleep 5' \
		"$OG_BIN" "$T"
	[ "$status" -eq 129 ]
	local pid watcher
	pid=$(cut -d' ' -f1 "$T/pid")
	pids+=("$pid")
	watcher=$(awk '{ print $4 }' "/proc/$pid/stat")
	pids+=("$watcher")
	[ "$(cat "/proc/$watcher/comm")" = oomguard ]
	[ "$(awk '{ print $6 }' "/proc/$watcher/stat")" = "$watcher" ]   # its own session
	[ "$(awk '{ print $7 }' "/proc/$watcher/stat")" = 0 ]            # no terminal
	for _ in $(seq 80); do grep -q ' ended: ' "$T/h.log" && break; sleep 0.1; done
	cat "$T/h.log"
	grep -Eq "Z oomguard: job pid $pid ended: exit status 0$" "$T/h.log"
}

@test "run: a job killed by a plain SIGKILL is not blamed on an OOM killer" {
	kmsg_readable || skip "/dev/kmsg not readable here"
	run "$OG_BIN" run -q --adj 500 --warn=psi-full:off -- sh -c 'kill -9 $$'
	[ "$status" -eq 137 ]
	[[ "$output" == *"was killed by SIGKILL, and no OOM killer logged killing it"*"it was not an OOM kill"* ]]
}

@test "run as a user who cannot read the kernel log: says so and how to read it, never blames another process" {
	command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
	[ "$(cat /proc/sys/kernel/dmesg_restrict)" = 1 ] || skip "kernel.dmesg_restrict=0: any user may read the kernel log"
	setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$hog" || skip "$hog not reachable for nobody"
	setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$OG_BIN" || skip "$OG_BIN not reachable for nobody"
	mkcg 32M
	chown nobody "$cg/cgroup.procs"          # the job (as nobody) moves itself in
	run setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all \
		"$OG_BIN" run -q --adj 500 --no-sudo -- sh -c 'echo $$ > "$1/cgroup.procs" || exit 99; exec "$2" 256' sh "$cg" "$hog"
	echo "$output"
	[ "$status" -eq 137 ]
	grep -q '^oom_kill 1$' "$cg/memory.oom_control"        # it really was the memcg OOM killer
	local pid; pid=$(grep -Eo 'job pid [0-9]+' <<<"$output" | grep -Eo '[0-9]+$')
	[[ "$output" == *"job pid $pid was killed by SIGKILL; cannot tell by whom: the kernel log could not be read"* ]]
	[[ "$output" == *"kernel.dmesg_restrict=1"* ]]
	[[ "$output" == *"'sudo oomguard why --pid $pid' can read it"* ]]
	[[ "$output" != *"another process"* ]]
	[[ "$output" != *"not an OOM kill"* ]]
	# ... and that command does name the kill.
	kmsg_readable || return 0
	run "$OG_BIN" why --kmsg --pid "$pid"
	echo "$output"
	grep -Eq "kernel-memcg +$pid +og_why_hog " <<<"$output"
}

# A file-backed working set 8x the size of a small cgroup, read at random
# pages: refaults from disk, a real memory stall on the machine.  Written
# with O_DIRECT, so none of it is in the page cache to start with.
thrash() { # $1 = cgroup, $2 = seconds
	local f=$T/thrash.dat
	dd if=/dev/urandom of="$f" bs=1M count=256 status=none oflag=direct
	in_cg "$1" /usr/bin/python3 -c '
import mmap, random, sys, time
f = open(sys.argv[1], "rb"); m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
n = len(m) // 4096; end = time.time() + float(sys.argv[2]); s = 0
while time.time() < end:
    for _ in range(1000):
        s += m[random.randrange(n) * 4096]' "$f" "$2" &
	pids+=("$!")
}

@test "warn: unrelated memory pressure next to a job with room in its own cgroup sends it nothing" {
	[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3"
	[ -r /proc/pressure/memory ] || skip "no PSI"
	local before after
	mkcg 32M
	local thr=$cg
	mkcg 1G
	before=$(awk '/^some/ { sub("total=", "", $5); print $5 }' /proc/pressure/memory)
	thrash "$thr" 10
	sleep 1
	# psi-some:2 would fire on the machine's stall share within a second.
	run in_cg "$cg" "$OG_BIN" run --adj 0 --warn=psi-some:2 -- sleep 6
	after=$(awk '/^some/ { sub("total=", "", $5); print $5 }' /proc/pressure/memory)
	echo "$output"
	echo "system some-stall during the run: $(( (after - before) / 1000 )) ms"
	[ "$status" -eq 0 ]                      # sleep was not ended by a SIGUSR1
	[[ "$output" != *"warning:"* ]]
	[[ "$output" == *"the system's is not the job's domain"* ]]
	# The machine really was stalling (else the test proves nothing).
	[ $(( after - before )) -gt 120000 ]
}
