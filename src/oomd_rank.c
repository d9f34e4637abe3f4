/* The pure ranking core of systemd-oomd's victim choice (see oomd_rank.h). */
#include "oomd_rank.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

long long og_oomd_rate(long long pgscan, long long last_pgscan)
{
	if (pgscan < 0)
		return 0;
	/* oomd_pgscan_rate(): a larger last value means the cgroup was
	 * recreated, and a new context starts with last_pgscan 0. */
	if (last_pgscan < 0 || last_pgscan > pgscan)
		return pgscan;
	return pgscan - last_pgscan;
}

static long long absdiff(long long a, long long b)
{
	return a > b ? a - b : b - a;
}

static long long isqrt(long long v)
{
	long long x = 0;
	for (long long bit = 1LL << 62; bit; bit >>= 2) {
		if (v >= x + bit) {
			v -= x + bit;
			x = (x >> 1) + bit;
		} else {
			x >>= 1;
		}
	}
	return x;
}

/* The interval's pgscan is the sum of OG_OOMD_PARTS part increments; with
 * independent parts its variance is OG_OOMD_PARTS times theirs. */
static long long spread(const struct og_oomd_cand *c)
{
	long long at[OG_OOMD_PARTS + 1], d[OG_OOMD_PARTS];
	double sum = 0, var = 0;

	at[0] = c->last_pgscan;
	for (int i = 0; i < OG_OOMD_PARTS - 1; i++)
		at[i + 1] = c->part_pgscan[i];
	at[OG_OOMD_PARTS] = c->pgscan;
	for (int i = 0; i < OG_OOMD_PARTS; i++) {
		if (at[i] < 0 || at[i + 1] < at[i])
			return 0;
		d[i] = at[i + 1] - at[i];
		sum += (double)d[i];
	}
	for (int i = 0; i < OG_OOMD_PARTS; i++) {
		double e = (double)d[i] - sum / OG_OOMD_PARTS;
		var += e * e;
	}
	var = var / (OG_OOMD_PARTS - 1) * OG_OOMD_PARTS;
	return isqrt((long long)(var < 4e18 ? var : 4e18));
}

static void apply_rule(struct og_oomd_cand *c, const struct og_oomd_rule *r)
{
	int ver = r->version > 0 ? r->version : 253;
	c->honoured = c->pref != OG_OOMD_PREF_NONE &&
		      og_oomd_pref_honoured(ver, c->owner, r->monitored_owner, r->kind, NULL, 0);
	c->rate = r->totals ? (c->pgscan > 0 ? c->pgscan : 0)
			    : og_oomd_rate(c->pgscan, c->last_pgscan);
	c->spread = r->totals ? 0 : spread(c);
}

size_t og_oomd_rank(struct og_oomd_cand *c, size_t n, const struct og_oomd_rule *r)
{
	for (size_t i = 0; i < n; i++)
		apply_rule(&c[i], r);
	return og_oomd_order(c, n, r->kind, r->swap_total);
}

static int pref_rank(const struct og_oomd_cand *c)
{
	return c->honoured && c->pref == OG_OOMD_PREF_AVOID;
}

static int cmp_pressure(const void *pa, const void *pb)
{
	const struct og_oomd_cand *a = pa, *b = pb;
	if (pref_rank(a) != pref_rank(b))
		return pref_rank(a) - pref_rank(b);
	if (a->rate != b->rate)
		return a->rate > b->rate ? -1 : 1;
	if (a->current != b->current)
		return a->current > b->current ? -1 : 1;
	/* oomd's order among full ties is its hashmap's: any. */
	return strcmp(a->path, b->path);
}

static int cmp_swap(const void *pa, const void *pb)
{
	const struct og_oomd_cand *a = pa, *b = pb;
	if (pref_rank(a) != pref_rank(b))
		return pref_rank(a) - pref_rank(b);
	if (a->swap_current != b->swap_current)
		return a->swap_current > b->swap_current ? -1 : 1;
	return strcmp(a->path, b->path);
}

