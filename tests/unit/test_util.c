/* Strict number parsing and the small I/O helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static void parse_long_accepts_range(void **state)
{
	long v;
	(void)state;
	assert_int_equal(og_parse_long("-1000", -1000, 1000, &v), 0);
	assert_int_equal(v, -1000);
	assert_int_equal(og_parse_long("1000", -1000, 1000, &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(og_parse_long("0", -1000, 1000, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(og_parse_long("-0", -1000, 1000, &v), 0);
	assert_int_equal(v, 0);
	/* The whole range of long, both ends. */
	assert_int_equal(og_parse_long("-9223372036854775808", LONG_MIN, LONG_MAX, &v), 0);
	assert_true(v == LONG_MIN);
	assert_int_equal(og_parse_long("9223372036854775807", LONG_MIN, LONG_MAX, &v), 0);
	assert_true(v == LONG_MAX);
	assert_int_equal(og_parse_long("9223372036854775808", LONG_MIN, LONG_MAX, &v), -ERANGE);
	assert_int_equal(og_parse_long("-9223372036854775809", LONG_MIN, LONG_MAX, &v), -ERANGE);
}

static void parse_long_rejects_bad(void **state)
{
	long v = 42;
	static const char *bad[] = { "", " 1", "+1", "1 ", "1x", "0x10", "--1", "-", "1e3", "abc" };
	(void)state;
	for (size_t i = 0; i < OG_ARRAY_LEN(bad); i++)
		assert_int_equal(og_parse_long(bad[i], -1000, 1000, &v), -EINVAL);
	assert_int_equal(og_parse_long("1001", -1000, 1000, &v), -ERANGE);
	assert_int_equal(og_parse_long("-1001", -1000, 1000, &v), -ERANGE);
	assert_int_equal(og_parse_long("99999999999999999999999", -1000, 1000, &v), -ERANGE);
	assert_int_equal(v, 42); /* untouched on error */
}

static void parse_pid_bounds(void **state)
{
	pid_t p;
	(void)state;
	assert_int_equal(og_parse_pid("1", &p), 0);
	assert_int_equal(p, 1);
	assert_int_equal(og_parse_pid("4194304", &p), 0);
	assert_int_equal(og_parse_pid("0", &p), -ERANGE);
	assert_int_equal(og_parse_pid("-5", &p), -ERANGE);
	assert_int_equal(og_parse_pid("4194305", &p), -ERANGE);
	assert_int_equal(og_parse_pid("12a", &p), -EINVAL);
}

static void read_at_reports_size_and_errors(void **state)
{
	char buf[8];
	(void)state;
	int dfd = open(FIXTURES, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(og_read_at(dfd, "no-such-file", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(og_read_at(dfd, "proc/100/stat", buf, sizeof(buf)), -EFBIG);
	assert_true(og_read_at(dfd, "proc/100/oom_score_adj", buf, sizeof(buf)) > 0);
	close(dfd);
}

static void next_line_splits(void **state)
{
	const char *s = "ab\ncd";
	size_t len;
	(void)state;
	const char *p = og_next_line(s, s + 5, &len);
	assert_int_equal(len, 2);
	p = og_next_line(p, s + 5, &len);
	assert_int_equal(len, 2);
	assert_ptr_equal(p, s + 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_long_accepts_range),
		cmocka_unit_test(parse_long_rejects_bad),
		cmocka_unit_test(parse_pid_bounds),
		cmocka_unit_test(read_at_reports_size_and_errors),
		cmocka_unit_test(next_line_splits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
