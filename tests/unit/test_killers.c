/* Killer detection parsers (earlyoom/nohang argv, nohang.conf, oomd.conf),
 * earlyoom's and nohang's picks on the fixture /proc, systemd-oomd's
 * candidate order on a fixture cgroup2 tree, and finding the daemons by comm. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "oomd_rank.h"
#include "killers.h"
#include "ranking.h"
#include "taskscan.h"

#define PROC FIXTURES "/top/proc"
#define CG2 FIXTURES "/top/cgroup2"

static void earlyoom_argv(void **state)
{
	static const char a[] = "earlyoom\0-m\0" "5,2\0-s\0" "100\0--prefer\0^(chrome)$\0--avoid=^(Xorg|sshd)$\0-gn\0-r\0" "60\0--ignore-root-user\0";
	struct og_earlyoom_opts o;
	struct og_meminfo mi = { .mem_total = 1000000, .swap_total = 0 };
	double mt, mk, st, sk;
	(void)state;
	assert_int_equal(og_earlyoom_parse_argv(a, sizeof(a) - 1, &o), 0);
	assert_true(o.mem_term == 5 && o.mem_kill == 2);
	assert_true(o.swap_term == 100 && o.swap_kill < 0);
	assert_true(o.has_prefer && !strcmp(o.prefer, "^(chrome)$"));
	assert_true(o.has_avoid && !strcmp(o.avoid, "^(Xorg|sshd)$"));
	assert_false(o.has_ignore);
	assert_true(o.kill_group && o.ignore_root);
	og_earlyoom_effective(&o, &mi, &mt, &mk, &st, &sk);
	assert_true(mt == 5 && mk == 2 && st == 100 && sk == 50);
	/* Defaults: 10 / 5.  -M in KiB: 50000 of 1000000 = 5%, the lower wins. */
	static const char b[] = "earlyoom\0-M\0" "50000\0";
	assert_int_equal(og_earlyoom_parse_argv(b, sizeof(b) - 1, &o), 0);
	og_earlyoom_effective(&o, &mi, &mt, &mk, &st, &sk);
	assert_true(mt == 5 && mk == 2.5 && st == 10 && sk == 5);
	/* -m10 glued, and bad values. */
	static const char c[] = "earlyoom\0-m10\0";
	assert_int_equal(og_earlyoom_parse_argv(c, sizeof(c) - 1, &o), 0);
	assert_true(o.mem_term == 10);
	static const char d[] = "earlyoom\0-m\0" "101\0";
	assert_int_equal(og_earlyoom_parse_argv(d, sizeof(d) - 1, &o), -EINVAL);
	static const char e[] = "earlyoom\0--prefer\0";
	assert_int_equal(og_earlyoom_parse_argv(e, sizeof(e) - 1, &o), -EINVAL);
	assert_int_equal(og_earlyoom_parse_argv("earlyoom", 8, &o), -EINVAL); /* truncated */
	assert_int_equal(og_earlyoom_parse_argv("", 0, &o), -EINVAL);
}

