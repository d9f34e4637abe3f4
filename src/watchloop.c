/* The warning loop (see watchloop.h).  Files are opened once and re-read
 * with pread so a tick costs a few syscalls; nothing is allocated after
 * start-up, so once mlockall() holds the pages the loop needs no page-in to
 * see memory running out. */
#include "watchloop.h"

#include "cgroup.h"
#include "memcap.h"
#include "meminfo.h"
#include "render.h"
#include "util.h"
#include "watch.h"
#include "warn_oomd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/securebits.h>

#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

#define MAX_HOOKS 8
/* After a PSI trigger fires, read the totals this long to see the stall end. */
#define PSI_AFTER_FIRE_S 10.0

static int sys_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int sys_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static const struct { const char *name; int sig; } signames[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 },
	{ "USR2", SIGUSR2 }, { "TERM", SIGTERM }, { "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
	{ "ALRM", SIGALRM }, { "PWR", SIGPWR }, { "WINCH", SIGWINCH }, { "URG", SIGURG },
};

int og_signal_parse(const char *s, int *sig)
{
	long v;
	if (!strcmp(s, "none") || !strcmp(s, "0")) {
		*sig = 0;
		return 0;
	}
	if (og_parse_long(s, 1, SIGRTMAX, &v) == 0) {
		*sig = (int)v;
		return 0;
	}
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < OG_ARRAY_LEN(signames); i++)
		if (!strcmp(s, signames[i].name)) {
			*sig = signames[i].sig;
			return 0;
		}
	return -EINVAL;
}

const char *og_signal_name(int sig, char *buf, size_t size)
{
	for (size_t i = 0; i < OG_ARRAY_LEN(signames); i++)
		if (signames[i].sig == sig) {
			snprintf(buf, size, "SIG%s", signames[i].name);
			return buf;
		}
	snprintf(buf, size, "signal %d", sig);
	return buf;
}

