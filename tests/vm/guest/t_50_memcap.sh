#!/bin/bash
# Issue 13 on systemd 252 / cgroup v2: `run --memory-max/--memory-high`
# puts MemoryMax=/MemoryHigh= on the job's scope when it is created, on both
# routes (root: system bus, root-owned scope; user: the user manager's bus);
# `systemctl show` and the cgroup files agree with the read-back line.  A
# leaking job is throttled at memory.high (memory.events "high" rises, the
# warning loop says so), then killed at memory.max inside its own scope,
# while a neighbour lives; oomguard says it was its own cap.  Bad values are
# refused before anything runs (no scope is made).
. /opt/og/lib.sh
U=/user.slice/user-$OGUID.slice/user@$OGUID.service
wait_for 60 test -S /run/user/$OGUID/bus

# cap_route WHO SYSTEMCTL CGPREFIX RUNNER...
cap_route() {
	local who=$1 sc=$2 pre=$3; shift 3
	local out; out=$(mktemp); chmod 666 "$out"
	"$@" "$OG" run --memory-max 64M --memory-high 48M --swap-max 0 -- sleep 120 2>"$out" &
	local og=$!
	local pid; pid=$(job_pid "$out")
	cat "$out" >&2
	local unit=oomguard-$pid.scope cg=$pre/oomguard.slice/oomguard-$pid.scope
	check "$who: the job is in $cg" test "$(cg_of "$pid")" = "$cg"
	local show; show=$($sc show -p MemoryMax -p MemoryHigh -p MemorySwapMax "$unit" | sort | tr '\n' ' ')
	log "$who: $sc show: $show"
	check "$who: systemctl show: MemoryMax=64M MemoryHigh=48M MemorySwapMax=0" \
		test "$show" = "MemoryHigh=50331648 MemoryMax=67108864 MemorySwapMax=0 "
	local d=/sys/fs/cgroup$cg
	check "$who: cgroup files: memory.max, memory.high, memory.swap.max" \
		test "$(cat "$d/memory.max") $(cat "$d/memory.high") $(cat "$d/memory.swap.max")" = "67108864 50331648 0"
	check "$who: read-back line from the cgroup files" \
		grep -qx "oomguard: memory cap: 64.0 MiB max, 48.0 MiB high, 0 B swap on $cg (oom_score_adj -999: killed inside its cap, the last choice of any other OOM kill)" "$out"
	kill "$pid"; wait "$og"
	rm -f "$out"
}
cap_route root systemctl "" env
cap_route "user $OGUSER" "as_user systemctl --user" "$U" as_user

# protect --scope --memory-max on a running process, JSON included.
sleep 120 & sp=$!
out=$(mktemp)
"$OG" protect --scope --json --memory-max 32M "$sp" >"$out" 2>"$out.err"
cat "$out" "$out.err" >&2
check "protect --scope --memory-max: MemoryMax on the scope" \
	test "$(systemctl show -p MemoryMax --value "oomguard-$sp.scope")" = 33554432
check "protect --json carries memory_cap from the cgroup files" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
c = j[0]["memory_cap"]
assert c["cgroup"] == "/oomguard.slice/oomguard-%s.scope" % sys.argv[2], c
assert c["max"] == 33554432 and c["version"] == 2, c' "$out" "$sp"
kill "$sp"
rm -f "$out" "$out.err"

# The leak: a job capped at 96M with memory.high at 88M and no swap, beside
# a neighbour holding 100 MiB in a unit of its own.  The kernel's penalty
# for going over memory.high grows with the square of the overage (up to 2 s
# per 64 pages charged, mm/memcontrol.c calculate_high_delay): high just
# under max keeps the throttled stretch to seconds.
systemd-run --quiet --unit=og-neighbour python3 /opt/og/files/hog.py 100
wait_for 10 systemctl is-active --quiet og-neighbour
nb=$(systemctl show -p MainPID --value og-neighbour)
out=$(mktemp)
timeout -s KILL 200 "$OG" run --memory-max 96M --memory-high 88M --swap-max 0 --warn=eta:off,critical-eta:off,available:5%,critical:off,psi-full:off \
	--warn-signal none -- python3 /opt/og/files/leak.py 400 2>"$out" &
og=$!
pid=$(job_pid "$out")
log "leak: job $pid, $(date +%T)"
d=/sys/fs/cgroup/oomguard.slice/oomguard-$pid.scope
# What the kernel counts while it runs (the scope goes away with the job).
: >/tmp/og-events
while [ -d "$d" ]; do
	{ grep -E '^(high|max|oom_kill) ' "$d/memory.events" | tr '\n' ' '; cat "$d/memory.peak" 2>/dev/null; } >>/tmp/og-events
	sleep 0.2
