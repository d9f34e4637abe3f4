/* Slurm's own count of the memory cgroup OOM kills in a job step, as it
 * prints it into the job's output (slurmstepd, task/cgroup plugin):
 *   "Detected N oom-kill event(s) in StepId=J.S"   (20.11+)
 *   "Detected N oom-kill event(s) in step J.S cgroup."   (before 20.11)
 *   "Detected N oom_kill event(s) in StepId=J.S"   (21.08+ wording, also "events"/"event")
 * Pure; the line may hold anything else around it.  The one reader of this
 * line: the log parsers (episode_kernel.c) and the job-output reader
 * (oomlog_job.c) both call it. */
#ifndef OG_OOMLOG_SLURM_H
#define OG_OOMLOG_SLURM_H
#include <stdbool.h>
#include <stddef.h>

struct og_slurm_oom {
	long count;    /* N */
	long job;      /* J, -1 when not a number (a user's placeholder) */
	char step[16]; /* S: "0", "batch", "extern"; "" unknown */
};

bool og_slurm_oom_parse(const char *msg, size_t len, struct og_slurm_oom *r);

#endif
