#!/usr/bin/env bats
# The three privilege routes (docs/ARCHITECTURE.md, "Privilege routes") with a real unprivileged user:
#  - sudo:     root with SUDO_UID/SUDO_GID/SUDO_USER; the job runs as the user
#              with the user's groups and login environment and no capability;
#  - cap:      a copy of the binary with cap_sys_resource+p, run by the user;
#  - barrier:  the user with neither; the one privileged step goes through
#              $OOMGUARD_SUDO (a stub here) while the child waits at a barrier.
# Values are positive where this host's lack of CAP_SYS_RESOURCE demands it.
bats_require_minimum_version 1.5.0

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	command -v useradd >/dev/null || return 0
	export OGU="ogtu$$" OGG="ogtg$$"
	groupadd "$OGG"
	useradd --user-group --groups "$OGG" --create-home --shell /bin/bash "$OGU"
	# A world-reachable work area (bats' own temp dirs are private to root).
	export W; W=$(mktemp -d /tmp/og-priv-XXXXXX)
	chmod 755 "$W"
}

teardown_file() {
	[ -n "${OGU:-}" ] || return 0
	pkill -KILL -u "$OGU" 2>/dev/null
	sleep 0.1
	userdel --remove "$OGU" 2>/dev/null
	groupdel "$OGG" 2>/dev/null
	rm -rf "$W"
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to create a test user"
	[ -n "${OGU:-}" ] && id "$OGU" >/dev/null 2>&1 || skip "could not create a test user (useradd missing?)"
	UID_=$(id -u "$OGU") GID_=$(id -g "$OGU")
	D="$W/t$BATS_TEST_NUMBER"
	mkdir "$D"
	chown "$OGU:$OGU" "$D"
	BG=
}

teardown() {
	local p
	for p in ${BG:-}; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	return 0
}

# The user's own session: an outer sudo's SUDO_* (the suite run with sudo)
# are not in it.
as_user() {
	env $(env | sed -n 's/^\(SUDO_[A-Za-z_]*\)=.*/-u \1/p') \
		setpriv --reuid="$UID_" --regid="$GID_" --init-groups -- "$@"
}
field() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$2"; }
bnd_has_sys_resource() { (( (0x$(field CapBnd /proc/self/status) >> 24) & 1 )); }

# ---- sudo route ---------------------------------------------------------------------

@test "sudo route: the job runs as the user: uid, gid, groups, no capabilities, login env" {
	run --separate-stderr env SUDO_UID="$UID_" SUDO_GID="$GID_" SUDO_USER="$OGU" \
		HOME=/root USER=root LOGNAME=root SHELL=/bin/false \
		"$OG_BIN" run --adj 500 -- sh -c 'cat /proc/self/status > "$0/F"; id > "$0/G"; env > "$0/E"' "$D"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"as uid $UID_ (route: sudo)"* ]]
	[ "$(field Uid "$D/F")" = "$UID_ $UID_ $UID_ $UID_" ]   # real, effective, saved, fs
	[ "$(field Gid "$D/F")" = "$GID_ $GID_ $GID_ $GID_" ]
	# Groups: exactly the user's, from initgroups (order-independent).
	[ "$(field Groups "$D/F" | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' ')" = \
	  "$(id -G "$OGU" | tr ' ' '\n' | sort -n | tr '\n' ' ')" ]
	grep -q "($OGG)" "$D/G"                           # the supplementary group is there
	! grep -qw 'groups=.*0(root)' "$D/G" || false
	local c
	for c in CapInh CapPrm CapEff CapAmb; do [ "$(field $c "$D/F")" = 0000000000000000 ]; done
	local home shell
	home=$(getent passwd "$OGU" | cut -d: -f6)
	shell=$(getent passwd "$OGU" | cut -d: -f7)
	grep -qx "HOME=$home" "$D/E"
	grep -qx "USER=$OGU" "$D/E"
	grep -qx "LOGNAME=$OGU" "$D/E"
	grep -qx "SHELL=$shell" "$D/E"
	# The value was applied as root before the drop, and is what the job carries.
	[ "$(field Name "$D/F")" = cat ]
}

@test "sudo route: the job cannot regain root" {
	run --separate-stderr env SUDO_UID="$UID_" SUDO_GID="$GID_" SUDO_USER="$OGU" \
		"$OG_BIN" run -q --adj 500 -- sh -c '
			setpriv --reuid=0 true 2>/dev/null && echo reuid-worked
			setpriv --regid=0 --clear-groups true 2>/dev/null && echo regid-worked
			setpriv --inh-caps=+sys_resource --ambient-caps=+sys_resource true 2>/dev/null && echo caps-worked
			echo -500 > /proc/self/oom_score_adj 2>/dev/null && echo lowered
			cat /proc/self/oom_score_adj'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = 500 ]
}

