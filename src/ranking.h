/* Rankings over a process snapshot: the kernel's global victim scan, and a
 * memory cgroup's (its subtree's tasks, with its limit as totalpages).
 * Membership of a memory cgroup is read from cgroup.procs, walking the
 * subtree in the kernel's pre-order (children in creation order, which
 * kernfs inode numbers follow). */
#ifndef OG_RANKING_H
#define OG_RANKING_H
#include <stddef.h>

#include "badness.h"
#include "cgroup.h"
#include "taskscan.h"

struct og_rankset {
	unsigned long long totalpages;
	size_t n;             /* members */
	size_t *member;       /* indices into the taskset, in scan order */
	struct og_badness *b; /* b[k] for member[k] */
	size_t *order;        /* positions into member[], best victim first */
	size_t eligible;      /* order[0..eligible) are candidates */
};

/* member == NULL: every task, in snapshot order (the global scan). */
int og_rank_build(const struct og_taskset *ts, const size_t *member, size_t n,
		  unsigned long long totalpages, long page_kib, struct og_rankset *r);
void og_rankset_free(struct og_rankset *r);
/* The kernel breaks ties by scan order, which is creation order (task
 * list for a global OOM, cgroup join order for a memcg), not PID order once
 * PIDs wrap.  Re-order the leading group of equal points by start time
 * (procroot/PID/stat field 22; the latest started ranks first), reading
 * stat only for that group and only when it has 2..cap members. */
void og_rank_ties_by_start(struct og_rankset *r, const struct og_taskset *ts, const char *procroot,
			   size_t cap);

/* Index into the taskset of the rank-1 victim, or -1 when nobody is eligible. */
long og_rank_victim(const struct og_rankset *r);
/* 1-based rank of task index ti, 0 when ineligible or not a member. */
size_t og_rank_of(const struct og_rankset *r, size_t ti);

/* Tasks of the cgroup directory dir and its descendants, as indices into
 * ts, in scan order.  *out is malloc'd.  Returns the count or -errno. */
ssize_t og_memcg_members(const char *dir, const struct og_taskset *ts, size_t **out);

/* totalpages for an OOM of this memory cgroup (mem_cgroup_get_max);
 * procroot for vm.swappiness (v2).  -ENOENT when cg has no limit. */
int og_memcg_totalpages(const char *procroot, const struct og_cgroup *cg, const struct og_memcg *m,
			long long swap_total_kib, long page_kib, unsigned long long *out);

/* Every memory cgroup with a limit under the mounted hierarchies (v1
 * memory, and v2 when its memory controller is on), up to cap. */
struct og_limited_cg {
	struct og_cgroup cg;
	struct og_memcg m;
};
ssize_t og_memcg_limited(const char *procroot, struct og_limited_cg *out, size_t cap);

#endif
