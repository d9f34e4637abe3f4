/* `oomguard metrics`: labels, the state file, the Prometheus renderer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static void labels(void **state)
{
	char b[OG_MET_LABEL];
	(void)state;
	og_met_label("/slurm_n1/uid_1000/job_5/step_0/task_12", b, sizeof(b));
	assert_string_equal(b, "/slurm_n*/uid_*/job_*/step_*/task_*");
	og_met_label("/user.slice/user-1000.slice/user@1000.service/app.slice/vte-spawn-f65b1c2e-8d7a-4e4f-9b1a-0c2d3e4f5a6b.scope", b, sizeof(b));
	assert_string_equal(b, "/user.slice/user-*.slice/user@*.service/app.slice/vte-spawn-*.scope");
	og_met_label("a\"b\n\x1b", b, sizeof(b));
	assert_string_equal(b, "a\"b??");
	og_met_label("deadline.service", b, sizeof(b)); /* letters stay, even hex ones */
	assert_string_equal(b, "deadline.service");
}

static void counting_and_state(void **state)
{
	struct og_met_state s, t;
	char buf[65536];
	(void)state;
	og_met_state_init(&s);
	og_met_count(&s, "kernel-memcg", "/slurm_n1/uid_0/job_5/step_0/task_1", 100);
	og_met_count(&s, "kernel-memcg", "/slurm_n1/uid_0/job_6/step_0/task_0", 300);
	og_met_count(&s, "systemd-oomd-pressure", "app.slice", 200);
	assert_int_equal(s.nk, 2);
	assert_int_equal(s.k[0].n, 2);
	assert_int_equal(s.k[0].last_us, 300);
	assert_int_equal(s.nc, 2);
	assert_int_equal(s.since_us, 300);
	/* bounded: past OG_MET_CGROUPS labels everything adds to one "other" */
	for (int i = 0; i < 2 * OG_MET_CGROUPS; i++) {
		char w[32];
		snprintf(w, sizeof(w), "unit-%c%c.service", 'a' + i % 26, 'a' + i / 26);
		og_met_count(&s, "earlyoom", w, 400);
	}
	assert_int_equal(s.nc, OG_MET_CGROUPS + 1);
	assert_string_equal(s.c[OG_MET_CGROUPS].label, "other");
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	assert_int_equal(og_met_state_write(&s, f), 0);
	fclose(f);
	assert_int_equal(og_met_state_parse(buf, strlen(buf), &t), 0);
	assert_int_equal(t.nk, s.nk);
	assert_int_equal(t.nc, s.nc);
	assert_int_equal(t.since_us, 400);
	for (size_t i = 0; i < s.nc; i++) {
		assert_string_equal(t.c[i].label, s.c[i].label);
		assert_int_equal(t.c[i].n, s.c[i].n);
	}
	assert_int_equal(og_met_state_parse("hello\n", 6, &t), -EINVAL);
	assert_int_equal(og_met_state_parse("# oomguard metrics state v1\nkill x\n", 35, &t), -EINVAL);
	assert_int_equal(og_met_state_parse("# oomguard metrics state v1\n", 28, &t), 0);
}

static void render(void **state)
{
	struct og_met_view *v = calloc(1, sizeof(*v));
	char buf[65536];
	(void)state;
	og_met_count(&v->st, "kernel-memcg", "/og\"x", 1500000);
	v->killer[0].name = "kernel";
	v->killer[0].armed = true;
	v->nkiller = 1;
	og_met_add_job(v, "python3", "kernel", "protected", 3);
	og_met_add_job(v, "python3", "kernel", "protected", 1);
	for (int i = 0; i < 2 * OG_MET_JOBS; i++) {
		char j[16];
		snprintf(j, sizeof(j), "job%c%c", 'a' + i % 26, 'a' + i / 26);
		og_met_add_job(v, j, "kernel", "partial", 1);
	}
	assert_int_equal(v->njob, OG_MET_JOBS + 1);
	v->slurm_steps = 2;
	v->now_us = 2000001;
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	assert_int_equal(og_met_render(v, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "# TYPE oomguard_oom_kills_total counter\noomguard_oom_kills_total{killer=\"kernel-memcg\"} 1\n"));
	assert_non_null(strstr(buf, "oomguard_oom_kills_by_cgroup_total{killer=\"kernel-memcg\",cgroup=\"/og\\\"x\"} 1\n"));
	assert_non_null(strstr(buf, "oomguard_last_oom_kill_timestamp_seconds{killer=\"kernel-memcg\"} 1.500000\n"));
	assert_non_null(strstr(buf, "oomguard_protected_processes{job=\"python3\",layer=\"kernel\",state=\"protected\"} 4\n"));
	assert_non_null(strstr(buf, "oomguard_protected_processes{job=\"other\",layer=\"kernel\",state=\"partial\"} 21\n"));
	assert_non_null(strstr(buf, "oomguard_slurm_steps_guarded 2\n"));
	assert_non_null(strstr(buf, "oomguard_metrics_timestamp_seconds 2.000001\n"));
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(labels),
		cmocka_unit_test(counting_and_state),
		cmocka_unit_test(render),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
