/* Which OOM killers are armed here, and whom each would pick: the kernel's
 * settings (read only, never written), systemd-oomd, earlyoom and nohang
 * with their options read from their own command lines and config files.
 * Parsers of outside text are pure; og_killers_detect() does the reading. */
#ifndef OG_KILLERS_H
#define OG_KILLERS_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "meminfo.h"
#include "ranking.h"
#include "taskscan.h"

/* /proc/sys/vm values; -1 when unreadable. */
struct og_vmsettings {
	long overcommit_memory, overcommit_ratio, panic_on_oom, oom_kill_allocating_task,
		oom_dump_tasks, swappiness;
};

#define OG_RE_MAX 512
#define OG_MAX_EARLYOOM 4
/* earlyoom's options (earlyoom(1), its README).  Percentages -1 when unset. */
struct og_earlyoom_opts {
	double mem_term, mem_kill, swap_term, swap_kill;
	long long mem_term_kib, mem_kill_kib, swap_term_kib, swap_kill_kib;
	bool ignore_root, sort_by_rss, kernel_oom, dryrun, kill_group;
	bool has_prefer, has_avoid, has_ignore;
	char prefer[OG_RE_MAX], avoid[OG_RE_MAX], ignore[OG_RE_MAX];
};
/* /proc/PID/cmdline of earlyoom (NUL-separated argv).  Unknown options are
 * ignored (newer versions); a malformed value gives -EINVAL.  Pure. */
int og_earlyoom_parse_argv(const char *buf, size_t len, struct og_earlyoom_opts *o);
/* Its effective thresholds: term/kill percentages after -M/-S (converted
 * with MemTotal/SwapTotal, the lower of -m and -M wins) and defaults. */
void og_earlyoom_effective(const struct og_earlyoom_opts *o, const struct og_meminfo *mi,
			   double *mem_term, double *mem_kill, double *swap_term,
			   double *swap_kill);

/* nohang: its argv (-c/--config) and the parts of its config that decide
 * the victim. */
#define OG_NOHANG_RULES 32
struct og_nohang_conf {
	char config[256]; /* from argv; "" = default path */
	bool ignore_positive_adj;
	double soft_mem_pct, hard_mem_pct; /* -1 unset */
	size_t nrules;
	struct {
		int adj;
		char re[OG_RE_MAX];
	} name_rule[OG_NOHANG_RULES]; /* @BADNESS_ADJ_RE_NAME */
};
int og_nohang_parse_argv(const char *buf, size_t len, struct og_nohang_conf *c);
/* Overlay the config text on c (keys it does not set keep their values). */
int og_nohang_parse_conf(const char *buf, size_t len, struct og_nohang_conf *c);

/* systemd-oomd's oomd.conf [OOM] section (oomd.conf(5)).
 * Values are permyriad / microseconds; a file overrides only what it sets. */
struct og_oomd_conf {
	int swap_used_limit_pm, pressure_limit_pm;
	unsigned long long duration_usec;
	int ignored; /* assignments with a value systemd cannot parse */
};
void og_oomd_conf_defaults(struct og_oomd_conf *c);
/* Overlay the text on c.  An assignment whose value does not parse is
 * ignored and counted in c->ignored, the rest of the file still applies:
 * systemd's config parsers log "Failed to parse ..., ignoring" and go on.
 * Returns 0. */
int og_oomd_parse_conf(const char *buf, size_t len, struct og_oomd_conf *c);

struct og_killers {
	struct og_vmsettings vm;
	bool psi; /* /proc/pressure/memory readable */
	struct og_psi psi_mem;
	bool cg_v1_memory, cg_v2, cg_v2_memory;
	pid_t oomd_pid; /* 0 = not running */
	struct og_oomd_conf oomd;
	char oomd_conf_files[512]; /* which files were read */
	size_t n_earlyoom;         /* instances running (normally 0 or 1) */
	struct og_earlyoom {
		pid_t pid;
		bool has_ignore; /* its binary knows --ignore (v1.8+) */
		struct og_earlyoom_opts o;
		long victim, score; /* filled by the model: task index or -1 */
		bool bad_re;
	} eo[OG_MAX_EARLYOOM];
	pid_t nohang_pid;
	struct og_nohang_conf nohang;
	bool nohang_conf_read;
};
/* The user-space OOM daemons by name, with one small read per process
 * (/proc/PID/comm, never argv or status): what `run` needs to know before
 * paying for a full snapshot.  stop(arg), when given, is asked first and
 * every 16 processes; true ends the scan with -EINTR (the job it was for is gone). */
struct og_daemons {
	pid_t earlyoom[OG_MAX_EARLYOOM];
	size_t n_earlyoom;
	pid_t nohang;
};
int og_daemons_find(const char *procroot, struct og_daemons *d, bool (*stop)(void *), void *arg);

/* procroot "/proc", etcroot "" normally (prefix for /etc, /usr/lib, /run). */
int og_killers_detect(const char *procroot, const char *etcroot, const struct og_taskset *ts,
		      struct og_killers *k);

/* earlyoom's pick (kill.c is_larger): highest oom_score +300 (--prefer) /
 * -300 (--avoid), --ignore skipped, PID <= 2, kthreads, adj -1000, root with
 * --ignore-root-user and earlyoom itself skipped; ties to the larger RSS.
 * oom_score comes from the global ranking.  Returns the task index or -1;
 * *score gets the adjusted score.  A regex that does not compile gives -1
 * and *bad_re = true. */
long og_earlyoom_victim(const struct og_earlyoom_opts *o, const struct og_taskset *ts,
			const struct og_rankset *global, pid_t self, long *score, bool *bad_re);
/* Does comm match earlyoom's avoid / ignore / prefer rule? */
bool og_re_match(const char *re, const char *comm);

/* nohang's pick: oom_score (minus 2/3 of a positive adj when configured)
 * plus the first matching @BADNESS_ADJ_RE_NAME adjustment. */
long og_nohang_victim(const struct og_nohang_conf *c, const struct og_taskset *ts,
		      const struct og_rankset *global, pid_t self, long *score);

#endif
