/* cgroup and meminfo/PSI parsers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "meminfo.h"
#include "util.h"

static void mountinfo_v1_v2(void **state)
{
	const char *mi =
		"25 30 0:23 / /sys rw,nosuid - sysfs sysfs rw\n"
		"33 25 0:28 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate\n"
		"38 25 0:33 / /sys/fs/cgroup/memory rw,nosuid shared:16 - cgroup cgroup rw,memory\n"
		"39 25 0:34 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n";
	struct og_cg_mounts m;
	(void)state;
	assert_int_equal(og_parse_mountinfo(mi, strlen(mi), &m), 0);
	assert_string_equal(m.v2, "/sys/fs/cgroup/unified");
	assert_string_equal(m.v1_memory, "/sys/fs/cgroup/memory");
	assert_string_equal(m.v1_root, "/");
}

static void mountinfo_escapes_and_junk(void **state)
{
	const char *mi = "garbage\n1 2 3\n40 1 0:1 / /my\\040cg rw - cgroup2 none rw\n";
	struct og_cg_mounts m;
	(void)state;
	assert_int_equal(og_parse_mountinfo(mi, strlen(mi), &m), 0);
	assert_string_equal(m.v2, "/my cg");
	assert_string_equal(m.v1_memory, "");
}

static void proc_cgroup_lines(void **state)
{
	const char *pc = "12:pids:/\n7:memory:/og-test\n3:cpu,cpuacct:/\n0::/user.slice/app.scope\n";
	struct og_proc_cgroup c;
	(void)state;
	assert_int_equal(og_parse_proc_cgroup(pc, strlen(pc), &c), 0);
	assert_string_equal(c.v1_memory, "/og-test");
	assert_string_equal(c.v2, "/user.slice/app.scope");
	assert_int_equal(og_parse_proc_cgroup("x", 1, &c), -EINVAL);
	assert_int_equal(og_parse_proc_cgroup("1:memory:rel\n", 13, &c), -EINVAL);
}

static void limits(void **state)
{
	long long v;
	(void)state;
	assert_int_equal(og_parse_limit("max\n", 4, &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(og_parse_limit("9223372036854771712\n", 20, &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(og_parse_limit("67108864\n", 9, &v), 0);
	assert_int_equal(v, 67108864);
	assert_int_equal(og_parse_limit("-1\n", 3, &v), -EINVAL);
	assert_int_equal(og_parse_limit("12k", 3, &v), -EINVAL);
	assert_int_equal(og_parse_limit("", 0, &v), -EINVAL);
}

static void meminfo(void **state)
{
	const char *mi = "MemTotal:       24000000 kB\nMemFree:         1000 kB\nMemAvailable:    20000000 kB\n"
			 "SwapTotal:             0 kB\nSwapFree:              0 kB\nAnonPages: 12 kB\nWeird line\n";
	struct og_meminfo m;
	(void)state;
	assert_int_equal(og_parse_meminfo(mi, strlen(mi), &m), 0);
	assert_int_equal(m.mem_total, 24000000);
	assert_int_equal(m.mem_available, 20000000);
	assert_int_equal(m.swap_total, 0);
	assert_int_equal(m.shmem, -1);
	assert_int_equal(og_parse_meminfo("MemFree: 5 kB\n", 14, &m), -EINVAL);
	assert_int_equal(og_parse_meminfo("MemTotal: x kB\n", 15, &m), -EINVAL);
}

static void meminfo_fallback_available(void **state)
{
	const char *mi = "MemTotal: 100 kB\nMemFree: 10 kB\nBuffers: 5 kB\nCached: 20 kB\nShmem: 3 kB\n";
	struct og_meminfo m;
	(void)state;
	assert_int_equal(og_parse_meminfo(mi, strlen(mi), &m), 0);
	assert_int_equal(m.mem_available, 32);
}

static void psi(void **state)
{
	const char *p = "some avg10=1.50 avg60=0.20 avg300=0.00 total=12345\nfull avg10=0.75 avg60=0.10 avg300=0.00 total=99\n";
	struct og_psi ps;
	(void)state;
	assert_int_equal(og_parse_psi(p, strlen(p), &ps), 0);
	assert_true(ps.some.present && ps.full.present);
	assert_true(ps.some.avg10 > 1.49 && ps.some.avg10 < 1.51);
	assert_int_equal(ps.full.total_us, 99);
	assert_int_equal(og_parse_psi("some avg10=1.0\n", 15, &ps), -EINVAL);
	assert_int_equal(og_parse_psi("some avg10=101 avg60=0 avg300=0 total=1\n", 40, &ps), -EINVAL);
	assert_int_equal(og_parse_psi("junk\n", 5, &ps), -EINVAL);
	/* The one PSI reader (the watch loop had its own for the totals). */
	const char *q = "some avg10=12.34 avg60=100.00 avg300=0.05 total=9223372036854775807\n"
			"full avg10=0.00 avg60=0.00 avg300=0.00 total=0 \n";
	assert_int_equal(og_parse_psi(q, strlen(q), &ps), 0);
	assert_true(ps.some.avg10 == 12.34 && ps.some.avg60 == 100.0 && ps.some.avg300 == 0.05);
	assert_true(ps.some.total_us == 9223372036854775807ULL && ps.full.total_us == 0 && ps.full.present);
	assert_int_equal(og_parse_psi("some avg10=0.00 avg60=0.00 avg300=0.00 total=5x\n", strlen("some avg10=0.00 avg60=0.00 avg300=0.00 total=5x\n"), &ps), -EINVAL);
	assert_int_equal(og_parse_psi("some avg10=0.00 avg60=0.00 total=5\n", strlen("some avg10=0.00 avg60=0.00 total=5\n"), &ps), -EINVAL);
	assert_int_equal(og_parse_psi("some avg10=-1.00 avg60=0.00 avg300=0.00 total=5\n", strlen("some avg10=-1.00 avg60=0.00 avg300=0.00 total=5\n"), &ps), -EINVAL);
	assert_int_equal(og_parse_psi("some avg10=100.01 avg60=0.00 avg300=0.00 total=5\n", strlen("some avg10=100.01 avg60=0.00 avg300=0.00 total=5\n"), &ps), -EINVAL);
}

