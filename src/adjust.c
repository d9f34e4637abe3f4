#include "adjust.h"
#include "cgroup.h"
#include "privilege.h"
#include "render.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int og_adjust(const struct og_proc *p, int adj)
{
	int r, r2;

	og_priv_raise();
	r = og_proc_set_adj(p, adj);
	r2 = og_priv_lower();
	return r < 0 ? r : r2;
}

int og_adjust_self(int adj)
{
	char v[16];
	int r, r2;

	snprintf(v, sizeof(v), "%d", adj);
	og_priv_raise();
	r = og_write_at(AT_FDCWD, "/proc/self/oom_score_adj", v);
	r2 = og_priv_lower();
	return r < 0 ? r : r2;
}

static int read_adj(const char *path, int *v)
{
	char b[16];
	long l;
	ssize_t n = og_read_at(AT_FDCWD, path, b, sizeof(b));
	if (n < 0)
		return (int)n;
	b[strcspn(b, "\n")] = '\0';
	if (og_parse_long(b, OG_ADJ_MIN, OG_ADJ_MAX, &l) < 0)
		return -EINVAL;
	*v = (int)l;
	return 0;
}

int og_adjust_self_value(void)
{
	int v;
	return read_adj("/proc/self/oom_score_adj", &v) == 0 ? v : OG_ADJ_MAX + 1;
}

int og_adjust_follow(pid_t job, int before, int *from, int *to)
{
	char p[64];
	int r, now;
	snprintf(p, sizeof(p), "/proc/%d/oom_score_adj", (int)job);
	if ((r = read_adj("/proc/self/oom_score_adj", &now)) < 0 || (r = read_adj(p, to)) < 0)
		return r;
	*from = before <= OG_ADJ_MAX ? before : now;
	/* lowered ahead of the job further than the job got: back up to it */
	if (*to > now && now < *from)
		return og_adjust_self(*to < *from ? *to : *from);
	if (*to >= now) {
		*to = now;
		return 0;
	}
	return og_adjust_self(*to);
}

/* Does a limited memory cgroup hold both the job and the caller?  Then its
 * OOM kill may choose either. */
static bool shares_limited_memcg(pid_t job)
{
	struct og_cgroup j, self, lim;
	struct og_memcg m;
	if (og_cgroup_of_pid("/proc", job, &j) < 0 ||
	    og_cgroup_of_pid("/proc", getpid(), &self) < 0)
		return false;
	while (og_memcg_limiting(&j, &lim, &m) == 0) {
		size_t l = strlen(lim.path);
		if (!strcmp(lim.path, "/") ||
		    (!strncmp(self.path, lim.path, l) && (self.path[l] == '/' || !self.path[l])))
			return true;
		j = lim;
		if (og_cgroup_parent(&j) < 0)
			break;
	}
	return false;
}

void og_adjust_follow_say(FILE *f, const char *prefix, pid_t job, int before)
{
	int from = 0, to = 0;
	int r = og_adjust_follow(job, before, &from, &to);
	if (!f)
		return;
	if (r == 0 && from != to)
		fprintf(f,
			"%swatcher pid %d: oom_score_adj %d -> %d, the job's: an OOM kill the two share ranks them by "
			"size, and the watcher is the smaller\n",
			prefix, (int)getpid(), from, to);
	else if (r < 0 && og_adjust_is_perm_error(r) && shares_limited_memcg(job))
		fprintf(f,
			"%swatcher pid %d stays at oom_score_adj %d, above the job's %d (lowering %s): in a memory cgroup "
			"they share, an OOM kill may take the watcher first\n",
			prefix, (int)getpid(), from, to, og_adjust_lower_hint());
}

int og_adjust_is_perm_error(int err)
{
	/* EACCES on a stock kernel; EPERM from LSMs; some kernels (this project's
	 * CI host among them) answer EIO for a write below the floor. */
	return err == -EACCES || err == -EPERM || err == -EIO;
}

/* Said where the bounding set lacks the capability: sudo and 'make
 * install-cap' cannot add what the bounding set withholds (capabilities(7),
 * "Capability bounding set"). */
#define OG_NO_BOUNDING                                                                                     \
	"needs CAP_SYS_RESOURCE, which this machine's capability bounding set does not have "              \
	"(CapBnd in /proc/self/status: a container started without it), so no process here can lower it, " \
	"not root, not sudo, not 'make install-cap', and nothing oomguard can do changes that; "           \
	"the container needs that capability (e.g. docker/podman run --cap-add SYS_RESOURCE)"

const char *og_adjust_lower_hint(void)
{
	return og_priv_bounding_lacks_resource()
		       ? OG_NO_BOUNDING
		       : "needs CAP_SYS_RESOURCE; run with sudo or install with 'make install-cap'";
}

const char *og_adjust_reason(int err)
{
	if (og_adjust_is_perm_error(err))
		return og_adjust_lower_hint();
	if (err == -ESRCH)
		return "the process has exited";
	return strerror(-err);
}

void og_readback_kernel(FILE *f, pid_t pid, const char *comm, long have, long want)
{
	char esc[4 * OG_COMM_MAX + 1];

	og_esc(comm ? comm : "?", esc, sizeof(esc));
	if (have == OG_ADJ_MIN)
		fprintf(f, "kernel OOM killer: protected (oom_score_adj -1000, pid %d %s)\n",
			(int)pid, esc);
	else if (have == want)
		fprintf(f,
			"kernel OOM killer: candidate (oom_score_adj %ld as requested, pid %d %s); only -1000 excludes a process\n",
			have, (int)pid, esc);
	else if (have > want)
		fprintf(f,
			"kernel OOM killer: EXPOSED (oom_score_adj %ld, wanted %ld, pid %d %s): lowering %s\n",
			have, want, (int)pid, esc, og_adjust_lower_hint());
	else
		fprintf(f,
			"kernel OOM killer: oom_score_adj %ld, wanted %ld (pid %d %s): changed by someone else\n",
			have, want, (int)pid, esc);
}
