#!/usr/bin/env bats
# Options of `oomguard watch` and `oomguard run --warn`: bad input is a usage
# error (exit 2) naming what is wrong, and changes nothing.

@test "watch --help lists the options and the hook environment" {
	run "$OG_BIN" watch --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--warn[=SPEC]"* ]]
	[[ "$output" == *"OOMGUARD_LEVEL"* ]]
}

@test "watch: a bad SPEC is a usage error naming the item" {
	run "$OG_BIN" watch --warn=available:10,eta:5s 1
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid --warn spec"*"available:10"* ]]
	run "$OG_BIN" watch --warn=eta:5s,eta:6s 1
	[ "$status" -eq 2 ]
	[[ "$output" == *"given twice"* ]]
}

@test "watch: PID and signal are checked" {
	run "$OG_BIN" watch
	[ "$status" -eq 2 ]
	run "$OG_BIN" watch 12x
	[ "$status" -eq 2 ]
	run "$OG_BIN" watch 1 2
	[ "$status" -eq 2 ]
	run "$OG_BIN" watch --warn-signal SIGNOPE 1
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid --warn-signal"* ]]
	run "$OG_BIN" watch --on-warn "" 1
	[ "$status" -eq 2 ]
}

@test "watch: a PID that does not exist fails with 1" {
	run "$OG_BIN" watch 4194304
	[ "$status" -eq 1 ]
	[[ "$output" == *"no process 4194304"* ]]
}

@test "run --warn: a bad SPEC is a usage error and nothing runs" {
	local f=$BATS_TEST_TMPDIR/ran
	run "$OG_BIN" run --adj 0 --warn=critical:20% -- touch "$f"
	[ "$status" -eq 2 ]
	[[ "$output" == *"more headroom than available"* ]]
	[ ! -e "$f" ]
}

# issue 12: a signal the job cannot catch turns the watcher into a killer.
@test "--warn-signal refuses KILL and STOP (by name and number) in run and watch; none and USR2 stay" {
	local f=$BATS_TEST_TMPDIR/ran sig
	for sig in KILL SIGKILL 9 STOP SIGSTOP 19; do
		run "$OG_BIN" run --adj 0 --warn-signal "$sig" -- touch "$f"
		echo "$sig: $output"
		[ "$status" -eq 2 ]
		[[ "$output" == *"invalid --warn-signal '$sig': SIG"*"cannot be caught"* ]]
		[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
		run "$OG_BIN" watch --warn-signal "$sig" 1
		[ "$status" -eq 2 ]
		[[ "$output" == *"cannot be caught"* ]]
	done
	[ ! -e "$f" ]
	run "$OG_BIN" run -q --adj 0 --warn=psi-full:off --warn-signal none -- true
	[ "$status" -eq 0 ]
	run "$OG_BIN" run -q --adj 0 --warn=psi-full:off --warn-signal USR2 -- true
	[ "$status" -eq 0 ]
}

@test "run --detach --warn: accepted; the front returns the PID and the log at once" {
	local log=$BATS_TEST_TMPDIR/job.log
	run "$OG_BIN" run -q --adj 0 --detach --warn=psi-full:off --log "$log" -- sh -c 'echo hello; exit 3'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9]+\ $log$ ]]
	for _ in $(seq 50); do grep -q 'ended: ' "$log" 2>/dev/null && break; sleep 0.1; done
	cat "$log"
	grep -qx hello "$log"
	grep -Eq '^[0-9T:.-]+Z oomguard: job pid [0-9]+ ended: exit status 3$' "$log"
}

@test "run --warn: the job's exit status and forwarded signals still come through" {
	run "$OG_BIN" run -q --adj 0 --warn=psi-full:off -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
	# SIGTERM to oomguard reaches the job through the watch loop's signalfd.
	# (psi-full:off: other suites' OOM tests stall the whole system, and a
	# warning's SIGUSR1 would end sleep before the SIGTERM.)
	"$OG_BIN" run -q --adj 0 --warn=psi-full:off -- sleep 30 &
	local og=$!
	sleep 0.5
	kill -TERM "$og"
	local st=0
	wait "$og" || st=$?
	[ "$st" -eq 143 ]
}
