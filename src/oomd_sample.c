/* The I/O half of oomd_rank.h: systemd-oomd's candidates read from cgroup2,
 * the same files oomd_cgroup_context_acquire() reads (memory.current,
 * memory.swap.current, memory.stat pgscan, the owner, user.oomd_*). */
#include "cgroup.h"
#include "oomd_rank.h"
#include "systemd.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static long long read_num(const char *dir, const char *file)
{
	char path[2200], buf[64];
	long v;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	ssize_t n = og_read_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return og_parse_long(buf, 0, 0x7fffffffffffffffL, &v) == 0 ? v : -1;
}

long long og_oomd_read_pgscan(const char *dir)
{
	char path[2200], buf[8192];
	long long v;
	snprintf(path, sizeof(path), "%s/memory.stat", dir);
	ssize_t n = og_read_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	return og_memstat_pgscan(buf, (size_t)n, &v) == 0 ? v : -1;
}

struct walk {
	size_t rootlen;
	struct og_oomd_cand *out;
	size_t cap, n;
};

static void add(struct walk *w, const char *dir)
{
	struct stat st;
	if (w->n < w->cap) {
		struct og_oomd_cand *c = &w->out[w->n];
		memset(c, 0, sizeof(*c));
		snprintf(c->path, sizeof(c->path), "%s", dir[w->rootlen] ? dir + w->rootlen : "/");
		c->current = read_num(dir, "memory.current");
		c->swap_current = read_num(dir, "memory.swap.current");
		c->pgscan = og_oomd_read_pgscan(dir);
		c->last_pgscan = c->last_current = c->last_swap = -1;
		for (size_t i = 0; i < OG_OOMD_PARTS - 1; i++)
			c->part_pgscan[i] = -1;
		c->owner = stat(dir, &st) == 0 ? (long)st.st_uid : -1;
		c->pref = og_cg_xattr_true(dir, "user.oomd_omit")    ? OG_OOMD_PREF_OMIT
			  : og_cg_xattr_true(dir, "user.oomd_avoid") ? OG_OOMD_PREF_AVOID
								     : OG_OOMD_PREF_NONE;
	}
	w->n++;
}

/* recursively_get_cgroup_context(): stop at leaves and at memory.oom.group=1. */
static void walk(struct walk *w, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (!d || depth > 32) {
		if (d)
			closedir(d);
		return;
	}
	while ((de = readdir(d))) {
		char sub[2048];
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= (int)sizeof(sub))
			continue;
		if (read_num(sub, "memory.oom.group") == 1 || !og_dir_has_subdirs(sub))
			add(w, sub);
		else
			walk(w, sub, depth + 1);
	}
	closedir(d);
}

static int cg_dir(const char *cg2root, const char *path, char *dir, size_t sz)
{
	if (snprintf(dir, sz, "%s%s", cg2root, strcmp(path, "/") ? path : "") >= (int)sz)
		return -ENAMETOOLONG;
	return 0;
}

ssize_t og_oomd_candidates(const char *cg2root, const char *monitored, struct og_oomd_cand *out,
			   size_t cap, long *monitored_owner)
{
	char dir[2048];
	struct stat st;
	struct walk w = { .rootlen = strlen(cg2root), .out = out, .cap = cap };

	if (cg_dir(cg2root, monitored, dir, sizeof(dir)) < 0)
		return -ENAMETOOLONG;
	if (stat(dir, &st) < 0)
		return -errno;
	if (monitored_owner)
		*monitored_owner = (long)st.st_uid;
	/* A monitored cgroup without children is its own only candidate. */
	if (!og_dir_has_subdirs(dir))
		add(&w, dir);
	else
		walk(&w, dir, 0);
	return (ssize_t)w.n;
}

void og_oomd_sample_part(const char *cg2root, struct og_oomd_cand *c, size_t n, size_t part)
{
	char dir[2048];
	if (part >= OG_OOMD_PARTS - 1)
		return;
	for (size_t i = 0; i < n; i++)
		c[i].part_pgscan[part] = cg_dir(cg2root, c[i].path, dir, sizeof(dir)) == 0
						 ? og_oomd_read_pgscan(dir)
						 : -1;
}

void og_oomd_join(struct og_oomd_cand *b, size_t nb, const struct og_oomd_cand *a, size_t na)
{
	for (size_t i = 0; i < nb; i++) {
		size_t j = 0;
		/* Both walks list the directory in the same order: look there first. */
		if (!(i < na && !strcmp(a[i].path, b[i].path)))
			for (j = 0; j < na && strcmp(a[j].path, b[i].path); j++)
				;
		else
			j = i;
		if (j == na)
			continue;
		b[i].last_pgscan = a[j].pgscan;
		memcpy(b[i].part_pgscan, a[j].part_pgscan, sizeof(b[i].part_pgscan));
		b[i].last_current = a[j].current;
		b[i].last_swap = a[j].swap_current;
	}
}