static void nohang_conf(void **state)
{
	static const char argv[] = "python3\0/usr/sbin/nohang\0--monitor\0--config\0/etc/nohang/x.conf\0";
	const char *conf = "# comment\n"
			   "ignore_positive_oom_score_adj = True\n"
			   "soft_threshold_min_mem = 5 %\n"
			   "hard_threshold_min_mem = 2.5 %\n"
			   "@BADNESS_ADJ_RE_NAME  -1000  ///  ^sshd$\n"
			   "@BADNESS_ADJ_RE_NAME 300 /// ^(chrome|firefox)$\n";
	struct og_nohang_conf c;
	(void)state;
	assert_int_equal(og_nohang_parse_argv(argv, sizeof(argv) - 1, &c), 0);
	assert_string_equal(c.config, "/etc/nohang/x.conf");
	/* The other two spellings, the last one winning, as argparse does. */
	static const char argv2[] = "nohang\0-c\0/a.conf\0--config=/b.conf\0";
	assert_int_equal(og_nohang_parse_argv(argv2, sizeof(argv2) - 1, &c), 0);
	assert_string_equal(c.config, "/b.conf");
	/* No value after -c: no config named; a cut last argument: refused,
	 * as earlyoom's command line is (one splitter for both). */
	assert_int_equal(og_nohang_parse_argv("nohang\0-c\0", 10, &c), 0);
	assert_string_equal(c.config, "");
	assert_int_equal(og_nohang_parse_argv("nohang\0-c\0/a.co", 15, &c), -EINVAL);
	assert_int_equal(og_nohang_parse_conf(conf, strlen(conf), &c), 0);
	assert_true(c.ignore_positive_adj);
	assert_true(c.soft_mem_pct == 5 && c.hard_mem_pct == 2.5);
	assert_int_equal(c.nrules, 2);
	assert_int_equal(c.name_rule[0].adj, -1000);
	assert_string_equal(c.name_rule[0].re, "^sshd$");
	assert_string_equal(c.name_rule[1].re, "^(chrome|firefox)$");
	assert_int_equal(og_nohang_parse_conf("@BADNESS_ADJ_RE_NAME x /// y\n", 29, &c), -EINVAL);
	assert_int_equal(og_nohang_parse_conf("@BADNESS_ADJ_RE_NAME 5 y\n", 25, &c), -EINVAL);
}

static void oomd_conf(void **state)
{
	struct og_oomd_conf c;
	const char *ubuntu = "[OOM]\nDefaultMemoryPressureDurationSec=20s\n";
	const char *full = "# x\n[OOM]\nSwapUsedLimit=80%\nDefaultMemoryPressureLimit=50.5%\nDefaultMemoryPressureDurationSec=1min 30s\n";
	const char *other = "[Other]\nSwapUsedLimit=10%\n";
	(void)state;
	og_oomd_conf_defaults(&c);
	assert_int_equal(c.swap_used_limit_pm, 9000);
	assert_int_equal(c.pressure_limit_pm, 6000);
	assert_true(c.duration_usec == 30000000ULL);
	assert_int_equal(og_oomd_parse_conf(ubuntu, strlen(ubuntu), &c), 0);
	assert_true(c.duration_usec == 20000000ULL);
	assert_int_equal(c.pressure_limit_pm, 6000); /* a drop-in changes only what it sets */
	assert_int_equal(og_oomd_parse_conf(full, strlen(full), &c), 0);
	assert_int_equal(c.swap_used_limit_pm, 8000);
	assert_int_equal(c.pressure_limit_pm, 5050);
	assert_true(c.duration_usec == 90000000ULL);
	assert_int_equal(og_oomd_parse_conf(other, strlen(other), &c), 0);
	assert_int_equal(c.swap_used_limit_pm, 8000);
	/* A value systemd cannot parse is ignored, and only that assignment:
	 * the lines after it still apply (the reader once dropped the file). */
	const char *bad = "[OOM]\nSwapUsedLimit=80\nDefaultMemoryPressureDurationSec=5 parsecs\n"
			  "DefaultMemoryPressureLimit=40%\n";
	assert_int_equal(og_oomd_parse_conf(bad, strlen(bad), &c), 0);
	assert_int_equal(c.swap_used_limit_pm, 8000);
	assert_true(c.duration_usec == 90000000ULL);
	assert_int_equal(c.pressure_limit_pm, 4000);
	assert_int_equal(c.ignored, 2);
	/* The drop-in reader once had its own time-span parser without fractions
	 * or days: systemd takes both, and such a drop-in was skipped whole. */
	const char *frac = "[OOM]\nDefaultMemoryPressureDurationSec=1.5s\n";
	const char *days = "[OOM]\nDefaultMemoryPressureDurationSec=1d\nSwapUsedLimit=95.25%\n";
	assert_int_equal(og_oomd_parse_conf(frac, strlen(frac), &c), 0);
	assert_true(c.duration_usec == 1500000ULL);
	assert_int_equal(og_oomd_parse_conf(days, strlen(days), &c), 0);
	assert_true(c.duration_usec == 86400000000ULL);
	assert_int_equal(c.swap_used_limit_pm, 9525);
}

