#!/bin/bash
# systemd-oomd, root route: oomguard.slice (where root's `oomguard run` puts
# its root-owned scopes) is monitored with ManagedOOMMemoryPressure=kill at
# 1% for 2 s.  Control rounds first show that a job of this shape with
# --oomd=none is killed, and that run diagnoses that end (foreground with
# and without --warn, --detach --warn into its log); then three rounds each pit an unprotected service
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

# diagnosed FILE PREFIX: FILE has run's diagnosis of the oomd kill of $JOB's scope.
diagnosed() { grep -Eq "^${2}pid $JOB was killed with its cgroup /$slice/oomguard-$JOB.scope by systemd-oomd-pressure: " "$1"; }
ended_137() { [ "$1" = 137 ] && diagnosed "$2" 'oomguard: '; }
# oomd_fresh: a restarted systemd-oomd has no 15 s pause after the last
# kill to wait out (the next kill needs 2 s of pressure anyway).
oomd_fresh() { oomd_fast && wait_for 10 limit_is 1.00%; }
limit_is() { oomctl dump | grep -A1 "Path: /$slice\$" | grep -q "Limit: $1"; }

# Controls: the same job without a preference is what oomd kills, and
# run diagnoses the kill (issue 12): in the foreground with and without
# --warn, and detached with --warn (the watcher writes the diagnosis and the
# end record to the --log file).
out=$(mktemp)
warn="--warn=psi-full:off --warn-signal none"
for w in "" "$warn"; do
	ts=$(now_ts)
	start_job "$out" --oomd=none $w
	cat "$out" >&2
	what="control${w:+, --warn}"
	[ -z "$w" ] && check "control: read-back says EXPOSED for --oomd=none" grep -q 'systemd-oomd: EXPOSED (/oomguard.slice monitors' "$out"
	check "$what: oomd kills the unprotected job" wait_for 60 oomd_killed "/$slice/oomguard-$JOB.scope" "$ts"
	wait_for 20 sh -c "! kill -0 $OGPID 2>/dev/null"
	wait "$OGPID" 2>/dev/null
	rc=$?
	cat "$out" >&2
	check "$what: run exits 137 ($rc) and diagnoses the oomd kill on stderr" ended_137 "$rc" "$out"
	oomd_log "$ts"
	oomd_fresh
done

ts=$(now_ts)
dlog=$(mktemp)
JOB=$(timeout 60 "$OG" run -q --detach --oomd=none $warn --log "$dlog" -- python3 /opt/og/files/hog.py 400 </dev/null | cut -d' ' -f1)
systemctl set-property --runtime "oomguard-$JOB.scope" MemoryHigh=40M >&2
check "control, --detach --warn: oomd kills the unprotected job" wait_for 60 oomd_killed "/$slice/oomguard-$JOB.scope" "$ts"
wait_for 20 grep -q ' ended: ' "$dlog"
cat "$dlog" >&2
check "control, --detach --warn: the log has the diagnosis of the oomd kill" diagnosed "$dlog" '[0-9TZ:.-]+ oomguard: '
check "control, --detach --warn: the log has the end record" grep -Eq "Z oomguard: job pid $JOB ended: killed by signal 9 \\(exit status 137\\)$" "$dlog"
rm -f "$dlog"
oomd_log "$ts"
oomd_fresh

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
	# oomd kills one cgroup, then pauses 15 s: the job lives past the kill.
	sleep 1
	check "round $round: the protected job survives" alive "$JOB"
	check "round $round: oomd never named the job" sh -c "! journalctl -u systemd-oomd --since='$ts' -o cat | grep -q 'oomguard-$JOB.scope'"
	oomd_log "$ts"
	kill "$OGPID"; wait "$OGPID" 2>/dev/null
	systemctl stop "og-comp-$round" 2>/dev/null; systemctl reset-failed "og-comp-$round" 2>/dev/null
	[ "$round" = 3 ] || oomd_fresh
done
rm -f "$out" /etc/systemd/system/$slice.d/50-og-test.conf
systemctl daemon-reload
oomd_restore
