#include "ranking.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int og_rank_build(const struct og_taskset *ts, const size_t *member, size_t n,
		  unsigned long long totalpages, long page_kib, struct og_rankset *r)
{
	memset(r, 0, sizeof(*r));
	if (!member)
		n = ts->n;
	r->totalpages = totalpages;
	r->n = n;
	r->member = malloc((n ? n : 1) * sizeof(*r->member));
	r->b = malloc((n ? n : 1) * sizeof(*r->b));
	r->order = malloc((n ? n : 1) * sizeof(*r->order));
	if (!r->member || !r->b || !r->order) {
		og_rankset_free(r);
		return -ENOMEM;
	}
	for (size_t k = 0; k < n; k++) {
		r->member[k] = member ? member[k] : k;
		og_badness(&ts->v[r->member[k]], totalpages, page_kib, &r->b[k]);
	}
	r->eligible = og_rank(r->b, n, r->order);
	return 0;
}

void og_rankset_free(struct og_rankset *r)
{
	free(r->member);
	free(r->b);
	free(r->order);
	memset(r, 0, sizeof(*r));
}

long og_rank_victim(const struct og_rankset *r)
{
	return r->eligible ? (long)r->member[r->order[0]] : -1;
}

size_t og_rank_of(const struct og_rankset *r, size_t ti)
{
	for (size_t k = 0; k < r->eligible; k++)
		if (r->member[r->order[k]] == ti)
			return k + 1;
	return 0;
}

void og_rank_ties_by_start(struct og_rankset *r, const struct og_taskset *ts, const char *procroot,
			   size_t cap)
{
	size_t g = 1;
	while (g < r->eligible && r->b[r->order[g]].points == r->b[r->order[0]].points)
		g++;
	unsigned long long st[64];
	if (g < 2 || g > cap || g > OG_ARRAY_LEN(st))
		return;
	for (size_t i = 0; i < g; i++) {
		char path[300], buf[1024];
		struct og_stat s;
		const struct og_task *t = &ts->v[r->member[r->order[i]]];
		snprintf(path, sizeof(path), "%s/%d/stat", procroot, (int)t->pid);
		ssize_t n = og_read_at(AT_FDCWD, path, buf, sizeof(buf));
		st[i] = n > 0 && og_parse_stat(buf, (size_t)n, &s) == 0 ? s.starttime : 0;
	}
	/* Insertion sort, latest start first; equal starts keep scan order. */
	for (size_t i = 1; i < g; i++)
		for (size_t j = i; j > 0 && st[j] > st[j - 1]; j--) {
			unsigned long long x = st[j];
			st[j] = st[j - 1];
			st[j - 1] = x;
			size_t o = r->order[j];
			r->order[j] = r->order[j - 1];
			r->order[j - 1] = o;
		}
}

struct idxvec {
	size_t *v;
	size_t n, cap;
};

static int push(struct idxvec *iv, size_t x)
{
	if (iv->n == iv->cap) {
		size_t nc = iv->cap ? iv->cap * 2 : 64;
		size_t *nv = realloc(iv->v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		iv->v = nv;
		iv->cap = nc;
	}
	iv->v[iv->n++] = x;
	return 0;
}

/* A file of unknown size, read whole into *out (malloc'd), growing the
 * buffer up to max.  Returns the length or -errno. */
static ssize_t read_whole(int dfd, const char *path, size_t cap, size_t max, char **out)
{
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	while ((n = og_read_at(dfd, path, buf, cap)) == -EFBIG && cap < max) {
		char *nb = realloc(buf, cap * 4);
		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		cap *= 4;
	}
	if (n < 0)
		free(buf);
	else
		*out = buf;
	return n;
}

static int read_procs(int dfd, const struct og_taskset *ts, struct idxvec *iv)
{
	char *buf;
	ssize_t n = read_whole(dfd, "cgroup.procs", 65536, 64u << 20, &buf);

	if (n < 0)
		return (int)n;
	const char *p = buf;
	pid_t pid;
	while (og_procs_next(&p, buf + n, &pid)) {
		/* Not in the snapshot: born after it or gone; skip. */
		const struct og_task *t = og_taskset_find(ts, pid);
		if (t && push(iv, (size_t)(t - ts->v)) < 0) {
			free(buf);
			return -ENOMEM;
		}
	}
	free(buf);
	return 0;
}

struct child {
	ino_t ino;
	char name[256];
};

static int cmp_child(const void *a, const void *b)
{
	ino_t x = ((const struct child *)a)->ino, y = ((const struct child *)b)->ino;
	return x < y ? -1 : x > y;
}

/* Pre-order like mem_cgroup_iter(): the cgroup, then each child subtree. */
static int walk(int dfd, int depth, const struct og_taskset *ts, struct idxvec *iv)
{
	int r = read_procs(dfd, ts, iv);
	if (r < 0 && r != -ENOENT)
		return r;
	if (depth > 64)
		return 0;
	int d2 = dup(dfd);
	if (d2 < 0)
		return -errno;
	DIR *d = fdopendir(d2);
	if (!d) {
		close(d2);
		return -errno;
	}
	struct child *kids = NULL;
	size_t nk = 0, ck = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (nk == ck) {
			size_t nc = ck ? ck * 2 : 16;
			struct child *nv = realloc(kids, nc * sizeof(*nv));
			if (!nv) {
				free(kids);
				closedir(d);
				return -ENOMEM;
			}
			kids = nv;
			ck = nc;
		}
		kids[nk].ino = de->d_ino;
		snprintf(kids[nk].name, sizeof(kids[nk].name), "%s", de->d_name);
		nk++;
	}
	closedir(d);
	/* kernfs hands out inode numbers in creation order; readdir sorts by name hash. */
	if (nk)
		qsort(kids, nk, sizeof(*kids), cmp_child);
	r = 0;
	for (size_t i = 0; i < nk && r >= 0; i++) {
		int cfd = openat(dfd, kids[i].name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd < 0)
			continue; /* removed meanwhile */
		r = walk(cfd, depth + 1, ts, iv);
		close(cfd);
	}
	free(kids);
	return r;
}