static void picks_on_fixture(void **state)
{
	struct og_taskset ts = { 0 };
	struct og_rankset r;
	struct og_earlyoom_opts o;
	long score;
	bool bad;
	(void)state;
	assert_int_equal(og_task_scan(PROC, 0, &ts), 0);
	assert_int_equal(og_rank_build(&ts, NULL, 0, 16383, 4, &r), 0);
	/* Plain: highest oom_score, 103 (748). */
	static const char a[] = "earlyoom\0";
	assert_int_equal(og_earlyoom_parse_argv(a, sizeof(a) - 1, &o), 0);
	long v = og_earlyoom_victim(&o, &ts, &r, 0, &score, &bad);
	assert_false(bad);
	assert_int_equal(ts.v[v].pid, 103);
	assert_int_equal(score, 748);
	/* --prefer small (101, 709): +300 wins. */
	static const char b[] = "earlyoom\0--prefer\0^small$\0";
	assert_int_equal(og_earlyoom_parse_argv(b, sizeof(b) - 1, &o), 0);
	v = og_earlyoom_victim(&o, &ts, &r, 0, &score, &bad);
	assert_int_equal(ts.v[v].pid, 101);
	assert_int_equal(score, 1009);
	/* --avoid big_neg and --ignore-root-user: 100 and 102 tie at 711, the
	 * larger VmRSS (102: 4400 kB vs 100: 4000 kB) wins. */
	static const char c[] = "earlyoom\0--avoid\0big_neg\0";
	assert_int_equal(og_earlyoom_parse_argv(c, sizeof(c) - 1, &o), 0);
	v = og_earlyoom_victim(&o, &ts, &r, 0, &score, &bad);
	assert_int_equal(ts.v[v].pid, 102);
	/* earlyoom never picks itself. */
	v = og_earlyoom_victim(&o, &ts, &r, 102, &score, &bad);
	assert_int_equal(ts.v[v].pid, 100);
	static const char d[] = "earlyoom\0--prefer\0(\0";
	assert_int_equal(og_earlyoom_parse_argv(d, sizeof(d) - 1, &o), 0);
	assert_int_equal(og_earlyoom_victim(&o, &ts, &r, 0, &score, &bad), -1);
	assert_true(bad);
	/* nohang: a -1000 name rule removes 103 from the top. */
	struct og_nohang_conf nc = { 0 };
	const char *conf = "@BADNESS_ADJ_RE_NAME -1000 /// ^big_neg$\n";
	assert_int_equal(og_nohang_parse_conf(conf, strlen(conf), &nc), 0);
	v = og_nohang_victim(&nc, &ts, &r, 0, &score);
	assert_int_equal(ts.v[v].pid, 100); /* 100 and 102 tie: the first scanned stays */
	assert_true(og_re_match("^we", "we\\ird\nname"));
	og_rankset_free(&r);
	og_taskset_free(&ts);
}

static void oomd_candidates(void **state)
{
	struct og_oomd_cand c[16];
	(void)state;
	long owner = -2;
	ssize_t n = og_oomd_candidates(CG2, "/user.slice/user-1000.slice/user@1000.service", c, 16, &owner);
	/* a.scope, b.scope, idle.scope (leaves) and grp.service (memory.oom.group=1: its child is not separate). */
	assert_int_equal(n, 4);
	assert_true(owner >= 0);
	/* One sample: no first one, so the rate is oomd's for a new context, the total. */
	struct og_oomd_rule rule = { .kind = OG_OOMD_KILL_PRESSURE, .version = 252, .monitored_owner = owner };
	size_t k = og_oomd_rank(c, (size_t)n, &rule);
	assert_int_equal(k, 3); /* idle.scope: no pgscan, no memory */
	assert_string_equal(c[0].path, "/user.slice/user-1000.slice/user@1000.service/app.slice/grp.service");
	assert_string_equal(c[1].path, "/user.slice/user-1000.slice/user@1000.service/app.slice/a.scope");
	assert_string_equal(c[2].path, "/user.slice/user-1000.slice/user@1000.service/app.slice/b.scope");
	/* A monitored leaf is its own candidate. */
	n = og_oomd_candidates(CG2, "/user.slice/user-1000.slice/user@1000.service/app.slice/b.scope", c, 16, NULL);
	assert_int_equal(n, 1);
	assert_int_equal(og_oomd_candidates(CG2, "/nope", c, 16, NULL), -ENOENT);
}

