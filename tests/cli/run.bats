#!/usr/bin/env bats
# `oomguard run` and `oomguard protect` on the real kernel: exit status,
# signal forwarding, --log, --detach, inheritance by later children, the
# read-back line, --best-effort, protect's show/set/--tree.  Values are
# positive here: this host cannot lower below 0 (no CAP_SYS_RESOURCE).
bats_require_minimum_version 1.5.0

setup() {
	T="$BATS_TEST_TMPDIR"
	BG=
}

# A background job and everything below it (og_hog's workers, a shell's
# children), collected before any kill: orphans would be reparented away.
tree() { local c; echo "$1"; for c in $(pgrep -P "$1"); do tree "$c"; done; }

teardown() {
	local p all=
	for p in $BG; do all="$all $(tree "$p")"; done
	for p in $all; do kill -KILL "$p" 2>/dev/null; done
	for p in $BG; do wait "$p" 2>/dev/null; done
	return 0
}

# Bit 24 of CapEff (mawk has no and(): bash arithmetic).
has_sys_resource() { (( (0x$(awk '/^CapEff:/ { print $2 }' /proc/self/status) >> 24) & 1 )); }

wait_for() { # FILE: up to 5 s
	local i
	for i in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.05; done
	echo "timed out waiting for $1"
	return 1
}

# stat field N of a PID (comm-safe: counted after the last ')').
stat_field() { sed 's/.*) //' "/proc/$1/stat" | awk -v n=$(($2 - 2)) '{ print $n }'; }

# ---- exit status ------------------------------------------------------------------

@test "exit status of the job is passed on: 0, 7, 255" {
	run "$OG_BIN" run -q --adj 0 -- sh -c 'exit 0'
	[ "$status" -eq 0 ]
	run "$OG_BIN" run -q --adj 0 -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run "$OG_BIN" run -q --adj 0 -- sh -c 'exit 255'
	[ "$status" -eq 255 ]
}

@test "a job killed by signal N gives 128+N, as a shell does" {
	local sig
	for sig in TERM KILL USR1 SEGV; do
		run "$OG_BIN" run -q --adj 0 -- sh -c "kill -$sig \$\$"
		echo "$sig -> $status"
		[ "$status" -eq $((128 + $(kill -l "$sig"))) ]
	done
}

# ---- signal forwarding -------------------------------------------------------------

forward_one() { # SIGNAME
	local sig=$1 rec="$T/got-$1" ready="$T/ready-$1" og rc=0
	# The job traps the signal, records it and exits 42 (99 after 10 s
	# without it, so a lost signal fails the test instead of hanging it).
	# A script's '&' starts commands with SIGINT and SIGQUIT ignored, and
	# oomguard, like any launcher, hands the job the caller's dispositions:
	# start it as an interactive shell would a foreground command.
	env --default-signal=INT,QUIT "$OG_BIN" run -q --adj 0 -- sh -c \
		'trap "echo $1 > \"$2\"; exit 42" "$1"; touch "$3"; i=0; while [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; exit 99' \
		sh "$sig" "$rec" "$ready" 3>&- &
	og=$!
	BG="$BG $og"
	wait_for "$ready"
	kill -s "$sig" "$og"                  # to oomguard, not to the job
	wait "$og" || rc=$?
	echo "$sig: rc=$rc"
	[ "$rc" -eq 42 ]
	[ "$(cat "$rec")" = "$sig" ]
}

@test "SIGINT sent to oomguard reaches the job" { forward_one INT; }
@test "SIGTERM sent to oomguard reaches the job" { forward_one TERM; }
@test "SIGHUP sent to oomguard reaches the job" { forward_one HUP; }
@test "SIGQUIT sent to oomguard reaches the job" { forward_one QUIT; }
@test "SIGUSR1 sent to oomguard reaches the job" { forward_one USR1; }
@test "SIGUSR2 sent to oomguard reaches the job" { forward_one USR2; }

@test "a forwarded signal the job does not catch ends it with 128+N" {
	local og rc=0
	"$OG_BIN" run -q --adj 0 -- sh -c 'touch "$0"; while :; do sleep 0.05; done' "$T/ready" 3>&- &
	og=$!
	BG="$og"
	wait_for "$T/ready"
	kill -TERM "$og"
	wait "$og" || rc=$?
	[ "$rc" -eq 143 ]
}

