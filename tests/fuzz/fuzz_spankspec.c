/* libFuzzer target: the Slurm plugin's --oomguard SPEC parser; every accepted
 * spec must format to text that parses back to the same spec. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spankspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[512], buf[4096];
	struct og_spank_spec a, b;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (og_spankspec_parse(s, &a, err, sizeof(err)) == 0) {
		if (og_spankspec_format(&a, buf, sizeof(buf)) != 0 || og_spankspec_parse(buf, &b, err, sizeof(err)) != 0 ||
		    memcmp(&a, &b, sizeof(a)) != 0)
			abort();
	} else if (!err[0] || strchr(err, '\n')) {
		abort();
	}
	free(s);
	return 0;
}
