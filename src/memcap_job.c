/* The cap of one job: placed before its first instruction, read back from
 * the cgroup files, and judged at its end (see memcap.h). */
#include "memcap.h"
#include "episode.h"
#include "logsrc.h"
#include "render.h"
#include "systemd.h"
#include "util.h"
#include "warn_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void og_memcap_job_init(struct og_memcap_job *j, const struct og_memcap_req *req)
{
	memset(j, 0, sizeof(*j));
	j->logfd = -1;
	j->req = *req;
	j->wanted = og_memcap_wanted(req);
}

int og_memcap_precheck(const struct og_memcap_job *j, const char *who, bool sd_running)
{
	if (!j->wanted || sd_running)
		return 0;
	if (geteuid() != 0) {
		og_err("%s: --memory-max needs a memory cgroup for the job, and nothing here can make one: systemd is not "
		       "the service manager (no scope with MemoryMax=) and uid %u is not root (no cgroup of its own under "
		       "/sys/fs/cgroup); run with sudo, or where systemd runs; nothing was run",
		       who, (unsigned)geteuid());
		return -1;
	}
	/* --detach is fine: the watcher that stays with a detached job
	 * removes the cgroup at its end, as the foreground one does. */
	return 0;
}

int og_memcap_scope_precheck(const struct og_memcap_job *j, const char *who)
{
	char dir[200];

	if (!j->wanted || geteuid() == 0 || !og_sd_running())
		return 0;
	if (og_sd_user_memory_delegated((unsigned)geteuid(), dir, sizeof(dir)) != 0)
		return 0; /* delegated, or not knowable here: the read-back decides */
	og_err("%s: --memory-max on a scope of the user manager needs the memory controller delegated to it, and "
	       "%s/cgroup.controllers lacks memory: add Delegate=memory to user@.service (systemctl edit user@.service), "
	       "or use sudo for a root-owned scope; nothing was run or moved",
	       who, dir);
	return -1;
}

/* Why a user scope's cap may not have taken: the user manager's controllers. */
static void explain_user(char *why, size_t whysz)
{
	char dir[200];
	size_t l = strlen(why);

	if (geteuid() == 0 || l + 1 >= whysz)
		return;
	if (og_sd_user_memory_delegated((unsigned)geteuid(), dir, sizeof(dir)) == 0)
		snprintf(
			why + l, whysz - l,
			"; the user manager has no memory controller delegated (%s/cgroup.controllers lacks memory): "
			"add Delegate=memory to user@.service, or run with sudo for a root-owned scope",
			dir);
}

static int verify(struct og_memcap_job *j, pid_t pid, bool in_scope)
{
	char why[sizeof(j->not_applied) - 64];
	int r = og_memcap_read("/proc", pid, &j->start);

	if (r < 0) {
		snprintf(j->not_applied, sizeof(j->not_applied),
			 "cannot read the job's memory cgroup: %s", strerror(-r));
		if (in_scope)
			explain_user(j->not_applied, sizeof(j->not_applied));
		return -1;
	}
	j->have_start = true;
	if (!og_memcap_matches(&j->start, &j->req, why, sizeof(why))) {
		snprintf(j->not_applied, sizeof(j->not_applied), "%s", why);
		if (in_scope)
			explain_user(j->not_applied, sizeof(j->not_applied));
		return -1;
	}
	j->applied = true;
	return 0;
}

int og_memcap_place(struct og_memcap_job *j, const char *who, pid_t pid, bool in_scope,
		    bool sd_running, bool best_effort)
{
	char err[sizeof(j->not_applied)];

	if (!j->wanted)
		return 0;
	j->pid = pid;
	j->placed_us = (long long)time(NULL) * 1000000;
	if (!in_scope && sd_running) {
		/* systemd owns the cgroup tree: a cgroup beside its units would be moved or removed by it */
		snprintf(j->not_applied, sizeof(j->not_applied),
			 "the job has no scope of its own to carry it");
	} else if (!in_scope && og_memcap_create(&j->req, pid, &j->own, err, sizeof(err)) < 0) {
		snprintf(j->not_applied, sizeof(j->not_applied), "%s", err);
	} else if (verify(j, pid, in_scope) == 0) {
		return 0;
	}
	if (best_effort) {
		og_err("%s: the memory cap did not take: %s; running without it (--best-effort)",
		       who, j->not_applied);
		return 0;
	}
	og_err("%s: the memory cap did not take: %s; nothing was run (--best-effort runs it anyway, uncapped)",
	       who, j->not_applied);
	/* The held job may be in the cgroup already (a read-back that failed
	 * after the move): the caller ends it, then og_memcap_undo. */
	return -1;
}

/* What the job's oom_score_adj means for its cap. */
static const char *adj_note(pid_t pid)
{
	char p[64], b[16];
	long adj;

	snprintf(p, sizeof(p), "/proc/%d/oom_score_adj", (int)pid);
	if (og_read_at(AT_FDCWD, p, b, sizeof(b)) <= 0)
		return "";
	b[strcspn(b, "\n")] = '\0';
	if (og_parse_long(b, -1000, 1000, &adj) < 0)
		return "";
	if (adj == -1000)
		return "; but oom_score_adj is -1000: the kernel never kills it, not even at its cap, so it would stall "
		       "there (oomguard protect --adj -999 PID)";
	if (adj == OG_MEMCAP_ADJ)
		return " (oom_score_adj -999: killed inside its cap, the last choice of any other OOM kill)";
	return "";
}

