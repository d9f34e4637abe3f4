# Throwaway cgroup-v1 memory cgroups for the host suites (load memcg): made
# with a limit and swappiness 0, removed with everything in them from the
# teardown, so also when a test failed.

# PATH [LIMIT]: mkdir; the memory limit (and memory+swap where the kernel
# accounts it) when given; swappiness 0, so a limit is reached without swap.
og_memcg_make() {
	mkdir "$1" || return
	if [ -n "${2:-}" ]; then
		echo "$2" >"$1/memory.limit_in_bytes" || return
		[ ! -e "$1/memory.memsw.limit_in_bytes" ] || echo "$2" >"$1/memory.memsw.limit_in_bytes" || return
	fi
	echo 0 >"$1/memory.swappiness"
}

# PATH: SIGKILL every task in it and below.
og_memcg_kill() {
	local d p
	for d in $(find "$1" -type d 2>/dev/null | sort -r); do
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	done
}

# PATH [TRIES]: kill what is in it, then remove the tree, deepest first;
# retried every 0.2 s (10 times by default), since a killed task takes a
# moment to leave.  Returns 1 if it stays.
og_memcg_remove() {
	local i
	[ -n "${1:-}" ] && [ -d "$1" ] || return 0
	for ((i = 0; i < ${2:-10}; i++)); do
		og_memcg_kill "$1"
		find "$1" -mindepth 1 -type d 2>/dev/null | sort -r | xargs -r rmdir 2>/dev/null
		rmdir "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}
