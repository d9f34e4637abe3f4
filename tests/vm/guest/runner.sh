#!/bin/bash
# Runs every /opt/og/tests/t_*.sh from the og-tests oneshot unit, keeps the
# TAP lines and a log in /var/lib/og-results, then the unit powers off.
# Test output goes to a file, not a pipe, so a process a test left behind can
# never hold the runner; leftovers are stopped between tests.
out=/var/lib/og-results
mkdir -p "$out"
: >"$out/tap"
: >"$out/log"
exec 2>>"$out/log"
say() { echo "$*" | tee -a "$out/tap" >/dev/console; }
say "# runner started $(date -u +%T) uptime $(cut -d' ' -f1 /proc/uptime)"
for t in /opt/og/tests/t_*.sh; do
	[ -x "$t" ] || continue
	name=$(basename "$t" .sh)
	echo "## $name" >>"$out/log"
	start=$(date +%s)
	timeout -k 10 420 "$t" </dev/null >"$out/cur" 2>>"$out/log"
	rc=$?
	sed -E "s/^(ok|not ok) - /\1 - $name: /" "$out/cur" | while IFS= read -r line; do say "$line"; done
	[ "$rc" -ne 0 ] && say "not ok - $name: exited $rc"
	say "# $name took $(( $(date +%s) - start ))s"
	# Whatever the test left running.
	systemctl stop oomguard.slice 2>/dev/null
	runuser -u oguser -- env XDG_RUNTIME_DIR=/run/user/1000 systemctl --user stop oomguard.slice 2>/dev/null
done
rm -f "$out/cur"
say "# runner finished $(date -u +%T) uptime $(cut -d' ' -f1 /proc/uptime)"
sync
