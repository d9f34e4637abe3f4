/* The job-output lines of an OOM kill (Slurm, torchrun, PyTorch), Slurm's
 * memcg paths, and their join to the kernel's kill.  Lines are verbatim as
 * printed: Slurm 22.05's, from this project's one-node cluster
 * (tests/slurm), the others as users posted them (sources inline). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "oomlog_job.h"

static struct og_jobrec parse(const char *s)
{
	struct og_jobrec r;
	og_jobline_parse(s, strlen(s), &r);
	return r;
}

static void slurm_lines(void **state)
{
	struct og_jobrec r;
	(void)state;
	r = parse("slurmstepd-vm: error: Detected 1 oom-kill event(s) in StepId=5.0. Some of your processes may have been killed by the cgroup out-of-memory handler.");
	assert_int_equal(r.kind, OG_JOB_SLURM_DETECTED);
	assert_int_equal(r.job, 5);
	assert_string_equal(r.step, "0");
	assert_int_equal(r.count, 1);
	/* Slurm before 20.11 */
	r = parse("slurmstepd: error: Detected 2 oom-kill event(s) in step 1234.batch cgroup.");
	assert_int_equal(r.kind, OG_JOB_SLURM_DETECTED);
	assert_int_equal(r.job, 1234);
	assert_string_equal(r.step, "batch");
	assert_int_equal(r.count, 2);
	/* Slurm 21.08+'s wording, read by the same parser as the log lines
	 * (oomlog_slurm.c); a user's placeholder for the job id is kept, -1 */
	r = parse("slurmstepd: error: Detected 3 oom_kill events in StepId=77.batch. Some of the step tasks have been OOM Killed.");
	assert_int_equal(r.kind, OG_JOB_SLURM_DETECTED);
	assert_int_equal(r.job, 77);
	assert_string_equal(r.step, "batch");
	assert_int_equal(r.count, 3);
	r = parse("slurmstepd: error: Detected 2 oom_kill events in StepId=JOBID.13. Some of the step tasks have been OOM Killed.");
	assert_int_equal(r.kind, OG_JOB_SLURM_DETECTED);
	assert_int_equal(r.job, -1);
	assert_string_equal(r.step, "13");
	r = parse("srun: error: node1: task 0: Out Of Memory");
	assert_int_equal(r.kind, OG_JOB_SLURM_TASK_OOM);
	assert_int_equal(r.task_lo, 0);
	assert_int_equal(r.task_hi, 0);
	assert_string_equal(r.node, "node1");
	r = parse("srun: error: gpu-a-17: tasks 0-3: Out Of Memory");
	assert_int_equal(r.kind, OG_JOB_SLURM_TASK_OOM);
	assert_int_equal(r.task_lo, 0);
	assert_int_equal(r.task_hi, 3);
	assert_string_equal(r.node, "gpu-a-17");
	r = parse("slurmstepd: error: *** JOB 5 ON node1 CANCELLED AT 2024-01-02T03:04:05 ***");
	assert_int_equal(r.kind, OG_JOB_SLURM_CANCELLED);
	assert_int_equal(r.job, 5);
	assert_string_equal(r.step, "");
	assert_string_equal(r.node, "node1");
	r = parse("slurmstepd: error: *** STEP 5.0 ON node1 CANCELLED AT 2024-01-02T03:04:05 ***");
	assert_int_equal(r.kind, OG_JOB_SLURM_CANCELLED);
	assert_string_equal(r.step, "0");
}

static void torch_lines(void **state)
{
	struct og_jobrec r;
	(void)state;
	/* torch.distributed.elastic's failure summary (pytorch/pytorch#67538 and many like it) */
	r = parse("  traceback : Signal 9 (SIGKILL) received by PID 2710");
	assert_int_equal(r.kind, OG_JOB_TORCH_SIGKILL);
	assert_int_equal(r.npids, 1);
	assert_int_equal(r.pids[0], 2710);
	assert_string_equal(r.text, "traceback : Signal 9 (SIGKILL) received by PID 2710");
	/* mittagessen/kraken#266 */
	r = parse("RuntimeError: DataLoader worker (pid 22048) is killed by signal: Killed.");
	assert_int_equal(r.kind, OG_JOB_DATALOADER);
	assert_int_equal(r.pids[0], 22048);
	/* suprosanna/relationformer#18 */
	r = parse("RuntimeError: DataLoader worker (pid(s) 411948) exited unexpectedly");
	assert_int_equal(r.kind, OG_JOB_DATALOADER);
	assert_int_equal(r.pids[0], 411948);
	r = parse("RuntimeError: DataLoader worker (pid(s) 10, 11, 12) exited unexpectedly");
	assert_int_equal(r.npids, 3);
	assert_int_equal(r.pids[2], 12);
}

