#!/bin/bash
# Kernel layer with the real capability: `oomguard run` (default -1000) and a
# hog share a cgroup-v2 memory limit (MemoryMax on oomguard.slice, where the
# job's scope lives); the hog outgrows it, the kernel's memcg OOM killer
# takes the hog, and the job and its children live, all at -1000.
. /opt/og/lib.sh
slice=oomguard.slice
systemctl set-property --runtime "$slice" MemoryMax=200M MemorySwapMax=0 >&2
out=$(mktemp)
"$OG" run -- sh -c 'python3 /opt/og/files/hog.py 24 & python3 /opt/og/files/hog.py 24 & wait' 2>"$out" &
ogpid=$!
wait_for 10 grep -q 'started pid' "$out"
job=$(sed -n 's/.*started pid \([0-9]*\).*/\1/p' "$out")
cat "$out" >&2
wait_for 30 sh -c "[ \$(pgrep -c -P $job) -ge 2 ]"
sleep 3 # the children reach their 24 MiB
kids=$(pgrep -P "$job" | tr '\n' ' ')
log "job $job children $kids, cgroup $(cg_of "$job")"
check "job sits in its own scope under $slice" sh -c "cg=\$(sed -n 's/^0:://p' /proc/$job/cgroup); case \$cg in /$slice/oomguard-$job.scope) ;; *) exit 1;; esac"

dmesg -C
systemd-run --scope --quiet --slice="$slice" --unit=og-kernel-hog python3 /opt/og/files/hog.py 400 &
hog=$!
wait $hog
hrc=$?
log "hog exit $hrc"
dmesg | grep -iE 'oom|killed process' | tail -n 5 >&2
check "the hog was killed by SIGKILL (exit $hrc)" test "$hrc" -eq 137
check "the kernel's memcg OOM killer took the hog" sh -c "dmesg | grep -q 'Memory cgroup out of memory: Killed process [0-9]* (python3)'"
spared=1
for p in $job $kids; do dmesg | grep -q "Killed process $p " && spared=0; done
check "the kernel killed nothing of the job" test "$spared" = 1
check "the job lives" alive "$job"
allm1000=1
for p in $job $kids; do
	a=$(cat /proc/$p/oom_score_adj 2>/dev/null)
	log "pid $p alive=$(alive $p && echo yes || echo no) oom_score_adj=$a"
	alive "$p" && [ "$a" = -1000 ] || allm1000=0
done
check "the job and its children all live at oom_score_adj -1000" test "$allm1000" = 1
check "read-back said kernel OOM killer: protected" grep -q 'kernel OOM killer: protected (oom_score_adj -1000' "$out"
kill "$ogpid"; wait "$ogpid" 2>/dev/null
systemctl set-property --runtime "$slice" MemoryMax=infinity MemorySwapMax=infinity >&2
rm -f "$out"
