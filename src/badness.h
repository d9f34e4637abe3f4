/* The kernel's OOM arithmetic, reproduced: oom_badness() for one process
 * record given totalpages, the /proc/PID/oom_score mapping, totalpages for a
 * global and for a memory-cgroup OOM, and the ranking the kernel's victim
 * scan produces (mm/oom_kill.c: oom_badness, constrained_alloc,
 * select_bad_process; fs/proc/base.c: proc_oom_score; proc(5) oom_score).
 * Everything here is pure: numbers in, numbers out, so it can be checked
 * against fixtures and against the kernel. */
#ifndef OG_BADNESS_H
#define OG_BADNESS_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "proc.h"

#define OG_ADJ_MIN (-1000) /* OOM_SCORE_ADJ_MIN: never chosen */
#define OG_ADJ_MAX 1000

/* Why a process is not a candidate; OG_WHY_OK when it is. */
enum og_why {
	OG_WHY_OK = 0,
	OG_WHY_KTHREAD,   /* PF_KTHREAD: oom_unkillable_task() */
	OG_WHY_INIT,      /* global init (host PID 1) */
	OG_WHY_NO_MM,     /* zombie or exiting: find_lock_task_mm() fails */
	OG_WHY_PROTECTED, /* oom_score_adj == -1000 */
};
const char *og_why_str(enum og_why w);

/* One process as the badness model needs it.  Sizes in KiB as /proc shows
 * them (RssAnon+RssFile+RssShmem, VmSwap, VmPTE); -1 = absent (no mm). */
struct og_task {
	pid_t pid, ppid;
	long uid;
	int adj; /* oom_score_adj */
	bool kthread;
	long oom_score; /* /proc/PID/oom_score when read, else -1 */
	long long rss_kib, swap_kib, pte_kib;
	long long rss_anon_kib, rss_file_kib, rss_shmem_kib;
	char comm[OG_COMM_MAX]; /* raw bytes, escape before printing */
};

/* oom_badness() and its parts, in pages. */
struct og_badness {
	enum og_why why;               /* OG_WHY_OK: eligible, points valid */
	long long rss, swap, pgtables; /* pages */
	long long adj_pages;           /* adj * (totalpages / 1000), integer division first */
	long long points;              /* rss + swap + pgtables + adj_pages */
};

/* page_kib: PAGE_SIZE / 1024 (4 on x86-64). */
void og_badness(const struct og_task *t, unsigned long long totalpages, long page_kib,
		struct og_badness *b);

/* proc_oom_score() on 5.9+: (1000 + points*1000/totalpages)*2/3 with C
 * (truncating) division; 0 for an ineligible process. */
long og_oom_score(const struct og_badness *b, unsigned long long totalpages);

/* Share of totalpages in per mille, of the memory part (rss+swap+pgtables). */
long og_permille(const struct og_badness *b, unsigned long long totalpages);

/* Global OOM: totalram_pages() + total_swap_pages, from meminfo KiB. */
unsigned long long og_totalpages_global(long long mem_total_kib, long long swap_total_kib,
					long page_kib);

/* Memcg OOM: mem_cgroup_get_max() (mm/memcontrol.c).  Bytes in.
 * swap_limit_bytes: v1 memsw.limit - limit (struct og_memcg.swap_limit),
 * v2 memory.swap.max; < 0 = unlimited.  swappiness: memory.swappiness on v1,
 * vm.swappiness on v2; 0 leaves swap out.  Never 0 (the kernel uses 1). */
unsigned long long og_totalpages_memcg(long long limit_bytes, long long swap_limit_bytes,
				       int swappiness, unsigned long long total_swap_pages,
				       long page_kib);

/* Rank n processes the way the victim scan picks them: highest points first;
 * an equal score replaces the current choice, so among equals the LATER one
 * in scan order ranks higher.  Ineligible processes go last, in scan order.
 * b[i] belongs to the i-th process in scan order.  out gets indices; rank of
 * out[k] is k+1.  Returns the number of eligible processes. */
size_t og_rank(const struct og_badness *b, size_t n, size_t *out);

#endif
