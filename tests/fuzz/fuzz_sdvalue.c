/* libFuzzer target: systemd's time-span and percentage syntax (oomd.conf
 * drop-ins and oomctl's dump are outside text), and the strict number
 * scanner beneath them. */
#include <stddef.h>
#include <stdint.h>

#include "sdvalue.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	unsigned long long u, v;
	size_t used = 0;
	int pm;

	og_timespan_parse(s, size, &u);
	if (og_percent_parse(s, size, &pm) == 0 && (pm < 0 || pm > 10000))
		__builtin_trap();
	if (og_scan_ull(s, size, 1000000, &v, &used) == 0 && (v > 1000000 || used == 0 || used > size))
		__builtin_trap();
	return 0;
}
