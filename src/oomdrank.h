/* systemd-oomd's candidates under a monitored cgroup, ordered the way
 * oomd orders them (systemd-oomd.md §1.3-§1.5, §2.2): leaves or
 * memory.oom.group=1 cgroups below the monitored one; for pressure kills by
 * preference (none before avoid, omit dropped), then pgscan, then
 * memory.current; for swap kills only those above 5% of swap, by swap use.
 * oomd ranks by the pgscan *rate* between two 1 s samples; a one-shot view
 * uses the pgscan total as the stand-in and says so. */
#ifndef OG_OOMDRANK_H
#define OG_OOMDRANK_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oomd.h"

struct og_oomd_cand {
	char path[1024];          /* inside the cgroup2 hierarchy, "/a/b.scope" */
	long long current, pgscan, swap_current; /* bytes / pages scanned; -1 unknown */
	enum og_oomd_pref pref;   /* from user.oomd_avoid / user.oomd_omit */
	bool honoured;            /* the ownership rule lets oomd use pref */
	long owner;               /* uid owning the directory */
};

/* Candidates under monitored (a path inside the hierarchy at cg2root).
 * version: systemd's (0 = unknown: the v253+ rule is assumed).  Fills up to
 * cap and returns how many exist, or -errno. */
ssize_t og_oomd_candidates(const char *cg2root, const char *monitored, enum og_oomd_kill kind, int version,
			   struct og_oomd_cand *out, size_t cap);

/* Order in place and return how many oomd would consider: honoured omit
 * dropped; for swap kills, those at or below 5% of swap_total dropped. Pure. */
size_t og_oomd_order(struct og_oomd_cand *c, size_t n, enum og_oomd_kill kind, long long swap_total_bytes);

#include "oomdreport.h"

#endif
