#!/usr/bin/env bats
# oomguard top on a fixture /proc (tests/fixtures/top/proc): the arithmetic
# shown, ineligible processes marked not hidden, options, usage errors.

setup() {
	fx=$OG_ROOT/tests/fixtures/top/proc
}

@test "top --json on fixtures: ranking, parts, oom_score, marks" {
	run "$OG_BIN" top --procfs "$fx" --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.scope.totalpages' <<<"$output")" = 16383 ]
	[ "$(jq -r '[.processes[] | select(.rank != null) | .pid] | join(",")' <<<"$output")" = "103,102,100,101,106" ]
	[ "$(jq -r '.processes[] | select(.pid == 100) | "\(.points) \(.parts.rss) \(.parts.swap) \(.parts.pgtables) \(.parts.adj) \(.oom_score)"' <<<"$output")" = "1110 1000 100 10 0 711" ]
	[ "$(jq -r '.processes[] | select(.pid == 101) | .parts.adj' <<<"$output")" = 960 ]
	[ "$(jq -r '.processes[] | select(.pid == 106) | "\(.points) \(.oom_score)"' <<<"$output")" = "-15974 16" ]
	# Marked, not hidden: kthread, init, protected, zombie.
	[ "$(jq -r '[.processes[] | select(.rank == null) | "\(.pid):\(.why)"] | sort | join(",")' <<<"$output")" = "104:protected,105:no_mm,1:init,2:kthread" ]
	[ "$(jq -r '.victim.pid' <<<"$output")" = 103 ]
	[ "$(jq -r '.processes[] | select(.pid == 106) | .comm' <<<"$output")" = $'we\\ird\nname' ]
}

@test "top text: escaped comm, marks, the formula in the header" {
	run "$OG_BIN" top --procfs "$fx"
	[ "$status" -eq 0 ]
	[[ "$output" == *'we\\ird\nname'* ]]
	[[ "$output" == *"protected (oom_score_adj -1000)"* ]]
	# Kernel threads are never chosen: hidden from the table unless asked for.
	[[ "$output" != *"kernel thread (never chosen)"* ]]
	[[ "$output" == *"1 kernel thread not listed (never chosen; --kernel-threads lists them)"* ]]
	run "$OG_BIN" top --procfs "$fx" --kernel-threads
	[[ "$output" == *"kernel thread (never chosen)"* ]]
	[[ "$output" != *"not listed"* ]]
	[[ "$output" == *"init (never chosen)"* ]]
	[[ "$output" == *"1 adj unit = 16 pages"* ]]
	[[ "$output" == *"1110 = 1000+100+10+0"* ]]
}

@test "top -n, --sort, --user" {
	run "$OG_BIN" top --procfs "$fx" --json -n 2
	[ "$(jq '.processes | length' <<<"$output")" = 2 ]
	run "$OG_BIN" top --procfs "$fx" --json --sort pid
	[ "$(jq -r '[.processes[].pid] | join(",")' <<<"$output")" = "1,2,100,101,102,103,104,105,106" ]
	run "$OG_BIN" top --procfs "$fx" --json --sort rss
	[ "$(jq -r '.processes[0].pid' <<<"$output")" = 104 ]
	run "$OG_BIN" top --procfs "$fx" --json --user 1000
	[ "$(jq -r '[.processes[].pid] | join(",")' <<<"$output")" = "102,100,101,106,105" ]
	# Ranks stay global when filtering.
	[ "$(jq -r '.processes[0].rank' <<<"$output")" = 2 ]
}

@test "top usage errors exit 2 and name the problem" {
	run "$OG_BIN" top --sort nope
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid --sort 'nope'"* ]]
	run "$OG_BIN" top -n -3
	[ "$status" -eq 2 ]
	run "$OG_BIN" top --watch 0
	[ "$status" -eq 2 ]
	run "$OG_BIN" top --json --watch
	[ "$status" -eq 2 ]
	run "$OG_BIN" top extra
	[ "$status" -eq 2 ]
	run "$OG_BIN" top -u og-nosuchuser
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown user 'og-nosuchuser'"* ]]
	run "$OG_BIN" top --procfs "$fx" --json -u 4242
	[ "$status" -eq 0 ]
	run "$OG_BIN" top --cgroup /nonexistent/og
	[ "$status" -eq 1 ]
	[[ "$output" == *"--cgroup /nonexistent/og"* ]]
	run "$OG_BIN" top --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--cgroup PATH"* ]]
}

@test "top on the live system: valid JSON, every process, vanishing ones skipped" {
	for i in 1 2 3 4 5 6 7 8; do (sleep 0.0$i &) ; done
	run "$OG_BIN" top --json
	[ "$status" -eq 0 ]
	jq -e '.processes | length > 1' <<<"$output" >/dev/null
	jq -e '.killers[0].killer == "kernel"' <<<"$output" >/dev/null
}

@test "top --watch restores the terminal on SIGINT" {
	command -v script >/dev/null || skip "needs script (util-linux)"
	log=$(mktemp)
	# script runs the command with $SHELL -c; dash (SHELL unset, as in CI)
	# forks timeout, whose own process group is then not the terminal's
	# foreground group: top --watch would stop on SIGTTOU for ever (it did,
	# CI ran out of time).  --foreground keeps it in the foreground group;
	# the outer timeout bounds the test whatever happens.
	SHELL=/bin/sh timeout -k 5 30 script -qfc "timeout --foreground -s INT 1.5 $OG_BIN top --watch 1 -n 3" "$log" \
		</dev/null >/dev/null 2>&1 || true
	grep -q $'\e\[?1049h' "$log"
	grep -q $'\e\[?1049l' "$log"
	grep -q $'\e\[?25h' "$log"
	rm -f "$log"
}
