#!/bin/bash
# systemd-oomd, user route and the Ubuntu 22.04 pattern: user@1000.service
# monitored as Ubuntu ships it (ManagedOOMMemoryPressure=kill) but at 1% for
# 2 s; the lingering user starts one job with `sudo oomguard run` (root-owned
# scope outside user@1000.service) and one with plain `oomguard run` from a
# scope of its own manager, like a terminal tab (user bus, user-owned scope
# under user@1000.service).  An unprotected user service of the same shape
# is killed; both jobs survive, run as the user with zero capabilities, and
# their read-backs state route and rule and match the VM's state.
. /opt/og/lib.sh
U=/user.slice/user-$OGUID.slice/user@$OGUID.service
# Swap, as on a desktop: without it a MemoryHigh-throttled hog has nothing
# to reclaim once the page cache is gone, and oomd (which wants reclaim
# activity) never acts.  The swap rule cannot fire: memory use stays low.
if fallocate -l 384M /og-swap && chmod 600 /og-swap && mkswap /og-swap >&2 && swapon /og-swap; then
	log "swap on: $(grep SwapTotal /proc/meminfo)"
fi
mkdir -p /etc/systemd/system/user@$OGUID.service.d
printf '[Service]\nManagedOOMMemoryPressure=kill\nManagedOOMMemoryPressureLimit=1%%\n' \
	>/etc/systemd/system/user@$OGUID.service.d/50-og-test.conf
systemctl daemon-reload
systemctl restart user@$OGUID.service
oomd_fast
check "oomctl dump lists $U at 1.00%" wait_for 20 sh -c "oomctl dump | grep -A1 'Path: $U\$' | grep -q 'Limit: 1.00%'"
wait_for 20 test -S /run/user/$OGUID/bus


a=$(mktemp) b=$(mktemp)
chmod 666 "$a" "$b"
ts=$(now_ts)
# Job A: sudo oomguard run.
go=/tmp/og-go.$$; rm -f "$go"
as_user sudo -n "$OG" run -- python3 /opt/og/files/hog.py 400 "$go" 2>"$a" &
A=$(job_pid "$a")
[ -n "$A" ] && systemctl set-property --runtime "oomguard-$A.scope" MemoryHigh=40M >&2
# Job B: plain oomguard run from a "terminal tab" scope of the user manager.
as_user systemd-run --user --scope --quiet --unit=og-tab -- "$OG" run -- python3 /opt/og/files/hog.py 400 "$go" 2>"$b" &
B=$(job_pid "$b")
[ -n "$B" ] && as_user systemctl --user set-property --runtime "oomguard-$B.scope" MemoryHigh=40M >&2
log "job A (sudo): $A in $(cg_of "$A")"; cat "$a" >&2
log "job B (user bus): $B in $(cg_of "$B")"; cat "$b" >&2
check "sudo job is in a root-owned scope outside $U" sh -c "[ \"$(cg_of "$A")\" = /oomguard.slice/oomguard-$A.scope ]"
check "user-bus job is in its own scope under $U" sh -c "[ \"$(cg_of "$B")\" = $U/oomguard.slice/oomguard-$B.scope ]"

check "read-back (sudo): protected, route and rule stated" grep -q "systemd-oomd: protected (user.oomd_omit on /oomguard.slice/oomguard-$A.scope: never a candidate; rule: systemd 252.*: honoured; .*route: system bus, root-owned oomguard-$A.scope in oomguard.slice)" "$a"
check "user.oomd_omit=1 on the user-bus job's scope (written by the user manager)" test "$(xattr user.oomd_omit "/sys/fs/cgroup$(cg_of "$B")")" = 1
rb="route: user bus, uid $OGUID's own oomguard-$B.scope)"
pr="$U (pressure > 1.00%, owner uid $OGUID: honoured)"
if oomctl dump | sed -n '/^Swap Monitored CGroups:/,/^Memory Pressure/p' | grep -q 'Path: /$'; then
	# Debian ships ManagedOOMSwap=kill on -.slice (as Ubuntu 22.04 did):
	# swap kills honour only root-owned cgroups, so this route is exposed
	# to them, and must say so, while pressure kills honour it.
	check "read-back (user bus): EXPOSED to swap kills only, route and rule stated" grep -qF "systemd-oomd: EXPOSED (swap kills under /; rule: systemd 252, swap kill: honoured only on root-owned cgroups (owner uid $OGUID): ignored;" "$b"
	check "read-back (user bus): pressure kills under $U honoured" grep -qF "$pr" "$b"
