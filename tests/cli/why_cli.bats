#!/usr/bin/env bats
# oomguard why, the command around the parser: damaged gzip input, time
# filters that cannot apply, advice by systemd version and kill kind, and
# repeated kills grouped in the table.

L="$OG_ROOT/tests/fixtures/logs"
export TZ=UTC

setup() {
	tmp=$(mktemp -d)
}

teardown() {
	rm -rf "$tmp"
}

@test "why: a truncated .gz says so (as zcat does), shows the kills read before it and exits 1" {
	# 300 distinct kills (identical reports of one pid at one time are one kill).
	for i in $(seq 300); do sed "s/\b116\b/$((1000 + i))/g" "$L/kernel-6.x-global.dmesg"; done >"$tmp/k"
	gzip -c "$tmp/k" >"$tmp/k.gz"
	head -c $(($(stat -c %s "$tmp/k.gz") / 2)) "$tmp/k.gz" >"$tmp/t.gz"
	! zcat "$tmp/t.gz" >/dev/null 2>&1
	run "$OG_BIN" why --json --file "$tmp/t.gz"
	[ "$status" -eq 1 ]
	[[ "$output" == *"t.gz': unexpected end of file (truncated gzip) after "*" bytes"* ]]
	n=$(grep -c '^{' <<<"$output")
	[ "$n" -gt 0 ] && [ "$n" -lt 300 ]
	grep '^{' <<<"$output" | jq -e -s 'all(.[]; .killer == "kernel-global")' >/dev/null
	# The whole file still reads clean, exit 0.
	run "$OG_BIN" why --json --file "$tmp/k.gz"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^{' <<<"$output")" -eq 300 ]
}

@test "why --since/--until on a boot-relative dmesg file says it cannot apply" {
	run "$OG_BIN" why --file "$L/kernel-6.x-global.dmesg" --since -2h
	[ "$status" -eq 0 ]
	[[ "$output" == *"--since/--until cannot apply to 1 kill: its log gives only seconds since boot"* ]]
	[[ "$output" == *"stress-ng-vm"* ]]
	# A log with wall-clock times is filtered silently.
	run "$OG_BIN" why --file "$L/earlyoom.syslog" --since "$(date +%Y)-10-01 12:30"
	[[ "$output" != *"cannot apply"* ]]
	# No range, no note.
	run "$OG_BIN" why --file "$L/kernel-6.x-global.dmesg"
	[[ "$output" != *"cannot apply"* ]]
	# A relative time is a systemd.time span, as journalctl --since reads it
	# (why once had its own unit table: no "1h 30min", no "1.5d", no "2w").
	for since in "-1h 30min" "1.5d ago" "-2w" "2 days ago" "-90s"; do
		run "$OG_BIN" why --file "$L/kernel-6.x-global.dmesg" --since "$since"
		[ "$status" -eq 0 ] || { echo "--since '$since': $output"; false; }
		[[ "$output" == *"cannot apply"* ]]
	done
	run "$OG_BIN" why --file "$L/kernel-6.x-global.dmesg" --since "3 parsecs ago"
	[ "$status" -eq 2 ]
}

# The advice after "would not have helped: " for a log and a version.
advice() { # $1 = file, $2 = --systemd-version or ""
	"$OG_BIN" why --json ${2:+--systemd-version "$2"} --file "$1" | jq -r '.explanation' | sed 's/.*would not have helped: //'
}

user_swap_log() {
	echo '2024-05-01T08:00:00+00:00 ws systemd-oomd[700]: Killed /user.slice/user-1000.slice/user@1000.service/app.slice/train.scope due to memory used (8120000000) / total (8300000000) and swap used (3900000000) / total (4000000000) being more than 90.00%' >"$tmp/swap.log"
}

@test "why: systemd-oomd pressure-kill advice follows the version's ownership rule (248-251: sudo; 252+: the user's scope)" {
	f=$L/oomd-v249-pressure.short
	for v in 248 249 251; do
		a=$(advice "$f" $v)
		[[ "$a" == "start the job with \`sudo oomguard run\`"*"user-owned scopes are ignored (systemd $v (248-251)"* ]] || { echo "$v: $a"; false; }
	done
	for v in 252 253 256; do
		a=$(advice "$f" $v)
		[[ "$a" == "start the job with \`oomguard run\`, which puts it in its own scope"*"systemd $v honours it on a scope the user owns for pressure kills"* ]] || { echo "$v: $a"; false; }
	done
	a=$(advice "$f" 247)
	[[ "$a" == "systemd 247 has no ManagedOOMPreference"* ]]
}

@test "why: systemd-oomd swap-kill advice is sudo oomguard run on every version (user-owned scopes ignored)" {
	user_swap_log
	for v in 249 252 253 257 ""; do
		a=$(advice "$tmp/swap.log" "$v")
		[[ "$a" == "start the job with \`sudo oomguard run\`"* ]] || { echo "${v:-unknown}: $a"; false; }
		[[ "$a" == *"user-owned scopes are ignored"* ]] || { echo "${v:-unknown}: $a"; false; }
	done
	# A system unit: sudo, or the unit's own preference.
	a=$(advice "$L/oomd-v252-swap.short-iso" 252)
	[[ "$a" == *"sudo oomguard run"*"(or set ManagedOOMPreference=omit on its unit)"* ]]
}

@test "why: with the version unknown, a pressure kill's advice says what depends on it" {
	a=$(advice "$L/oomd-v249-pressure.short" "")
	[[ "$a" == "start the job with \`sudo oomguard run\`"* ]]
	[[ "$a" == *"on systemd 252 and later \`oomguard run\`"*"on 248-251 (Ubuntu 22.04) user-owned scopes are ignored, and this log does not show the version"* ]]
	run "$OG_BIN" why --systemd-version nope --file "$L/oomd-v249-pressure.short"
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid --systemd-version 'nope'"* ]]
	# "systemd 249 (249.11-0ubuntu3.12)" as systemctl --version prints it is accepted.
	run "$OG_BIN" why --systemd-version "249.11-0ubuntu3.12" --file "$L/oomd-v249-pressure.short"
	[ "$status" -eq 0 ]
	[[ "$output" == *"systemd 249 (248-251)"* ]]
}

@test "why: 45 identical kills print 45 rows and the advice once; JSON stays one object per kill" {
	for i in $(seq 45); do cat "$L/oomd-v249-pressure.short"; done >"$tmp/r.log"
	run "$OG_BIN" why --file "$tmp/r.log"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'systemd-oomd-pressure' <<<"$output")" -eq 45 ]
	[ "$(grep -c 'never reads oom_score_adj' <<<"$output")" -eq 1 ]
	[[ "$output" == *"45 kills alike (same killer, cgroup and advice); the last: systemd-oomd killed"* ]]
	run "$OG_BIN" why --json --file "$tmp/r.log"
	[ "$(jq -s 'length' <<<"$output")" -eq 45 ]
	[ "$(jq -s 'map(select(.explanation | test("never reads oom_score_adj"))) | length' <<<"$output")" -eq 45 ]
}

@test "why: different kills keep their own explanation; only alike kills share one" {
	cat "$L/oomd-v249-pressure.short" "$L/oomd-v249-pressure.short" "$L/kernel-6.8-memcg-v2.short" "$L/oomd-v249-pressure.short" >"$tmp/m.log"
	run "$OG_BIN" why --file "$tmp/m.log"
	[ "$status" -eq 0 ]
	echo "$output"
	# Sorted by time: the three oomd kills form one run, the kernel kill its own.
	[ "$(grep -c '^    ' <<<"$output")" -eq 2 ]
	[[ "$output" == *"    3 kills alike (same killer, cgroup and advice)"* ]]
	[ "$(grep -A1 'kernel-memcg' <<<"$output" | grep -c '^    The kernel OOM killer killed python3')" -eq 1 ]
	# Each explanation line follows the rows it explains: never two explanations in a row.
	! awk '/^    / { if (prev) exit 0; prev = 1; next } { prev = 0 } END { exit 1 }' <<<"$output"
}
