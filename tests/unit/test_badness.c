/* The kernel's badness arithmetic and ranking, on a fixture /proc tree
 * (tests/fixtures/top/proc) and on hand-made numbers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "badness.h"
#include "meminfo.h"
#include "ranking.h"
#include "taskscan.h"

#define PROC FIXTURES "/top/proc"

static void totalpages(void **state)
{
	(void)state;
	assert_int_equal(og_totalpages_global(65532, 0, 4), 16383);
	assert_int_equal(og_totalpages_global(65532, 4096, 4), 16383 + 1024);
	/* 128 MiB, swappiness 0: swap never counts. */
	assert_int_equal(og_totalpages_memcg(128LL << 20, 64LL << 20, 0, 5000, 4), 32768);
	/* swappiness > 0: memsw excess, capped by the swap that exists. */
	assert_int_equal(og_totalpages_memcg(128LL << 20, 64LL << 20, 60, 5000, 4), 32768 + 5000);
	assert_int_equal(og_totalpages_memcg(128LL << 20, 4LL << 20, 60, 5000, 4), 32768 + 1024);
	assert_int_equal(og_totalpages_memcg(128LL << 20, -1, 60, 0, 4), 32768);
	assert_int_equal(og_totalpages_memcg(128LL << 20, -1, 60, 77, 4), 32768 + 77);
	/* A limit below one page: the kernel uses 1, never 0. */
	assert_int_equal(og_totalpages_memcg(100, 0, 0, 0, 4), 1);
	/* Byte limits are rounded down to pages. */
	assert_int_equal(og_totalpages_memcg((1 << 20) + 100, 0, 0, 0, 4), 256);
}

static void arithmetic(void **state)
{
	struct og_task t = { .pid = 50, .ppid = 1, .adj = 60, .rss_kib = 400, .swap_kib = 0, .pte_kib = 0, .oom_score = -1 };
	struct og_badness b;
	(void)state;
	/* totalpages/1000 is divided first: 60 * (16383/1000) = 960, not 60*16383/1000 = 982. */
	og_badness(&t, 16383, 4, &b);
	assert_int_equal(b.why, OG_WHY_OK);
	assert_int_equal(b.rss, 100);
	assert_int_equal(b.adj_pages, 960);
	assert_int_equal(b.points, 1060);
	assert_int_equal(og_oom_score(&b, 16383), 709);
	/* Negative adj: points go negative (5.9+), the score mapping truncates toward zero. */
	t.adj = -999;
	t.rss_kib = 40;
	og_badness(&t, 16383, 4, &b);
	assert_int_equal(b.points, 10 - 999 * 16);
	assert_int_equal(og_oom_score(&b, 16383), 16);
	/* +1000 with everything in RAM: 2000. */
	t.adj = 1000;
	t.rss_kib = 16383 * 4;
	og_badness(&t, 16383, 4, &b);
	assert_int_equal(og_oom_score(&b, 16383), 1984); /* 1000*16 + 16383 = 32383 -> (1000+1976)*2/3 */
	t.adj = -1000;
	og_badness(&t, 16383, 4, &b);
	assert_int_equal(b.why, OG_WHY_PROTECTED);
	assert_int_equal(og_oom_score(&b, 16383), 0);
	t.adj = 0;
	t.pid = 1;
	og_badness(&t, 16383, 4, &b);
	assert_int_equal(b.why, OG_WHY_INIT);
	t.pid = 7;
	t.kthread = true;
	og_badness(&t, 16383, 4, &b);
	assert_int_equal(b.why, OG_WHY_KTHREAD);
	/* per mille of the memory part only. */
	t.kthread = false;
	t.rss_kib = 8192 * 4; /* 8192 pages: 500.03 per mille, truncated */
	og_badness(&t, 16383, 4, &b);
	assert_int_equal(og_permille(&b, 16383), 500);
}

static void ties_last_scanned_wins(void **state)
{
	struct og_badness b[5] = {
		{ .why = OG_WHY_OK, .points = 10 }, { .why = OG_WHY_KTHREAD, .points = 99 },
		{ .why = OG_WHY_OK, .points = 10 }, { .why = OG_WHY_OK, .points = 3 },
		{ .why = OG_WHY_OK, .points = 10 },
	};
	size_t out[5];
	(void)state;
	assert_int_equal(og_rank(b, 5, out), 4);
	assert_int_equal(out[0], 4);
	assert_int_equal(out[1], 2);
	assert_int_equal(out[2], 0);
	assert_int_equal(out[3], 3);
	assert_int_equal(out[4], 1); /* ineligible last */
}

