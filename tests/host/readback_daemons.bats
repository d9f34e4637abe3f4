#!/usr/bin/env bats
# run's read-back names the user-space OOM daemons too, judged against the
# job as `doctor PID` judges them, with a real earlyoom (in --dryrun mode, so
# it never kills anything on this machine).

setup() {
	command -v earlyoom >/dev/null || skip "earlyoom is not installed"
	eo_pid=""
	sleepers=()
}

teardown() {
	if [ -n "$eo_pid" ]; then kill "$eo_pid" 2>/dev/null || true; wait "$eo_pid" 2>/dev/null || true; fi
	if [ ${#sleepers[@]} -gt 0 ]; then kill "${sleepers[@]}" 2>/dev/null || true; wait "${sleepers[@]}" 2>/dev/null || true; fi
}

start_earlyoom() {
	earlyoom "$@" --dryrun -m 1 -s 1 >/dev/null 2>&1 &
	eo_pid=$!
	for _ in $(seq 50); do [ "$(cat /proc/$eo_pid/comm 2>/dev/null)" = earlyoom ] && return 0; sleep 0.05; done
	return 1
}

@test "run: earlyoom not running is said so" {
	pgrep -x earlyoom >/dev/null && skip "an earlyoom is already running here"
	run "$OG_BIN" run --adj 100 -- sleep 0.3
	[ "$status" -eq 0 ]
	grep -qx 'oomguard: earlyoom: not running' <<<"$output"
	grep -qx 'oomguard: nohang: not running' <<<"$output"
}

@test "run: a running earlyoom that would rank the job is EXPOSED, with the rule that exempts it" {
	start_earlyoom
	run "$OG_BIN" run --adj 100 -- sleep 0.3
	[ "$status" -eq 0 ]
	grep -Eq "^oomguard: earlyoom: EXPOSED \(oom_score [0-9]+;.*\): add --(avoid|ignore) '\^\(sleep\)\\$' to EARLYOOM_ARGS" <<<"$output"
}

@test "run: earlyoom --ignore-root-user protects a root job, and the read-back says why" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	earlyoom --help 2>&1 | grep -q -- --ignore-root-user || skip "this earlyoom ($(earlyoom -v 2>&1 | head -n1)) has no --ignore-root-user"
	start_earlyoom --ignore-root-user
	run "$OG_BIN" run --adj 100 -- sleep 0.3
	[ "$status" -eq 0 ]
	grep -qx 'oomguard: earlyoom: protected (runs as root and earlyoom has --ignore-root-user)' <<<"$output"
}

# nohang is not packaged in Debian 12: a process whose comm is "nohang" (a
# copy of sleep) is what run's one-read-per-process scan looks for.
@test "run: a process named nohang is found by its comm and judged" {
	pgrep -x nohang >/dev/null && skip "a nohang is already running here"
	cp "$(command -v sleep)" "$BATS_TEST_TMPDIR/nohang"
	"$BATS_TEST_TMPDIR/nohang" 30 3>&- &
	eo_pid=$!
	for _ in $(seq 50); do [ "$(cat /proc/$eo_pid/comm 2>/dev/null)" = nohang ] && break; sleep 0.05; done
	run "$OG_BIN" run --adj 100 -- sleep 0.3
	[ "$status" -eq 0 ]
	grep -Eq '^oomguard: nohang: EXPOSED \(badness [0-9]+ \(oom_score\)(; nohang.s pick now: [^)]+)?\): add the line .@BADNESS_ADJ_RE_NAME -1000 /// \^sleep\$' <<<"$output"
	grep -qx 'oomguard: earlyoom: not running' <<<"$output"
}

# Issue 10 point 14: the daemon detection read several files of every
# process (92 ms per run at 5,000 processes).  With no daemon running, run
# opens at most one file per process other than itself and the job (its
# comm); the cost is in bench/run_startup.sh, never timed here.
@test "run: without a daemon, the read-back opens at most one file of each other process" {
	command -v strace >/dev/null || skip "strace is not installed"
	pgrep -x 'earlyoom|nohang' >/dev/null && skip "an earlyoom or nohang is running here"
	for _ in $(seq 20); do sleep 30 3>&- & sleepers+=($!); done
	# The job lives long enough for the scan to finish under strace.
	# LeakSanitizer cannot run under ptrace (the ASan build would exit 1).
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		run strace -f -qq -e trace=open,openat -o "$BATS_TEST_TMPDIR/trace" "$OG_BIN" run --adj 100 -- sleep 2
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	grep -qx 'oomguard: earlyoom: not running' <<<"$output"
	# /proc/PID/... opened by path or relative to an open /proc (openat(fd, "PID/...")),
	# counted per PID, leaving out the traced processes (oomguard and the job).
	traced=" $(awk '{ print $1 }' "$BATS_TEST_TMPDIR/trace" | sort -u | tr '\n' ' ')"
	# Distinct files per PID: a readdir of a /proc in flux may list a PID twice.
	per_pid=$(sed -nE 's|.*open(at)?\((AT_FDCWD, )?"/proc/([0-9]+)/([^"]*)".*|\3 \4|p; s|.*openat\([0-9]+, "([0-9]+)/([^"]*)".*|\1 \2|p' \
		"$BATS_TEST_TMPDIR/trace" | awk -v t="$traced" 'index(t, " " $1 " ") == 0' | sort -u |
		awk '{ print $1 }' | uniq -c | sort -rn)
	[ -n "$per_pid" ] || { echo "no /proc/PID file opened: the scan did not run"; false; }
	most=$(awk 'NR == 1 { print $1 }' <<<"$per_pid")
	[ "$most" -le 1 ] || {
		echo "files opened per process (count pid):"; head -n 3 <<<"$per_pid"
		grep -E "\"(/proc/)?$(awk 'NR == 1 { print $2 }' <<<"$per_pid")/" "$BATS_TEST_TMPDIR/trace"; false
	}
}

# Issue 15: top and doctor once wrote two JSON shapes of the same killer
# state (top's earlyoom element had no options, doctor's no bad_regex).  One
# writer now: top's element is doctor's object plus "killer" and "victim".
@test "top --json and doctor --json write the same object for each running daemon" {
	command -v jq >/dev/null || skip "jq is not installed"
	pgrep -x nohang >/dev/null && skip "a nohang is already running here"
	start_earlyoom --prefer '^og_nothing$'
	cp "$(command -v sleep)" "$BATS_TEST_TMPDIR/nohang"
	"$BATS_TEST_TMPDIR/nohang" 30 3>&- &
	sleepers+=($!)
	for _ in $(seq 50); do [ "$(cat /proc/${sleepers[0]}/comm 2>/dev/null)" = nohang ] && break; sleep 0.05; done
	"$OG_BIN" top --json >"$BATS_TEST_TMPDIR/top.json"
	"$OG_BIN" doctor --json >"$BATS_TEST_TMPDIR/doctor.json"
	top_eo=$(jq -cS --argjson p "$eo_pid" '.killers[] | select(.killer == "earlyoom" and .pid == $p) | del(.killer, .victim)' "$BATS_TEST_TMPDIR/top.json")
	doc_eo=$(jq -cS --argjson p "$eo_pid" '.earlyoom[] | select(.pid == $p)' "$BATS_TEST_TMPDIR/doctor.json")
	echo "top:    $top_eo"; echo "doctor: $doc_eo"
	[ -n "$top_eo" ] && [ "$top_eo" = "$doc_eo" ]
	jq -e '.prefer == "^og_nothing$" and .dryrun == true and .running == true' <<<"$doc_eo" >/dev/null
	for k in nohang:nohang systemd-oomd:systemd_oomd; do
		t=$(jq -cS --arg k "${k%%:*}" '.killers[] | select(.killer == $k) | del(.killer, .victim)' "$BATS_TEST_TMPDIR/top.json")
		d=$(jq -cS --arg k "${k#*:}" '.[$k]' "$BATS_TEST_TMPDIR/doctor.json")
		echo "$k top: $t doctor: $d"
		[ -n "$t" ] && [ "$t" = "$d" ]
	done
	jq -e '.nohang.running == true and (.nohang | has("config_read"))' "$BATS_TEST_TMPDIR/doctor.json" >/dev/null
}
