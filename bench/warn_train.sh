#!/usr/bin/env bash
# Work lost per OOM kill in a real PyTorch training session (issue 12),
# against the same session without the warning.
#
# Each session (tests/helpers/train_session.sh): examples/train.py with a
# DataLoader of 2 workers and a leak of LEAK MiB per 100 ms step, in a
# throwaway cgroup-v1 memory cgroup of LIMIT, to the memcg OOM kill; the job
# saves a checkpoint at every notice (write-then-rename), then is restarted
# with --resume.  Work lost = training between the last checkpoint and the
# kill: steps, and seconds of training (last step's time - checkpoint's time);
# kill_s is the wall time from that checkpoint to the job's end (the kernel
# reclaims for a while before it kills).  Without the warning the same kill
# loses every step since the start (no checkpoint): the "unwarned" column.
#
# Matrix: limits 600M and 1000M x leaks 4 and 2 MiB/step (about 40 and
# 20 MiB/s), RUNS (default 5) sessions each under `oomguard run --warn`, and
# RUNS_OTHER (default 2) each with `run --detach --warn` and `oomguard watch
# PID`.  Target: lost_s <= 3 s in every run; first_ckpt >= 2 (the first
# warning after the start-up, i.e. after the first batch).
# Env: OG_BIN (default ./oomguard), RUNS, RUNS_OTHER.
set -u
cd "$(dirname "$0")/.."
export OG_BIN=${OG_BIN:-$PWD/oomguard}
export OG_ROOT=$PWD
runs=${RUNS:-5}
other=${RUNS_OTHER:-2}
[ -x "$OG_BIN" ] || { echo "bench/warn_train.sh: build oomguard first (make)"; exit 1; }
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "bench/warn_train.sh: needs python3-torch"; exit 1; }
[ "$(id -u)" -eq 0 ] && [ -w /sys/fs/cgroup/memory/cgroup.procs ] || { echo "bench/warn_train.sh: needs root and cgroup-v1 memory"; exit 1; }

all=$(mktemp)
trap 'rm -f "$all"' EXIT
for limit in 600M 1000M; do
	for leak in 4 2; do
		for mode in run detach watch; do
			n=$runs
			[ "$mode" = run ] || n=$other
			for _ in $(seq "$n"); do
				line=$(tests/helpers/train_session.sh "$mode" "$limit" "$leak" 100)
				echo "$line" | tee -a "$all"
			done
		done
	done
done

echo
awk '
	{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }
	f["result"] != "ok" { bad++; next }
	{ n++; s += f["lost_s"]; if (f["lost_s"] > mx) mx = f["lost_s"]; st += f["lost_steps"]; un += f["last_step"]
	  if (f["lost_s"] > 3.0) over++; if (f["first_ckpt"] < 2) early++ }
	END {
		printf "sessions ok %d, failed %d\n", n, bad
		if (n) printf "work lost, warned: mean %.2f s (%.1f steps), max %.2f s; over 3 s: %d; first warning before the first batch: %d\n", s / n, st / n, mx, over, early
		if (n) printf "work lost, unwarned (same kill, no checkpoint): mean %.1f steps: %.0fx the warned\n", un / n, st ? un / st : 0
	}' "$all"
