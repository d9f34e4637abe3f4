#!/usr/bin/env bats
# Bad input (issue 2 point 5): each case checks the exit code (2 usage, 1
# operation failed, 127/126 exec), that stderr is exactly one line starting
# with "oomguard: " and naming the problem, and that nothing changed: a victim
# process keeps its oom_score_adj, a log file is not created, and the job never
# ran (it would have created a marker file).
bats_require_minimum_version 1.5.0

setup() {
	T="$BATS_TEST_TMPDIR"
	MARK="$T/job-ran"
	JOB=(sh -c 'touch "$0"' "$MARK")
	VICTIM=
}

teardown() {
	[ -n "$VICTIM" ] && kill -KILL "$VICTIM" 2>/dev/null && wait "$VICTIM" 2>/dev/null
	[ -n "${U:-}" ] && rm -rf "$U"
	return 0
}

# expect CODE GLOB CMD...: run CMD, check status, one stderr line, its text.
expect() {
	local code=$1 pat=$2
	shift 2
	if [ "$code" -eq 127 ]; then run -127 --separate-stderr "$@"; else run --separate-stderr "$@"; fi
	echo "status=$status stderr=[$stderr] stdout=[$output]"
	[ "$status" -eq "$code" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "${stderr_lines[0]}" ]          # no stray blank line either
	[[ "${stderr_lines[0]}" == "oomguard: "* ]]
	[[ "${stderr_lines[0]}" == $pat ]]
	[[ "$stderr" != *$'\e'* ]]
}

not_ran() { [ ! -e "$MARK" ]; }

# A sleeping process of ours with a known, raised oom_score_adj.
victim() {
	sleep 300 3>&- &
	VICTIM=$!
	# until the fork has exec'd sleep: messages name its comm (bounded, 5 s)
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(cat "/proc/$VICTIM/comm" 2>/dev/null)" = sleep ] && break
		sleep 0.05
	done
	echo 123 > "/proc/$VICTIM/oom_score_adj"
}
victim_unchanged() { [ "$(cat /proc/$VICTIM/oom_score_adj)" -eq 123 ]; }

# Some kernel thread (PF_KTHREAD, 0x00200000 in field 9 of stat).
kthread() {
	local s
	for s in /proc/[0-9]*/stat; do
		awk '{ sub(/.*\) /, ""); f = $7; if (int(f / 2097152) % 2) { exit 0 } exit 1 }' "$s" 2>/dev/null &&
			{ basename "$(dirname "$s")"; return 0; }
	done
	return 1
}

# An unprivileged user (nobody) that can still reach the binary.
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
nobody_dir() {
	U=$(mktemp -d /tmp/og-cli-XXXXXX)
	chmod 755 "$U"
	mkdir "$U/open" && chmod 1777 "$U/open"
}

# ---- run: --adj values -------------------------------------------------------

@test "run --adj 1001: out of range" {
	expect 2 "*invalid --adj '1001'*-1000 to 1000*" "$OG_BIN" run --adj 1001 -- "${JOB[@]}"
	not_ran
}
@test "run --adj -1001: out of range" {
	expect 2 "*invalid --adj '-1001'*" "$OG_BIN" run --adj -1001 -- "${JOB[@]}"
	not_ran
}
@test "run --adj abc: not a number" {
	expect 2 "*invalid --adj 'abc'*" "$OG_BIN" run --adj abc -- "${JOB[@]}"
	not_ran
}
@test "run --adj 99999999999999999999: overflow" {
	expect 2 "*invalid --adj '99999999999999999999'*" "$OG_BIN" run --adj 99999999999999999999 -- "${JOB[@]}"
	not_ran
}
@test "run --adj -9223372036854775809: overflow below" {
	expect 2 "*invalid --adj*" "$OG_BIN" run --adj -9223372036854775809 -- "${JOB[@]}"
	not_ran
}
@test "run --adj '': empty" {
	expect 2 "*invalid --adj ''*" "$OG_BIN" run --adj '' -- "${JOB[@]}"
	not_ran
}
@test "run --adj 5x: trailing garbage" {
	expect 2 "*invalid --adj '5x'*" "$OG_BIN" run --adj 5x -- "${JOB[@]}"
	not_ran
}
@test "run --adj +5: explicit plus sign refused" {
	expect 2 "*invalid --adj '+5'*" "$OG_BIN" run --adj +5 -- "${JOB[@]}"
	not_ran
}
@test "run --adj ' 5': leading blank refused" {
	expect 2 "*invalid --adj ' 5'*" "$OG_BIN" run --adj ' 5' -- "${JOB[@]}"
	not_ran
}
@test "run --adj with a newline and an escape: still one line, escaped" {
	expect 2 "*invalid --adj '5\\\\n\\\\x1b[2J'*" "$OG_BIN" run --adj $'5\n\e[2J' -- "${JOB[@]}"
	not_ran
}

