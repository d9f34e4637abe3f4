/* The warning core: pure decisions over a series of memory samples.
 *
 * A job's memory domain has up to three parts, each judged on its own and the
 * worst wins:
 *   memcg   usage against the limits of the memory cgroups above the job: the
 *           one with the least headroom binds (a job in an unlimited or a
 *           roomy cgroup under a tight parent is killed by the parent's OOM)
 *   system  MemAvailable + SwapFree against MemTotal + SwapTotal
 *   oomd    full pressure of a systemd-oomd-monitored ancestor against oomd's
 *           limit: oomd kills once avg10 stays above it for its duration
 * plus PSI stall shares (system, and the job's cgroup on v2).
 *
 * Incidents (docs/warn.md "Incidents, levels and notices"): the first sample
 * at warning or worse opens an incident and asks for a notice; a later rise
 * to critical asks for one more.  Each level is announced at most once until
 * it re-arms, and each re-arms on its own danger: the critical level once its
 * conditions have been clear (with the hysteresis margin) for spec.rearm_s,
 * or once the end it predicted is rearm_s overdue while none holds, even
 * though the warning may still hold ("eased": a later critical rise is
 * announced again); the whole incident once every condition has been clear
 * for rearm_s.  While memory fills at a measured rate, a critical headroom
 * threshold waits for critical-eta, so the last notice comes about
 * critical-eta before the end at any leak rate.  During the
 * job's start-up climb (until its fill rate has been steady or flat for two
 * seconds, at most spec.startup_s after it started)
 * the rate levels (eta, critical-eta) are held back, so a burst that stops
 * costs no notice.
 * System-wide PSI counts only when the job's memory domain is the machine (no
 * limited memory cgroup) and its headroom is falling.  No I/O and no global
 * state here: the loop in warn_loop.c (and the Slurm plugin) feed samples and
 * act on verdicts. */
#ifndef OG_WARN_CORE_H
#define OG_WARN_CORE_H
#include <stdbool.h>
#include <stddef.h>

#include "warn_spec.h"

enum og_level { OG_LEVEL_NONE, OG_LEVEL_WARNING, OG_LEVEL_CRITICAL };
const char *og_level_name(enum og_level l);

struct og_wsample {
	double t; /* seconds, monotonic */
	/* memcg: bytes, of the binding cgroup (og_memcg_binding); limit < 0 = no limited memcg */
	long long cg_limit, cg_usage;
	int cg_level;        /* which of the watched cgroups binds (0 = nearest the job); -1 none */
	const char *cg_name; /* its path, named in the notice; NULL = unnamed */
	long long
		cg_reclaim; /* page cache on the file LRU (the kernel reclaims it before a kill); 0 if unknown */
	bool cg_evented; /* the kernel wakes the loop when usage grows (v1 thresholds): no need to poll for it */
	long long
		cg_high_events; /* v2 memory.events "high" (cumulative): a rise = throttled at memory.high; < 0 = none */
	/* system: kB; mem_total < 0 = not read */
	long long mem_total, mem_avail, swap_total, swap_free;
	bool sys_stale; /* system figures carried over from an earlier read: judged, not used for the rate */
	/* PSI cumulative stall totals in µs; < 0 = unavailable */
	long long psi_some_us, psi_full_us;       /* system */
	long long cg_psi_some_us, cg_psi_full_us; /* the job's cgroup (v2) */
	bool psi_fired;     /* a PSI trigger fired since the previous sample */
	bool psi_fired_sys; /* ... and it watches /proc/pressure/memory (the whole machine) */
	/* systemd-oomd ancestor: full avg10 in percent; < 0 = none monitored */
	double oomd_avg10, oomd_limit_pct, oomd_duration_s;
};
/* Sample with every source marked absent. */
void og_wsample_init(struct og_wsample *s, double t);

/* One limited memory cgroup on the job's path (the job's own and its
 * limited ancestors), bytes. */
struct og_cglevel {
	long long limit, usage, reclaim; /* limit < 0: none; reclaim: file LRU, 0 if unknown */
};
/* Pure: the level with the least headroom, limit - (usage - reclaim): the
 * kernel charges a page to every ancestor (cgroup-v1/memory.rst
 * "Hierarchy support", cgroup-v2.rst "memory.max"), so the first limit
 * reached is the tightest one on the path, whichever cgroup sets it.  Ties
 * go to the level nearest the job.  -1 when none is limited. */
int og_memcg_binding(const struct og_cglevel *lv, size_t n);

#define OG_WATCH_HIST 64

struct og_watch {
	struct og_warnspec spec;
	struct og_wsample hist[OG_WATCH_HIST]; /* ring, oldest first from head */
	size_t n, head;
	enum og_level incident;      /* highest level announced and not re-armed; NONE = armed */
	const char *incident_domain; /* domain of the last notice */
	double clear_since;          /* < 0: some condition still holds */
	double crit_clear_since;     /* < 0: some critical condition still holds */
	double crit_due; /* a predicted critical expires then (end + rearm); < 0: not a prediction */
	double oomd_since; /* < 0: oomd pressure at or below its limit */
	unsigned incidents;
	/* start-up: job_start < 0 = unknown (no start-up hold) */
	double job_start;
	bool settled;           /* the start-up climb is over: rate levels count */
	double ref_rate, ref_t; /* the rate read about a second ago; ref_t < 0: none yet */
	unsigned steady_n;      /* readings in a row within 25% of the one before */
};

struct og_verdict {
	enum og_level level;  /* what this sample shows */
	enum og_level notify; /* NONE, or the level of a notice to send now */
	bool rearmed;         /* this sample closed the incident (every level re-armed) */
	bool eased;           /* the critical level re-armed; the warning still holds */
	bool settled_now;     /* this sample ended the start-up hold */
	const char *domain;   /* "memcg", "system", "psi", "oomd" (of the worst condition) */
	char reason[320];     /* the worst condition; with rearmed/eased: the state now */
	int cg_level;         /* the binding memory cgroup of this sample (og_wsample.cg_level) */
	/* headroom of the binding domain, kB; -1 unknown */
	long long avail_kb, limit_kb, usage_kb;
	double eta_s; /* seconds until headroom is gone at the current fill rate; < 0 = not filling */
	double fill_kbps;  /* current fill rate of that domain, kB/s (negative: draining) */
	double next_s;     /* suggested time until the next sample (0.1 .. 1 s) */
	double next_sys_s; /* ... until the system figures need a fresh read (0.1 .. 1 s) */
};

/* job_start: when the job started, on the samples' clock (< 0: unknown, no
 * start-up hold). */
void og_watch_init(struct og_watch *w, const struct og_warnspec *spec, double job_start);
void og_watch_feed(struct og_watch *w, const struct og_wsample *s, struct og_verdict *v);

/* Least-squares slope of y over t for n points (units of y per second); 0
 * when the span is too short to say.  Pure, exposed for the unit tests. */
double og_slope(const double *t, const double *y, size_t n);

#endif