static void oomd_order_prefs(void **state)
{
	struct og_oomd_cand c[4];
	(void)state;
	memset(c, 0, sizeof(c));
	strcpy(c[0].path, "/big-avoid");
	c[0].rate = c[0].pgscan = 900; c[0].current = 1; c[0].pref = OG_OOMD_PREF_AVOID; c[0].honoured = true;
	strcpy(c[1].path, "/omit");
	c[1].rate = c[1].pgscan = 999; c[1].current = 1; c[1].pref = OG_OOMD_PREF_OMIT; c[1].honoured = true;
	strcpy(c[2].path, "/omit-ignored");
	c[2].rate = c[2].pgscan = 500; c[2].current = 1; c[2].pref = OG_OOMD_PREF_OMIT; c[2].honoured = false;
	strcpy(c[3].path, "/small");
	c[3].rate = c[3].pgscan = 10; c[3].current = 1;
	size_t k = og_oomd_order(c, 4, OG_OOMD_KILL_PRESSURE, 0);
	assert_int_equal(k, 3);
	assert_string_equal(c[0].path, "/omit-ignored"); /* the owner rule voided its omit */
	assert_string_equal(c[1].path, "/small");
	assert_string_equal(c[2].path, "/big-avoid");     /* avoid sorts last */
	/* Swap rule: only above 5% of swap, by swap use. */
	memset(c, 0, sizeof(c));
	strcpy(c[0].path, "/a"); c[0].swap_current = 40;
	strcpy(c[1].path, "/b"); c[1].swap_current = 60;
	strcpy(c[2].path, "/c"); c[2].swap_current = 50;
	k = og_oomd_order(c, 3, OG_OOMD_KILL_SWAP, 1000);
	assert_int_equal(k, 1);
	assert_string_equal(c[0].path, "/b");
}

static bool stop_now(void *arg)
{
	++*(int *)arg;
	return true;
}

static bool stop_never(void *arg)
{
	++*(int *)arg;
	return false;
}

/* The daemons by comm alone: exact names, at most one nohang, no
 * non-numeric entries; a stop callback ends the scan before any read. */
static void daemons_by_comm(void **state)
{
	struct og_daemons d;
	int asked = 0;
	(void)state;
	assert_int_equal(og_daemons_find(FIXTURES "/daemons/proc", &d, NULL, NULL), 0);
	assert_int_equal(d.n_earlyoom, 2);
	assert_true((d.earlyoom[0] == 200 && d.earlyoom[1] == 202) || (d.earlyoom[0] == 202 && d.earlyoom[1] == 200));
	assert_int_equal(d.nohang, 201);
	assert_int_equal(og_daemons_find(FIXTURES "/daemons/proc", &d, stop_never, &asked), 0);
	assert_int_equal(d.n_earlyoom, 2);
	assert_int_equal(asked, 1); /* 6 processes: asked before the first, then every 16 */
	asked = 0;
	assert_int_equal(og_daemons_find(FIXTURES "/daemons/proc", &d, stop_now, &asked), -EINTR);
	assert_int_equal(asked, 1);
	assert_int_equal(d.n_earlyoom, 0);
	assert_int_equal(d.nohang, 0);
	assert_int_equal(og_daemons_find(FIXTURES "/daemons/nosuch", &d, NULL, NULL), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(earlyoom_argv),
		cmocka_unit_test(nohang_conf),
		cmocka_unit_test(oomd_conf),
		cmocka_unit_test(picks_on_fixture),
		cmocka_unit_test(oomd_candidates),
		cmocka_unit_test(oomd_order_prefs),
		cmocka_unit_test(daemons_by_comm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