# ---- run: options and command ------------------------------------------------

@test "run with nothing after --: missing command" {
	expect 2 "*missing command*" "$OG_BIN" run --adj 0 --
}
@test "run with no command at all" {
	expect 2 "*missing command*" "$OG_BIN" run
}
@test "run --frobnicate: unknown long option" {
	expect 2 "*unknown option '--frobnicate'*" "$OG_BIN" run --frobnicate -- "${JOB[@]}"
	not_ran
}
@test "run -dz: unknown short option inside a cluster is named" {
	expect 2 "*unknown option '-z'*" "$OG_BIN" run -dz -- "${JOB[@]}"
	not_ran
	[ ! -e oomguard.log ]
}
@test "run --adj without a value" {
	expect 2 "*option '--adj' needs a value*" "$OG_BIN" run --adj
}
@test "run --log without a value" {
	expect 2 "*option '--log' needs a value*" "$OG_BIN" run --log
}
@test "run --log '': empty file name" {
	expect 2 "*--log needs a file name*" "$OG_BIN" run --log '' -- "${JOB[@]}"
	not_ran
}

# ---- run: log file that cannot be opened, before the job starts --------------

@test "run --log DIRECTORY: refused before the job starts" {
	mkdir "$T/logdir"
	expect 1 "*cannot open log file '$T/logdir'*nothing was run" "$OG_BIN" run --adj 0 --log "$T/logdir" -- "${JOB[@]}"
	not_ran
	[ -z "$(ls -A "$T/logdir")" ]
}
@test "run --log in a nonexistent directory: refused, nothing created" {
	expect 1 "*cannot open log file '$T/nope/job.log'*No such file*" "$OG_BIN" run --adj 0 --log "$T/nope/job.log" -- "${JOB[@]}"
	not_ran
	[ ! -e "$T/nope" ]
}
@test "run --detach --log in a nonexistent directory: refused, nothing detached" {
	expect 1 "*cannot open log file*" "$OG_BIN" run --adj 0 --detach --log "$T/nope/job.log" -- "${JOB[@]}"
	sleep 0.2
	not_ran
	[ -z "$output" ]                               # no "PID path" line
}
@test "run --log unwritable for an unprivileged user: refused, file untouched" {
	nobody_dir
	echo "root's" > "$U/root.log"
	chmod 644 "$U/root.log"
	MARK="$U/open/job-ran"
	expect 1 "*cannot open log file '$U/root.log'*Permission denied*" \
		as_nobody "$OG_BIN" run --adj 0 --log "$U/root.log" -- sh -c 'touch "$0"' "$MARK"
	not_ran
	[ "$(cat "$U/root.log")" = "root's" ]
	expect 1 "*cannot open log file '$U/new.log'*Permission denied*" \
		as_nobody "$OG_BIN" run --adj 0 --log "$U/new.log" -- sh -c 'touch "$0"' "$MARK"
	not_ran
	[ ! -e "$U/new.log" ]
}

# ---- run: value that cannot be applied, exec failures ------------------------

