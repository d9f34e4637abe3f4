/* libFuzzer target: the /proc text parsers and the terminal escaper. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proc.h"
#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct og_stat st;
	struct og_status ss;
	long v;
	char out[256];

	og_parse_stat((const char *)data, size, &st);
	og_parse_status((const char *)data, size, &ss);
	og_parse_int_file((const char *)data, size, &v);
	og_escape((const char *)data, size, out, sizeof(out));
	if (strlen(out) >= sizeof(out))
		__builtin_trap();
	return 0;
}