# ---- protection from the first instruction, inherited by later children ------------

@test "the job itself carries the value from its first instruction" {
	run --separate-stderr "$OG_BIN" run --adj 300 -- cat /proc/self/oom_score_adj
	[ "$status" -eq 0 ]
	[ "$output" = 300 ]
}

@test "children forked later, and their children, inherit the value" {
	run --separate-stderr "$OG_BIN" run --adj 321 -- sh -c \
		'sleep 0.2; sh -c "cat /proc/self/oom_score_adj; sh -c \"cat /proc/self/oom_score_adj\"" & wait'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 321 ]
	[ "${lines[1]}" = 321 ]
}

@test "oomguard itself keeps the caller's value; only the job changes" {
	local mine; mine=$(cat /proc/self/oom_score_adj)
	"$OG_BIN" run -q --adj 777 -- sh -c 'touch "$0"; sleep 5' "$T/ready" 3>&- &
	local og=$!
	BG="$og"
	wait_for "$T/ready"
	[ "$(cat /proc/$og/oom_score_adj)" = "$mine" ]
	local job; job=$(pgrep -P "$og")
	[ "$(cat /proc/$job/oom_score_adj)" = 777 ]
}

# ---- the read-back --------------------------------------------------------------------

@test "read-back: route, uid and the value read from /proc for the job's PID" {
	run --separate-stderr "$OG_BIN" run --adj 300 -- sh -c 'echo $$'
	[ "$status" -eq 0 ]
	local pid=$output
	echo "$stderr"
	# Lines 3.. belong to the other killers (oomd, ...), tested elsewhere.
	[ "${#stderr_lines[@]}" -ge 2 ]
	[ "${stderr_lines[0]}" = "oomguard: started pid $pid as uid $(id -u) (route: $([ "$(id -u)" -eq 0 ] && echo root || echo unprivileged))" ]
	[ "${stderr_lines[1]}" = "oomguard: kernel OOM killer: candidate (oom_score_adj 300 as requested, pid $pid sh); only -1000 excludes a process" ]
}

@test "--quiet prints no read-back" {
	run --separate-stderr "$OG_BIN" run --quiet --adj 300 -- true
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "--best-effort with -1000 where it cannot be applied: runs, read-back says EXPOSED" {
	has_sys_resource && skip "this process holds CAP_SYS_RESOURCE: -1000 would be applied"
	run --separate-stderr "$OG_BIN" run --no-sudo --best-effort --adj -1000 -- sh -c 'touch "$0"; echo $$' "$T/ran"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ -e "$T/ran" ]
	[[ "${stderr_lines[1]}" == "oomguard: kernel OOM killer: EXPOSED (oom_score_adj 0, wanted -1000, pid $output sh): lowering needs CAP_SYS_RESOURCE"* ]]
}

@test "without --best-effort, -1000 that cannot be applied fails and the job never runs" {
	has_sys_resource && skip "this process holds CAP_SYS_RESOURCE: -1000 would be applied"
	run --separate-stderr "$OG_BIN" run --no-sudo --adj -1000 -- sh -c 'touch "$0"' "$T/ran"
	[ "$status" -eq 1 ]
	[ ! -e "$T/ran" ]
	[[ "$stderr" == *"needs CAP_SYS_RESOURCE"*"nothing was run" ]]
}

@test "the default value is -1000 (protected where CAP_SYS_RESOURCE allows)" {
	has_sys_resource || skip "no CAP_SYS_RESOURCE here: -1000 cannot be written (the VM lane covers it)"
	run --separate-stderr "$OG_BIN" run -- cat /proc/self/oom_score_adj
	[ "$status" -eq 0 ]
	[ "$output" = -1000 ]
	[[ "$stderr" == *"kernel OOM killer: protected (oom_score_adj -1000, pid "* ]]
}

# ---- the job's command line, stdin and environment ----------------------------------

