#include "killers.h"
#include "sdvalue.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int read_vmsettings(const char *procroot, struct og_vmsettings *v)
{
	static const struct {
		const char *name;
		size_t off;
	} f[] = {
		{ "overcommit_memory", offsetof(struct og_vmsettings, overcommit_memory) },
		{ "overcommit_ratio", offsetof(struct og_vmsettings, overcommit_ratio) },
		{ "panic_on_oom", offsetof(struct og_vmsettings, panic_on_oom) },
		{ "oom_kill_allocating_task",
		  offsetof(struct og_vmsettings, oom_kill_allocating_task) },
		{ "oom_dump_tasks", offsetof(struct og_vmsettings, oom_dump_tasks) },
		{ "swappiness", offsetof(struct og_vmsettings, swappiness) },
	};
	int any = 0;

	for (size_t i = 0; i < OG_ARRAY_LEN(f); i++) {
		char path[300], buf[64];
		long x = -1;
		snprintf(path, sizeof(path), "%s/sys/vm/%s", procroot, f[i].name);
		ssize_t n =
			og_read_at(AT_FDCWD, path, buf, sizeof(buf)); /* read only: never written */
		if (n > 0 && og_parse_int_file(buf, (size_t)n, &x) == 0)
			any = 1;
		else
			x = -1;
		*(long *)(void *)((char *)v + f[i].off) = x;
	}
	return any ? 0 : -ENOENT;
}

/* "10" or "10,5" (earlyoom's parse_term_kill_tuple); kill < 0 when absent. */
static int parse_tuple(const char *s, double *term, double *kill, double max)
{
	char *end;
	double a = strtod(s, &end), b = -1;

	if (end == s || a < 0 || a > max)
		return -EINVAL;
	if (*end == ',') {
		const char *q = end + 1;
		b = strtod(q, &end);
		if (end == q || b < 0 || b > max)
			return -EINVAL;
	}
	if (*end)
		return -EINVAL;
	*term = a;
	*kill = b;
	return 0;
}

/* cmdline is NUL-separated and NUL-terminated (proc(5)); an unterminated
 * last argument means the text was cut, so it is refused rather than read
 * as a shorter value.  Returns the count, or -EINVAL. */
static int split_argv(const char *buf, size_t len, const char **arg, size_t max)
{
	size_t na = 0;
	for (size_t i = 0; i < len && na < max;) {
		const char *s = buf + i;
		const char *z = memchr(s, '\0', len - i);
		if (!z)
			return -EINVAL; /* unterminated last argument: truncated */
		arg[na++] = s;
		i = (size_t)(z - buf) + 1;
	}
	return na ? (int)na : -EINVAL;
}

/* "--name[=value]" at arg[*i]; a value may be the next argument. */
static int earlyoom_long(const char **arg, size_t na, size_t *i, struct og_earlyoom_opts *o)
{
	const char *name = arg[*i] + 2, *eq = strchr(name, '='), *val;
	size_t nl = eq ? (size_t)(eq - name) : strlen(name);
	char *dst = NULL;
	bool *flag = NULL;
#define LONG(s) (nl == sizeof(s) - 1 && !memcmp(name, s, nl))
	if (LONG("prefer"))
		dst = o->prefer, flag = &o->has_prefer;
	else if (LONG("avoid"))
		dst = o->avoid, flag = &o->has_avoid;
	else if (LONG("ignore"))
		dst = o->ignore, flag = &o->has_ignore;
	else if (LONG("ignore-root-user"))
		o->ignore_root = true;
	else if (LONG("sort-by-rss"))
		o->sort_by_rss = true;
	else if (LONG("kernel-oom"))
		o->kernel_oom = true;
	else if (LONG("dryrun"))
		o->dryrun = true;
#undef LONG
	if (!dst)
		return 0;
	val = eq ? eq + 1 : (*i + 1 < na ? arg[++*i] : NULL);
	if (!val || strlen(val) >= OG_RE_MAX)
		return -EINVAL;
	snprintf(dst, OG_RE_MAX, "%s", val);
	*flag = true;
	return 0;
}

/* The value of a short option that takes one (-m -s -M -S; -r -N -P are read
 * past: values we do not need). */
