#!/usr/bin/env bats
# protect --json: both forms parse and carry what the kernel holds.

setup() {
	sleep 60 &
	victim=$!
	# $! is the forked shell until it has exec'd sleep.
	for _ in $(seq 100); do [ "$(cat /proc/$victim/comm)" = sleep ] && break; sleep 0.01; done
}

teardown() {
	kill "$victim" 2>/dev/null || true
}

@test "protect --json --adj reports requested, before and the value read back" {
	run "$OG_BIN" protect --json --adj 321 "$victim"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].oom_score_adj' <<<"$output")" = 321 ]
	[ "$(jq -r '.[0].requested' <<<"$output")" = 321 ]
	[ "$(jq -r '.[0].kernel' <<<"$output")" = candidate ]
	[ "$(cat /proc/$victim/oom_score_adj)" = 321 ]
}

@test "protect --json without --adj shows oom_score and oom_score_adj as /proc does" {
	echo 77 > /proc/$victim/oom_score_adj
	run "$OG_BIN" protect --json "$victim"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].oom_score_adj' <<<"$output")" = 77 ]
	[ "$(jq -r '.[0].oom_score' <<<"$output")" = "$(cat /proc/$victim/oom_score)" ]
	[ "$(jq -r '.[0].comm' <<<"$output")" = sleep ]
}