@test "run --adj -1000 without CAP_SYS_RESOURCE: exit 1, job never ran" {
	(( (0x$(awk '/^CapEff:/ { print $2 }' /proc/self/status) >> 24) & 1 )) &&
		skip "this process holds CAP_SYS_RESOURCE: lowering would work"
	expect 1 "*cannot lower oom_score_adj of the job to -1000*CAP_SYS_RESOURCE*nothing was run" \
		"$OG_BIN" run --no-sudo -- "${JOB[@]}"
	not_ran
}
@test "run -- nonexistent command: exit 127" {
	expect 127 "*cannot execute 'og-no-such-command-$$'*No such file*" "$OG_BIN" run --adj 0 -- "og-no-such-command-$$"
}
@test "run -- a file that is not executable: exit 126" {
	echo 'touch "$0"' > "$T/noexec.sh"
	chmod 644 "$T/noexec.sh"
	expect 126 "*cannot execute '$T/noexec.sh'*Permission denied*" "$OG_BIN" run --adj 0 -- "$T/noexec.sh" "$MARK"
	not_ran
}
@test "run under sudo with a SUDO_UID that is not a number: exit 1, nothing run" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to act as sudo"
	SUDO_UID=abc SUDO_GID=0 SUDO_USER=x expect 1 "*cannot tell who is asking*" "$OG_BIN" run --adj 0 -- "${JOB[@]}"
	not_ran
}
@test "protect and watch under sudo with a SUDO_UID that is not a number: run's line, exit 1" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to act as sudo"
	victim
	local cmd args
	for cmd in protect watch; do
		args=("$VICTIM")
		[ "$cmd" = protect ] && args=(--adj 300 "$VICTIM")
		SUDO_UID=abc SUDO_GID=0 SUDO_USER=x expect 1 \
			"oomguard: $cmd: cannot tell who is asking (SUDO_UID/SUDO_GID invalid or unknown user): *" \
			"$OG_BIN" $cmd "${args[@]}"
	done
	victim_unchanged
}
@test "run under sudo with a SUDO_UID of no user: exit 1, nothing run" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to act as sudo"
	SUDO_UID=2147480000 SUDO_USER=ghost expect 1 "*cannot tell who is asking*" "$OG_BIN" run --adj 0 -- "${JOB[@]}"
	not_ran
}

# ---- protect: PIDs ------------------------------------------------------------

@test "protect 0: PID zero" {
	victim
	expect 2 "*invalid PID '0'*" "$OG_BIN" protect --adj 300 0
	victim_unchanged
}
@test "protect -- -5: negative PID" {
	victim
	expect 2 "*invalid PID '-5'*" "$OG_BIN" protect --adj 300 -- -5
	victim_unchanged
}
@test "protect -5: negative PID read as an option is still refused" {
	victim
	expect 2 "*'-5'*" "$OG_BIN" protect --adj 300 -5
	victim_unchanged
}
@test "protect abc: non-numeric PID" {
	expect 2 "*invalid PID 'abc'*" "$OG_BIN" protect abc
}
@test "protect 4194305: beyond PID_MAX_LIMIT" {
	expect 2 "*invalid PID '4194305'*" "$OG_BIN" protect 4194305
}
@test "protect with no PID" {
	expect 2 "*missing PID*" "$OG_BIN" protect --adj 300
}
@test "protect --adj 300 of a PID that does not exist: exit 1" {
	sh -c 'exit 0' &
	local gone=$!
	wait "$gone"
	kill -0 "$gone" 2>/dev/null && skip "PID $gone was reused already"
	expect 1 "*no process $gone*" "$OG_BIN" protect --adj 300 "$gone"
}
@test "protect --adj 300 of a kernel thread: refused, unchanged" {
	local k
	k=$(kthread) || skip "no kernel thread visible (PID namespace)"
	local before; before=$(cat /proc/$k/oom_score_adj)
	expect 1 "*$k (*) is a kernel thread*" "$OG_BIN" protect --adj 300 "$k"
	[ "$(cat /proc/$k/oom_score_adj)" = "$before" ]
}
@test "protect of PID 2 (kthreadd) when it is a kernel thread" {
	grep -q '^Name:[[:space:]]*kthreadd' /proc/2/status 2>/dev/null || skip "PID 2 is not kthreadd here"
	expect 1 "*2 (kthreadd) is a kernel thread*" "$OG_BIN" protect --adj 300 2
}
@test "protect --adj 300 GOOD MISSING: nothing changed on the good one" {
	victim
	sh -c 'exit 0' &
	local gone=$!
	wait "$gone"
	expect 1 "*no process $gone*" "$OG_BIN" protect --adj 300 "$VICTIM" "$gone"
	victim_unchanged
}
@test "protect --adj 300 GOOD KTHREAD: nothing changed on the good one" {
	local k
	k=$(kthread) || skip "no kernel thread visible (PID namespace)"
	victim
	expect 1 "*is a kernel thread*" "$OG_BIN" protect --adj 300 "$VICTIM" "$k"
	victim_unchanged
}
@test "protect --adj 300 GOOD 12x: nothing changed on the good one" {
	victim
	expect 2 "*invalid PID '12x'*" "$OG_BIN" protect --adj 300 "$VICTIM" 12x
	victim_unchanged
}

