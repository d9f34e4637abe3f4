#!/usr/bin/env bats
# oomguard why on the log fixtures: every format generation through the
# whole command (files, stdin, gzip), table and JSON, filters and errors.

L="$OG_ROOT/tests/fixtures/logs"
export TZ=UTC

@test "why --file: kernel memcg kill from journalctl short output (table)" {
	run "$OG_BIN" why --file "$L/kernel-6.8-memcg-v2.short"
	[ "$status" -eq 0 ]
	# the short format has no year: it is inferred from the file's date, and the table says so
	grep -Eq '^20[0-9]{2}-11-20 10:14:02\* kernel-memcg +483880  python3 +1000 +57M  /user.slice/.*/run-u820.service$' <<<"$output"
	grep -q "^\* the log gives no year" <<<"$output"
	grep -q "memory cgroup /user.slice/user-1000.slice/user@1000.service/app.slice/run-u820.service reached its limit of 50M while python3 was allocating" <<<"$output"
}

@test "why --json: every fixture gives the expected killer, victim and valid JSON" {
	while read -r f killer pid; do
		out=$("$OG_BIN" why --json --file "$L/$f")
		jq -e --arg k "$killer" --argjson p "$pid" -s \
			'length >= 1 and .[0].killer == $k and (.[0].victim == null or .[0].victim.pid == $p or $p == 0)' \
			<<<"$out" >/dev/null || { echo "fixture $f: $out"; return 1; }
	done <<-'LIST'
	kernel-3.x.messages kernel 2001
	kernel-4.12-nodemask.dmesg-T kernel-global 2345
	kernel-4.19-memcg.dmesg kernel-memcg 5740
	kernel-4.x-memcg.kernlog kernel-memcg 11499
	kernel-5.4-pgtables-bytes.short-iso kernel-global 3100
	kernel-6.18-memcg-v1.kmsg kernel-memcg 28354
	kernel-6.8-memcg-v2.short kernel-memcg 483880
	kernel-6.x-global.dmesg kernel-global 116
	kernel-6.x-oomgroup.dmesg kernel-memcg 22609
	kernel-hostile.dmesg kernel-memcg 4242
	kernel-split-summary.short-precise kernel-global 8901
	oomd-v249-pressure.short systemd-oomd-pressure 0
	oomd-v252-swap.short-iso systemd-oomd-swap 0
	oomd-v260-marked.short-precise systemd-oomd-pressure 0
	earlyoom.syslog earlyoom 3300
	nohang.syslog nohang 8123
	LIST
}

@test "why --json: the documented fields of a systemd-oomd kill" {
	run "$OG_BIN" why --json --file "$L/oomd-v249-pressure.short"
	[ "$status" -eq 0 ]
	jq -e '.killer == "systemd-oomd-pressure" and .unit == "vte-spawn-f65c.scope" and .processes_killed == 3 and
		.oomd.rule == "pressure" and .oomd.pressure_percent == "57.97" and .oomd.limit_percent == "50.00" and
		.oomd.monitored_cgroup == "/user.slice/user-1000.slice/user@1000.service" and .victim.pid == null and
		(.explanation | test("never reads oom_score_adj")) and (.explanation | test("oomguard run"))' <<<"$output"
}

@test "why: gzip-compressed files and stdin read the same as the plain file" {
	tmp=$(mktemp -d)
	gzip -c "$L/kernel-6.x-oomgroup.dmesg" > "$tmp/k.gz"
	plain=$("$OG_BIN" why --json --file "$L/kernel-6.x-oomgroup.dmesg" | jq -c 'del(.source)')
	gz=$("$OG_BIN" why --json --file "$tmp/k.gz" | jq -c 'del(.source)')
	stdin=$("$OG_BIN" why --json --file - < "$L/kernel-6.x-oomgroup.dmesg" | jq -c 'del(.source)')
	rm -rf "$tmp"
	[ -n "$plain" ]
	[ "$plain" = "$gz" ]
	[ "$plain" = "$stdin" ]
	# one event per process the group kill killed
	jq -e -s 'length == 3 and all(.oom_group) and .[0].oom_group_cgroup == "/kubepods.slice/kubepods-pod94eb.slice/cri-containerd-46b3.scope"' <<<"$plain"
}

@test "why: several files are merged in time order; --since/--until filter" {
	run "$OG_BIN" why --json --file "$L/earlyoom.syslog" --file "$L/nohang.syslog"
	[ "$status" -eq 0 ]
	[ "$(jq -s 'length' <<<"$output")" -eq 4 ]
	jq -e -s 'map(.time_us) | . == sort' <<<"$output"
	y=$(date +%Y)
	run "$OG_BIN" why --json --file "$L/earlyoom.syslog" --since "$y-10-01 12:30" --until "$y-10-01 13:30"
	[ "$status" -eq 0 ]
	[ "$(jq -s 'length' <<<"$output")" -eq 1 ]
	jq -e '.victim.pid == 4100' <<<"$output"
}

