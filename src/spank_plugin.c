/* oomguard-spank.so: the Slurm SPANK plugin (spank(8)).
 *
 * Hooks and where they run (spank(8), Slurm 22.05):
 *   slurm_spank_init            srun/sbatch/salloc and slurmstepd: plugin arguments, --oomguard
 *   slurm_spank_slurmd_init     slurmd at start: a bad argument is logged there
 *   option callback             local: checks SPEC (a bad one fails the submission); remote: keeps it
 *   slurm_spank_init_post_opt   slurmstepd: the step's SPEC (option, batch job's SLURM_OOMGUARD, enforce)
 *   slurm_spank_task_init_privileged  the forked task, root, before setuid and exec: writes
 *                               oom_score_adj (slurmstepd has just reset it to 0; later it sticks:
 *                               it is kept across exec and copied on fork)
 *   slurm_spank_task_init       the task as the user, its stdio set up: the read-back line, once per step
 *   slurm_spank_task_post_fork  slurmstepd, root: starts the step's agent (stepagent.c), tells it each task
 *   slurm_spank_task_exit       slurmstepd: waits until the agent has written the task's OOM diagnosis
 *   slurm_spank_exit            slurmstepd: ends the agent
 * The plugin never hands the job a capability: slurmstepd drops to the user
 * after task_init_privileged as it always does; only the agent stays root,
 * in slurmstepd's place, and it ends with the step.
 *
 * A plugin has no main(): its state lives in this file's statics, one copy
 * per process Slurm loads it into (srun, slurmstepd, each task). */
#include <slurm/spank.h>

#include "adjust.h"
#include "signame.h"
#include "spankspec.h"
#include "stepagent.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Step ids with special meaning (slurm.h). */
#define OG_SLURM_EXTERN 0xfffffffcU
#define OG_SLURM_BATCH 0xfffffffbU
#define OG_SLURM_INTERACTIVE 0xfffffffaU

SPANK_PLUGIN(oomguard, 1);

static struct og_spank_args args;
static bool disabled;
static bool user_given;
static char user_spec[2048];
static struct og_spank_spec spec;
static bool active;
static char stepname[48];
/* in the task, between the two task hooks */
static int adj_err;
static long adj_have = -32768;
/* in slurmstepd */
static pid_t agent = -1;
static int agent_ctl = -1, agent_ack = -1;

static int opt_cb(int val, const char *arg, int remote);

static struct spank_option opt = {
	"oomguard",
	"[SPEC]",
	"protect every task from the OOM killer, warn the step before its memory runs out, explain its OOM kills. "
	"SPEC: adj:N,warn[:SPEC],signal:SIG,hook:CMD or off (man oomguard)",
	2,
	0,
	opt_cb,
};

static int parse_args(int ac, char **av, bool log)
{
	char err[1024];

	if (og_spank_args_parse(ac, av, &args, err, sizeof(err)) == 0)
		return 0;
	disabled = true;
	if (log)
		slurm_error("oomguard: %s; the plugin is disabled, jobs run without it", err);
	return 0;
}

int slurm_spank_init(spank_t sp, int ac, char **av)
{
	spank_context_t ctx = spank_context();

	parse_args(ac, av, ctx == S_CTX_REMOTE);
	if (ctx == S_CTX_LOCAL || ctx == S_CTX_ALLOCATOR || ctx == S_CTX_REMOTE)
		spank_option_register(sp, &opt);
	return 0;
}

/* Not declared in 22.05's spank.h; slurmd looks it up by name (spank(8)). */
int slurm_spank_slurmd_init(spank_t sp, int ac, char **av);
int slurm_spank_slurmd_init(spank_t sp, int ac, char **av)
{
	(void)sp;
	return parse_args(ac, av, true);
}

