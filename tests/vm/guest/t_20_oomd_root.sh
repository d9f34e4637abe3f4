#!/bin/bash
# systemd-oomd, root route: oomguard.slice (where root's `oomguard run` puts
# its root-owned scopes) is monitored with ManagedOOMMemoryPressure=kill at
# 1% for 2 s.  A control round first shows that a job of this shape with
# --oomd=none is killed; then three rounds each pit an unprotected service
# (MemoryHigh=40M, growing to 400 MiB) against an `oomguard run` job of the
# same shape: oomd kills the service, the job survives.
. /opt/og/lib.sh
slice=oomguard.slice
mkdir -p /etc/systemd/system/$slice.d
printf '[Slice]\nManagedOOMMemoryPressure=kill\nManagedOOMMemoryPressureLimit=1%%\n' \
	>/etc/systemd/system/$slice.d/50-og-test.conf
systemctl daemon-reload
systemctl start $slice
oomd_fast
check "oomctl dump lists /$slice at 1.00%" wait_for 10 sh -c "oomctl dump | grep -A1 'Path: /$slice\$' | grep -q 'Limit: 1.00%'"
oomctl dump >&2

# start_job OUT [--oomd=X]: an oomguard-run hog throttled at 40M, in the background.
start_job() {
	local out=$1; shift
	"$OG" run "$@" -- python3 /opt/og/files/hog.py 400 2>"$out" &
	OGPID=$!
	JOB=$(job_pid "$out")
	systemctl set-property --runtime "oomguard-$JOB.scope" MemoryHigh=40M >&2
}

# Control: the same job without a preference is what oomd kills.
out=$(mktemp)
ts=$(now_ts)
start_job "$out" --oomd=none
cat "$out" >&2
check "control: read-back says EXPOSED for --oomd=none" grep -q 'systemd-oomd: EXPOSED (/oomguard.slice monitors' "$out"
check "control: oomd kills the unprotected job" wait_for 60 oomd_killed "/$slice/oomguard-$JOB.scope" "$ts"
wait "$OGPID" 2>/dev/null
oomd_log "$ts"
sleep 16 # oomd's post-kill pause (15 s) before the next round

for round in 1 2 3; do
	ts=$(now_ts)
	systemd-run --quiet --unit="og-comp-$round" --slice=$slice -p MemoryHigh=40M python3 /opt/og/files/hog.py 400
	start_job "$out"
	cat "$out" >&2
	if [ "$round" = 1 ]; then
		check "read-back: protected, route and rule stated" grep -q "systemd-oomd: protected (user.oomd_omit on /$slice/oomguard-$JOB.scope: never a candidate; rule: systemd 252: .*: honoured; .*route: system bus, root-owned oomguard-$JOB.scope in $slice)" "$out"
		check "read-back matches the VM's state (xattr, owner, leaf, oomctl dump)" python3 /opt/og/files/check_readback.py "$JOB" "$out"
	fi
	check "round $round: oomd kills the unprotected service" wait_for 60 oomd_killed "/$slice/og-comp-$round.service" "$ts"
	sleep 5
	check "round $round: the protected job survives" alive "$JOB"
	check "round $round: oomd never named the job" sh -c "! journalctl -u systemd-oomd --since='$ts' -o cat | grep -q 'oomguard-$JOB.scope'"
	oomd_log "$ts"
	kill "$OGPID"; wait "$OGPID" 2>/dev/null
	systemctl stop "og-comp-$round" 2>/dev/null; systemctl reset-failed "og-comp-$round" 2>/dev/null
	[ "$round" = 3 ] || sleep 16
done
rm -f "$out" /etc/systemd/system/$slice.d/50-og-test.conf
systemctl daemon-reload
oomd_restore
