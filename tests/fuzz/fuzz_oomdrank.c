/* libFuzzer target: the memory.stat pgscan parser, and the ranking core fed
 * with a candidate table made of the input's bytes (every field, owner,
 * preference, version and rule), checking that the order it returns is one
 * oomd could produce. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "oomd_rank.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long long take(const uint8_t **p, const uint8_t *end)
{
	long long v = 0;
	for (int i = 0; i < 4 && *p < end; i++, (*p)++)
		v = v << 8 | **p;
	/* -1 (unknown) and small values are the interesting ones. */
	return (v & 3) == 3 ? -1 : v >> 2;
}

static void check_order(const struct og_oomd_cand *c, size_t k, const struct og_oomd_rule *r)
{
	for (size_t i = 0; i < k; i++) {
		if (c[i].honoured && c[i].pref == OG_OOMD_PREF_OMIT)
			__builtin_trap();
		if (c[i].current < 0 || c[i].pgscan < 0 || c[i].rate < 0 || c[i].spread < 0)
			__builtin_trap();
		if (i == 0)
			continue;
		bool pa = c[i - 1].honoured && c[i - 1].pref == OG_OOMD_PREF_AVOID;
		bool pb = c[i].honoured && c[i].pref == OG_OOMD_PREF_AVOID;
		if (pa && !pb)
			__builtin_trap();
		if (pa == pb && r->kind == OG_OOMD_KILL_PRESSURE && c[i - 1].rate < c[i].rate)
			__builtin_trap();
		if (pa == pb && r->kind == OG_OOMD_KILL_SWAP && c[i - 1].swap_current < c[i].swap_current)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct og_oomd_cand c[8];
	long long v;
	const uint8_t *p = data, *end = data + size;

	if (og_memstat_pgscan((const char *)data, size, &v) == 0 && v < 0)
		__builtin_trap();
	if (size < 4)
		return 0;
	struct og_oomd_rule r = { .kind = (p[0] & 1) ? OG_OOMD_KILL_SWAP : OG_OOMD_KILL_PRESSURE,
				  .version = 245 + p[1] % 20, .monitored_owner = p[2] % 3 == 2 ? 1000 : p[2] % 3 - 1,
				  .totals = p[3] & 1 };
	p += 4;
	r.swap_total = take(&p, end);
	size_t n = 0;
	memset(c, 0, sizeof(c));
	while (n < 8 && p < end) {
		struct og_oomd_cand *x = &c[n++];
		snprintf(x->path, sizeof(x->path), "/c%zu", n);
		x->current = take(&p, end);
		x->pgscan = take(&p, end);
		x->last_pgscan = take(&p, end);
		for (int i = 0; i < OG_OOMD_PARTS - 1; i++)
			x->part_pgscan[i] = take(&p, end);
		x->swap_current = take(&p, end);
		x->last_current = take(&p, end);
		x->last_swap = take(&p, end);
		x->owner = p < end ? (*p % 3 == 2 ? 1000 : *p % 3 - 1) : 0;
		x->pref = p < end ? (enum og_oomd_pref)(p[0] / 3 % 3) : OG_OOMD_PREF_NONE;
		if (p < end)
			p++;
	}
	size_t k = og_oomd_rank(c, n, &r);
	if (k > n)
		__builtin_trap();
	check_order(c, k, &r);
	og_oomd_near_tie(c, k, &r);
	return 0;
}
