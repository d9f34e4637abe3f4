/* The Slurm plugin's per-step agent (see stepagent.h). */
#include "stepagent.h"

#include "cgroup.h"
#include "episode.h"
#include "logsrc.h"
#include "memcg_event.h"
#include "proc.h"
#include "render.h"
#include "signame.h"
#include "slurmcg.h"
#include "util.h"
#include "warn_core.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TASKS 256
#define MAX_SEEN 64
#define MAX_PIDS 16384
#define MAX_WARNED 4096
#define LIMIT_EVERY_S 10.0

struct task {
	unsigned local, global;
	pid_t pid;
	int pidfd, errfd;
	bool gone;
};

struct agent {
	const struct og_agent_cfg *c;
	struct task t[MAX_TASKS];
	size_t nt;
	struct og_cgroup step, lim; /* the step's memcg and the limited one at or above it */
	bool have_cg;
	char stepd_exe
		[256]; /* a task still running slurmstepd's code has not set up its stdio yet */
	struct og_watch w;
	long long kills;    /* oom_kill count of the step seen so far */
	int oom_efd;        /* v1: the kernel signals an OOM in the step or above (eventfd);
	                              * v2: the step's memory.events, changed (POLLPRI); -1 = look every tick */
	int thr_efd;        /* v1: usage thresholds on the limited memcg; -1 = none armed */
	long long armed_at; /* usage when they were armed */
	bool kill_check;    /* an OOM event came: read the counters */
	int usage_fd;       /* the limited memcg's usage file, read with pread every tick */
	long long limit;    /* its limit, read again every LIMIT_EVERY_S */
	double limit_t;
	int64_t start_wall_us;    /* kills logged before the agent started are not this step's */
	pid_t warned[MAX_WARNED]; /* processes signalled in this incident */
	size_t nwarned;
	pid_t seen[MAX_SEEN]; /* victims already reported */
	size_t nseen;
	char linebuf[256];
	size_t linelen;
};

int og_agent_parse_task(const char *line, unsigned *local, unsigned *global, pid_t *pid)
{
	char tail;
	long long l, g, p;

	if (sscanf(line, "T %lld %lld %lld%c", &l, &g, &p, &tail) != 3 || l < 0 || l >= MAX_TASKS ||
	    g < 0 || g > 0x7fffffff || p < 1 || p > 4194304)
		return -EINVAL;
	*local = (unsigned)l;
	*global = (unsigned)g;
	*pid = (pid_t)p;
	return 0;
}