@test "sudo route: the value is applied before the drop and inherited" {
	run --separate-stderr env SUDO_UID="$UID_" SUDO_GID="$GID_" SUDO_USER="$OGU" \
		"$OG_BIN" run --adj 700 -- sh -c 'sh -c "cat /proc/self/oom_score_adj; id -u"'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 700 ]
	[ "${lines[1]}" = "$UID_" ]
	[[ "$stderr" == *"candidate (oom_score_adj 700 as requested"* ]]
}

@test "sudo route: --log belongs to the user, not root" {
	run --separate-stderr env SUDO_UID="$UID_" SUDO_GID="$GID_" SUDO_USER="$OGU" \
		"$OG_BIN" run -q --adj 0 --log "$D/job.log" -- id -u
	[ "$status" -eq 0 ]
	[ "$(cat "$D/job.log")" = "$UID_" ]
	[ "$(stat -c %u:%g "$D/job.log")" = "$UID_:$GID_" ]
}

@test "sudo route: a log the user may not write is refused and nothing runs" {
	mkdir "$W/rootonly$BATS_TEST_NUMBER"
	run --separate-stderr env SUDO_UID="$UID_" SUDO_GID="$GID_" SUDO_USER="$OGU" \
		"$OG_BIN" run -q --adj 0 --log "$W/rootonly$BATS_TEST_NUMBER/job.log" -- touch "$D/ran"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "oomguard: run: cannot open log file"*"Permission denied; nothing was run" ]]
	[ ! -e "$D/ran" ]
	[ ! -e "$W/rootonly$BATS_TEST_NUMBER/job.log" ]
}

# ---- capability route --------------------------------------------------------------

cap_copy() {
	command -v setcap >/dev/null || skip "setcap (libcap2-bin) not installed"
	CAPBIN="$D/oomguard-cap"
	cp "$OG_BIN" "$CAPBIN"
	chmod 755 "$CAPBIN"
	setcap cap_sys_resource+p "$CAPBIN" 2>/dev/null || skip "this filesystem does not keep file capabilities"
	[[ "$(getcap "$CAPBIN")" == *"cap_sys_resource"*"p"* ]]
}

@test "cap route: the job ends with every capability set empty" {
	cap_copy
	run --separate-stderr as_user "$CAPBIN" run --adj 500 -- sh -c 'cat /proc/self/status > "$0/F"' "$D"
	echo "$stderr"
	[ "$status" -eq 0 ]
	if bnd_has_sys_resource; then
		[[ "$stderr" == *"(route: capability)"* ]]
	else
		# The bounding set drops the file capability at exec: the plain route.
		[[ "$stderr" == *"(route: unprivileged)"* ]]
	fi
	local c
	for c in CapInh CapPrm CapEff CapAmb; do [ "$(field $c "$D/F")" = 0000000000000000 ]; done
	[ "$(field Uid "$D/F")" = "$UID_ $UID_ $UID_ $UID_" ]
}

@test "cap route: protect of another user's process is refused, nothing changed" {
	cap_copy
	sleep 60 3>&- &
	BG=$!
	echo 123 > /proc/$BG/oom_score_adj
	run --separate-stderr as_user "$CAPBIN" protect --adj 600 "$BG"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ "$stderr" = "oomguard: protect: $BG (sleep) belongs to uid 0; without root you may only change your own processes" ]
	[ "$(cat /proc/$BG/oom_score_adj)" = 123 ]
}

@test "cap route: protect of the user's own process works" {
	cap_copy
	setpriv --reuid="$UID_" --regid="$GID_" --init-groups -- sleep 60 3>&- &
	BG=$!
	sleep 0.1
	run --separate-stderr as_user "$CAPBIN" protect --adj 600 "$BG"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$(cat /proc/$BG/oom_score_adj)" = 600 ]
	[[ "$output" == *"oom_score_adj 600 as requested, pid $BG sleep"* ]]
}

@test "cap route: lowering below 0 works for the user's own job" {
	cap_copy
	bnd_has_sys_resource || skip "CAP_SYS_RESOURCE is not in this host's bounding set, so the file capability cannot be granted (the VM lane covers lowering)"
	run --separate-stderr as_user "$CAPBIN" run --adj -1000 -- sh -c 'cat /proc/self/oom_score_adj; grep CapEff /proc/self/status'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = -1000 ]
	[[ "${lines[1]}" == *0000000000000000 ]]
	[[ "$stderr" == *"protected (oom_score_adj -1000"* ]]
}

