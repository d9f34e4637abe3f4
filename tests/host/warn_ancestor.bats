#!/usr/bin/env bats
# The warning is judged by the tightest memory limit on the job's path
# (issue 12 point 5), on real cgroup-v1 memory cgroups: a parent limited to
# 256 MiB that a neighbour shares (64 MiB held) and, below it, the job's own
# cgroup either with a roomy cap of its own (`run --memory-max 1G`: a cap
# larger than the parent's room) or with no limit at all.  The kernel
# charges each page to every ancestor (cgroup-v1/memory.rst "Hierarchy
# support"), so the parent's memcg OOM kill comes first: the warning must
# name the parent's limit and come before that kill.  The 1G-cap case fails
# on a watcher that judges only the nearest limited cgroup (its eta is
# against 1 GiB: 12 s away at the kill).  Control: the same leak held at
# 160 MiB with the parent unlimited: no notice at all.

load memcg
mc=/sys/fs/cgroup/memory
ratehog=${OG_BUILD}/helpers/og_ratehog
hog=${OG_BUILD}/helpers/og_hog
SPEC=eta:2s,critical-eta:1s,psi-full:off,startup:0s

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a memory cgroup"
	[ -w "$mc/cgroup.procs" ] || skip "no writable cgroup-v1 memory hierarchy at $mc"
	[ ! -d /run/systemd/system ] || skip "systemd runs here: --memory-max goes on a scope (tests/vm)"
	[ -x "$ratehog" ] && [ -x "$hog" ] || skip "helpers not built"
	tmp=$(mktemp -d /tmp/og-anc.XXXXXX)
	par=$mc/og-test-$$-anc-$BATS_TEST_NUMBER
	og_memcg_make "$par"
	desk=
}

teardown() {
	[ -n "${desk:-}" ] && kill -9 "$desk" 2>/dev/null
	og_memcg_remove "${par:-}"
	[ -n "${tmp:-}" ] && rm -rf "$tmp"
	true
}

limit_parent() {
	echo 256M > "$par/memory.limit_in_bytes"
	[ -e "$par/memory.memsw.limit_in_bytes" ] && echo 256M > "$par/memory.memsw.limit_in_bytes"
	true
}


start_neighbour() { # 64 MiB held in the parent
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$par" "$hog" --hold 64 --ready "$tmp/desk.ready" 3>&- &
	desk=$!
	for _ in $(seq 200); do [ -e "$tmp/desk.ready" ] && break; sleep 0.05; done
	[ -e "$tmp/desk.ready" ]
}

# $1 = where the watcher runs (the job is its child there, or in its own
# cap below it); the rest: oomguard run options.  Sets rc, t_end.
run_leak() {
	local where=$1
	shift
	rc=0
	timeout 60 sh -c 'echo $$ > "$1/cgroup.procs" || exit 99; shift; exec "$@"' sh "$where" \
		"$OG_BIN" run --adj 0 "$@" --warn=$SPEC -- "$ratehog" --rate 64 --mark "$tmp/mark" 2>"$tmp/err" 3>&- || rc=$?
	t_end=$(date +%s%N)
}

check_warned_by_parent() {
	local name t_sig
	name=/$(basename "$par")
	cat "$tmp/err"
	[ "$rc" -eq 137 ]
	# the kernel logged the parent as the OOM domain (oomguard's diagnosis
	# quotes it); a cap of the job's own was never reached
	grep -q "was killed by kernel-memcg: .* because memory cgroup $name reached its limit of 256M" "$tmp/err"
	! grep -q "killed by its own cap" "$tmp/err"
	grep -Eq "^oomguard: warning: pid [0-9]+: memcg headroom [0-9]+ MiB \(limit 256 MiB of $name\) gone in [0-9.]+s at [0-9]+ MiB/s \(threshold eta:2s\); sent SIGUSR1" "$tmp/err"
	t_sig=$(awk '$1 == "usr1" { print $2; exit }' "$tmp/mark")
	[ -n "$t_sig" ]
	echo "# warning->parent kill margin: $(( (t_end - t_sig) / 1000000 )) ms" >&3
	[ $(( t_end - t_sig )) -gt 0 ]
}

@test "ancestor: a job with a roomy cap of its own (1G) is warned by its 256 MiB parent's limit before the parent's memcg kill" {
	limit_parent
	start_neighbour
	run_leak "$par" --memory-max 1G
	grep -q "^oomguard: \.\.\. and above it memory cgroup /$(basename "$par") (limit 256 MiB): the tightest headroom binds" "$tmp/err"
	check_warned_by_parent
}

@test "ancestor: a job in an unlimited child is warned by its 256 MiB parent's limit before the parent's memcg kill" {
	limit_parent
	mkdir "$par/child"
	echo 0 > "$par/child/memory.swappiness"
	start_neighbour
	run_leak "$par/child"
	check_warned_by_parent
}

@test "ancestor control: the same leak with the parent unlimited, held at 160 MiB: no notice" {
	start_neighbour
	timeout 30 sh -c 'echo $$ > "$1/cgroup.procs" || exit 99; shift; exec "$@"' sh "$par" \
		"$OG_BIN" run --adj 0 --memory-max 1G --warn=$SPEC -- "$ratehog" --rate 64 --max 160 --mark "$tmp/mark" 2>"$tmp/err" 3>&- &
	local og=$! job=
	for _ in $(seq 100); do job=$(cat "$par"/oomguard-*/cgroup.procs 2>/dev/null) && [ -n "$job" ] && break; sleep 0.05; done
	[ -n "$job" ]
	sleep 4 # 2.5 s to 160 MiB, then held
	kill "$job"
	wait "$og" || true
	cat "$tmp/err"
	grep -q "^oomguard: memory cap: 1.0 GiB max on /$(basename "$par")/oomguard-" "$tmp/err"
	! grep -Eq "^oomguard: (warning|critical):" "$tmp/err"
	! grep -q '^usr1' "$tmp/mark"
}
