/* Option parsing of `run`, `protect` and `watch`: the pure parsers, valid and invalid forms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "util.h"

#include <signal.h>

/* argv as getopt wants it: mutable strings, NULL-terminated. */
#define ARGV(...) char *av[] = { __VA_ARGS__, NULL }; int ac = (int)OG_ARRAY_LEN(av) - 1

static int run_parse(int ac, char **av, struct og_run_opts *o, char *err)
{
	err[0] = '\0';
	return og_run_parse(ac, av, o, err, 256);
}

static int prot_parse(int ac, char **av, struct og_protect_opts *o, char *err)
{
	err[0] = '\0';
	return og_protect_parse(ac, av, o, err, 256);
}

static void run_defaults(void **state)
{
	struct og_run_opts o;
	char err[256];
	ARGV("run", "--", "python3", "train.py");
	(void)state;
	assert_int_equal(run_parse(ac, av, &o, err), 0);
	assert_int_equal(o.adj, -1000);
	assert_null(o.log);
	assert_false(o.detach);
	assert_false(o.best_effort);
	assert_false(o.no_sudo);
	assert_false(o.quiet);
	assert_string_equal(o.argv[0], "python3");
	assert_string_equal(o.argv[1], "train.py");
	assert_null(o.argv[2]);
}

static void run_all_long_options(void **state)
{
	struct og_run_opts o;
	char err[256];
	ARGV("run", "--adj", "300", "--log", "job.log", "--detach", "--best-effort", "--no-sudo", "--quiet", "--", "sh");
	(void)state;
	assert_int_equal(run_parse(ac, av, &o, err), 0);
	assert_int_equal(o.adj, 300);
	assert_string_equal(o.log, "job.log");
	assert_true(o.detach && o.best_effort && o.no_sudo && o.quiet);
	assert_string_equal(o.argv[0], "sh");
}

static void run_short_and_equals_forms(void **state)
{
	struct og_run_opts o;
	char err[256];
	(void)state;
	{
		ARGV("run", "-a", "-1000", "-l", "x.log", "-dbq", "--", "true");
		assert_int_equal(run_parse(ac, av, &o, err), 0);
		assert_int_equal(o.adj, -1000);
		assert_string_equal(o.log, "x.log");
		assert_true(o.detach && o.best_effort && o.quiet);
	}
	{
		ARGV("run", "--adj=1000", "--log=y.log", "true");
		assert_int_equal(run_parse(ac, av, &o, err), 0);
		assert_int_equal(o.adj, 1000);
		assert_string_equal(o.log, "y.log");
	}
	{
		ARGV("run", "-a0", "--", "true");
		assert_int_equal(run_parse(ac, av, &o, err), 0);
		assert_int_equal(o.adj, 0);
	}
}

static void run_leaves_job_options_alone(void **state)
{
	/* Without "--" parsing stops at the command; its flags are the job's. */
	struct og_run_opts o;
	char err[256];
	ARGV("run", "--adj", "5", "python3", "--adj", "zzz", "-x", "--log");
	(void)state;
	assert_int_equal(run_parse(ac, av, &o, err), 0);
	assert_int_equal(o.adj, 5);
	assert_null(o.log);
	assert_string_equal(o.argv[0], "python3");
	assert_string_equal(o.argv[1], "--adj");
	assert_string_equal(o.argv[4], "--log");
	assert_null(o.argv[5]);
}

static void run_detach_gets_a_log(void **state)
{
	struct og_run_opts o;
	char err[256];
	(void)state;
	{
		ARGV("run", "--detach", "--", "sleep", "1");
		assert_int_equal(run_parse(ac, av, &o, err), 0);
		assert_true(o.detach);
		assert_string_equal(o.log, "oomguard.log");
	}
	{
		ARGV("run", "--detach", "--log", "/tmp/a.log", "--", "sleep", "1");
		assert_int_equal(run_parse(ac, av, &o, err), 0);
		assert_string_equal(o.log, "/tmp/a.log");
	}
}