int og_slurm_task_of(const char *cgpath)
{
	const char *s = strrchr(cgpath, '/');
	long v;

	if (!s || strncmp(s + 1, "task_", 5) || og_parse_long(s + 6, 0, 1000000, &v) < 0)
		return -1;
	return (int)v;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The job's stderr: one line, written whole. */
static void say(struct agent *a, const struct task *t, const char *line)
{
	const struct task *to = t && t->errfd >= 0 ? t : NULL;

	for (size_t i = 0; !to && i < a->nt; i++)
		if (a->t[i].errfd >= 0)
			to = &a->t[i];
	if (to && write(to->errfd, line, strlen(line)) < 0) {
		/* The job closed its stderr: nothing else to tell it through. */
	}
}

/* The step's memcg from the first task's /proc/PID/cgroup, once Slurm has
 * moved the task into its task_N (it does so right after the fork): step_S
 * on cgroup v1 and v2 alike (slurmcg.h). */
static void find_cgroup(struct agent *a, pid_t pid)
{
	struct og_memcg m;

	if (a->have_cg || og_slurm_step_find(a->c->procroot, pid, &a->step, &a->lim, &m) < 0)
		return;
	a->have_cg = true;
	a->kills = og_slurm_step_kills(&a->step);
	a->oom_efd = a->step.version == 1
			     ? og_memcg_v1_event(&a->step, "memory.oom_control", NULL, 0)
			     : og_cg_notify_fd(a->step.dir, "memory.events");
}

/* Open the task's stderr once it has exec'd the job (slurmstepd sets up a
 * task's stdio between fork and exec). */
static void open_err(struct agent *a, struct task *t)
{
	char p[64], exe[256];
	ssize_t n;
	int fd;

	if (t->errfd >= 0 || t->gone)
		return;
	snprintf(p, sizeof(p), "%s/%d/exe", a->c->procroot, (int)t->pid);
	n = readlink(p, exe, sizeof(exe) - 1);
	if (n <= 0 || ((size_t)n == strlen(a->stepd_exe) && !memcmp(exe, a->stepd_exe, (size_t)n)))
		return;
	snprintf(p, sizeof(p), "%s/%d/fd/2", a->c->procroot, (int)t->pid);
	fd = open(p, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0)
		t->errfd = fd;
}

static void task_gone(struct agent *a, struct task *t);
static struct task *task_by_local(struct agent *a, int local);

/* "X LOCAL": slurmstepd reaped the task and waits in task_exit until its
 * diagnosis is written, so that it comes before Slurm's own lines. */
static void task_exited(struct agent *a, const char *line)
{
	long v;

	if (og_parse_long(line + 2, 0, MAX_TASKS - 1, &v) == 0) {
		struct task *t = task_by_local(a, (int)v);
		if (t && !t->gone)
			task_gone(a, t);
	}
	if (write(a->c->ack, "k", 1) < 0) {
		/* slurmstepd stopped waiting */
	}
}

static void add_task(struct agent *a, const char *line)
{
	struct task *t;

	if (!strncmp(line, "X ", 2)) {
		task_exited(a, line);
		return;
	}
	if (a->nt >= MAX_TASKS)
		return;
	t = &a->t[a->nt];
	if (og_agent_parse_task(line, &t->local, &t->global, &t->pid) < 0)
		return;
	t->errfd = -1;
	t->gone = false;
	t->pidfd = (int)syscall(SYS_pidfd_open, t->pid, 0);
	a->nt++;
	find_cgroup(a, t->pid);
}

/* Lines from slurmstepd.  Returns false at EOF (the step is over). */
static bool read_ctl(struct agent *a)
{
	char buf[512];
	ssize_t n = read(a->c->ctl, buf, sizeof(buf));

	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		return false;
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (a->linelen < sizeof(a->linebuf) - 1)
				a->linebuf[a->linelen++] = buf[i];
			continue;
		}
		a->linebuf[a->linelen] = '\0';
		add_task(a, a->linebuf);
		a->linelen = 0;
	}
	return true;
}

/* Does pid have a handler for sig?  Only those get the warning. */
static bool catches(struct agent *a, pid_t pid, int sig)
{
	char p[64], buf[4096];
	struct og_status st;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/%d/status", a->c->procroot, (int)pid);
	n = og_read_at(AT_FDCWD, p, buf, sizeof(buf));
	return n > 0 && og_parse_status(buf, (size_t)n, &st) == 0 && (st.sig_cgt >> (sig - 1)) & 1;
}

static bool was_warned(const struct agent *a, pid_t pid)
{
	for (size_t i = 0; i < a->nwarned; i++)
		if (a->warned[i] == pid)
			return true;
	return false;
}

/* Every process in the step's task cgroups that catches sig and has not had
 * it in this incident: a rank or worker that starts (or installs its handler)
 * after the incident's first notice gets it at the next one. */
static void signal_step(struct agent *a, int sig, unsigned *sent, unsigned *all, unsigned *before)
{
	pid_t *pids = malloc(MAX_PIDS * sizeof(*pids));
	int n = pids ? og_slurm_step_pids(&a->step, pids, MAX_PIDS) : -ENOMEM;

	*sent = *all = *before = 0;
	for (int i = 0; i < n; i++) {
		if (pids[i] <= 1 || pids[i] == getpid())
			continue;
		(*all)++;
		if (was_warned(a, pids[i]))
			(*before)++;
		else if (catches(a, pids[i], sig) && kill(pids[i], sig) == 0) {
			(*sent)++;
			if (a->nwarned < MAX_WARNED)
				a->warned[a->nwarned++] = pids[i];
		}
	}
	free(pids);
}

