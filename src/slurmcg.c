/* A Slurm job step's memory cgroups, v1 and v2 (see slurmcg.h). */
#include "slurmcg.h"

#include "oomlog_job.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *last_comp(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

int og_slurm_step_of(struct og_cgroup *cg)
{
	struct og_slurm_ids id;

	if (!og_slurm_path(cg->path, &id) || !id.step[0] || id.task < 0 ||
	    strncmp(last_comp(cg->path), "task_", 5))
		return -ENOENT;
	/* task_N, and on v2 user/ above it, up to step_S */
	for (int up = 0; up < 2; up++) {
		if (og_cgroup_parent(cg) < 0)
			return -ENOENT;
		if (!strncmp(last_comp(cg->path), "step_", 5))
			return 0;
	}
	return -ENOENT;
}

int og_slurm_step_find(const char *procroot, pid_t pid, struct og_cgroup *step,
		       struct og_cgroup *lim, struct og_memcg *m)
{
	int r = og_cgroup_of_pid(procroot, pid, step);

	if (r < 0)
		return r;
	if ((r = og_slurm_step_of(step)) < 0)
		return r;
	return og_memcg_limiting(step, lim, m);
}

/* The directory that holds the step's task_N directories. */
static int tasks_dir(const struct og_cgroup *step, char *out, size_t size)
{
	int n = snprintf(out, size, "%s%s", step->dir, step->version == 2 ? "/user" : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

long long og_slurm_step_kills(const struct og_cgroup *step)
{
	char dir[OG_CG_PATH_MAX + 8], p[OG_CG_PATH_MAX + 300];
	struct og_cgroup cg;
	struct og_memcg m;
	struct dirent *de;
	long long n = og_memcg_read(step, &m) == 0 && m.oom_kills > 0 ? m.oom_kills : 0;
	DIR *d = step->version == 1 && tasks_dir(step, dir, sizeof(dir)) == 0 ? opendir(dir) : NULL;

	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "task_", 5))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (og_cgroup_from_dir(p, &cg) == 0 && og_memcg_read(&cg, &m) == 0 &&
		    m.oom_kills > 0)
			n += m.oom_kills;
	}
	if (d)
		closedir(d);
	return n;
}

/* The pids of one cgroup.procs into out[*n..max). */
static void read_procs(const char *file, pid_t *out, size_t max, size_t *n)
{
	char *buf = malloc(1 << 16);
	ssize_t len = buf ? og_read_at(AT_FDCWD, file, buf, 1 << 16) : -ENOMEM;

	const char *s = buf;
	pid_t pid;
	while (*n < max && og_procs_next(&s, buf + (len > 0 ? len : 0), &pid))
		out[(*n)++] = pid;
	free(buf);
}

int og_slurm_step_pids(const struct og_cgroup *step, pid_t *out, size_t max)
{
	char dir[OG_CG_PATH_MAX + 8], p[OG_CG_PATH_MAX + 300];
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	int r;

	if ((r = tasks_dir(step, dir, sizeof(dir))) < 0)
		return r;
	if (!(d = opendir(dir)))
		return -errno;
	while ((de = readdir(d)) && n < max) {
		if (strncmp(de->d_name, "task_", 5))
			continue;
		snprintf(p, sizeof(p), "%s/%s/cgroup.procs", dir, de->d_name);
		read_procs(p, out, max, &n);
	}
	closedir(d);
	return (int)n;
}