void og_memcap_readback(FILE *f, const char *prefix, const struct og_memcap_job *j, pid_t pid)
{
	struct og_memcap_state s;
	char line[2 * OG_CG_PATH_MAX + 200];

	if (!j->wanted)
		return;
	if (!j->applied) {
		fprintf(f, "%smemory cap: NOT APPLIED (%s)\n", prefix, j->not_applied);
		return;
	}
	(void)pid;
	/* The cgroup the job was placed in, as its files say now (a job that
	 * has already exited shows the root cgroup in /proc/PID/cgroup); gone
	 * already: what was read when it was placed. */
	if (og_memcap_read_dir(&j->start.cg, &s) < 0)
		s = j->start;
	og_memcap_line(&s, line, sizeof(line));
	fprintf(f, "%s%s%s\n", prefix, line, adj_note(pid));
}

void og_memcap_sample_end(struct og_memcap_job *j)
{
	struct og_memcap_state s;

	if (!j->applied)
		return;
	/* the latest good reading wins: a SIGCHLD may also mean stopped or
	 * continued, and the scope may be gone by the final call */
	if (og_memcap_read_dir(&j->start.cg, &s) == 0) {
		j->end = s;
		j->have_end = true;
	}
}

/* The kernel's own word, for when the job's cgroup is gone before its end
 * could be read (systemd prunes an emptied scope at once): a memcg OOM kill
 * of the job whose oom_memcg is the job's own cgroup.  The usage the kernel
 * logged at the kill stands in for the peak. */
static bool kill_from_kmsg(const struct og_memcap_job *j, struct og_memcap_state *end)
{
	struct og_asm *a = malloc(sizeof(*a));
	bool found = false;

	if (!a)
		return false;
	/* "Killed process" is logged before the victim can be reaped; allow a slow log */
	for (int tries = 0; tries < 5 && !found; tries++) {
		size_t n;
		if (tries)
			usleep(100000);
		og_asm_init(a, "/dev/kmsg", NULL);
		if (og_src_kmsg(a, &n) < 0) {
			og_asm_free(a);
			break;
		}
		for (size_t i = a->nev; i-- > 0 && !found;) {
			const struct og_event *e = &a->ev[i];
			if (e->killer != OG_K_KERNEL_MEMCG ||
			    strcmp(e->oom_memcg, j->start.cg.path) ||
			    (e->victim.pid != j->pid && e->victim.tgid != j->pid) ||
			    (e->wall_us != OG_TIME_NONE && e->wall_us < j->placed_us - 2000000))
				continue;
			*end = j->start;
			end->oom_kills = (j->start.oom_kills > 0 ? j->start.oom_kills : 0) + 1;
			end->peak = e->usage_kib >= 0 ? e->usage_kib * 1024 : -1;
			found = true;
		}
		og_asm_free(a);
	}
	free(a);
	return found;
}

/* Was the job's SIGKILL its own cap's memcg OOM kill?  From the end sample,
 * else from the kernel log: the sample can miss it when systemd prunes the
 * emptied scope before or while its files are read (then the kill count may
 * come without the peak).  One VM-lane run in about ten printed no own-cap
 * line for a job without --warn, which read only the sample. */
static bool own_cap_kill(struct og_memcap_job *j, bool warned, char *line, size_t size)
{
	struct og_memcap_state k;

	if (j->have_end && og_memcap_own_kill(&j->start, &j->end, warned, line, size))
		return true;
	return kill_from_kmsg(j, &k) && og_memcap_own_kill(&j->start, &k, warned, line, size);
}

void og_memcap_undo(struct og_memcap_job *j)
{
	int r;
	if (j->own.version && (r = og_memcap_remove(&j->own)) < 0)
		og_err("cannot remove the job's memory cgroup %s: %s", j->own.dir, strerror(-r));
	j->own.version = 0;
	j->finished = true;
}

void og_memcap_finish(struct og_memcap_job *j, int status, bool warned)
{
	char line[2 * OG_CG_PATH_MAX + 400];
	int r;

	if (j->finished)
		return;
	j->finished = true;
	og_memcap_sample_end(j);
	if (status == 128 + SIGKILL && j->applied && own_cap_kill(j, warned, line, sizeof(line)))
		og_watch_note(j->logfd,
			      line); /* a detached job's terminal is gone: the log has it */
	if (j->logfd >= 0)
		close(j->logfd);
	j->logfd = -1;
	if (j->own.version && (r = og_memcap_remove(&j->own)) < 0)
		og_err("cannot remove the job's memory cgroup %s: %s (processes of the job still in it?)",
		       j->own.dir, strerror(-r));
	j->own.version = 0;
}

void og_memcap_print_pid(FILE *f, const char *prefix, const char *procroot, pid_t pid)
{
	struct og_memcap_state s;
	char line[2 * OG_CG_PATH_MAX + 200];

	if (og_memcap_read(procroot, pid, &s) == 0)
		fprintf(f, "%s%s\n", prefix, og_memcap_line(&s, line, sizeof(line)));
}

void og_memcap_json_pid(FILE *f, const char *key, const char *procroot, pid_t pid)
{
	struct og_memcap_state s;

	fprintf(f, ",\"%s\":", key);
	if (og_memcap_read(procroot, pid, &s) == 0)
		og_memcap_json(f, &s);
	else
		fputs("null", f);
}