static void run_help(void **state)
{
	struct og_run_opts o;
	char err[256];
	ARGV("run", "--help");
	(void)state;
	assert_int_equal(run_parse(ac, av, &o, err), 1);
}

/* Every bad form is rejected with a one-line message naming the culprit. */
static void run_rejects(void **state)
{
	static const struct {
		const char *args[6];
		const char *needle;
	} bad[] = {
		{ { "run", "--adj", "1001", "--", "true" }, "invalid --adj '1001'" },
		{ { "run", "--adj", "-1001", "--", "true" }, "invalid --adj '-1001'" },
		{ { "run", "--adj", "abc", "--", "true" }, "invalid --adj 'abc'" },
		{ { "run", "--adj", "99999999999999999999", "--", "true" }, "expected an integer from -1000 to 1000" },
		{ { "run", "--adj", "", "--", "true" }, "invalid --adj ''" },
		{ { "run", "--adj", "5x", "--", "true" }, "invalid --adj '5x'" },
		{ { "run", "--adj", "+5", "--", "true" }, "invalid --adj '+5'" },
		{ { "run", "--adj", " 5", "--", "true" }, "invalid --adj ' 5'" },
		{ { "run", "--adj", "5 ", "--", "true" }, "invalid --adj '5 '" },
		{ { "run", "--adj", "0x10", "--", "true" }, "invalid --adj '0x10'" },
		{ { "run", "--adj=", "--", "true" }, "invalid --adj ''" },
		{ { "run", "--adj" }, "option '--adj' needs a value" },
		{ { "run", "-a" }, "option '-a' needs a value" },
		{ { "run", "--log" }, "option '--log' needs a value" },
		{ { "run", "--log", "", "--", "true" }, "--log needs a file name" },
		{ { "run", "--bogus", "--", "true" }, "unknown option '--bogus'" },
		{ { "run", "-x", "--", "true" }, "unknown option '-x'" },
		{ { "run", "--detach=yes", "--", "true" }, "unknown option '--detach=yes'" },
		{ { "run", "--adj=5", "-xd", "--", "true" }, "unknown option '-x'" },
		{ { "run", "-dx", "--", "true" }, "unknown option '-x'" },
		{ { "run", "--adj", "5\n", "--", "true" }, "invalid --adj '5\\n'" },
		{ { "run", "--adj", "\x1b[31m", "--", "true" }, "invalid --adj '\\x1b[31m'" },
		{ { "run", "--adj", "5" }, "missing command" },
		{ { "run", "--adj", "5", "--" }, "missing command" },
		{ { "run", "--", "" }, "missing command" },
		{ { "run" }, "missing command" },
	};
	(void)state;
	for (size_t i = 0; i < OG_ARRAY_LEN(bad); i++) {
		char *av[8] = { 0 };
		int ac = 0;
		struct og_run_opts o;
		char err[256];
		for (; ac < 6 && bad[i].args[ac]; ac++)
			av[ac] = (char *)bad[i].args[ac];
		assert_int_equal(run_parse(ac, av, &o, err), -1);
		if (!strstr(err, bad[i].needle))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].needle);
		assert_null(strchr(err, '\n'));
	}
}

static void protect_show(void **state)
{
	struct og_protect_opts o;
	char err[256];
	ARGV("protect", "1", "4194304", "77");
	(void)state;
	assert_int_equal(prot_parse(ac, av, &o, err), 0);
	assert_false(o.set);
	assert_false(o.tree);
	assert_false(o.json);
	assert_false(o.quiet);
	assert_int_equal(o.npids, 3);
	assert_int_equal(o.pids[0], 1);
	assert_int_equal(o.pids[1], 4194304);
	assert_int_equal(o.pids[2], 77);
}