static int earlyoom_value(char opt, const char *val, struct og_earlyoom_opts *o)
{
	double t, k;
	bool kib = opt == 'M' || opt == 'S';

	if (!strchr("msMS", opt))
		return 0;
	if (parse_tuple(val, &t, &k, kib ? 1e15 : 100) < 0)
		return -EINVAL;
	if (opt == 'm')
		o->mem_term = t, o->mem_kill = k;
	else if (opt == 's')
		o->swap_term = t, o->swap_kill = k;
	else if (opt == 'M')
		o->mem_term_kib = (long long)t, o->mem_kill_kib = k < 0 ? -1 : (long long)k;
	else
		o->swap_term_kib = (long long)t, o->swap_kill_kib = k < 0 ? -1 : (long long)k;
	return 0;
}

/* A cluster of short options at arg[*i] ("-ig", "-m10,5", "-m" "10"). */
static int earlyoom_short(const char **arg, size_t na, size_t *i, struct og_earlyoom_opts *o)
{
	for (const char *c = arg[*i] + 1; *c; c++) {
		if (!strchr("msMSrNP", *c)) {
			if (*c == 'i')
				o->ignore_root = true; /* old spelling of --ignore-root-user */
			else if (*c == 'g')
				o->kill_group = true;
			continue;
		}
		const char *val = c[1] ? c + 1 : (*i + 1 < na ? arg[++*i] : NULL);
		if (!val)
			return -EINVAL;
		return earlyoom_value(*c, val, o); /* the rest of this token was the value */
	}
	return 0;
}

int og_earlyoom_parse_argv(const char *buf, size_t len, struct og_earlyoom_opts *o)
{
	const char *arg[256];

	memset(o, 0, sizeof(*o));
	o->mem_term = o->mem_kill = o->swap_term = o->swap_kill = -1;
	o->mem_term_kib = o->mem_kill_kib = o->swap_term_kib = o->swap_kill_kib = -1;
	int na = split_argv(buf, len, arg, OG_ARRAY_LEN(arg));
	if (na < 0)
		return na;
	for (size_t i = 1; i < (size_t)na; i++) {
		const char *a = arg[i];
		int r = 0;
		if (a[0] == '-' && a[1] == '-')
			r = earlyoom_long(arg, (size_t)na, &i, o);
		else if (a[0] == '-' && a[1])
			r = earlyoom_short(arg, (size_t)na, &i, o);
		if (r < 0)
			return r;
	}
	return 0;
}

static void one_threshold(double pct, double pct_kill, long long kib, long long kib_kill,
			  long long total_kib, double *term, double *kill)
{
	double t = pct >= 0 ? pct : 10, k = pct >= 0 ? (pct_kill >= 0 ? pct_kill : pct / 2) : 5;

	if (kib >= 0 && total_kib > 0) {
		double mt = (double)kib * 100.0 / (double)total_kib;
		double mk = kib_kill >= 0 ? (double)kib_kill * 100.0 / (double)total_kib : mt / 2;
		/* Both given: earlyoom keeps the lower. */
		if (pct < 0 || mt < t)
			t = mt;
		if (pct < 0 || mk < k)
			k = mk;
	}
	*term = t;
	*kill = k;
}

void og_earlyoom_effective(const struct og_earlyoom_opts *o, const struct og_meminfo *mi,
			   double *mem_term, double *mem_kill, double *swap_term, double *swap_kill)
{
	one_threshold(o->mem_term, o->mem_kill, o->mem_term_kib, o->mem_kill_kib, mi->mem_total,
		      mem_term, mem_kill);
	one_threshold(o->swap_term, o->swap_kill, o->swap_term_kib, o->swap_kill_kib,
		      mi->swap_total, swap_term, swap_kill);
}

/* nohang's config file from its command line: "-c FILE", "--config FILE"
 * or "--config=FILE" (nohang's argparse takes all three). */
