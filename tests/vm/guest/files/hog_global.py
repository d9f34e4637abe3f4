# Grows until the kernel's OOM killer ends it, as fast as the kernel can
# hand out pages: 64 MiB anonymous mappings with MAP_POPULATE, which the
# kernel faults in itself (one zeroing per page, no pass of user code over
# them: under TCG that halves the time to the OOM kill).
import mmap
maps = []
while True:
    maps.append(mmap.mmap(-1, 64 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | mmap.MAP_POPULATE))