@test "the job's own options and arguments arrive untouched" {
	run -127 --separate-stderr "$OG_BIN" run -q --adj 0 og-not-a-program --adj 5 --log -- x
	[[ "$stderr" == *"cannot execute 'og-not-a-program'"* ]]   # parsing stopped at the command
	run --separate-stderr "$OG_BIN" run -q --adj 0 -- sh -c 'printf "[%s]" "$@"' sh --adj 5 --log '' 'a b'
	[ "$output" = "[--adj][5][--log][][a b]" ]
}

@test "stdin and the environment pass through in the foreground" {
	run --separate-stderr bash -c 'echo hello | OG_X=42 "$0" run -q --adj 0 -- sh -c "cat; echo \$OG_X"' "$OG_BIN"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello ]
	[ "${lines[1]}" = 42 ]
}

# ---- --log ---------------------------------------------------------------------------------

@test "--log appends the job's stdout and stderr" {
	echo "old line" > "$T/job.log"
	run "$OG_BIN" run -q --adj 0 --log "$T/job.log" -- sh -c 'echo out; echo err >&2'
	[ "$status" -eq 0 ]
	[ -z "$output" ]                     # nothing on the terminal
	run "$OG_BIN" run -q --adj 0 --log "$T/job.log" -- sh -c 'echo again'
	[ "$(cat "$T/job.log")" = "$(printf 'old line\nout\nerr\nagain')" ]
}

@test "--log creates the file and is opened O_APPEND (tail -f and logrotate copytruncate work)" {
	"$OG_BIN" run -q --adj 0 --log "$T/new.log" -- sh -c 'touch "$0"; sleep 5' "$T/ready" 3>&- &
	BG=$!
	wait_for "$T/ready"
	local job; job=$(pgrep -P "$BG")
	[ "$(readlink /proc/$job/fd/1)" = "$T/new.log" ]
	[ "$(readlink /proc/$job/fd/2)" = "$T/new.log" ]
	(( 0$(awk '/^flags:/ { print $2 }' /proc/$job/fdinfo/1) & 02000 ))   # octal; O_APPEND
	[ "$(stat -c %a "$T/new.log")" = 644 ]
}

# ---- --detach ---------------------------------------------------------------------------

@test "--detach returns at once, prints the PID and the absolute log path" {
	cd "$T"
	run --separate-stderr "$OG_BIN" run --detach --adj 0 --log rel.log -- sh -c 'echo started; exec sleep 30'
	[ "$status" -eq 0 ]
	local pid path
	read -r pid path <<<"$output"
	BG=$pid
	[ "$path" = "$T/rel.log" ]
	is_running=$(stat_field "$pid" 3)
	[ "$is_running" != Z ]             # oomguard returned while the job runs
	[ "$(cat /proc/$pid/oom_score_adj)" = 0 ]
	wait_for "$T/rel.log"
	sleep 0.2
	[ "$(cat "$T/rel.log")" = started ]
}

@test "--detach without --log writes ./oomguard.log" {
	cd "$T"
	run --separate-stderr "$OG_BIN" run -q --detach --adj 0 -- sh -c 'echo hi; exec sleep 30'
	[ "$status" -eq 0 ]
	local pid path
	read -r pid path <<<"$output"
	BG=$pid
	[ "$path" = "$T/oomguard.log" ]
	sleep 0.2
	[ "$(cat "$T/oomguard.log")" = hi ]
}

@test "--detach: the job leads its own session, has no terminal and stdin is /dev/null" {
	run --separate-stderr "$OG_BIN" run -q --detach --adj 0 --log "$T/d.log" -- sleep 30
	local pid; pid=${output%% *}
	BG=$pid
	[ "$(stat_field "$pid" 6)" = "$pid" ]   # session id
	[ "$(stat_field "$pid" 5)" = "$pid" ]   # process group
	[ "$(stat_field "$pid" 7)" = 0 ]        # tty_nr
	[ "$(readlink /proc/$pid/fd/0)" = /dev/null ]
	[ "$(readlink /proc/$pid/fd/1)" = "$T/d.log" ]
}

