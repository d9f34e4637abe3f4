#!/usr/bin/env bash
# The Slurm plugin's per-step agent against `oomguard watch`, on the same
# idle job: CPU time (schedstat run time) over IDLE_S seconds and RSS.
#
#   agent   srun -n N --mem=512M --oomguard=adj:0,warn,signal:none sleep ...  on a one-node
#           cluster (tests/slurm/cluster.sh); the agent is the step's
#           "oomguard-step" process
#   watch   N sleeping processes in a cgroup-v1 memcg with a 512 MiB limit and
#           `oomguard watch --warn --warn-signal none PID` (both send no signal:
#           the shared machine's PSI can fire and a default SIGUSR1 kills a sleep)
#           on the first (what a user would run
#           beside a job without the plugin)
# at N = 2 and N = 16 tasks.  Root; the cluster's files live in a temp dir.
# Env: OG_BIN (default ./oomguard), OG_BUILD (default ./build), IDLE_S (default 30).
set -u
cd "$(dirname "$0")/.."
root=$PWD
OG_BIN=${OG_BIN:-$root/oomguard}
export OG_BUILD=${OG_BUILD:-$root/build}
IDLE_S=${IDLE_S:-30}
source tests/slurm/cluster.sh

cpu_ns() { awk '{ print $1 }' "/proc/$1/schedstat"; }
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
measure() { # PID -> "ns_per_s rss_kb"
	local a b
	a=$(cpu_ns "$1"); sleep "$IDLE_S"; b=$(cpu_ns "$1")
	echo "$(( (b - a) / IDLE_S )) $(rss_kb "$1")"
}

exec 9>/tmp/og-slurm.lock
flock -w 900 9
D=$(mktemp -d /tmp/og-bench-slurm-XXXXXX)
CG=/sys/fs/cgroup/memory/og-bench-$$-watch
cleanup() {
	[ -n "${W:-}" ] && kill "$W" 2>/dev/null
	[ -d "$CG" ] && { for p in $(cat "$CG/cgroup.procs"); do kill -KILL "$p"; done; sleep 0.2; rmdir "$CG"; }
	og_cluster_stop "$D"; rm -rf "$D"
}
trap cleanup EXIT
og_cluster_start "$D" "" || { echo "cannot start the cluster: $OG_CLUSTER_WHY"; exit 1; }
export SLURM_CONF=$D/slurm.conf

printf '%-6s %-7s %14s %10s\n' tasks watcher "cpu µs/s" "rss KiB"
for n in 2 16; do
	srun -n "$n" -O --mem=512M --oomguard=adj:0,warn,signal:none sleep $((IDLE_S + 15)) >/dev/null 2>&1 &
	S=$!
	A=
	for i in $(seq 1 100); do A=$(pgrep -x oomguard-step | head -n1); [ -n "$A" ] && break; sleep 0.1; done
	sleep 2
	read -r ac ar < <(measure "$A")
	wait "$S"
	mkdir "$CG"; echo 512M >"$CG/memory.limit_in_bytes"
	for i in $(seq 1 "$n"); do sh -c 'echo $$ > "$1/cgroup.procs"; exec sleep '$((IDLE_S + 15)) sh "$CG" & done
	sleep 0.3
	P=$(head -n1 "$CG/cgroup.procs")
	"$OG_BIN" watch --quiet --warn --warn-signal none "$P" >/dev/null 2>&1 &
	W=$!
	sleep 2
	read -r wc wr < <(measure "$W")
	kill "$W"; wait "$W" 2>/dev/null; W=
	for p in $(cat "$CG/cgroup.procs"); do kill -KILL "$p"; done; sleep 0.2; rmdir "$CG"
	printf '%-6s %-7s %14s %10s\n' "$n" agent "$((ac / 1000))" "$ar"
	printf '%-6s %-7s %14s %10s\n' "$n" watch "$((wc / 1000))" "$wr"
	awk -v a="$ac" -v w="$wc" -v n="$n" 'BEGIN { printf "%-6s ratio   agent/watch cpu %.2f\n", n, w ? a / w : 0 }'
done
