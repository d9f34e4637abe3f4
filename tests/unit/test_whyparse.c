/* `oomguard why` on OOM evidence as users have it (issue 11): any locale,
 * pasted into text, wrapped, partial, old formats, journal entry formats,
 * starting with the motivating log exactly as it was quoted. */
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
#include "render.h"

static struct og_prefix_ctx ctx_year(int year)
{
	struct og_prefix_ctx c = { .year = year, .utc_offset = 0, .boot_wall_us = OG_TIME_NONE, .now_us = OG_TIME_NONE };
	return c;
}

static int64_t utc(int y, unsigned mo, unsigned d, int h, int mi, int s)
{
	return (og_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000000LL;
}

/* The text through the hot loop in pieces of chunk bytes, as a file is read. */
static struct og_asm *feed(const char *text, const struct og_prefix_ctx *ctx, size_t chunk)
{
	struct og_asm *a = malloc(sizeof(*a));
	assert_non_null(a);
	assert_int_equal(og_asm_init(a, "test", ctx), 0);
	size_t n = strlen(text), done = 0;
	while (done < n) {
		size_t end = done + chunk < n ? done + chunk : n;
		size_t used = og_asm_feed(a, text + done, end - done, end == n);
		if (used == 0 && end < n) {
			chunk *= 2;
			continue;
		}
		done += used;
		if (end == n)
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

/* ---------- the motivating log ---------- */

#define OOMD_CG                                                                                                        \
	"/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.gnome.Terminal.slice/"                        \
	"vte-spawn-f6518140-41fe-4a13-b828-55c5b8738fb8.scope"
#define OOMD_KILL                                                                                                      \
	"Killed " OOMD_CG " due to memory pressure for /user.slice/user-1000.slice/user@1000.service being 57.97% > "    \
	"50.00% for > 20s with reclaim activity\n"
#define OOMD_UNIT "vte-spawn-f6518140-41fe-4a13-b828-55c5b8738fb8.scope: systemd-oomd killed 3 process(es) in this unit.\n"

static void check_motivating(const char *text)
{
	struct og_prefix_ctx c = ctx_year(2023);
	for (size_t chunk = 37; chunk <= 4096; chunk *= 8) {
		struct og_asm *a = feed(text, &c, chunk);
		assert_int_equal(a->nev, 1);
		const struct og_event *e = &a->ev[0];
		assert_int_equal(e->killer, OG_K_OOMD_PRESSURE);
		assert_string_equal(og_killer_name(e->killer), "systemd-oomd-pressure");
		assert_string_equal(e->cgroup, OOMD_CG);
		assert_string_equal(e->unit, "vte-spawn-f6518140-41fe-4a13-b828-55c5b8738fb8.scope");
		assert_int_equal(e->nprocs, 3);
		assert_string_equal(e->pressure, "57.97");
		assert_string_equal(e->plimit, "50.00");
		assert_string_equal(e->duration, "20s");
		assert_string_equal(e->monitored, "/user.slice/user-1000.slice/user@1000.service");
		assert_true(e->wall_us == utc(2023, 12, 17, 10, 4, 41));
		assert_true(e->year_guess);
		assert_int_equal(e->victim.pid, 0); /* oomd names no PID */
		assert_non_null(strstr(e->why, "57.97% > 50.00% for > 20s"));
		assert_non_null(strstr(e->why, "(3 processes)"));
		assert_non_null(strstr(e->why, "never reads oom_score_adj, so -1000 would not have helped"));
		unload(a);
	}
}

static void motivating_japanese_as_quoted(void **state)
{
	(void)state;
	/* exactly as issue 11 quotes it (Ubuntu 22.04, Japanese locale), indentation included */
	check_motivating("    12\xe6\x9c\x88 17 10:04:41 user systemd-oomd[588]: " OOMD_KILL
			 "    12\xe6\x9c\x88 17 10:04:42 user systemd[1565]: " OOMD_UNIT);
	check_motivating("12\xe6\x9c\x88 17 10:04:41 user systemd-oomd[588]: " OOMD_KILL
			 "12\xe6\x9c\x88 17 10:04:42 user systemd[1565]: " OOMD_UNIT);
}

static void motivating_english_russian_german(void **state)
{
	(void)state;
	check_motivating("Dec 17 10:04:41 user systemd-oomd[588]: " OOMD_KILL "Dec 17 10:04:42 user systemd[1565]: " OOMD_UNIT);
	check_motivating("\xd0\xb4\xd0\xb5\xd0\xba 17 10:04:41 user systemd-oomd[588]: " OOMD_KILL
			 "\xd0\xb4\xd0\xb5\xd0\xba 17 10:04:42 user systemd[1565]: " OOMD_UNIT); /* дек */
	check_motivating("Dez 17 10:04:41 user systemd-oomd[588]: " OOMD_KILL "Dez 17 10:04:42 user systemd[1565]: " OOMD_UNIT);
}

/* ---------- class 1: stamps in any locale and form ---------- */

static void parse_line(const char *s, const struct og_prefix_ctx *c, struct og_line *l)
{
	og_prefix_parse(s, strlen(s), c, l);
}

static void locale_stamps(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_year(2025);
	struct og_line l;

	parse_line("d\xc3\xa9""c. 17 10:04:41 pc kernel: x", &c, &l); /* déc. */
	assert_true(l.wall_us == utc(2025, 12, 17, 10, 4, 41));
	assert_string_equal(l.ident, "kernel");
	assert_memory_equal(l.msg, "x", 1);
	parse_line("\xd0\xbc\xd0\xb0\xd1\x8f 26 23:02:22 user-VirtualBox nohang[530]: Send", &c, &l); /* мая */
	assert_true(l.wall_us == utc(2025, 5, 26, 23, 2, 22));
	assert_string_equal(l.ident, "nohang");
	assert_int_equal(l.ident_pid, 530);
	parse_line("M\xc3\xa4r 03 01:00:00 h systemd[1]: y", &c, &l); /* Mär */
	assert_true(l.wall_us == utc(2025, 3, 3, 1, 0, 0));
	parse_line("5\xec\x9b\x94 03 01:00:00 h systemd[1]: y", &c, &l); /* 5월 */
	assert_true(l.wall_us == utc(2025, 5, 3, 1, 0, 0));
	/* dmesg -T in German and Japanese */
	parse_line("[Di Aug 12 03:54:03 2025] Out of memory: Killed process 1 (x)", &c, &l);
	assert_true(l.wall_us == utc(2025, 8, 12, 3, 54, 3));
	assert_false(l.year_guess);
	assert_memory_equal(l.msg, "Out of memory", 13);
	parse_line("[mar. d\xc3\xa9""c. 17 10:04:41 2023] Killed process 1 (x)", &c, &l); /* French */
	assert_true(l.wall_us == utc(2023, 12, 17, 10, 4, 41));
	parse_line("[\xe7\x81\xab 12\xe6\x9c\x88 17 10:04:41 2023] Killed process 1 (x)", &c, &l);
	assert_true(l.wall_us == utc(2023, 12, 17, 10, 4, 41));
	assert_memory_equal(l.msg, "Killed", 6);
	/* a month word nobody knows: the shape is understood, the time is not kept */
	parse_line("Xyz 17 10:04:41 pc systemd-oomd[5]: Killed /a", &c, &l);
	assert_true(l.wall_us == OG_TIME_NONE);
	assert_string_equal(l.ident, "systemd-oomd");
	assert_memory_equal(l.msg, "Killed /a", 9);
	/* journalctl -o short-monotonic, short-unix, short-full in another locale */
	parse_line("[   77.749670] host systemd-oomd[659]: Marked /x", &c, &l);
	assert_int_equal(l.mono_us, 77749670);
	assert_string_equal(l.ident, "systemd-oomd");
	assert_memory_equal(l.msg, "Marked", 6);
	parse_line("1702807481.250000 host kernel: msg", &c, &l);
	assert_true(l.wall_us == 1702807481250000LL);
	assert_memory_equal(l.msg, "msg", 3);
	parse_line("So 2023-12-17 10:04:41 UTC host kernel: msg", &c, &l);
	assert_true(l.wall_us == utc(2023, 12, 17, 10, 4, 41));
	/* dmesg --time-format=iso, with a comma */
	parse_line("2023-12-17T10:04:41,123456+00:00 Out of memory: x", &c, &l);
	assert_true(l.wall_us == utc(2023, 12, 17, 10, 4, 41) + 123456);
	assert_memory_equal(l.msg, "Out of", 6);
	/* a syslog priority in front of a stamp */
	parse_line("<6>Dec 17 10:04:41 h kernel: msg", &c, &l);
	assert_true(l.wall_us == utc(2025, 12, 17, 10, 4, 41));
	assert_memory_equal(l.msg, "msg", 3);
	/* printk caller ids */
	parse_line("[   37.052923][ T9185] a.out invoked oom-killer: x", &c, &l);
	assert_int_equal(l.mono_us, 37052923);
	assert_memory_equal(l.msg, "a.out", 5);
	parse_line("[   37.052923] [    C3] a.out", &c, &l);
	assert_memory_equal(l.msg, "a.out", 5);
}

/* A yearless stamp after the reference time is from the year before. */
static void year_inference(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_year(2026);
	struct og_line l;
	c.now_us = utc(2026, 12, 1, 9, 0, 0);
	parse_line("Dec 17 10:04:41 user systemd-oomd[588]: Killed /a", &c, &l);
	assert_true(l.wall_us == utc(2025, 12, 17, 10, 4, 41));
	assert_true(l.year_guess);
	parse_line("Nov 30 10:04:41 user systemd-oomd[588]: Killed /a", &c, &l);
	assert_true(l.wall_us == utc(2026, 11, 30, 10, 4, 41));
	parse_line("2026-11-30T10:04:41+0000 user kernel: x", &c, &l);
	assert_false(l.year_guess);
}

/* ---------- class 2: text around the log ---------- */

static void pasted_lead_ins(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_year(2025);
	struct og_line l;
	static const char *const lines[] = {
		"> May  8 14:05:27 doris-03 kernel: MSG",
		"- May  8 14:05:27 doris-03 kernel: MSG",
		"* May  8 14:05:27 doris-03 kernel: MSG",
		"\xe2\x80\xa2 May  8 14:05:27 doris-03 kernel: MSG",
		"$ May  8 14:05:27 doris-03 kernel: MSG",
		"`May  8 14:05:27 doris-03 kernel: MSG`",
		"\"May  8 14:05:27 doris-03 kernel: MSG",
		"kern.log:May  8 14:05:27 doris-03 kernel: MSG",
		"/var/log/kern.log.1:123:May  8 14:05:27 doris-03 kernel: MSG",
		"syslog.1-May  8 14:05:27 doris-03 kernel: MSG",
		"      May  8 14:05:27 doris-03 kernel: MSG\r",
		"    [11:56:41 server1 root] May  8 14:05:27 doris-03 kernel: MSG",
		"\xef\xbb\xbfMay  8 14:05:27 doris-03 kernel: MSG",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		parse_line(lines[i], &c, &l);
		if (l.len != 3 || memcmp(l.msg, "MSG", 3) || l.wall_us != utc(2025, 5, 8, 14, 5, 27) || strcmp(l.ident, "kernel"))
			fail_msg("lead-in not skipped: %s -> '%.*s'", lines[i], (int)l.len, l.msg);
	}
	/* no stamp at all: the identifier is found inside the line */
	parse_line("Warning: at node7 systemd-oomd[588]: Killed /a due to", &c, &l);
	assert_string_equal(l.ident, "systemd-oomd");
	assert_memory_equal(l.msg, "Killed /a", 9);
	assert_true(l.wall_us == OG_TIME_NONE);
}

static void kill_inside_prose(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_year(2025);
	/* kubectl describe node events, indented, with commentary around */
	struct og_asm *a = feed("Events:\n"
				"  Warning  OOMKilling  9m  kernel-monitor, aks-node  Memory cgroup out of memory: Killed process "
				"3103923 (stress-ng-vm) total-vm:10kB, anon-rss:5kB, file-rss:0kB, shmem-rss:0kB\n",
				&c, 4096);
	assert_int_equal(a->nev, 1);
	assert_int_equal(a->ev[0].killer, OG_K_KERNEL_MEMCG);
	assert_int_equal(a->ev[0].victim.pid, 3103923);
	assert_string_equal(a->ev[0].victim.comm, "stress-ng-vm");
	unload(a);
}

/* ---------- class 3: wrapped lines ---------- */

static void wrapped_lines(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_year(2025);
	/* a terminal's hard wrap in the middle of a number */
	struct og_asm *a = feed("[ 100.000001] Out of memory: Killed process 4100 (containerd) total-vm:7837\n"
				"24kB, anon-rss:51184kB, file-rss:26016kB, shmem-rss:0kB, UID:0 pgtables:676kB oom_score_adj:0\n",
				&c, 4096);
	assert_int_equal(a->nev, 1);
	assert_int_equal(a->ev[0].victim.pid, 4100);
	assert_true(a->ev[0].victim.total_vm_kib == 783724);
	assert_int_equal(a->ev[0].victim.anon_kib, 51184);
	assert_int_equal(a->ev[0].victim.adj, 0);
	unload(a);
	/* a mail client: split after a word, trailing space kept, the summary pushed to the next line */
	a = feed("[   65.470256] \n"
		 "oom-kill:constraint=CONSTRAINT_CPUSET,nodemask=(null),cpuset=test,mems_allowed=0,global_oom,"
		 "task_memcg=/user.slice/user-0.slice/session-4.scope,task=memkiller,pid=1968,uid=0\n"
		 "Apr  4 09:08:53 debian kernel: [   65.481992] Out of memory: Killed \n"
		 "process 1968 (memkiller) total-vm:2099436kB, anon-rss:1971712kB, \n"
		 "file-rss:1024kB, shmem-rss:0kB, UID:0 pgtables:3904kB oom_score_adj:0\n",
		 &c, 50);
	assert_int_equal(a->nev, 1);
	assert_int_equal(a->ev[0].killer, OG_K_KERNEL_CPUSET);
	assert_int_equal(a->ev[0].victim.pid, 1968);
	assert_string_equal(a->ev[0].victim.comm, "memkiller");
	assert_string_equal(a->ev[0].cgroup, "/user.slice/user-0.slice/session-4.scope");
	assert_int_equal(a->ev[0].victim.file_kib, 1024);
	unload(a);
	/* an indented continuation of systemd-oomd's notice, no space left at the break */
	a = feed("Jul 05 17:33:19 systemd-oomd[1599]: Killed /user.slice/app.slice/tmux.service\n"
		 "  due to memory pressure for /user.slice being 56.11% > 50.00% for > 20s with reclaim activity\n",
		 &c, 4096);
	assert_int_equal(a->nev, 1);
	assert_int_equal(a->ev[0].killer, OG_K_OOMD_PRESSURE);
	assert_string_equal(a->ev[0].cgroup, "/user.slice/app.slice/tmux.service");
	assert_string_equal(a->ev[0].monitored, "/user.slice");
	assert_string_equal(a->ev[0].pressure, "56.11");
	unload(a);
	/* a web page that dropped the space between two words */
	a = feed("Out of memory: Killed\nprocess 7 (x) total-vm:9kB, anon-rss:8kB, file-rss:0kB\n", &c, 4096);
	assert_int_equal(a->nev, 1);
	assert_int_equal(a->ev[0].victim.pid, 7);
	unload(a);
}

/* ---------- class 4: partial evidence ---------- */

static void one_line_is_enough(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_year(2025);
	struct og_asm *a = feed("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/j,"
				"task_memcg=/j/k,task=python3,pid=77,uid=1000\n",
				&c, 4096);
	assert_int_equal(a->nev, 1);
	assert_int_equal(a->ev[0].killer, OG_K_KERNEL_MEMCG);
	assert_int_equal(a->ev[0].victim.pid, 77);
	assert_string_equal(a->ev[0].victim.comm, "python3");
	assert_string_equal(a->ev[0].cgroup, "/j/k");
	assert_true(a->ev[0].victim.rss_kib < 0); /* unknown, not guessed */
	unload(a);

	a = feed("[ 8490.770784] Task in /docker/74be killed as a result of limit of /docker/74be\n", &c, 4096);
	assert_int_equal(a->nev, 1);
	assert_int_equal(a->ev[0].killer, OG_K_KERNEL_MEMCG);
	assert_string_equal(a->ev[0].cgroup, "/docker/74be");
	assert_int_equal(a->ev[0].victim.pid, 0); /* this line names no PID */
	unload(a);

	a = feed("[Sa Feb  3 00:21:41 2018] Out of memory: Kill process 136340 (spades) score 270 or sacrifice child\n", &c,
		 4096);
	assert_int_equal(a->nev, 1);
	assert_int_equal(a->ev[0].victim.pid, 136340);
	assert_true(og_killer_is_kernel(a->ev[0].killer));
	unload(a);

	a = feed("Sep 10 14:59:49 image systemd-oomd[34]: Killed /t.slice/bloat.service due to memory pressure for "
		 "/t.slice/workload.slice be>\n",
		 &c, 4096);
	assert_int_equal(a->nev, 1);
	assert_int_equal(a->ev[0].killer, OG_K_OOMD_PRESSURE);
	assert_string_equal(a->ev[0].cgroup, "/t.slice/bloat.service");
	assert_string_equal(a->ev[0].monitored, "/t.slice/workload.slice");
	assert_string_equal(a->ev[0].pressure, ""); /* cut off: unknown */
	unload(a);

	/* oom_reaper lines of victims whose kill lines were cut from the paste */
	a = feed("  oom_reaper: reaped process 8248 (docker), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n", &c, 4096);
	assert_int_equal(a->nev, 1);
	assert_int_equal(a->ev[0].killer, OG_K_KERNEL);
	assert_int_equal(a->ev[0].victim.pid, 8248);
	assert_true(a->ev[0].reaped);
	unload(a);

	/* an invocation without any kill line is not a kill */
	a = feed("[ 1.0] x invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n[ 1.1] Mem-Info:\n", &c,
		 4096);
	assert_int_equal(a->nev, 0);
	unload(a);
}

/* ---------- classes 5 and 6: other formats, killers and repeats ---------- */

static void earlyoom_generations(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_year(2025);
	struct og_asm *a = feed("Killing process 'bash' with signal 15, pid: 5874, badness: 538, VmRSS: 3160 MiB\n"
				"Killing process 'bash' with signal 15, pid: 5874, badness: 541, VmRSS: 3172 MiB\n"
				"killing process 27541 \"bash\" with signal 15: badness 550, VmRSS 7609 MiB\n"
				"Killing process: firefox, pid: 4000, badness: 900, VmRSS: 5000 MiB\n"
				"sending SIGTERM to process 12006 \"python3\": badness 209, VmRSS 2891 MiB\n"
				"escalating to SIGKILL after 2.4 seconds\n"
				"sending SIGTERM to process 696 uid 1001 \"ipfs\": badness 757, VmRSS 637 MiB\n"
				"kill failed: Timer expired\n"
				"sending SIGTERM when mem <= 10 % and swap <= 10 %,\n"
				"Dec  1 10:00:00 h systemd[1]: session-3.scope: Killing process 812 (bash) with signal SIGTERM.\n",
				&c, 4096);
	assert_int_equal(a->nev, 6);
	for (size_t i = 0; i < a->nev; i++)
		assert_int_equal(a->ev[i].killer, OG_K_EARLYOOM);
	assert_int_equal(a->ev[0].victim.pid, 5874);
	assert_string_equal(a->ev[0].victim.comm, "bash");
	assert_string_equal(a->ev[0].sig, "SIGTERM");
	assert_int_equal(a->ev[1].victim.pid, 5874); /* re-sent each poll: another signal, another event */
	assert_int_equal(a->ev[2].victim.pid, 27541);
	assert_string_equal(a->ev[3].victim.comm, "firefox");
	assert_string_equal(a->ev[4].sig, "SIGKILL"); /* escalated */
	assert_true(a->ev[5].kill_failed);
	unload(a);
}

static void two_killers_one_victim(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_year(2025);
	struct og_asm *a = feed("killing process 27541 \"bash\" with signal 15: badness 550, VmRSS 7609 MiB\n"
				"\xd0\xb0\xd0\xbf\xd1\x80 28 01:23:30 PC kernel: Out of memory: Kill process 27541 (bash) score 572 or "
				"sacrifice child\n"
				"\xd0\xb0\xd0\xbf\xd1\x80 28 01:23:30 PC kernel: Killed process 27541 (bash) total-vm:8118236kB, "
				"anon-rss:8098448kB, file-rss:3264kB, shmem-rss:0kB\n",
				&c, 4096);
	assert_int_equal(a->nev, 2);
	assert_int_equal(a->ev[0].killer, OG_K_EARLYOOM);
	assert_true(og_killer_is_kernel(a->ev[1].killer));
	assert_int_equal(a->ev[0].victim.pid, 27541);
	assert_int_equal(a->ev[1].victim.pid, 27541);
	assert_true(a->ev[1].wall_us == utc(2025, 4, 28, 1, 23, 30));
	unload(a);

	/* grep -r over kern.log and syslog: the same lines twice are one kill */
	a = feed("kern.log:May 15 23:09:30 h kernel: [  518.050606] Out of memory: Killed process 15784 (python3) "
		 "total-vm:11964kB, anon-rss:4288kB, file-rss:3028kB, shmem-rss:0kB\n"
		 "syslog:May 15 23:09:30 h kernel: [  518.050606] Out of memory: Killed process 15784 (python3) "
		 "total-vm:11964kB, anon-rss:4288kB, file-rss:3028kB, shmem-rss:0kB\n",
		 &c, 4096);
	assert_int_equal(a->nev, 1);
	unload(a);
}

static void nohang_blocks(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_year(2025);
	struct og_asm *a = feed("Feb 12 12:32:22 laptop nohang-desktop[32532]: Victim status (found in 1 ms):\n"
				"Feb 12 12:32:22 laptop nohang-desktop[32532]:   Name:      python3\n"
				"Feb 12 12:32:22 laptop nohang-desktop[32532]:   State:     D (disk sleep)\n"
				"Feb 12 12:32:22 laptop nohang-desktop[32532]:   PID:       32706\n"
				"Feb 12 12:32:22 laptop nohang-desktop[32532]:   CGroup_v2: /user.slice/session-17.scope\n"
				"Feb 12 12:32:22 laptop nohang-desktop[32532]: Implement a corrective action:\n"
				"Feb 12 12:32:22 laptop nohang-desktop[32532]:   Send SIGTERM to the victim; total response time: 5 ms\n",
				&c, 4096);
	assert_int_equal(a->nev, 1);
	assert_int_equal(a->ev[0].killer, OG_K_NOHANG);
	assert_int_equal(a->ev[0].victim.pid, 32706);
	assert_string_equal(a->ev[0].victim.comm, "python3");
	assert_string_equal(a->ev[0].cgroup, "/user.slice/session-17.scope");
	assert_string_equal(a->ev[0].sig, "SIGTERM");
	unload(a);
}

static void slurm_counts(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_year(2025);
	struct og_asm *a = feed("slurmstepd: error: Detected 2 oom_kill events in StepId=JOBID.13. Some of the step tasks have "
				"been OOM Killed.\n"
				"slurmstepd: error: Detected 1 oom-kill event(s) in step 3495064.0 cgroup.\n",
				&c, 4096);
	assert_int_equal(a->nev, 3);
	for (size_t i = 0; i < a->nev; i++) {
		assert_int_equal(a->ev[i].killer, OG_K_KERNEL_MEMCG);
		assert_true(a->ev[i].victim.pid <= 0);
	}
	unload(a);
	/* the kernel's own report of the step's kill is the same kill */
	a = feed("[ 9.1] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
		 "oom_memcg=/slurm/uid_1000/job_5/step_0,task_memcg=/slurm/uid_1000/job_5/step_0/task_0,task=py,pid=42,uid=1000\n"
		 "[ 9.2] Memory cgroup out of memory: Killed process 42 (py) total-vm:9kB, anon-rss:8kB, file-rss:0kB\n"
		 "slurmstepd: error: Detected 1 oom-kill event(s) in StepId=5.0. Some of your processes may have been killed\n",
		 &c, 4096);
	assert_int_equal(a->nev, 1);
	assert_int_equal(a->ev[0].victim.pid, 42);
	unload(a);
}

static void false_friends(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_year(2025);
	struct og_asm *a = feed("Sending SIGTERM to remaining processes...\n"
				"sending SIGTERM when mem <= 10 % and swap <= 10 %,\n"
				"Dec  1 10:00:00 h systemd[1]: session-3.scope: Killing process 812 (bash) with signal SIGTERM.\n"
				"Memory cgroup out of memory: killed 1 task\n"
				"bash: line 1:  8156 Killed                  python3 main.py\n"
				"[ 1.0] python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
				"Considered 2 cgroups for killing, top candidates were:\n\tPath: /a.scope\n",
				&c, 4096);
	assert_int_equal(a->nev, 0);
	unload(a);
}

static void oomd_marked_rule_from_dump(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_year(2025);
	struct og_asm *a = feed("Sep 02 13:07:24 systemd-oomd[885]: Considered 35 cgroups for killing, top candidates were:\n"
				"Sep 02 13:07:24 systemd-oomd[885]:   Path: /user.slice/a.scope\n"
				"Sep 02 13:07:24 systemd-oomd[885]:           Swap Usage: 20.9G\n"
				"Sep 02 13:07:24 systemd-oomd[885]: Marked /user.slice/.../a.scope for killing\n",
				&c, 4096);
	assert_int_equal(a->nev, 1);
	assert_int_equal(a->ev[0].killer, OG_K_OOMD_SWAP);
	assert_false(a->ev[0].swap_known);
	assert_string_equal(a->ev[0].cgroup, "/user.slice/.../a.scope");
	unload(a);
}

/* ---------- journalctl -o json / json-pretty / export ---------- */

static void journal_entry_formats(void **state)
{
	(void)state;
	struct og_prefix_ctx c = ctx_year(2025);
	static const char *const texts[] = {
		"{\"__REALTIME_TIMESTAMP\":\"1702807481000000\",\"_PID\":\"588\",\"SYSLOG_IDENTIFIER\":\"systemd-oomd\","
		"\"MESSAGE\":\"Killed /a/b.scope due to memory pressure for /a being 57.97% > 50.00% for > 20s with reclaim "
		"activity\",\"_TRANSPORT\":\"journal\",\"X\":[1,2,{\"y\":null}]}\n"
		"{\"__REALTIME_TIMESTAMP\":\"1702807482000000\",\"SYSLOG_IDENTIFIER\":\"systemd\",\"MESSAGE\":"
		"\"b.scope: systemd-oomd killed 3 process(es) in this unit.\"}\n",
		"{\n\t\"__REALTIME_TIMESTAMP\" : \"1702807481000000\",\n\t\"SYSLOG_IDENTIFIER\" : \"systemd-oomd\",\n"
		"\t\"MESSAGE\" : \"Killed /a/b.scope due to memory pressure for /a being 57.97% > 50.00% for > 20s with "
		"reclaim activity\",\n\t\"_PID\" : \"588\"\n}\n{\n\t\"__REALTIME_TIMESTAMP\" : \"1702807482000000\",\n"
		"\t\"MESSAGE\" : \"b.scope: systemd-oomd killed 3 process(es) in this unit.\"\n}\n",
		"__CURSOR=s=1\n__REALTIME_TIMESTAMP=1702807481000000\nSYSLOG_IDENTIFIER=systemd-oomd\n_PID=588\n"
		"MESSAGE=Killed /a/b.scope due to memory pressure for /a being 57.97% > 50.00% for > 20s with reclaim "
		"activity\n\n__CURSOR=s=2\n__REALTIME_TIMESTAMP=1702807482000000\nSYSLOG_IDENTIFIER=systemd\n"
		"MESSAGE=b.scope: systemd-oomd killed 3 process(es) in this unit.\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct og_asm *a = feed(texts[i], &c, 64);
		assert_int_equal(a->nev, 1);
		assert_int_equal(a->ev[0].killer, OG_K_OOMD_PRESSURE);
		assert_string_equal(a->ev[0].cgroup, "/a/b.scope");
		assert_int_equal(a->ev[0].nprocs, 3);
		assert_true(a->ev[0].wall_us == 1702807481000000LL);
		assert_false(a->ev[0].year_guess);
		unload(a);
	}
	/* a kernel entry: its monotonic stamp, \u escapes and a byte-array MESSAGE */
	struct og_asm *a = feed("{\"_TRANSPORT\":\"kernel\",\"_SOURCE_MONOTONIC_TIMESTAMP\":\"30745847\",\"MESSAGE\":"
				"\"Out of memory: Killed process 116 (stress\\u002dng) total-vm:1kB, anon-rss:1kB, file-rss:0kB\"}\n"
				"{\"_TRANSPORT\":\"kernel\",\"MESSAGE\":[79,117,116,32,111,102,32,109,101,109,111,114,121,58,32,75,105,108,"
				"108,101,100,32,112,114,111,99,101,115,115,32,57,32,40,255,41]}\n",
				&c, 4096);
	assert_int_equal(a->nev, 2);
	assert_int_equal(a->ev[0].mono_us, 30745847);
	assert_string_equal(a->ev[0].victim.comm, "stress-ng");
	assert_int_equal(a->ev[1].victim.pid, 9);
	assert_string_equal(a->ev[1].victim.comm, "\xff");
	unload(a);
	/* -o verbose: a stamp line, then indented fields */
	a = feed("Sun 2023-12-17 10:04:41.123456 UTC [s=abc;i=1]\n    _TRANSPORT=kernel\n"
		 "    MESSAGE=Out of memory: Killed process 77 (java) total-vm:9kB, anon-rss:8kB, file-rss:0kB\n"
		 "Sun 2023-12-17 10:04:50.000000 UTC [s=abc;i=2]\n    MESSAGE=Out of memory: Killed process 78 (java) "
		 "total-vm:9kB, anon-rss:8kB, file-rss:0kB\n",
		 &c, 4096);
	assert_int_equal(a->nev, 2);
	assert_true(a->ev[0].wall_us == utc(2023, 12, 17, 10, 4, 41) + 123456);
	assert_int_equal(a->ev[1].victim.pid, 78);
	assert_true(a->ev[1].wall_us == utc(2023, 12, 17, 10, 4, 50));
	unload(a);
}

/* ---------- class 7: output ---------- */

static void utf8_text_output(void **state)
{
	(void)state;
	char out[128];
	setenv("LC_ALL", "ja_JP.UTF-8", 1);
	assert_true(og_utf8_locale());
	assert_string_equal(og_esc_text("12\xe6\x9c\x88 \xd0\xb4\xd0\xb5\xd0\xba", out, sizeof(out)),
			    "12\xe6\x9c\x88 \xd0\xb4\xd0\xb5\xd0\xba");
	/* escapes, C1 controls (CSI 0x9b), bidi overrides and invalid bytes stay escaped */
	assert_string_equal(og_esc_text("\x1b[31m\xc2\x9b\xe2\x80\xae\xff", out, sizeof(out)),
			    "\\x1b[31m\\xc2\\x9b\\xe2\\x80\\xae\\xff");
	setenv("LC_ALL", "C", 1);
	assert_false(og_utf8_locale());
	assert_string_equal(og_esc_text("12\xe6\x9c\x88", out, sizeof(out)), "12\\xe6\\x9c\\x88");
	unsetenv("LC_ALL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(motivating_japanese_as_quoted),
		cmocka_unit_test(motivating_english_russian_german),
		cmocka_unit_test(locale_stamps),
		cmocka_unit_test(year_inference),
		cmocka_unit_test(pasted_lead_ins),
		cmocka_unit_test(kill_inside_prose),
		cmocka_unit_test(wrapped_lines),
		cmocka_unit_test(one_line_is_enough),
		cmocka_unit_test(earlyoom_generations),
		cmocka_unit_test(two_killers_one_victim),
		cmocka_unit_test(nohang_blocks),
		cmocka_unit_test(slurm_counts),
		cmocka_unit_test(false_friends),
		cmocka_unit_test(oomd_marked_rule_from_dump),
		cmocka_unit_test(journal_entry_formats),
		cmocka_unit_test(utf8_text_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
