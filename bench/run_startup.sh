#!/usr/bin/env bash
# Start-up cost of a protected job: `oomguard run --adj 0 -- true` against
# `choom -n 0 -- true` (util-linux, what a user would otherwise type), side by
# side in one run.  Prints both means and the ratio oomguard/choom (issue 2
# target: <= 1.5).  oomguard's extra work is the fork it stays the parent of,
# the read-back from /proc and the report; choom execs in place.
# Env: OG_BIN (default ./oomguard), RUNS (default 2000), OUT (JSON dir, default bench/out).
set -u
cd "$(dirname "$0")/.."
og=${OG_BIN:-$PWD/oomguard}
runs=${RUNS:-2000}
out=${OUT:-$PWD/bench/out}
[ -x "$og" ] || { echo "bench/run_startup.sh: build oomguard first (make)"; exit 1; }
command -v choom >/dev/null || { echo "bench/run_startup.sh: needs choom (util-linux)"; exit 1; }
mkdir -p "$out"
a="$og run --adj 0 -- true"
b="choom -n 0 -- true"

if command -v hyperfine >/dev/null; then
	# -N: no intermediate shell, so only the two programs are measured.
	# Output (oomguard's read-back on stderr) goes to /dev/null in both.
	# hyperfine runs one command's batch, then the other's; on a shared
	# machine load drifts, so the runs are split into 8 slices with the
	# order alternating, and every time of every slice is pooled.
	slice=$(((runs + 7) / 8))
	for k in 1 2 3 4 5 6 7 8; do
		if [ $((k % 2)) -eq 1 ]; then set -- "$a" "$b"; else set -- "$b" "$a"; fi
		hyperfine -N --style none --warmup 20 --runs "$slice" --export-json "$out/startup-$k.json" "$@" \
			>/dev/null 2>&1 || { echo "bench/run_startup.sh: hyperfine failed"; exit 1; }
	done
	read -r ma mb meda medb < <(python3 - "$out" "$a" <<'PY'
import json, statistics, sys
out, a = sys.argv[1], sys.argv[2]
t = {True: [], False: []}
for k in range(1, 9):
    for r in json.load(open(f"{out}/startup-{k}.json"))["results"]:
        t[r["command"] == a] += r["times"]
json.dump({"oomguard_s": t[True], "choom_s": t[False]}, open(f"{out}/startup.json", "w"))
print(statistics.mean(t[True]) * 1e3, statistics.mean(t[False]) * 1e3,
      statistics.median(t[True]) * 1e3, statistics.median(t[False]) * 1e3)
PY
)
	rm -f "$out"/startup-[1-8].json
	how="hyperfine -N, $((slice * 8)) runs each in 8 alternating slices, times in $out/startup.json"
else
	# Fallback: whole loops timed with date +%s%N, alternating in 4 slices so
	# that drift in machine load hits both sides alike.
	ta=0 tb=0 slice=$(((runs + 3) / 4))
	for _ in 1 2 3 4; do
		t0=$(date +%s%N); for ((i = 0; i < slice; i++)); do $a 2>/dev/null; done; t1=$(date +%s%N)
		for ((i = 0; i < slice; i++)); do $b; done; t2=$(date +%s%N)
		ta=$((ta + t1 - t0)) tb=$((tb + t2 - t1))
	done
	n=$((slice * 4))
	ma=$(awk -v t=$ta -v n=$n 'BEGIN { print t / n / 1e6 }')
	mb=$(awk -v t=$tb -v n=$n 'BEGIN { print t / n / 1e6 }')
	meda=$ma medb=$mb
	how="shell loop, $n runs each (no hyperfine)"
fi
awk -v a="$a" -v b="$b" -v ma="$ma" -v mb="$mb" -v meda="$meda" -v medb="$medb" -v how="$how" 'BEGIN {
	printf "startup (%s)\n", how
	printf "  %-36s mean %7.3f ms  median %7.3f ms\n", a, ma, meda
	printf "  %-36s mean %7.3f ms  median %7.3f ms\n", b, mb, medb
	printf "  ratio oomguard/choom: mean %.2fx, median %.2fx (target <= 1.5x)\n", ma / mb, meda / medb
}'
