/* systemd's value syntax (man systemd.time, man oomd.conf), the one reader
 * behind both oomd.conf and oomctl's dump: the cases where the two former
 * parsers disagreed, and systemd's own edges. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "sdvalue.h"
#include "util.h"

#define SEC 1000000ULL

static int span(const char *s, unsigned long long *u)
{
	return og_timespan_parse(s, strlen(s), u);
}

static void timespans(void **state)
{
	static const struct {
		const char *s;
		unsigned long long usec;
	} ok[] = {
		{ "20s", 20 * SEC }, { "1min 30s", 90 * SEC }, { "2s 500ms", 2500000 }, { "1.5s", 1500000 },
		{ "1month", 2629800 * SEC }, { "1M", 2629800 * SEC }, { "1m", 60 * SEC }, { "1d", 86400 * SEC },
		/* the dump parser rejected "30sec", the drop-in reader "1.5s" and "1d" */
		{ "30sec", 30 * SEC }, { "30 seconds", 30 * SEC }, { "2 minutes", 120 * SEC },
		{ "1min30s", 90 * SEC }, { "20", 20 * SEC }, { "0.5", 500000 }, { ".5s", 500000 },
		{ "1h 1hr 1hour 1hours", 4 * 3600 * SEC }, { "1w 1week 1weeks", 3 * 604800 * SEC },
		{ "1y 1year", 2 * 31557600 * SEC }, { "2days 1day", 3 * 86400 * SEC },
		{ "5msec 5ms", 10000 }, { "7usec 7us", 14 }, { "3\xc2\xb5s", 3 }, { "3\xce\xbcs", 3 },
		{ "1.25min", 75 * SEC }, { " 20s\n", 20 * SEC }, { "1.0000001s", SEC },
		{ "infinity", ~0ULL }, { " infinity ", ~0ULL }, { "0", 0 },
	};
	static const struct {
		const char *s;
		int err;
	} bad[] = {
		{ "", -EINVAL }, { " ", -EINVAL }, { "20x", -EINVAL }, { "s", -EINVAL }, { "5.", -EINVAL },
		{ "5.s", -EINVAL }, { "1mins", -EINVAL }, { "1 parsec", -EINVAL }, { "1S", -EINVAL },
		{ "-1s", -ERANGE }, { "1s -1s", -ERANGE }, { "99999999999999999999y", -ERANGE },
		{ "600000y", -ERANGE }, { "18446744073709551615us", -ERANGE }, { "infinity 1s", -EINVAL },
	};
	unsigned long long u = 7;
	(void)state;
	for (size_t i = 0; i < OG_ARRAY_LEN(ok); i++) {
		u = 7;
		if (span(ok[i].s, &u) != 0 || u != ok[i].usec)
			fail_msg("'%s': got %llu, want %llu", ok[i].s, u, ok[i].usec);
	}
	for (size_t i = 0; i < OG_ARRAY_LEN(bad); i++) {
		u = 7;
		int r = span(bad[i].s, &u);
		if (r != bad[i].err || u != 7)
			fail_msg("'%s': got %d (%llu), want %d", bad[i].s, r, u, bad[i].err);
	}
	/* Length-bounded: nothing read past len, no NUL needed. */
	assert_int_equal(og_timespan_parse("20s5", 3, &u), 0);
	assert_true(u == 20 * SEC);
}

static void percents(void **state)
{
	static const struct {
		const char *s;
		int pm;
	} ok[] = {
		{ "60.00%", 6000 }, { "1%", 100 }, { "0.5%", 50 }, { "100.00%", 10000 }, { "95.25%", 9525 },
		{ "0%", 0 }, { "60.5\xe2\x80\xb0", 605 }, { "1000\xe2\x80\xb0", 10000 }, { "6050\xe2\x80\xb1", 6050 },
		{ "0000090%", 9000 },
	};
	static const struct {
		const char *s;
		int err;
	} bad[] = {
		{ "100.01%", -ERANGE }, { "101%", -ERANGE }, { "1001\xe2\x80\xb0", -ERANGE }, { "10001\xe2\x80\xb1", -ERANGE },
		{ "99999999999999999999%", -ERANGE }, { "50", -EINVAL }, { "%", -EINVAL }, { "5.%", -EINVAL },
		{ "-5%", -EINVAL }, { "0.125%", -EINVAL }, { "90 %", -EINVAL }, { ".5%", -EINVAL },
		{ "5.5.5%", -EINVAL }, { "60.55\xe2\x80\xb0", -EINVAL }, { "60.5\xe2\x80\xb1", -EINVAL },
	};
	int pm;
	(void)state;
	for (size_t i = 0; i < OG_ARRAY_LEN(ok); i++) {
		pm = 7;
		if (og_percent_parse(ok[i].s, strlen(ok[i].s), &pm) != 0 || pm != ok[i].pm)
			fail_msg("'%s': got %d, want %d", ok[i].s, pm, ok[i].pm);
	}
	for (size_t i = 0; i < OG_ARRAY_LEN(bad); i++) {
		pm = 7;
		int r = og_percent_parse(bad[i].s, strlen(bad[i].s), &pm);
		if (r != bad[i].err || pm != 7)
			fail_msg("'%s': got %d (%d), want %d", bad[i].s, r, pm, bad[i].err);
	}
}

static void numbers(void **state)
{
	unsigned long long v = 7;
	size_t used = 9;
	(void)state;
	assert_int_equal(og_scan_ull("123abc", 6, 1000, &v, &used), 0);
	assert_true(v == 123 && used == 3);
	assert_int_equal(og_scan_ull("1001", 4, 1000, &v, NULL), -ERANGE);
	assert_int_equal(og_scan_ull("9", 1, 5, &v, NULL), -ERANGE);
	assert_int_equal(og_scan_ull("18446744073709551615", 20, ~0ULL, &v, NULL), 0);
	assert_true(v == ~0ULL);
	assert_int_equal(og_scan_ull("18446744073709551616", 20, ~0ULL, &v, NULL), -ERANGE);
	assert_int_equal(og_scan_ull("-1", 2, 10, &v, NULL), -EINVAL);
	assert_int_equal(og_scan_ull(" 1", 2, 10, &v, NULL), -EINVAL);
	assert_int_equal(og_scan_ull("1", 0, 10, &v, NULL), -EINVAL);
	v = 7;
	assert_int_equal(og_parse_ull("12x", 3, 100, &v), -EINVAL);
	assert_int_equal(og_parse_ull("12", 2, 11, &v), -ERANGE);
	assert_true(v == 7);
	assert_int_equal(og_parse_ull("129", 2, 100, &v), 0); /* length-bounded */
	assert_true(v == 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timespans),
		cmocka_unit_test(percents),
		cmocka_unit_test(numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