/* The hook, as the job's user (never root unless the job is root's), without
 * capabilities: setuid from root to another uid clears them all. */
static void run_hook(struct agent *a, const struct og_verdict *v)
{
	pid_t p = fork();

	if (p != 0)
		return;
	if (setgroups(0, NULL) < 0 || setgid(a->c->gid) < 0 || setuid(a->c->uid) < 0)
		_exit(126);
	setenv("OOMGUARD_STEP", a->c->step, 1);
	setenv("OOMGUARD_LEVEL", og_level_name(v->notify), 1);
	setenv("OOMGUARD_REASON", v->reason, 1);
	execl("/bin/sh", "sh", "-c", a->c->hook, (char *)NULL);
	_exit(127);
}

static void notice(struct agent *a, const struct og_verdict *v, bool first)
{
	char line[768], sig[32] = "no signal", esc[600];
	unsigned sent = 0, all = 0, before = 0;
	int n;

	if (first)
		a->nwarned = 0; /* a new incident: everyone is told again */
	if (a->c->signal) {
		signal_step(a, a->c->signal, &sent, &all, &before);
		og_signal_name(a->c->signal, sig, sizeof(sig));
	}
	og_esc(v->reason, esc, sizeof(esc));
	n = snprintf(line, sizeof(line) - 128, "oomguard: step %s: memory %s: %s", a->c->step,
		     og_level_name(v->notify), esc);
	if (n < 0 || n > (int)sizeof(line) - 129)
		n = (int)sizeof(line) - 129; /* cut: the signal's part still fits */
	if (first && a->c->signal)
		snprintf(line + n, sizeof(line) - (size_t)n,
			 "; %s sent to %u of %u processes (%u have no handler)\n", sig, sent, all,
			 all - sent);
	else if (sent)
		snprintf(line + n, sizeof(line) - (size_t)n,
			 "; %s sent to %u more of %u processes (%u had it already)\n", sig, sent,
			 all, before);
	else
		snprintf(line + n, sizeof(line) - (size_t)n, "\n");
	say(a, NULL, line);
	if (a->c->hook)
		run_hook(a, v);
}

/* v1 usage thresholds at the next step of growth and at the warning and
 * critical levels: the kernel wakes the agent when memory grows, so the core
 * need not poll fast for a sudden fill. */
static void arm(struct agent *a, long long usage, long long limit)
{
	long long step = limit / 32 > (16LL << 20) ? limit / 32 : (16LL << 20), lv[3];
	long long cand[3] = { usage + step, limit - og_thr_bytes(&a->c->spec.avail, limit),
			      limit - og_thr_bytes(&a->c->spec.crit, limit) };
	size_t n = 0;

	if (a->thr_efd >= 0 && llabs(usage - a->armed_at) < step / 2)
		return;
	for (size_t i = 0; i < 3; i++)
		if (cand[i] > usage && cand[i] < limit)
			lv[n++] = cand[i];
	if (a->thr_efd >= 0)
		close(a->thr_efd);
	a->thr_efd = n ? og_memcg_v1_event(&a->lim, "memory.usage_in_bytes", lv, n) : -1;
	if (a->thr_efd < 0)
		a->thr_efd = -1;
	a->armed_at = usage;
}

/* The tick's read: one pread of usage; the limit (and a reopened usage
 * file) only every LIMIT_EVERY_S, since Slurm sets it once per step. */
