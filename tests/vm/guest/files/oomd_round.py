# One round of the systemd-oomd prediction test (t_50, t_51):
#   oomd_round.py DIR MONITORED PREFIX < journal.json
# DIR holds the predictions oomguard made during the round (p.N: `oomguard
# top --json`, idx: "N start_ns end_ns" per prediction); the journal of
# systemd-oomd since the round started comes on stdin (journalctl -o json).
# Takes oomd's kill ("Killed PATH due to ...") of a cgroup under PREFIX, the
# last prediction whose sample ended MARGIN_NS before oomd logged that kill,
# and prints one line
#   RESULT agree|disagree|tie-agree|tie-disagree|nokill|noprediction  predicted=... killed=...
# followed by the candidate table the prediction used and oomd's own
# "Considered N cgroups" dump of the kill (its Pgscan and Last Pgscan).
import json, sys

# oomd kills first and logs after (the candidate dump comes "right after the
# kill attempt", then the "Killed" notice), so a prediction that ended just
# before the log may have sampled a cgroup already killed and gone: CI's
# run of 2026-12-01, round 2, a prediction ended 0.03 s before the log and
# lacked the killed cgroup.  Predictions come one a second, and each round's
# rates are steady, so one earlier costs nothing.
MARGIN_NS = 250 * 1000 * 1000

d, monitored, prefix = sys.argv[1:4]
kill = None
considered = None
dump_t = None
for line in sys.stdin:
    try:
        e = json.loads(line)
    except ValueError:
        continue
    msg = e.get("MESSAGE")
    if isinstance(msg, list):  # journald stores non-UTF-8 text as bytes
        msg = bytes(msg).decode(errors="replace")
    if not msg:
        continue
    t = int(e["__REALTIME_TIMESTAMP"]) * 1000
    if kill is None and msg.startswith("Considered "):
        considered = [msg]
        dump_t = t
    elif kill is None and considered is not None and msg[:1] in ("\t", " "):
        considered.append(msg)  # the dump's candidate lines come one entry each
    if msg.startswith("Killed " + prefix) and kill is None:
        kill = (t, msg.split()[1], msg)

preds = []
try:
    for line in open(d + "/idx"):
        n, s, e = line.split()
        preds.append((int(s), int(e), n))
except OSError:
    pass

def table(p):
    try:
        top = json.load(open(d + "/p." + p))
    except (OSError, ValueError):
        return None
    o = [k for k in top["killers"] if k["killer"] == "systemd-oomd"]
    if not o or not o[0].get("monitored"):
        return None
    m = [x for x in o[0]["monitored"] if x["cgroup"] == monitored]
    return m[0] if m else None

if kill is None:
    print("RESULT nokill")
    sys.exit(0)
kt, killed, kmsg = kill
if dump_t is not None:
    kt = min(kt, dump_t)
best = None
for s, e, n in sorted(preds):
    if e < kt - MARGIN_NS:
        m = table(n)
        if m is not None:
            best = (s, e, n, m)
if best is None:
    print("RESULT noprediction killed=%s" % killed)
    sys.exit(0)
s, e, n, m = best
pred = m["next_victim"]
tie = m["near_tie"]
res = ("tie-" if tie else "") + ("agree" if pred == killed else "disagree")
print("RESULT %s predicted=%s killed=%s prediction_ended=%.2fs_before interval_ms=%s ranking=%s" % (
    res, pred, killed, (kt - e) / 1e9, m["sample_interval_ms"], m["ranking"]))
for c in m["candidates"]:
    print("  cand %s rate=%s stddev=%s pgscan=%s last=%s current=%s swap=%s owner=%s pref=%s honoured=%s" % (
        c["cgroup"], c["pgscan_rate"], c["rate_stddev"], c["pgscan"], c["last_pgscan"], c["memory_current"],
        c["swap_current"], c["owner"], c["preference"], c["honoured"]))
if killed not in [c["cgroup"] for c in m["candidates"]]:
    print("  the killed cgroup is not among the prediction's candidates")
print("  oomd: " + kmsg)
for m in considered or []:
    for l in m.splitlines():
        print("  oomd| " + l.strip())
