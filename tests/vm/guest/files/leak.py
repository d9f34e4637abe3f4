# Leaking job for the memory cap tests: every page locked (mlockall), so that
# nothing of it can be reclaimed and the cgroup's limit ends it with an OOM
# kill instead of thrashing on its own page cache; then it grows by 4 MiB
# every 20 ms up to argv[1] MiB.  (A plain Python hog under memory.max with
# no swap keeps refaulting its own text: reclaim "progresses" and the kernel
# does not OOM-kill for minutes.)
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
if libc.mlockall(3) != 0:  # MCL_CURRENT | MCL_FUTURE
    sys.exit("mlockall: errno %d" % ctypes.get_errno())
target = int(sys.argv[1])
chunks = []
while True:
    if len(chunks) * 4 < target:
        chunks.append(bytearray(4 << 20))
    time.sleep(0.02)
