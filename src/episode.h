/* OOM episodes: the records of one kill, assembled into one event.
 *
 * The kernel prints one OOM kill as many lines (invoked -> stack -> memcg
 * usage -> task table -> oom-kill summary -> Killed process -> oom.group ->
 * oom_reaper a few seconds later), systemd-oomd as a candidate dump, a kill
 * notice and the service manager's count.  The assembler takes lines in log
 * order from one source and keeps a list of finished events, each with a
 * one-sentence explanation of what happened and what would have prevented
 * it. */
#ifndef OG_EPISODE_H
#define OG_EPISODE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oomlog.h"

struct og_jentry;

enum og_killer {
	OG_K_UNKNOWN = 0,
	OG_K_KERNEL, /* kernel, constraint not logged */
	OG_K_KERNEL_GLOBAL,
	OG_K_KERNEL_MEMCG,
	OG_K_KERNEL_CPUSET,
	OG_K_KERNEL_MEMPOLICY,
	OG_K_OOMD, /* systemd-oomd, rule not logged (only the manager's line) */
	OG_K_OOMD_PRESSURE,
	OG_K_OOMD_SWAP,
	OG_K_EARLYOOM,
	OG_K_NOHANG,
};
/* "kernel-memcg", "systemd-oomd-pressure", ... */
const char *og_killer_name(enum og_killer k);
bool og_killer_is_kernel(enum og_killer k);

#define OG_TOP_USERS 5
/* A top memory user: a task-table row, or an oomd candidate cgroup. */
struct og_user {
	int pid; /* 0 for a cgroup */
	long uid;
	int adj;
	long long rss_kib, swap_kib;
	char name[OG_LOG_PATH]; /* comm, or the candidate's cgroup path */
};

struct og_event {
	int64_t wall_us, mono_us; /* OG_TIME_NONE when unknown */
	const char *source;       /* label of the source; owned by the caller */
	enum og_killer killer;
	bool no_victim; /* "Out of memory and no killable processes" */
	struct og_task victim;
	char cgroup[OG_LOG_PATH];    /* the victim's memcg, or the cgroup systemd-oomd killed */
	char unit[128];              /* systemd unit, when a manager line or the path names one */
	long nprocs;                 /* processes killed with it (oom.group, oomd); -1 unknown */
	char constraint[40];         /* CONSTRAINT_MEMCG, ... */
	char oom_memcg[OG_LOG_PATH]; /* the memcg that hit its limit */
	long long usage_kib, limit_kib, swap_limit_kib; /* -1 unknown */
	struct og_task alloc;                           /* the allocating task (comm, pid, adj) */
	char gfp[96];
	int order;
	bool group; /* memory.oom.group kill (one event per process it killed) */
	char group_cgroup[OG_LOG_PATH]; /* the cgroup memory.oom.group killed */
	bool reaped;
	bool oom_result;             /* the unit failed with result 'oom-kill' */
	char sig[12];                /* earlyoom / nohang signal */
	bool kill_failed;            /* earlyoom: "kill failed: ..." after the signal */
	bool year_guess;             /* wall_us from a stamp without a year: the year is inferred */
	bool swap_known;             /* systemd-oomd swap rule: the byte counts were logged */
	long score;                  /* the score the killer logged; -1 */
	char monitored[OG_LOG_PATH]; /* systemd-oomd: the cgroup whose limit was crossed */
	char pressure[16], plimit[16], duration[24];
	unsigned long long mem_used, mem_total, swap_used, swap_total;
	long considered; /* systemd-oomd: cgroups considered; -1 */
	int ntop;
	struct og_user top[OG_TOP_USERS];
	char why[768];     /* one plain sentence (or two) */
	unsigned long seq; /* log order within its source, for stable sorting */
};