done &
mon=$!
wait "$og"; rc=$?
log "leak: ended rc $rc, $(date +%T)"
kill "$pid" 2>/dev/null
wait "$mon"
cat "$out" >&2
tail -n 3 /tmp/og-events >&2
last=$(grep 'oom_kill' /tmp/og-events | tail -n 1)
high=$(sed -n 's/.*high \([0-9]*\).*/\1/p' <<<"$last")
check "leak: a capped job gets oom_score_adj -999 (killable at its cap), read back" grep -q "oomguard: kernel OOM killer: candidate (oom_score_adj -999 as requested, pid $pid python3)" "$out"
check "leak: the job ended by SIGKILL (rc $rc)" test "$rc" = 137
check "leak: throttled at memory.high (memory.events high $high > 0)" test "${high:-0}" -gt 0
check "leak: the warning loop watched the job's own cap (96 MiB)" grep -q "watching pid $pid: memory cgroup /oomguard.slice/oomguard-$pid.scope (v2, limit 96 MiB)" "$out"
check "leak: memory.high throttling was a warning" grep -q "warning: pid $pid: memcg over memory.high: throttled" "$out"
check "leak: oomguard says it was the job's own cap, with cap and peak" \
	grep -q "the job was killed by its own cap: the kernel's memcg OOM killer acted inside /oomguard.slice/oomguard-$pid.scope at its cap of 96.0 MiB (memory.max; peak 9[56]\.[0-9] MiB)" "$out"
check "leak: the kernel log names the job's scope as the memcg at its limit" \
	sh -c "dmesg | grep -q 'oom-kill:constraint=CONSTRAINT_MEMCG.*oom_memcg=/oomguard.slice/oomguard-$pid.scope'"
check "leak: the neighbour lives" sh -c "alive $nb 2>/dev/null || kill -0 $nb"
systemctl stop og-neighbour
rm -f "$out"

# The same leak without --warn: the diagnosis comes from the plain wait.
out=$(mktemp)
timeout -s KILL 100 "$OG" run --memory-max 64M --swap-max 0 -- python3 /opt/og/files/leak.py 400 2>"$out"
rc=$?
cat "$out" >&2
check "leak without --warn: own-cap diagnosis (rc $rc)" grep -q "killed by its own cap" "$out"
rm -f "$out"

# Bad values: refused before anything runs, no scope made.
before=$(systemctl list-units --all --plain --no-legend 'oomguard-*' | wc -l)
bad=0
for v in 0 -1G 1.5 1GB 200% abc ""; do
	"$OG" run --memory-max "$v" -- touch /tmp/og-ran 2>/dev/null
	[ $? -eq 2 ] || { log "--memory-max '$v' not refused"; bad=1; }
done
"$OG" run --memory-max 1G --memory-high 2G -- touch /tmp/og-ran 2>/dev/null; [ $? -eq 2 ] || bad=1
as_user "$OG" run --memory-max 1Q -- touch /tmp/og-ran 2>/dev/null; [ $? -eq 2 ] || bad=1
after=$(systemctl list-units --all --plain --no-legend 'oomguard-*' | wc -l)
check "bad values refused with exit 2, nothing ran, no scope made" sh -c "[ $bad = 0 ] && [ ! -e /tmp/og-ran ] && [ $before = $after ]"

# cgroup v2 without systemd as the manager (OpenRC hosts, containers): root
# gets a memory cgroup of its own, oomguard.slice/oomguard-PID.scope, made,
# read back and removed by oomguard.  /run/systemd hidden in a mount
# namespace makes oomguard see no systemd (sd_booted(3) is that directory).
nosd() { unshare -m sh -c 'mount -t tmpfs og-nosd /run/systemd && exec "$@"' sh "$@"; }
out=$(mktemp)
nosd "$OG" run --memory-max 48M --memory-high 40M --swap-max 0 -- \
	sh -c 'd=/sys/fs/cgroup$(sed -n "s/^0:://p" /proc/self/cgroup); echo "cg $d"; cat $d/memory.max $d/memory.high $d/memory.swap.max' \
	>"$out" 2>&1
rc=$?
cat "$out" >&2
d=$(sed -n 's/^cg //p' "$out")
check "no systemd, v2: exit 0, the job in oomguard.slice/oomguard-PID.scope of its own" \
	sh -c "[ $rc = 0 ] && case '$d' in /sys/fs/cgroup/oomguard.slice/oomguard-*.scope) ;; *) exit 1;; esac"
check "no systemd, v2: memory.max, memory.high, memory.swap.max as asked" \
	sh -c "grep -qx 50331648 '$out' && grep -qx 41943040 '$out' && grep -qx 0 '$out'"
check "no systemd, v2: read-back line" grep -q "oomguard: memory cap: 48.0 MiB max, 40.0 MiB high, 0 B swap on ${d#/sys/fs/cgroup}" "$out"
check "no systemd, v2: the cgroup is removed when the job ends" test ! -e "$d"
nosd timeout -s KILL 100 "$OG" run --memory-max 64M --swap-max 0 -- python3 /opt/og/files/leak.py 400 >"$out" 2>&1
rc=$?
cat "$out" >&2
check "no systemd, v2: a leak is killed by its own cap (rc $rc), said so" \
	sh -c "[ $rc = 137 ] && grep -q 'killed by its own cap: .* inside /oomguard.slice/oomguard-[0-9]*.scope at its cap of 64.0 MiB (memory.max; peak' '$out'"
rm -f "$out"