@test "--detach: the job survives SIGHUP to the shell that started it, and its whole group" {
	# A shell in its own session starts the job, then SIGHUPs its own process
	# group, as a closing terminal would.
	run setsid bash -c '"$0" run -q --detach --adj 0 --log "$1/h.log" -- sleep 30 > "$1/pid"; kill -HUP 0; sleep 5' \
		"$OG_BIN" "$T"
	[ "$status" -eq 129 ]                   # the shell died of SIGHUP
	local pid; pid=$(cut -d' ' -f1 "$T/pid")
	BG=$pid
	[ -n "$pid" ]
	sleep 0.2
	[ "$(stat_field "$pid" 3)" = S ]        # still asleep, not killed
	[ "$(cat /proc/$pid/comm)" = sleep ]
}

# ---- protect ----------------------------------------------------------------------------------

@test "protect PID shows oom_score and oom_score_adj, agreeing with choom -p" {
	command -v choom >/dev/null || skip "choom (util-linux) not installed"
	sleep 30 3>&- &
	BG=$!
	echo 250 > /proc/$BG/oom_score_adj
	run --separate-stderr "$OG_BIN" protect "$BG"
	[ "$status" -eq 0 ]
	local c score adj
	c=$(choom -p "$BG")
	score=$(sed -n 's/.*OOM score: *//p' <<<"$c")
	adj=$(sed -n 's/.*OOM score adjust value: *//p' <<<"$c")
	echo "$output / $c"
	[ "$output" = "pid $BG (sleep): oom_score $score, oom_score_adj $adj" ]
	[ "$adj" = 250 ]
}

@test "protect --json is valid JSON with the same figures" {
	command -v jq >/dev/null || skip "jq not installed"
	sleep 30 3>&- &
	BG=$!
	run --separate-stderr "$OG_BIN" protect --json "$BG" $$
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].pid' <<<"$output")" = "$BG" ]
	[ "$(jq -r '.[0].comm' <<<"$output")" = sleep ]
	[ "$(jq -r '.[0].oom_score_adj' <<<"$output")" = "$(cat /proc/$BG/oom_score_adj)" ]
	[ "$(jq -r 'length' <<<"$output")" = 2 ]
}

@test "protect --adj sets and reads back; lowering back to 0 works too" {
	sleep 30 3>&- &
	BG=$!
	run --separate-stderr "$OG_BIN" protect --adj 400 "$BG"
	[ "$status" -eq 0 ]
	[ "$output" = "kernel OOM killer: candidate (oom_score_adj 400 as requested, pid $BG sleep); only -1000 excludes a process" ]
	[ "$(cat /proc/$BG/oom_score_adj)" = 400 ]
	run --separate-stderr "$OG_BIN" protect -q --adj 0 "$BG"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(cat /proc/$BG/oom_score_adj)" = 0 ]
}

@test "protect --adj -1000 where it cannot be applied: exit 1, value unchanged" {
	has_sys_resource && skip "this process holds CAP_SYS_RESOURCE"
	sleep 30 3>&- &
	BG=$!
	echo 100 > /proc/$BG/oom_score_adj
	run --separate-stderr "$OG_BIN" protect --adj -1000 "$BG"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "oomguard: protect: cannot lower oom_score_adj of $BG (sleep) to -1000: needs CAP_SYS_RESOURCE"* ]]
	[ "$(cat /proc/$BG/oom_score_adj)" = 100 ]
}

@test "protect --tree covers every worker alive now, and nothing outside the tree" {
	local hog="$OG_BUILD/helpers/og_hog"
	[ -x "$hog" ] || skip "helper og_hog not built"
	"$hog" --workers 3 --ready "$T/ready" 3>&- &
	BG=$!
	sleep 30 3>&- &
	local outsider=$!
	BG="$BG $outsider"
	wait_for "$T/ready"
	local pids; pids=$(cat "$T/ready")
	# A grandchild as well: a worker's own child.
	run --separate-stderr "$OG_BIN" protect --tree --adj 600 "${pids%% *}"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	local p
	for p in $pids; do [ "$(cat /proc/$p/oom_score_adj)" = 600 ]; done
	[ "$(cat /proc/$outsider/oom_score_adj)" = 0 ]
	[ "$(cat /proc/$$/oom_score_adj)" = 0 ]
}

