/* libFuzzer target: journalctl json / json-pretty / export entry parsers
 * (src/logjson.c) on arbitrary bytes, one line or many. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "logjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct og_jentry *e)
{
	if (e->msg_len >= sizeof(e->msg) || strnlen(e->msg, sizeof(e->msg)) > e->msg_len ||
	    strnlen(e->ident, sizeof(e->ident)) >= sizeof(e->ident) ||
	    strnlen(e->pending_key, sizeof(e->pending_key)) >= sizeof(e->pending_key))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	static struct og_jentry e;

	og_json_entry(s, size, &e);
	check(&e);
	/* line by line, as the assembler feeds json-pretty and export */
	og_jentry_reset(&e);
	struct og_jentry x;
	og_jentry_reset(&x);
	for (const char *p = s, *end = s + size; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		og_json_field_line(p, n, &e);
		check(&e);
		og_export_line(p, n, &x);
		check(&x);
		p += n + 1;
	}
	return 0;
}
