/* /proc parsers and handles against the fixture tree in tests/fixtures/proc. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "render.h"
#include "util.h"

#define PROCROOT FIXTURES "/proc"

static void stat_plain(void **state)
{
	struct og_stat st;
	const char *s = "100 (python3) S 1 100 100 0 -1 4194304 9000 0 0 0 50 10 0 0 20 0 4 0 123456 1000 2 3\n";
	(void)state;
	assert_int_equal(og_parse_stat(s, strlen(s), &st), 0);
	assert_int_equal(st.pid, 100);
	assert_string_equal(st.comm, "python3");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.starttime, 123456);
}

static void stat_hostile_comm(void **state)
{
	/* comm may hold ')' , spaces and a fake field list: the last ')' ends it. */
	struct og_stat st;
	const char *s = "7 () R 1 2 3) S 99 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 555 0 0\n";
	(void)state;
	assert_int_equal(og_parse_stat(s, strlen(s), &st), 0);
	assert_string_equal(st.comm, ") R 1 2 3");
	assert_int_equal(st.ppid, 99);
	assert_int_equal(st.starttime, 555);
}

static void stat_rejects_garbage(void **state)
{
	struct og_stat st;
	static const char *bad[] = { "", "100", "100 (x", "x (a) S 1", "0 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
				     "5 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0", "5 (a)S 1" };
	(void)state;
	for (size_t i = 0; i < OG_ARRAY_LEN(bad); i++)
		assert_int_equal(og_parse_stat(bad[i], strlen(bad[i]), &st), -EINVAL);
}

static void status_fields(void **state)
{
	struct og_proc p;
	struct og_status st;
	(void)state;
	assert_int_equal(og_proc_open(PROCROOT, 100, &p), 0);
	assert_int_equal(og_proc_status(&p, &st), 0);
	assert_string_equal(st.name, "python3");
	assert_int_equal(st.uid[0], 1000);
	assert_int_equal(st.gid[1], 1001);
	assert_int_equal(st.ngroups, 3);
	assert_int_equal(st.groups[2], 1000);
	assert_int_equal(st.cap_prm, 0x1000000ULL);
	assert_int_equal(st.rss_anon, 70000);
	assert_int_equal(st.vm_swap, 2048);
	assert_int_equal(st.vm_pte, 400);
	assert_int_equal(st.no_new_privs, 0);
	og_proc_close(&p);
}

static void status_kthread_has_no_vm(void **state)
{
	struct og_proc p;
	struct og_status st;
	(void)state;
	assert_int_equal(og_proc_open(PROCROOT, 2, &p), 0);
	assert_true(og_proc_is_kthread(&p));
	assert_int_equal(og_proc_status(&p, &st), 0);
	assert_int_equal(st.vm_rss, -1);
	og_proc_close(&p);
}

static void status_rejects_bad(void **state)
{
	struct og_status st;
	static const char *bad[] = { "", "Uid:\t1000\n", "Name:\tx\nUid:\tabc\n", "Name:\tx\nCapEff:\tzz\n",
				     "Name:\tx\nVmRSS:\t kB\n", "Name:\tx\nCapPrm:\t11111111111111111\n" };
	(void)state;
	for (size_t i = 0; i < OG_ARRAY_LEN(bad); i++)
		assert_int_equal(og_parse_status(bad[i], strlen(bad[i]), &st), -EINVAL);
}

static void int_file(void **state)
{
	long v;
	(void)state;
	assert_int_equal(og_parse_int_file("-1000\n", 6, &v), 0);
	assert_int_equal(v, -1000);
	assert_int_equal(og_parse_int_file("  666\n", 6, &v), 0);
	assert_int_equal(v, 666);
	assert_int_equal(og_parse_int_file("12x\n", 4, &v), -EINVAL);
	assert_int_equal(og_parse_int_file("", 0, &v), -EINVAL);
}

static void open_missing_is_esrch(void **state)
{
	struct og_proc p;
	(void)state;
	assert_int_equal(og_proc_open(PROCROOT, 4242, &p), -ESRCH);
}

static void read_adj_through_handle(void **state)
{
	struct og_proc p;
	long v;
	(void)state;
	assert_int_equal(og_proc_open(PROCROOT, 100, &p), 0);
	assert_int_equal(og_proc_verify(&p), 0);
	assert_int_equal(og_proc_read_long(&p, "oom_score_adj", &v), 0);
	assert_int_equal(v, -500);
	og_proc_close(&p);
}

static int cmp_pid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

static void scan_and_tree(void **state)
{
	struct og_pslot *ps;
	pid_t out[8];
	(void)state;
	ssize_t n = og_proc_scan(PROCROOT, &ps);
	assert_int_equal(n, 4);
	size_t nd = og_tree_descendants(ps, (size_t)n, 100, out, 8);
	assert_int_equal(nd, 2);
	qsort(out, nd, sizeof(pid_t), cmp_pid);
	assert_int_equal(out[0], 101);
	assert_int_equal(out[1], 102);
	assert_int_equal(og_tree_descendants(ps, (size_t)n, 102, out, 8), 0);
	free(ps);
}

static void tree_survives_cycle(void **state)
{
	/* PID reuse mid-scan can make a ppid cycle; must terminate. */
	struct og_pslot ps[] = { { 10, 11, 0 }, { 11, 10, 0 }, { 12, 10, 0 } };
	pid_t out[8];
	(void)state;
	size_t nd = og_tree_descendants(ps, 3, 10, out, 8);
	/* 10's children are 11 and 12; 11 claims 10 as its child, but the root
	 * is never its own descendant, so the walk ends with exactly two. */
	assert_int_equal(nd, 2);
	qsort(out, nd, sizeof(pid_t), cmp_pid);
	assert_int_equal(out[0], 11);
	assert_int_equal(out[1], 12);
}

static void escape_hostile(void **state)
{
	char out[64];
	(void)state;
	og_escape("a\x1b[31mb\n\\", 9, out, sizeof(out));
	assert_string_equal(out, "a\\x1b[31mb\\n\\\\");
	/* Truncation keeps NUL termination, never cuts an escape in half, and
	 * reports the full length. */
	assert_int_equal(og_escape("\x01\x02\x03", 3, out, 6), 12);
	assert_string_equal(out, "\\x01");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stat_plain),
		cmocka_unit_test(stat_hostile_comm),
		cmocka_unit_test(stat_rejects_garbage),
		cmocka_unit_test(status_fields),
		cmocka_unit_test(status_kthread_has_no_vm),
		cmocka_unit_test(status_rejects_bad),
		cmocka_unit_test(int_file),
		cmocka_unit_test(open_missing_is_esrch),
		cmocka_unit_test(read_adj_through_handle),
		cmocka_unit_test(scan_and_tree),
		cmocka_unit_test(tree_survives_cycle),
		cmocka_unit_test(escape_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
