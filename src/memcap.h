/* The job's own memory budget: `run`/`protect --scope` with --memory-max,
 * --memory-high and --swap-max.  A cap keeps a leak in the protected job
 * inside the job's own cgroup: the kernel's memcg OOM killer acts there
 * (and memory.high throttles before), so the rest of the machine does not
 * pay for a job that outside killers were told to spare.
 *
 * Two ways to get the cgroup: the job's transient scope carries
 * MemoryMax=/MemoryHigh=/MemorySwapMax= (systemd.c), or, without systemd and
 * as root, a memory cgroup of oomguard's own (this file).  Either way the cap
 * is read back from the cgroup files, never assumed.
 *
 * Parsers are pure; the rest returns 0 or -errno. */
#ifndef OG_MEMCAP_H
#define OG_MEMCAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "cgroup.h"

/* What was asked for, in bytes; -1 = not given. */
struct og_memcap_req {
	long long max, high, swap;
};
void og_memcap_req_init(struct og_memcap_req *c);
bool og_memcap_wanted(const struct og_memcap_req *c);

/* Pure: "1073741824", "512M", "1.5G", "2T", "64k" (1024-based, like
 * systemd's MemoryMax=), or with pct_ok "80%" / "12.5%" of ram bytes.
 * No sign, no blanks, no empty string, at most 3 fractional digits and
 * only before a suffix or '%'; results above 2^60 are -ERANGE.  Returns 0,
 * -EINVAL or -ERANGE. */
int og_memcap_parse_size(const char *s, bool pct_ok, unsigned long long ram, long long *out);

/* One option by its long name ("memory-max", "memory-high", "swap-max")
 * into c.  Returns 0 or -1 with a one-line message in err. */
int og_memcap_opt(const char *name, const char *val, unsigned long long ram,
		  struct og_memcap_req *c, char *err, size_t errsz);
/* getopt_long entries for the three options (include <getopt.h>), and their
 * handler: 0 handled, -1 bad value (message in err), 1 not one of them. */
enum { OG_OPT_MEMORY_MAX = 0x4d00, OG_OPT_MEMORY_HIGH, OG_OPT_SWAP_MAX };
#define OG_MEMCAP_LONGOPTS                                                      \
	{ "memory-max", required_argument, NULL, OG_OPT_MEMORY_MAX },           \
		{ "memory-high", required_argument, NULL, OG_OPT_MEMORY_HIGH }, \
	{                                                                       \
		"swap-max", required_argument, NULL, OG_OPT_SWAP_MAX            \
	}
int og_memcap_getopt(int opt, const char *arg, struct og_memcap_req *c, char *err, size_t errsz);

/* The oom_score_adj a capped job gets unless one is given: -999.  The kernel
 * never picks a task at -1000, not even inside its own memory cgroup, so a
 * job at -1000 that reaches its cap is not killed but stalls there (the
 * charge is retried forever).  At -999 it is the last choice of a global
 * OOM kill (points = rss - 0.999 x RAM: below any task at 0 unless it holds
 * nearly all memory) and still the victim inside its own cap. */
#define OG_MEMCAP_ADJ (-999)
/* --adj with a cap: -1000 would make the cap unable to stop the job.
 * Returns 0 or -1 with a message. */
int og_memcap_check_adj(const struct og_memcap_req *c, int adj, char *err, size_t errsz);

/* After all options: --memory-high and --swap-max need --memory-max, high
 * may not exceed max.  Returns 0 or -1 with a message. */
int og_memcap_check(const struct og_memcap_req *c, char *err, size_t errsz);

/* "20.0 GiB", "512 MiB", "4.0 KiB", "100 B". */
const char *og_fmt_bytes(long long b, char *buf, size_t size);

/* ---- a memory cgroup of oomguard's own (no systemd, root) ------------------ */

struct og_memcap_cg {
	int version;               /* 0: none made */
	char dir[OG_CG_PATH_MAX];  /* absolute */
	char path[OG_CG_PATH_MAX]; /* inside the hierarchy */
};
/* Create the job's memory cgroup (v1: a child of oomguard's own memory
 * cgroup, so every limit above still binds; v2: oomguard.slice/
 * oomguard-PID.scope under the root-owned top, memory enabled on the way),
 * write the cap, and move pid (held before exec) into it.  Nothing is left
 * behind on error.  Returns 0 or -errno with the reason in err. */
int og_memcap_create(const struct og_memcap_req *c, pid_t pid, struct og_memcap_cg *out, char *err,
		     size_t errsz);
/* Its two halves: make the cgroup with the cap (v1: a child "oomguard-NAME"
 * of under, which must be a v1 memory cgroup, else the v2 scope), nothing
 * moved; and move pid into it.  0 or -errno (make: reason in err, nothing
 * left). */
int og_memcap_make(const struct og_memcap_req *c, const struct og_cgroup *under, pid_t name,
		   struct og_memcap_cg *out, char *err, size_t errsz);
int og_memcap_move(const struct og_memcap_cg *cg, pid_t pid);
/* rmdir once the job has ended (its processes gone).  0 or -errno. */
int og_memcap_remove(const struct og_memcap_cg *cg);

/* ---- read-back --------------------------------------------------------------- */

