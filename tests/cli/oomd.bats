#!/usr/bin/env bats
# The systemd-oomd layer where there is no systemd (this host; the VM lane,
# tests/vm, proves it against a real systemd 252): `run` must not fail, must
# say "systemd-oomd: not running", and the job must still run; --oomd and
# --scope are parsed strictly; `protect --scope` fails cleanly, changing
# nothing.
bats_require_minimum_version 1.5.0

setup() {
	if [ -d /run/systemd/system ]; then
		skip "systemd runs here; the VM lane covers a real systemd"
	fi
}

@test "oomd: run without systemd says 'not running' and runs the job" {
	run --separate-stderr "$OG_BIN" run --adj 0 -- echo job-ran
	[ "$status" -eq 0 ]
	[ "$output" = job-ran ]
	grep -q '^oomguard: systemd-oomd: not running' <<<"$stderr" ||
		grep -q '^oomguard: systemd-oomd: not checked (built without libsystemd)' <<<"$stderr"
}

@test "oomd: every --oomd value runs the job; the exit status is the job's" {
	for p in omit avoid none; do
		run "$OG_BIN" run --quiet --adj 0 --oomd "$p" -- sh -c 'exit 7'
		[ "$status" -eq 7 ]
	done
}

@test "oomd: a bad --oomd value is a usage error and runs nothing" {
	run "$OG_BIN" run --oomd=never -- touch "$BATS_TEST_TMPDIR/ran"
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid --oomd 'never': expected omit, avoid or none"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	run "$OG_BIN" protect --oomd=Omit --scope 1
	[ "$status" -eq 2 ]
}

@test "oomd: protect --scope without systemd fails, names the bus, and leaves the process where it was" {
	sleep 60 &
	local p=$!
	local before; before=$(cat /proc/$p/cgroup)
	run "$OG_BIN" protect --scope "$p"
	local after; after=$(cat /proc/$p/cgroup)
	kill "$p"
	[ "$status" -eq 1 ]
	[[ "$output" == *"protect: cannot move $p (sleep) and 0 descendants into a scope of their own"* ]]
	[[ "$output" == *"bus"* ]]
	[ "$before" = "$after" ]
}