/* memory.stat / memory.events lines: one reader for cgroup.c and the watch
 * loop (whose own loop read "key 12x" as 12 and overflowed silently). */
static void key_lines(void **state)
{
	const char *st = "cache 4096\ninactive_file 8192\nactive_file 12\nhigh 3\nbad 12x\nhuge 99999999999999999999\n";
	(void)state;
	assert_int_equal(og_parse_key(st, strlen(st), "inactive_file"), 8192);
	assert_int_equal(og_parse_key(st, strlen(st), "active_file"), 12);
	assert_int_equal(og_parse_key(st, strlen(st), "high"), 3);
	assert_int_equal(og_parse_key(st, strlen(st), "cache"), 4096);
	assert_int_equal(og_parse_key(st, strlen(st), "file"), -1);
	assert_int_equal(og_parse_key(st, strlen(st), "huge"), -1);
	assert_int_equal(og_parse_key(st, strlen(st), "bad"), -1);
	assert_int_equal(og_parse_key("max 5", 5, "max"), 5);
	assert_int_equal(og_parse_key("max ", 4, "max"), -1);
	assert_int_equal(og_parse_key("max 5", 4, "max"), -1); /* length-bounded */
}

/* A procfs root of two files: self/mountinfo (filler mount lines first,
 * then mi) and 4242/cgroup. */
static void fake_proc(char *root, size_t nfill, const char *mi, const char *cg)
{
	char p[256];
	snprintf(root, 64, "/tmp/og-test-%d-proc-XXXXXX", (int)getpid());
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/self", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/4242", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/self/mountinfo", root);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	for (size_t i = 0; i < nfill; i++)
		fprintf(f, "%zu 25 0:%zu / /run/containers/overlay-%06zu/merged rw,relatime - overlay overlay rw\n",
			100 + i, 100 + i, i);
	fputs(mi, f);
	assert_int_equal(fclose(f), 0);
	snprintf(p, sizeof(p), "%s/4242/cgroup", root);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(cg, f);
	assert_int_equal(fclose(f), 0);
}

static void fake_proc_rm(const char *root)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/self/mountinfo", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/4242/cgroup", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/self", root);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/4242", root);
	rmdir(p);
	rmdir(root);
}