static int opt_cb(int val, const char *arg, int remote)
{
	struct og_spank_spec s;
	char err[1024];

	(void)val;
	snprintf(user_spec, sizeof(user_spec), "%s", arg ? arg : "");
	user_given = true;
	if (remote || disabled)
		return 0;
	if (og_spank_resolve(&args, user_spec, &s, err, sizeof(err)) < 0) {
		slurm_error("oomguard: %s", err);
		return -1;
	}
	return 0;
}

static void name_step(spank_t sp)
{
	uint32_t job = 0, step = 0;

	spank_get_item(sp, S_JOB_ID, &job);
	spank_get_item(sp, S_JOB_STEPID, &step);
	if (step == OG_SLURM_BATCH)
		snprintf(stepname, sizeof(stepname), "%u.batch", job);
	else if (step == OG_SLURM_EXTERN)
		snprintf(stepname, sizeof(stepname), "%u.extern", job);
	else if (step == OG_SLURM_INTERACTIVE)
		snprintf(stepname, sizeof(stepname), "%u.interactive", job);
	else
		snprintf(stepname, sizeof(stepname), "%u.%u", job, step);
}

int slurm_spank_init_post_opt(spank_t sp, int ac, char **av)
{
	char env[2048], err[1024];
	const char *want = NULL;
	uint32_t step = 0;

	(void)ac;
	(void)av;
	if (!spank_remote(sp) || disabled)
		return 0;
	spank_get_item(sp, S_JOB_STEPID, &step);
	if (step == OG_SLURM_EXTERN)
		return 0;
	name_step(sp);
	if (user_given)
		want = user_spec;
	else if (spank_getenv(sp, "SLURM_OOMGUARD", env, sizeof(env)) == ESPANK_SUCCESS)
		want = env; /* set by the batch step around this one */
	else if (args.enforce)
		want = "";
	if (!want)
		return 0;
	if (og_spank_resolve(&args, want, &spec, err, sizeof(err)) < 0) {
		slurm_error("oomguard: step %s: %s; the step runs without oomguard", stepname, err);
		return 0;
	}
	active = !spec.off;
	return 0;
}

int slurm_spank_task_init_privileged(spank_t sp, int ac, char **av)
{
	char buf[32];
	ssize_t n;

	(void)sp;
	(void)ac;
	(void)av;
	if (!active)
		return 0;
	adj_err = og_adjust_self(spec.adj);
	n = og_read_at(AT_FDCWD, "/proc/self/oom_score_adj", buf, sizeof(buf));
	if (n <= 0 || og_parse_long(strtok(buf, "\n"), -1000, 1000, &adj_have) < 0)
		adj_have = -32768;
	return 0;
}

static void readback(uint32_t global)
{
	char w[512] = "", sig[32] = "no signal", res[300];

	if (adj_have == spec.adj)
		snprintf(res, sizeof(res), "%s (oom_score_adj %ld)",
			 adj_have == -1000 ? "protected" : "oom_score_adj as requested", adj_have);
	else
		snprintf(res, sizeof(res), "EXPOSED (oom_score_adj %ld, wanted %d: %s)", adj_have,
			 spec.adj, adj_err ? og_adjust_reason(adj_err) : "changed after the write");
	if (spec.warn) {
		char ws[400];
		og_warnspec_format(&spec.warn_spec, ws, sizeof(ws));
		if (spec.signal)
			og_signal_name(spec.signal, sig, sizeof(sig));
		snprintf(w, sizeof(w), "; warning at %s with %s to the processes that handle it%s",
			 ws, sig, spec.hook[0] ? " and the hook" : "");
	}
	fprintf(stderr, "oomguard: step %s task %u pid %d: kernel OOM killer: %s%s\n", stepname,
		global, (int)getpid(), res, w);
	fflush(stderr);
}

