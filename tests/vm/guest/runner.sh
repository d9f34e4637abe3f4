#!/bin/bash
# Runs every /opt/og/tests/t_*.sh from the og-tests oneshot unit, keeps the
# TAP lines and a log in /var/lib/og-results, then the unit powers off.
out=/var/lib/og-results
mkdir -p "$out"
: >"$out/tap"
: >"$out/log"
exec 2>>"$out/log"
echo "# runner started $(date -u +%T) uptime $(cut -d' ' -f1 /proc/uptime)" | tee -a "$out/tap"
for t in /opt/og/tests/t_*.sh; do
	[ -x "$t" ] || continue
	name=$(basename "$t" .sh)
	echo "## $name" >>"$out/log"
	start=$(date +%s)
	timeout -k 10 600 "$t" 2>>"$out/log" | while IFS= read -r line; do
		case $line in
		"ok "*|"not ok "*) line=$(sed -E "s/^(ok|not ok) - /\1 - $name: /" <<<"$line") ;;
		esac
		echo "$line" | tee -a "$out/tap" >/dev/console
	done
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ]; then
		echo "not ok - $name: exited $rc" | tee -a "$out/tap" >/dev/console
	fi
	echo "# $name took $(( $(date +%s) - start ))s" | tee -a "$out/tap"
done
echo "# runner finished $(date -u +%T) uptime $(cut -d' ' -f1 /proc/uptime)" | tee -a "$out/tap"
sync
