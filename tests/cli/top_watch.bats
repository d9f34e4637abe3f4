#!/usr/bin/env bats
# top --watch in a real terminal: tmux runs it in a pane of a known size;
# send-keys types, capture-pane reads the screen.  Each test has its own
# tmux server (-L), killed in teardown.

setup() {
	command -v tmux >/dev/null || skip "tmux not installed"
	S=og-test-$$-topw-$BATS_TEST_NUMBER
	# The server's socket lives here, removed with it.
	export TMUX_TMPDIR; TMUX_TMPDIR=$(mktemp -d)
}

teardown() {
	tmux -L "$S" kill-server 2>/dev/null || true
	rm -rf "${TMUX_TMPDIR:?}"
}

tm() { tmux -L "$S" -f /dev/null "$@"; }

# start COLS ROWS ARGS...: top --watch in a detached pane; the shell after
# it prints its exit status and stays, so the pane can be read.
start() {
	local cols=$1 rows=$2
	shift 2
	tm new-session -d -s w -x "$cols" -y "$rows" "$OG_BIN top $* ; echo EXITED=\$?; sleep 60"
	wait_for 'oomguard top  '
}

screen() { tm capture-pane -p -J -t w; }

wait_for() { # $1 = text to appear on the screen, within 10 s
	for _ in $(seq 100); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
	echo "never saw '$1'; screen:"; screen
	return 1
}

# Every line of the screen fits in $1 columns (capture-pane -J joins wrapped lines).
fits() { screen | awk -v w="$1" 'length($0) > w { print "too wide (" length($0) "): " $0; bad = 1 } END { exit bad }'; }

@test "top --watch: q quits (exit 0), the terminal is restored" {
	start 80 24 --watch 1
	tm send-keys -t w q
	wait_for 'EXITED=0'
	# Back from the alternate screen: top's frame is gone.
	! screen | grep -q '^RAM ' || false
}

@test "top --watch: 80 columns: nothing wraps, the header stays at the top, a clock that moves" {
	start 80 24 --watch 1
	fits 80
	[[ "$(screen | sed -n 1p)" =~ ^oomguard\ top\ \ [0-9]{2}:[0-9]{2}:[0-9]{2}\ \ every\ 1s\ \ q\ quits ]]
	[[ "$(screen | sed -n 2p)" == RAM* ]]
	[ "$(screen | sed '/^$/d' | wc -l)" -le 23 ]
	t1=$(screen | sed -n 1p)
	for _ in $(seq 40); do [ "$(screen | sed -n 1p)" != "$t1" ] && break; sleep 0.1; done
	[ "$(screen | sed -n 1p)" != "$t1" ]
	# Still in place after refreshes: nothing scrolled.
	[[ "$(screen | sed -n 2p)" == RAM* ]]
	fits 80
}

@test "top --watch: a resize (SIGWINCH) redraws at the new width at once" {
	start 100 30 --watch 60
	before=$(screen | sed -n 1p)
	sleep 1.1 # the next frame's clock differs from this one's
	tm resize-window -t w -x 50 -y 15
	# A new frame (its clock moved) long before the 60 s refresh.
	for _ in $(seq 50); do
		now=$(screen | sed -n 1p)
		[[ $now == "oomguard top  "* && ${now:0:30} != "${before:0:30}" ]] && break
		sleep 0.1
	done
	[[ $now == "oomguard top  "* && ${now:0:30} != "${before:0:30}" ]]
	fits 50
	[[ "$(screen | sed -n 2p)" == RAM* ]]
	[ "$(screen | sed '/^$/d' | wc -l)" -le 14 ]
	tm send-keys -t w C-c
	wait_for 'EXITED=0'
}

@test "top --watch: kernel threads are hidden unless --kernel-threads" {
	start 160 80 --watch 60 --sort pid -n 30
	wait_for 'RANK'
	! screen | grep -q 'kernel thread (never chosen)' || false
	screen | grep -q 'kernel threads\? not listed'
	tm send-keys -t w q
	wait_for 'EXITED=0'
	tm kill-server
	# A new server of its own: one started on the old socket at once can
	# meet the old server still exiting ("server exited unexpectedly").
	S=$S-k
	start 160 80 --watch 60 --sort pid -n 30 --kernel-threads
	wait_for 'kernel thread (never chosen)'
	tm send-keys -t w q
	wait_for 'EXITED=0'
}
