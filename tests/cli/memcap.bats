#!/usr/bin/env bats
# run/protect --memory-max/--memory-high/--swap-max: every bad value is one
# escaped usage line (exit 2) before anything runs or moves.

setup() {
	T=$BATS_TEST_TMPDIR
}

teardown() {
	if [ -n "${B:-}" ]; then rm -rf "$B"; fi
}

bad_run() { # $@ = options; the job would create $T/ran
	run "$OG_BIN" run --adj 0 "$@" -- touch "$T/ran"
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[ ! -e "$T/ran" ]
}

@test "cap: bad sizes are refused by run before anything runs" {
	for v in 0 3K -1G +1G " 1G" "1G " 1GB 1.5 1.2345G abc 10X 0x10 1e9 "" 2000000T 101% 0% 100.5% %; do
		bad_run --memory-max "$v"
		[[ "$output" == "oomguard: run: invalid --memory-max '$v': expected "* ]] || { echo "$v: $output"; false; }
	done
	for v in 50% -1 1.5 x; do
		bad_run --memory-max 1G --swap-max "$v"
		[[ "$output" == "oomguard: run: invalid --swap-max '$v': expected a size like 0, 512M or 2G"* ]]
	done
	bad_run --memory-max 1G --memory-high 0
	[[ "$output" == "oomguard: run: invalid --memory-high '0':"* ]]
}

@test "cap: inconsistent caps are refused before anything runs" {
	bad_run --memory-high 1G
	[ "$output" = "oomguard: run: --memory-high needs --memory-max: the cap is memory.max, the rest refines it" ]
	bad_run --swap-max 0
	[ "$output" = "oomguard: run: --swap-max needs --memory-max: the cap is memory.max, the rest refines it" ]
	bad_run --memory-max 1G --memory-high 2G
	[ "$output" = "oomguard: run: --memory-high 2.0 GiB is above --memory-max 1.0 GiB: throttling would never start before the kill" ]
	run "$OG_BIN" run --memory-max
	[ "$status" -eq 2 ]
	[ "$output" = "oomguard: run: option '--memory-max' needs a value" ]
}

@test "cap: --adj -1000 with a cap is refused (the kernel would never kill the job at its cap)" {
	bad_run --adj -1000 --memory-max 1G
	[[ "$output" == "oomguard: run: --adj -1000 with --memory-max: the kernel never kills a task at -1000, not even at its own cap"* ]]
	sleep 30 & p=$!
	run "$OG_BIN" protect --scope --adj -1000 --memory-max 1G "$p"
	[ "$status" -eq 2 ]
	[[ "$output" == "oomguard: protect: --adj -1000 with --memory-max:"* ]]
	kill "$p"
}

@test "cap: control bytes in a bad value are escaped" {
	bad_run --memory-max $'1\e[2J'
	[[ "$output" == *"'1\\x1b[2J'"* ]]
}

@test "cap: protect refuses a cap without --scope, and bad values, before moving anything" {
	sleep 30 & p=$!
	before=$(cat /proc/$p/cgroup)
	run "$OG_BIN" protect --memory-max 1G "$p"
	[ "$status" -eq 2 ]
	[ "$output" = "oomguard: protect: --memory-max needs --scope: the cap is a property of the scope the processes move into" ]
	run "$OG_BIN" protect --scope --memory-max 1Q "$p"
	[ "$status" -eq 2 ]
	[[ "$output" == "oomguard: protect: invalid --memory-max '1Q': expected "* ]]
	run "$OG_BIN" protect --scope --memory-max 1G --memory-high 2G "$p"
	[ "$status" -eq 2 ]
	[ "$(cat /proc/$p/cgroup)" = "$before" ]
	kill "$p"
}

@test "cap: a percentage is of RAM (MemTotal), read back in the cap line" {
	[ "$(id -u)" -eq 0 ] || skip "a cgroup of its own needs root here"
	[ ! -d /run/systemd/system ] || skip "systemd here: the VM lane covers scopes"
	[ -w /sys/fs/cgroup/memory/cgroup.procs ] || skip "no cgroup-v1 memory controller"
	run "$OG_BIN" run --adj 0 --memory-max 50% -- true
	[ "$status" -eq 0 ]
	want=$(awk '$1 == "MemTotal:" { printf "%.1f GiB", $2 / 2 / 1048576 }' /proc/meminfo)
	[[ "$output" == *"memory cap: $want max on "* ]] || { echo "want $want: $output"; false; }
}

@test "cap: unprivileged without systemd is a clear error naming what is missing" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to become nobody"
	[ ! -d /run/systemd/system ] || skip "systemd here"
	command -v setpriv >/dev/null || skip "no setpriv"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$OG_BIN" run --adj 0 --memory-max 1G -- touch "$T/ran"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--memory-max needs a memory cgroup for the job, and nothing here can make one: systemd is not the service manager"*"uid 65534 is not root"*"nothing was run" ]]
	[ ! -e "$T/ran" ]
}


@test "cap: protect --scope --memory-max unprivileged without systemd is a clear error; nothing is moved" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to become nobody"
	[ ! -d /run/systemd/system ] || skip "systemd here"
	command -v setpriv >/dev/null || skip "no setpriv"
	# A copy nobody can reach: the checkout may sit under root's 0700 home.
	B=$(mktemp -d /tmp/og-capbin.XXXXXX)
	chmod 755 "$B" && cp "$OG_BIN" "$B/oomguard" && chmod 755 "$B/oomguard"
	run setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'sleep 5 & p=$!; before=$(grep :memory: /proc/$p/cgroup)
		"$1" protect --scope --memory-max 64M "$p"; rc=$?
		[ "$(grep :memory: /proc/$p/cgroup)" = "$before" ] || echo MOVED; kill $p; exit $rc' sh "$B/oomguard"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--memory-max needs a memory cgroup for them, and nothing here can make one"*"uid 65534 is not root; nothing was moved" ]]
	[[ "$output" != *MOVED* ]]
}
