#!/bin/bash
# oomguard doctor and top on the motivating machine: user@1000.service
# monitored by systemd-oomd as Ubuntu 22.04 ships it (pressure kill at 50%
# for 20 s), a job in a terminal-tab-like scope of the user's manager.
# doctor must call it EXPOSED to systemd-oomd, say oom_score_adj does not
# help and give the `oomguard run --oomd omit` command; top must list the
# monitored cgroup with its limit and the job's scope among the candidates.
# With CAP_SYS_RESOURCE (root here), protect --adj -1000 makes the kernel
# verdict "protected" while systemd-oomd stays EXPOSED.
. /opt/og/lib.sh
U=/user.slice/user-$OGUID.slice/user@$OGUID.service
mkdir -p /etc/systemd/system/user@$OGUID.service.d /etc/systemd/oomd.conf.d
printf '[Service]\nManagedOOMMemoryPressure=kill\nManagedOOMMemoryPressureLimit=50%%\n' \
	>/etc/systemd/system/user@$OGUID.service.d/50-og-doctor.conf
printf '[OOM]\nDefaultMemoryPressureDurationSec=20s\n' >/etc/systemd/oomd.conf.d/50-og-doctor.conf
# A drop-in with a typo (no %): systemd-oomd ignores that assignment and
# applies the next one; doctor must read it the same way.
typo=/etc/systemd/oomd.conf.d/60-og-doctor-typo.conf
printf '[OOM]\nSwapUsedLimit=85\nDefaultMemoryPressureLimit=55%%\n' >"$typo"
systemctl daemon-reload
systemctl restart user@$OGUID.service
systemctl restart systemd-oomd
wait_for 10 systemctl is-active --quiet systemd-oomd
check "oomctl dump lists $U at 50.00%" wait_for 20 sh -c "oomctl dump | grep -A1 'Path: $U\$' | grep -q 'Limit: 50.00%'"
wait_for 20 test -S /run/user/$OGUID/bus

# The job: a sleeper in a scope of the user manager, like a terminal tab.
as_user systemd-run --user --scope --quiet --unit=og-doc-tab -- sleep 600 &
wait_for 20 pgrep -u $OGUID -x sleep >/dev/null
JOB=$(pgrep -u $OGUID -x sleep | head -n1)
log "job $JOB in $(cg_of "$JOB")"

out=$("$OG" doctor --json "$JOB")
echo "$out" >&2
text=$("$OG" doctor "$JOB")
echo "$text" >&2
verdict() { python3 -c 'import json,sys
d=json.load(sys.stdin)
k=[v for v in d["process"]["killers"] if v["killer"].startswith(sys.argv[1])][0]
print(k["verdict"]); print(k["why"]); print(k["fix"] or "")' "$1" <<<"$out"; }
oomd=$(verdict systemd-oomd)
log "systemd-oomd verdict: $oomd"
fix=$(sed -n 3p <<<"$oomd")
check "doctor: systemd-oomd EXPOSED for the tab's job" test "$(sed -n 1p <<<"$oomd")" = exposed
check "doctor: the why names $U" grep -qF "$U" <<<"$oomd"
# systemd-run resolved the command to its full path: the fix repeats the job's argv.
check "doctor: the fix is sudo oomguard run --oomd omit -- the job's command line" grep -qE "^restart the job with: sudo oomguard run --oomd omit -- '(/usr/bin/)?sleep' '600' " <<<"$fix"
check "doctor: the why does not repeat the verdict" bash -c '! grep -q "^EXPOSED" <<<"$1"' _ "$(sed -n 2p <<<"$oomd")"
check "doctor: the fix says oom_score_adj does not help" grep -qF 'oom_score_adj does not help' <<<"$fix"
check "doctor: systemd-oomd running with 20 s duration from oomd.conf.d" grep -q 'systemd-oomd: running (pid [0-9]*);.*DefaultMemoryPressureDurationSec=20s' <<<"$text"
check "doctor: a drop-in's unparsable SwapUsedLimit=85 ignored, its next line applied" grep -q 'SwapUsedLimit=90.00% DefaultMemoryPressureLimit=55.00%' <<<"$text"
check "doctor: says one assignment is ignored" grep -q '^  1 assignment(s) in those files have a value systemd-oomd cannot parse' <<<"$text"
oomctl dump | sed -n '1,/^Swap Monitored/p' >&2
check "oomd itself: Swap Used Limit 90.00%, Default Memory Pressure Limit 55.00%" sh -c \
	"oomctl dump | grep -q 'Swap Used Limit: 90.00%' && oomctl dump | grep -q 'Default Memory Pressure Limit: 55.00%'"
check "doctor: the monitored cgroup listed at 50.00% for 20s" grep -qF "$U: pressure kill at 50.00%" <<<"$text"
check "doctor: kernel verdict EXPOSED at adj 0" test "$(verdict 'kernel (global' | head -n1)" = exposed

top=$("$OG" top --json)
check "top: systemd-oomd monitors $U at 5000 permyriad" python3 -c 'import json,sys
d=json.loads(sys.argv[1])
o=[k for k in d["killers"] if k["killer"]=="systemd-oomd"][0]
m=[c for c in o["monitored"] if c["cgroup"]==sys.argv[2]][0]
assert m["limit_permyriad"]==5000 and m["rule"]=="pressure", m
paths=[c["cgroup"] for c in m["candidates"]]
print(paths, file=sys.stderr)
assert any(p.endswith("/og-doc-tab.scope") for p in paths), paths' "$top" "$U"

# Root here has CAP_SYS_RESOURCE: the kernel layer can be protected, oomd's cannot that way.
"$OG" protect --adj -1000 "$JOB" >&2
out=$("$OG" doctor --json "$JOB")
check "after protect -1000: kernel protected" test "$(verdict 'kernel (global' | head -n1)" = protected
check "after protect -1000: systemd-oomd still EXPOSED" test "$(verdict systemd-oomd | head -n1)" = exposed

as_user systemctl --user stop og-doc-tab.scope 2>/dev/null
kill "$JOB" 2>/dev/null
rm -f /etc/systemd/system/user@$OGUID.service.d/50-og-doctor.conf /etc/systemd/oomd.conf.d/50-og-doctor.conf "$typo"
systemctl daemon-reload
systemctl restart systemd-oomd
