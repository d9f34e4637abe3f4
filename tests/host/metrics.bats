#!/usr/bin/env bats
# `oomguard metrics` read by Debian's real prometheus-node-exporter: a real
# memcg OOM kill in a throwaway cgroup, the textfile written, node_exporter
# started on 127.0.0.1 (a free port, only the textfile collector), scraped.

MEMCG_ROOT=/sys/fs/cgroup/memory
NE=/usr/bin/prometheus-node-exporter

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to create a memory cgroup"
	[ -x "$NE" ] || skip "prometheus-node-exporter not installed"
	[ -w "$MEMCG_ROOT" ] || skip "no writable cgroup-v1 memory controller"
	T=$BATS_TEST_TMPDIR
	# letters only in the tag: the cgroup label keeps them (numbers become '*'),
	# so kills of earlier runs still in the kernel log do not count here
	TAG=$(tr -dc g-z </dev/urandom | head -c 10)
	CG=$MEMCG_ROOT/og-test-$$-metrics-$TAG
	mkdir "$CG"
	echo 64M >"$CG/memory.limit_in_bytes"
	[ -e "$CG/memory.memsw.limit_in_bytes" ] && echo 64M >"$CG/memory.memsw.limit_in_bytes"
	mkdir -p "$T/textfile"
	NE_PID=
}

teardown() {
	[ -n "$NE_PID" ] && kill "$NE_PID" 2>/dev/null && wait "$NE_PID" 2>/dev/null
	if [ -n "${CG:-}" ] && [ -d "$CG" ]; then
		for p in $(cat "$CG/cgroup.procs"); do kill -KILL "$p" 2>/dev/null; done
		sleep 0.2
		rmdir "$CG"
	fi
}

oom_kill() { # a hog killed by the kernel in $CG
	# The kernel prints an OOM report's header and its "oom-kill:" summary
	# (the one that names the cgroup) at most 10 times per 5 s (oom_rs in
	# mm/oom_kill.c, DEFAULT_RATELIMIT_*); the suite's earlier kills can use
	# that up, and a kill without its summary has no cgroup to count by.
	sleep 6
	(sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" --hold 1 --grow 8 --tick 10 --max 0' sh "$CG" "$OG_BUILD/helpers/og_hog") 2>/dev/null || true
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

scrape() { python3 -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "http://127.0.0.1:$PORT/metrics"; }

value() { # metric line prefix -> value
	awk -v k="$1" 'index($0, k) == 1 { print $NF }' <<<"$2"
}

@test "node_exporter serves oomguard's kill counters after a real memcg kill; counts survive a rerun and grow with the next kill" {
	# Count from now: the kernel log holds other tests' kills too, and the
	# label set is bounded.
	printf '# oomguard metrics state v1\nsince %s\n' "$(date +%s%6N)" >"$T/state"
	oom_kill
	run "$OG_BIN" metrics --dir "$T/textfile" --state "$T/state"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -s "$T/textfile/oomguard.prom" ]
	ls "$T/textfile" | grep -v '^oomguard.prom$' && false
	PORT=$(free_port)
	"$NE" --web.listen-address=127.0.0.1:$PORT --collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$T/textfile" >"$T/ne.log" 2>&1 3>&- &
	NE_PID=$!
	for i in $(seq 1 50); do scrape >/dev/null 2>&1 && break; sleep 0.1; done
	out=$(scrape)
	# node_exporter parsed the file without error
	[ "$(value 'node_textfile_scrape_error ' "$out")" = 0 ]
	label="oomguard_oom_kills_by_cgroup_total{cgroup=\"/og-test-*-metrics-$TAG\",killer=\"kernel-memcg\"}"
	[ "$(value "$label" "$out")" = 1 ]
	first=$(value 'oomguard_oom_kills_total{killer="kernel-memcg"}' "$out")
	[ "$first" -ge 1 ]
	echo "# scraped: $(grep -c '^oomguard_' <<<"$out") oomguard samples, e.g. $label $(value "$label" "$out")" >&3
	[ "$(value 'oomguard_killer_armed{killer="kernel"}' "$out")" = 1 ]
	last=$(value 'oomguard_last_oom_kill_timestamp_seconds{killer="kernel-memcg"}' "$out")
	# node_exporter prints floats as Go does (1.79e+09)
	awk -v t="$last" -v now="$(date +%s)" 'BEGIN { exit !(t + 0 >= now - 120 && t + 0 <= now + 1) }'
	# the same log again: nothing counted twice
	"$OG_BIN" metrics --dir "$T/textfile" --state "$T/state"
	out=$(scrape)
	[ "$(value "$label" "$out")" = 1 ]
	# one more kill: one more count
	oom_kill
	"$OG_BIN" metrics --dir "$T/textfile" --state "$T/state"
	out=$(scrape)
	[ "$(value "$label" "$out")" = 2 ]
	[ "$(value 'oomguard_oom_kills_total{killer="kernel-memcg"}' "$out")" -ge $((first + 1)) ]
}

@test "metrics: a state file that is not oomguard's fails with one line and is left alone; bad options exit 2" {
	echo "hello" >"$T/state"
	run "$OG_BIN" metrics --dir "$T/textfile" --state "$T/state"
	[ "$status" -eq 1 ]
	[ "$output" = "oomguard: metrics: cannot read the state file '$T/state': not an oomguard metrics state file" ]
	[ "$(cat "$T/state")" = hello ]
	[ ! -e "$T/textfile/oomguard.prom" ]
	run "$OG_BIN" metrics --bogus
	[ "$status" -eq 2 ]
	run "$OG_BIN" metrics extra
	[ "$status" -eq 2 ]
	[ "$output" = "oomguard: metrics: unexpected argument 'extra'" ]
}
