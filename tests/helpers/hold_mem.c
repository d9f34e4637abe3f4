/* hold_mem MIB [ADJ]: raise own oom_score_adj to ADJ, touch MIB MiB, print
 * "ready", then sleep until killed.  A process of known size for top tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	long mib = atol(argv[1]);
	if (argc > 2) {
		FILE *f = fopen("/proc/self/oom_score_adj", "w");
		if (!f || fprintf(f, "%s", argv[2]) < 0 || fclose(f) != 0)
			return 3;
	}
	for (long i = 0; i < mib; i++) {
		char *p = malloc(1 << 20);
		if (!p)
			return 4;
		memset(p, 0x5a, 1 << 20);
	}
	puts("ready");
	fflush(stdout);
	for (;;)
		pause();
}