static int read_usage(struct agent *a, struct og_memcg *m)
{
	char buf[64];
	double t = now_s();

	if (a->usage_fd < 0 || t - a->limit_t >= LIMIT_EVERY_S) {
		char p[OG_CG_PATH_MAX + 32];
		if (og_memcg_read(&a->lim, m) < 0)
			return -ENOENT;
		a->limit = m->limit;
		a->limit_t = t;
		if (a->usage_fd < 0) {
			snprintf(p, sizeof(p), "%s/%s", a->lim.dir,
				 a->lim.version == 1 ? "memory.usage_in_bytes" : "memory.current");
			a->usage_fd = open(p, O_RDONLY | O_CLOEXEC);
		}
		return 0;
	}
	ssize_t n = pread(a->usage_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0 || og_parse_limit(buf, (size_t)n, &m->usage) < 0)
		return -EIO;
	m->limit = a->limit;
	return 0;
}

static void sample_and_feed(struct agent *a, double *next)
{
	struct og_wsample s;
	struct og_verdict v;
	struct og_memcg m;
	long long peak, reclaim;
	unsigned before = a->w.incidents;

	if (!a->have_cg || read_usage(a, &m) < 0)
		return;
	og_wsample_init(&s, now_s());
	s.cg_limit = m.limit;
	s.cg_usage = m.usage;
	if (m.limit > 0)
		arm(a, m.usage, m.limit);
	s.cg_evented = a->thr_efd >= 0;
	/* memory.stat is the costly read (v1 sums the subtree): only near the
	 * warning level, where the file pages the kernel drops first matter. */
	long long warn_b = m.limit > 0 ? og_thr_bytes(&a->c->spec.avail, m.limit) : -1;
	if (m.limit > 0 && m.limit - m.usage < 2 * (warn_b > 0 ? warn_b : m.limit / 10) &&
	    og_memcg_peak_reclaim(&a->lim, &peak, &reclaim) == 0 && reclaim > 0)
		s.cg_reclaim = reclaim;
	og_watch_feed(&a->w, &s, &v);
	*next = v.next_s;
	if (v.notify != OG_LEVEL_NONE)
		notice(a, &v, a->w.incidents != before);
}

static bool seen(struct agent *a, pid_t pid)
{
	for (size_t i = 0; i < a->nseen; i++)
		if (a->seen[i] == pid)
			return true;
	if (a->nseen < MAX_SEEN)
		a->seen[a->nseen++] = pid;
	return false;
}

static bool under(const char *path, const char *top)
{
	size_t n = strlen(top);
	return !strncmp(path, top, n) && (path[n] == '\0' || path[n] == '/');
}

static struct task *task_by_local(struct agent *a, int local)
{
	for (size_t i = 0; i < a->nt; i++)
		if ((int)a->t[i].local == local)
			return &a->t[i];
	return NULL;
}

/* One line per kill of a process of this step: the victim, the memcg that
 * hit its limit (job_J or step_S), the step's true peak, the allocator. */
static void report_kill(struct agent *a, const struct og_event *e, long long limit, long long peak)
{
	char line[4096], rss[32], lim[32], pk[32], comm[4 * OG_LOG_COMM], acomm[4 * OG_LOG_COMM],
		why[1024], memcg[4 * OG_LOG_PATH];
	int local = og_slurm_task_of(e->cgroup);
	struct task *t = task_by_local(a, local);
	long long lim_kib = e->limit_kib >= 0 ? e->limit_kib : limit > 0 ? limit / 1024 : 0;

	og_fmt_kib((unsigned long long)(e->victim.rss_kib > 0 ? e->victim.rss_kib : 0), rss,
		   sizeof(rss));
	og_fmt_kib((unsigned long long)lim_kib, lim, sizeof(lim));
	og_fmt_kib((unsigned long long)(peak > 0 ? peak / 1024 : 0), pk, sizeof(pk));
	og_esc(e->victim.comm, comm, sizeof(comm));
	og_esc(e->alloc.comm[0] ? e->alloc.comm : "?", acomm, sizeof(acomm));
	og_esc(e->oom_memcg[0] ? e->oom_memcg : a->lim.path, memcg, sizeof(memcg));
	og_esc(e->why, why, sizeof(why));
	snprintf(
		line, sizeof(line),
		"oomguard: step %s task %u: pid %d (%s) was killed by the %s OOM killer, RSS %s; limit %s of %s, the step's peak %s; allocating: pid %d (%s). %s\n",
		a->c->step, t ? t->global : (unsigned)(local < 0 ? 0 : local), e->victim.pid, comm,
		og_killer_name(e->killer), rss, lim, memcg, pk, e->alloc.pid, acomm, why);
	say(a, t, line);
}

