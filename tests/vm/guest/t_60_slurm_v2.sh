#!/bin/bash
# The Slurm plugin on a real one-node Slurm 22.05 cluster on cgroup v2, as
# most clusters now run (the host lane's cluster is cgroup v1):
# tests/slurm/cluster.sh with OG_CLUSTER_CG=v2, slurmd in a unit of its own
# with Delegate=yes, the steps in system.slice/slurmstepd.scope.  Here root
# has CAP_SYS_RESOURCE, so the plugin's -1000 is really granted.
# Real jobs, real OOM kills at the step's memory.max.
. /opt/og/lib.sh
export OG_BUILD=/opt/og OG_SPANK_SO=/opt/og/oomguard-spank.so OG_CLUSTER_CG=v2 OG_CLUSTER_MEM=1500
. /opt/og/cluster.sh
H=/opt/og/helpers
d=$(mktemp -d /tmp/og-slurm-XXXXXX)
chmod 0755 "$d"
cleanup() {
	og_cluster_stop "$d"
	rm -rf "$d"
	ip link del og0 2>/dev/null
}
trap cleanup EXIT
# The VM has no network: Slurm's getaddrinfo(AI_ADDRCONFIG) finds no address
# on lo alone, so the daemons get a dummy interface with one.
modprobe dummy 2>/dev/null
ip link add og0 type dummy && ip addr add 10.254.0.1/32 dev og0 && ip link set og0 up ||
	log "no dummy interface: Slurm may not resolve its own addresses"
sr() { timeout 120 srun --quiet "$@"; }

if [ ! -e "$OG_SPANK_SO" ]; then
	skip "a one-node cluster on cgroup/v2" "oomguard-spank.so was not built (no <slurm/spank.h> on the host)"
	exit 0
fi
if ! og_cluster_start "$d" ""; then
	notok "a one-node cluster on cgroup/v2 starts ($OG_CLUSTER_WHY)"
	tail -n 20 "$d/slurmd.log" "$d/slurmctld.log" >&2
	exit 0
fi
ok "a one-node cluster on cgroup/v2 starts (slurmd in $(og_slurmd_unit "$d") with Delegate=yes)"

# -1000 from the task's first instruction, in the steps' scope, read back.
out=$(sr -n1 --oomguard=adj:-1000 sh -c 'cat /proc/self/oom_score_adj; cat /proc/self/cgroup' 2>&1)
echo "$out" | sed 's/^/#   /' >&2
check "adj:-1000: the task runs at -1000 (CAP_SYS_RESOURCE here)" grep -qx -- -1000 <<<"$out"
check "adj:-1000: the read-back says protected" grep -q 'kernel OOM killer: protected (oom_score_adj -1000)' <<<"$out"
check "the task ran in system.slice/slurmstepd.scope/job_J/step_0 (Slurm's cgroup/v2 layout)" \
	grep -Eq '^0::/system\.slice/([^/]*_)?slurmstepd\.scope/job_[0-9]+/step_0/' <<<"$out"

# Two tasks filling at two rates under one 300 MiB step: both warned before
# the step's OOM kill (the agent reads the v2 step's memory.current/max).
job='M=$1/mark.$SLURM_PROCID; $2/og_ratehog --rate $((30 + 30 * SLURM_PROCID)) --mark $M
     echo "end $(date +%s%N)" >> $M'
out=$(sr -n2 -K --mem=300M --oomguard=adj:0,warn sh -c "$job" sh "$d" "$H" 2>&1)
echo "$out" | sed 's/^/#   /' >&2
check "warn: the first notice signals both tasks" grep -Eq 'memory (warning|critical): memcg headroom.*SIGUSR1 sent to 2 of' <<<"$out"
kill_ns=$(cat "$d"/mark.* 2>/dev/null | awk '$1 == "end" { print $2 }' | sort -n | head -n1)
for r in 0 1; do
	warn_ns=$(awk '$1 == "usr1" { print $2; exit }' "$d/mark.$r" 2>/dev/null)
	log "task $r: warned $(( (${kill_ns:-0} - ${warn_ns:-0}) / 1000000 )) ms before the step's OOM kill"
	check "warn: task $r got SIGUSR1 before the step's OOM kill" test -n "$warn_ns" -a -n "$kill_ns" -a "${warn_ns:-0}" -lt "${kill_ns:-0}"
done

# The kill explained in the job's stderr, with the v2 step's limit.
out=$(sr -n1 --mem=200M --oomguard=adj:0 -o "$d/out" -e "$d/out" "$H/og_ratehog" --rate 100 2>&1; cat "$d/out")
echo "$out" | sed 's/^/#   /' >&2
check "the job's stderr names the killed pid, its RSS and the limit of the v2 step's cgroup" \
	grep -Eq 'oomguard: step [0-9]+\.0 task 0: pid [0-9]+ \(og_ratehog\) was killed by the kernel-memcg OOM killer, RSS [0-9.]+M; limit 200M of /system\.slice/([^/]*_)?slurmstepd\.scope/job_[0-9]+' <<<"$out"
check "Slurm's own line follows: Detected 1 oom-kill event(s)" grep -q 'Detected 1 oom-kill event(s) in StepId=' <<<"$out"
jobid=$(sed -n 's/.*Detected [0-9]* oom-kill event(s) in StepId=\([0-9]*\)\.0\..*/\1/p' "$d/out" | head -n1)
out=$("$OG" why --kmsg --since -5min --job "$d/out" 2>&1)
echo "$out" | sed 's/^/#   /' >&2
# (cgroup/v2's path has no uid_U: the line has no uid, the table's UID column has it)
check "why --job: the kernel's kill of job ${jobid:-?}, with its job, step and task from the v2 path" \
	grep -qx "    Slurm: job ${jobid:-none}, step 0, task 0" <<<"$out"
check "why --job: joined to the job's own Slurm line" grep -q "job output: .*Detected 1 oom-kill event(s) in StepId=${jobid:-none}.0" <<<"$out"

og_cluster_stop "$d"
check "nothing of the cluster stays: no slurmd unit, no slurmstepd.scope" \
	sh -c "! systemctl is-active --quiet $(og_slurmd_unit "$d") && [ -z \"\$(ls -d /sys/fs/cgroup/system.slice/*slurmstepd.scope 2>/dev/null)\" ]"