int og_nohang_parse_argv(const char *buf, size_t len, struct og_nohang_conf *c)
{
	const char *arg[256], *v = NULL;

	memset(c, 0, sizeof(*c));
	c->soft_mem_pct = c->hard_mem_pct = -1;
	int na = split_argv(buf, len, arg, OG_ARRAY_LEN(arg));
	if (na < 0)
		return na;
	for (int i = 1; i < na; i++) {
		if (!strcmp(arg[i], "-c") || !strcmp(arg[i], "--config"))
			v = i + 1 < na ? arg[++i] : v;
		else if (!strncmp(arg[i], "--config=", 9))
			v = arg[i] + 9;
	}
	if (v && strlen(v) >= sizeof(c->config))
		return -EINVAL;
	if (v)
		snprintf(c->config, sizeof(c->config), "%s", v);
	return 0;
}

static const char *trim(const char *p, const char *e, size_t *len)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*len = (size_t)(e - p);
	return p;
}

static double pct_value(const char *v, size_t vl)
{
	char tmp[32];
	char *end;
	if (!vl || vl >= sizeof(tmp))
		return -1;
	memcpy(tmp, v, vl);
	tmp[vl] = '\0';
	double x = strtod(tmp, &end);
	while (*end == ' ')
		end++;
	if (end == tmp || (*end && strcmp(end, "%")) || x < 0 || x > 100)
		return -1;
	return x;
}

int og_nohang_parse_conf(const char *buf, size_t len, struct og_nohang_conf *c)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		size_t ll, kl, vl;
		const char *line = p;
		p = og_next_line(p, end, &ll);
		const char *l = trim(line, line + ll, &ll);
		if (!ll || l[0] == '#')
			continue;
		if (ll > 20 && !memcmp(l, "@BADNESS_ADJ_RE_NAME", 20)) {
			/* @BADNESS_ADJ_RE_NAME  -500  ///  ^Xorg$ */
			const char *sep = memmem(l, ll, "///", 3);
			if (!sep)
				return -EINVAL;
			const char *n = trim(l + 20, sep, &kl);
			char num[16];
			long adj;
			if (!kl || kl >= sizeof(num))
				return -EINVAL;
			memcpy(num, n, kl);
			num[kl] = '\0';
			if (og_parse_long(num, -10000, 10000, &adj) < 0)
				return -EINVAL;
			const char *re = trim(sep + 3, l + ll, &vl);
			if (!vl || vl >= OG_RE_MAX || c->nrules >= OG_NOHANG_RULES)
				continue;
			c->name_rule[c->nrules].adj = (int)adj;
			memcpy(c->name_rule[c->nrules].re, re, vl);
			c->name_rule[c->nrules].re[vl] = '\0';
			c->nrules++;
			continue;
		}
		const char *eq = memchr(l, '=', ll);
		if (!eq)
			continue;
		const char *k = trim(l, eq, &kl);
		const char *v = trim(eq + 1, l + ll, &vl);
#define KEY(s) (kl == sizeof(s) - 1 && !memcmp(k, s, kl))
		if (KEY("ignore_positive_oom_score_adj"))
			c->ignore_positive_adj = vl == 4 && !memcmp(v, "True", 4);
		else if (KEY("soft_threshold_min_mem"))
			c->soft_mem_pct = pct_value(v, vl);
		else if (KEY("hard_threshold_min_mem"))
			c->hard_mem_pct = pct_value(v, vl);
#undef KEY
	}
	return 0;
}

void og_oomd_conf_defaults(struct og_oomd_conf *c)
{
	/* oomd-manager.h: DEFAULT_SWAP_USED_LIMIT_PERCENT 90,
	 * DEFAULT_MEM_PRESSURE_LIMIT_PERCENT 60, DEFAULT_MEM_PRESSURE_DURATION_USEC 30s. */
	c->swap_used_limit_pm = 9000;
	c->pressure_limit_pm = 6000;
	c->duration_usec = 30000000ULL;
	c->ignored = 0;
}

