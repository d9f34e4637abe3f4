/* libFuzzer target: the --memory-max/--memory-high/--swap-max size parser.
 * Whatever it accepts is within 0..2^60 (sizes) or 0..RAM (percentages), and
 * a size it accepts, printed back in bytes, parses to the same value. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned long long ram = 24ULL << 30;
	char *s = malloc(size + 1), buf[32];
	long long v, w;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (int pct = 0; pct < 2; pct++) {
		if (og_memcap_parse_size(s, pct, ram, &v) != 0)
			continue;
		if (v < 0 || v > (1LL << 60) || (strchr(s, '%') && (unsigned long long)v > ram))
			abort();
		snprintf(buf, sizeof(buf), "%lld", v);
		if (og_memcap_parse_size(buf, false, 0, &w) != 0 || w != v)
			abort();
	}
	free(s);
	return 0;
}