@test "protect --tree reaches grandchildren" {
	sh -c 'sh -c "sleep 30; exit 0" & touch "$0"; sleep 30; exit 0' "$T/ready" 3>&- &
	BG=$!
	wait_for "$T/ready"
	local c child= grand=
	sleep 0.1
	for c in $(pgrep -P "$BG"); do grand=$(pgrep -P "$c") && child=$c && break; done
	[ -n "$grand" ]
	run --separate-stderr "$OG_BIN" protect --tree -q --adj 650 "$BG"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(cat /proc/$BG/oom_score_adj)" = 650 ]
	[ "$(cat /proc/$child/oom_score_adj)" = 650 ]
	[ "$(cat /proc/$grand/oom_score_adj)" = 650 ]
	kill "$grand" "$child" 2>/dev/null || true
}

@test "run --help and protect --help print usage and exit 0" {
	run "$OG_BIN" run --help
	[ "$status" -eq 0 ]
	[[ "$output" == "Usage: oomguard run"* ]]
	run "$OG_BIN" protect --help
	[ "$status" -eq 0 ]
	[[ "$output" == "Usage: oomguard protect"* ]]
}

# ---- signals from the terminal -----------------------------------------------------------

@test "^C at the terminal reaches the job once: oomguard does not relay what the job already got" {
	command -v python3 >/dev/null || skip "python3 not installed (for the pty)"
	command -v strace >/dev/null || skip "strace not installed (to see what oomguard sends)"
	# In a new pty oomguard (under strace) and the job form the foreground
	# group; ^C makes the kernel signal them all.  Then SIGTERM goes to
	# oomguard alone and must be relayed (proves kill() is visible).
	# LeakSanitizer cannot run under ptrace (strace) and would turn the
	# sanitized build's exit status into 1.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 run python3 - "$T" "$OG_BIN" <<'PY'
import os, pty, signal, sys, time
t, og = sys.argv[1], sys.argv[2]
job = 'trap "echo INT >> \\"$0/got\\"" INT; trap "exit 7" TERM; echo $PPID > "$0/ready"; while :; do sleep 0.05; done'
pid, fd = pty.fork()
if pid == 0:
    # bats starts tests with SIGINT ignored (a background job): undo that,
    # as an interactive shell would for a foreground command.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)
    os.execvp("strace", ["strace", "-f", "-qq", "-e", "trace=kill", "-o", t + "/trace",
                         og, "run", "-q", "--adj", "0", "--", "sh", "-c", job, t])
for _ in range(250):
    if os.path.exists(t + "/ready") and open(t + "/ready").read().strip(): break
    time.sleep(0.02)
os.write(fd, b"\x03")
time.sleep(0.5)
os.kill(int(open(t + "/ready").read()), signal.SIGTERM)
try:
    while os.read(fd, 4096): pass
except OSError:
    pass
print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
PY
	echo "status=$status output=$output"; cat "$T/trace"
	[ "$output" = 7 ]
	[ "$(cat "$T/got")" = INT ]                      # the job had its ^C
	grep -q 'kill([0-9]*, SIGTERM' "$T/trace"        # a signal sent to oomguard is relayed
	grep -q 'SIGINT {si_signo=SIGINT, si_code=SI_KERNEL' "$T/trace"
	! grep -q 'kill([0-9]*, SIGINT' "$T/trace" || false       # the terminal's ^C is not sent again
	! grep -q 'SIGINT {si_signo=SIGINT, si_code=SI_USER' "$T/trace" || false
}

@test "run: signals the caller ignores stay ignored in the job (script '&', nohup)" {
	run bash -c "trap '' INT QUIT HUP; exec '$OG_BIN' run -q --adj 0 -- grep SigIgn /proc/self/status"
	[ "$status" -eq 0 ]
	mask=$(awk '{print $2}' <<<"$output")
	# SIGHUP=1, SIGINT=2, SIGQUIT=3: bits 0, 1, 2.
	[ $(( 0x$mask & 0x7 )) -eq 7 ]
	# Not ignored by the caller: set so explicitly, since the suite itself
	# may run from a background job or nohup (which ignore INT/QUIT or HUP).
	run env --default-signal=HUP,INT,QUIT "$OG_BIN" run -q --adj 0 -- grep SigIgn /proc/self/status
	mask=$(awk '{print $2}' <<<"$output")
	[ $(( 0x$mask & 0x7 )) -eq 0 ]
}
