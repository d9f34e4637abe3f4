#!/usr/bin/env bash
# oomguard top --json (full table, every process) against
# ps -eo pid,oom,oomadj,rss,comm --sort=-oom, side by side, with 1,000 and
# 10,000 extra idle processes.  Prints the mean times and the ratio
# oomguard/ps at each size (target: <= 0.5 at 10,000).
# Env: OG_BIN (default ./oomguard), SIZES (default "1000 10000"), RUNS (10).
set -u
cd "$(dirname "$0")/.."
og=${OG_BIN:-$PWD/oomguard}
sizes=${SIZES:-1000 10000}
runs=${RUNS:-10}
[ -x "$og" ] || { echo "bench/top.sh: build oomguard first (make)"; exit 1; }
ps -eo pid,oom >/dev/null 2>&1 || { echo "bench/top.sh: needs procps-ng >= 4 (ps -o oom)"; exit 1; }

tmp=$(mktemp -d /tmp/og-bench-top.XXXXXX)
spawner=""
cleanup() { [ -n "$spawner" ] && kill "$spawner" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# A tiny forker: N children that pause() and die with their parent.
cat >"$tmp/idle.c" <<'C'
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0, made = 0;
	pid_t *kids = calloc((size_t)n + 1, sizeof(*kids));
	sigset_t set;
	int sig;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (; kids && made < n; made++) {
		pid_t p = fork();
		if (p < 0)
			break;
		if (p == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
		kids[made] = p;
	}
	printf("%ld\n", made);
	fflush(stdout);
	/* On SIGTERM: kill and reap every child ourselves, so no zombie is
	 * left for a PID 1 that may not reap. */
	sigwait(&set, &sig);
	for (long i = 0; i < made; i++)
		kill(kids[i], SIGKILL);
	for (long i = 0; i < made; i++)
		waitpid(kids[i], NULL, 0);
	return 0;
}
C
cc -O2 -o "$tmp/idle" "$tmp/idle.c" || exit 1

pid_max=$(cat /proc/sys/kernel/pid_max)
threads_max=$(cat /proc/sys/kernel/threads-max)
nproc_limit=$(ulimit -u)
nprocs() { find /proc -maxdepth 1 -name "[0-9]*" 2>/dev/null | wc -l; }
now=$(nprocs)
room=$(( (pid_max < threads_max ? pid_max : threads_max) - now - 500 ))
[ "$nproc_limit" != unlimited ] && [ $((nproc_limit - now - 500)) -lt "$room" ] && room=$((nproc_limit - now - 500))
echo "pid_max $pid_max, threads-max $threads_max, ulimit -u $nproc_limit, $now processes now: room for $room more (pid_max is read, never written)"

timeit() { # mean seconds of N runs of "$@" > /dev/null
	local t0 t1
	t0=$(date +%s%N)
	for ((i = 0; i < runs; i++)); do "$@" >/dev/null; done
	t1=$(date +%s%N)
	echo "scale=6; ($t1 - $t0) / $runs / 1000000000" | bc
}

for n in $sizes; do
	want=$n
	if [ "$n" -gt "$room" ]; then
		n=$room
		echo "size $want reduced to $n: pid_max/threads-max/ulimit leave no more room"
	fi
	rm -f "$tmp/made"
	"$tmp/idle" "$n" >"$tmp/made" &
	spawner=$!
	while [ ! -s "$tmp/made" ]; do sleep 0.1; done
	made=$(cat "$tmp/made")
	total=$(nprocs)
	rows=$("$og" top --json | jq '.processes | length')
	if command -v hyperfine >/dev/null; then
		hyperfine -N --warmup 2 --runs "$runs" --export-json "$tmp/h.json" \
			"$og top --json" "ps -eo pid,oom,oomadj,rss,comm --sort=-oom" >/dev/null 2>&1
		t_og=$(jq '.results[0].mean' "$tmp/h.json")
		t_ps=$(jq '.results[1].mean' "$tmp/h.json")
		how="hyperfine, $runs runs each"
	else
		t_og=$(timeit "$og" top --json)
		t_ps=$(timeit ps -eo pid,oom,oomadj,rss,comm --sort=-oom)
		how="mean of $runs runs each"
	fi
	ratio=$(echo "scale=3; $t_og / $t_ps" | bc)
	printf 'idle +%d (%d processes, %d rows): oomguard top --json %.1f ms, ps %.1f ms, ratio %s (%s)\n' \
		"$made" "$total" "$rows" "$(echo "$t_og * 1000" | bc)" "$(echo "$t_ps * 1000" | bc)" "$ratio" "$how"
	kill "$spawner"; wait "$spawner" 2>/dev/null; spawner=""
done
