/* A Slurm job step's memory cgroups on cgroup v1 and v2 (src/slurmcg.c),
 * against the trees in tests/fixtures/slurm laid out as Slurm 22.05 lays
 * them out: a made-up procfs root whose mountinfo mounts them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "slurmcg.h"

static char proc[64];

static void put(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", proc, rel);
	*strrchr(p, '/') = '\0';
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%s", proc, rel);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

/* procfs root: cgroup2 at fixtures/slurm/v2, the v1 memory hierarchy at
 * fixtures/slurm/v1 (each pid's /proc/PID/cgroup names one of them). */
static int setup(void **state)
{
	char mi[1024];

	(void)state;
	snprintf(proc, sizeof(proc), "/tmp/og-test-%d-slurmcg-XXXXXX", (int)getpid());
	if (!mkdtemp(proc))
		return -1;
	snprintf(mi, sizeof(mi),
		 "25 1 0:23 / /sys rw,nosuid - sysfs sysfs rw\n"
		 "33 25 0:28 / %s/slurm/v2 rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate\n",
		 FIXTURES);
	put("self/mountinfo", mi);
	put("4242/cgroup", "0::/system.slice/slurmstepd.scope/job_5/step_0/user/task_0\n");
	put("3001/cgroup", "0::/system.slice/slurmstepd.scope/job_5/step_0/slurm\n");
	put("812/cgroup", "0::/system.slice/slurmstepd.scope/system\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", proc);
	return system(cmd) == 0 ? 0 : -1;
}

static void v1_procroot(void)
{
	char mi[1024];

	snprintf(mi, sizeof(mi), "38 25 0:33 / %s/slurm/v1 rw,nosuid shared:16 - cgroup cgroup rw,memory\n", FIXTURES);
	put("self/mountinfo", mi);
	put("5001/cgroup", "4:memory:/slurm_node1/uid_0/job_5/step_0/task_0\n0::/\n");
}

static void set(struct og_cgroup *cg, const char *mnt, const char *path)
{
	snprintf(cg->path, sizeof(cg->path), "%s", path);
	snprintf(cg->dir, sizeof(cg->dir), "%s%s", mnt, path);
}

static void step_of_paths(void **state)
{
	struct og_cgroup cg = { .version = 2 };
	(void)state;
	set(&cg, "/sys/fs/cgroup", "/system.slice/slurmstepd.scope/job_5/step_0/user/task_1");
	assert_int_equal(og_slurm_step_of(&cg), 0);
	assert_string_equal(cg.path, "/system.slice/slurmstepd.scope/job_5/step_0");
	assert_string_equal(cg.dir, "/sys/fs/cgroup/system.slice/slurmstepd.scope/job_5/step_0");
	/* several slurmd on one host (--enable-multiple-slurmd): HOST_slurmstepd.scope */
	set(&cg, "/sys/fs/cgroup", "/system.slice/n1_slurmstepd.scope/job_7/step_batch/user/task_special");
	assert_int_equal(og_slurm_step_of(&cg), -ENOENT); /* task_special is no task */
	set(&cg, "/sys/fs/cgroup", "/system.slice/n1_slurmstepd.scope/job_7/step_batch/user/task_0");
	assert_int_equal(og_slurm_step_of(&cg), 0);
	assert_string_equal(cg.path, "/system.slice/n1_slurmstepd.scope/job_7/step_batch");
	/* v1 */
	cg.version = 1;
	set(&cg, "/sys/fs/cgroup/memory", "/slurm_node1/uid_1000/job_5/step_0/task_3");
	assert_int_equal(og_slurm_step_of(&cg), 0);
	assert_string_equal(cg.path, "/slurm_node1/uid_1000/job_5/step_0");
	assert_string_equal(cg.dir, "/sys/fs/cgroup/memory/slurm_node1/uid_1000/job_5/step_0");
	/* not a task's */
	set(&cg, "/sys/fs/cgroup", "/system.slice/slurmstepd.scope/job_5/step_0/slurm");
	assert_int_equal(og_slurm_step_of(&cg), -ENOENT);
	set(&cg, "/sys/fs/cgroup", "/user.slice/task_0");
	assert_int_equal(og_slurm_step_of(&cg), -ENOENT);
}

static void v2_step(void **state)
{
	struct og_cgroup step, lim;
	struct og_memcg m;
	pid_t pids[16];
	long long peak, reclaim;
	(void)state;
	assert_int_equal(og_slurm_step_find(proc, 4242, &step, &lim, &m), 0);
	assert_int_equal(step.version, 2);
	assert_string_equal(step.path, "/system.slice/slurmstepd.scope/job_5/step_0");
	/* the step's own limit, not the job's */
	assert_string_equal(lim.path, step.path);
	assert_int_equal(m.limit, 200LL << 20);
	assert_int_equal(m.usage, 205520896);
	assert_int_equal(m.swap_limit, 0);
	assert_int_equal(og_memcg_peak_reclaim(&lim, &peak, &reclaim), 0);
	assert_int_equal(peak, 200LL << 20);
	assert_int_equal(reclaim, 3145728);
	/* memory.events is hierarchical: the step's one kill, not its tasks' again */
	assert_int_equal(og_slurm_step_kills(&step), 1);
	/* every task's processes and task_special's; slurmstepd's (step_0/slurm) never */
	int n = og_slurm_step_pids(&step, pids, 16);
	assert_int_equal(n, 4);
	long sum = 0;
	for (int i = 0; i < n; i++) {
		assert_int_not_equal(pids[i], 3001);
		sum += pids[i];
	}
	assert_int_equal(sum, 4242 + 4250 + 4243 + 4300);
	assert_int_equal(og_slurm_step_pids(&step, pids, 2), 2);
	/* slurmstepd itself and the scope's own processes are in no step */
	assert_int_equal(og_slurm_step_find(proc, 3001, &step, &lim, &m), -ENOENT);
	assert_int_equal(og_slurm_step_find(proc, 812, &step, &lim, &m), -ENOENT);
	assert_int_equal(og_slurm_step_find(proc, 99999, &step, &lim, &m), -ESRCH);
}

static void v1_step(void **state)
{
	struct og_cgroup step, lim;
	struct og_memcg m;
	pid_t pids[16];
	(void)state;
	v1_procroot();
	assert_int_equal(og_slurm_step_find(proc, 5001, &step, &lim, &m), 0);
	assert_int_equal(step.version, 1);
	assert_string_equal(step.path, "/slurm_node1/uid_0/job_5/step_0");
	assert_string_equal(lim.path, step.path);
	assert_int_equal(m.limit, 200LL << 20);
	/* v1 counts each kill in the victim's task_N only: summed */
	assert_int_equal(og_slurm_step_kills(&step), 3);
	assert_int_equal(og_slurm_step_pids(&step, pids, 16), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(step_of_paths),
		cmocka_unit_test(v2_step),
		cmocka_unit_test(v1_step),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
