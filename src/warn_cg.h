/* The memory cgroups that bound a watched job: its own and every limited
 * ancestor up to the root, files opened once and re-read each tick with
 * pread (no allocation: the warning loop runs locked in memory).  The pure
 * choice of the binding one is og_memcg_binding (warn_core.h). */
#ifndef OG_WARN_CG_H
#define OG_WARN_CG_H
#include <stddef.h>

#include "cgroup.h"
#include "warn_core.h"

#define OG_WATCHCG_MAX 8

struct og_watchcg_level {
	struct og_cgroup cg;
	int usage, limit, stat; /* fds, -1 closed */
};

struct og_watchcg {
	struct og_watchcg_level lv[OG_WATCHCG_MAX]; /* [0] nearest the job */
	size_t n;
};

/* Every cgroup from job up to the root with a memory limit now (a limit
 * set on an ancestor later is not seen).  Returns the number found (0: the
 * job's domain is the machine). */
size_t og_watchcg_open(struct og_watchcg *w, const struct og_cgroup *job);
void og_watchcg_close(struct og_watchcg *w);
/* Read every level and fill s->cg_limit/cg_usage/cg_reclaim/cg_level/
 * cg_name from the binding one.  Returns its level, or -1 (nothing read). */
int og_watchcg_sample(const struct og_watchcg *w, struct og_wsample *s);
/* pread fd from offset 0 as a limit (og_parse_limit).  0 or -errno. */
int og_pread_ll(int fd, long long *v);

#endif