int slurm_spank_task_init(spank_t sp, int ac, char **av)
{
	uint32_t global = 0;
	char canon[2048];

	(void)ac;
	(void)av;
	if (!active)
		return 0;
	spank_get_item(sp, S_TASK_GLOBAL_ID, &global);
	/* Once per step, and from every task that did not get its value. */
	if (global == 0 || adj_have != spec.adj)
		readback(global);
	if (og_spankspec_format(&spec, canon, sizeof(canon)) == 0)
		spank_setenv(sp, "SLURM_OOMGUARD", canon, 1);
	return 0;
}

static int start_agent(spank_t sp)
{
	struct og_agent_cfg c;
	uint32_t uid = 0, gid = 0;
	int p[2], k[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(k, O_CLOEXEC) < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	spank_get_item(sp, S_JOB_UID, &uid);
	spank_get_item(sp, S_JOB_GID, &gid);
	memset(&c, 0, sizeof(c));
	c.ctl = p[0];
	c.ack = k[1];
	snprintf(c.step, sizeof(c.step), "%s", stepname);
	c.warn = spec.warn;
	c.spec = spec.warn_spec;
	c.signal = spec.signal;
	c.hook = spec.hook[0] ? spec.hook : NULL;
	c.uid = (uid_t)uid;
	c.gid = (gid_t)gid;
	c.procroot = "/proc";
	agent = fork();
	if (agent < 0) {
		close(p[0]);
		close(p[1]);
		close(k[0]);
		close(k[1]);
		return -errno;
	}
	if (agent == 0) {
		close(p[1]);
		close(k[0]);
		_exit(og_agent_run(&c) < 0 ? 1 : 0);
	}
	close(p[0]);
	close(k[1]);
	agent_ctl = p[1];
	agent_ack = k[0];
	return 0;
}

int slurm_spank_task_post_fork(spank_t sp, int ac, char **av)
{
	char line[64];
	uint32_t global = 0;
	int local = 0;
	pid_t pid = 0;

	(void)ac;
	(void)av;
	if (!active)
		return 0;
	if (agent < 0 && start_agent(sp) < 0) {
		slurm_error("oomguard: step %s: cannot start the step's agent: %m", stepname);
		active = false;
		return 0;
	}
	spank_get_item(sp, S_TASK_ID, &local);
	spank_get_item(sp, S_TASK_GLOBAL_ID, &global);
	spank_get_item(sp, S_TASK_PID, &pid);
	snprintf(line, sizeof(line), "T %d %u %d\n", local, global, (int)pid);
	if (write(agent_ctl, line, strlen(line)) < 0)
		slurm_error("oomguard: step %s: agent gone: %m", stepname);
	return 0;
}

/* Wait (2 s at most) until the agent has written the task's diagnosis: the
 * task's exit is reported to srun after this hook, Slurm's own OOM lines
 * later still. */
int slurm_spank_task_exit(spank_t sp, int ac, char **av)
{
	struct pollfd pf;
	char line[32], b;
	int local = 0;

	(void)ac;
	(void)av;
	if (agent <= 0)
		return 0;
	spank_get_item(sp, S_TASK_ID, &local);
	snprintf(line, sizeof(line), "X %d\n", local);
	if (write(agent_ctl, line, strlen(line)) < 0)
		return 0;
	pf = (struct pollfd){ .fd = agent_ack, .events = POLLIN };
	if (poll(&pf, 1, 2000) == 1 && read(agent_ack, &b, 1) < 0)
		return 0;
	return 0;
}

int slurm_spank_exit(spank_t sp, int ac, char **av)
{
	(void)sp;
	(void)ac;
	(void)av;
	if (agent <= 0)
		return 0;
	close(agent_ctl);
	close(agent_ack);
	/* EOF ends it; it has nothing left to wait for, so 2 s is plenty. */
	for (int i = 0; i < 200; i++) {
		if (waitpid(agent, NULL, WNOHANG) == agent) {
			agent = -1;
			return 0;
		}
		usleep(10000);
	}
	kill(agent, SIGKILL);
	waitpid(agent, NULL, 0);
	agent = -1;
	return 0;
}
