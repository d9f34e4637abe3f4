/* systemd-oomd's choice of victim under a monitored cgroup, the pure part:
 * given a candidate table (two samples of each candidate's memory.stat
 * pgscan one oomd interval apart, its memory.current, memory.swap.current,
 * directory owner and user.oomd_* xattrs), order it the way the running
 * systemd-oomd version does (systemd's src/oom/oomd-manager.c, oomd-util.c;
 * systemd-oomd.service(8), systemd.resource-control(5) ManagedOOMPreference=):
 *   pressure kills: the owner rule of the version decides whether a
 *     preference counts; honoured omit is dropped; honoured avoid sorts last;
 *     then the pgscan rate (pgscan - last_pgscan, src/oom/oomd-util.h
 *     compare_pgscan_rate_and_memory_usage), then memory.current; a candidate
 *     with pgscan and memory.current both 0 is passed over;
 *   swap kills: only candidates above 5% of swap (THRESHOLD_SWAP_USED_PERCENT),
 *     by preference then swap use.
 * The I/O that fills the table is in oomd_sample.c; the rendering in
 * oomd_report.c. */
#ifndef OG_OOMD_RANK_H
#define OG_OOMD_RANK_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oomd_rule.h"

/* systemd-oomd samples memory pressure every MEM_PRESSURE_INTERVAL_USEC
 * (src/oom/oomd-manager.h: 1 s in every release since v247). */
#define OG_OOMD_INTERVAL_MS 1000
/* The interval is read in this many parts: the spread of the parts measures
 * how much the rate of one interval varies from the next. */
#define OG_OOMD_PARTS 4

struct og_oomd_cand {
	char path[OG_CG_PATH_MAX]; /* inside the cgroup2 hierarchy, "/a/b.scope" */
	long long current;         /* memory.current, bytes; -1 unknown */
	long long swap_current;    /* memory.swap.current, bytes; -1 unknown */
	long long pgscan;          /* memory.stat pgscan at the second sample; -1 unknown */
	long long last_pgscan;     /* at the first sample; -1: not there yet */
	long long part_pgscan[OG_OOMD_PARTS - 1]; /* in between, evenly; -1 unknown */
	long long last_current; /* memory.current at the first sample; -1 unknown */
	long long last_swap;    /* memory.swap.current at the first sample; -1 unknown */
	long owner;             /* uid owning the directory; -1 unknown */
	enum og_oomd_pref pref; /* what the xattrs say (omit wins over avoid) */
	/* Filled by og_oomd_rank(): */
	bool honoured;    /* the version's owner rule lets oomd use pref */
	long long rate;   /* pgscan per interval as oomd computes it */
	long long spread; /* standard deviation of an interval's pgscan, estimated
				    * from the parts (0 when they are unknown) */
};

struct og_oomd_rule {
	enum og_oomd_kill kind;
	int version;          /* systemd's; 0 unknown: the v253+ rule is assumed */
	long monitored_owner; /* uid owning the monitored cgroup */
	long long swap_total; /* bytes, for the 5% threshold of swap kills */
	/* oomd refreshes its candidate table every interval only while the
	 * monitored cgroup is above its limit; with a duration shorter than one
	 * interval it can act on the first such tick, when last_pgscan is still 0,
	 * i.e. on the pgscan totals. */
	bool totals;
};

/* pgscan - last_pgscan; a first sample that is missing or larger (the cgroup
 * was recreated) counts as 0, as oomd_pgscan_rate() does. */
long long og_oomd_rate(long long pgscan, long long last_pgscan);

/* Apply the rule to every candidate (honoured, rate, spread), drop those
 * oomd would not consider, order the rest (in place) and return how many are
 * left.  c[0] is then oomd's next victim. */
size_t og_oomd_rank(struct og_oomd_cand *c, size_t n, const struct og_oomd_rule *r);

/* Order in place with honoured/rate already set (the step after the rule);
 * returns how many oomd would consider. */
size_t og_oomd_order(struct og_oomd_cand *c, size_t n, enum og_oomd_kill kind,
		     long long swap_total_bytes);

/* Are the first two of an ordered table within the sampling error of each
 * other, so that a sample taken at another phase of oomd's interval could
 * order them the other way?  Pressure: same preference class and rates
 * apart by no more than twice the spread of their difference (about 95%
 * if the parts are independent), each rate's spread being at least the
 * quantum below; or both rates 0 and
 * memory.current apart by no more than its change over the sample); swap:
 * swap use apart by no more than its change over the sample.  false with
 * fewer than two. */
bool og_oomd_near_tie(const struct og_oomd_cand *c, size_t k, const struct og_oomd_rule *r);

/* The largest pgscan step any candidate made within one part of the
 * interval: reclaim scans in batches, so no rate is known better than that.
 * 0 when the parts are unknown. */
long long og_oomd_quantum(const struct og_oomd_cand *c, size_t n);

/* The pgscan value of a memory.stat text (the "pgscan N" line).  Returns 0
 * with *out, or -ENOENT when there is none, -EINVAL when it is malformed. */
int og_memstat_pgscan(const char *buf, size_t len, long long *out);

/* I/O (oomd_sample.c).  Candidates under monitored (a path inside the
 * hierarchy at cg2root), one sample: leaves and memory.oom.group=1 cgroups
 * (recursively_get_cgroup_context in src/oom/oomd-manager.c); the rate fields
 * are left unknown.  *monitored_owner (optional) receives the owner of the
 * monitored cgroup.  Fills up to cap and returns how many exist, or -errno. */
ssize_t og_oomd_candidates(const char *cg2root, const char *monitored, struct og_oomd_cand *out,
			   size_t cap, long *monitored_owner);

/* Re-read pgscan of each candidate into part_pgscan[part]. */
void og_oomd_sample_part(const char *cg2root, struct og_oomd_cand *c, size_t n, size_t part);

/* Join the second sample b with the first a (matched by path): last_pgscan
 * and last_current from a, part_pgscan kept from a's re-reads. */
void og_oomd_join(struct og_oomd_cand *b, size_t nb, const struct og_oomd_cand *a, size_t na);

/* pgscan of one cgroup directory (the monitored cgroup's own reclaim), -1
 * unknown. */
long long og_oomd_read_pgscan(const char *dir);

#endif
