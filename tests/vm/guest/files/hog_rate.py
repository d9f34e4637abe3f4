# Memory hog with a growth step and a touch rate, for the systemd-oomd
# prediction rounds:
#   hog_rate.py MIB STEP_MIB PAGES_PER_S GATE READY [zero | file=PATH]
# waits for the file GATE, grows to MIB in STEP_MIB steps (one step per
# 0.05 s), creates the file READY once grown, and then touches PAGES_PER_S
# pages a second, cycling over all of them.  Under a MemoryHigh= throttle
# with swap, nearly every touch of a page beyond the throttle swaps it in and
# makes reclaim scan for another: the cgroup's pgscan rate (what
# systemd-oomd ranks by) follows the touch rate, not the CPU it happens to
# get.  PAGES_PER_S=0: idle once grown, so memory.swap.current holds still.
# "zero": the pages keep the zeros bytearray() wrote into every one of them;
# zram stores a same-filled page without compressing it, so a swap test
# fills its swap at the speed of page faults, not of emulated compression.
# "file=PATH": the memory is page cache instead: a file of MIB (fallocated
# on disk, never written) read over and over at PAGES_PER_S.  Under a
# MemoryHigh= below MIB every read misses, and reclaim takes the oldest
# clean page, found on the first scan: pgscan follows the read rate second
# by second.  Anonymous pages under the throttle do not: their reclaim comes
# in bursts (one interval 936 pages, the next 6237), which no one-interval
# sample can foresee (VM lane run of 2026-12-01, t_50 round 7).
import os, sys, time
mib, step, rate, gate, ready = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
mode = sys.argv[6] if len(sys.argv) > 6 else ""
zero = mode == "zero"
while not os.path.exists(gate):
    time.sleep(0.1)
if mode.startswith("file="):
    fd = os.open(mode[5:], os.O_RDWR | os.O_CREAT, 0o600)
    os.posix_fallocate(fd, 0, mib << 20)
    for off in range(0, mib << 20, 1 << 20):  # fill the cache to the throttle first
        os.pread(fd, 1 << 20, off)
    open(ready, "w").close()
    pages, pos, tick, chunk = (mib << 20) // 4096, 0, 0.05, 16
    owed = 0.0
    while True:
        t = time.monotonic()
        owed += rate * tick
        while owed >= chunk:
            os.pread(fd, chunk * 4096, pos * 4096)
            pos = (pos + chunk) % pages
            owed -= chunk
        left = tick - (time.monotonic() - t)
        time.sleep(left if left > 0 else 0.001)
chunks = []
while len(chunks) * step < mib:
    c = bytearray(step << 20)
    if not zero:
        for i in range(0, len(c), 4096):
            c[i] = 1
    chunks.append(c)
    time.sleep(0.05)
open(ready, "w").close()
per_chunk = (step << 20) // 4096
pages = len(chunks) * per_chunk
pos = 0
tick = 0.05
while True:
    t = time.monotonic()
    for _ in range(int(rate * tick)):
        c = chunks[pos // per_chunk]
        o = (pos % per_chunk) * 4096
        c[o] = (c[o] + 1) & 0xff
        pos = (pos + 1) % pages
    left = tick - (time.monotonic() - t)
    time.sleep(left if left > 0 else 0.001)
