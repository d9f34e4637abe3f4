/* OOM log lines: pure parsers from one line of text to one record.
 *
 * Two layers.  og_prefix_parse() strips whatever the log transport put in
 * front of the message (a /dev/kmsg record header, dmesg's "[  12.345678]",
 * dmesg -T, journalctl short / short-iso / short-precise, syslog kern.log and
 * messages, RFC 3339 rsyslog) and returns the time and syslog identifier it
 * found.  og_parse_msg() then turns the bare message into a record: the
 * kernel's OOM report in every generation from 3.x to 6.x, systemd-oomd's
 * kill notices (v249-v259 "Killed", v260+ "Marked ... for killing") and
 * candidate dumps, the service manager's lines, earlyoom and nohang.
 *
 * The formats come from the kernel's mm/oom_kill.c (dump_header,
 * dump_oom_summary, __oom_kill_process, oom_reap_task_mm) and mm/memcontrol.c
 * (mem_cgroup_print_oom_context, mem_cgroup_print_oom_meminfo), and from
 * systemd's src/oom/oomd-manager.c, oomd-util.c and src/core/cgroup.c.
 * Nothing here allocates, reads a file or looks at a clock. */
#ifndef OG_OOMLOG_H
#define OG_OOMLOG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OG_TIME_NONE INT64_MIN
#define OG_LOG_COMM 64
#define OG_LOG_PATH 256

struct og_prefix_ctx {
	int year;             /* for syslog stamps that carry no year */
	long utc_offset;      /* seconds east of UTC for local-time stamps */
	int64_t boot_wall_us; /* wall clock at boot, for kmsg/dmesg stamps; OG_TIME_NONE if unknown */
	int64_t now_us; /* a yearless stamp later than this (+1 day) is from last year; OG_TIME_NONE */
};

struct og_line {
	int64_t wall_us; /* µs since the epoch, or OG_TIME_NONE */
	int64_t mono_us; /* kernel stamp, µs since boot, or OG_TIME_NONE */
	char ident[32];  /* "kernel", "systemd-oomd", "systemd", ""; */
	int ident_pid;   /* 0 when absent */
	bool kmsg_cont;  /* /dev/kmsg 'c' flag: a pr_cont fragment */
	bool prefixed;   /* a stamp or an identifier was understood */
	bool year_guess; /* wall_us from a stamp without a year (syslog, journalctl short) */
	const char *msg; /* points into the input */
	size_t len;
};

/* Strip the transport prefix.  Never fails: a line with no recognised
 * prefix is returned whole as the message with no time. */
void og_prefix_parse(const char *line, size_t len, const struct og_prefix_ctx *ctx,
		     struct og_line *out);

/* Days since 1970-01-01 of a proleptic Gregorian date (pure timegm). */
int64_t og_days_from_civil(int y, unsigned m, unsigned d);