struct og_asm {
	struct og_prefix_ctx ctx;
	const char *source;
	struct og_anchors anchors;
	struct og_event *ev;
	size_t nev, cap;
	/* kernel episode being built */
	struct og_event pend;
	bool pending, pend_killed;
	bool pend_evidence; /* a summary, "Kill process" or "Task in" line: a kill even without "Killed process" */
	/* memory.oom.group: the members killed after the chosen victim */
	struct og_event grp;
	bool grp_on;
	int ngrp;
	int grp_pids[64];
	int dense; /* lines still to read in full */
	struct og_tbl_layout layout;
	struct og_task *rows;
	size_t nrows, caprows;
	/* systemd-oomd candidate dump */
	struct og_user cand[OG_TOP_USERS];
	int ncand;
	long considered;
	int64_t cand_us;
	long cand_target; /* event index the dump belongs to, or -1 */
	int cand_rule;    /* OG_K_OOMD_PRESSURE/SWAP as the dump's fields say, or OG_K_UNKNOWN */
	/* nohang: the victim line comes before the action line */
	struct og_task nh_victim;
	char nh_cgroup[OG_LOG_PATH];
	int64_t nh_us;
	bool nh_have;
	int64_t last_us;
	/* a line waiting for its wrapped continuation (episode_lines.c) */
	struct og_line hold_l;
	char hold[2048];
	size_t hold_len;
	int hold_kind, hold_joins;
	bool holding, hold_sp;
	/* journalctl -o json-pretty / export: one entry over several lines */
	int entry_fmt;
	bool at_start;
	struct og_jentry *jent;
	unsigned long seq;
	int oom; /* -ENOMEM once an allocation failed */
};

/* Returns 0 or -ENOMEM.  source must outlive the events. */
int og_asm_init(struct og_asm *a, const char *source, const struct og_prefix_ctx *ctx);
void og_asm_set_source(struct og_asm *a, const char *source, const struct og_prefix_ctx *ctx);
/* One line with its transport prefix (dmesg, syslog, kmsg record, ...). */
void og_asm_line(struct og_asm *a, const char *line, size_t len);
/* One line whose prefix is already known (journal entries). */
void og_asm_msg(struct og_asm *a, const struct og_line *l);
/* A journal entry's MESSAGE, line by line (oomd's candidate dump may be one
 * entry with embedded newlines); l gives the entry's time and identifier. */
void og_asm_msg_lines(struct og_asm *a, struct og_line *l, const char *msg, size_t len);
/* The hot loop: consume whole lines of buf, skipping quickly to the lines
 * that can start an event.  Returns the bytes consumed; an incomplete last
 * line is left unless eof. */
size_t og_asm_feed(struct og_asm *a, const char *buf, size_t len, bool eof);
/* Parse a line held back for its wrapped continuation, if any. */
void og_asm_flush(struct og_asm *a);
/* Close the episode in progress.  Call at the end of each source. */
void og_asm_finish(struct og_asm *a);
void og_asm_free(struct og_asm *a);

/* Did this event kill the job pid?  Either it names pid as its victim, or
 * it killed a whole cgroup (systemd-oomd, memory.oom.group) that held the
 * job: cgroups is the text of /proc/PID/cgroup read while the job lived
 * (NULL when unknown); both the v2 path and the v1 memory path count. */
bool og_event_matches(const struct og_event *e, int pid, const char *cgroups);

/* The advice part of an explanation: what would have prevented this kill
 * (one clause, no period; "" when nothing can be said).  sd_version: the
 * systemd version of the machine the log is from, 0 unknown (it decides
 * the advice for systemd-oomd kills, by the rule of src/oomd_rule.c). */
void og_event_advice(const struct og_event *e, int sd_version, char *buf, size_t n);
/* Rewrite e->why ("<what happened>; <advice>.") for that version.  The
 * assembler explains with version 0. */
void og_event_explain(struct og_event *e, int sd_version);

/* Sort events by time (unknown times first, stable). */
void og_events_sort(struct og_event *ev, size_t n);

#endif