static void not_these(void **state)
{
	static const char *no[] = { "", "Detected", "Detected x oom-kill event(s) in StepId=5.0.", "task 0: Out Of Memory",
				    "srun: error: n: task : Out Of Memory", "*** JOB x ON n CANCELLED AT t ***",
				    "Signal 9 (SIGKILL) received by PID ", "DataLoader worker (pid abc) is killed by signal: Killed.",
				    "Detected 1 oom-kill event(s) in StepId=12345678901.0",
				    "Detected 1 oom-kill event(s) in StepId=5.averyveryverylongstepname" };
	struct og_jobrec r;
	(void)state;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(og_jobline_parse(no[i], strlen(no[i]), &r));
}

static void paths(void **state)
{
	struct og_slurm_ids id;
	(void)state;
	assert_true(og_slurm_path("/slurm_vm/uid_0/job_5/step_0/task_1", &id));
	assert_int_equal(id.uid, 0);
	assert_int_equal(id.job, 5);
	assert_string_equal(id.step, "0");
	assert_int_equal(id.task, 1);
	/* cgroup v2 (Slurm 22.05 cgroup/v2) */
	assert_true(og_slurm_path("/system.slice/slurmstepd.scope/job_77/step_batch/user/task_0", &id));
	assert_int_equal(id.job, 77);
	assert_string_equal(id.step, "batch");
	assert_int_equal(id.task, 0);
	assert_int_equal(id.uid, -1);
	assert_false(og_slurm_path("/user.slice/job_x/step_0", &id));
	assert_false(og_slurm_path("/og-test-1-a", &id));
}

static void join(void **state)
{
	static const char out[] =
		"epoch 3\n"
		"  traceback : Signal 9 (SIGKILL) received by PID 4242\n"
		"slurmstepd-vm: error: Detected 1 oom-kill event(s) in StepId=5.0. Some of your processes may have been killed by the cgroup out-of-memory handler.\n"
		"slurmstepd-vm: error: Detected 1 oom-kill event(s) in StepId=6.0. Some of your processes may have been killed by the cgroup out-of-memory handler.\n"
		"srun: error: vm: task 1: Out Of Memory\n"
		"srun: error: vm: task 0: Out Of Memory\n"
		"RuntimeError: DataLoader worker (pid 4243) is killed by signal: Killed.\n";
	struct og_jobrec r[16];
	struct og_event e;
	struct og_slurm_ids id;
	size_t idx[8], n = og_joblog_scan(out, sizeof(out) - 1, r, 16), k;
	(void)state;
	assert_int_equal(n, 6);
	memset(&e, 0, sizeof(e));
	e.victim.pid = 4242;
	strcpy(e.cgroup, "/slurm_vm/uid_0/job_5/step_0/task_1");
	strcpy(e.oom_memcg, "/slurm_vm/uid_0/job_5");
	k = og_job_join(&e, r, n, &id, idx, 8);
	assert_int_equal(id.job, 5);
	assert_int_equal(id.task, 1);
	assert_int_equal(k, 3); /* torchrun's pid, step 5.0's count, task 1 */
	assert_int_equal(r[idx[0]].kind, OG_JOB_TORCH_SIGKILL);
	assert_int_equal(r[idx[1]].kind, OG_JOB_SLURM_DETECTED);
	assert_int_equal(r[idx[1]].job, 5);
	assert_int_equal(r[idx[2]].kind, OG_JOB_SLURM_TASK_OOM);
	assert_int_equal(r[idx[2]].task_lo, 1);
	/* a DataLoader worker of a job outside Slurm */
	e.victim.pid = 4243;
	strcpy(e.cgroup, "/user.slice");
	e.oom_memcg[0] = '\0';
	k = og_job_join(&e, r, n, &id, idx, 8);
	assert_int_equal(id.job, -1);
	assert_int_equal(k, 1);
	assert_int_equal(r[idx[0]].kind, OG_JOB_DATALOADER);
	/* nothing for an unrelated kill */
	e.victim.pid = 1;
	assert_int_equal(og_job_join(&e, r, n, &id, idx, 8), 0);
	/* a placeholder job id joins no kill, not even one outside Slurm */
	static const char ph[] = "slurmstepd: error: Detected 2 oom_kill events in StepId=JOBID.13.\n";
	n = og_joblog_scan(ph, sizeof(ph) - 1, r, 16);
	assert_int_equal(n, 1);
	assert_int_equal(og_job_join(&e, r, n, &id, idx, 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(slurm_lines), cmocka_unit_test(torch_lines), cmocka_unit_test(not_these),
		cmocka_unit_test(paths),       cmocka_unit_test(join),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