# ---- protect: options -----------------------------------------------------------

@test "protect --adj 1001 PID: out of range, unchanged" {
	victim
	expect 2 "*invalid --adj '1001'*" "$OG_BIN" protect --adj 1001 "$VICTIM"
	victim_unchanged
}
@test "protect --adj x PID: not a number, unchanged" {
	victim
	expect 2 "*invalid --adj 'x'*" "$OG_BIN" protect --adj x "$VICTIM"
	victim_unchanged
}
@test "protect --adj '' PID: empty, unchanged" {
	victim
	expect 2 "*invalid --adj ''*" "$OG_BIN" protect --adj '' "$VICTIM"
	victim_unchanged
}
@test "protect --adj PID: the PID is taken as the value and refused" {
	victim
	[ "$VICTIM" -gt 1000 ] || skip "PID $VICTIM would be a valid value"
	expect 2 "*invalid --adj '$VICTIM'*" "$OG_BIN" protect --adj "$VICTIM"
	victim_unchanged
}
@test "protect PID --adj: missing value" {
	victim
	expect 2 "*option '--adj' needs a value*" "$OG_BIN" protect "$VICTIM" --adj
	victim_unchanged
}
@test "protect --bogus PID: unknown option, unchanged" {
	victim
	expect 2 "*unknown option '--bogus'*" "$OG_BIN" protect --adj 300 --bogus "$VICTIM"
	victim_unchanged
}
@test "protect --adj 300 of another user's process as an unprivileged user: refused" {
	nobody_dir
	victim
	expect 1 "*$VICTIM (sleep) belongs to uid 0*only change your own*" as_nobody "$OG_BIN" protect --adj 300 "$VICTIM"
	victim_unchanged
}

# ---- hostile process names --------------------------------------------------------

hostile() {
	# comm may hold ')', spaces, a newline and terminal escapes (15 bytes max).
	sh -c 'printf "x) \033[2J\nev(" > /proc/$$/comm; while :; do sleep 1; done' 3>&- &
	VICTIM=$!
	local i
	for i in $(seq 50); do grep -q 'ev(' /proc/$VICTIM/comm 2>/dev/null && return 0; sleep 0.05; done
	false
}

@test "protect PID of a process with a hostile name prints it escaped on one line" {
	hostile
	run --separate-stderr "$OG_BIN" protect "$VICTIM"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" != *$'\e'* ]]
	[ "$output" = "pid $VICTIM (x) \\x1b[2J\\nev(): oom_score $(cat /proc/$VICTIM/oom_score), oom_score_adj 0" ]
}
@test "an error about a hostile-named process is one escaped line" {
	hostile
	nobody_dir
	expect 1 "*$VICTIM (x) \\\\x1b[2J\\\\nev() belongs to uid 0*" as_nobody "$OG_BIN" protect --adj 300 "$VICTIM"
	[ "$(cat /proc/$VICTIM/oom_score_adj)" -eq 0 ]
}

# ---- top level ----------------------------------------------------------------------

@test "unknown command" {
	expect 2 "*unknown command 'frobnicate'*" "$OG_BIN" frobnicate --adj 0 -- "${JOB[@]}"
	not_ran
}