/* Kills the counters show but the kernel log does not name (its lines can
 * be interleaved with another memcg's kill at the same moment): still one
 * line, with what the step's memcg knows. */
static void unnamed_kills(struct agent *a, long long n, long long limit, long long peak)
{
	char line[OG_CG_PATH_MAX + 512], lim[32], pk[32];

	og_fmt_kib((unsigned long long)(limit > 0 ? limit / 1024 : 0), lim, sizeof(lim));
	og_fmt_kib((unsigned long long)(peak > 0 ? peak / 1024 : 0), pk, sizeof(pk));
	snprintf(
		line, sizeof(line),
		"oomguard: step %s: %lld process(es) killed by the kernel-memcg OOM killer that the kernel log does not name; limit %s of %s, the step's peak %s\n",
		a->c->step, n, lim, a->lim.path, pk);
	say(a, NULL, line);
}

/* The step's oom_kill counter rose: find the kernel's lines for it. */
static void check_kills(struct agent *a)
{
	struct og_memcg m;
	struct og_asm *as;
	long long peak, reclaim;
	size_t n;

	long long kills = a->have_cg ? og_slurm_step_kills(&a->step) : 0;

	if (!a->have_cg || kills <= a->kills || og_memcg_read(&a->lim, &m) < 0)
		return;
	as = malloc(sizeof(*as));
	if (!as || og_asm_init(as, "/dev/kmsg", NULL) < 0) {
		free(as);
		return;
	}
	og_memcg_peak_reclaim(&a->lim, &peak, &reclaim);
	/* The kernel logs the kill before the victim is gone; allow a slow log. */
	for (int tries = 0; tries < 10 && kills > a->kills; tries++) {
		as->nev = 0;
		if (og_src_kmsg(as, &n) < 0)
			break;
		for (size_t i = 0; i < as->nev; i++) {
			const struct og_event *e = &as->ev[i];
			if (!og_killer_is_kernel(e->killer) ||
			    (e->wall_us != OG_TIME_NONE && e->wall_us < a->start_wall_us) ||
			    !under(e->cgroup, a->step.path) || seen(a, e->victim.pid))
				continue;
			report_kill(a, e, m.limit >= 0 ? m.limit : (long long)-1, peak);
			a->kills++;
		}
		if (kills > a->kills)
			usleep(100000);
	}
	if (kills > a->kills)
		unnamed_kills(a, kills - a->kills, m.limit, peak);
	a->kills = kills;
	og_asm_free(as);
	free(as);
}

static void task_gone(struct agent *a, struct task *t)
{
	check_kills(a); /* its diagnosis goes out before its stderr closes */
	t->gone = true;
	if (t->pidfd >= 0)
		close(t->pidfd);
	if (t->errfd >= 0)
		close(t->errfd);
	t->pidfd = t->errfd = -1;
}

/* The descriptors slurmstepd had are not ours: holding a task's I/O pipe
 * would keep the step from ending.  Keep only ctl (moved to 3). */