static void protect_set_tree_json(void **state)
{
	struct og_protect_opts o;
	char err[256];
	(void)state;
	{
		ARGV("protect", "--adj", "-1000", "--tree", "--json", "--quiet", "42");
		assert_int_equal(prot_parse(ac, av, &o, err), 0);
		assert_true(o.set && o.tree && o.json && o.quiet);
		assert_int_equal(o.adj, -1000);
		assert_int_equal(o.npids, 1);
		assert_int_equal(o.pids[0], 42);
	}
	{
		/* Options may follow PIDs (GNU permutation), and "--adj=0" sets 0. */
		ARGV("protect", "42", "--adj=0", "-t", "43");
		assert_int_equal(prot_parse(ac, av, &o, err), 0);
		assert_true(o.set && o.tree);
		assert_false(o.quiet); /* --quiet of the call before is not kept */
		assert_int_equal(o.adj, 0);
		assert_int_equal(o.npids, 2);
		assert_int_equal(o.pids[1], 43);
	}
	{
		ARGV("protect", "--help");
		assert_int_equal(prot_parse(ac, av, &o, err), 1);
	}
}

static void protect_pid_limit(void **state)
{
	struct og_protect_opts o;
	char err[256];
	char *av[80];
	char bufs[70][8];
	int ac = 0;
	(void)state;
	av[ac++] = "protect";
	for (int i = 0; i < 64; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "%d", i + 1);
		av[ac++] = bufs[i];
	}
	av[ac] = NULL;
	assert_int_equal(prot_parse(ac, av, &o, err), 0);
	assert_int_equal(o.npids, 64);
	av[ac++] = "65";
	av[ac] = NULL;
	assert_int_equal(prot_parse(ac, av, &o, err), -1);
	assert_non_null(strstr(err, "too many PIDs"));
}

static void protect_rejects(void **state)
{
	static const struct {
		const char *args[6];
		const char *needle;
	} bad[] = {
		{ { "protect", "0" }, "invalid PID '0'" },
		{ { "protect", "-5" }, "'-5'" }, /* getopt sees an unknown option */
		{ { "protect", "--", "-5" }, "invalid PID '-5'" },
		{ { "protect", "abc" }, "invalid PID 'abc'" },
		{ { "protect", "12x" }, "invalid PID '12x'" },
		{ { "protect", "4194305" }, "invalid PID '4194305'" },
		{ { "protect", "99999999999999999999999" }, "invalid PID" },
		{ { "protect", "" }, "invalid PID ''" },
		{ { "protect", "+5" }, "invalid PID '+5'" },
		{ { "protect", " 5" }, "invalid PID ' 5'" },
		{ { "protect", "1", "2", "x" }, "invalid PID 'x'" },
		{ { "protect" }, "missing PID" },
		{ { "protect", "--adj", "5" }, "missing PID" },
		{ { "protect", "--adj", "1001", "1" }, "invalid --adj '1001'" },
		{ { "protect", "--adj", "-", "1" }, "invalid --adj '-'" },
		{ { "protect", "--adj", "1e3", "1" }, "invalid --adj '1e3'" },
		{ { "protect", "--adj" }, "option '--adj' needs a value" },
		{ { "protect", "1", "-a" }, "option '-a' needs a value" },
		{ { "protect", "--tree=1", "1" }, "unknown option '--tree=1'" },
		{ { "protect", "--frobnicate", "1" }, "unknown option '--frobnicate'" },
		{ { "protect", "-z", "1" }, "unknown option '-z'" },
		{ { "protect", "-zt", "1" }, "unknown option '-z'" },
		{ { "protect", "-tz", "1" }, "unknown option '-z'" },
		{ { "protect", "1\n2" }, "invalid PID '1\\n2'" },
	};
	(void)state;
	for (size_t i = 0; i < OG_ARRAY_LEN(bad); i++) {
		char *av[8] = { 0 };
		int ac = 0;
		struct og_protect_opts o;
		char err[256];
		for (; ac < 6 && bad[i].args[ac]; ac++)
			av[ac] = (char *)bad[i].args[ac];
		assert_int_equal(prot_parse(ac, av, &o, err), -1);
		if (!strstr(err, bad[i].needle))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].needle);
		assert_true(err[0] != '\0');
		assert_null(strchr(err, '\n'));
	}
}

