/* The Slurm plugin's --oomguard SPEC, its plugstack.conf arguments, and the
 * agent's pure helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "spankspec.h"
#include "stepagent.h"

static void bare_and_off(void **state)
{
	struct og_spank_spec s;
	char err[256], buf[1024];
	(void)state;
	assert_int_equal(og_spankspec_parse("", &s, err, sizeof(err)), 0);
	assert_int_equal(s.adj, -1000);
	assert_false(s.warn);
	assert_int_equal(s.signal, SIGUSR1);
	assert_int_equal(og_spankspec_parse("off", &s, err, sizeof(err)), 0);
	assert_true(s.off);
	assert_int_equal(og_spankspec_format(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "off");
}

static void items(void **state)
{
	struct og_spank_spec s;
	char err[256];
	(void)state;
	assert_int_equal(og_spankspec_parse("adj:-500,warn:available:15%,eta:20s,signal:USR2,hook:echo a,b", &s, err,
					    sizeof(err)), 0);
	assert_int_equal(s.adj, -500);
	assert_true(s.warn);
	assert_true(s.warn_spec.avail.pct == 15);
	assert_true(s.warn_spec.eta_s == 20);
	assert_int_equal(s.signal, SIGUSR2);
	assert_string_equal(s.hook, "echo a,b");
	/* bare warn keeps warn's defaults; signal:none */
	assert_int_equal(og_spankspec_parse("warn,signal:none", &s, err, sizeof(err)), 0);
	assert_true(s.warn && s.signal == 0 && s.warn_spec.avail.pct == 10);
}

static void rejects(void **state)
{
	static const char *bad[] = { "adj:", "adj:1001", "adj:x", "available:5%", "warn:available:200%", "signal:NOPE",
				     "hook:", "adj:1,,warn", "adj:1,", ",", "bogus", "off,adj:1" };
	struct og_spank_spec s;
	char err[256];
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(og_spankspec_parse(bad[i], &s, err, sizeof(err)), -EINVAL);
		assert_true(strstr(err, "--oomguard") != NULL);
		assert_null(strchr(err, '\n'));
	}
	assert_int_equal(og_spankspec_parse("adj:\x1b[31m", &s, err, sizeof(err)), -EINVAL);
	assert_null(strchr(err, '\x1b'));
}

static void roundtrip(void **state)
{
	static const char *ok[] = { "", "adj:0", "warn", "adj:12,warn:critical:1G,rearm:0s,signal:40", "hook:x" };
	struct og_spank_spec a, b;
	char err[256], buf[2048];
	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(og_spankspec_parse(ok[i], &a, err, sizeof(err)), 0);
		assert_int_equal(og_spankspec_format(&a, buf, sizeof(buf)), 0);
		assert_int_equal(og_spankspec_parse(buf, &b, err, sizeof(err)), 0);
		assert_memory_equal(&a, &b, sizeof(a));
	}
}

static void admin_args(void **state)
{
	char *good[] = { "enforce", "default=adj:400,warn", "min_adj=200" };
	char *bad1[] = { "bogus=1" }, *bad2[] = { "min_adj=x" }, *bad3[] = { "default=adj:100", "min_adj=200" };
	struct og_spank_args a;
	struct og_spank_spec s;
	char err[512];
	(void)state;
	assert_int_equal(og_spank_args_parse(3, good, &a, err, sizeof(err)), 0);
	assert_true(a.enforce);
	assert_int_equal(a.min_adj, 200);
	assert_int_equal(og_spank_resolve(&a, "", &s, err, sizeof(err)), 0);
	assert_int_equal(s.adj, 400);
	assert_true(s.warn);
	assert_int_equal(og_spank_resolve(&a, "adj:100", &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--oomguard adj:100 is below this cluster's floor (min_adj=200)");
	assert_int_equal(og_spank_resolve(&a, "off", &s, err, sizeof(err)), 0);
	assert_true(s.off);
	assert_int_equal(og_spank_args_parse(1, bad1, &a, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown plugin argument 'bogus=1': expected default=SPEC, min_adj=N or enforce");
	assert_int_equal(og_spank_args_parse(1, bad2, &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(og_spank_args_parse(2, bad3, &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(og_spank_args_parse(0, NULL, &a, err, sizeof(err)), 0);
	assert_int_equal(og_spank_resolve(&a, "", &s, err, sizeof(err)), 0);
	assert_int_equal(s.adj, -1000);
	assert_true(s.warn); /* a bare --oomguard: OG_SPANK_BARE */
}

static void agent_helpers(void **state)
{
	unsigned l, g;
	pid_t p;
	(void)state;
	assert_int_equal(og_agent_parse_task("T 1 5 4242", &l, &g, &p), 0);
	assert_true(l == 1 && g == 5 && p == 4242);
	assert_int_equal(og_agent_parse_task("T 1 5 0", &l, &g, &p), -EINVAL);
	assert_int_equal(og_agent_parse_task("T 1 5 42x", &l, &g, &p), -EINVAL);
	assert_int_equal(og_agent_parse_task("T -1 5 42", &l, &g, &p), -EINVAL);
	assert_int_equal(og_slurm_task_of("/slurm_node1/uid_1000/job_5/step_0/task_3"), 3);
	assert_int_equal(og_slurm_task_of("/slurm/uid_0/job_5/step_batch/task_0"), 0);
	assert_int_equal(og_slurm_task_of("/slurm/uid_0/job_5/step_0"), -1);
	assert_int_equal(og_slurm_task_of("/task_x"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bare_and_off), cmocka_unit_test(items),      cmocka_unit_test(rejects),
		cmocka_unit_test(roundtrip),    cmocka_unit_test(admin_args), cmocka_unit_test(agent_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
