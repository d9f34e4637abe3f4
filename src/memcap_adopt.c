/* protect --scope --memory-max without systemd: running processes into a
 * memory cgroup of their own, and a detached waiter that removes it when
 * they are gone (memcap.h). */
#include "memcap.h"
#include "adjust.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Back where they came from: pids[0..k) with their original cgroups. */
static void move_back(const pid_t *pids, const struct og_cgroup *orig, size_t k)
{
	char ps[16], p[OG_CG_PATH_MAX + 32];
	for (size_t i = 0; i < k; i++) {
		snprintf(ps, sizeof(ps), "%d", (int)pids[i]);
		snprintf(p, sizeof(p), "%s/cgroup.procs", orig[i].dir);
		og_write_at(AT_FDCWD, p, ps);
	}
}

/* The waiter: waits for pids[0] (its pidfd), then until the cgroup is
 * empty (--tree descendants may outlive it), then removes it.  Its own
 * session, stdio on /dev/null, as protected as the processes it waits for,
 * and outside their cgroup, so their cap never counts or kills it. */
static void waiter(int pidfd, pid_t main, const struct og_memcap_cg *cg)
{
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	int from, to;
	setsid();
	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
	}
	og_adjust_follow(main, OG_ADJ_MAX + 1, &from, &to);
	struct pollfd pf = { .fd = pidfd, .events = POLLIN };
	while (poll(&pf, 1, -1) < 0 && errno == EINTR)
		;
	while (rmdir(cg->dir) < 0 && errno == EBUSY)
		sleep(1);
	_exit(0);
}

static int spawn_waiter(pid_t main, const struct og_memcap_cg *cg, char *err, size_t errsz)
{
	int pidfd = (int)syscall(SYS_pidfd_open, main, 0);
	if (pidfd < 0) {
		snprintf(err, errsz, "cannot open pid %d to wait for it: %s", (int)main,
			 strerror(errno));
		return -errno;
	}
	pid_t w = fork();
	if (w < 0) {
		int e = errno;
		close(pidfd);
		snprintf(err, errsz, "cannot start the waiter that removes %s: %s", cg->dir,
			 strerror(e));
		return -e;
	}
	if (w == 0)
		waiter(pidfd, main, cg);
	close(pidfd);
	return 0;
}

/* The cap as the cgroup's files say, before anything is left behind. */
static int read_back(const struct og_memcap_job *j, char *err, size_t errsz)
{
	struct og_cgroup cg = { .version = j->own.version };
	struct og_memcap_state st;
	char why[512];
	int r;
	snprintf(cg.dir, sizeof(cg.dir), "%s", j->own.dir);
	snprintf(cg.path, sizeof(cg.path), "%s", j->own.path);
	if ((r = og_memcap_read_dir(&cg, &st)) < 0) {
		snprintf(err, errsz, "cannot read back %s: %s", j->own.dir, strerror(-r));
		return r;
	}
	if (!og_memcap_matches(&st, &j->req, why, sizeof(why))) {
		snprintf(err, errsz, "%s", why);
		return -EIO;
	}
	return 0;
}

int og_memcap_adopt(struct og_memcap_job *j, const pid_t *pids, size_t n, char *err, size_t errsz)
{
	struct og_cgroup *orig = calloc(n ? n : 1, sizeof(*orig));
	size_t k = 0;
	int r;

	if (!orig)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if ((r = og_cgroup_of_pid("/proc", pids[i], &orig[i])) < 0) {
			snprintf(err, errsz, "cannot read the memory cgroup of pid %d: %s",
				 (int)pids[i], strerror(-r));
			goto out;
		}
	if ((r = og_memcap_make(&j->req, &orig[0], pids[0], &j->own, err, errsz)) < 0)
		goto out;
	for (k = 0; k < n; k++)
		if ((r = og_memcap_move(&j->own, pids[k])) < 0 && r != -ESRCH) {
			snprintf(err, errsz, "cannot move pid %d into %s: %s", (int)pids[k],
				 j->own.dir, strerror(-r));
			break;
		}
	if (k == n)
		r = read_back(j, err, errsz);
	if (k == n && r == 0)
		r = spawn_waiter(pids[0], &j->own, err, errsz);
	if (r < 0) {
		move_back(pids, orig, k);
		og_memcap_remove(&j->own);
		j->own.version = 0;
		goto out;
	}
out:
	free(orig);
	return r;
}
