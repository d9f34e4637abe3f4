#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time; a finding is a failure.
# Usage: run.sh SECONDS TARGET...
set -u
secs=$1; shift
pass=0 fail=0
for t in "$@"; do
	name=$(basename "$t")
	corpus=tests/fuzz/corpus/${name#fuzz_}
	work=$(mktemp -d)
	[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null
	if "$t" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=0 "$work" >"$work.log" 2>&1; then
		echo "ok - $name ($(sed -nE 's/^Done ([0-9]+) runs.*/\1/p' "$work.log" | tail -n1) runs in ${secs}s)"
		pass=$((pass + 1))
	else
		echo "not ok - $name"; tail -n 40 "$work.log"
		fail=$((fail + 1))
	fi
	rm -rf "$work" "$work.log"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