enum og_rec_kind {
	OG_REC_NONE = 0,
	OG_REC_INVOKED, /* "X invoked oom-killer: gfp_mask=..., order=N, oom_score_adj=N" */
	OG_REC_STACK,   /* "CPU: N [UID: N ]PID: N Comm: X ..." (dump_stack header) */
	OG_REC_MEMCG_USAGE, /* "memory: usage NkB, limit NkB, failcnt N" (also swap, memory+swap, kmem) */
	OG_REC_MEMCG_STATS,  /* "Memory cgroup stats for PATH:" */
	OG_REC_MEMINFO,      /* "Mem-Info:" (global OOM) */
	OG_REC_TASKS_STATE,  /* "Tasks state (memory values in pages):" */
	OG_REC_TASK_HDR,     /* "[  pid  ]   uid  tgid total_vm ... name" */
	OG_REC_TASK_ROW,     /* "[ 5740]     0  5740 ... pause" (needs the header's layout) */
	OG_REC_TASK_IN,      /* "Task in X killed as a result of limit of Y" (<= 4.19) */
	OG_REC_SUMMARY,      /* "oom-kill:constraint=...,task=X,pid=N,uid=N" (5.0+) */
	OG_REC_SUMMARY_CONT, /* ",global_oom,task_memcg=/,task=...": a split summary's tail */
	OG_REC_OLDKILL,      /* "...: Kill process N (X) score N or sacrifice child" (<= 5.0) */
	OG_REC_KILLED,       /* "[prefix: ]Killed process N (X) total-vm:..." */
	OG_REC_GROUP,        /* "Tasks in X are going to be killed due to memory.oom.group set" */
	OG_REC_REAPED, /* "oom_reaper: reaped process N (X), now anon-rss:..." / "unable to reap" */
	OG_REC_NO_KILLABLE, /* "Out of memory and no killable processes..." */
	OG_REC_OOMD_KILL, /* systemd-oomd "Killed X due to ..." / "Marked X for killing due to ..." */
	OG_REC_OOMD_CONSIDERED, /* "Considered N cgroups for killing, top candidates were:" */
	OG_REC_OOMD_FIELD, /* candidate block lines: "Path: X", "Current Memory Usage: X", ... */
	OG_REC_UNIT_OOMD,  /* "<unit>: systemd-oomd killed N process(es) in this unit." */
	OG_REC_UNIT_OOM,   /* "<unit>: A process of this unit has been killed by the OOM killer." */
	OG_REC_UNIT_RESULT, /* "<unit>: Failed with result 'oom-kill'." */
	OG_REC_EARLYOOM, /* earlyoom "sending SIGKILL to process N uid N \"X\": ..." (and older forms) */
	OG_REC_EARLYOOM_NOTE, /* earlyoom "escalating to SIGKILL", "kill failed: ...", "dryrun, not actually sending" */
	OG_REC_NOHANG_HDR, /* nohang "Victim status (found in Nms):": the PID line follows */
	OG_REC_NOHANG_VICTIM, /* nohang "  PID: N, name: X, ...", or the block's "Name: X" / "PID: N" */
	OG_REC_NOHANG_ACTION, /* nohang "  Sending SIGKILL to the victim", "Run the command: kill -TERM N" */
};

enum og_col {
	OG_COL_OTHER = 0,
	OG_COL_UID,
	OG_COL_TGID,
	OG_COL_TOTAL_VM,
	OG_COL_RSS,
	OG_COL_RSS_ANON,
	OG_COL_RSS_FILE,
	OG_COL_RSS_SHMEM,
	OG_COL_NR_PTES,
	OG_COL_NR_PMDS,
	OG_COL_PGTABLES_BYTES,
	OG_COL_SWAPENTS,
	OG_COL_ADJ,
};
#define OG_MAX_COLS 16
/* The numeric columns between "[ pid ]" and "name", in header order. */
struct og_tbl_layout {
	int ncols;
	unsigned char col[OG_MAX_COLS];
};

/* Memory figures in KiB; -1 when the line does not carry them. */
struct og_task {
	int pid, tgid;
	long uid;
	int adj; /* OG_ADJ_NONE when absent */
	long long total_vm_kib, rss_kib, anon_kib, file_kib, shmem_kib, pgtables_kib, swap_kib;
	char comm[OG_LOG_COMM];
};
#define OG_ADJ_NONE (-32768)

