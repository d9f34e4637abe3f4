/* The warning loop (see warn_loop.h).  Files are opened once and re-read
 * with pread so a tick costs a few syscalls; nothing is allocated after
 * start-up, so once mlockall() holds the pages the loop needs no page-in to
 * see memory running out. */
#include "warn_loop.h"

#include "cgroup.h"
#include "memcap.h"
#include "meminfo.h"
#include "proc.h"
#include "render.h"
#include "signame.h"
#include "util.h"
#include "warn_oomd.h"
#include "warn_core.h"
#include "warn_cg.h"

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

/* Everything the loop reads, opened once. */
struct src {
	struct og_cgroup cg; /* the nearest limited memory cgroup (wc.lv[0]) */
	bool have_cg;
	struct og_watchcg wc;  /* it and every limited one above it */
	int cg_efd;            /* v1 usage thresholds (cgroup.event_control) */
	int cg_armed;          /* ... on this level of wc */
	long long cg_armed_at; /* usage when they were set */
	double cg_event_t;     /* when one last fired */
	int meminfo;
	int psi;   /* /proc/pressure/memory */
	int cgpsi; /* the job's v2 cgroup memory.pressure */
	char cgpsi_path[OG_CG_PATH_MAX + 32];
	int trig;      /* PSI trigger fd, POLLPRI */
	bool trig_sys; /* ... on /proc/pressure/memory */
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

static int open_rel(const char *dir, const char *file)
{
	char p[2 * OG_CG_PATH_MAX + 128];
	if (snprintf(p, sizeof(p), "%s/%s", dir, file) >= (int)sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(p, O_RDONLY | O_CLOEXEC);
}

/* A PSI trigger: "<some|full> STALL WINDOW" with the NUL the kernel
 * overwrites (kernel/sched/psi.c: psi_write; Documentation/accounting/psi.rst).
 * A 1 s window needs CAP_SYS_RESOURCE; the
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
			snprintf(desc, descsz, "PSI trigger on %s (%s %ld ms in %ld s)", path, kind,
				 stall / 1000, windows[i] / 1000000);
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
	og_watchcg_close(&s->wc);
	int *fds[] = { &s->meminfo, &s->psi, &s->cgpsi, &s->trig, &s->oomd, &s->cg_efd };
	for (size_t i = 0; i < OG_ARRAY_LEN(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

/* The limiting memory cgroups of the job (or --cgroup DIR): the nearest
 * and every limited one above it. */
static int open_memcg(const struct og_watch_cfg *c, struct src *s)
{
	struct og_cgroup job;
	int r = c->cgroup_dir ? og_cgroup_from_dir(c->cgroup_dir, &job)
			      : og_cgroup_of_pid(c->procroot, c->pid, &job);
	if (r < 0 && c->cgroup_dir) {
		og_err("watch: cannot use '%s' as a memory cgroup: %s", c->cgroup_dir,
		       strerror(-r));
		return r;
	}
	if (r == 0 && og_watchcg_open(&s->wc, &job) > 0) {
		s->cg = s->wc.lv[0].cg;
		s->have_cg = true;
	}
	return 0;
}

/* PSI: the job's own v2 cgroup file; the system's only when the machine is
 * the job's domain (warn_core.h): a limited memcg is judged by its own
 * headroom, not by other cgroups' stalls. */
static void open_psi(const struct og_watch_cfg *c, struct src *s, bool have_v2, const char *v2)
{
	const struct og_warnspec *sp = &c->spec;
	if (!s->have_cg)
		s->psi = open("/proc/pressure/memory", O_RDONLY | O_CLOEXEC);
	if (have_v2) {
		snprintf(s->cgpsi_path, sizeof(s->cgpsi_path), "%s/memory.pressure", v2);
		s->cgpsi = open(s->cgpsi_path, O_RDONLY | O_CLOEXEC);
	}
	if (sp->psi_full <= 0 && sp->psi_some <= 0)
		return;
	const char *kind = sp->psi_full > 0 ? "full" : "some";
	double pct = sp->psi_full > 0 ? sp->psi_full : sp->psi_some;
	if (s->cgpsi >= 0)
		s->trig =
			open_trigger(s->cgpsi_path, kind, pct, s->trig_desc, sizeof(s->trig_desc));
	if (s->trig < 0 && s->psi >= 0) {
		s->trig = open_trigger("/proc/pressure/memory", kind, pct, s->trig_desc,
				       sizeof(s->trig_desc));
		s->trig_sys = s->trig >= 0;
	}
	if (s->trig < 0 && s->cgpsi < 0 && s->have_cg)
		snprintf(s->trig_desc, sizeof(s->trig_desc),
			 "PSI: no cgroup pressure file; the system's is not the job's domain");
	else if (s->trig < 0)
		snprintf(s->trig_desc, sizeof(s->trig_desc), "no PSI trigger (%s): PSI polled",
			 strerror(-s->trig));
}

/* A systemd-oomd-monitored ancestor: given (--oomd-cgroup), or found. */
static int open_oomd(const struct og_watch_cfg *c, struct src *s, bool have_v2, const char *v2mnt,
		     const char *v2rel)
{
	s->oomd_limit = c->oomd_limit_pct;
	s->oomd_dur = c->oomd_duration_s;
	if (c->oomd_dir) {
		s->oomd = open_rel(c->oomd_dir, "memory.pressure");
		if (s->oomd < 0) {
			og_err("watch: cannot read %s/memory.pressure: %s", c->oomd_dir,
			       strerror(errno));
			return -errno;
		}
		snprintf(s->oomd_desc, sizeof(s->oomd_desc), "%.600s", c->oomd_dir);
		return 0;
	}
	struct og_warn_oomd o;
	char dir[OG_CG_PATH_MAX + 512];
	if (have_v2 && og_warn_oomd_find(v2rel, &o) == 0 &&
	    snprintf(dir, sizeof(dir), "%s%s", v2mnt, o.path) < (int)sizeof(dir) &&
	    (s->oomd = open_rel(dir, "memory.pressure")) >= 0) {
		s->oomd_limit = o.limit_pct;
		s->oomd_dur = o.duration_s;
		snprintf(s->oomd_desc, sizeof(s->oomd_desc), "%.600s", o.path);
	}
	return 0;
}

static int src_open(const struct og_watch_cfg *c, struct src *s)
{
	char mp[64];
	struct og_cg2 v2 = { .path = "" };
	int r;

	memset(s, 0, sizeof(*s));
	s->meminfo = s->psi = s->cgpsi = s->trig = s->oomd = -1;
	s->cg_efd = -1;
	s->cg_event_t = -1e9;
	if ((r = open_memcg(c, s)) < 0)
		return r;
	snprintf(mp, sizeof(mp), "%s/meminfo", c->procroot);
	s->meminfo = open(mp, O_RDONLY | O_CLOEXEC);
	if (s->meminfo < 0) {
		og_err("watch: cannot open %s: %s", mp, strerror(errno));
		return -errno;
	}
	/* The v2 root cgroup has no memory.pressure of its own. */
	bool have_v2 = og_cg2_of_pid(c->procroot, c->pid, &v2) == 0 && strcmp(v2.path, "/");
	open_psi(c, s, have_v2, v2.dir);
	return open_oomd(c, s, have_v2, v2.mnt, v2.path);
}

/* prev: the previous sample, whose system figures are carried over when
 * read_sys is false; read_psi: read the PSI totals (not needed while a
 * trigger watches for the stall, except after it fired, to see it end). */
/* cgroup v1 usage thresholds: an eventfd the kernel signals when usage
 * crosses usage + step, or the warning or critical level, so the loop need
 * not poll fast for a sudden fill (memory.txt "Memory thresholds").  Set
 * again whenever usage has moved half a step; closing the old eventfd drops
 * its thresholds.  Returns 0 or -errno (then the loop polls as before). */
static int arm_thresholds(struct src *s, const struct og_warnspec *sp, int level, long long usage,
			  long long limit)
{
	const struct og_watchcg_level *l = &s->wc.lv[level];
	char p[OG_CG_PATH_MAX + 32], t[64];
	long long step = limit / 32 > (16LL << 20) ? limit / 32 : (16LL << 20);
	long long lv[3] = { usage + step, limit - og_thr_bytes(&sp->avail, limit),
			    limit - og_thr_bytes(&sp->crit, limit) };
	if (l->cg.version != 1)
		return -EOPNOTSUPP;
	if (s->cg_efd >= 0)
		close(s->cg_efd);
	s->cg_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->cg_efd < 0)
		return -errno;
	snprintf(p, sizeof(p), "%s/cgroup.event_control", l->cg.dir);
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
		int n = snprintf(t, sizeof(t), "%d %d %lld", s->cg_efd, l->usage, lv[i]);
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
	s->cg_armed = level;
	return 0;
}

/* The two total= figures of a pressure file; a missing line leaves its -1. */
static void psi_totals(const char *buf, size_t len, long long *some, long long *full)
{
	struct og_psi p;

	if (og_parse_psi(buf, len, &p) < 0)
		return;
	if (p.some.present)
		*some = (long long)p.some.total_us;
	if (p.full.present)
		*full = (long long)p.full.total_us;
}

static void sample(const struct og_watch_cfg *c, struct src *s, struct og_wsample *w,
		   const struct og_wsample *prev, bool read_sys, bool read_psi, bool fired)
{
	char buf[8192];
	ssize_t n;
	struct og_psi p;

	og_wsample_init(w, now_s());
	w->psi_fired = fired;
	w->psi_fired_sys = fired && s->trig_sys;
	int b = s->have_cg ? og_watchcg_sample(&s->wc, w) : -1;
	if (b >= 0) {
		long long lim = w->cg_limit, use = w->cg_usage;
		long long step = lim / 32 > (16LL << 20) ? lim / 32 : (16LL << 20);
		if (s->wc.lv[b].cg.version == 1 &&
		    (s->cg_efd < 0 || s->cg_armed != b || llabs(use - s->cg_armed_at) >= step / 2))
			arm_thresholds(s, &c->spec, b, use, lim);
		/* Right after a threshold fired, poll as if unarmed until
		 * the rate is known. */
		w->cg_evented = s->cg_efd >= 0 && w->t - s->cg_event_t > 1.0;
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
	if (s->oomd >= 0 && (n = pread_buf(s->oomd, buf, sizeof(buf))) > 0 &&
	    og_parse_psi(buf, (size_t)n, &p) == 0 && p.full.present) {
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
		if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &a, &b, perms, &ino) == 4 &&
		    line[0] != ' ') {
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
	unsigned long top = ((unsigned long)__builtin_frame_address(0) - (unsigned long)pg * 2) &
			    ~((unsigned long)pg - 1);
	if (lo && lo < top && top < hi)
		madvise((void *)lo, top - lo, MADV_DONTNEED);
}

/* Unknown (< 0) is empty in the hook's environment, null in JSON. */
static void set_env_ll(const char *k, long long v)
{
	char b[32] = "";
	if (v >= 0)
		snprintf(b, sizeof(b), "%lld", v);
	setenv(k, b, 1);
}

/* The hook: `sh -c CMD` as the invoking user, with no capabilities and no
 * way to gain any (no_new_privs; as root, SECBIT_NOROOT so exec grants none). */
static pid_t run_hook(const struct og_watch_cfg *c, const struct og_verdict *v, const char *cgpath,
		      const char *signame)
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
	if (geteuid() == 0 && prctl(PR_SET_SECUREBITS,
				    SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
					    SECBIT_NO_SETUID_FIXUP_LOCKED,
				    0, 0, 0) < 0)
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
	char b[32] = "";
	if (v->eta_s >= 0)
		snprintf(b, sizeof(b), "%.1f", v->eta_s);
	setenv("OOMGUARD_ETA_S", b, 1);
	snprintf(b, sizeof(b), "%lld", (long long)v->fill_kbps);
	setenv("OOMGUARD_FILL_KBPS", v->avail_kb >= 0 ? b : "", 1);
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

static void json_ll(const char *key, long long v)
{
	if (v >= 0)
		printf(",\"%s\":%lld", key, v);
	else
		printf(",\"%s\":null", key);
}

/* event: start, warning, critical, eased, cleared, exit. */
static void json_event(const char *event, const struct og_watch_cfg *c, const struct og_verdict *v,
		       const char *signame)
{
	char ts[40];
	iso_time(ts, sizeof(ts));
	printf("{\"event\":\"%s\",\"time\":\"%s\",\"pid\":%d", event, ts, (int)c->pid);
	if (v) {
		printf(",\"level\":\"%s\",\"domain\":\"%s\",\"reason\":",
		       og_level_name(v->notify ? v->notify : v->level), v->domain);
		og_json_str(stdout, v->reason);
		json_ll("available_kb", v->avail_kb);
		json_ll("limit_kb", v->limit_kb);
		json_ll("usage_kb", v->usage_kb);
		if (v->eta_s >= 0)
			printf(",\"eta_s\":%.2f", v->eta_s);
		else
			printf(",\"eta_s\":null");
		if (v->avail_kb >= 0)
			printf(",\"fill_kbps\":%.0f", v->fill_kbps);
		else
			printf(",\"fill_kbps\":null");
		printf(",\"signal\":");
		if (signame && *signame)
			og_json_str(stdout, signame);
		else
			printf("null");
	}
	printf("}\n");
	fflush(stdout);
}

void og_watch_note(int logfd, const char *line)
{
	fprintf(stderr, "oomguard: %s\n", line);
	og_watch_log(logfd, line);
}

void og_watch_log(int logfd, const char *line)
{
	if (logfd >= 0) {
		char ts[40], out[1200];
		iso_time(ts, sizeof(ts));
		int n = snprintf(out, sizeof(out), "%s oomguard: %s\n", ts, line);
		if (n > 0) {
			ssize_t w = write(logfd, out,
					  (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1);
			(void)w;
		}
	}
}

/* One line to stderr and the job's log. */
static void say(const struct og_watch_cfg *c, const char *line)
{
	og_watch_note(c->logfd, line);
}

/* Everything the loop holds between rounds. */
struct loop {
	const struct og_watch_cfg *c;
	struct src s;
	struct og_watch w;
	struct og_verdict v;
	struct og_wsample smp, prev;
	double sys_due, psi_until;
	bool want_psi, fired, locked;
	pid_t hooks[MAX_HOOKS];
	int pidfd, sfd;
	char cgpath[OG_CG_PATH_MAX];
};

static void loop_close(struct loop *L)
{
	src_close(&L->s);
	if (L->pidfd >= 0)
		close(L->pidfd);
	if (L->sfd >= 0)
		close(L->sfd);
}

/* When the job started, on now_s()'s clock; -1 when unknown.  The start
 * time is in clock ticks since boot (proc(5) field 22), which counts
 * suspended time like CLOCK_BOOTTIME. */
static double job_start_time(const struct og_watch_cfg *c)
{
	struct og_proc p;
	struct timespec bt;
	if (og_proc_open(c->procroot, c->pid, &p) < 0)
		return -1;
	unsigned long long st = p.stat.starttime;
	og_proc_close(&p);
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &bt) < 0)
		return -1;
	double age = (double)bt.tv_sec + (double)bt.tv_nsec / 1e9 - (double)st / (double)hz;
	return now_s() - (age > 0 ? age : 0);
}

static int loop_open(struct loop *L, const struct og_watch_cfg *c)
{
	int r;
	memset(L, 0, sizeof(*L));
	L->c = c;
	L->sfd = -1;
	L->want_psi = c->spec.psi_full > 0 || c->spec.psi_some > 0 || c->spec.crit_psi_full > 0;
	L->pidfd = sys_pidfd_open(c->pid);
	if (L->pidfd < 0) {
		r = -errno; /* before og_err's stdio can change errno */
		og_err("watch: cannot open pid %d: %s", (int)c->pid, strerror(-r));
		return r;
	}
	if ((r = src_open(c, &L->s)) < 0)
		return r;
	if (c->forward && (L->sfd = signalfd(-1, c->forward, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		r = -errno;
		og_err("watch: signalfd: %s", strerror(errno));
		return r;
	}
	if (L->s.have_cg)
		snprintf(L->cgpath, sizeof(L->cgpath), "%s", L->s.cg.dir);
	og_watch_init(&L->w, &c->spec, job_start_time(c));
	return 0;
}

/* The limited cgroups above the nearest: their headroom is judged too. */
static void announce_above(const struct src *s)
{
	char esc[OG_CG_PATH_MAX * 4];
	for (size_t i = 1; i < s->wc.n; i++) {
		long long lim = -1;
		og_pread_ll(s->wc.lv[i].limit, &lim);
		fprintf(stderr,
			"oomguard: ... and above it memory cgroup %.160s (limit %lld MiB): the tightest headroom binds\n",
			og_esc(s->wc.lv[i].cg.path, esc, sizeof(esc)), lim >> 20);
	}
}

static void announce_start(struct loop *L)
{
	const struct og_watch_cfg *c = L->c;
	const struct src *s = &L->s;
	char line[512], spec[256], esc[OG_CG_PATH_MAX * 4], tesc[sizeof(s->trig_desc) * 4];
	if (c->quiet)
		return;
	og_esc(s->trig_desc[0] ? s->trig_desc : "PSI off", tesc, sizeof(tesc));
	og_warnspec_format(&c->spec, spec, sizeof(spec));
	if (s->have_cg) {
		long long lim = -1;
		og_pread_ll(s->wc.lv[0].limit, &lim);
		snprintf(
			line, sizeof(line),
			"watching pid %d: memory cgroup %.160s (v%d, limit %lld MiB), system memory; %.200s",
			(int)c->pid, og_esc(s->cg.path, esc, sizeof(esc)), s->cg.version, lim >> 20,
			tesc);
		announce_above(s);
	} else {
		snprintf(line, sizeof(line),
			 "watching pid %d: system memory (no limited memory cgroup); %.200s",
			 (int)c->pid, tesc);
	}
	fprintf(stderr, "oomguard: %s\n", line);
	if (s->oomd >= 0)
		fprintf(stderr,
			"oomguard: systemd-oomd watches %s for pressure: limit %.0f%%, %.0fs\n",
			og_esc(s->oomd_desc, esc, sizeof(esc)), s->oomd_limit, s->oomd_dur);
	fprintf(stderr, "oomguard: warn spec %s\n", spec);
	if (!L->w.settled)
		fprintf(stderr,
			"oomguard: start-up: the eta levels wait until the job's memory stops climbing (at most %gs after it started)\n",
			c->spec.startup_s);
}

/* A notice: the signal (at every notice: the job saves at each), the hook,
 * a line, a JSON event. */
static void act_notice(struct loop *L)
{
	const struct og_watch_cfg *c = L->c;
	const struct og_verdict *v = &L->v;
	char act[160] = "", signame[32] = "", line[512];
	if (c->warn_signal) {
		og_signal_name(c->warn_signal, signame, sizeof(signame));
		if (sys_pidfd_send_signal(L->pidfd, c->warn_signal) == 0) {
			snprintf(act, sizeof(act), "; sent %s", signame);
		} else {
			snprintf(act, sizeof(act), "; cannot send %s: %s", signame,
				 strerror(errno));
			signame[0] = '\0';
		}
	}
	if (c->on_warn) {
		size_t k;
		for (k = 0; k < MAX_HOOKS && L->hooks[k] > 0; k++)
			;
		/* the cgroup whose limit binds now */
		if (v->cg_level >= 0 && (size_t)v->cg_level < L->s.wc.n)
			snprintf(L->cgpath, sizeof(L->cgpath), "%s",
				 L->s.wc.lv[v->cg_level].cg.dir);
		pid_t h = k < MAX_HOOKS ? run_hook(c, v, L->cgpath, signame) : -1;
		size_t al = strlen(act);
		if (h > 0) {
			L->hooks[k] = h;
			snprintf(act + al, sizeof(act) - al, "; hook started (pid %d)", (int)h);
		} else {
			snprintf(act + al, sizeof(act) - al, "; hook not started: %s",
				 k < MAX_HOOKS ? strerror(errno) : "8 hooks still running");
		}
	}
	snprintf(line, sizeof(line), "%s: pid %d: %s%s", og_level_name(v->notify), (int)c->pid,
		 v->reason, act);
	say(c, line);
	if (c->json)
		json_event(og_level_name(v->notify), c, v, signame);
}

static void act_verdict(struct loop *L)
{
	const struct og_watch_cfg *c = L->c;
	char line[512];
	if (L->v.notify != OG_LEVEL_NONE)
		act_notice(L);
	if (L->v.rearmed || L->v.eased) {
		snprintf(line, sizeof(line),
			 L->v.rearmed ? "cleared: pid %d: %s; re-armed"
				      : "eased: pid %d: %s; critical re-armed (still at warning)",
			 (int)c->pid, L->v.reason);
		say(c, line);
		if (c->json)
			json_event(L->v.rearmed ? "cleared" : "eased", c, &L->v, NULL);
	}
	if (L->v.settled_now && !c->quiet)
		fprintf(stderr, "oomguard: pid %d: start-up over; the eta levels count from now\n",
			(int)c->pid);
	for (size_t k = 0; k < MAX_HOOKS; k++)
		if (L->hooks[k] > 0 && waitpid(L->hooks[k], NULL, WNOHANG) == L->hooks[k])
			L->hooks[k] = 0;
}

/* After one round, so lazy binding has resolved what the loop calls: trim
 * what start-up touched, then lock what is mapped and will be, but only as
 * it is touched: the pages the loop uses stay resident without pinning
 * every library. */
static void lock_once(struct loop *L)
{
	if (L->locked)
		return;
	L->locked = true;
	trim_clean_file_pages();
	trim_stack_below();
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0 &&
	    (errno != EINVAL || mlockall(MCL_CURRENT | MCL_FUTURE) < 0) && !L->c->quiet)
		fprintf(stderr,
			"oomguard: cannot lock the watcher in memory (mlockall: %s); it may stall when memory is short\n",
			strerror(errno));
}

static void round_once(struct loop *L)
{
	double t = now_s();
	bool read_sys = t >= L->sys_due;
	if (L->fired)
		L->psi_until = t + PSI_AFTER_FIRE_S;
	if (L->w.n == 0)
		og_wsample_init(&L->prev, t);
	sample(L->c, &L->s, &L->smp, &L->prev, read_sys,
	       L->want_psi && (L->s.trig < 0 || t < L->psi_until), L->fired);
	L->fired = false;
	og_watch_feed(&L->w, &L->smp, &L->v);
	/* The system domain is re-read only as often as its own distance to a
	 * threshold asks: far away on most machines. */
	if (!L->smp.sys_stale)
		L->sys_due = L->smp.t + L->v.next_sys_s - 0.005;
	L->prev = L->smp;
}

static void reap_job(const struct og_watch_cfg *c, int *status)
{
	int st;
	while (waitpid(c->pid, &st, 0) < 0)
		if (errno != EINTR) {
			*status = 1;
			return;
		}
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
}

/* Sleep until the next round or an event; true when the job has ended. */
static bool wait_events(struct loop *L)
{
	struct pollfd pf[4] = {
		{ .fd = L->pidfd, .events = POLLIN },
		{ .fd = L->s.trig, .events = POLLPRI },
		{ .fd = L->sfd, .events = POLLIN },
		{ .fd = L->s.cg_efd, .events = POLLIN },
	};
	int ms = (int)(L->v.next_s * 1000 + 0.5);
	double deadline = L->smp.t + L->v.next_s;
	for (;;) {
		int pr = poll(pf, 4, ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return false;
		if (pf[0].revents & POLLIN)
			return true;
		if (pf[3].revents & POLLIN) {
			/* Usage crossed a threshold: sample now, re-arm there. */
			uint64_t cnt;
			ssize_t rd = read(L->s.cg_efd, &cnt, sizeof(cnt));
			(void)rd;
			L->s.cg_event_t = now_s();
			L->s.cg_armed_at = -(1LL << 40);
		}
		if (pf[1].revents & (POLLERR | POLLNVAL)) {
			/* The cgroup behind the trigger is gone: poll instead. */
			close(L->s.trig);
			L->s.trig = -1;
			pf[1].fd = -1;
		} else if (pf[1].revents & POLLPRI) {
			L->fired = true;
		}
		if (pf[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(L->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				if (si.ssi_signo != SIGCHLD &&
				    og_should_forward(si.ssi_code, L->c->pid))
					sys_pidfd_send_signal(L->pidfd, (int)si.ssi_signo);
			double left = deadline - now_s();
			if (left > 0 && !L->fired && !(pf[3].revents & POLLIN)) {
				ms = (int)(left * 1000 + 0.5);
				continue;
			}
		}
		return false;
	}
}

int og_watch_loop(const struct og_watch_cfg *c, int *status)
{
	struct loop L;
	int r;

	*status = 0;
	/* One way out: whether the sources opened or not, they are closed here. */
	if ((r = loop_open(&L, c)) == 0) {
		announce_start(&L);
		if (c->json)
			json_event("start", c, NULL, NULL);
		do {
			round_once(&L);
			act_verdict(&L);
			lock_once(&L);
		} while (!wait_events(&L));
		if (c->is_child)
			reap_job(c, status);
		else if (!c->quiet)
			fprintf(stderr, "oomguard: pid %d has ended\n", (int)c->pid);
		if (c->json)
			json_event("exit", c, NULL, NULL);
	}
	loop_close(&L);
	return r;
}
