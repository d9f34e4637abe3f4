#!/usr/bin/env bats
# A capability bounding set without CAP_SYS_RESOURCE (a container started
# without it; this project's CI host is one): no process can lower
# oom_score_adj there, so run, protect and the barrier's inner protect must
# say what is really missing instead of "run with sudo or make install-cap".
# The bounding set is dropped for each command with setpriv, so the test
# means the same on a machine that has the capability.
bats_require_minimum_version 1.5.0

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (setpriv --bounding-set needs CAP_SETPCAP)"
	command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
	setpriv --bounding-set -sys_resource -- true 2>/dev/null || skip "cannot drop from the bounding set here"
	D=$(mktemp -d /tmp/og-test-$$-bnd-XXXXXX)
	chmod 777 "$D" # the job of the barrier test runs as nobody
	BG=
}

teardown() {
	[ -n "${BG:-}" ] && { kill "$BG" 2>/dev/null; wait "$BG" 2>/dev/null; }
	rm -rf "${D:-/nonexistent}"
	return 0
}

nobnd() { setpriv --bounding-set -sys_resource -- "$@"; }
said_bounding() { [[ "$1" == *"capability bounding set does not have"*"nothing oomguard can do changes that"* ]]; }

@test "run as root without CAP_SYS_RESOURCE in the bounding set names the bounding set, not sudo" {
	run --separate-stderr nobnd "$OG_BIN" run --adj -5 -- touch "$D/ran"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ ! -e "$D/ran" ]
	said_bounding "$stderr"
	[[ "$stderr" != *"run with sudo"* ]]
	# The read-back of --best-effort says the same.
	run --separate-stderr nobnd "$OG_BIN" run --best-effort --adj -5 -- true
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"kernel OOM killer: EXPOSED (oom_score_adj 0, wanted -5"* ]]
	said_bounding "$stderr"
	[[ "$stderr" != *"see 'make install-cap'"* ]]
}

@test "protect without CAP_SYS_RESOURCE in the bounding set names the bounding set" {
	sleep 60 &
	BG=$!
	run --separate-stderr nobnd "$OG_BIN" protect --adj -5 "$BG"
	echo "$stderr"
	[ "$status" -eq 1 ]
	said_bounding "$stderr"
	[[ "$stderr" != *"run with sudo"* ]]
	[ "$(cat /proc/$BG/oom_score_adj)" = 0 ]
}

@test "barrier: the inner protect and run's own error name the bounding set" {
	# A stand-in for sudo that runs the inner protect as the user it was
	# called by, the way sudo would run it as root: without the capability
	# in the bounding set, neither can lower the value.
	cat >"$D/stub-sudo" <<-'STUB'
	#!/bin/sh
	[ "$1" = -- ] && shift
	exec "$@"
	STUB
	chmod 755 "$D/stub-sudo"
	run --separate-stderr nobnd setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		env OOMGUARD_SUDO="$D/stub-sudo" "$OG_BIN" run --adj -5 -- touch "$D/ran"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ ! -e "$D/ran" ]
	[[ "$stderr" == *"oomguard: protect: cannot lower oom_score_adj of "*"to -5: needs CAP_SYS_RESOURCE, which this machine's capability bounding set"* ]]
	[[ "${stderr_lines[-1]}" == "oomguard: run: cannot lower oom_score_adj of the job to -5: 'sudo oomguard protect' failed: it needs CAP_SYS_RESOURCE, which"*"nothing was run" ]]
	[[ "$stderr" != *"run with sudo"* ]]
}

@test "with CAP_SYS_RESOURCE in the bounding set the advice stays 'sudo or make install-cap'" {
	(( (0x$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status) >> 24) & 1 )) ||
		skip "this machine's own bounding set lacks CAP_SYS_RESOURCE"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		"$OG_BIN" run --no-sudo --adj -5 -- true
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"run with sudo or install with 'make install-cap'"* ]]
}