ssize_t og_memcg_members(const char *dir, const struct og_taskset *ts, size_t **out)
{
	struct idxvec iv = { 0 };
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return -errno;
	int r = walk(dfd, 0, ts, &iv);
	close(dfd);
	if (r < 0) {
		free(iv.v);
		return r;
	}
	/* Never NULL: og_rank_build reads a NULL member list as "every task",
	 * which ranked the whole machine inside an empty cgroup. */
	if (!iv.v && !(iv.v = malloc(sizeof(*iv.v))))
		return -ENOMEM;
	*out = iv.v;
	return (ssize_t)iv.n;
}

int og_memcg_totalpages(const char *procroot, const struct og_cgroup *cg, const struct og_memcg *m,
			long long swap_total_kib, long page_kib, unsigned long long *out)
{
	int swappiness = m->swappiness;

	if (m->limit < 0)
		return -ENOENT;
	if (cg->version == 2 || swappiness < 0) {
		/* cgroup2 has no per-cgroup swappiness: the global one counts. */
		char path[300], buf[32];
		long v = 60;
		snprintf(path, sizeof(path), "%s/sys/vm/swappiness", procroot);
		ssize_t n = og_read_at(AT_FDCWD, path, buf, sizeof(buf));
		if (n > 0)
			og_parse_int_file(buf, (size_t)n, &v);
		swappiness = (int)v;
	}
	unsigned long long swap_pages = swap_total_kib > 0 ? (unsigned long long)swap_total_kib /
								     (unsigned long long)page_kib
							   : 0;
	*out = og_totalpages_memcg(m->limit, m->swap_limit, swappiness, swap_pages, page_kib);
	return 0;
}

struct lim_ctx {
	struct og_limited_cg *out;
	size_t cap, n;
	const char *mnt;
	int version;
};

static void lim_walk(struct lim_ctx *c, const char *dir, int depth)
{
	struct og_cgroup cg;
	struct og_memcg m;

	if (depth > 32)
		return;
	/* A v2 directory without the memory controller is skipped, not its subtree. */
	if (og_cgroup_from_dir(dir, &cg) == 0 && cg.version == c->version &&
	    og_memcg_read(&cg, &m) == 0 && m.limit >= 0 && c->n < c->cap) {
		const char *rel = dir + strlen(c->mnt);
		snprintf(cg.path, sizeof(cg.path), "%s", *rel ? rel : "/");
		c->out[c->n].cg = cg;
		c->out[c->n].m = m;
		c->n++;
	}
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		char sub[OG_CG_PATH_MAX];
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= (int)sizeof(sub))
			continue;
		lim_walk(c, sub, depth + 1);
	}
	closedir(d);
}

ssize_t og_memcg_limited(const char *procroot, struct og_limited_cg *out, size_t cap)
{
	struct og_cg_mounts mnt;
	struct lim_ctx c = { .out = out, .cap = cap };
	int r = og_cg_read_mounts(procroot, &mnt);

	if (r < 0)
		return r;
	if (mnt.v1_memory[0]) {
		c.mnt = mnt.v1_memory;
		c.version = 1;
		lim_walk(&c, mnt.v1_memory, 0);
	}
	if (mnt.v2[0]) {
		c.mnt = mnt.v2;
		c.version = 2;
		lim_walk(&c, mnt.v2, 0);
	}
	return (ssize_t)c.n;
}
