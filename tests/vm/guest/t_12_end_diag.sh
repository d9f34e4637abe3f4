#!/bin/bash
# The end of a job is diagnosed whatever killed it (issue 12): a kernel
# global OOM kill with --warn in the foreground (the loop that used to
# return without the diagnosis), and with --detach --warn (the watcher, in a
# session of its own, writes the diagnosis and the end record to the --log
# file).  The systemd-oomd kills are in t_20.  The VM has no swap here and
# 2 GiB: hogs at oom_score_adj 1000 growing past the RAM are the global OOM
# killer's choice.  Time: one global OOM kill took 45-70 s under TCG when
# the two ran one after the other (118 s for the file), so both jobs grow
# at once: the first kill takes the bigger, the other grows on into the RAM
# that kill freed and is the second (51-107 s for the file).
. /opt/og/lib.sh
hog="python3 -S /opt/og/files/hog_global.py"
out=$(mktemp) log=$(mktemp)
timeout -s KILL 200 "$OG" run -q --adj 1000 --oomd=none --warn=psi-full:off --warn-signal none -- $hog 2>"$out" &
fg=$!
pid=$(timeout 60 "$OG" run -q --detach --adj 1000 --oomd=none --warn=psi-full:off --warn-signal none --log "$log" -- $hog </dev/null | cut -d' ' -f1)
log "detached job $pid"
wait "$fg"
rc=$?
log "foreground run ended ($rc)"
cat "$out" >&2
check "global OOM: the job ends with 137 (exit $rc)" test "$rc" -eq 137
check "global OOM, --warn: diagnosed as kernel-global on stderr" grep -Eq '^oomguard: pid [0-9]+ \(python3\) was killed by kernel-global: ' "$out"

wait_for 150 grep -q ' ended: ' "$log"
log "detached job ended"
cat "$log" >&2
check "global OOM, --detach --warn: the log has the diagnosis" grep -Eq "Z oomguard: pid $pid \\(python3\\) was killed by kernel-global: " "$log"
check "global OOM, --detach --warn: the log has the end record" grep -Eq "Z oomguard: job pid $pid ended: killed by signal 9 \\(exit status 137\\)$" "$log"
[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
rm -f "$out" "$log"