int og_oomd_parse_conf(const char *buf, size_t len, struct og_oomd_conf *c)
{
	const char *p = buf, *end = buf + len;
	bool in_oom = false;

	while (p < end) {
		size_t ll, kl, vl;
		const char *line = p;
		p = og_next_line(p, end, &ll);
		const char *l = trim(line, line + ll, &ll);
		if (!ll || l[0] == '#' || l[0] == ';')
			continue;
		if (l[0] == '[') {
			in_oom = ll == 5 && !memcmp(l, "[OOM]", 5);
			continue;
		}
		const char *eq = memchr(l, '=', ll);
		if (!eq || !in_oom)
			continue;
		const char *k = trim(l, eq, &kl);
		const char *v = trim(eq + 1, l + ll, &vl);
#define KEY(s) (kl == sizeof(s) - 1 && !memcmp(k, s, kl))
		int r = 0;
		if (KEY("SwapUsedLimit") && vl)
			r = og_percent_parse(v, vl, &c->swap_used_limit_pm);
		else if (KEY("DefaultMemoryPressureLimit") && vl)
			r = og_percent_parse(v, vl, &c->pressure_limit_pm);
		else if (KEY("DefaultMemoryPressureDurationSec") && vl)
			r = og_timespan_parse(v, vl, &c->duration_usec);
		c->ignored += r < 0;
#undef KEY
	}
	return 0;
}

/* a + b + c into out; -ENAMETOOLONG when it does not fit. */
static int pjoin(char *out, size_t sz, const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	if (la + lb + lc + 1 > sz)
		return -ENAMETOOLONG;
	memcpy(out, a, la);
	memcpy(out + la, b, lb);
	memcpy(out + la + lb, c, lc + 1);
	return 0;
}

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	return og_read_at(AT_FDCWD, path, buf, size);
}

struct dropin {
	char name[256];
	const char *dir;
};

static int cmp_dropin(const void *a, const void *b)
{
	return strcmp(((const struct dropin *)a)->name, ((const struct dropin *)b)->name);
}

static void oomd_conf_read(const char *etcroot, struct og_oomd_conf *c, char *files, size_t fsz)
{
	/* Main file, then drop-ins ordered by file name across the dirs; the
	 * same name in a higher-priority dir masks the lower one. */
	static const char *const dirs[] = { "/etc/systemd/oomd.conf.d", "/run/systemd/oomd.conf.d",
					    "/usr/local/lib/systemd/oomd.conf.d",
					    "/usr/lib/systemd/oomd.conf.d" };
	char path[1024], buf[8192];
	struct dropin di[64];
	size_t nd = 0, used = 0;
	ssize_t n;

	og_oomd_conf_defaults(c);
	files[0] = '\0';
	snprintf(path, sizeof(path), "%s/etc/systemd/oomd.conf", etcroot);
	n = read_file(path, buf, sizeof(buf));
	if (n < 0) {
		snprintf(path, sizeof(path), "%s/usr/lib/systemd/oomd.conf", etcroot);
		n = read_file(path, buf, sizeof(buf));
	}
	if (n >= 0 && og_oomd_parse_conf(buf, (size_t)n, c) == 0)
		used += (size_t)snprintf(files, fsz, "%s", path + strlen(etcroot));
	for (size_t d = 0; d < OG_ARRAY_LEN(dirs); d++) {
		snprintf(path, sizeof(path), "%s%s", etcroot, dirs[d]);
		DIR *dp = opendir(path);
		struct dirent *de;
		if (!dp)
			continue;
		while ((de = readdir(dp)) && nd < OG_ARRAY_LEN(di)) {
			size_t l = strlen(de->d_name);
			bool masked = false;
			if (l < 6 || l >= sizeof(di[0].name) || strcmp(de->d_name + l - 5, ".conf"))
				continue;
			for (size_t i = 0; i < nd; i++)
				masked |= !strcmp(di[i].name, de->d_name);
			if (masked)
				continue;
			memcpy(di[nd].name, de->d_name, l + 1);
			di[nd].dir = dirs[d];
			nd++;
		}
		closedir(dp);
	}
	qsort(di, nd, sizeof(di[0]), cmp_dropin);
	for (size_t i = 0; i < nd; i++) {
		char rel[512];
		if (pjoin(rel, sizeof(rel), di[i].dir, "/", di[i].name) < 0 ||
		    pjoin(path, sizeof(path), etcroot, rel, "") < 0)
			continue;
		n = read_file(path, buf, sizeof(buf));
		if (n < 0 || og_oomd_parse_conf(buf, (size_t)n, c) < 0)
			continue;
		if (used < fsz)
			used += (size_t)snprintf(files + used, fsz - used, "%s%s/%s",
						 used ? " " : "", di[i].dir, di[i].name);
	}
}