# ---- barrier route (no privilege; sudo for the one write) ---------------------------

make_stub() { # EXIT_CODE
	cat > "$D/stub-sudo" <<STUB
#!/bin/sh
# Records how it was called and what the target is at that moment.
pid=\$(eval echo "\\\${\$#}")
printf '%s\n' "\$*" > "$D/stub.argv"
cat /proc/\$pid/comm > "$D/stub.comm"
readlink /proc/\$pid/exe > "$D/stub.exe"
echo 77 > /proc/\$pid/oom_score_adj
exit $1
STUB
	chmod 755 "$D/stub-sudo"
}

@test "barrier route: sudo is asked for that one PID while it still is oomguard; env reaches the job" {
	make_stub 0
	run --separate-stderr as_user env OOMGUARD_SUDO="$D/stub-sudo" PATH="$D/venv/bin:/usr/bin:/bin" \
		VIRTUAL_ENV="$D/venv" CUDA_VISIBLE_DEVICES=1,3 CUDA_HOME=/opt/cuda \
		"$OG_BIN" run --adj -1000 -- sh -c 'env > "$0/E"; cat /proc/self/oom_score_adj; echo $$' "$D"
	echo "$stderr"
	[ "$status" -eq 0 ]
	local job=${lines[1]}
	[ "$(cat "$D/stub.argv")" = "-- $(readlink -f "$OG_BIN") protect --quiet --adj -1000 $job" ]
	[ "$(cat "$D/stub.comm")" = oomguard ]              # still at the barrier, not yet the job
	[ "$(cat "$D/stub.exe")" = "$(readlink -f "$OG_BIN")" ]
	[ "${lines[0]}" = 77 ]                               # the barrier write is what the job carries
	grep -qx "PATH=$D/venv/bin:/usr/bin:/bin" "$D/E"
	grep -qx "VIRTUAL_ENV=$D/venv" "$D/E"
	grep -qx "CUDA_VISIBLE_DEVICES=1,3" "$D/E"
	grep -qx "CUDA_HOME=/opt/cuda" "$D/E"
	! grep -q '^SUDO_' "$D/E" || false
	[[ "$stderr" == *"asking sudo for that one step (job held at a barrier, pid $job)"* ]]
	[[ "$stderr" == *"started pid $job as uid $UID_ (route: sudo (barrier))"* ]]
}

@test "barrier route: sudo failing, no --best-effort: exit 1 and the job never ran" {
	make_stub 1
	run --separate-stderr as_user env OOMGUARD_SUDO="$D/stub-sudo" \
		"$OG_BIN" run --adj -1000 -- touch "$D/ran"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ ! -e "$D/ran" ]
	[ -e "$D/stub.argv" ]                                 # it was asked
	[[ "${stderr_lines[-1]}" == "oomguard: run: cannot lower oom_score_adj of the job to -1000"*"nothing was run" ]]
}

@test "barrier route: sudo failing with --best-effort runs exposed and says so" {
	make_stub 1
	rm -f "$D/stub-sudo.called"
	run --separate-stderr as_user env OOMGUARD_SUDO="$D/stub-sudo" \
		"$OG_BIN" run --best-effort --adj -1000 -- sh -c 'touch "$0"; echo $$' "$D/ran"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ -e "$D/ran" ]
	[[ "$stderr" == *"(route: unprivileged)"* ]]
	[[ "$stderr" == *"EXPOSED (oom_score_adj 77, wanted -1000, pid $output sh)"* ]]
}

@test "barrier route: --no-sudo never asks" {
	make_stub 0
	run --separate-stderr as_user env OOMGUARD_SUDO="$D/stub-sudo" \
		"$OG_BIN" run --no-sudo --adj -1000 -- touch "$D/ran"
	[ "$status" -eq 1 ]
	[ ! -e "$D/stub.argv" ]
	[ ! -e "$D/ran" ]
}

@test "unprivileged: raising needs no privilege and asks nobody" {
	make_stub 0
	run --separate-stderr as_user env OOMGUARD_SUDO="$D/stub-sudo" \
		"$OG_BIN" run --adj 300 -- cat /proc/self/oom_score_adj
	[ "$status" -eq 0 ]
	[ "$output" = 300 ]
	[ ! -e "$D/stub.argv" ]
	[[ "$stderr" == *"as uid $UID_ (route: unprivileged)"* ]]
}
