#include "badness.h"

#include <stdlib.h>

const char *og_why_str(enum og_why w)
{
	switch (w) {
	case OG_WHY_OK: return "candidate";
	case OG_WHY_KTHREAD: return "kernel thread (never chosen)";
	case OG_WHY_INIT: return "init (never chosen)";
	case OG_WHY_NO_MM: return "no memory (exiting or zombie)";
	case OG_WHY_PROTECTED: return "protected (oom_score_adj -1000)";
	}
	return "?";
}

static long long kib_to_pages(long long kib, long page_kib)
{
	return kib > 0 ? kib / page_kib : 0;
}

void og_badness(const struct og_task *t, unsigned long long totalpages, long page_kib,
		struct og_badness *b)
{
	if (page_kib <= 0)
		page_kib = 4;
	b->rss = kib_to_pages(t->rss_kib, page_kib);
	b->swap = kib_to_pages(t->swap_kib, page_kib);
	/* mm_pgtables_bytes / PAGE_SIZE: VmPTE is those bytes >> 10, and page
	 * tables come in whole pages, so the conversion is exact. */
	b->pgtables = kib_to_pages(t->pte_kib, page_kib);
	/* The kernel divides before multiplying: adj *= totalpages / 1000. */
	b->adj_pages = (long long)t->adj * (long long)(totalpages / 1000);
	b->points = b->rss + b->swap + b->pgtables + b->adj_pages;
	if (t->kthread)
		b->why = OG_WHY_KTHREAD;
	else if (t->pid == 1)
		b->why = OG_WHY_INIT;
	else if (t->rss_kib < 0)
		b->why = OG_WHY_NO_MM;
	else if (t->adj <= OG_ADJ_MIN)
		b->why = OG_WHY_PROTECTED;
	else
		b->why = OG_WHY_OK;
}

long og_oom_score(const struct og_badness *b, unsigned long long totalpages)
{
	long long t = totalpages ? (long long)totalpages : 1;

	if (b->why != OG_WHY_OK)
		return 0;
	/* C division truncates toward zero, as the kernel's (long) arithmetic. */
	long long v = (1000 + b->points * 1000 / t) * 2 / 3;
	/* Printed with %lu: a negative long would wrap; it cannot occur for
	 * adj > -1000 (points >= -999 * totalpages/1000), so clamp defensively. */
	return v < 0 ? 0 : (long)v;
}

long og_permille(const struct og_badness *b, unsigned long long totalpages)
{
	if (!totalpages)
		return 0;
	return (long)((b->rss + b->swap + b->pgtables) * 1000 / (long long)totalpages);
}

unsigned long long og_totalpages_global(long long mem_total_kib, long long swap_total_kib,
					long page_kib)
{
	if (page_kib <= 0)
		page_kib = 4;
	unsigned long long t =
		(unsigned long long)(mem_total_kib > 0 ? mem_total_kib / page_kib : 0) +
		(unsigned long long)(swap_total_kib > 0 ? swap_total_kib / page_kib : 0);
	return t ? t : 1;
}

unsigned long long og_totalpages_memcg(long long limit_bytes, long long swap_limit_bytes,
				       int swappiness, unsigned long long total_swap_pages,
				       long page_kib)
{
	unsigned long long page = (unsigned long long)(page_kib > 0 ? page_kib : 4) * 1024;
	/* page_counter keeps pages: the byte limit is rounded down. */
	unsigned long long max = limit_bytes > 0 ? (unsigned long long)limit_bytes / page : 0;

	if (swappiness != 0) {
		/* v1 with memsw accounting: the excess capacity memsw.max -
		 * memory.max; v2, and v1 without swap accounting (swap.max is
		 * then PAGE_COUNTER_MAX): swap.max.  Capped by the swap there is. */
		unsigned long long swap =
			swap_limit_bytes < 0 ? ~0ULL : (unsigned long long)swap_limit_bytes / page;
		max += swap < total_swap_pages ? swap : total_swap_pages;
	}
	return max ? max : 1;
}

static int cmp_rank(const void *pa, const void *pb, void *ctx)
{
	const struct og_badness *b = ctx;
	size_t a = *(const size_t *)pa, c = *(const size_t *)pb;
	bool ea = b[a].why == OG_WHY_OK, ec = b[c].why == OG_WHY_OK;

	if (ea != ec)
		return ea ? -1 : 1;
	if (!ea)
		return a < c ? -1 : (a > c);
	if (b[a].points != b[c].points)
		return b[a].points > b[c].points ? -1 : 1;
	/* Equal points: the later-scanned task replaces the earlier choice. */
	return a > c ? -1 : (a < c);
}

size_t og_rank(const struct og_badness *b, size_t n, size_t *out)
{
	size_t elig = 0;

	for (size_t i = 0; i < n; i++) {
		out[i] = i;
		elig += b[i].why == OG_WHY_OK;
	}
	qsort_r(out, n, sizeof(*out), cmp_rank, (void *)b);
	return elig;
}
