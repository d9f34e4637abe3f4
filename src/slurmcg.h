/* The memory cgroups of a Slurm job step, as Slurm's task/cgroup and
 * proctrack/cgroup plugins lay them out (Slurm 22.05, cgroup.conf(5) and
 * https://slurm.schedmd.com/cgroup_v2.html):
 *
 *   cgroup/v1  <memory>/slurm[_HOST]/uid_U/job_J/step_S/task_N
 *   cgroup/v2  <cgroup2>/system.slice/[HOST_]slurmstepd.scope/job_J/step_S/user/task_N
 *              (also .../step_S/user/task_special for processes added to the
 *              step outside a task, and .../step_S/slurm for its slurmstepd)
 *
 * The memory limit (--mem) is on job_J and step_S, never on task_N.  The
 * readers take the procfs root and work on the directories they find, so
 * that a tree laid out this way anywhere can stand in for /sys/fs/cgroup. */
#ifndef OG_SLURMCG_H
#define OG_SLURMCG_H
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"

/* cg is a task's memcg (".../step_S/task_N", ".../step_S/user/task_N"):
 * moves it up to step_S.  0, or -ENOENT when the path is not a Slurm task's. */
int og_slurm_step_of(struct og_cgroup *cg);

/* The step of pid's memory cgroup and the limited memcg at or above it (the
 * step's, or the job's when the step has none), with its values.  0, -ENOENT
 * (not in a Slurm task, or nothing limited) or -errno. */
int og_slurm_step_find(const char *procroot, pid_t pid, struct og_cgroup *step,
		       struct og_cgroup *lim, struct og_memcg *m);

/* OOM kills among the step's processes so far.  v2: the step's memory.events
 * oom_kill, which counts its whole subtree; v1 counts a kill only in the
 * victim's own memcg (mm/memcontrol.c memcg_memory_event stops at once off
 * the default hierarchy): the step's and each task_N's summed. */
long long og_slurm_step_kills(const struct og_cgroup *step);

/* Every pid in the step's task cgroups (v1 step_S/task_*, v2
 * step_S/user/task_*), never slurmstepd's own (v2 step_S/slurm).  Returns
 * how many were written to out (at most max), or -errno when the step has no
 * task directory. */
int og_slurm_step_pids(const struct og_cgroup *step, pid_t *out, size_t max);

#endif
