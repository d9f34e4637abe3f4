/* libFuzzer target: the `oomguard metrics` state file parser; an accepted
 * state writes out to text that parses back to the same counts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct og_met_state a, b;
	static char buf[1 << 17];
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (og_met_state_parse(copy, size, &a) == 0) {
		FILE *f = fmemopen(buf, sizeof(buf), "w");
		if (!f || og_met_state_write(&a, f) != 0)
			abort();
		long n = ftell(f);
		fclose(f);
		if (og_met_state_parse(buf, (size_t)n, &b) != 0 || a.nk != b.nk || a.nc != b.nc || a.since_us != b.since_us)
			abort();
	}
	free(copy);
	return 0;
}
