#!/usr/bin/env bash
# Runs every benchmark in bench/ (each prints its own side-by-side ratios).
set -u
here=$(cd "$(dirname "$0")" && pwd)
rc=0
for b in "$here"/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	echo "== $(basename "$b")"
	bash "$b" || rc=1
done
exit $rc
