#!/usr/bin/env bats
# tests/run-all.sh itself: a test file that leaves a process of this build or
# an og-test-* cgroup behind fails, and so does one that outlives
# OG_FILE_TIMEOUT.  Each case runs a copy of run-all.sh over a one-file
# suite made here, and cleans up what that file left.

load memcg
mc=/sys/fs/cgroup/memory

setup() {
	T=$(mktemp -d /tmp/og-runall.XXXXXX)
	mkdir -p "$T/tests/host"
	cp "$OG_ROOT/tests/run-all.sh" "$T/tests/"
	left=
}

teardown() {
	[ -n "$left" ] && og_memcg_remove "$left"
	pkill -9 -f "og_hog --hold 1 --ready $T/" 2>/dev/null
	rm -rf "$T"
}

# inner NAME TITLE BODY: the one-test file NAME.bats of the inner suite
# (written with printf: bats would take a test line in this file for its own).
inner() { printf '%s "%s" {\n\t%s\n}\n' "@test" "$2" "$3" >"$T/tests/host/$1.bats"; }

suite() { OG_SUITES=host timeout 120 bash "$T/tests/run-all.sh"; }

@test "run-all: a file that leaves an og-test cgroup behind fails, named" {
	[ "$(id -u)" -eq 0 ] && [ -w "$mc/cgroup.procs" ] || skip "needs root and a cgroup-v1 memory hierarchy"
	inner leak 'makes a cgroup and forgets it' 'mkdir /sys/fs/cgroup/memory/og-test-$$-leak'
	run suite
	echo "$output"
	left=$(ls -d "$mc"/og-test-*-leak 2>/dev/null | head -n1)
	[ -n "$left" ]
	[ "$status" -ne 0 ]
	[[ $output == *"not ok - leak.bats left behind: cgroup $mc/og-test-"*"-leak"* ]]
	[[ ${lines[-1]} == "1 passed, 1 failed, 0 skipped" ]]
}

@test "run-all: a file that leaves a process of this build running fails, named" {
	[ -x "$OG_BUILD/helpers/og_hog" ] || skip "helpers not built"
	inner proc 'starts a hog and forgets it' \
		"\"$OG_BUILD/helpers/og_hog\" --hold 1 --ready $T/r 3>&- </dev/null >/dev/null 2>&1 & for _ in \$(seq 100); do [ -e $T/r ] && break; sleep 0.05; done"
	run suite
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"not ok - proc.bats left behind: pid "*"$OG_BUILD/helpers/og_hog"* ]]
}

@test "run-all: a clean file passes; one past OG_FILE_TIMEOUT fails as timed out" {
	inner clean 'does nothing' true
	run suite
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} == "1 passed, 0 failed, 0 skipped" ]]
	inner slow 'sleeps' 'sleep 30'
	OG_FILE_TIMEOUT=2 run suite
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"not ok - slow.bats timed out after 2s"* ]]
}
