/* libFuzzer target: the --warn SPEC parser; every accepted spec must format
 * to text that parses back to the same spec. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warn_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[256], buf[512];
	struct og_warnspec a, b;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (og_warnspec_parse(s, &a, err, sizeof(err)) == 0) {
		if (og_warnspec_format(&a, buf, sizeof(buf)) != 0 || og_warnspec_parse(buf, &b, err, sizeof(err)) != 0 ||
		    memcmp(&a, &b, sizeof(a)) != 0)
			abort();
	}
	free(s);
	return 0;
}
