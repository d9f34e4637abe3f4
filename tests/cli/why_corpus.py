#!/usr/bin/env python3
"""Compare `oomguard why --file LOG --json` with LOG's .expected file, for
every NNN-name.log in a corpus directory.

.expected: lines `kill killer=K pid=P comm=C cgroup=G` ('-' = unknown, so the
event must say null), '#' comments; a negative case has no kill line.  K is an
oomguard killer name or a family ('kernel', 'systemd-oomd') that matches every
killer name starting with it.  A "no killable processes" report is shown by
oomguard but is not a kill, so it is not counted as an event.  A systemd-oomd
event known only from the manager's line has no cgroup path: its unit stands
for the killed cgroup.

Usage: why_corpus.py OOMGUARD CORPUS_DIR [--strict] [-v]
  default   prints recall and precision over the corpus (bench/why-corpus.sh)
  --strict  prints every difference and exits 1 if there is one (the test)
"""
import glob
import json
import os
import subprocess
import sys


def parse_expected(path):
    kills = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            words = line.split(" ")
            if words[0] != "kill":
                raise SystemExit("%s: cannot read line %r" % (path, line))
            k = {}
            rest = line[len("kill "):]
            # values may hold spaces (comm "Web Content"): split on the known keys
            keys = ["killer=", "pid=", "comm=", "cgroup="]
            pos = [rest.find(" " + key) if i else rest.find(key) for i, key in enumerate(keys)]
            for i, key in enumerate(keys):
                if pos[i] < 0:
                    raise SystemExit("%s: no %s in %r" % (path, key, line))
                start = pos[i] + (len(key) if i == 0 else len(key) + 1)
                end = pos[i + 1] if i + 1 < len(keys) else len(rest)
                k[key[:-1]] = rest[start:end]
            kills.append(k)
    return kills


def events(og, log):
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8")
    p = subprocess.run([og, "why", "--json", "--file", log], capture_output=True, env=env)
    if p.returncode != 0:
        return None, p.stderr.decode("utf-8", "replace").strip()
    out = []
    for line in p.stdout.decode("utf-8").splitlines():
        e = json.loads(line)
        if e.get("no_killable"):
            continue  # "Out of memory and no killable processes": reported, but nobody was killed
        v = e.get("victim") or {}
        out.append({
            "killer": e.get("killer") or "-",
            "pid": "-" if v.get("pid") is None else str(v["pid"]),
            "comm": v.get("comm") or "-",
            # systemd-oomd seen only through the manager's line names the unit, not its path
            "cgroup": e.get("cgroup") or ((e.get("killer") or "").startswith("systemd-oomd") and e.get("unit")) or "-",
        })
    return out, None


def killer_ok(exp, got):
    return got == exp or (exp in ("kernel", "systemd-oomd") and got.startswith(exp + "-")) or \
        (exp in ("kernel", "systemd-oomd") and got == exp)


def victim_ok(exp, got):
    """Recall: the right victim (pid and comm, or the killed cgroup)."""
    if not killer_ok(exp["killer"], got["killer"]):
        return False
    if exp["pid"] != "-" or exp["comm"] != "-":
        return exp["pid"] == got["pid"] and exp["comm"] == got["comm"]
    return exp["cgroup"] == got["cgroup"]


def exact_ok(exp, got):
    return killer_ok(exp["killer"], got["killer"]) and all(exp[k] == got[k] for k in ("pid", "comm", "cgroup"))


def match(exp, got, ok):
    """Greedy in log order: each expected kill takes the first free event."""
    used = [False] * len(got)
    missing = []
    for e in exp:
        for i, g in enumerate(got):
            if not used[i] and ok(e, g):
                used[i] = True
                break
        else:
            missing.append(e)
    extra = [g for i, g in enumerate(got) if not used[i]]
    return missing, extra


def fmt(k):
    return "kill killer=%s pid=%s comm=%s cgroup=%s" % (k["killer"], k["pid"], k["comm"], k["cgroup"])


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    strict = "--strict" in sys.argv
    verbose = "-v" in sys.argv
    og, corpus = args[0], args[1]
    logs = sorted(glob.glob(os.path.join(corpus, "[0-9]*.log")) + glob.glob(os.path.join(corpus, "S[0-9]*.log")))
    if not logs:
        raise SystemExit("no corpus logs in %s" % corpus)
    n_exp = n_found = n_events = n_right = 0
    negatives = invented = 0
    bad = 0
    for log in logs:
        exp = parse_expected(log[:-4] + ".expected")
        got, err = events(og, log)
        name = os.path.basename(log)
        if got is None:
            print("not ok %s: oomguard failed: %s" % (name, err))
            bad += 1
            continue
        n_exp += len(exp)
        n_events += len(got)
        missing_v, extra_v = match(exp, got, victim_ok)
        n_found += len(exp) - len(missing_v)
        n_right += len(got) - len(extra_v)
        if not exp:
            negatives += 1
            invented += len(got)
        missing, extra = match(exp, got, exact_ok)
        if missing or extra:
            bad += 1
            if strict or verbose:
                print("not ok %s" % name)
                for m in missing:
                    print("    expected, not found: %s" % fmt(m))
                for x in extra:
                    print("    found, not expected: %s" % fmt(x))
        elif verbose:
            print("ok %s" % name)
    recall = 100.0 * n_found / n_exp if n_exp else 100.0
    precision = 100.0 * n_right / n_events if n_events else 100.0
    print("corpus: %d logs (%d negative), %d expected kills, %d events reported" % (len(logs), negatives, n_exp, n_events))
    print("recall: %.1f%% (%d/%d expected kills found with the right killer and victim)" % (recall, n_found, n_exp))
    print("precision: %.1f%% (%d/%d events are expected kills); invented on negatives: %d" %
          (precision, n_right, n_events, invented))
    print("logs matching their .expected exactly: %d/%d" % (len(logs) - bad, len(logs)))
    if strict and bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
