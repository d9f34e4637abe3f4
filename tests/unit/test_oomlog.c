/* OOM log parsers and episode assembly against fixtures written from the
 * kernel's and systemd's format strings (tests/fixtures/logs). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "episode.h"
#include "oomlog.h"

#define LOGS FIXTURES "/logs/"

static struct og_prefix_ctx ctx_utc(int year)
{
	struct og_prefix_ctx c = { .year = year, .utc_offset = 0, .boot_wall_us = OG_TIME_NONE, .now_us = OG_TIME_NONE };
	return c;
}

static int64_t utc(int y, unsigned mo, unsigned d, int h, int mi, int s)
{
	return (og_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000000LL;
}

/* Feed a whole fixture through the hot loop in small chunks, so that line
 * splitting across reads is exercised too. */
static struct og_asm *load(const char *name, const struct og_prefix_ctx *ctx, size_t chunk)
{
	char path[512];
	snprintf(path, sizeof(path), LOGS "%s", name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	struct og_asm *a = malloc(sizeof(*a));
	assert_non_null(a);
	assert_int_equal(og_asm_init(a, name, ctx), 0);
	size_t done = 0;
	while (done < n) {
		size_t end = done + chunk < n ? done + chunk : n;
		/* the caller keeps the unconsumed tail: emulate by re-offering it */
		size_t used = og_asm_feed(a, buf + done, end - done, end == n);
		if (used == 0 && end < n) {
			chunk *= 2;
			continue;
		}
		done += used;
		if (end == n && used < end - done)
			break;
	}
	og_asm_finish(a);
	return a;
}

static void unload(struct og_asm *a)
{
	og_asm_free(a);
	free(a);
}

/* ---------- prefixes ---------- */

static void prefix_formats(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_utc(2026);
	struct og_line l;
	const char *s;

	s = "[  522.175496] Memory cgroup out of memory: Killed";
	og_prefix_parse(s, strlen(s), &c, &l);
	assert_int_equal(l.mono_us, 522175496);
	assert_true(l.wall_us == OG_TIME_NONE);
	assert_string_equal(l.ident, "kernel");
	assert_int_equal(l.len, strlen("Memory cgroup out of memory: Killed"));

	c.boot_wall_us = utc(2026, 11, 26, 0, 0, 0);
	s = "6,2111,816400520,-;oom-kill:constraint=CONSTRAINT_MEMCG";
	og_prefix_parse(s, strlen(s), &c, &l);
	assert_int_equal(l.mono_us, 816400520);
	assert_true(l.wall_us == c.boot_wall_us + 816400520);
	assert_memory_equal(l.msg, "oom-kill:", 9);
	s = "4,12,5,c,caller=T42;,global_oom";
	og_prefix_parse(s, strlen(s), &c, &l);
	assert_true(l.kmsg_cont);
	assert_memory_equal(l.msg, ",global_oom", 11);
	c.boot_wall_us = OG_TIME_NONE;

	s = "[Tue Jun  6 13:05:11 2017] allocate invoked";
	og_prefix_parse(s, strlen(s), &c, &l);
	assert_true(l.wall_us == utc(2017, 6, 6, 13, 5, 11));
	assert_memory_equal(l.msg, "allocate", 8);

	s = "Mar  3 02:11:40 db1 kernel: [123456.100000] x invoked oom-killer: ";
	og_prefix_parse(s, strlen(s), &c, &l);
	assert_true(l.wall_us == utc(2026, 3, 3, 2, 11, 40));
	assert_int_equal(l.mono_us, 123456100000LL);
	assert_string_equal(l.ident, "kernel");
	assert_memory_equal(l.msg, "x invoked", 9);

	s = "Nov 19 21:04:11 ws systemd-oomd[588]: Killed /a due to";
	og_prefix_parse(s, strlen(s), &c, &l);
	assert_string_equal(l.ident, "systemd-oomd");
	assert_int_equal(l.ident_pid, 588);
	assert_memory_equal(l.msg, "Killed /a", 9);

	s = "Feb  2 09:30:00.346691 vm kernel: ,global_oom";
	og_prefix_parse(s, strlen(s), &c, &l);
	assert_true(l.wall_us == utc(2026, 2, 2, 9, 30, 0) + 346691);

	s = "2020-01-10T12:00:00+0100 srv kernel: java";
	og_prefix_parse(s, strlen(s), &c, &l);
	assert_true(l.wall_us == utc(2020, 1, 10, 11, 0, 0));
	assert_memory_equal(l.msg, "java", 4);

	s = "2024-05-01T08:00:00.250000+02:00 build systemd[1]: x";
	og_prefix_parse(s, strlen(s), &c, &l);
	assert_true(l.wall_us == utc(2024, 5, 1, 6, 0, 0) + 250000);
	assert_string_equal(l.ident, "systemd");

	s = "Thu 2026-11-26 04:07:36 UTC host kernel: msg";
	og_prefix_parse(s, strlen(s), &c, &l);
	assert_true(l.wall_us == utc(2026, 11, 26, 4, 7, 36));
	assert_memory_equal(l.msg, "msg", 3);

	/* A yearless stamp after "now" is from last year. */
	c.now_us = utc(2026, 1, 5, 0, 0, 0);
	s = "Dec 31 23:00:00 h kernel: x";
	og_prefix_parse(s, strlen(s), &c, &l);
	assert_true(l.wall_us == utc(2025, 12, 31, 23, 0, 0));

	/* No prefix at all: the whole line is the message. */
	s = "Killed process 1 (x) total-vm:1kB";
	og_prefix_parse(s, strlen(s), &c, &l);
	assert_true(l.msg == s);
	assert_true(l.wall_us == OG_TIME_NONE && l.mono_us == OG_TIME_NONE);
}

/* ---------- single records ---------- */

static enum og_rec_kind parse(const char *s, const struct og_tbl_layout *l, struct og_rec *r)
{
	return og_parse_msg(s, strlen(s), "", l, r);
}

static void rec_invoked(void **state)
{
	(void)state;
	struct og_rec r;
	assert_int_equal(parse("python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=200", NULL, &r),
			 OG_REC_INVOKED);
	assert_string_equal(r.t.comm, "python3");
	assert_string_equal(r.gfp, "0xcc0(GFP_KERNEL)");
	assert_int_equal(r.order, 0);
	assert_int_equal(r.t.adj, 200);
	/* 4.12: nodemask and a double space */
	assert_int_equal(parse("allocate invoked oom-killer: gfp_mask=0x14280ca(GFP_HIGHUSER_MOVABLE|__GFP_ZERO), "
			       "nodemask=(null),  order=3, oom_score_adj=-5", NULL, &r),
			 OG_REC_INVOKED);
	assert_int_equal(r.order, 3);
	assert_int_equal(r.t.adj, -5);
	/* 3.x: no decoded flags; sysrq order=-1 */
	assert_int_equal(parse("bash invoked oom-killer: gfp_mask=0x201da, order=-1, oom_score_adj=0", NULL, &r),
			 OG_REC_INVOKED);
	assert_string_equal(r.gfp, "0x201da");
	assert_int_equal(r.order, -1);
	/* cut right after the colon: nothing read past the message's end
	 * (under ASan this read one byte beyond it) */
	char *cut = malloc(27);
	assert_non_null(cut);
	memcpy(cut, "python3 invoked oom-killer:", 27);
	assert_int_equal(og_parse_msg(cut, 27, "", NULL, &r), OG_REC_INVOKED);
	free(cut);
	assert_string_equal(r.t.comm, "python3");
	assert_string_equal(r.gfp, "");
	/* comm with spaces */
	assert_int_equal(parse("Web Content invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=167", NULL, &r),
			 OG_REC_INVOKED);
	assert_string_equal(r.t.comm, "Web Content");
}

static void rec_stack(void **state)
{
	(void)state;
	struct og_rec r;
	assert_int_equal(parse("CPU: 0 UID: 1000 PID: 5455 Comm: my job Not tainted 6.18.44 #1", NULL, &r), OG_REC_STACK);
	assert_int_equal(r.t.pid, 5455);
	assert_int_equal(r.t.uid, 1000);
	assert_string_equal(r.t.comm, "my job");
	assert_int_equal(parse("CPU: 12 PID: 483880 Comm: python3 Tainted: P    O   6.8.0", NULL, &r), OG_REC_STACK);
	assert_int_equal(r.t.uid, -1);
	assert_string_equal(r.t.comm, "python3");
}

static void rec_memcg_usage(void **state)
{
	(void)state;
	struct og_rec r;
	assert_int_equal(parse("memory: usage 51200kB, limit 51200kB, failcnt 37", NULL, &r), OG_REC_MEMCG_USAGE);
	assert_string_equal(r.key, "memory");
	assert_int_equal(r.usage_kib, 51200);
	assert_int_equal(r.limit_kib, 51200);
	assert_false(r.swap);
	assert_int_equal(parse("memory+swap: usage 16777216kB, limit 9007199254740988kB, failcnt 0", NULL, &r),
			 OG_REC_MEMCG_USAGE);
	assert_true(r.swap);
	assert_true(r.limit_kib == 9007199254740988LL);
	assert_int_equal(parse("swap: usage 0kB, limit 0kB, failcnt 0", NULL, &r), OG_REC_MEMCG_USAGE);
	assert_int_equal(parse("kmem: usage 301464kB, limit 9007199254740988kB, failcnt 0", NULL, &r), OG_REC_MEMCG_USAGE);
	assert_string_equal(r.key, "kmem");
	assert_int_equal(parse("memory: usage lots", NULL, &r), OG_REC_NONE);
}

static void rec_tables(void **state)
{
	(void)state;
	struct og_rec h, r;
	/* 6.8+ */
	assert_int_equal(parse("[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents "
			       "oom_score_adj name",
			       NULL, &h),
			 OG_REC_TASK_HDR);
	assert_int_equal(h.layout.ncols, 10);
	assert_int_equal(parse("[    116]     0   116  2628942  1995298  1995157      141         0 16052224        0          "
			       "1000 stress-ng-vm",
			       &h.layout, &r),
			 OG_REC_TASK_ROW);
	assert_int_equal(r.t.pid, 116);
	assert_int_equal(r.t.tgid, 116);
	assert_int_equal(r.t.uid, 0);
	assert_true(r.t.rss_kib == 1995298LL * 4);
	assert_true(r.t.anon_kib == 1995157LL * 4);
	assert_true(r.t.total_vm_kib == 2628942LL * 4);
	assert_int_equal(r.t.pgtables_kib, 16052224 / 1024);
	assert_int_equal(r.t.adj, 1000);
	assert_string_equal(r.t.comm, "stress-ng-vm");
	/* negative adj and a comm with spaces and parentheses */
	assert_int_equal(parse("[    114]     0   114     7500     4676       96      452      4128    90112        0         "
			       "-1000 a (b) c",
			       &h.layout, &r),
			 OG_REC_TASK_ROW);
	assert_int_equal(r.t.adj, -1000);
	assert_string_equal(r.t.comm, "a (b) c");
	/* 4.19: pgtables in bytes */
	assert_int_equal(parse("[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name", NULL, &h),
			 OG_REC_TASK_HDR);
	assert_int_equal(parse("[   5740]     0  5740      257        1    32768        0          -998 pause", &h.layout, &r),
			 OG_REC_TASK_ROW);
	assert_int_equal(r.t.pgtables_kib, 32);
	assert_int_equal(r.t.rss_kib, 4);
	assert_int_equal(r.t.adj, -998);
	/* 4.0-4.14: nr_ptes + nr_pmds pages */
	assert_int_equal(parse("[ pid ]   uid  tgid total_vm      rss nr_ptes nr_pmds swapents oom_score_adj name", NULL, &h),
			 OG_REC_TASK_HDR);
	assert_int_equal(parse("[11494]     0 11494   410346   131071     257       5        0             0 badsysprogram",
			       &h.layout, &r),
			 OG_REC_TASK_ROW);
	assert_int_equal(r.t.pgtables_kib, (257 + 5) * 4);
	assert_true(r.t.rss_kib == 131071LL * 4);
	/* 3.x: nr_ptes only */
	assert_int_equal(parse("[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name", NULL, &h),
			 OG_REC_TASK_HDR);
	assert_int_equal(h.layout.ncols, 7);
	/* 2.6/3.0: cpu and oom_adj columns are skipped */
	assert_int_equal(parse("[ pid ]   uid  tgid total_vm      rss cpu oom_adj oom_score_adj name", NULL, &h),
			 OG_REC_TASK_HDR);
	assert_int_equal(parse("[ 2001]   107  2001   600000   480000   1       0             0 mysqld", &h.layout, &r),
			 OG_REC_TASK_ROW);
	assert_int_equal(r.t.uid, 107);
	assert_int_equal(r.t.adj, 0);
	assert_string_equal(r.t.comm, "mysqld");
	/* a row with no header seen is not guessed at */
	assert_int_equal(parse("[ 2001]   107  2001   600000   480000", NULL, &r), OG_REC_NONE);
	/* too few numbers for the layout */
	assert_int_equal(parse("[ 2001]   107  2001", &h.layout, &r), OG_REC_NONE);
}

static void rec_summary(void **state)
{
	(void)state;
	struct og_rec r;
	assert_int_equal(parse("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0-1,3,"
			       "oom_memcg=/og-probe,task_memcg=/og-probe/leaf,future_key=1,task=python3,pid=5455,uid=0",
			       NULL, &r),
			 OG_REC_SUMMARY);
	assert_string_equal(r.constraint, "CONSTRAINT_MEMCG");
	assert_string_equal(r.path, "/og-probe");
	assert_string_equal(r.path2, "/og-probe/leaf");
	assert_true(r.has_task);
	assert_string_equal(r.t.comm, "python3");
	assert_int_equal(r.t.pid, 5455);
	assert_int_equal(r.t.uid, 0);
	assert_false(r.global_oom);
	/* global, and a comm holding ",pid=" look-alikes */
	assert_int_equal(parse("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,"
			       "task_memcg=/,task=a,pid=1 x,pid=116,uid=0",
			       NULL, &r),
			 OG_REC_SUMMARY);
	assert_true(r.global_oom);
	assert_string_equal(r.t.comm, "a,pid=1 x");
	assert_int_equal(r.t.pid, 116);
	/* split by interleaving: head without task, then the tail record */
	assert_int_equal(parse("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0", NULL, &r),
			 OG_REC_SUMMARY);
	assert_false(r.has_task);
	assert_int_equal(parse(",global_oom,task_memcg=/,task=a.out,pid=8901,uid=0", NULL, &r), OG_REC_SUMMARY_CONT);
	assert_true(r.global_oom);
	assert_int_equal(r.t.pid, 8901);
	assert_string_equal(r.t.comm, "a.out");
	/* a proposed new constraint string passes through */
	assert_int_equal(parse("oom-kill:constraint=CONSTRAINT_BPF,nodemask=(null),task=x,pid=2,uid=3", NULL, &r),
			 OG_REC_SUMMARY);
	assert_string_equal(r.constraint, "CONSTRAINT_BPF");
}

static void rec_killed_generations(void **state)
{
	(void)state;
	struct og_rec r;
	/* 5.4+ */
	assert_int_equal(parse("Memory cgroup out of memory: Killed process 483880 (python3) total-vm:293428kB, "
			       "anon-rss:50824kB, file-rss:7296kB, shmem-rss:0kB, UID:1000 pgtables:176kB oom_score_adj:200",
			       NULL, &r),
			 OG_REC_KILLED);
	assert_string_equal(r.prefix, "Memory cgroup out of memory");
	assert_int_equal(r.t.pid, 483880);
	assert_string_equal(r.t.comm, "python3");
	assert_int_equal(r.t.total_vm_kib, 293428);
	assert_int_equal(r.t.anon_kib, 50824);
	assert_int_equal(r.t.file_kib, 7296);
	assert_int_equal(r.t.shmem_kib, 0);
	assert_int_equal(r.t.rss_kib, 50824 + 7296);
	assert_int_equal(r.t.uid, 1000);
	assert_int_equal(r.t.pgtables_kib, 176);
	assert_int_equal(r.t.adj, 200);
	/* 5.1-5.3 */
	assert_int_equal(parse("Out of memory: Killed process 5740 (pause) total-vm:1028kB, anon-rss:4kB, file-rss:0kB, "
			       "shmem-rss:0kB",
			       NULL, &r),
			 OG_REC_KILLED);
	assert_string_equal(r.prefix, "Out of memory");
	assert_int_equal(r.t.uid, -1);
	assert_int_equal(r.t.adj, OG_ADJ_NONE);
	/* 3.x/4.x bare line */
	assert_int_equal(parse("Killed process 11499 (badsysprogram) total-vm:1641384kB, anon-rss:524092kB, file-rss:192kB",
			       NULL, &r),
			 OG_REC_KILLED);
	assert_string_equal(r.prefix, "");
	assert_int_equal(r.t.shmem_kib, -1);
	assert_int_equal(r.t.rss_kib, 524092 + 192);
	/* oom_kill_allocating_task */
	assert_int_equal(parse("Out of memory (oom_kill_allocating_task): Killed process 9 (x) total-vm:1kB, anon-rss:1kB, "
			       "file-rss:0kB, shmem-rss:0kB",
			       NULL, &r),
			 OG_REC_KILLED);
	assert_string_equal(r.prefix, "Out of memory (oom_kill_allocating_task)");
	/* comm with ") total-vm:" inside: the last one ends it */
	assert_int_equal(parse("Out of memory: Killed process 7 (a) total-vm:9kB) total-vm:100kB, anon-rss:50kB, "
			       "file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0",
			       NULL, &r),
			 OG_REC_KILLED);
	assert_string_equal(r.t.comm, "a) total-vm:9kB");
	assert_int_equal(r.t.total_vm_kib, 100);
	/* 5.4 without the units fix: pgtables in bytes labelled kB */
	assert_int_equal(parse("Out of memory: Killed process 3100 (java) total-vm:8000000kB, anon-rss:6000000kB, "
			       "file-rss:0kB, shmem-rss:0kB, UID:997 pgtables:12845056kB oom_score_adj:0",
			       NULL, &r),
			 OG_REC_KILLED);
	assert_int_equal(r.t.pgtables_kib, 12544);
	/* <= 5.0 selection lines */
	assert_int_equal(parse("Memory cgroup out of memory: Kill process 11494 (badsysprogram) score 1000 or sacrifice child",
			       NULL, &r),
			 OG_REC_OLDKILL);
	assert_int_equal(r.t.pid, 11494);
	assert_int_equal(r.score, 1000);
	assert_string_equal(r.prefix, "Memory cgroup out of memory");
	assert_int_equal(parse("Kill process 44 (x (y)) sharing same memory", NULL, &r), OG_REC_OLDKILL);
	assert_string_equal(r.t.comm, "x (y)");
	/* garbage */
	assert_int_equal(parse("Killed process abc (x)", NULL, &r), OG_REC_NONE);
	/* cut off at its end: the pid is there, the comm is not guessed */
	assert_int_equal(parse("Killed process 12 (x", NULL, &r), OG_REC_KILLED);
	assert_int_equal(r.t.pid, 12);
	assert_string_equal(r.t.comm, "");
	assert_int_equal(r.t.total_vm_kib, -1);
	/* 2.6.32 (RHEL 6) and 3.10 (RHEL 7) */
	assert_int_equal(parse("Killed process 11726, UID 498, (mysqld) total-vm:7823732kB, anon-rss:2539268kB, file-rss:768kB",
			       NULL, &r),
			 OG_REC_KILLED);
	assert_int_equal(r.t.pid, 11726);
	assert_int_equal(r.t.uid, 498);
	assert_string_equal(r.t.comm, "mysqld");
	assert_int_equal(r.t.anon_kib, 2539268);
	assert_int_equal(parse("Killed process 18177 (palo_be), UID 0, total-vm:70347780kB, anon-rss:45563572kB, file-rss:0kB",
			       NULL, &r),
			 OG_REC_KILLED);
	assert_string_equal(r.t.comm, "palo_be");
	assert_int_equal(r.t.uid, 0);
	/* inside a node-problem-detector event: the kernel's words still found */
	assert_int_equal(parse("  Warning  OOMKilling  3m  kernel-monitor  Memory cgroup out of memory: Killed process 9 (java) "
			       "total-vm:10kB, anon-rss:5kB, file-rss:0kB, shmem-rss:0kB",
			       NULL, &r),
			 OG_REC_KILLED);
	assert_string_equal(r.prefix, "Memory cgroup out of memory");
	assert_int_equal(r.t.pid, 9);
	/* not the kernel's line */
	assert_int_equal(parse("unKilled process 12 (x) total-vm:1kB", NULL, &r), OG_REC_NONE);
	assert_int_equal(parse("Memory cgroup out of memory: killed 1 task", NULL, &r), OG_REC_NONE);
}

static void rec_memcg_misc(void **state)
{
	(void)state;
	struct og_rec r;
	assert_int_equal(parse("Task in /docker/6562 killed as a result of limit of /docker", NULL, &r), OG_REC_TASK_IN);
	assert_string_equal(r.path2, "/docker/6562");
	assert_string_equal(r.path, "/docker");
	assert_int_equal(parse("Tasks in /kubepods/x.scope are going to be killed due to memory.oom.group set", NULL, &r),
			 OG_REC_GROUP);
	assert_string_equal(r.path, "/kubepods/x.scope");
	assert_int_equal(parse("oom_reaper: reaped process 5740 (pause), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB", NULL, &r),
			 OG_REC_REAPED);
	assert_int_equal(r.t.pid, 5740);
	assert_string_equal(r.t.comm, "pause");
	assert_false(r.failed);
	assert_int_equal(parse("oom_reaper: unable to reap pid:77 (java)", NULL, &r), OG_REC_REAPED);
	assert_true(r.failed);
	assert_int_equal(r.t.pid, 77);
	assert_int_equal(parse("Memory cgroup stats for /og-probe:", NULL, &r), OG_REC_MEMCG_STATS);
	assert_string_equal(r.path, "/og-probe");
	assert_int_equal(parse("Out of memory and no killable processes...", NULL, &r), OG_REC_NO_KILLABLE);
	assert_int_equal(parse("Tasks state (memory values in pages):", NULL, &r), OG_REC_TASKS_STATE);
	assert_int_equal(parse("Mem-Info:", NULL, &r), OG_REC_MEMINFO);
}

static void rec_oomd(void **state)
{
	(void)state;
	struct og_rec r;
	assert_int_equal(parse("Killed /user.slice/u.scope due to memory pressure for /user.slice being 57.97% > 50.00% for > "
			       "20s with reclaim activity",
			       NULL, &r),
			 OG_REC_OOMD_KILL);
	assert_false(r.marked);
	assert_false(r.swap);
	assert_string_equal(r.path, "/user.slice/u.scope");
	assert_string_equal(r.path2, "/user.slice");
	assert_string_equal(r.pressure, "57.97");
	assert_string_equal(r.plimit, "50.00");
	assert_string_equal(r.duration, "20s");
	assert_int_equal(parse("Marked /a b/c.scope for killing due to memory pressure for /a b being 71.20% > 50.00% for > "
			       "1min 30s with reclaim activity",
			       NULL, &r),
			 OG_REC_OOMD_KILL);
	assert_true(r.marked);
	assert_string_equal(r.path, "/a b/c.scope");
	assert_string_equal(r.duration, "1min 30s");
	assert_int_equal(parse("Killed /system.slice/x.service due to memory used (8120000000) / total (8300000000) and swap "
			       "used (3900000000) / total (4000000000) being more than 90.00%",
			       NULL, &r),
			 OG_REC_OOMD_KILL);
	assert_true(r.swap);
	assert_true(r.mem_used == 8120000000ULL);
	assert_true(r.swap_total == 4000000000ULL);
	assert_string_equal(r.plimit, "90.00");
	assert_int_equal(parse("Marked /s/x.service for killing due to memory used (1) / total (2) and swap used (3) / total "
			       "(4) being more than 80.00%",
			       NULL, &r),
			 OG_REC_OOMD_KILL);
	assert_true(r.marked && r.swap);
	assert_int_equal(parse("Considered 12 cgroups for killing, top candidates were:", NULL, &r), OG_REC_OOMD_CONSIDERED);
	assert_int_equal(r.count, 12);
	assert_int_equal(og_parse_msg("\tPath: /a/b.scope", 17, "systemd-oomd", NULL, &r), OG_REC_OOMD_FIELD);
	assert_string_equal(r.key, "Path");
	assert_string_equal(r.path, "/a/b.scope");
	assert_int_equal(og_parse_msg("Path: /a", 8, "sshd", NULL, &r), OG_REC_NONE);
	/* manager lines */
	assert_int_equal(parse("vte-spawn-f65c.scope: systemd-oomd killed 3 process(es) in this unit.", NULL, &r),
			 OG_REC_UNIT_OOMD);
	assert_string_equal(r.path, "vte-spawn-f65c.scope");
	assert_int_equal(r.count, 3);
	assert_int_equal(parse("x.service: systemd-oomd killed some process(es) in this unit.", NULL, &r), OG_REC_UNIT_OOMD);
	assert_int_equal(r.count, -1);
	assert_int_equal(parse("run-u820.service: A process of this unit has been killed by the OOM killer.", NULL, &r),
			 OG_REC_UNIT_OOM);
	assert_string_equal(r.path, "run-u820.service");
	assert_int_equal(parse("run-u820.service: Failed with result 'oom-kill'.", NULL, &r), OG_REC_UNIT_RESULT);
	/* a failure notice is not a kill */
	assert_int_equal(parse("Failed to kill any cgroups under /user.slice based on pressure: Permission denied", NULL, &r),
			 OG_REC_NONE);
	assert_int_equal(parse("Killed /x due to something else", NULL, &r), OG_REC_NONE);
}

static void rec_earlyoom_nohang(void **state)
{
	(void)state;
	struct og_rec r;
	/* v1.8 */
	assert_int_equal(parse("sending SIGKILL to process 3300 uid 1000 \"chrome\": oom_score 1146, oom_score_adj 300, "
			       "VmRSS 4021 MiB, cmdline \"/opt/chrome\": oom_score 1\"",
			       NULL, &r),
			 OG_REC_EARLYOOM);
	assert_string_equal(r.sig, "SIGKILL");
	assert_int_equal(r.t.pid, 3300);
	assert_int_equal(r.t.uid, 1000);
	assert_string_equal(r.t.comm, "chrome");
	assert_int_equal(r.score, 1146);
	assert_int_equal(r.t.adj, 300);
	assert_int_equal(r.rss_mib, 4021);
	/* v1.2-v1.7 with a quote in the name */
	assert_int_equal(parse("sending SIGTERM to process 4100 uid 1000 \"a\": b\": badness 733, VmRSS 1200 MiB", NULL, &r),
			 OG_REC_EARLYOOM);
	assert_string_equal(r.t.comm, "a\": b");
	assert_int_equal(r.score, 733);
	/* v1.0-1.1: no uid */
	assert_int_equal(parse("sending SIGKILL to process 5100 \"tail\": badness 900, VmRSS 7000 MiB", NULL, &r),
			 OG_REC_EARLYOOM);
	assert_int_equal(r.t.uid, -1);
	assert_string_equal(r.t.comm, "tail");
	/* nohang */
	assert_int_equal(og_parse_msg("  PID:       8123, name: tail, state: R, EUID: 1000, SID: 8000 (bash)", 66, "nohang", NULL,
				      &r),
			 OG_REC_NOHANG_VICTIM);
	assert_int_equal(r.t.pid, 8123);
	assert_string_equal(r.t.comm, "tail");
	assert_int_equal(r.t.uid, 1000);
	assert_int_equal(og_parse_msg("  PID: 12, name: x, badness: 3", 30, "", NULL, &r), OG_REC_NOHANG_VICTIM);
	assert_int_equal(og_parse_msg("  PID: 12, name: x, badness: 3", 30, "kernel", NULL, &r), OG_REC_NONE);
	assert_int_equal(og_parse_msg("  Sending SIGKILL to the victim", 31, "nohang", NULL, &r), OG_REC_NOHANG_ACTION);
	assert_string_equal(r.sig, "SIGKILL");
	assert_int_equal(og_parse_msg("[ OK ] Sending SIGTERM to firefox", 33, "nohang", NULL, &r), OG_REC_NOHANG_ACTION);
	assert_string_equal(r.sig, "SIGTERM");
	assert_string_equal(r.t.comm, "firefox");
}

/* ---------- whole episodes from fixtures ---------- */

static void ep_memcg_v2_journal(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_utc(2026);
	struct og_asm *a = load("kernel-6.8-memcg-v2.short", &c, 97);
	assert_int_equal(a->nev, 1);
	struct og_event *e = &a->ev[0];
	assert_int_equal(e->killer, OG_K_KERNEL_MEMCG);
	assert_string_equal(og_killer_name(e->killer), "kernel-memcg");
	assert_int_equal(e->victim.pid, 483880);
	assert_string_equal(e->victim.comm, "python3");
	assert_int_equal(e->victim.uid, 1000);
	assert_int_equal(e->victim.adj, 200);
	assert_int_equal(e->victim.anon_kib, 50824);
	assert_string_equal(e->oom_memcg, "/user.slice/user-1000.slice/user@1000.service/app.slice/run-u820.service");
	assert_string_equal(e->cgroup, e->oom_memcg);
	assert_int_equal(e->limit_kib, 51200);
	assert_int_equal(e->usage_kib, 51200);
	assert_int_equal(e->swap_limit_kib, 0);
	assert_string_equal(e->alloc.comm, "python3");
	assert_int_equal(e->alloc.pid, 483880);
	assert_int_equal(e->alloc.adj, 200);
	assert_string_equal(e->gfp, "0xcc0(GFP_KERNEL)");
	assert_string_equal(e->unit, "run-u820.service");
	assert_true(e->oom_result);
	assert_true(e->reaped);
	assert_int_equal(e->ntop, 2);
	assert_string_equal(e->top[0].name, "python3");
	assert_true(e->top[0].rss_kib == 14530LL * 4);
	assert_string_equal(e->top[1].name, "bash");
	assert_true(e->wall_us == utc(2026, 11, 20, 10, 14, 2));
	assert_non_null(strstr(e->why, "memory cgroup"));
	assert_non_null(strstr(e->why, "50M"));
	unload(a);
}

static void ep_global(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_utc(2026);
	struct og_asm *a = load("kernel-6.x-global.dmesg", &c, 4096);
	assert_int_equal(a->nev, 1);
	struct og_event *e = &a->ev[0];
	assert_int_equal(e->killer, OG_K_KERNEL_GLOBAL);
	assert_int_equal(e->victim.pid, 116);
	assert_string_equal(e->victim.comm, "stress-ng-vm");
	assert_int_equal(e->victim.adj, 1000);
	assert_int_equal(e->victim.pgtables_kib, 15676);
	assert_string_equal(e->cgroup, "/");
	assert_int_equal(e->mono_us, 30745847);
	assert_true(e->wall_us == OG_TIME_NONE);
	assert_string_equal(e->constraint, "CONSTRAINT_NONE");
	assert_int_equal(e->ntop, 2);
	assert_int_equal(e->top[1].adj, -1000);
	assert_non_null(strstr(e->why, "oomguard run"));
	assert_non_null(strstr(e->why, "RAM and swap"));
	unload(a);
}

static void ep_oom_group(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_utc(2026);
	struct og_asm *a = load("kernel-6.x-oomgroup.dmesg", &c, 4096);
	/* one event per process the group kill killed */
	assert_int_equal(a->nev, 3);
	struct og_event *e = &a->ev[0];
	assert_int_equal(e->killer, OG_K_KERNEL_MEMCG);
	assert_true(e->group);
	assert_int_equal(e->victim.pid, 22609);
	assert_string_equal(e->oom_memcg, "/kubepods.slice/kubepods-pod94eb.slice");
	assert_string_equal(e->cgroup, "/kubepods.slice/kubepods-pod94eb.slice/cri-containerd-46b3.scope");
	assert_string_equal(e->group_cgroup, "/kubepods.slice/kubepods-pod94eb.slice/cri-containerd-46b3.scope");
	assert_int_equal(e->limit_kib, 4194304);
	for (int i = 1; i < 3; i++) {
		assert_true(a->ev[i].group);
		assert_int_equal(a->ev[i].killer, OG_K_KERNEL_MEMCG);
		assert_string_equal(a->ev[i].group_cgroup, e->group_cgroup);
		assert_string_equal(a->ev[i].cgroup, ""); /* the member's own line does not say */
	}
	assert_int_equal(a->ev[1].victim.pid, 22650);
	assert_string_equal(a->ev[2].victim.comm, "npm run");
	unload(a);
}

static void ep_419(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_utc(2026);
	struct og_asm *a = load("kernel-4.19-memcg.dmesg", &c, 50);
	assert_int_equal(a->nev, 1);
	struct og_event *e = &a->ev[0];
	assert_int_equal(e->killer, OG_K_KERNEL_MEMCG);
	assert_int_equal(e->victim.pid, 5740);
	assert_int_equal(e->victim.uid, 0);
	assert_int_equal(e->victim.adj, -998); /* from the table row: the 4.19 kill line lacks it */
	assert_true(e->reaped);
	assert_string_equal(e->top[0].name, "java");
	assert_true(e->top[0].rss_kib == 4190000LL * 4);
	unload(a);
}

static void ep_4x_task_in(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_utc(2018);
	struct og_asm *a = load("kernel-4.x-memcg.kernlog", &c, 300);
	assert_int_equal(a->nev, 1);
	struct og_event *e = &a->ev[0];
	assert_int_equal(e->killer, OG_K_KERNEL_MEMCG);
	/* the child sacrificed instead of the chosen parent */
	assert_int_equal(e->victim.pid, 11499);
	assert_int_equal(e->score, 1000);
	assert_int_equal(e->victim.uid, 0);
	assert_string_equal(e->oom_memcg, "/docker/6562b1be2e55");
	assert_string_equal(e->cgroup, "/docker/6562b1be2e55");
	assert_int_equal(e->limit_kib, 524288);
	assert_int_equal(e->alloc.pid, 11499);
	assert_true(e->wall_us == utc(2018, 3, 3, 2, 11, 40));
	assert_int_equal(e->mono_us, 123456100190LL);
	assert_true(e->top[0].rss_kib == 131071LL * 4);
	unload(a);
}

static void ep_412_dmesg_T(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_utc(2026);
	struct og_asm *a = load("kernel-4.12-nodemask.dmesg-T", &c, 4096);
	assert_int_equal(a->nev, 1);
	struct og_event *e = &a->ev[0];
	assert_int_equal(e->killer, OG_K_KERNEL_GLOBAL);
	assert_int_equal(e->victim.pid, 2345);
	assert_int_equal(e->victim.uid, 1000);
	assert_int_equal(e->score, 912);
	assert_true(e->reaped);
	assert_true(e->wall_us == utc(2017, 6, 6, 13, 5, 11));
	unload(a);
}

static void ep_3x(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_utc(2015);
	struct og_asm *a = load("kernel-3.x.messages", &c, 4096);
	assert_int_equal(a->nev, 1);
	struct og_event *e = &a->ev[0];
	/* "Out of memory:" is any OOM that is not a memcg's; no constraint is logged */
	assert_int_equal(e->killer, OG_K_KERNEL);
	assert_int_equal(e->victim.pid, 2001);
	assert_string_equal(e->victim.comm, "mysqld");
	assert_int_equal(e->victim.uid, 107);
	assert_int_equal(e->victim.rss_kib, 1920000);
	assert_string_equal(e->gfp, "0x201da");
	unload(a);
}

static void ep_54_iso_and_split(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_utc(2026);
	struct og_asm *a = load("kernel-5.4-pgtables-bytes.short-iso", &c, 4096);
	assert_int_equal(a->nev, 1);
	assert_int_equal(a->ev[0].killer, OG_K_KERNEL_GLOBAL);
	assert_int_equal(a->ev[0].victim.pgtables_kib, 12544);
	assert_string_equal(a->ev[0].cgroup, "/system.slice/tomcat.service");
	assert_true(a->ev[0].wall_us == utc(2020, 1, 10, 11, 0, 0));
	unload(a);

	a = load("kernel-split-summary.short-precise", &c, 4096);
	assert_int_equal(a->nev, 1);
	assert_int_equal(a->ev[0].killer, OG_K_KERNEL_GLOBAL);
	assert_string_equal(a->ev[0].constraint, "CONSTRAINT_NONE");
	assert_string_equal(a->ev[0].cgroup, "/");
	assert_int_equal(a->ev[0].victim.pid, 8901);
	unload(a);
}

static void ep_hostile_headerless_nokill(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_utc(2026);
	struct og_asm *a = load("kernel-hostile.dmesg", &c, 64);
	assert_int_equal(a->nev, 3);
	assert_int_equal(a->ev[0].victim.pid, 4242);
	assert_string_equal(a->ev[0].victim.comm, "a,b) (c");
	assert_string_equal(a->ev[0].alloc.comm, "x) y");
	assert_int_equal(a->ev[0].victim.uid, 1001);
	assert_string_equal(a->ev[0].cgroup, "/job");
	/* rate-limited: no header, still an event */
	assert_int_equal(a->ev[1].victim.pid, 5000);
	assert_int_equal(a->ev[1].killer, OG_K_KERNEL);
	/* nothing killable */
	assert_true(a->ev[2].no_victim);
	assert_int_equal(a->ev[2].killer, OG_K_KERNEL_MEMCG);
	assert_string_equal(a->ev[2].oom_memcg, "/locked");
	assert_non_null(strstr(a->ev[2].why, "no killable"));
	unload(a);
}

static void ep_kmsg_real(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_utc(2026);
	c.boot_wall_us = utc(2026, 11, 26, 3, 0, 0);
	struct og_asm *a = load("kernel-6.18-memcg-v1.kmsg", &c, 4096);
	assert_int_equal(a->nev, 1);
	struct og_event *e = &a->ev[0];
	assert_int_equal(e->killer, OG_K_KERNEL_MEMCG);
	assert_int_equal(e->victim.pid, 28354);
	assert_string_equal(e->victim.comm, "og_hog");
	assert_int_equal(e->victim.adj, 1000);
	assert_string_equal(e->oom_memcg, "/og-test-28307-20");
	assert_int_equal(e->alloc.pid, 28354);
	assert_int_equal(e->alloc.uid, 0);
	assert_true(e->wall_us == c.boot_wall_us + 816400539);
	assert_int_equal(e->limit_kib, 204800); /* "memory: usage 204800kB, limit 204800kB" */
	assert_int_equal(e->ntop, 5); /* six task rows, the top OG_TOP_USERS kept */
	unload(a);
}

static void ep_oomd(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_utc(2026);
	struct og_asm *a = load("oomd-v249-pressure.short", &c, 100);
	assert_int_equal(a->nev, 1);
	struct og_event *e = &a->ev[0];
	assert_int_equal(e->killer, OG_K_OOMD_PRESSURE);
	assert_string_equal(e->unit, "vte-spawn-f65c.scope");
	assert_int_equal(e->nprocs, 3);
	assert_string_equal(e->monitored, "/user.slice/user-1000.slice/user@1000.service");
	assert_string_equal(e->pressure, "57.97");
	assert_non_null(strstr(e->why, "oom_score_adj"));
	assert_non_null(strstr(e->why, "oomguard run"));
	assert_non_null(strstr(e->why, "3 processes"));
	unload(a);

	a = load("oomd-v252-swap.short-iso", &c, 4096);
	assert_int_equal(a->nev, 1);
	e = &a->ev[0];
	assert_int_equal(e->killer, OG_K_OOMD_SWAP);
	assert_string_equal(e->cgroup, "/system.slice/ci-runner.service");
	assert_int_equal(e->nprocs, 12);
	assert_true(e->oom_result);
	assert_int_equal(e->considered, 2);
	assert_int_equal(e->ntop, 2);
	assert_true(e->top[0].swap_kib == (long long)(3.5 * 1024 * 1024));
	unload(a);

	a = load("oomd-v260-marked.short-precise", &c, 4096);
	assert_int_equal(a->nev, 1);
	e = &a->ev[0];
	assert_int_equal(e->killer, OG_K_OOMD_PRESSURE);
	assert_string_equal(e->unit, "train.scope");
	assert_int_equal(e->nprocs, -1);
	assert_int_equal(e->considered, 3);
	assert_int_equal(e->ntop, 2);
	assert_string_equal(e->top[0].name, "/user.slice/user-1000.slice/user@1000.service/app.slice/train.scope");
	assert_true(e->top[0].rss_kib == (long long)(27.5 * 1024 * 1024));
	unload(a);
}

static void ep_earlyoom_nohang(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_utc(2026);
	struct og_asm *a = load("earlyoom.syslog", &c, 4096);
	assert_int_equal(a->nev, 3);
	assert_int_equal(a->ev[0].killer, OG_K_EARLYOOM);
	assert_int_equal(a->ev[0].victim.pid, 3300);
	assert_string_equal(a->ev[0].sig, "SIGKILL"); /* the SIGTERM escalated */
	assert_int_equal(a->ev[0].victim.adj, 300);
	assert_string_equal(a->ev[1].victim.comm, "a\": b");
	assert_string_equal(a->ev[2].victim.comm, "tail");
	unload(a);

	a = load("nohang.syslog", &c, 4096);
	assert_int_equal(a->nev, 1);
	assert_int_equal(a->ev[0].killer, OG_K_NOHANG);
	assert_int_equal(a->ev[0].victim.pid, 8123);
	assert_string_equal(a->ev[0].victim.comm, "tail");
	assert_string_equal(a->ev[0].sig, "SIGKILL");
	unload(a);
}

static void anchors_find_every_opener(void **state)
{
	(void)state;
	struct og_anchors *an = malloc(sizeof(*an));
	assert_non_null(an);
	og_anchors_init(an);
	static const char *const lines[] = {
		"x invoked oom-killer: gfp", "Killed process 1 (x)", "Out of memory: Killed process 1 (x)",
		"h systemd-oomd[1]: Killed /a", "u: A process of this unit has been killed by the OOM killer.",
		"oom_reaper: reaped", "sending SIGKILL to process", "sending SIGTERM to process", "  Sending SIGKILL to the victim",
		"Victim status (found", "Process with highest badness (found", "Out of memory and no killable processes...",
		"u.service: Failed with result 'oom-kill'.", "x.scope: systemd-oomd killed 3 process(es) in this unit.",
	};
	char buf[256];
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		int n = snprintf(buf, sizeof(buf), "ordinary line about nothing\n%s\n", lines[i]);
		size_t at = og_anchor_find(an, buf, (size_t)n);
		assert_true(at < (size_t)n);
		assert_true(at >= strlen("ordinary line about nothing\n"));
	}
	const char *plain = "usb 1-1: new high-speed USB device number 2 using xhci_hcd\nEXT4-fs (sda1): mounted\n";
	assert_int_equal(og_anchor_find(an, plain, strlen(plain)), strlen(plain));
	assert_int_equal(og_anchor_find(an, "oom", 3), 3);
	free(an);
}

