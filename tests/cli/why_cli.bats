#!/usr/bin/env bats
# oomguard why, the command around the parser: damaged gzip input, time
# filters that cannot apply, advice by systemd version and kill kind, and
# repeated kills grouped in the table.

L="$OG_ROOT/tests/fixtures/logs"
export TZ=UTC

setup() {
	tmp=$(mktemp -d)
}

teardown() {
	rm -rf "$tmp"
}

@test "why: a truncated .gz says so (as zcat does), shows the kills read before it and exits 1" {
	for i in $(seq 300); do cat "$L/kernel-6.x-global.dmesg"; done >"$tmp/k"
	gzip -c "$tmp/k" >"$tmp/k.gz"
	head -c $(($(stat -c %s "$tmp/k.gz") / 2)) "$tmp/k.gz" >"$tmp/t.gz"
	! zcat "$tmp/t.gz" >/dev/null 2>&1
	run "$OG_BIN" why --json --file "$tmp/t.gz"
	[ "$status" -eq 1 ]
	[[ "$output" == *"t.gz': unexpected end of file (truncated gzip) after "*" bytes"* ]]
	n=$(grep -c '^{' <<<"$output")
	[ "$n" -gt 0 ] && [ "$n" -lt 300 ]
	grep '^{' <<<"$output" | jq -e -s 'all(.[]; .killer == "kernel-global")' >/dev/null
	# The whole file still reads clean, exit 0.
	run "$OG_BIN" why --json --file "$tmp/k.gz"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^{' <<<"$output")" -eq 300 ]
}

@test "why --since/--until on a boot-relative dmesg file says it cannot apply" {
	run "$OG_BIN" why --file "$L/kernel-6.x-global.dmesg" --since -2h
	[ "$status" -eq 0 ]
	[[ "$output" == *"--since/--until cannot apply to 1 kill: its log gives only seconds since boot"* ]]
	[[ "$output" == *"stress-ng-vm"* ]]
	# A log with wall-clock times is filtered silently.
	run "$OG_BIN" why --file "$L/earlyoom.syslog" --since "$(date +%Y)-10-01 12:30"
	[[ "$output" != *"cannot apply"* ]]
	# No range, no note.
	run "$OG_BIN" why --file "$L/kernel-6.x-global.dmesg"
	[[ "$output" != *"cannot apply"* ]]
}
