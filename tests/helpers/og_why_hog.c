/* Test helper: touch N MiB (default 1024) one MiB at a time, then sleep.
 * Inside a memory cgroup with a smaller limit the kernel OOM-kills it; its
 * distinctive comm lets tests find exactly this kill in the kernel log.
 * mmap, not malloc: a sanitizer's allocator must not get in the way. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 1024;
	for (long i = 0; i < mib; i++) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 1;
		memset(p, (int)(i & 0x7f) + 1, 1 << 20);
	}
	sleep(30);
	return 0;
}
