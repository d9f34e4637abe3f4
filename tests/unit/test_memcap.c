/* The memory cap's pure parts: sizes and percentages, the option checks, the
 * read-back line and the own-cap verdict. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "memcap.h"
#include "warn_core.h"
#include "warn_spec.h"
#include "util.h"

#define GIB (1024LL * 1024 * 1024)

static void sizes_accepted(void **state)
{
	static const struct { const char *s; long long v; } ok[] = {
		{ "4096", 4096 }, { "64k", 65536 }, { "64K", 65536 }, { "512M", 512LL << 20 }, { "20G", 20 * GIB },
		{ "1.5G", 3 * GIB / 2 }, { "2T", 2048 * GIB }, { "0.5M", 512 * 1024 }, { "1.125G", 9 * GIB / 8 },
		{ "0", 0 },
	};
	long long v;
	(void)state;
	for (size_t i = 0; i < OG_ARRAY_LEN(ok); i++) {
		assert_int_equal(og_memcap_parse_size(ok[i].s, false, 0, &v), 0);
		assert_true(v == ok[i].v);
	}
}

static void sizes_refused(void **state)
{
	static const char *bad[] = { "", " 1G", "+1G", "-1G", "1G ", "1 G", "1GB", "1GiB", "G", ".5G", "1.G", "1.5",
				     "1.2345G", "1e9", "0x10", "abc", "1,5G", "10X", "1%" };
	long long v = 42;
	(void)state;
	for (size_t i = 0; i < OG_ARRAY_LEN(bad); i++)
		assert_int_equal(og_memcap_parse_size(bad[i], false, 0, &v), -EINVAL);
	assert_int_equal(og_memcap_parse_size("2000000T", false, 0, &v), -ERANGE);
	assert_int_equal(og_memcap_parse_size("99999999999999999999999", false, 0, &v), -ERANGE);
	assert_true(v == 42);
}

static void percent_of_ram(void **state)
{
	long long v;
	(void)state;
	assert_int_equal(og_memcap_parse_size("50%", true, 24 * GIB, &v), 0);
	assert_true(v == 12 * GIB);
	assert_int_equal(og_memcap_parse_size("12.5%", true, 8 * GIB, &v), 0);
	assert_true(v == GIB);
	assert_int_equal(og_memcap_parse_size("100%", true, 8 * GIB, &v), 0);
	assert_true(v == 8 * GIB);
	assert_int_equal(og_memcap_parse_size("101%", true, 8 * GIB, &v), -ERANGE);
	assert_int_equal(og_memcap_parse_size("100.5%", true, 8 * GIB, &v), -ERANGE);
	assert_int_equal(og_memcap_parse_size("50%", true, 0, &v), -ERANGE);
	assert_int_equal(og_memcap_parse_size("%", true, 8 * GIB, &v), -EINVAL);
	assert_int_equal(og_memcap_parse_size("-5%", true, 8 * GIB, &v), -EINVAL);
}

static void options_and_checks(void **state)
{
	struct og_memcap_req c;
	char err[512];
	(void)state;
	og_memcap_req_init(&c);
	assert_false(og_memcap_wanted(&c));
	assert_int_equal(og_memcap_opt("memory-max", "0", 0, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid --memory-max '0'"));
	assert_int_equal(og_memcap_opt("swap-max", "50%", 8 * GIB, &c, err, sizeof(err)), -1);
	assert_int_equal(og_memcap_opt("swap-max", "0", 0, &c, err, sizeof(err)), 0);
	assert_int_equal(og_memcap_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--swap-max needs --memory-max"));
	assert_int_equal(og_memcap_opt("memory-max", "1G", 0, &c, err, sizeof(err)), 0);
	assert_int_equal(og_memcap_opt("memory-high", "2G", 0, &c, err, sizeof(err)), 0);
	assert_int_equal(og_memcap_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--memory-high 2.0 GiB is above --memory-max 1.0 GiB"));
	assert_int_equal(og_memcap_opt("memory-high", "900M", 0, &c, err, sizeof(err)), 0);
	assert_int_equal(og_memcap_check(&c, err, sizeof(err)), 0);
	assert_int_equal(og_memcap_check_adj(&c, -1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "never kills a task at -1000"));
	assert_int_equal(og_memcap_check_adj(&c, OG_MEMCAP_ADJ, err, sizeof(err)), 0);
	/* control bytes in a bad value are escaped in the message */
	assert_int_equal(og_memcap_opt("memory-max", "1\x1b[2J", 0, &c, err, sizeof(err)), -1);
	assert_null(strchr(err, '\x1b'));
}

