#!/usr/bin/env bats
# The checkpoint promise in a real PyTorch training session (issue 12):
# examples/train.py with a DataLoader of 2 workers (the real start-up spike)
# and a leak, in a throwaway cgroup-v1 memory cgroup, to the memcg OOM kill;
# the job saves at every notice, is restarted with --resume, and must have
# lost at most 3 s of training; the first warning comes after the start-up.
# One session per way of watching: run --warn, run --detach --warn, and
# oomguard watch PID.  bench/warn_train.sh runs the full matrix (>= 5 runs
# at two leak rates and two limits) and prints the work lost per run.

session=$OG_ROOT/tests/helpers/train_session.sh

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a memory cgroup"
	[ -w /sys/fs/cgroup/memory/cgroup.procs ] || skip "no writable cgroup-v1 memory hierarchy"
	/usr/bin/python3 -c 'import torch' 2>/dev/null || skip "PyTorch not installed (Debian: python3-torch)"
}

check_session() { # $1 = mode
	run "$session" "$1" 600M 4 100
	echo "$output"
	[ "$status" -eq 0 ]
	echo "# $output" >&3
	local first lost
	first=$(grep -o 'first_ckpt=[0-9]*' <<<"$output" | cut -d= -f2)
	lost=$(grep -o 'lost_s=[0-9.]*' <<<"$output" | cut -d= -f2)
	[ "$first" -ge 2 ]                                  # warned after the start-up (the first batch)
	awk -v l="$lost" 'BEGIN { exit !(l <= 3.0) }'       # <= 3 s of training lost
}

@test "torch session: run --warn, killed, resumed; <= 3 s of training lost" {
	check_session run
}

@test "torch session: run --detach --warn, killed, resumed; <= 3 s lost; diagnosis and end record in the log" {
	check_session detach
}

@test "torch session: oomguard watch PID, killed, resumed; <= 3 s lost" {
	check_session watch
}

# The other policy of examples/train.py: stop cleanly at the critical notice
# (a hook sends SIGUSR2 then), losing nothing; --resume goes on from there.
@test "torch session: --stop-at-critical with the hook: exit 0 at critical, nothing lost, resumed" {
	local mc=/sys/fs/cgroup/memory cg dir out rc=0 step
	cg=$mc/og-test-$$-stop
	dir=$(mktemp -d /tmp/og-stop.XXXXXX)
	mkdir "$cg"
	echo 600M > "$cg/memory.limit_in_bytes"
	echo 0 > "$cg/memory.swappiness"
	out=$(sh -c 'echo $$ > "$1/cgroup.procs" || exit 99; shift; exec "$@"' sh "$cg" \
		"$OG_BIN" run -q --adj 500 --warn \
		--on-warn '[ "$OOMGUARD_LEVEL" = critical ] && kill -USR2 "$OOMGUARD_PID"' -- \
		/usr/bin/python3 "$OG_ROOT/examples/train.py" --workers 2 --leak-mib 4 --step-ms 100 \
		--stop-at-critical --ckpt "$dir/last.pt" 2>&1) || rc=$?
	echo "$out"
	for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	for _ in $(seq 20); do rmdir "$cg" 2>/dev/null && break; sleep 0.2; done
	[ "$rc" -eq 0 ]
	step=$(sed -n 's/.*memory critical: stopped cleanly at step \([0-9]*\);.*/\1/p' <<<"$out")
	[ -n "$step" ]
	[[ "$out" != *"was killed by"* ]]
	run /usr/bin/python3 "$OG_ROOT/examples/train.py" --resume "$dir/last.pt" --steps $((step + 2))
	rm -rf "$dir"
	echo "$output"
	[[ "$output" == *"resumed from step $step "* ]]
}
