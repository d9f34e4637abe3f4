#!/bin/bash
# The end of a job is diagnosed whatever killed it (issue 12): a kernel
# global OOM kill, here with --warn (the loop that used to return without the
# diagnosis).  (--detach --warn is shown on the host, for memcg kills, in
# tests/host/run_end.bats.)  The VM has no swap and 2 GiB: a hog at
# oom_score_adj 1000 growing past the RAM is the global OOM killer's choice.
. /opt/og/lib.sh
out=$(mktemp)
"$OG" run -q --adj 1000 --oomd=none --warn=psi-full:off --warn-signal none -- python3 /opt/og/files/hog.py 4096 2>"$out"
rc=$?
cat "$out" >&2
check "global OOM: the job ends with 137 (exit $rc)" test "$rc" -eq 137
check "global OOM, --warn: diagnosed as kernel-global on stderr" grep -Eq '^oomguard: pid [0-9]+ \(python3\) was killed by kernel-global: ' "$out"

rm -f "$out"
