/* The Slurm plugin's per-step agent: one process per job step, forked by
 * slurmstepd (as root) from the plugin, that
 *   - feeds the step's memory cgroup (the one whose limit kills: Slurm puts
 *     --mem on job_J and step_S; cgroup v1 and v2 alike, slurmcg.h) to the warning core (warn_core.c) and at each
 *     notice signals every process of the step that has a handler for the
 *     signal (a default SIGUSR1 would kill the others: that is the OOM kill
 *     the warning is for), runs the hook as the job's user, and writes one
 *     line into the job's stderr;
 *   - when the step's oom_kill counter rises, writes into the stderr of the
 *     task that lost a process one line per kill (pid, comm, RSS, the step's
 *     limit and true peak, the allocating task and `why`'s sentence).
 * slurmstepd tells it each task as it is forked ("T LOCAL GLOBAL PID\n" on
 * ctl) and as it is reaped ("X LOCAL\n", answered on ack), and closes ctl at the end of the step; the agent then exits, and it
 * dies with slurmstepd (PR_SET_PDEATHSIG).  It holds a task's stderr only
 * while the task lives, so Slurm's I/O ends with the tasks as it would. */
#ifndef OG_STEPAGENT_H
#define OG_STEPAGENT_H
#include <stdbool.h>
#include <sys/types.h>

#include "warn_spec.h"

struct og_agent_cfg {
	int ctl;       /* read end from slurmstepd: "T LOCAL GLOBAL PID", "X LOCAL" */
	int ack;       /* write end: one byte per "X" once that task's diagnosis is out */
	char step[48]; /* "5.0", "5.batch": as Slurm names the step */
	bool warn;
	struct og_warnspec spec;
	int signal;       /* 0 = none */
	const char *hook; /* NULL = none */
	uid_t uid;        /* the job's user, for the hook */
	gid_t gid;
	const char *procroot; /* "/proc" */
};

/* Runs until ctl reaches EOF.  Returns 0 or -errno. */
int og_agent_run(const struct og_agent_cfg *c);

/* "T 0 0 4242" -> local 0, global 0, pid 4242.  Pure.  0 or -EINVAL. */
int og_agent_parse_task(const char *line, unsigned *local, unsigned *global, pid_t *pid);
/* The task number N in a cgroup path ending in ".../task_N" (Slurm's layout),
 * or -1.  Pure. */
int og_slurm_task_of(const char *cgpath);

#endif
