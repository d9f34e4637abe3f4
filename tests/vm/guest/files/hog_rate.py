# Memory hog with a growth rate, for the systemd-oomd prediction rounds:
#   hog_rate.py MIB STEP_MIB TOUCH GATE READY
# waits for the file GATE, grows to MIB in STEP_MIB steps (one step per pass),
# creates the file READY once grown, and then either keeps touching every
# page (TOUCH=1: under a MemoryHigh= throttle it keeps reclaiming, which is
# what systemd-oomd's pgscan rate measures) or sleeps (TOUCH=0: what is
# swapped out stays out, so memory.swap.current holds still).
import os, sys, time
target, step, touch, gate, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4], sys.argv[5]
while not os.path.exists(gate):
    time.sleep(0.1)
chunks = []
while True:
    if len(chunks) * step < target:
        c = bytearray(step << 20)
        for i in range(0, len(c), 4096):
            c[i] = 1
        chunks.append(c)
        if len(chunks) * step >= target:
            open(ready, "w").close()
    elif not touch:
        time.sleep(1)
        continue
    else:
        for c in chunks:
            for i in range(0, len(c), 4096):
                c[i] = (c[i] + 1) & 0xff
    time.sleep(0.05)