/* A parse must not depend on a previous one (getopt keeps global state). */
/* --warn, --warn-signal and --on-warn are one parser (og_warn_getopt) in run
 * and watch: the same forms and messages in both, but only run takes a bare
 * --warn's SPEC from the next word (watch's next word is its PID). */
static void warn_options_shared(void **state)
{
	struct og_run_opts r;
	struct og_watch_opts w;
	char err[256];
	(void)state;
	{
		ARGV("run", "--warn", "available:7%", "--warn-signal", "USR2", "--on-warn", "echo hi", "--", "sh");
		assert_int_equal(run_parse(ac, av, &r, err), 0);
		assert_true(r.warn);
		assert_true(r.warn_spec.avail.pct == 7);
		assert_int_equal(r.warn_signal, SIGUSR2);
		assert_string_equal(r.on_warn, "echo hi");
		assert_string_equal(r.argv[0], "sh");
	}
	{
		ARGV("run", "--", "sh");
		assert_int_equal(run_parse(ac, av, &r, err), 0);
		assert_false(r.warn);
		assert_int_equal(r.warn_signal, SIGUSR1);
		assert_null(r.on_warn);
	}
	{
		ARGV("watch", "--warn=available:7%", "--warn-signal", "none", "--on-warn", "echo hi", "42");
		assert_int_equal(og_watch_parse(ac, av, &w, err, sizeof(err)), 0);
		assert_true(w.spec.avail.pct == 7);
		assert_int_equal(w.warn_signal, 0);
		assert_string_equal(w.on_warn, "echo hi");
		assert_int_equal(w.pid, 42);
	}
	{
		ARGV("watch", "--warn", "available:7%", "42");
		assert_int_equal(og_watch_parse(ac, av, &w, err, sizeof(err)), -1);
		assert_string_equal(err, "exactly one PID, got '42' too");
	}
	static const char *const bad[][2] = {
		{ "--warn-signal=KILL", "invalid --warn-signal 'KILL'" },
		{ "--on-warn=", "--on-warn needs a command" },
		{ "--warn=bogus:1", "invalid --warn spec: " },
	};
	for (size_t i = 0; i < OG_ARRAY_LEN(bad); i++) {
		char rerr[256], werr[256];
		char *ra[] = { "run", (char *)bad[i][0], "--", "sh", NULL };
		char *wa[] = { "watch", (char *)bad[i][0], "42", NULL };
		assert_int_equal(run_parse(4, ra, &r, rerr), -1);
		assert_int_equal(og_watch_parse(3, wa, &w, werr, sizeof(werr)), -1);
		assert_string_equal(rerr, werr);
		assert_memory_equal(rerr, bad[i][1], strlen(bad[i][1]));
	}
}

static void parsers_are_reentrant(void **state)
{
	struct og_run_opts o;
	struct og_protect_opts p;
	char err[256];
	(void)state;
	for (int round = 0; round < 3; round++) {
		{
			ARGV("run", "-d", "--bogus");
			assert_int_equal(run_parse(ac, av, &o, err), -1);
		}
		{
			ARGV("protect", "-t", "9");
			assert_int_equal(prot_parse(ac, av, &p, err), 0);
			assert_int_equal(p.pids[0], 9);
		}
		{
			ARGV("run", "-b", "--", "x");
			assert_int_equal(run_parse(ac, av, &o, err), 0);
			assert_false(o.detach);
			assert_true(o.best_effort);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(run_defaults),
		cmocka_unit_test(run_all_long_options),
		cmocka_unit_test(run_short_and_equals_forms),
		cmocka_unit_test(run_leaves_job_options_alone),
		cmocka_unit_test(run_detach_gets_a_log),
		cmocka_unit_test(run_help),
		cmocka_unit_test(run_rejects),
		cmocka_unit_test(protect_show),
		cmocka_unit_test(protect_set_tree_json),
		cmocka_unit_test(protect_pid_limit),
		cmocka_unit_test(protect_rejects),
		cmocka_unit_test(warn_options_shared),
		cmocka_unit_test(parsers_are_reentrant),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