static void fixture_tree(void **state)
{
	struct og_taskset ts = { 0 };
	struct og_meminfo mi;
	struct og_rankset r;
	(void)state;
	assert_int_equal(og_read_meminfo(PROC, &mi), 0);
	assert_int_equal(og_task_scan(PROC, 0, &ts), 0);
	assert_int_equal(ts.n, 9);
	unsigned long long tp = og_totalpages_global(mi.mem_total, mi.swap_total, 4);
	assert_int_equal(tp, 16383);
	assert_int_equal(og_rank_build(&ts, NULL, 0, tp, 4, &r), 0);
	assert_int_equal(r.eligible, 5);
	const pid_t want[] = { 103, 102, 100, 101, 106 };
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(ts.v[r.member[r.order[i]]].pid, want[i]);
	const struct og_task *t = og_taskset_find(&ts, 100);
	assert_non_null(t);
	assert_int_equal(t->rss_kib, 4000);
	assert_int_equal(t->swap_kib, 400);
	assert_int_equal(t->uid, 1000);
	size_t k100 = (size_t)(t - ts.v);
	assert_int_equal(r.b[k100].points, 1110);
	assert_int_equal(og_oom_score(&r.b[k100], tp), 711);
	t = og_taskset_find(&ts, 103);
	assert_int_equal(r.b[t - ts.v].points, 2000);
	assert_int_equal(og_oom_score(&r.b[t - ts.v], tp), 748);
	/* Ineligible ones are marked, not dropped. */
	assert_int_equal(r.b[og_taskset_find(&ts, 1) - ts.v].why, OG_WHY_INIT);
	assert_int_equal(r.b[og_taskset_find(&ts, 2) - ts.v].why, OG_WHY_KTHREAD);
	assert_int_equal(r.b[og_taskset_find(&ts, 104) - ts.v].why, OG_WHY_PROTECTED);
	assert_int_equal(r.b[og_taskset_find(&ts, 105) - ts.v].why, OG_WHY_NO_MM);
	/* status escapes '\n' and '\\' in Name; comm comes back raw. */
	assert_string_equal(og_taskset_find(&ts, 106)->comm, "we\\ird\nname");
	assert_int_equal(og_rank_of(&r, (size_t)(og_taskset_find(&ts, 102) - ts.v)), 2);
	assert_int_equal(og_rank_victim(&r), og_taskset_find(&ts, 103) - ts.v);
	og_rankset_free(&r);
	og_taskset_free(&ts);
}

static void ties_by_start_time(void **state)
{
	struct og_taskset ts = { 0 };
	struct og_rankset r;
	size_t mem[2];
	(void)state;
	assert_int_equal(og_task_scan(PROC, 0, &ts), 0);
	mem[0] = (size_t)(og_taskset_find(&ts, 100) - ts.v);
	mem[1] = (size_t)(og_taskset_find(&ts, 102) - ts.v);
	assert_int_equal(og_rank_build(&ts, mem, 2, 16383, 4, &r), 0);
	/* Equal points (1110): by scan order 102 (later) first ... */
	assert_int_equal(ts.v[og_rank_victim(&r)].pid, 102);
	/* ... but 100 started later (tick 5000 vs 4000): created later, scanned later. */
	og_rank_ties_by_start(&r, &ts, PROC, 64);
	assert_int_equal(ts.v[og_rank_victim(&r)].pid, 100);
	og_rankset_free(&r);
	/* A group larger than the cap is left alone. */
	assert_int_equal(og_rank_build(&ts, mem, 2, 16383, 4, &r), 0);
	og_rank_ties_by_start(&r, &ts, PROC, 1);
	assert_int_equal(ts.v[og_rank_victim(&r)].pid, 102);
	og_rankset_free(&r);
	og_taskset_free(&ts);
}

static void task_text(void **state)
{
	struct og_task t;
	const char *st = "Name:\tx\nPPid:\t2\nUid:\t0\t0\t0\t0\n";
	(void)state;
	/* No Kthread: line (pre-6.x), no Vm lines, parent kthreadd: a kernel thread. */
	assert_int_equal(og_task_from_text(9, st, strlen(st), "0\n", 2, &t), 0);
	assert_true(t.kthread);
	assert_int_equal(og_task_from_text(9, st, strlen(st), "zz", 2, &t), -EINVAL);
	assert_int_equal(og_task_from_text(9, "junk", 4, "0", 1, &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(totalpages),
		cmocka_unit_test(arithmetic),
		cmocka_unit_test(ties_last_scanned_wins),
		cmocka_unit_test(fixture_tree),
		cmocka_unit_test(ties_by_start_time),
		cmocka_unit_test(task_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
