#!/usr/bin/env bats
# A secure-exec oomguard (installed with a file capability, or set-id) has its
# LD_LIBRARY_PATH, TMPDIR & co. stripped by glibc.  The job must still get
# the caller's environment (CUDA needs LD_LIBRARY_PATH), its identity must be
# the caller's, and /proc/self must stay writable for the adj write.
# A setgid copy gives secure-exec mode on any host, file capability or not.

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make a setgid copy"
	command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
	# The sanitizer runtimes ignore ASAN_OPTIONS in a set-id process and
	# LeakSanitizer then aborts at exit: the plain build covers this.
	! grep -q __asan_init "$OG_BIN" || skip "sanitized build: ASan cannot run set-id"
	dir=$(mktemp -d /tmp/og-secure.XXXXXX)
	chmod 755 "$dir"
	cp "$OG_BIN" "$dir/oomguard"
	chgrp mail "$dir/oomguard" && chmod 2755 "$dir/oomguard"
	as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
}

teardown() {
	if [ -n "${dir:-}" ]; then rm -rf "$dir"; fi
}

@test "secure-exec oomguard: the job gets LD_LIBRARY_PATH and TMPDIR back" {
	run "${as_nobody[@]}" env LD_LIBRARY_PATH=/opt/cuda/lib64 TMPDIR=/scratch "$dir/oomguard" run -q --adj 100 -- /usr/bin/env
	[ "$status" -eq 0 ]
	[[ "$output" == *"LD_LIBRARY_PATH=/opt/cuda/lib64"* ]]
	[[ "$output" == *"TMPDIR=/scratch"* ]]
}

@test "secure-exec oomguard: the job runs with the caller's ids, not the set-id group" {
	run "${as_nobody[@]}" "$dir/oomguard" run -q --adj 100 -- /bin/cat /proc/self/status
	[ "$status" -eq 0 ]
	grep -Eq '^Gid:[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534$' <<<"$output"
	grep -Eq '^CapEff:[[:space:]]+0+$' <<<"$output"
}

@test "secure-exec oomguard: the adj write to its own child still works (non-dumpable /proc/self)" {
	run "${as_nobody[@]}" "$dir/oomguard" run -q --adj 123 -- /bin/cat /proc/self/oom_score_adj
	[ "$status" -eq 0 ]
	[ "$output" = "123" ]
}
