/* The OOM model of this machine at one instant (processes, the rankings of
 * every armed killer) and the `top` view of it.  Shared by top and doctor. */
#ifndef OG_TOPVIEW_H
#define OG_TOPVIEW_H
#include <stdbool.h>
#include <stdio.h>

#include "killers.h"
#include "meminfo.h"
#include "ranking.h"
#include "taskscan.h"

#define OG_MAX_LIMITED 64

struct og_model {
	const char *procfs;
	long page_kib;
	struct og_meminfo mi;
	struct og_taskset ts;
	struct og_rankset global;
	struct og_killers k;
	size_t nlim;
	struct og_limited_cg lim[OG_MAX_LIMITED];
	struct og_rankset limrank[OG_MAX_LIMITED];
	long nh_victim, nh_score;
};
/* Returns 0 or -errno (only when procfs or meminfo cannot be read). */
int og_model_build(struct og_model *m, const char *procfs, unsigned scanflags);
void og_model_free(struct og_model *m);

enum og_top_sort {
	OG_SORT_RANK,
	OG_SORT_PID,
	OG_SORT_RSS,
	OG_SORT_SWAP,
	OG_SORT_PTE,
	OG_SORT_ADJ,
	OG_SORT_SCORE,
	OG_SORT_COMM,
	OG_SORT_USER
};

struct og_top_opts {
	long lines; /* -1 = all */
	enum og_top_sort sort;
	const char *user;
	const char *cgroup;
	bool json, watch, kernel_score;
	bool kthreads; /* text table: list kernel threads too */
	long watch_secs;
	const char *procfs;
};

/* One snapshot, rendered to f.  Returns an exit code. */
int og_top_once(const struct og_top_opts *o, FILE *f);

/* The "next victim per armed killer" lines (text) shared with doctor.
 * skip_empty (top --watch): limited memcgs without tasks in one line. */
void og_model_print_victims(const struct og_model *m, FILE *f, bool skip_empty);
/* "MemAvailable 1.2 GiB (7.5%)" of the model, for top's and doctor's headroom lines. */
const char *og_model_fmt_available(const struct og_model *m, char *buf, size_t bufsz);

#endif