static int detach_from_stepd(struct agent *a)
{
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);

	ssize_t n = readlink("/proc/self/exe", a->stepd_exe, sizeof(a->stepd_exe) - 1);

	a->stepd_exe[n > 0 ? n : 0] = '\0';
	if (nul < 0 || dup2(a->c->ctl, 3) < 0 || dup2(a->c->ack, 4) < 0)
		return -errno;
	dup2(nul, 0);
	dup2(nul, 1);
	dup2(nul, 2);
	syscall(SYS_close_range, 5U, ~0U, 0U);
	/* slurmstepd's handlers and mask are not ours either. */
	sigset_t none;
	sigemptyset(&none);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "oomguard-step");
	return 0;
}

static void drain(int fd)
{
	uint64_t v;
	if (read(fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing pending */
	}
}

/* One wait: slurmstepd's lines, a task's end, the kernel's OOM and usage
 * events, or the core's next sample time.  Returns false at the step's end. */
static bool wait_once(struct agent *a, double next)
{
	struct pollfd pf[3 + 64];
	size_t map[64], np = 3, nt = 0;

	pf[0] = (struct pollfd){ .fd = a->c->ctl, .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = a->oom_efd,
				 .events = a->step.version == 2 ? POLLPRI : POLLIN };
	pf[2] = (struct pollfd){ .fd = a->thr_efd, .events = POLLIN };
	for (size_t i = 0; i < a->nt && nt < OG_ARRAY_LEN(map); i++)
		if (a->t[i].pidfd >= 0) {
			map[nt++] = i;
			pf[np++] = (struct pollfd){ .fd = a->t[i].pidfd, .events = POLLIN };
		}
	int r = poll(pf, np, (int)(next * 1000));
	if (r > 0 && (pf[0].revents & (POLLIN | POLLHUP)) && !read_ctl(a))
		return false;
	if (r > 0 && (pf[1].revents & (POLLIN | POLLPRI))) {
		if (a->step.version == 2)
			og_cg_notify_rearm(
				a->oom_efd); /* v2: any counter of memory.events changed */
		else
			drain(a->oom_efd);
		a->kill_check = true;
	}
	if (r > 0 && (pf[2].revents & POLLIN))
		drain(a->thr_efd);
	for (size_t i = 3; r > 0 && i < np; i++)
		if (pf[i].revents & POLLIN)
			task_gone(a, &a->t[map[i - 3]]);
	return true;
}

/* Until a task has exec'd its stderr is not the job's yet: look again soon. */
static bool all_open(const struct agent *a)
{
	for (size_t i = 0; i < a->nt; i++)
		if (!a->t[i].gone && a->t[i].errfd < 0)
			return false;
	return a->nt > 0;
}

int og_agent_run(const struct og_agent_cfg *cfg)
{
	struct og_agent_cfg c = *cfg;
	struct agent *a = calloc(1, sizeof(*a));
	double next = 0.1;
	struct timespec ts;

	if (!a)
		return -ENOMEM;
	a->c = &c;
	a->oom_efd = a->thr_efd = a->usage_fd = -1;
	if (detach_from_stepd(a) < 0)
		return -EBADF;
	c.ctl = 3;
	c.ack = 4;
	og_watch_init(&a->w, &c.spec, -1); /* no start-up hold: measured margins are without it */
	clock_gettime(CLOCK_REALTIME, &ts);
	a->start_wall_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - 2000000;
	while (wait_once(a, next)) {
		for (size_t i = 0; i < a->nt; i++) {
			if (!a->have_cg)
				find_cgroup(a, a->t[i].pid);
			open_err(a, &a->t[i]);
		}
		while (waitpid(-1, NULL, WNOHANG) > 0) {
		}
		/* without the kernel's OOM event, read the counters every time */
		if (a->kill_check || a->oom_efd < 0)
			check_kills(a);
		a->kill_check = false;
		next = all_open(a) && a->have_cg ? 5 : 0.2;
		if (c.warn)
			sample_and_feed(a, &next);
	}
	for (size_t i = 0; i < a->nt; i++)
		if (!a->t[i].gone)
			task_gone(a, &a->t[i]);
	free(a);
	return 0;
}
