/* The kernel layer: set oom_score_adj through a process handle with the
 * capability raised only around the write, and describe what took effect. */
#ifndef OG_ADJUST_H
#define OG_ADJUST_H
#include <stdio.h>
#include "proc.h"

#define OG_ADJ_MIN (-1000)
#define OG_ADJ_MAX 1000

/* Returns 0 or -errno from the write (see og_proc_set_adj). */
int og_adjust(const struct og_proc *p, int adj);

/* The calling process itself, through /proc/self: no handle or start-time
 * checks, since a running process cannot have had its PID reused.  The start
 * path of `run` (the child before exec) uses it.  Returns 0 or -errno. */
int og_adjust_self(int adj);

/* The watcher (run's parent, watch) as protected as the job it watches:
 * when the job's oom_score_adj is below the caller's own, lower the caller's
 * to it.  A kernel OOM kill in a memory cgroup they share ranks tasks by
 * rss + adj x limit / 1000 (mm/oom_kill.c oom_badness); at equal adj the
 * size decides, and the watcher is a few MiB, the job the leak.  At a
 * higher adj the tiny watcher is the first victim and nothing diagnoses
 * the end.  before: the caller's value before run lowered it ahead of the
 * job (og_adjust_self_value), or OG_ADJ_MAX + 1 (none): a caller lowered
 * further than the job got is raised back to the job's.  *from (before) and
 * *to (now) get the values.  Returns 0 or -errno (the job's value
 * unreadable, or lowering refused: needs CAP_SYS_RESOURCE below the floor). */
int og_adjust_follow(pid_t job, int before, int *from, int *to);
/* The caller's own oom_score_adj, OG_ADJ_MAX + 1 when unreadable. */
int og_adjust_self_value(void);
/* og_adjust_follow, then the line for it on f (with prefix): the value
 * followed, or, refused where a limited memory cgroup holds both, that its
 * OOM kill may take the watcher first.  f NULL: quiet. */
void og_adjust_follow_say(FILE *f, const char *prefix, pid_t job, int before);

/* True for the errors that mean "below the floor without CAP_SYS_RESOURCE". */
int og_adjust_is_perm_error(int err);

/* The read-back line for the kernel killer, from the value actually read from
 * /proc (have) against the requested one (want):
 *   kernel OOM killer: protected (oom_score_adj -1000, pid 4242)
 *   kernel OOM killer: EXPOSED (oom_score_adj 0, wanted -1000): lowering needs CAP_SYS_RESOURCE; ...
 * comm is escaped here. */
void og_readback_kernel(FILE *f, pid_t pid, const char *comm, long have, long want);

/* What lowering needs here: "needs CAP_SYS_RESOURCE; run with sudo or install
 * with 'make install-cap'", or, where the bounding set lacks the capability,
 * that nothing on this machine can provide it. */
const char *og_adjust_lower_hint(void);
/* og_adjust_lower_hint() for a permission error, else strerror. */
const char *og_adjust_reason(int err);

#endif
