# Checks a "systemd-oomd: protected (...)" read-back line against the VM's
# real state: the job's cgroup (/proc/PID/cgroup), the xattr on it, its
# owner and leaf-ness, the monitored cgroups and limits in `oomctl dump` and
# their owners, and the systemd version.  Usage: check_readback.py PID FILE
# (FILE holds oomguard's stderr/stdout).  Prints what it checked; exit 1 on a
# mismatch.
import os, re, subprocess, sys

pid, path = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8", errors="replace").read()
m = re.search(r"systemd-oomd: (protected|EXPOSED) \((.*)\)$", text, re.M)
if not m:
    print("no systemd-oomd read-back line in", path); sys.exit(1)
verdict, body = m.groups()
bad = []
def want(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond: bad.append(what)

cg = open(f"/proc/{pid}/cgroup").read().split("0::", 1)[1].strip()
d = "/sys/fs/cgroup" + cg
pm = re.search(r"user\.oomd_(omit|avoid) on (\S+):", body)
if verdict == "protected" and pm:
    want(pm.group(2) == cg, f"cgroup in line {pm.group(2)} == /proc/{pid}/cgroup {cg}")
    try: val = os.getxattr(d, "user.oomd_" + pm.group(1)).decode()
    except OSError as e: val = str(e)
    want(val == "1", f"xattr user.oomd_{pm.group(1)} on {cg} is {val!r}")
om = re.search(r"cgroup owner uid (-?\d+), (leaf|NOT a leaf|memory.oom.group=1)", body)
want(om is not None, "line names the cgroup owner")
if om:
    want(int(om.group(1)) == os.stat(d).st_uid, f"owner uid {om.group(1)} == stat {os.stat(d).st_uid}")
    subs = [e for e in os.scandir(d) if e.is_dir()]
    want((om.group(2) == "leaf") == (not subs), f"{om.group(2)} matches {len(subs)} sub-cgroups")
dump = subprocess.run(["oomctl", "dump"], capture_output=True, text=True).stdout
monitored = {}
cur = None
for line in dump.splitlines():
    s = line.strip()
    if s.startswith("Path: "):
        cur = s[6:]; monitored[cur] = None
    elif cur and s.startswith("Memory Pressure Limit: "):
        monitored[cur] = s.split(": ", 1)[1]
under = [p for p in monitored if p == "/" or cg == p or cg.startswith(p.rstrip("/") + "/")]
claimed = re.findall(r"(/\S*) \((pressure|swap)(?: > ([\d.]+%))?, owner uid (-?\d+): (?:honoured|ignored)\)", body)
want(sorted(c[0] for c in claimed) == sorted(under),
     f"monitored ancestors in line {[c[0] for c in claimed]} == oomctl dump's {under}")
for p, kind, lim, uid in claimed:
    if kind == "pressure" and monitored.get(p):
        want(lim == monitored[p], f"limit of {p}: line {lim} == dump {monitored[p]}")
    want(int(uid) == os.stat("/sys/fs/cgroup" + (p if p != "/" else "")).st_uid, f"owner of {p} is uid {uid}")
ver = int(re.search(r"systemd (\d+)", subprocess.run(["systemctl", "--version"], capture_output=True, text=True).stdout).group(1))
want(f"systemd {ver}" in body, f"line names systemd {ver}")
want("rule: " in body and "route: " in body, "line states the rule and the route")
sys.exit(1 if bad else 0)