/* One lookup for every caller: the v2 mount from mountinfo (not the two
 * paths systemd.c once tried), the mount's root taken off, any length of
 * mountinfo (watch once read it into 128 KiB and lost v2 past that). */
static void cg2_lookup(void **state)
{
	const char *mi = "33 25 0:28 / /mnt/cg2 rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate\n";
	const char *ns = "33 25 0:28 /lxc/c1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
	char root[64], mnt[OG_CG_PATH_MAX];
	struct og_cg2 c;
	(void)state;
	fake_proc(root, 3000, mi, "12:memory:/x\n0::/user.slice/job.scope\n");
	assert_int_equal(og_cg2_mount(root, mnt, sizeof(mnt)), 0);
	assert_string_equal(mnt, "/mnt/cg2");
	assert_int_equal(og_cg2_of_pid(root, 4242, &c), 0);
	assert_string_equal(c.mnt, "/mnt/cg2");
	assert_string_equal(c.path, "/user.slice/job.scope");
	assert_string_equal(c.dir, "/mnt/cg2/user.slice/job.scope");
	assert_int_equal(og_cg2_of_pid(root, 4243, &c), -ESRCH);
	fake_proc_rm(root);

	fake_proc(root, 0, ns, "0::/lxc/c1/app\n");
	assert_int_equal(og_cg2_of_pid(root, 4242, &c), 0);
	assert_string_equal(c.path, "/app");
	assert_string_equal(c.dir, "/sys/fs/cgroup/app");
	fake_proc_rm(root);

	fake_proc(root, 0, mi, "0::/\n");
	assert_int_equal(og_cg2_of_pid(root, 4242, &c), 0);
	assert_string_equal(c.path, "/");
	assert_string_equal(c.dir, "/mnt/cg2");
	fake_proc_rm(root);

	fake_proc(root, 0, "25 30 0:23 / /sys rw,nosuid - sysfs sysfs rw\n", "0::/a\n");
	assert_int_equal(og_cg2_mount(root, mnt, sizeof(mnt)), -ENOENT);
	assert_int_equal(og_cg2_of_pid(root, 4242, &c), -ENOENT);
	fake_proc_rm(root);
}

/* The real kernel: this process's v2 cgroup is the 0:: line of
 * /proc/self/cgroup under the cgroup2 mount, and that directory exists. */
static void cg2_live(void **state)
{
	char buf[4096];
	struct og_proc_cgroup pc;
	struct og_cg2 c;
	struct stat st;
	(void)state;
	if (og_cg2_of_pid("/proc", getpid(), &c) == -ENOENT)
		skip(); /* no cgroup2 mounted */
	ssize_t n = og_read_at(AT_FDCWD, "/proc/self/cgroup", buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(og_parse_proc_cgroup(buf, (size_t)n, &pc), 0);
	assert_string_equal(c.path, pc.v2);
	assert_int_equal(stat(c.dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
}

/* cgroup.procs: one reader for ranking.c and slurmcg.c; junk, 0 and pids
 * above PID_MAX_LIMIT are skipped, a last line without '\n' counts. */
static void procs_lines(void **state)
{
	const char txt[] = "12\n\n0\nx7\n4194305\n 9\n4194304\n31";
	const char *p = txt, *end = txt + sizeof(txt) - 1;
	pid_t got[8], pid;
	size_t n = 0;
	(void)state;
	while (n < 8 && og_procs_next(&p, end, &pid))
		got[n++] = pid;
	assert_int_equal(n, 3);
	assert_int_equal(got[0], 12);
	assert_int_equal(got[1], 4194304);
	assert_int_equal(got[2], 31);
	assert_int_equal(og_procs_next(&p, end, &pid), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mountinfo_v1_v2),
		cmocka_unit_test(mountinfo_escapes_and_junk),
		cmocka_unit_test(proc_cgroup_lines),
		cmocka_unit_test(limits),
		cmocka_unit_test(meminfo),
		cmocka_unit_test(meminfo_fallback_available),
		cmocka_unit_test(psi),
		cmocka_unit_test(key_lines),
		cmocka_unit_test(cg2_lookup),
		cmocka_unit_test(cg2_live),
		cmocka_unit_test(procs_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
