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

@test "protect --json GOOD BAD: valid JSON with the good PID's state and the bad PID's error, exit 1, nothing changed" {
	echo 11 > /proc/$victim/oom_score_adj
	run "$OG_BIN" protect --json --adj 321 "$victim" 999999
	[ "$status" -eq 1 ]
	json=$(grep '^\[' <<<"$output")
	jq -e . <<<"$json" >/dev/null
	[ "$(jq -r --argjson p "$victim" '.[] | select(.pid == $p) | "\(.oom_score_adj) \(.changed) \(.error)"' <<<"$json")" = "11 false null" ]
	[ "$(jq -r '.[] | select(.pid == 999999) | .error' <<<"$json")" = "no process 999999: not found" ]
	# All or nothing: the good PID kept its value.
	[ "$(cat /proc/$victim/oom_score_adj)" = 11 ]
	# Without --adj too: the good one shown, the bad one's error.
	run "$OG_BIN" protect --json "$victim" 999999
	[ "$status" -eq 1 ]
	[ "$(grep '^\[' <<<"$output" | jq -r 'map(.pid) | join(" ")')" = "$victim 999999" ]
}

@test "protect --json: a kernel thread among the PIDs fails the call before any write; every PID in one array" {
	sleep 60 &
	other=$!
	for _ in $(seq 100); do [ "$(cat /proc/$other/comm)" = sleep ] && break; sleep 0.01; done
	echo 200 > /proc/$victim/oom_score_adj
	echo 100 > /proc/$other/oom_score_adj
	# kthreadd (pid 2) is refused, so neither sleep may change.
	run "$OG_BIN" protect --json --adj 150 "$other" "$victim" 2
	kill "$other" 2>/dev/null || true
	[ "$status" -eq 1 ]
	json=$(grep '^\[' <<<"$output")
	[ "$(jq -r '.[] | select(.pid == 2) | .error' <<<"$json")" = "a kernel thread: the OOM killer never picks it" ]
	[ "$(jq -r 'map(.changed) | unique | join(" ")' <<<"$json")" = false ]
	[ "$(cat /proc/$victim/oom_score_adj)" = 200 ]
	[ "$(jq -r --argjson p "$other" '.[] | select(.pid == $p) | .oom_score_adj' <<<"$json")" = 100 ]
}

@test "protect --json --scope that cannot be made (no system bus here) still prints valid JSON and exits 1" {
	[ -S /run/dbus/system_bus_socket ] && skip "a system bus answers here: the scope may well be made"
	run "$OG_BIN" protect --json --scope "$victim"
	[ "$status" -eq 1 ]
	json=$(grep '^\[' <<<"$output")
	[ "$(jq -r '.[0].error' <<<"$json")" = "cannot move it into a scope of its own (the reason is on stderr)" ]
	[ "$(jq -r '.[0].changed' <<<"$json")" = false ]
}
