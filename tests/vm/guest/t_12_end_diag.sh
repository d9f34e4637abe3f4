#!/bin/bash
# The end of a job is diagnosed whatever killed it (issue 12): a kernel
# global OOM kill with --warn in the foreground (the loop that used to
# return without the diagnosis), and with --detach --warn (the watcher, in a
# session of its own, writes the diagnosis and the end record to the --log
# file).  The systemd-oomd kills are in t_20.  The VM has no swap here and
# 2 GiB: a hog at oom_score_adj 1000 growing past the RAM is the global OOM
# killer's choice.  The hog grows in 64 MiB steps and never touches a page
# twice (hog.py's re-touching of every page made one kill take ~100 s under
# TCG); at oom_score_adj 1000 the OOM killer takes it as soon as reclaim
# gives up.
. /opt/og/lib.sh
hog() { echo python3 /opt/og/files/hog_rate.py 4096 64 0 / /dev/null zero; }
out=$(mktemp)
timeout -s KILL 150 "$OG" run -q --adj 1000 --oomd=none --warn=psi-full:off --warn-signal none -- $(hog) 2>"$out"
rc=$?
cat "$out" >&2
check "global OOM: the job ends with 137 (exit $rc)" test "$rc" -eq 137
check "global OOM, --warn: diagnosed as kernel-global on stderr" grep -Eq '^oomguard: pid [0-9]+ \(python3\) was killed by kernel-global: ' "$out"

log=$(mktemp)
pid=$(timeout 60 "$OG" run -q --detach --adj 1000 --oomd=none --warn=psi-full:off --warn-signal none --log "$log" -- $(hog) </dev/null | cut -d' ' -f1)
log "detached job $pid"
wait_for 150 grep -q ' ended: ' "$log"
cat "$log" >&2
check "global OOM, --detach --warn: the log has the diagnosis" grep -Eq "Z oomguard: pid $pid \\(python3\\) was killed by kernel-global: " "$log"
check "global OOM, --detach --warn: the log has the end record" grep -Eq "Z oomguard: job pid $pid ended: killed by signal 9 \\(exit status 137\\)$" "$log"
[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
rm -f "$out" "$log"