static bool considered(const struct og_oomd_cand *c, enum og_oomd_kill kind, long long swap_total)
{
	if (c->honoured && c->pref == OG_OOMD_PREF_OMIT)
		return false;
	/* oomd_cgroup_context_acquire() fails on a cgroup whose memory files it
	 * cannot read, and such a cgroup is no candidate. */
	if (c->current < 0 || c->pgscan < 0)
		return false;
	/* THRESHOLD_SWAP_USED_PERCENT: more than 5% of swap. */
	if (kind == OG_OOMD_KILL_SWAP)
		return c->swap_current > swap_total * 5 / 100;
	/* Both zero: the pressure rule passes over it ("won't alleviate pressure"). */
	return !(c->pgscan == 0 && c->current == 0);
}

size_t og_oomd_order(struct og_oomd_cand *c, size_t n, enum og_oomd_kill kind,
		     long long swap_total_bytes)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!considered(&c[i], kind, swap_total_bytes))
			continue;
		if (k != i) {
			struct og_oomd_cand t = c[k];
			c[k] = c[i];
			c[i] = t;
		}
		k++;
	}
	qsort(c, k, sizeof(*c), kind == OG_OOMD_KILL_SWAP ? cmp_swap : cmp_pressure);
	return k;
}

long long og_oomd_quantum(const struct og_oomd_cand *c, size_t n)
{
	long long q = 0;
	for (size_t i = 0; i < n; i++) {
		long long prev = c[i].last_pgscan;
		for (int p = 0; p < OG_OOMD_PARTS; p++) {
			long long at = p < OG_OOMD_PARTS - 1 ? c[i].part_pgscan[p] : c[i].pgscan;
			if (prev >= 0 && at >= prev && at - prev > q)
				q = at - prev;
			prev = at;
		}
	}
	return q;
}

/* How far a value moved over the sample (0 when the first is unknown). */
static long long moved(long long now, long long first)
{
	return first >= 0 && now >= 0 ? absdiff(now, first) : 0;
}

bool og_oomd_near_tie(const struct og_oomd_cand *c, size_t k, const struct og_oomd_rule *r)
{
	if (k < 2 || pref_rank(&c[0]) != pref_rank(&c[1]))
		return false;
	if (r->kind == OG_OOMD_KILL_SWAP)
		return absdiff(c[0].swap_current, c[1].swap_current) <=
		       moved(c[0].swap_current, c[0].last_swap) +
			       moved(c[1].swap_current, c[1].last_swap);
	if (c[0].rate != 0 || c[1].rate != 0) {
		/* pgscan moves in reclaim batches: a candidate that showed no step
		 * in this interval may show one in oomd's, so neither rate is known
		 * better than the largest step seen in a part of the interval. */
		long long q = og_oomd_quantum(c, k);
		double d = (double)absdiff(c[0].rate, c[1].rate);
		double s0 = (double)(c[0].spread > q ? c[0].spread : q),
		       s1 = (double)(c[1].spread > q ? c[1].spread : q);
		return d * d <= 4 * (s0 * s0 + s1 * s1);
	}
	return absdiff(c[0].current, c[1].current) <=
	       moved(c[0].current, c[0].last_current) + moved(c[1].current, c[1].last_current);
}

int og_memstat_pgscan(const char *buf, size_t len, long long *out)
{
	const char *end = buf + len;
	for (const char *p = buf; p < end;) {
		size_t ll;
		const char *line = p;
		p = og_next_line(p, end, &ll);
		if (ll < 8 || memcmp(line, "pgscan ", 7))
			continue;
		unsigned long long v;
		if (og_parse_ull(line + 7, ll - 7, LLONG_MAX, &v) < 0)
			return -EINVAL;
		*out = (long long)v;
		return 0;
	}
	return -ENOENT;
}