static ssize_t read_cmdline(const char *procroot, pid_t pid, char *buf, size_t size)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/%d/cmdline", procroot, (int)pid);
	ssize_t n = og_read_at(AT_FDCWD, path, buf, size);
	return n == -EFBIG ? -E2BIG : n;
}

/* Does the running binary know an option?  Looks for the text in its
 * executable (never runs it): help strings name every option. */
static bool exe_has(const char *procroot, pid_t pid, const char *needle)
{
	char path[300];
	size_t cap = 4u << 20, nl = strlen(needle);
	snprintf(path, sizeof(path), "%s/%d/exe", procroot, (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char *buf = malloc(cap);
	ssize_t n = buf ? read(fd, buf, cap) : -1;
	close(fd);
	bool found = n > 0 && memmem(buf, (size_t)n, needle, nl) != NULL;
	free(buf);
	return found;
}

/* One small batch of /proc entries: readdir() would fetch 32 KiB (about a
 * thousand PIDs, a millisecond of kernel work at 5,000 processes) before the
 * first stop check. */
#define DAEMON_BATCH 2048

static void daemon_check(int dfd, const char *name, pid_t pid, struct og_daemons *d)
{
	char path[300], comm[32];
	snprintf(path, sizeof(path), "%s/comm", name);
	ssize_t n = og_read_once(dfd, path, comm, sizeof(comm));
	if (n <= 0)
		return;     /* gone, or not ours to read */
	comm[n - 1] = '\0'; /* the newline */
	if (!strcmp(comm, "earlyoom") && d->n_earlyoom < OG_MAX_EARLYOOM)
		d->earlyoom[d->n_earlyoom++] = pid;
	else if (!strcmp(comm, "nohang") && !d->nohang)
		d->nohang = pid;
}

int og_daemons_find(const char *procroot, struct og_daemons *d, bool (*stop)(void *), void *arg)
{
	char buf[DAEMON_BATCH] __attribute__((aligned(8)));
	unsigned long seen = 0;
	ssize_t n;
	int r = 0;

	memset(d, 0, sizeof(*d));
	int dfd = open(procroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	while (r == 0 && (n = getdents64(dfd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *de = (const void *)(buf + off);
			pid_t pid;
			off += de->d_reclen;
			if (og_parse_pid(de->d_name, &pid) < 0)
				continue;
			if (stop && seen++ % 16 == 0 && stop(arg)) {
				r = -EINTR;
				break;
			}
			daemon_check(dfd, de->d_name, pid, d);
		}
	}
	if (r == 0 && n < 0)
		r = -errno;
	close(dfd);
	if (r == -EINTR)
		memset(d, 0, sizeof(*d));
	return r;
}

/* Which memory controllers are mounted (v1, v2, and v2's root offering
 * memory). */
static void detect_cgroups(const char *procroot, struct og_killers *k)
{
	char path[1024], buf[4096];
	struct og_cg_mounts mnt;
	ssize_t n;

	if (og_cg_read_mounts(procroot, &mnt) < 0)
		return;
	k->cg_v1_memory = mnt.v1_memory[0] != '\0';
	k->cg_v2 = mnt.v2[0] != '\0';
	if (!k->cg_v2)
		return;
	n = pjoin(path, sizeof(path), mnt.v2, "/cgroup.controllers", "") < 0
		    ? -1
		    : og_read_at(AT_FDCWD, path, buf, sizeof(buf));
	k->cg_v2_memory = n > 0 && (strstr(buf, "memory ") || strstr(buf, "memory\n"));
}

/* The userspace killers among the tasks, by comm, each with its command
 * line read. */
static void detect_daemons(const char *procroot, const struct og_taskset *ts, struct og_killers *k)
{
	char buf[16384];
	ssize_t n;

	for (size_t i = 0; i < ts->n; i++) {
		const struct og_task *t = &ts->v[i];
		if (t->kthread)
			continue;
		if (!k->oomd_pid && !strcmp(t->comm, "systemd-oomd")) {
			k->oomd_pid = t->pid;
		} else if (k->n_earlyoom < OG_MAX_EARLYOOM && !strcmp(t->comm, "earlyoom")) {
			struct og_earlyoom *e = &k->eo[k->n_earlyoom];
			n = read_cmdline(procroot, t->pid, buf, sizeof(buf));
			if (n >= 0 && og_earlyoom_parse_argv(buf, (size_t)n, &e->o) == 0) {
				e->pid = t->pid;
				e->has_ignore = exe_has(procroot, t->pid, "--ignore ");
				e->victim = -1;
				k->n_earlyoom++;
			}
		} else if (!k->nohang_pid && !strcmp(t->comm, "nohang")) {
			n = read_cmdline(procroot, t->pid, buf, sizeof(buf));
			if (n >= 0 && og_nohang_parse_argv(buf, (size_t)n, &k->nohang) == 0)
				k->nohang_pid = t->pid;
		}
	}
}

/* One nohang.conf candidate (under etcroot when absolute), read whole:
 * nohang.conf is long and documented.  Returns true when it parsed. */
static bool nohang_conf_try(const char *etcroot, const char *p, struct og_killers *k)
{
	char path[1024];
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	ssize_t n;
	bool ok = false;

	snprintf(path, sizeof(path), "%s%s", p[0] == '/' ? etcroot : "", p);
	if (buf && (n = og_read_at(AT_FDCWD, path, buf, cap)) >= 0)
		ok = og_nohang_parse_conf(buf, (size_t)n, &k->nohang) == 0;
	free(buf);
	return ok;
}

/* nohang's config: the one its command line names, else its default paths. */
static void nohang_conf_load(const char *etcroot, struct og_killers *k)
{
	static const char *const defaults[] = { "/etc/nohang/nohang.conf",
						"/usr/local/etc/nohang/nohang.conf",
						"/usr/lib/nohang/nohang.conf" };

	for (size_t i = 0; i < OG_ARRAY_LEN(defaults) + 1 && !k->nohang_conf_read; i++) {
		const char *p = i == 0 ? k->nohang.config : defaults[i - 1];
		if (!*p)
			continue;
		k->nohang_conf_read = nohang_conf_try(etcroot, p, k);
		if (k->nohang_conf_read && !k->nohang.config[0])
			snprintf(k->nohang.config, sizeof(k->nohang.config), "%s", p);
	}
}

int og_killers_detect(const char *procroot, const char *etcroot, const struct og_taskset *ts,
		      struct og_killers *k)
{
	char path[1024];

	memset(k, 0, sizeof(*k));
	read_vmsettings(procroot, &k->vm);
	snprintf(path, sizeof(path), "%s/pressure/memory", procroot);
	k->psi = og_read_psi(path, &k->psi_mem) == 0;
	detect_cgroups(procroot, k);
	detect_daemons(procroot, ts, k);
	og_oomd_conf_defaults(&k->oomd);
	if (k->oomd_pid)
		oomd_conf_read(etcroot, &k->oomd, k->oomd_conf_files, sizeof(k->oomd_conf_files));
	if (k->nohang_pid)
		nohang_conf_load(etcroot, k);
	return 0;
}

bool og_re_match(const char *re, const char *comm)
{
	regex_t rx;
	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	bool m = regexec(&rx, comm, 0, NULL, 0) == 0;
	regfree(&rx);
	return m;
}

static long global_score(const struct og_rankset *g, size_t k)
{
	return og_oom_score(&g->b[k], g->totalpages);
}

/* earlyoom's three regexes, compiled as it compiles them. */
struct eo_re {
	regex_t p, a, i;
	bool hp, ha, hi;
};

/* Returns false when one does not compile: earlyoom refuses to start. */
static bool eo_re_compile(const struct og_earlyoom_opts *o, struct eo_re *x)
{
	bool bad = false;

	memset(x, 0, sizeof(*x));
	if (o->has_prefer && !(x->hp = regcomp(&x->p, o->prefer, REG_EXTENDED | REG_NOSUB) == 0))
		bad = true;
	if (o->has_avoid && !(x->ha = regcomp(&x->a, o->avoid, REG_EXTENDED | REG_NOSUB) == 0))
		bad = true;
	if (o->has_ignore && !(x->hi = regcomp(&x->i, o->ignore, REG_EXTENDED | REG_NOSUB) == 0))
		bad = true;
	return !bad;
}

static void eo_re_free(struct eo_re *x)
{
	if (x->hp)
		regfree(&x->p);
	if (x->ha)
		regfree(&x->a);
	if (x->hi)
		regfree(&x->i);
}

/* Would earlyoom consider t at all? */
static bool eo_eligible(const struct og_task *t, const struct og_earlyoom_opts *o,
			const struct eo_re *x, pid_t self)
{
	if (t->pid <= 2 || t->ppid == 2 || t->kthread || t->pid == self || t->adj <= OG_ADJ_MIN ||
	    t->rss_kib < 0)
		return false;
	if (o->ignore_root && t->uid == 0)
		return false;
	return !(x->hi && regexec(&x->i, t->comm, 0, NULL, 0) == 0);
}

/* --prefer +300, --avoid -300. */
static long eo_bonus(const struct og_task *t, const struct eo_re *x)
{
	long bonus = 0;

	if (x->hp && regexec(&x->p, t->comm, 0, NULL, 0) == 0)
		bonus += 300;
	if (x->ha && regexec(&x->a, t->comm, 0, NULL, 0) == 0)
		bonus -= 300;
	return bonus;
}

long og_earlyoom_victim(const struct og_earlyoom_opts *o, const struct og_taskset *ts,
			const struct og_rankset *global, pid_t self, long *score, bool *bad_re)
{
	struct eo_re x;
	long best = -1, best_score = 0;
	long long best_rss = 0;

	if ((*bad_re = !eo_re_compile(o, &x))) {
		eo_re_free(&x);
		return -1;
	}
	/* global ranks the whole snapshot in order: member[k] == k. */
	for (size_t k = 0; k < global->n; k++) {
		const struct og_task *t = &ts->v[global->member[k]];
		if (!eo_eligible(t, o, &x, self))
			continue;
		long s = global_score(global, k), bonus = eo_bonus(t, &x);
		long long rss = t->rss_kib;
		bool larger;
		if (o->sort_by_rss) {
			/* ±3 GiB instead of ±300 points in this mode. */
			rss += (long long)bonus / 300 * 3 * 1024 * 1024;
			larger = best < 0 || rss > best_rss ||
				 (rss == best_rss && s + bonus > best_score);
		} else {
			s += bonus;
			larger = best < 0 || s > best_score || (s == best_score && rss > best_rss);
		}
		if (larger) {
			best = (long)global->member[k];
			best_score = o->sort_by_rss ? s + bonus : s;
			best_rss = rss;
		}
	}
	*score = best_score;
	eo_re_free(&x);
	return best;
}

long og_nohang_victim(const struct og_nohang_conf *c, const struct og_taskset *ts,
		      const struct og_rankset *global, pid_t self, long *score)
{
	regex_t rx[OG_NOHANG_RULES];
	bool ok[OG_NOHANG_RULES];
	long best = -1, best_score = 0;

	for (size_t r = 0; r < c->nrules; r++)
		ok[r] = regcomp(&rx[r], c->name_rule[r].re, REG_EXTENDED | REG_NOSUB) == 0;
	for (size_t k = 0; k < global->n; k++) {
		const struct og_task *t = &ts->v[global->member[k]];
		if (t->pid <= 1 || t->kthread || t->pid == self || t->rss_kib < 0 ||
		    t->adj <= OG_ADJ_MIN)
			continue;
		long s = global_score(global, k);
		if (c->ignore_positive_adj && t->adj > 0)
			s -= t->adj * 2 / 3;
		for (size_t r = 0; r < c->nrules; r++)
			if (ok[r] && regexec(&rx[r], t->comm, 0, NULL, 0) == 0 &&
			    (c->name_rule[r].adj < 0 || t->adj >= 0))
				s += c->name_rule[r].adj;
		if (best < 0 || s > best_score) {
			best = (long)global->member[k];
			best_score = s;
		}
	}
	for (size_t r = 0; r < c->nrules; r++)
		if (ok[r])
			regfree(&rx[r]);
	*score = best_score;
	return best;
}
