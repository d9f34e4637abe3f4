/* cgroup v2 change notifications (og_cg_notify_fd, src/memcg_event.c)
 * against the real kernel: the step agent waits on a step's memory.events
 * this way.  This machine's cgroup2 hierarchy has no memory controller, so
 * the test uses cgroup.events, which the kernel notifies through the same
 * kernfs mechanism (cgroup_file_notify): a change wakes poll() with POLLPRI,
 * nothing else does, and a read rearms it.  Skipped without root or cgroup2. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "memcg_event.h"
#include "util.h"

static char dir[OG_CG_PATH_MAX + 64];

static int woke(int fd, int ms)
{
	struct pollfd pf = { .fd = fd, .events = POLLPRI };
	return poll(&pf, 1, ms) == 1 && (pf.revents & POLLPRI);
}

static int setup(void **state)
{
	char buf[16384];
	struct og_cg_mounts m;
	ssize_t n = og_read_at(AT_FDCWD, "/proc/self/mountinfo", buf, sizeof(buf));

	(void)state;
	dir[0] = '\0';
	if (geteuid() != 0 || n <= 0 || og_parse_mountinfo(buf, (size_t)n, &m) < 0 || !m.v2[0])
		return 0;
	snprintf(dir, sizeof(dir), "%s/og-test-%d-notify", m.v2, (int)getpid());
	if (mkdir(dir, 0755) < 0)
		dir[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (dir[0])
		rmdir(dir);
	return 0;
}

static void change_wakes(void **state)
{
	char p[OG_CG_PATH_MAX + 96], pid_s[16];
	int fd, st;
	pid_t child;

	(void)state;
	if (!dir[0])
		skip(); /* needs root and a writable cgroup2 hierarchy */
	fd = og_cg_notify_fd(dir, "cgroup.events");
	assert_true(fd >= 0);
	assert_false(woke(fd, 100)); /* nothing changed since the open */
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	snprintf(pid_s, sizeof(pid_s), "%d", (int)child);
	assert_int_equal(og_write_at(AT_FDCWD, p, pid_s), 0); /* populated 0 -> 1 */
	assert_true(woke(fd, 2000));
	assert_true(woke(fd, 0)); /* until read again */
	assert_int_equal(og_cg_notify_rearm(fd), 0);
	assert_false(woke(fd, 100));
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &st, 0), child); /* populated 1 -> 0 */
	assert_true(woke(fd, 2000));
	close(fd);
	assert_int_equal(og_cg_notify_fd(dir, "no-such-file"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(change_wakes) };
	return cmocka_run_group_tests(tests, setup, teardown);
}
