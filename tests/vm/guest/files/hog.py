# Memory hog for the VM tests: grow to MiB (argv[1]) in 8 MiB steps, then keep
# touching every page so that a memory.high throttle keeps it reclaiming.
# With a second argument, wait until that file exists before growing, so
# several hogs can start pressing at the same moment.
import os, sys, time
target = int(sys.argv[1])
if len(sys.argv) > 2:
    while not os.path.exists(sys.argv[2]):
        time.sleep(0.2)
chunks = []
while True:
    if len(chunks) * 8 < target:
        chunks.append(bytearray(8 << 20))
    for c in chunks:
        for i in range(0, len(c), 4096):
            c[i] = (c[i] + 1) & 0xff
    time.sleep(0.05)