else
	check "read-back (user bus): protected, route and rule stated" grep -q "systemd-oomd: protected (user.oomd_omit on $U/oomguard.slice/oomguard-$B.scope: never a candidate; rule: systemd 252: .*(uid $OGUID vs $OGUID): honoured" "$b"
fi
check "read-back (user bus) names the route" grep -qF "$rb" "$b"
check "read-back (sudo) matches the VM's state" python3 /opt/og/files/check_readback.py "$A" "$a"
check "read-back (user bus) matches the VM's state" python3 /opt/og/files/check_readback.py "$B" "$b"

for j in A B; do
	p=${!j}
	st=$(grep -E '^(Uid|Cap(Inh|Prm|Eff|Amb)):' /proc/$p/status | tr -s '\t ' ' ')
	log "job $j: $st"
	check "job $j runs as uid $OGUID with zero capabilities" sh -c "
		grep -q '^Uid:[[:space:]]*$OGUID[[:space:]]*$OGUID[[:space:]]*$OGUID[[:space:]]*$OGUID' /proc/$p/status &&
		[ \$(grep -cE '^Cap(Inh|Prm|Eff|Amb):[[:space:]]*0000000000000000$' /proc/$p/status) = 4 ]"
done

# The unprotected competitor, a service of the user's own manager; the
# jobs' hogs have waited for "$go" so that all three press together (the
# competitor starts fresh: without swap, oomd's "reclaim activity" test
# needs the page-cache scanning of a newly started process).  Both
# jobs keep the pressure up after it dies, so 15 s after a kill oomd takes
# the next candidate under user@1000.service — the user manager itself
# (init.scope), which takes the user-bus job down with it.  That is the
# collateral of omit (docs/layers.md, "The collateral"); the test checks the jobs at the kill
# and then ends them inside oomd's 15 s pause.
ts=$(now_ts)
as_user systemd-run --user --quiet --unit=og-ucomp -p MemoryHigh=40M python3 /opt/og/files/hog.py 400
touch "$go" # the jobs start pressing with it
C=$(as_user systemctl --user show -p MainPID --value og-ucomp)
log "competitor pid $C"
if wait_for 90 sh -c "! kill -0 $C 2>/dev/null"; then
	check "the sudo-started job survives" alive "$A"
	check "the user-bus job survives" alive "$B"
	kill "$A" "$B" 2>/dev/null
	as_user systemctl --user stop og-tab.scope 2>/dev/null
	check "oomd killed the unprotected user service" wait_for 20 oomd_killed "$U/app.slice/og-ucomp.service" "$ts"
else
	# oomd acts only with reclaim activity (pgscan growth) in the last 30 s.
	pg=$(grep -h '^pgscan ' "/sys/fs/cgroup$U/memory.stat")
	check "the sudo-started job survives" alive "$A"
	check "the user-bus job survives" alive "$B"
	kill "$A" "$B" 2>/dev/null
	as_user systemctl --user stop og-tab.scope og-ucomp 2>/dev/null
	skip "oomd killed the unprotected user service" "oomd did not act within 90 s: no reclaim activity under $U ($pg)"
fi
check "oomd never named either job" sh -c "! journalctl -u systemd-oomd --since='$ts' -o cat | grep -Eq 'oomguard-($A|$B).scope'"
oomd_log "$ts"

# Control, the motivating log: an unprotected job in a terminal-tab-like
# scope of the user's manager is what oomd kills.  Last, because after a
# kill the pressure decays for ~30 s and oomd goes on killing whatever else
# lives under user@1000.service (its dbus, its manager's scopes): the
# collateral docs/layers.md describes.
ts=$(now_ts)
as_user systemd-run --user --scope --quiet --unit=og-tab0 -p MemoryHigh=40M -- \
	python3 /opt/og/files/hog.py 400 >/dev/null 2>&1 &
check "control: oomd kills an unprotected job in a tab-like scope under $U" \
	wait_for 60 oomd_killed "$U/app.slice/og-tab0.scope" "$ts"
oomd_log "$ts"
rm -f "$a" "$b" "$go" /etc/systemd/system/user@$OGUID.service.d/50-og-test.conf
systemctl daemon-reload
swapoff /og-swap 2>/dev/null; rm -f /og-swap
oomd_restore