struct og_memcap_state {
	struct og_cgroup cg;       /* pid's own memory cgroup */
	long long max, high, swap; /* bytes, -1 = none (swap: v2 swap.max, v1 memsw - limit) */
	long long usage,
		peak; /* peak: memory.peak (v2, 5.19+) / max_usage_in_bytes (v1); -1 unknown */
	long long oom_kills;   /* memcg OOM kills in it (memory.events / memory.oom_control); -1 */
	long long high_events; /* v2 memory.events "high": times usage went over memory.high; -1 */
};
/* The memory cgroup pid is in, and its cap.  0 or -errno. */
int og_memcap_read(const char *procroot, pid_t pid, struct og_memcap_state *s);
int og_memcap_read_dir(const struct og_cgroup *cg, struct og_memcap_state *s);
/* Does the state carry what was asked (to the page the kernel rounds to)?
 * On false, what differs is in why. */
bool og_memcap_matches(const struct og_memcap_state *s, const struct og_memcap_req *want, char *why,
		       size_t whysz);
/* "memory cap: 20.0 GiB max, 18.0 GiB high on /oomguard.slice/oomguard-4242.scope"
 * ("memory cap: none on /x (bound by 4.0 GiB on /)" when the cgroup has none). */
const char *og_memcap_line(const struct og_memcap_state *s, char *buf, size_t size);
/* {"cgroup":"/x","version":2,"max":N|null,"high":...,"swap_max":...,"peak":...} */
void og_memcap_json(FILE *f, const struct og_memcap_state *s);

/* v2 memory.events "high" of the cgroup dir: how often usage crossed
 * memory.high (the job was throttled).  For the warning loop.  0 or -errno. */
int og_memcap_high_events(const char *cgdir, long long *out);

/* Pure: the end-of-job verdict.  start: read when the job started; end: read
 * when it ended (before the cgroup went away).  Returns true and a sentence
 * in buf when the job was killed by its own cap (its cgroup's OOM kill
 * counter rose), naming the cap, the peak and what to do. */
bool og_memcap_own_kill(const struct og_memcap_state *start, const struct og_memcap_state *end,
			bool warned, char *buf, size_t size);

/* ---- the cap of one job (run, protect --scope): place, read back, finish ----- */

struct og_memcap_job {
	struct og_memcap_req req;
	bool wanted;
	bool applied;            /* read back as asked */
	struct og_memcap_cg own; /* the cgroup oomguard made (no systemd), or version 0 */
	struct og_memcap_state start, end;
	bool have_start, have_end;
	bool finished;       /* og_memcap_finish ran */
	pid_t pid;           /* the job's main process */
	long long placed_us; /* CLOCK_REALTIME when it was placed */
	int logfd; /* the job's log (og_memcap_finish writes its verdict there too, and closes it); -1 */
	char not_applied[1024]; /* why not (best effort), for the read-back */
};
void og_memcap_job_init(struct og_memcap_job *j, const struct og_memcap_req *req);

/* After the job (held before exec) was or was not put in a scope: with
 * in_scope, check that the scope's cgroup carries the cap (systemd may
 * accept MemoryMax= on a user manager without the memory controller and do
 * nothing); without, make a memory cgroup of its own (root only).  On a
 * failure, print why (prefix "run"/"protect") and return -1 unless
 * best_effort (then 0, and the read-back says NOT APPLIED).  0 when no cap
 * was asked. */
int og_memcap_place(struct og_memcap_job *j, const char *who, pid_t pid, bool in_scope,
		    bool sd_running, bool best_effort);
/* protect --scope --memory-max without systemd (root): the running
 * processes pids[0..n) into a memory cgroup of their own, a child of
 * pids[0]'s, with the cap; on any failure they go back where they were and
 * the cgroup is removed.  Then a detached waiter (its own session, outside
 * that cgroup, at the processes' oom_score_adj) removes the cgroup once
 * pids[0] has ended and the cgroup is empty: nothing else waits on an
 * unrelated process.  0 or -errno with the reason in err. */
int og_memcap_adopt(struct og_memcap_job *j, const pid_t *pids, size_t n, char *err, size_t errsz);
/* The job never ran (it was held before exec and has been killed and
 * reaped): remove the cgroup oomguard made for it, nothing else. */
void og_memcap_undo(struct og_memcap_job *j);
/* Fail early, before anything runs, when a cap cannot be had at all:
 * neither systemd (sd_running) nor root.  Prints why, returns -1. */
int og_memcap_precheck(const struct og_memcap_job *j, const char *who, bool sd_running);
/* Before a user-bus scope is made: refuse when the user manager has no
 * memory controller delegated (the cap would be accepted and do nothing).
 * Prints why, returns -1; 0 otherwise (root, no systemd, delegated). */
int og_memcap_scope_precheck(const struct og_memcap_job *j, const char *who);
/* The read-back line for pid, from the cgroup files as they are now. */
void og_memcap_readback(FILE *f, const char *prefix, const struct og_memcap_job *j, pid_t pid);
/* Read the job's cgroup counters now (at SIGCHLD, before systemd can
 * remove a scope that has emptied).  Keeps the latest good reading. */
void og_memcap_sample_end(struct og_memcap_job *j);
/* The job ended with status (128+N for signal N): on SIGKILL by its own
 * cap, print the sentence.  Then remove oomguard's own cgroup. */
void og_memcap_finish(struct og_memcap_job *j, int status, bool warned);

/* The cap line of any pid (doctor PID), nothing when its memory cgroup is
 * unreadable; and the same as a JSON member ,"key":{...}|null. */
void og_memcap_print_pid(FILE *f, const char *prefix, const char *procroot, pid_t pid);
void og_memcap_json_pid(FILE *f, const char *key, const char *procroot, pid_t pid);

#endif
