#!/usr/bin/env bash
# Start-up cost of a protected job: `oomguard run --adj 0 -- true` against
# `choom -n 0 -- true` (util-linux, what a user would otherwise type), side by
# side in one run, at two machine sizes: about 100 and about 5,000 processes
# (idle sleepers are spawned to get there and killed after).  Nothing in the
# start path may grow with the process count (target: <= 1.5x at both).
# oomguard's extra work is the fork it stays the parent of, the read-back
# from /proc and the report; choom execs in place.
#
# The read-back of earlyoom/nohang reads one comm per process while the job
# runs and stops when the job ends, so a second pair shows a job that lives
# (`sleep 0.05`): wall time (the scan runs beside the job, not before it)
# and CPU time (user+system), which is where the scan's cost shows.
# Env: OG_BIN (default ./oomguard), RUNS (default 2000), LIVE_RUNS (default
# 200), SCALES (default "100 5000"), OUT (JSON dir, default bench/out).
set -u
cd "$(dirname "$0")/.."
og=${OG_BIN:-$PWD/oomguard}
runs=${RUNS:-2000}
live_runs=${LIVE_RUNS:-200}
out=${OUT:-$PWD/bench/out}
[ -x "$og" ] || { echo "bench/run_startup.sh: build oomguard first (make)"; exit 1; }
command -v choom >/dev/null || { echo "bench/run_startup.sh: needs choom (util-linux)"; exit 1; }
mkdir -p "$out"

sleepers=()
stop_sleepers() { [ ${#sleepers[@]} -gt 0 ] && kill "${sleepers[@]}" 2>/dev/null; wait 2>/dev/null; sleepers=(); }
trap stop_sleepers EXIT
nprocs() { ls -d /proc/[0-9]* 2>/dev/null | wc -l; }

# pair A B RUNS: both commands, mean/median wall and mean CPU each, and the ratios.
pair() {
	local a=$1 b=$2 n=$3 ma mb meda medb ca cb how
	if command -v hyperfine >/dev/null; then
		# -N: no intermediate shell, so only the two programs are measured;
		# output (oomguard's read-back on stderr) goes to /dev/null in both.
		# Load drifts on a shared machine: 8 slices with the order
		# alternating, every time of every slice pooled.
		local slice=$(((n + 7) / 8)) k
		for k in 1 2 3 4 5 6 7 8; do
			if [ $((k % 2)) -eq 1 ]; then set -- "$a" "$b"; else set -- "$b" "$a"; fi
			hyperfine -N --style none --warmup 10 --runs "$slice" --export-json "$out/startup-$k.json" "$@" \
				>/dev/null 2>&1 || { echo "bench/run_startup.sh: hyperfine failed"; exit 1; }
		done
		read -r ma mb meda medb ca cb < <(python3 - "$out" "$a" "$tag" <<'PY'
import json, statistics, sys
out, a, tag = sys.argv[1], sys.argv[2], sys.argv[3]
m = statistics.mean
t = {True: [], False: []}
cpu = {True: [], False: []}
for k in range(1, 9):
    for r in json.load(open(f"{out}/startup-{k}.json"))["results"]:
        t[r["command"] == a] += r["times"]
        # hyperfine gives user and system time as means per command only.
        cpu[r["command"] == a] += [r["user"] + r["system"]] * len(r["times"])
json.dump({"oomguard_s": t[True], "choom_s": t[False], "oomguard_cpu_mean_s": m(cpu[True]), "choom_cpu_mean_s": m(cpu[False])},
          open(f"{out}/startup-{tag}.json", "w"))
print(m(t[True]) * 1e3, m(t[False]) * 1e3, statistics.median(t[True]) * 1e3, statistics.median(t[False]) * 1e3,
      m(cpu[True]) * 1e3, m(cpu[False]) * 1e3)
PY
)
		rm -f "$out"/startup-[1-8].json
		how="hyperfine -N, $((slice * 8)) runs each in 8 alternating slices, times in $out/startup-$tag.json"
	else
		# Fallback: whole loops timed with date +%s%N, alternating in 4
		# slices; no CPU figures.
		local ta=0 tb=0 slice=$(((n + 3) / 4)) i t0 t1 t2
		for _ in 1 2 3 4; do
			t0=$(date +%s%N); for ((i = 0; i < slice; i++)); do $a 2>/dev/null; done; t1=$(date +%s%N)
			for ((i = 0; i < slice; i++)); do $b; done; t2=$(date +%s%N)
			ta=$((ta + t1 - t0)) tb=$((tb + t2 - t1))
		done
		ma=$(awk -v t=$ta -v n=$((slice * 4)) 'BEGIN { print t / n / 1e6 }')
		mb=$(awk -v t=$tb -v n=$((slice * 4)) 'BEGIN { print t / n / 1e6 }')
		meda=$ma medb=$mb ca=0 cb=0
		how="shell loop, $((slice * 4)) runs each (no hyperfine)"
	fi
	awk -v a="$a" -v b="$b" -v ma="$ma" -v mb="$mb" -v meda="$meda" -v medb="$medb" -v ca="$ca" -v cb="$cb" \
		-v how="$how" 'BEGIN {
		printf "  (%s)\n", how
		printf "  %-40s mean %7.3f ms  median %7.3f ms  cpu %6.3f ms\n", a, ma, meda, ca
		printf "  %-40s mean %7.3f ms  median %7.3f ms  cpu %6.3f ms\n", b, mb, medb, cb
		printf "  ratio oomguard/choom: mean %.2fx, median %.2fx", ma / mb, meda / medb
		if (cb > 0) printf ", cpu %.2fx", ca / cb
		printf "\n"
	}'
}

for scale in ${SCALES:-100 5000}; do
	have=$(nprocs)
	while [ "$have" -lt "$scale" ]; do
		sleep 3600 3>&- &
		sleepers+=($!)
		have=$((have + 1))
	done
	sleep 1
	echo "startup at $(nprocs) processes (asked for $scale; ${#sleepers[@]} sleepers spawned)"
	tag=$scale-true
	echo " a job that ends at once (target <= 1.5x):"
	pair "$og run --adj 0 -- true" "choom -n 0 -- true" "$runs"
	tag=$scale-live
	echo " a job that lives 50 ms (the read-back scans while it runs):"
	pair "$og run --adj 0 -- sleep 0.05" "choom -n 0 -- sleep 0.05" "$live_runs"
	stop_sleepers
done
