#!/bin/bash
# The end of a job is diagnosed whatever killed it (issue 12): a kernel
# global OOM kill, here with --warn (the loop that used to return without the
# diagnosis) and with --detach --warn (the diagnosis and the end record go to
# the log, written by the watcher).  The VM has no swap and 2 GiB: a hog at
# oom_score_adj 1000 growing past the RAM is the global OOM killer's choice.
. /opt/og/lib.sh
out=$(mktemp)
"$OG" run -q --adj 1000 --oomd=none --warn=psi-full:off --warn-signal none -- python3 /opt/og/files/hog.py 4096 2>"$out"
rc=$?
cat "$out" >&2
check "global OOM: the job ends with 137 (exit $rc)" test "$rc" -eq 137
check "global OOM, --warn: diagnosed as kernel-global on stderr" grep -Eq '^oomguard: pid [0-9]+ \(python3\) was killed by kernel-global: ' "$out"

log=$(mktemp)
pid=$("$OG" run -q --detach --adj 1000 --oomd=none --warn=psi-full:off --warn-signal none --log "$log" -- python3 /opt/og/files/hog.py 4096 </dev/null | cut -d' ' -f1)
wait_for 120 grep -q ' ended: ' "$log"
cat "$log" >&2
check "global OOM, --detach --warn: the log has the diagnosis" grep -Eq "Z oomguard: pid $pid \\(python3\\) was killed by kernel-global: " "$log"
check "global OOM, --detach --warn: the log has the end record" grep -Eq "Z oomguard: job pid $pid ended: killed by signal 9 \\(exit status 137\\)$" "$log"
rm -f "$out" "$log"
