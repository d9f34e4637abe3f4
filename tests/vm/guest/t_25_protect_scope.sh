#!/bin/bash
# `oomguard protect --scope PID` moves a running job and every descendant
# into a transient scope of its own with user.oomd_omit, and reads it back:
# as root (system bus, root-owned scope) and as the user (user bus).
. /opt/og/lib.sh

# scope_test WHO RUNNER...: start a job of 3 processes with RUNNER, protect it with RUNNER.
scope_test() {
	local who=$1; shift
	local out; out=$(mktemp); chmod 666 "$out"
	local pidf=/tmp/og-top.$$; rm -f "$pidf"
	"$@" sh -c "echo \$\$ >$pidf; sleep 300 & sleep 300 & wait" &
	wait_for 10 test -s "$pidf"
	local top; top=$(cat "$pidf")
	wait_for 10 sh -c "[ \$(pgrep -c -P $top) -ge 2 ]"
	local procs="$top $(pgrep -P "$top" | tr '\n' ' ')"
	"$@" "$OG" protect --scope "$top" >"$out" 2>&1
	local rc=$?
	cat "$out" >&2
	check "$who: protect --scope exits 0" test "$rc" = 0
	local cg; cg=$(cg_of "$top")
	local same=1
	for p in $procs; do [ "$(cg_of "$p")" = "$cg" ] || same=0; log "$who: pid $p in $(cg_of "$p")"; done
	check "$who: the job and both children moved into oomguard-$top.scope" sh -c "[ $same = 1 ] && case '$cg' in */oomguard-$top.scope) ;; *) exit 1;; esac"
	check "$who: user.oomd_omit=1 on the scope" test "$(xattr user.oomd_omit "/sys/fs/cgroup$cg")" = 1
	check "$who: read-back matches the VM's state (xattr, owner, leaf, oomctl dump)" python3 /opt/og/files/check_readback.py "$top" "$out"
	kill $procs 2>/dev/null
	rm -f "$out"
}
scope_test root env
scope_test "user $OGUSER" as_user