static void event_matching(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_utc(2026);
	struct og_asm *a = load("oomd-v249-pressure.short", &c, 4096);
	const struct og_event *oomd = &a->ev[0];
	const char *v2 = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.gnome.Terminal.slice/"
			 "vte-spawn-f65c.scope\n";
	const char *other = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.gnome.Terminal.slice/"
			    "vte-spawn-f65c.scope2\n";
	assert_true(og_event_matches(oomd, 77, v2));
	assert_false(og_event_matches(oomd, 77, other)); /* a sibling whose name merely starts the same */
	assert_false(og_event_matches(oomd, 77, NULL));
	unload(a);

	a = load("kernel-6.x-oomgroup.dmesg", &c, 4096);
	const struct og_event *grp = &a->ev[0];
	/* v1 hierarchy line naming the memory controller among others */
	assert_true(og_event_matches(grp, 1, "12:pids:/x\n4:memory,hugetlb:/kubepods.slice/kubepods-pod94eb.slice/"
					  "cri-containerd-46b3.scope/sub\n"));
	assert_false(og_event_matches(grp, 1, "4:cpu:/kubepods.slice/kubepods-pod94eb.slice/cri-containerd-46b3.scope\n"));
	assert_true(og_event_matches(grp, 22609, NULL));
	unload(a);

	/* a plain kernel kill of another task in the same memcg is not the job's */
	a = load("kernel-6.8-memcg-v2.short", &c, 4096);
	assert_false(og_event_matches(&a->ev[0], 1, "0::/user.slice/user-1000.slice/user@1000.service/app.slice/run-u820.service\n"));
	assert_true(og_event_matches(&a->ev[0], 483880, NULL));
	unload(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prefix_formats),
		cmocka_unit_test(rec_invoked),
		cmocka_unit_test(rec_stack),
		cmocka_unit_test(rec_memcg_usage),
		cmocka_unit_test(rec_tables),
		cmocka_unit_test(rec_summary),
		cmocka_unit_test(rec_killed_generations),
		cmocka_unit_test(rec_memcg_misc),
		cmocka_unit_test(rec_oomd),
		cmocka_unit_test(rec_earlyoom_nohang),
		cmocka_unit_test(ep_memcg_v2_journal),
		cmocka_unit_test(ep_global),
		cmocka_unit_test(ep_oom_group),
		cmocka_unit_test(ep_419),
		cmocka_unit_test(ep_4x_task_in),
		cmocka_unit_test(ep_412_dmesg_T),
		cmocka_unit_test(ep_3x),
		cmocka_unit_test(ep_54_iso_and_split),
		cmocka_unit_test(ep_hostile_headerless_nokill),
		cmocka_unit_test(ep_kmsg_real),
		cmocka_unit_test(ep_oomd),
		cmocka_unit_test(ep_earlyoom_nohang),
		cmocka_unit_test(anchors_find_every_opener),
		cmocka_unit_test(event_matching),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