/* Everything the loop reads, opened once. */
struct src {
	struct og_cgroup cg;       /* the limiting memory cgroup */
	bool have_cg;
	int cg_usage, cg_limit, cg_stat;
	int cg_efd;                /* v1 usage thresholds (cgroup.event_control) */
	long long cg_armed_at;     /* usage when they were set */
	double cg_event_t;         /* when one last fired */
	int meminfo;
	int psi;                   /* /proc/pressure/memory */
	int cgpsi;                 /* the job's v2 cgroup memory.pressure */
	char cgpsi_path[OG_CG_PATH_MAX + 32];
	int trig;                  /* PSI trigger fd, POLLPRI */
	char trig_desc[OG_CG_PATH_MAX + 96];
	int oomd;
	double oomd_limit, oomd_dur;
	char oomd_desc[640];
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static ssize_t pread_buf(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

static int read_ll(int fd, long long *v)
{
	char buf[64];
	ssize_t n = pread_buf(fd, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return og_parse_limit(buf, (size_t)n, v);
}

/* The value of one "key value" line of memory.stat; -1 when absent. */
static long long stat_key(const char *buf, size_t len, const char *key)
{
	const char *p = buf, *end = buf + len;
	size_t ll, kl = strlen(key);
	while (p < end) {
		const char *line = p;
		p = og_next_line(p, end, &ll);
		if (ll > kl + 1 && !memcmp(line, key, kl) && line[kl] == ' ') {
			long long v = 0;
			for (size_t i = kl + 1; i < ll && line[i] >= '0' && line[i] <= '9'; i++)
				v = v * 10 + (line[i] - '0');
			return v;
		}
	}
	return -1;
}

static int open_rel(const char *dir, const char *file)
{
	char p[2 * OG_CG_PATH_MAX + 128];
	if (snprintf(p, sizeof(p), "%s/%s", dir, file) >= (int)sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(p, O_RDONLY | O_CLOEXEC);
}

/* The job's cgroup-v2 directory (whether or not v2 has the memory
 * controller: memory.pressure is a core file of every non-root v2 cgroup). */
static int v2_dir_of(const char *procroot, pid_t pid, char *out, size_t outsz, char *mnt, size_t mntsz,
		     char *relout, size_t relsz)
{
	static char mi[1 << 17];
	char buf[4096], path[64];
	struct og_cg_mounts m;
	struct og_proc_cgroup pc;
	ssize_t n = og_read_at(AT_FDCWD, "/proc/self/mountinfo", mi, sizeof(mi));
	if (n < 0 || og_parse_mountinfo(mi, (size_t)n, &m) < 0 || !m.v2[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%d/cgroup", procroot, (int)pid);
	n = og_read_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (og_parse_proc_cgroup(buf, (size_t)n, &pc) < 0 || !pc.v2[0] || !strcmp(pc.v2, "/"))
		return -ENOENT;
	const char *rel = pc.v2;
	size_t rl = strlen(m.v2_root);
	if (rl > 1 && !strncmp(rel, m.v2_root, rl))
		rel += rl;
	snprintf(mnt, mntsz, "%s", m.v2);
	if (snprintf(relout, relsz, "%s", rel) >= (int)relsz)
		return -ENAMETOOLONG;
	return snprintf(out, outsz, "%s%s", m.v2, rel) < (int)outsz ? 0 : -ENAMETOOLONG;
}

/* A PSI trigger: "<some|full> STALL WINDOW" with the NUL the kernel
 * overwrites (kernel-oom.md §4).  A 1 s window needs CAP_SYS_RESOURCE; the
 * unprivileged rule (6.5+) wants a multiple of 2 s. */
static int open_trigger(const char *path, const char *kind, double pct, char *desc, size_t descsz)
{
	static const long windows[] = { 1000000, 2000000 };
	for (size_t i = 0; i < OG_ARRAY_LEN(windows); i++) {
		int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		char t[64];
		long stall = (long)((double)windows[i] * pct / 100.0);
		if (stall < 1)
			stall = 1;
		int len = snprintf(t, sizeof(t), "%s %ld %ld", kind, stall, windows[i]);
		if (write(fd, t, (size_t)len + 1) == len + 1) {
			snprintf(desc, descsz, "PSI trigger on %s (%s %ld ms in %ld s)", path, kind, stall / 1000, windows[i] / 1000000);
			return fd;
		}
		int e = errno;
		close(fd);
		if (e != EINVAL)
			return -e;
	}
	return -EINVAL;
}

static void src_close(struct src *s)
{
	int *fds[] = { &s->cg_usage, &s->cg_limit, &s->cg_stat, &s->meminfo, &s->psi, &s->cgpsi, &s->trig, &s->oomd, &s->cg_efd };
	for (size_t i = 0; i < OG_ARRAY_LEN(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

static int src_open(const struct og_watch_cfg *c, struct src *s)
{
	struct og_cgroup job;
	struct og_memcg m;
	int r;

	memset(s, 0, sizeof(*s));
	s->cg_usage = s->cg_limit = s->cg_stat = s->meminfo = s->psi = s->cgpsi = s->trig = s->oomd = -1;
	s->cg_efd = -1;
	s->cg_event_t = -1e9;

	r = c->cgroup_dir ? og_cgroup_from_dir(c->cgroup_dir, &job) : og_cgroup_of_pid(c->procroot, c->pid, &job);
	if (r < 0 && c->cgroup_dir) {
		og_err("watch: cannot use '%s' as a memory cgroup: %s", c->cgroup_dir, strerror(-r));
		return r;
	}
	if (r == 0 && og_memcg_limiting(&job, &s->cg, &m) == 0) {
		bool v1 = s->cg.version == 1;
		s->cg_usage = open_rel(s->cg.dir, v1 ? "memory.usage_in_bytes" : "memory.current");
		s->cg_limit = open_rel(s->cg.dir, v1 ? "memory.limit_in_bytes" : "memory.max");
		s->cg_stat = open_rel(s->cg.dir, "memory.stat");
		s->have_cg = s->cg_usage >= 0 && s->cg_limit >= 0;
	}
	char mp[64];
	snprintf(mp, sizeof(mp), "%s/meminfo", c->procroot);
	s->meminfo = open(mp, O_RDONLY | O_CLOEXEC);
	if (s->meminfo < 0) {
		og_err("watch: cannot open %s: %s", mp, strerror(errno));
		return -errno;
	}
	s->psi = open("/proc/pressure/memory", O_RDONLY | O_CLOEXEC);

	char v2[OG_CG_PATH_MAX], v2mnt[OG_CG_PATH_MAX], v2rel[OG_CG_PATH_MAX] = "";
	bool have_v2 = v2_dir_of(c->procroot, c->pid, v2, sizeof(v2), v2mnt, sizeof(v2mnt), v2rel, sizeof(v2rel)) == 0;
	if (have_v2) {
		snprintf(s->cgpsi_path, sizeof(s->cgpsi_path), "%s/memory.pressure", v2);
		s->cgpsi = open(s->cgpsi_path, O_RDONLY | O_CLOEXEC);
	}
	const struct og_warnspec *sp = &c->spec;
	if (sp->psi_full > 0 || sp->psi_some > 0) {
		const char *kind = sp->psi_full > 0 ? "full" : "some";
		double pct = sp->psi_full > 0 ? sp->psi_full : sp->psi_some;
		if (s->cgpsi >= 0)
			s->trig = open_trigger(s->cgpsi_path, kind, pct, s->trig_desc, sizeof(s->trig_desc));
		if (s->trig < 0 && s->psi >= 0)
			s->trig = open_trigger("/proc/pressure/memory", kind, pct, s->trig_desc, sizeof(s->trig_desc));
		if (s->trig < 0)
			snprintf(s->trig_desc, sizeof(s->trig_desc), "no PSI trigger (%s): PSI polled",
				 strerror(-s->trig));
	}
	s->oomd_limit = c->oomd_limit_pct;
	s->oomd_dur = c->oomd_duration_s;
	if (c->oomd_dir) {
		s->oomd = open_rel(c->oomd_dir, "memory.pressure");
		if (s->oomd < 0) {
			og_err("watch: cannot read %s/memory.pressure: %s", c->oomd_dir, strerror(errno));
			return -errno;
		}
		snprintf(s->oomd_desc, sizeof(s->oomd_desc), "%.600s", c->oomd_dir);
	} else if (have_v2) {
		/* Does systemd-oomd watch an ancestor of the job for pressure? */
		struct og_warn_oomd o;
		char dir[OG_CG_PATH_MAX + 512];
		if (og_warn_oomd_find(v2rel, &o) == 0 && snprintf(dir, sizeof(dir), "%s%s", v2mnt, o.path) < (int)sizeof(dir) &&
		    (s->oomd = open_rel(dir, "memory.pressure")) >= 0) {
			s->oomd_limit = o.limit_pct;
			s->oomd_dur = o.duration_s;
			snprintf(s->oomd_desc, sizeof(s->oomd_desc), "%.600s", o.path);
		}
	}
	return 0;
}

/* prev: the previous sample, whose system figures are carried over when
 * read_sys is false; read_psi: read the PSI totals (not needed while a
 * trigger watches for the stall, except after it fired, to see it end). */
/* cgroup v1 usage thresholds: an eventfd the kernel signals when usage
 * crosses usage + step, or the warning or critical level, so the loop need
 * not poll fast for a sudden fill (memory.txt "Memory thresholds").  Set
 * again whenever usage has moved half a step; closing the old eventfd drops
 * its thresholds.  Returns 0 or -errno (then the loop polls as before). */
static int arm_thresholds(struct src *s, const struct og_warnspec *sp, long long usage, long long limit)
{
	char p[OG_CG_PATH_MAX + 32], t[64];
	long long step = limit / 32 > (16LL << 20) ? limit / 32 : (16LL << 20);
	long long lv[3] = { usage + step, limit - og_thr_bytes(&sp->avail, limit), limit - og_thr_bytes(&sp->crit, limit) };
	if (s->cg.version != 1)
		return -EOPNOTSUPP;
	if (s->cg_efd >= 0)
		close(s->cg_efd);
	s->cg_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->cg_efd < 0)
		return -errno;
	snprintf(p, sizeof(p), "%s/cgroup.event_control", s->cg.dir);
	int ec = open(p, O_WRONLY | O_CLOEXEC);
	if (ec < 0) {
		int e = -errno;
		close(s->cg_efd);
		s->cg_efd = -1;
		return e;
	}
	int r = 0;
	for (size_t i = 0; i < OG_ARRAY_LEN(lv); i++) {
		if (lv[i] <= usage || lv[i] > limit || (i == 0 && lv[i] >= limit))
			continue;
		int n = snprintf(t, sizeof(t), "%d %d %lld", s->cg_efd, s->cg_usage, lv[i]);
		if (write(ec, t, (size_t)n) != n) {
			r = -errno;
			break;
		}
	}
	close(ec);
	if (r < 0) {
		close(s->cg_efd);
		s->cg_efd = -1;
		return r;
	}
	s->cg_armed_at = usage;
	return 0;
}

/* Just the two total= figures of a pressure file: the tick's hot path, so
 * no sscanf/strtod (og_parse_psi reads the averages, for oomd). */
static void psi_totals(const char *buf, size_t len, long long *some, long long *full)
{
	const char *p = buf, *end = buf + len;
	size_t ll;
	while (p < end) {
		const char *line = p;
		p = og_next_line(p, end, &ll);
		const char *t = ll > 5 ? memmem(line, ll, "total=", 6) : NULL;
		if (!t)
			continue;
		long long v = 0;
		for (t += 6; t < line + ll && *t >= '0' && *t <= '9'; t++)
			v = v * 10 + (*t - '0');
		if (!memcmp(line, "some ", 5))
			*some = v;
		else if (!memcmp(line, "full ", 5))
			*full = v;
	}
}

static void sample(const struct og_watch_cfg *c, struct src *s, struct og_wsample *w, const struct og_wsample *prev,
		   bool read_sys, bool read_psi, bool fired)
{
	char buf[8192];
	ssize_t n;
	struct og_psi p;

	og_wsample_init(w, now_s());
	w->psi_fired = fired;
	if (s->have_cg) {
		long long lim, use;
		if (read_ll(s->cg_limit, &lim) == 0 && read_ll(s->cg_usage, &use) == 0 && lim > 0) {
			w->cg_limit = lim;
			w->cg_usage = use;
			long long step = lim / 32 > (16LL << 20) ? lim / 32 : (16LL << 20);
			if (s->cg.version == 1 && (s->cg_efd < 0 || llabs(use - s->cg_armed_at) >= step / 2))
				arm_thresholds(s, &c->spec, use, lim);
			/* Right after a threshold fired, poll as if unarmed until
			 * the rate is known. */
			w->cg_evented = s->cg_efd >= 0 && w->t - s->cg_event_t > 1.0;
			/* memory.stat is the dearest read: only when the raw
			 * headroom is within half the limit can it matter. */
			if (s->cg_stat >= 0 && lim - use < lim / 2 && (n = pread_buf(s->cg_stat, buf, sizeof(buf))) > 0) {
				long long ia = stat_key(buf, (size_t)n, s->cg.version == 1 ? "total_inactive_file" : "inactive_file");
				w->cg_reclaim = ia > 0 ? ia : 0;
			}
		}
	}
	if (s->have_cg && s->cg.version == 2)
		og_memcap_high_events(s->cg.dir, &w->cg_high_events);
	if (!read_sys && prev->mem_total > 0) {
		w->mem_total = prev->mem_total;
		w->mem_avail = prev->mem_avail;
		w->swap_total = prev->swap_total;
		w->swap_free = prev->swap_free;
		w->sys_stale = true;
	} else if ((n = pread_buf(s->meminfo, buf, sizeof(buf))) > 0) {
		struct og_meminfo mi;
		if (og_parse_meminfo(buf, (size_t)n, &mi) == 0) {
			w->mem_total = mi.mem_total;
			w->mem_avail = mi.mem_available;
			w->swap_total = mi.swap_total;
			w->swap_free = mi.swap_free;
		}
	}
	if (read_psi && s->psi >= 0 && (n = pread_buf(s->psi, buf, sizeof(buf))) > 0)
		psi_totals(buf, (size_t)n, &w->psi_some_us, &w->psi_full_us);
	if (read_psi && s->cgpsi >= 0 && (n = pread_buf(s->cgpsi, buf, sizeof(buf))) > 0)
		psi_totals(buf, (size_t)n, &w->cg_psi_some_us, &w->cg_psi_full_us);
	if (s->oomd >= 0 && (n = pread_buf(s->oomd, buf, sizeof(buf))) > 0 && og_parse_psi(buf, (size_t)n, &p) == 0 && p.full.present) {
		w->oomd_avg10 = p.full.avg10;
		w->oomd_limit_pct = s->oomd_limit;
		w->oomd_duration_s = s->oomd_dur;
	}
}

/* Drop from our page tables the file pages start-up touched and the loop
 * will not: a read-only mapping with no private (copied) page is identical
 * to its file, so MADV_DONTNEED only unmaps it and a later touch maps it
 * again from the page cache.  Done before mlockall(MCL_ONFAULT), this
 * leaves locked what the loop itself uses, not every library oomguard links
 * for its other commands. */
static void trim_clean_file_pages(void)
{
	size_t cap = 1 << 20;
	char *buf = malloc(cap); /* above the mmap threshold: returned on free */
	if (!buf)
		return;
	ssize_t n = og_read_at(AT_FDCWD, "/proc/self/smaps", buf, cap);
	if (n <= 0) {
		free(buf);
		return;
	}
	const char *p = buf, *end = buf + n;
	size_t ll;
	unsigned long lo = 0, hi = 0;
	bool candidate = false;
	while (p < end) {
		const char *line = p;
		p = og_next_line(p, end, &ll);
		unsigned long a, b, ino;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &a, &b, perms, &ino) == 4 && line[0] != ' ') {
			lo = a;
			hi = b;
			/* A read-only private file mapping; relocated (RELRO) pages
			 * show up as Anonymous and rule their mapping out below. */
			candidate = ino != 0 && perms[1] != 'w' && perms[3] == 'p';
			continue;
		}
		if (candidate && ll > 10 && !strncmp(line, "Anonymous:", 10)) {
			unsigned long kb = 0;
			if (sscanf(line + 10, "%lu", &kb) == 1 && kb == 0)
				madvise((void *)lo, hi - lo, MADV_DONTNEED);
			candidate = false;
		}
	}
	free(buf);
}

/* The stack below this function's own frame is dead: start-up's deep
 * buffers need not stay resident.  Measured from here (not from a caller's
 * local, which the compiler may place above large live locals), minus a page
 * for the madvise call itself. */
__attribute__((noinline)) static void trim_stack_below(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char maps[256];
	unsigned long lo = 0, hi = 0;
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f)
		return;
	while (fgets(maps, sizeof(maps), f))
		if (strstr(maps, "[stack]") && sscanf(maps, "%lx-%lx", &lo, &hi) == 2)
			break;
	fclose(f);
	unsigned long top = ((unsigned long)__builtin_frame_address(0) - (unsigned long)pg * 2) & ~((unsigned long)pg - 1);
	if (lo && lo < top && top < hi)
		madvise((void *)lo, top - lo, MADV_DONTNEED);
}

static void set_env_ll(const char *k, long long v)
{
	char b[32];
	snprintf(b, sizeof(b), "%lld", v);
	setenv(k, b, 1);
}

/* The hook: `sh -c CMD` as the invoking user, with no capabilities and no
 * way to gain any (no_new_privs; as root, SECBIT_NOROOT so exec grants none). */
static pid_t run_hook(const struct og_watch_cfg *c, const struct og_verdict *v, const char *cgpath, const char *signame)
{
	pid_t h = fork();
	if (h != 0)
		return h;

	sigset_t none;
	sigemptyset(&none);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int nul = open("/dev/null", O_RDONLY);
	if (nul > 0) {
		dup2(nul, 0);
		close(nul);
	}
	if (c->pv->route == OG_ROUTE_SUDO && og_priv_drop_to_user(c->pv) < 0)
		_exit(126);
	if (geteuid() == 0 &&
	    prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED, 0, 0, 0) < 0)
		_exit(126);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || og_priv_clear_caps() < 0)
		_exit(126);
	set_env_ll("OOMGUARD_PID", c->pid);
	setenv("OOMGUARD_LEVEL", og_level_name(v->notify), 1);
	setenv("OOMGUARD_REASON", v->reason, 1);
	setenv("OOMGUARD_DOMAIN", v->domain, 1);
	set_env_ll("OOMGUARD_AVAILABLE_KB", v->avail_kb);
	set_env_ll("OOMGUARD_LIMIT_KB", v->limit_kb);
	set_env_ll("OOMGUARD_USAGE_KB", v->usage_kb);
	char b[32];
	if (v->eta_s >= 0)
		snprintf(b, sizeof(b), "%.1f", v->eta_s);
	else
		snprintf(b, sizeof(b), "-1");
	setenv("OOMGUARD_ETA_S", b, 1);
	set_env_ll("OOMGUARD_FILL_KBPS", (long long)v->fill_kbps);
	setenv("OOMGUARD_CGROUP", cgpath, 1);
	setenv("OOMGUARD_SIGNAL", signame, 1);
	execl("/bin/sh", "sh", "-c", c->on_warn, (char *)NULL);
	_exit(127);
}

static void iso_time(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

static void json_event(const char *event, const struct og_watch_cfg *c, const struct og_verdict *v, const char *signame)
{
	char ts[40];
	iso_time(ts, sizeof(ts));
	printf("{\"event\":\"%s\",\"time\":\"%s\",\"pid\":%d", event, ts, (int)c->pid);
	if (v) {
		printf(",\"level\":\"%s\",\"domain\":\"%s\",\"reason\":", og_level_name(v->notify ? v->notify : v->level), v->domain);
		og_json_str(stdout, v->reason);
		printf(",\"available_kb\":%lld,\"limit_kb\":%lld,\"usage_kb\":%lld,\"eta_s\":", v->avail_kb, v->limit_kb, v->usage_kb);
		if (v->eta_s >= 0)
			printf("%.2f", v->eta_s);
		else
			printf("null");
		printf(",\"fill_kbps\":%.0f,\"signal\":", v->fill_kbps);
		if (signame && *signame)
			og_json_str(stdout, signame);
		else
			printf("null");
	}
	printf("}\n");
	fflush(stdout);
}

/* One line to stderr and the job's log. */
static void say(const struct og_watch_cfg *c, const char *line)
{
	fprintf(stderr, "oomguard: %s\n", line);
	if (c->logfd >= 0) {
		char ts[40], out[600];
		iso_time(ts, sizeof(ts));
		int n = snprintf(out, sizeof(out), "%s oomguard: %s\n", ts, line);
		if (n > 0) {
			ssize_t w = write(c->logfd, out, (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1);
			(void)w;
		}
	}
}

int og_watch_loop(const struct og_watch_cfg *c, int *status)
{
	struct src s;
	struct og_watch w;
	struct og_verdict v;
	struct og_wsample smp, prev;
	double sys_due = 0, psi_until = 0;
	const bool want_psi = c->spec.psi_full > 0 || c->spec.psi_some > 0 || c->spec.crit_psi_full > 0;
	pid_t hooks[MAX_HOOKS] = { 0 };
	bool signalled = false, fired = false, locked = false;
	int r, sfd = -1;
	char line[512], signame[32] = "", cgpath[OG_CG_PATH_MAX] = "";

	*status = 0;
	int pidfd = sys_pidfd_open(c->pid);
	if (pidfd < 0) {
		og_err("watch: cannot open pid %d: %s", (int)c->pid, strerror(errno));
		return -errno;
	}
	if ((r = src_open(c, &s)) < 0) {
		src_close(&s);
		close(pidfd);
		return r;
	}
	if (c->forward && (sfd = signalfd(-1, c->forward, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		r = -errno;
		og_err("watch: signalfd: %s", strerror(errno));
		src_close(&s);
		close(pidfd);
		return r;
	}
	if (s.have_cg)
		snprintf(cgpath, sizeof(cgpath), "%s", s.cg.dir);

	if (!c->quiet) {
		char spec[256], esc[OG_CG_PATH_MAX * 4], tesc[sizeof(s.trig_desc) * 4];
		og_esc(s.trig_desc[0] ? s.trig_desc : "PSI off", tesc, sizeof(tesc));
		og_warnspec_format(&c->spec, spec, sizeof(spec));
		if (s.have_cg) {
			long long lim = -1;
			read_ll(s.cg_limit, &lim);
			snprintf(line, sizeof(line), "watching pid %d: memory cgroup %.160s (v%d, limit %lld MiB), system memory; %.200s",
				 (int)c->pid, og_esc(s.cg.path, esc, sizeof(esc)), s.cg.version, lim >> 20, tesc);
		} else {
			snprintf(line, sizeof(line), "watching pid %d: system memory (no limited memory cgroup); %.200s",
				 (int)c->pid, tesc);
		}
		fprintf(stderr, "oomguard: %s\n", line);
		if (s.oomd >= 0)
			fprintf(stderr, "oomguard: systemd-oomd watches %s for pressure: limit %.0f%%, %.0fs\n",
				og_esc(s.oomd_desc, esc, sizeof(esc)), s.oomd_limit, s.oomd_dur);
		fprintf(stderr, "oomguard: warn spec %s\n", spec);
	}
	if (c->json)
		json_event("start", c, NULL, NULL);

	og_watch_init(&w, &c->spec);
	for (;;) {
		double t = now_s();
		bool read_sys = t >= sys_due;
		if (fired)
			psi_until = t + PSI_AFTER_FIRE_S;
		if (w.n == 0)
			og_wsample_init(&prev, t);
		sample(c, &s, &smp, &prev, read_sys, want_psi && (s.trig < 0 || t < psi_until), fired);
		fired = false;
		og_watch_feed(&w, &smp, &v);
		/* The system domain is re-read only as often as its own distance
		 * to a threshold asks: far away on most machines. */
		if (!smp.sys_stale)
			sys_due = smp.t + v.next_sys_s - 0.005;
		prev = smp;

		if (v.notify != OG_LEVEL_NONE) {
			char act[160] = "";
			signame[0] = '\0';
			if (c->warn_signal && !signalled) {
				og_signal_name(c->warn_signal, signame, sizeof(signame));
				if (sys_pidfd_send_signal(pidfd, c->warn_signal) == 0) {
					signalled = true;
					snprintf(act, sizeof(act), "; sent %s", signame);
				} else {
					snprintf(act, sizeof(act), "; cannot send %s: %s", signame, strerror(errno));
					signame[0] = '\0';
				}
			}
			if (c->on_warn) {
				size_t k;
				for (k = 0; k < MAX_HOOKS && hooks[k] > 0; k++)
					;
				pid_t h = k < MAX_HOOKS ? run_hook(c, &v, cgpath, signame) : -1;
				size_t al = strlen(act);
				if (h > 0) {
					hooks[k] = h;
					snprintf(act + al, sizeof(act) - al, "; hook started (pid %d)", (int)h);
				} else {
					snprintf(act + al, sizeof(act) - al, "; hook not started: %s", k < MAX_HOOKS ? strerror(errno) : "8 hooks still running");
				}
			}
			snprintf(line, sizeof(line), "%s: pid %d: %s%s", og_level_name(v.notify), (int)c->pid, v.reason, act);
			say(c, line);
			if (c->json)
				json_event(og_level_name(v.notify), c, &v, signame);
		}
		if (v.rearmed) {
			signalled = false;
			snprintf(line, sizeof(line), "cleared: pid %d: memory pressure is over; re-armed", (int)c->pid);
			say(c, line);
			if (c->json)
				json_event("cleared", c, NULL, NULL);
		}
		for (size_t k = 0; k < MAX_HOOKS; k++)
			if (hooks[k] > 0 && waitpid(hooks[k], NULL, WNOHANG) == hooks[k])
				hooks[k] = 0;
		if (!locked) {
			/* After one round, so lazy binding has resolved what the loop
			 * calls: trim what start-up touched, then lock what is mapped
			 * and will be, but only as it is touched: the pages the loop
			 * uses stay resident without pinning every library. */
			locked = true;
			trim_clean_file_pages();
			trim_stack_below();
			if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0 &&
			    (errno != EINVAL || mlockall(MCL_CURRENT | MCL_FUTURE) < 0) && !c->quiet)
				fprintf(stderr, "oomguard: cannot lock the watcher in memory (mlockall: %s); it may stall when memory is short\n",
					strerror(errno));
		}

		struct pollfd pf[4] = {
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = s.trig, .events = POLLPRI },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = s.cg_efd, .events = POLLIN },
		};
		int ms = (int)(v.next_s * 1000 + 0.5);
		double deadline = smp.t + v.next_s;
		for (;;) {
			int pr = poll(pf, 4, ms);
			if (pr < 0 && errno == EINTR)
				continue;
			if (pr > 0 && (pf[0].revents & POLLIN)) {
				if (c->is_child) {
					int st;
					while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
						;
					*status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
				} else if (!c->quiet) {
					fprintf(stderr, "oomguard: pid %d has ended\n", (int)c->pid);
				}
				if (c->json)
					json_event("exit", c, NULL, NULL);
				src_close(&s);
				close(pidfd);
				if (sfd >= 0)
					close(sfd);
				return 0;
			}
			if (pr > 0 && (pf[3].revents & POLLIN)) {
				/* Usage crossed a threshold: sample now, re-arm there. */
				uint64_t cnt;
				ssize_t rd = read(s.cg_efd, &cnt, sizeof(cnt));
				(void)rd;
				s.cg_event_t = now_s();
				s.cg_armed_at = -(1LL << 40);
			}
			if (pr > 0 && (pf[1].revents & (POLLERR | POLLNVAL))) {
				/* The cgroup behind the trigger is gone: poll instead. */
				close(s.trig);
				s.trig = -1;
				pf[1].fd = -1;
			} else if (pr > 0 && (pf[1].revents & POLLPRI)) {
				fired = true;
			}
			if (pr > 0 && (pf[2].revents & POLLIN)) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
					if (si.ssi_signo != SIGCHLD && og_should_forward(si.ssi_code, c->pid))
						sys_pidfd_send_signal(pidfd, (int)si.ssi_signo);
				double left = deadline - now_s();
				if (left > 0 && !fired && !(pf[3].revents & POLLIN)) {
					ms = (int)(left * 1000 + 0.5);
					continue;
				}
			}
			break;
		}
	}
}
