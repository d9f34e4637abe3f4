/* The job's limited memory cgroups, read each tick (warn_cg.h). */
#include "warn_cg.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int og_pread_ll(int fd, long long *v)
{
	char buf[64];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return og_parse_limit(buf, (size_t)n, v);
}

/* Page cache on the file LRU lists of a memcg (memory.stat): the kernel
 * reclaims it, active pages included, before it OOM-kills in the cgroup
 * (mm/vmscan.c; cgroup-v1/memory.rst "stat file"), so it is headroom.  v1
 * counts the hierarchy in the total_ keys. */
static long long file_lru(const char *buf, size_t len, int version)
{
	long long ia =
		og_parse_key(buf, len, version == 1 ? "total_inactive_file" : "inactive_file");
	long long ac = og_parse_key(buf, len, version == 1 ? "total_active_file" : "active_file");
	return (ia > 0 ? ia : 0) + (ac > 0 ? ac : 0);
}

static int open_in(const char *dir, const char *file)
{
	char p[OG_CG_PATH_MAX + 64];
	if (snprintf(p, sizeof(p), "%s/%s", dir, file) >= (int)sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(p, O_RDONLY | O_CLOEXEC);
}

static bool level_open(struct og_watchcg_level *l, const struct og_cgroup *cg)
{
	bool v1 = cg->version == 1;
	l->cg = *cg;
	l->usage = open_in(cg->dir, v1 ? "memory.usage_in_bytes" : "memory.current");
	l->limit = open_in(cg->dir, v1 ? "memory.limit_in_bytes" : "memory.max");
	l->stat = open_in(cg->dir, "memory.stat");
	if (l->usage >= 0 && l->limit >= 0)
		return true;
	if (l->usage >= 0)
		close(l->usage);
	if (l->limit >= 0)
		close(l->limit);
	if (l->stat >= 0)
		close(l->stat);
	return false;
}

size_t og_watchcg_open(struct og_watchcg *w, const struct og_cgroup *job)
{
	struct og_cgroup at = *job;
	struct og_memcg m;
	memset(w, 0, sizeof(*w));
	struct og_cgroup lim;
	while (w->n < OG_WATCHCG_MAX && og_memcg_limiting(&at, &lim, &m) == 0) {
		if (level_open(&w->lv[w->n], &lim))
			w->n++;
		at = lim;
		if (og_cgroup_parent(&at) < 0)
			break;
	}
	return w->n;
}

void og_watchcg_close(struct og_watchcg *w)
{
	for (size_t i = 0; i < w->n; i++) {
		int fds[] = { w->lv[i].usage, w->lv[i].limit, w->lv[i].stat };
		for (size_t k = 0; k < OG_ARRAY_LEN(fds); k++)
			if (fds[k] >= 0)
				close(fds[k]);
	}
	w->n = 0;
}

int og_watchcg_sample(const struct og_watchcg *w, struct og_wsample *s)
{
	struct og_cglevel lv[OG_WATCHCG_MAX];
	char buf[8192];
	for (size_t i = 0; i < w->n; i++) {
		const struct og_watchcg_level *l = &w->lv[i];
		lv[i].limit = lv[i].usage = -1;
		lv[i].reclaim = 0;
		if (og_pread_ll(l->limit, &lv[i].limit) < 0 ||
		    og_pread_ll(l->usage, &lv[i].usage) < 0) {
			lv[i].limit = -1;
			continue;
		}
		/* Every sample, not only near the limit: a headroom that jumped
		 * when the read started would fake a rate. */
		ssize_t n = l->stat >= 0 ? pread(l->stat, buf, sizeof(buf) - 1, 0) : -1;
		if (n > 0)
			lv[i].reclaim = file_lru(buf, (size_t)n, l->cg.version);
	}
	int b = og_memcg_binding(lv, w->n);
	if (b < 0)
		return -1;
	s->cg_limit = lv[b].limit;
	s->cg_usage = lv[b].usage;
	s->cg_reclaim = lv[b].reclaim;
	s->cg_level = b;
	s->cg_name = w->lv[b].cg.path;
	return b;
}
