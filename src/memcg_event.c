/* Memory cgroup notifications, v1 and v2 (memcg_event.h). */
#include "memcg_event.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <unistd.h>

static int reg(int ec, int efd, int cfd, const long long *thr)
{
	char t[80];
	int n = thr ? snprintf(t, sizeof(t), "%d %d %lld", efd, cfd, *thr)
		    : snprintf(t, sizeof(t), "%d %d", efd, cfd);
	return write(ec, t, (size_t)n) == n ? 0 : -errno;
}

int og_memcg_v1_event(const struct og_cgroup *cg, const char *file, const long long *thr,
		      size_t nthr)
{
	char p[OG_CG_PATH_MAX + 64];
	int efd, cfd, ec, r = 0;

	if (cg->version != 1)
		return -EOPNOTSUPP;
	snprintf(p, sizeof(p), "%s/%s", cg->dir, file);
	cfd = open(p, O_RDONLY | O_CLOEXEC);
	snprintf(p, sizeof(p), "%s/cgroup.event_control", cg->dir);
	ec = open(p, O_WRONLY | O_CLOEXEC);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (cfd < 0 || ec < 0 || efd < 0)
		r = -errno;
	for (size_t i = 0; r == 0 && i < (nthr ? nthr : 1); i++)
		r = reg(ec, efd, cfd, nthr ? &thr[i] : NULL);
	/* the registration holds what it needs; the files may go */
	if (cfd >= 0)
		close(cfd);
	if (ec >= 0)
		close(ec);
	if (r < 0 && efd >= 0)
		close(efd);
	return r < 0 ? r : efd;
}

int og_cg_notify_rearm(int fd)
{
	char buf[512];
	return pread(fd, buf, sizeof(buf), 0) < 0 ? -errno : 0;
}

int og_cg_notify_fd(const char *dir, const char *file)
{
	char p[OG_CG_PATH_MAX + 64];
	int fd, r;

	if (snprintf(p, sizeof(p), "%s/%s", dir, file) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if ((r = og_cg_notify_rearm(fd)) < 0) {
		close(fd);
		return r;
	}
	return fd;
}