@test "why -v: the top memory users of the kill" {
	run "$OG_BIN" why -v --file "$L/kernel-6.x-global.dmesg"
	[ "$status" -eq 0 ]
	grep -q "top memory users:" <<<"$output"
	grep -Eq '^ +116  stress-ng-vm +rss +7.6G  swap +0K  adj  1000$' <<<"$output"
	grep -Eq '^ +114  stress-ng +rss +18M  swap +0K  adj -1000$' <<<"$output"
}

@test "why: a comm with terminal escapes is shown escaped" {
	tmp=$(mktemp)
	printf '[ 1.0] Out of memory: Killed process 9 (\033[31mred) total-vm:9kB, anon-rss:8kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0\n' > "$tmp"
	run "$OG_BIN" why --file "$tmp"
	rm -f "$tmp"
	[ "$status" -eq 0 ]
	[[ "$output" != *$'\033'* ]]
	[[ "$output" == *'\x1b[31mred'* ]]
}

@test "why: no kills in a file is a clear message and exit 0" {
	run "$OG_BIN" why --file /dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "no OOM kills found in /dev/null (0 bytes)" ]
	run "$OG_BIN" why --json --file /dev/null
	[ "$status" -eq 0 ]
}

@test "why: an unreadable file names the file and the reason, exit 1" {
	run "$OG_BIN" why --file /nonexistent/kern.log
	[ "$status" -eq 1 ]
	[ "$output" = "oomguard: why: cannot read '/nonexistent/kern.log': No such file or directory" ]
	run "$OG_BIN" why --file /tmp
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot read '/tmp': Is a directory"* ]]
}

@test "why: usage errors exit 2" {
	run "$OG_BIN" why --since yesterdayish
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid --since 'yesterdayish'"* ]]
	run "$OG_BIN" why --file x --kmsg
	[ "$status" -eq 2 ]
	run "$OG_BIN" why --boot=abc
	[ "$status" -eq 2 ]
	run "$OG_BIN" why --bogus
	[ "$status" -eq 2 ]
	run "$OG_BIN" why stray
	[ "$status" -eq 2 ]
	run "$OG_BIN" why --since @20 --until @10
	[ "$status" -eq 2 ]
	run "$OG_BIN" why --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--directory DIR"* ]]
}

@test "why --directory: an empty journal directory reads as empty, not as an error" {
	"$OG_BIN" --version | grep -q 'libsystemd: yes' || skip "built without libsystemd"
	tmp=$(mktemp -d)
	run "$OG_BIN" why --directory "$tmp"
	rm -rf "$tmp"
	[ "$status" -eq 0 ]
	[[ "$output" == "no OOM kills found in the journal in "*" (0 entries)" ]]
}

# Real journal files, written by systemd-journal-remote from export format:
# boot 1111... holds a kernel global OOM kill, boot 2222... (an hour later) a
# systemd-oomd pressure kill and the manager's count.
journal_dir() {
	jr=/lib/systemd/systemd-journal-remote
	[ -x "$jr" ] || jr=/usr/lib/systemd/systemd-journal-remote
	[ -x "$jr" ] || skip "needs systemd-journal-remote to write journal files"
	"$OG_BIN" --version | grep -q 'libsystemd: yes' || skip "built without libsystemd"
	jdir=$(mktemp -d)
	"$jr" -o "$jdir/remote.journal" "$L/journal-two-boots.export" 2>/dev/null
}

@test "why --directory: kernel and systemd-oomd kills from journal files, both boots" {
	journal_dir
	run "$OG_BIN" why --directory "$jdir" --json
	rm -rf "$jdir"
	[ "$status" -eq 0 ]
	jq -e -s 'length == 2 and .[0].killer == "kernel-global" and .[0].victim.pid == 4242 and
		.[0].victim.uid == 1000 and .[0].cgroup == "/user.slice" and .[0].time_us == 1764100000000020 and
		.[1].killer == "systemd-oomd-pressure" and .[1].unit == "vte-spawn-f65c.scope" and
		.[1].processes_killed == 3' <<<"$output"
}

@test "why --directory --boot: 0 is the newest boot in the files, -1 and 1 the one before" {
	journal_dir
	newest=$("$OG_BIN" why -D "$jdir" --boot --json | jq -r .killer)
	prev=$("$OG_BIN" why -D "$jdir" --boot=-1 --json | jq -r .killer)
	first=$("$OG_BIN" why -D "$jdir" -b 1 --json | jq -r .killer)
	run "$OG_BIN" why -D "$jdir" --boot=-2
	rm -rf "$jdir"
	[ "$newest" = systemd-oomd-pressure ]
	[ "$prev" = kernel-global ]
	[ "$first" = kernel-global ]
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot read the journal in "*": no such boot"* ]]
}

@test "why --directory --since/--until: the journal is cut by time" {
	journal_dir
	run "$OG_BIN" why -D "$jdir" --since @1764101000 --json
	late=$output
	run "$OG_BIN" why -D "$jdir" --until @1764101000 --json
	rm -rf "$jdir"
	jq -e -s 'length == 1 and .[0].killer == "systemd-oomd-pressure"' <<<"$late"
	jq -e -s 'length == 1 and .[0].killer == "kernel-global"' <<<"$output"
}
