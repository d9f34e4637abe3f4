#!/usr/bin/env bash
# Runs every suite and ends with "N passed, N failed, N skipped".
# Unit tests are cmocka binaries (TAP output); CLI and host tests are bats files.
# Suites: OG_SUITES="unit cli host slurm" (default all; slurm starts a one-node
# Slurm cluster, tests/slurm/cluster.sh, and skips with the reason without one).  Needs OG_BIN and OG_BUILD.
# Each file (bats or unit binary) fails after OG_FILE_TIMEOUT seconds (900).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${OG_BIN:?}" "${OG_BUILD:?}"
export OG_BIN OG_BUILD OG_ROOT="$(dirname "$here")"
# Run with sudo (`./setup.sh check` as a user), the suite is root; an outer
# sudo's SUDO_UID/SUDO_GID/SUDO_USER would turn every root test into
# oomguard's sudo route (the job dropped to that user).  The tests of that
# route set these variables themselves.
for v in $(env | sed -n 's/^\(SUDO_[A-Za-z_]*\)=.*/\1/p'); do unset "$v"; done
suites=${OG_SUITES:-unit cli host slurm}
file_timeout=${OG_FILE_TIMEOUT:-900}
# count_tap runs as the last part of a pipeline and must count in this shell.
shopt -s lastpipe
pass=0 fail=0 skip=0
failed_names=()

# What a test file started and left behind: processes of this build's
# binaries (oomguard, the helpers), and og-test-* cgroups whose creator is
# gone (the tests name them og-test-[WORD-]PID-..., PID its shell's: a
# cgroup of another suite running at the same time on one machine still has
# a live creator).  Listed before and after each file; what is new after it
# (and still there a second later) fails that file: every test cleans up,
# also when it fails.
leftovers() {
	local p exe d n
	for p in /proc/[0-9]*; do
		exe=$(readlink "$p/exe" 2>/dev/null) || continue
		case $exe in "$OG_BUILD"/*|"$OG_BIN") echo "pid ${p#/proc/} $exe" ;; esac
	done
	for d in /sys/fs/cgroup/og-test-* /sys/fs/cgroup/*/og-test-*; do
		[ -d "$d" ] || continue
		n=$(sed -nE 's/^og-test-([a-z]+-)?([0-9]+)(-.*)?$/\2/p' <<<"${d##*/}")
		[ -n "$n" ] && [ ! -e "/proc/$n" ] && echo "cgroup $d"
	done
}
check_leftovers() { # $1 = suite label, $2 = list before the file
	local now i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		now=$(comm -13 <(sort <<<"$2") <(leftovers | sort))
		[ -z "$now" ] && return 0
		sleep 0.1
	done
	fail=$((fail + 1)); failed_names+=("$1: left behind: $(tr '\n' ';' <<<"$now")")
	echo "not ok - $1 left behind: $(tr '\n' ';' <<<"$now")"
}

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
			out=$(CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 10 "$file_timeout" "$t" 2>&1); rc=$?
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
			before=$(leftovers) t0=$SECONDS
			# A file that hangs fails after OG_FILE_TIMEOUT seconds (timeout
			# signals its whole process group) instead of eating the CI run.
			timeout -k 10 "$file_timeout" bats --tap "$f" 2>&1 | count_tap "$(basename "$f")"
			if [ "${PIPESTATUS[0]}" -eq 124 ]; then
				fail=$((fail + 1)); failed_names+=("$(basename "$f"): timed out after ${file_timeout}s")
				echo "not ok - $(basename "$f") timed out after ${file_timeout}s"
			fi
			check_leftovers "$(basename "$f")" "$before"
			echo "# $s: $(basename "$f") took $((SECONDS - t0))s"
		done ;;
	esac
done

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "# failures:"
	printf '#   %s\n' "${failed_names[@]}"
fi
echo "# suite wall time: ${SECONDS}s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
