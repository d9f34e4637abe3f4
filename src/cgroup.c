#include "cgroup.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static int join(char *out, size_t size, const char *mnt, const char *root, const char *path)
{
	/* A namespaced mount shows paths relative to its root. */
	size_t rl = strlen(root);
	if (rl > 1 && !strncmp(path, root, rl) && (path[rl] == '/' || !path[rl]))
		path += rl;
	int n = snprintf(out, size, "%s%s", mnt, strcmp(path, "/") ? path : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static bool v2_has_memory(const char *dir)
{
	char buf[512];
	char path[OG_CG_PATH_MAX + 32];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/memory.current", dir);
	if (access(path, F_OK) == 0)
		return true;
	/* The root cgroup has no memory.current; ask cgroup.controllers. */
	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	n = og_read_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n <= 0)
		return false;
	char *save = NULL;
	for (char *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		if (!strcmp(t, "memory"))
			return true;
	return false;
}

/* dfd: the procfs root.  mountinfo has no size limit: a busy machine (many
 * containers) has hundreds of KiB of it. */
static int read_mounts(int dfd, struct og_cg_mounts *mnt)
{
	char buf[8192];
	ssize_t n = og_read_at(dfd, "self/mountinfo", buf, sizeof(buf));
	size_t cap = 1 << 18;
	char *big = NULL;

	if (n != -EFBIG)
		return n < 0 ? (int)n : og_parse_mountinfo(buf, (size_t)n, mnt);
	do {
		char *nb = realloc(big, cap *= 4);
		if (!nb) {
			free(big);
			return -ENOMEM;
		}
		big = nb;
		n = og_read_at(dfd, "self/mountinfo", big, cap);
	} while (n == -EFBIG && cap < (16u << 20));
	int r = n < 0 ? (int)n : og_parse_mountinfo(big, (size_t)n, mnt);
	free(big);
	return r;
}

int og_cg_read_mounts(const char *procroot, struct og_cg_mounts *m)
{
	int dfd = open(procroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	int r = read_mounts(dfd, m);
	close(dfd);
	return r;
}

int og_cg2_mount(const char *procroot, char *out, size_t outsz)
{
	struct og_cg_mounts m;
	int r = og_cg_read_mounts(procroot, &m);

	if (r < 0)
		return r;
	if (!m.v2[0])
		return -ENOENT;
	return snprintf(out, outsz, "%s", m.v2) < (int)outsz ? 0 : -ENAMETOOLONG;
}

/* The mounts and pid's /proc/PID/cgroup, both from procroot. */
static int read_pid_cgroups(const char *procroot, pid_t pid, struct og_cg_mounts *mnt,
			    struct og_proc_cgroup *pc)
{
	char buf[8192], path[64];
	int dfd = open(procroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;
	ssize_t n;

	if (dfd < 0)
		return -errno;
	if ((r = read_mounts(dfd, mnt)) < 0) {
		close(dfd);
		return r;
	}
	snprintf(path, sizeof(path), "%d/cgroup", (int)pid);
	n = og_read_at(dfd, path, buf, sizeof(buf));
	close(dfd);
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	return og_parse_proc_cgroup(buf, (size_t)n, pc);
}

/* The v2 cgroup of a /proc/PID/cgroup under the mounts; -ENOENT without. */
static int cg2_fill(const struct og_cg_mounts *mnt, const struct og_proc_cgroup *pc,
		    struct og_cg2 *out)
{
	int r;

	if (!mnt->v2[0] || !pc->v2[0])
		return -ENOENT;
	snprintf(out->mnt, sizeof(out->mnt), "%s", mnt->v2);
	if ((r = join(out->dir, sizeof(out->dir), mnt->v2, mnt->v2_root, pc->v2)) < 0)
		return r;
	/* The path inside the mount: the part of dir after the mount point. */
	const char *rel = out->dir + strlen(mnt->v2);
	snprintf(out->path, sizeof(out->path), "%s", *rel ? rel : "/");
	return 0;
}

int og_cgroup_of_pid(const char *procroot, pid_t pid, struct og_cgroup *cg)
{
	struct og_cg_mounts mnt;
	struct og_proc_cgroup pc;
	int r = read_pid_cgroups(procroot, pid, &mnt, &pc);

	if (r < 0)
		return r;
	memset(cg, 0, sizeof(*cg));
	if (mnt.v1_memory[0] && pc.v1_memory[0]) {
		cg->version = 1;
		snprintf(cg->path, sizeof(cg->path), "%s", pc.v1_memory);
		return join(cg->dir, sizeof(cg->dir), mnt.v1_memory, mnt.v1_root, pc.v1_memory);
	}
	struct og_cg2 c2;
	if ((r = cg2_fill(&mnt, &pc, &c2)) < 0)
		return r;
	cg->version = 2;
	snprintf(cg->path, sizeof(cg->path), "%s", pc.v2);
	snprintf(cg->dir, sizeof(cg->dir), "%s", c2.dir);
	return v2_has_memory(cg->dir) ? 0 : -ENOENT;
}

int og_cg2_of_pid(const char *procroot, pid_t pid, struct og_cg2 *out)
{
	struct og_cg_mounts mnt;
	struct og_proc_cgroup pc;
	int r = read_pid_cgroups(procroot, pid, &mnt, &pc);

	return r < 0 ? r : cg2_fill(&mnt, &pc, out);
}

int og_cgroup_from_dir(const char *dir, struct og_cgroup *cg)
{
	char p[OG_CG_PATH_MAX + 32];

	memset(cg, 0, sizeof(*cg));
	if (snprintf(cg->dir, sizeof(cg->dir), "%s", dir) >= (int)sizeof(cg->dir))
		return -ENAMETOOLONG;
	size_t l = strlen(cg->dir);
	while (l > 1 && cg->dir[l - 1] == '/')
		cg->dir[--l] = '\0';
	snprintf(p, sizeof(p), "%s/memory.limit_in_bytes", cg->dir);
	if (access(p, F_OK) == 0)
		cg->version = 1;
	else if (v2_has_memory(cg->dir))
		cg->version = 2;
	else
		return access(cg->dir, F_OK) < 0 ? -ENOENT : -ENOTSUP;
	const char *slash = strrchr(cg->dir, '/');
	snprintf(cg->path, sizeof(cg->path), "%s", slash ? slash : "/");
	return 0;
}

/* The path inside the hierarchy of dir, when dir lies under mount point mnt
 * whose root is root: "/sys/fs/cgroup/memory/a/b" -> "/a/b". */
static bool path_in_mount(const char *dir, const char *mnt, const char *root, char *out, size_t sz)
{
	size_t ml = strlen(mnt);
	if (!ml || strncmp(dir, mnt, ml) || (dir[ml] != '/' && dir[ml]))
		return false;
	const char *rest = dir + ml;
	bool rootless = !strcmp(root, "/") || !root[0];
	snprintf(out, sz, "%s%s", rootless ? "" : root, *rest ? rest : (rootless ? "/" : ""));
	return true;
}

int og_cgroup_resolve(const char *procroot, const char *arg, struct og_cgroup *cg)
{
	struct og_cg_mounts mnt;
	char dir[OG_CG_PATH_MAX];
	int dfd, r;

	if (!arg[0])
		return -ENOENT;
	dfd = open(procroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	r = read_mounts(dfd, &mnt);
	close(dfd);
	if (r < 0)
		return og_cgroup_from_dir(arg, cg);
	/* A directory under a mount point as given: the full /sys/fs/cgroup path. */
	if (path_in_mount(arg, mnt.v1_memory, mnt.v1_root, dir, sizeof(dir)) ||
	    path_in_mount(arg, mnt.v2, mnt.v2_root, dir, sizeof(dir)) || arg[0] != '/') {
		if ((r = og_cgroup_from_dir(arg, cg)) < 0)
			return r;
		if (path_in_mount(cg->dir, cg->version == 1 ? mnt.v1_memory : mnt.v2,
				  cg->version == 1 ? mnt.v1_root : mnt.v2_root, dir, sizeof(dir)))
			snprintf(cg->path, sizeof(cg->path), "%s", dir);
		return 0;
	}
	/* A path inside the hierarchy, as every output prints it ("/nc-test"):
	 * the v1 memory hierarchy first, as og_cgroup_of_pid does. */
	r = -ENOENT;
	for (int v = 1; v <= 2; v++) {
		const char *m = v == 1 ? mnt.v1_memory : mnt.v2,
			   *root = v == 1 ? mnt.v1_root : mnt.v2_root;
		if (!m[0] || join(dir, sizeof(dir), m, root, arg) < 0)
			continue;
		r = og_cgroup_from_dir(dir, cg);
		if (r == 0 && cg->version == v) {
			snprintf(cg->path, sizeof(cg->path), "%s", arg);
			size_t l = strlen(cg->path);
			while (l > 1 && cg->path[l - 1] == '/')
				cg->path[--l] = '\0';
			return 0;
		}
		if (r == 0)
			r = -ENOTSUP;
	}
	/* Neither: maybe a directory outside every mount (a bind mount, tests). */
	return og_cgroup_from_dir(arg, cg) == 0 ? 0 : r;
}

int og_cgroup_parent(struct og_cgroup *cg)
{
	char *ds = strrchr(cg->dir, '/');
	char *ps = strrchr(cg->path, '/');

	if (!ps || !strcmp(cg->path, "/") || !ds || ds == cg->dir)
		return -ENOENT;
	*ds = '\0';
	if (ps == cg->path)
		ps[1] = '\0';
	else
		*ps = '\0';
	return 0;
}

int og_parse_limit(const char *buf, size_t len, long long *out)
{
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	if (len == 3 && !memcmp(buf, "max", 3)) {
		*out = -1;
		return 0;
	}
	unsigned long long u;
	if (og_parse_ull(buf, len, ~0ULL, &u) < 0)
		return -EINVAL;
	/* v1 "unlimited" is PAGE_COUNTER_MAX * PAGE_SIZE, rounded: anything
	 * at or above 2^62 means no limit. */
	*out = u >= (1ULL << 62) ? -1 : (long long)u;
	return 0;
}

static int read_val(const struct og_cgroup *cg, const char *file, long long *out)
{
	char path[OG_CG_PATH_MAX + 64], buf[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", cg->dir, file);
	n = og_read_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return og_parse_limit(buf, (size_t)n, out);
}

long long og_parse_key(const char *buf, size_t len, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = buf, *end = buf + len; p < end;) {
		size_t ll;
		const char *line = p;
		unsigned long long v;
		p = og_next_line(p, end, &ll);
		if (ll > kl && !memcmp(line, key, kl) && line[kl] == ' ')
			return og_parse_ull(line + kl + 1, ll - kl - 1, LLONG_MAX, &v) < 0
				       ? -1
				       : (long long)v;
	}
	return -1;
}

/* "key value" lines (memory.events, memory.oom_control). */
static long long read_key(const struct og_cgroup *cg, const char *file, const char *key)
{
	char path[OG_CG_PATH_MAX + 64], buf[1024];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", cg->dir, file);
	n = og_read_at(AT_FDCWD, path, buf, sizeof(buf));
	return n < 0 ? -1 : og_parse_key(buf, (size_t)n, key);
}

int og_memcg_read(const struct og_cgroup *cg, struct og_memcg *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	m->high = m->swap_limit = m->swap_usage = -1;
	m->swappiness = -1;
	if (cg->version == 1) {
		long long memsw_l = -1, memsw_u = -1, sw = -1;
		if ((r = read_val(cg, "memory.limit_in_bytes", &m->limit)) < 0 ||
		    (r = read_val(cg, "memory.usage_in_bytes", &m->usage)) < 0)
			return r;
		if (read_val(cg, "memory.memsw.limit_in_bytes", &memsw_l) == 0 && memsw_l >= 0 &&
		    m->limit >= 0)
			m->swap_limit = memsw_l - m->limit;
		if (read_val(cg, "memory.memsw.usage_in_bytes", &memsw_u) == 0 && memsw_u >= 0)
			m->swap_usage = memsw_u - m->usage;
		if (read_val(cg, "memory.swappiness", &sw) == 0)
			m->swappiness = (int)sw;
		m->oom_kills = read_key(cg, "memory.oom_control", "oom_kill");
		m->ooms = -1;
		m->under_oom = read_key(cg, "memory.oom_control", "under_oom") == 1;
		return 0;
	}
	if ((r = read_val(cg, "memory.max", &m->limit)) < 0 ||
	    (r = read_val(cg, "memory.current", &m->usage)) < 0)
		return r;
	read_val(cg, "memory.high", &m->high);
	read_val(cg, "memory.swap.max", &m->swap_limit);
	read_val(cg, "memory.swap.current", &m->swap_usage);
	m->oom_kills = read_key(cg, "memory.events", "oom_kill");
	m->ooms = read_key(cg, "memory.events", "oom");
	return 0;
}

int og_memcg_limiting(const struct og_cgroup *cg, struct og_cgroup *lim, struct og_memcg *m)
{
	*lim = *cg;
	for (;;) {
		if (og_memcg_read(lim, m) == 0 && m->limit >= 0)
			return 0;
		if (og_cgroup_parent(lim) < 0)
			return -ENOENT;
	}
}

int og_memcg_val(const struct og_cgroup *cg, const char *file, long long *out)
{
	return read_val(cg, file, out);
}

long long og_memcg_key(const struct og_cgroup *cg, const char *file, const char *key)
{
	return read_key(cg, file, key);
}

int og_memcg_peak_reclaim(const struct og_cgroup *cg, long long *peak, long long *reclaim)
{
	*peak = -1;
	/* v1 memory.max_usage_in_bytes; v2 memory.peak (Linux 5.19+). */
	read_val(cg, cg->version == 1 ? "memory.max_usage_in_bytes" : "memory.peak", peak);
	*reclaim = read_key(cg, "memory.stat",
			    cg->version == 1 ? "total_inactive_file" : "inactive_file");
	return *reclaim < 0 ? -ENOENT : 0;
}

/* ---- cgroupfs facts systemd-oomd reads -------------------------------------- */

long og_cg_owner(const char *root, const char *cg)
{
	char path[2 * OG_CG_PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", root, strcmp(cg, "/") ? cg : "");
	return stat(path, &st) == 0 ? (long)st.st_uid : -1;
}

bool og_cg_xattr_true(const char *dir, const char *name)
{
	char v[16];
	ssize_t n = getxattr(dir, name, v, sizeof(v) - 1);

	if (n <= 0)
		return false;
	v[n] = '\0';
	/* oomd reads them with parse_boolean. */
	return !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "y") || !strcmp(v, "true") ||
	       !strcmp(v, "t") || !strcmp(v, "on");
}

bool og_dir_has_subdirs(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool any = false;

	if (!d)
		return false;
	while (!any && (e = readdir(d)))
		any = e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return any;
}
