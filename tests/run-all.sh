#!/usr/bin/env bash
# Runs every suite and ends with "N passed, N failed, N skipped".
# Unit tests are cmocka binaries (TAP output); CLI and host tests are bats files.
# Suites: OG_SUITES="unit cli host slurm" (default all; slurm starts a one-node
# Slurm cluster, tests/slurm/cluster.sh, and skips with the reason without one).  Needs OG_BIN and OG_BUILD.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${OG_BIN:?}" "${OG_BUILD:?}"
export OG_BIN OG_BUILD OG_ROOT="$(dirname "$here")"
suites=${OG_SUITES:-unit cli host slurm}
pass=0 fail=0 skip=0
failed_names=()

count_tap() { # $1 = suite label; reads TAP on stdin, echoes it, counts it
	local line
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		"ok "*"# skip"*|"ok "*"# SKIP"*) skip=$((skip + 1)) ;;
		"ok "*) pass=$((pass + 1)) ;;
		"not ok "*) fail=$((fail + 1)); failed_names+=("$1: ${line#not ok }") ;;
		esac
	done
}

for s in $suites; do
	case $s in
	unit)
		for t in "$OG_BUILD"/tests/test_*; do
			[ -x "$t" ] || continue
			name=$(basename "$t")
			echo "# unit: $name"
			out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1); rc=$?
			count_tap "$name" < <(printf '%s\n' "$out")
			# A crash before cmocka could report is a failure too.
			if [ $rc -ne 0 ] && ! grep -q '^not ok' <<<"$out"; then
				fail=$((fail + 1)); failed_names+=("$name: exited $rc")
				echo "not ok - $name exited with $rc"
			fi
		done ;;
	cli|host|slurm)
		for f in "$here/$s"/*.bats; do
			[ -e "$f" ] || continue
			echo "# $s: $(basename "$f")"
			count_tap "$(basename "$f")" < <(bats --tap "$f" 2>&1)
		done ;;
	esac
done

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "# failures:"
	printf '#   %s\n' "${failed_names[@]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
