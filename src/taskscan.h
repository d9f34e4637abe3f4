/* A fast snapshot of every process for the OOM model: one pass over /proc
 * reading only PID/status and PID/oom_score_adj (and oom_score on request),
 * one read() per file into a reused buffer.  Processes that vanish mid-scan
 * are skipped silently.  The array comes out in /proc order (ascending PID),
 * which is the order the kernel's for_each_process() sees for PIDs that
 * have not wrapped. */
#ifndef OG_TASKSCAN_H
#define OG_TASKSCAN_H
#include <stddef.h>
#include <sys/types.h>

#include "badness.h"

struct og_taskset {
	struct og_task *v;
	size_t n, cap;
};

#define OG_SCAN_OOM_SCORE 0x1 /* also read /proc/PID/oom_score */

/* procroot: "/proc" normally.  Returns 0 or -errno (only when procroot
 * itself cannot be read). */
int og_task_scan(const char *procroot, unsigned flags, struct og_taskset *ts);
/* Fill t from a status text and an oom_score_adj text.  Pure. */
int og_task_from_text(pid_t pid, const char *status, size_t slen, const char *adj, size_t alen,
		      struct og_task *t);
const struct og_task *og_taskset_find(const struct og_taskset *ts, pid_t pid);
void og_taskset_free(struct og_taskset *ts);

/* uid -> login name, looked up once per uid (getpwuid is costly per row). */
struct og_usercache {
	struct {
		long uid;
		char name[33];
	} e[64];
	size_t n;
};
const char *og_user_name(struct og_usercache *c, long uid);

#endif
