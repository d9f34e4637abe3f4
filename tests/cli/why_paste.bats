#!/usr/bin/env bats
# oomguard why on evidence as users paste it (issue 11), through the whole
# command: the motivating log exactly as quoted, in four locales; UTF-8
# text shown as text and escapes still escaped; JSON valid either way.

export TZ=UTC

setup() {
	tmp=$(mktemp -d)
}

teardown() {
	rm -rf "$tmp"
}

CG=/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.gnome.Terminal.slice/vte-spawn-f6518140-41fe-4a13-b828-55c5b8738fb8.scope

motivating() { # $1 $2: the two lines' stamps (month and day)
	printf '%s 10:04:41 user systemd-oomd[588]: Killed %s due to memory pressure for /user.slice/user-1000.slice/user@1000.service being 57.97%% > 50.00%% for > 20s with reclaim activity\n' "$1" "$CG"
	printf '%s 10:04:42 user systemd[1565]: vte-spawn-f6518140-41fe-4a13-b828-55c5b8738fb8.scope: systemd-oomd killed 3 process(es) in this unit.\n' "$1"
}

check_json() {
	jq -e -s --arg cg "$CG" 'length == 1 and .[0].killer == "systemd-oomd-pressure" and .[0].cgroup == $cg and
		.[0].unit == "vte-spawn-f6518140-41fe-4a13-b828-55c5b8738fb8.scope" and .[0].processes_killed == 3 and
		.[0].oomd.pressure_percent == "57.97" and .[0].oomd.limit_percent == "50.00" and .[0].oomd.duration == "20s" and
		.[0].oomd.monitored_cgroup == "/user.slice/user-1000.slice/user@1000.service" and
		(.[0].time | test("-12-17T10:04:41")) and .[0].year_inferred == true and
		(.[0].explanation | test("oom_score_adj, so -1000 would not have helped"))' <<<"$1"
}

@test "why: the motivating log exactly as quoted (Japanese locale), also under LANG=C.UTF-8" {
	motivating '12月 17' | sed 's/^/    /' > "$tmp/ja.log"
	run env LANG=C.UTF-8 "$OG_BIN" why --json --file "$tmp/ja.log"
	[ "$status" -eq 0 ]
	check_json "$output"
	run env LANG=C.UTF-8 "$OG_BIN" why --file "$tmp/ja.log"
	[ "$status" -eq 0 ]
	grep -Eq "^20[0-9]{2}-12-17 10:04:41\* systemd-oomd-pressure .* $CG\$" <<<"$output"
	grep -q "memory pressure in /user.slice/user-1000.slice/user@1000.service stayed at 57.97% > 50.00% for > 20s" <<<"$output"
	grep -q "(3 processes)" <<<"$output"
	grep -q "^\* the log gives no year" <<<"$output"
	[[ "$output" != *'\xe6'* ]]
}

@test "why: the same two lines with English, Russian and German journalctl prefixes" {
	for m in 'Dec 17' 'дек 17' 'Dez 17'; do
		motivating "$m" > "$tmp/l.log"
		run "$OG_BIN" why --json --file "$tmp/l.log"
		[ "$status" -eq 0 ]
		check_json "$output" || { echo "prefix '$m': $output"; return 1; }
	done
}

@test "why: a yearless stamp is dated from the file's modification time" {
	motivating 'Dec 17' > "$tmp/l.log"
	touch -d '2024-03-01 12:00' "$tmp/l.log"
	run "$OG_BIN" why --json --file "$tmp/l.log"
	jq -e '.time == "2023-12-17T10:04:41.000000Z" and .year_inferred' <<<"$output"
	touch -d '2024-12-20 12:00' "$tmp/l.log"
	run "$OG_BIN" why --json --file "$tmp/l.log"
	jq -e '.time == "2024-12-17T10:04:41.000000Z"' <<<"$output"
}

@test "why: printable UTF-8 is text on a UTF-8 terminal, escapes and invalid bytes stay escaped, JSON stays valid" {
	printf '[ 1.0] Out of memory: Killed process 9 (日本\xe2\x80\xae\033[2J\xff) total-vm:9kB, anon-rss:8kB, file-rss:0kB\n' > "$tmp/u.log"
	run env LC_ALL=C.UTF-8 "$OG_BIN" why --file "$tmp/u.log"
	[ "$status" -eq 0 ]
	[[ "$output" == *'日本\xe2\x80\xae\x1b[2J\xff'* ]]
	[[ "$output" != *$'\033'* ]]
	run env LC_ALL=C "$OG_BIN" why --file "$tmp/u.log"
	[[ "$output" == *'\xe6\x97\xa5\xe6\x9c\xac'* ]]
	run "$OG_BIN" why --json --file "$tmp/u.log"
	jq -e '.victim.pid == 9' <<<"$output"
	iconv -f UTF-8 -t UTF-8 <<<"$output" >/dev/null
}

@test "why: journalctl -o json, json-pretty and export give the same event" {
	printf '{"__REALTIME_TIMESTAMP":"1702807481000000","_PID":"588","SYSLOG_IDENTIFIER":"systemd-oomd","MESSAGE":"Killed %s due to memory pressure for /user.slice/user-1000.slice/user@1000.service being 57.97%% > 50.00%% for > 20s with reclaim activity"}\n' "$CG" > "$tmp/j.json"
	jq . "$tmp/j.json" | sed 's/^  /\t/; s/": /" : /' > "$tmp/j.pretty"
	jq -r 'to_entries[] | "\(.key)=\(.value)"' "$tmp/j.json" > "$tmp/j.export"
	for f in j.json j.pretty j.export; do
		run "$OG_BIN" why --json --file "$tmp/$f"
		jq -e --arg cg "$CG" '.killer == "systemd-oomd-pressure" and .cgroup == $cg and .time_us == 1702807481000000 and
			.year_inferred == false' <<<"$output" || { echo "$f: $output"; return 1; }
	done
}
