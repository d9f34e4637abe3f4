/* What a job's own output says about an OOM kill, and the join to the
 * kernel's kill.  Pure parsers of lines that Slurm, torchrun and PyTorch
 * print (as users posted them), of Slurm's memory cgroup paths, and the join:
 *
 *   slurmstepd: error: Detected 1 oom-kill event(s) in StepId=5.0. Some of your processes may ...
 *   slurmstepd: error: Detected 1 oom-kill event(s) in step 5.batch cgroup.   (Slurm before 20.11)
 *   srun: error: node1: task 0: Out Of Memory          ("tasks 0-3: Out Of Memory" when several)
 *   slurmstepd: error: *** JOB 5 ON node1 CANCELLED AT 2024-01-02T03:04:05 ***   (also *** STEP 5.0 ...)
 *   torch.distributed.elastic...: traceback : Signal 9 (SIGKILL) received by PID 1234
 *   RuntimeError: DataLoader worker (pid 1234) is killed by signal: Killed.
 *   RuntimeError: DataLoader worker (pid(s) 1234, 1235) exited unexpectedly
 *
 * and the kernel's side: oom_memcg=/slurm_HOST/uid_U/job_J/step_S,
 * task_memcg=.../step_S/task_N (cgroup v1), or .../job_J/step_S/user/task_N
 * under slurmstepd.scope (cgroup v2). */
#ifndef OG_OOMLOG_JOB_H
#define OG_OOMLOG_JOB_H
#include <stdbool.h>
#include <stddef.h>

#include "episode.h"

enum og_job_kind {
	OG_JOB_NONE,
	OG_JOB_SLURM_DETECTED,  /* job, step, count */
	OG_JOB_SLURM_TASK_OOM,  /* node, task_lo..task_hi */
	OG_JOB_SLURM_CANCELLED, /* job, step ("" = the whole job), node */
	OG_JOB_TORCH_SIGKILL,   /* pids[0] */
	OG_JOB_DATALOADER,      /* pids */
};

#define OG_JOB_PIDS 8

struct og_jobrec {
	enum og_job_kind kind;
	long job;              /* -1 unknown */
	char step[16];         /* "0", "batch", "extern", "interactive"; "" unknown */
	long count;            /* DETECTED */
	long task_lo, task_hi; /* TASK_OOM */
	char node[64];
	int pids[OG_JOB_PIDS];
	int npids;
	char text[160]; /* the line as printed, trimmed (not escaped) */
};

/* One line (no newline).  Returns true and fills r when it is one of the
 * lines above. */
bool og_jobline_parse(const char *line, size_t len, struct og_jobrec *r);

/* Every such line of buf into r (at most max); returns how many. */
size_t og_joblog_scan(const char *buf, size_t len, struct og_jobrec *r, size_t max);

/* A Slurm job's memory cgroup path: "job_J" and "step_S" components, and
 * "task_N"/"uid_U" when present.  Returns true when job_J is there. */
struct og_slurm_ids {
	long uid, job, task; /* -1 unknown */
	char step[16];
};
bool og_slurm_path(const char *path, struct og_slurm_ids *ids);

/* The job's lines that tell of this kill: the Slurm ids from the event's
 * memcg paths, and the records (indices into r) that belong to it: the
 * step's DETECTED, the task's TASK_OOM, the job's CANCELLED, a torchrun or
 * DataLoader line naming the victim's pid.  Returns the number of matches
 * written to idx (at most max); *ids is filled when the event is a Slurm
 * job's (ids->job >= 0). */
size_t og_job_join(const struct og_event *e, const struct og_jobrec *r, size_t n,
		   struct og_slurm_ids *ids, size_t *idx, size_t max);

#endif