static void line_and_match(void **state)
{
	struct og_memcap_state s;
	struct og_memcap_req want = { 20 * GIB, 18 * GIB, -1 };
	char buf[512], why[256];
	(void)state;
	memset(&s, 0, sizeof(s));
	s.cg.version = 2;
	strcpy(s.cg.path, "/oomguard.slice/oomguard-4242.scope");
	s.max = 20 * GIB;
	s.high = 18 * GIB;
	s.swap = -1;
	assert_string_equal(og_memcap_line(&s, buf, sizeof(buf)),
			    "memory cap: 20.0 GiB max, 18.0 GiB high on /oomguard.slice/oomguard-4242.scope");
	assert_true(og_memcap_matches(&s, &want, why, sizeof(why)));
	want.max = 20 * GIB + 100; /* the kernel rounds down to a page */
	assert_true(og_memcap_matches(&s, &want, why, sizeof(why)));
	s.high = -1;
	assert_false(og_memcap_matches(&s, &want, why, sizeof(why)));
	assert_non_null(strstr(why, "18.0 GiB high asked, none in /oomguard.slice/oomguard-4242.scope"));
	char b[32];
	assert_string_equal(og_fmt_bytes(100, b, sizeof(b)), "100 B");
	assert_string_equal(og_fmt_bytes(512LL << 20, b, sizeof(b)), "512.0 MiB");
}

static void own_kill_verdict(void **state)
{
	struct og_memcap_state a, b;
	char buf[1024];
	(void)state;
	memset(&a, 0, sizeof(a));
	a.cg.version = 1;
	strcpy(a.cg.path, "/x/oomguard-7");
	a.max = 256LL << 20;
	a.oom_kills = 0;
	b = a;
	b.peak = 256LL << 20;
	assert_false(og_memcap_own_kill(&a, &b, false, buf, sizeof(buf))); /* SIGKILL from elsewhere */
	b.oom_kills = 1;
	assert_true(og_memcap_own_kill(&a, &b, false, buf, sizeof(buf)));
	assert_non_null(strstr(buf, "killed by its own cap"));
	assert_non_null(strstr(buf, "inside /x/oomguard-7 at its cap of 256.0 MiB (memory.limit_in_bytes; peak 256.0 MiB)"));
	assert_non_null(strstr(buf, "add --warn"));
	assert_true(og_memcap_own_kill(&a, &b, true, buf, sizeof(buf)));
	assert_non_null(strstr(buf, "checkpoint at the warning"));
	b.peak = 191LL << 20; /* killed by a parent's limit (v1 counts it here too): not its own cap */
	assert_false(og_memcap_own_kill(&a, &b, true, buf, sizeof(buf)));
	b.peak = 254LL << 20; /* reclaimed just below the cap at the kill */
	assert_true(og_memcap_own_kill(&a, &b, true, buf, sizeof(buf)));
	a.max = -1; /* no cap asked: never "its own cap" */
	assert_false(og_memcap_own_kill(&a, &b, true, buf, sizeof(buf)));
}

/* memory.high throttling is a warning condition of the warn loop: the
 * memory.events "high" counter rising between two samples. */
static void high_throttling_warns(void **state)
{
	struct og_warnspec sp;
	struct og_watch w;
	struct og_wsample s;
	struct og_verdict v;
	(void)state;
	og_warnspec_default(&sp);
	og_watch_init(&w, &sp, -1);
	for (int i = 0; i < 3; i++) {
		og_wsample_init(&s, i * 0.1);
		s.cg_limit = 256LL << 20;
		s.cg_usage = 64LL << 20; /* far from the cap: nothing else to warn about */
		s.cg_high_events = 7;
		og_watch_feed(&w, &s, &v);
		assert_int_equal(v.level, OG_LEVEL_NONE);
	}
	og_wsample_init(&s, 0.3);
	s.cg_limit = 256LL << 20;
	s.cg_usage = 64LL << 20;
	s.cg_high_events = 12;
	og_watch_feed(&w, &s, &v);
	assert_int_equal(v.level, OG_LEVEL_WARNING);
	assert_int_equal(v.notify, OG_LEVEL_WARNING);
	assert_string_equal(v.domain, "memcg");
	assert_non_null(strstr(v.reason, "over memory.high: throttled 5 times"));
	/* no counter (cgroup v1, no memory.high): never this condition */
	og_watch_init(&w, &sp, -1);
	for (int i = 0; i < 3; i++) {
		og_wsample_init(&s, i * 0.1);
		s.cg_limit = 256LL << 20;
		s.cg_usage = 64LL << 20;
		og_watch_feed(&w, &s, &v);
		assert_int_equal(v.level, OG_LEVEL_NONE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes_accepted),   cmocka_unit_test(sizes_refused),
		cmocka_unit_test(percent_of_ram),   cmocka_unit_test(options_and_checks),
		cmocka_unit_test(line_and_match),   cmocka_unit_test(own_kill_verdict),
		cmocka_unit_test(high_throttling_warns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
