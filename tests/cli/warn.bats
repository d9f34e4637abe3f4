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

@test "run --warn: bad SPEC, and --detach with --warn, are usage errors and nothing runs" {
	local f=$BATS_TEST_TMPDIR/ran
	run "$OG_BIN" run --adj 0 --warn=critical:20% -- touch "$f"
	[ "$status" -eq 2 ]
	[[ "$output" == *"more headroom than available"* ]]
	run "$OG_BIN" run --adj 0 --detach --warn -- touch "$f"
	[ "$status" -eq 2 ]
	[[ "$output" == *"oomguard watch PID"* ]]
	[ ! -e "$f" ]
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