struct og_rec {
	enum og_rec_kind kind;
	struct og_task t;               /* victim / allocator / row / reaped task */
	char gfp[96];                   /* INVOKED: "0xcc0(GFP_KERNEL)" */
	int order;                      /* INVOKED */
	char prefix[48];                /* KILLED / OLDKILL: "Memory cgroup out of memory", "" */
	long score;                     /* OLDKILL score; EARLYOOM badness/oom_score */
	char constraint[40];            /* SUMMARY: "CONSTRAINT_MEMCG" */
	bool global_oom;                /* SUMMARY: bare global_oom key */
	bool has_task;                  /* SUMMARY: task=,pid=,uid= were present */
	bool failed;                    /* REAPED: "unable to reap"; OOMD_KILL: never set */
	bool marked;                    /* OOMD_KILL: v260 "Marked ... for killing" */
	bool swap;                      /* OOMD_KILL: swap rule; MEMCG_USAGE: swap or memory+swap */
	bool swap_known;                /* OOMD_KILL swap rule: the byte counts were on the line */
	bool rule_unknown;              /* OOMD_KILL: "Marked X for killing" without its reason */
	char key[32];                   /* MEMCG_USAGE: "memory"; OOMD_FIELD: "Path" */
	long long usage_kib, limit_kib; /* MEMCG_USAGE */
	char path[OG_LOG_PATH]; /* memcg / cgroup / unit / group path / oomd candidate value */
	char path2
		[OG_LOG_PATH]; /* TASK_IN limit memcg; SUMMARY task_memcg; OOMD monitored cgroup */
	char pressure[16], plimit[16], duration[24]; /* OOMD_KILL pressure rule, as printed */
	unsigned long long mem_used, mem_total, swap_used,
		swap_total;          /* OOMD_KILL swap rule, bytes */
	long count;                  /* OOMD_CONSIDERED N; UNIT_OOMD N (-1 "some") */
	char sig[12];                /* EARLYOOM / NOHANG_ACTION: "SIGKILL" */
	long rss_mib;                /* EARLYOOM */
	struct og_tbl_layout layout; /* TASK_HDR */
};

/* Parse one bare message.  layout is the last task-table header seen (NULL
 * or ncols==0 when none); it is needed only for OG_REC_TASK_ROW.  ident is
 * the syslog identifier from the prefix ("" when unknown): nohang's
 * "PID:" lines are only believed from nohang.  Returns r->kind, OG_REC_NONE
 * for an unrelated line. */
enum og_rec_kind og_parse_msg(const char *msg, size_t len, const char *ident,
			      const struct og_tbl_layout *layout, struct og_rec *r);

/* Hot-loop prefilter: offset of the first place in buf where a line that
 * can open an OOM event may be, or len when there is none.  Cheap enough to
 * run over every byte of a large log; only lines it points into need the
 * full parsers.  Episode-internal lines (tables, memcg usage) carry no
 * anchor and are read in full only after an anchor opened an episode. */
#define OG_MAX_ANCHORS 48
struct og_anchors {
	uint8_t shift[65536];
	uint8_t first[65536]; /* 1 + the first anchor whose window ends in this pair, or 0 */
	uint8_t next[OG_MAX_ANCHORS]; /* 1 + the next anchor ending in the same pair, or 0 */
};
void og_anchors_init(struct og_anchors *a);
size_t og_anchor_find(const struct og_anchors *a, const char *buf, size_t len);

/* Lines broken by a terminal, a web page or a mail client.  og_wrap_kind:
 * does this message open a record that it does not finish (a kill line cut
 * in the middle, or ending in the first words of one)?  og_wrap_continues:
 * may a following line with no prefix of its own be the rest of it?
 * og_wrap_word: is this a word of the formats (a wrap between two of them
 * lost the space)? */
enum {
	OG_WRAP_NONE = 0,
	OG_WRAP_EMPTY,
	OG_WRAP_OPENER,
	OG_WRAP_KILLED,
	OG_WRAP_SUMMARY,
	OG_WRAP_INVOKED,
	OG_WRAP_OLDKILL,
	OG_WRAP_OOMD,
	OG_WRAP_EARLYOOM,
};
int og_wrap_kind(const char *msg, size_t len);
bool og_wrap_continues(int kind, const char *msg, size_t len);
bool og_wrap_word(const char *w, size_t n);
/* Where a second record starts inside a message ("...,uid=1000 [35105.264752]
 * Out of memory: ..."): the offset of its "[" stamp, or len. */
size_t og_embedded_stamp(const char *msg, size_t len);

#endif
