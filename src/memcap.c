#include "memcap.h"
#include "meminfo.h"
#include "render.h"
#include "systemd.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CAP_LIMIT \
	(1LL << 60)       /* 1 EiB: far above any machine, far below the v1 "unlimited" sentinel */
#define PAGE_SLACK 4096LL /* the kernel rounds limits down to a page */

void og_memcap_req_init(struct og_memcap_req *c)
{
	c->max = c->high = c->swap = -1;
}

bool og_memcap_wanted(const struct og_memcap_req *c)
{
	return c->max >= 0 || c->high >= 0 || c->swap >= 0;
}

static int suffix_shift(char c)
{
	switch (c) {
	case 'K':
	case 'k': return 10;
	case 'M':
	case 'm': return 20;
	case 'G':
	case 'g': return 30;
	case 'T':
	case 't': return 40;
	default: return -1;
	}
}

/* ".375" -> 375/1000 as (num, den); at most 3 digits. */
static int parse_frac(const char *s, size_t n, long *num, long *den)
{
	unsigned long long v;

	*num = 0;
	*den = 1;
	if (n == 0 || n > 3 || og_parse_ull(s, n, 999, &v) < 0)
		return -EINVAL;
	*num = (long)v;
	for (size_t i = 0; i < n; i++)
		*den *= 10;
	return 0;
}

int og_memcap_parse_size(const char *s, bool pct_ok, unsigned long long ram, long long *out)
{
	char ip[24];
	long whole, num = 0, den = 1;
	size_t len = s ? strlen(s) : 0, il;
	int shift = 0;
	bool pct = false;

	if (len == 0 || len > 40)
		return -EINVAL;
	if (pct_ok && s[len - 1] == '%')
		pct = true, len--;
	else if ((shift = suffix_shift(s[len - 1])) >= 0)
		len--;
	else
		shift = 0;
	const char *dot = memchr(s, '.', len);
	il = dot ? (size_t)(dot - s) : len;
	if (il == 0 || il >= sizeof(ip) || s[0] == '-')
		return -EINVAL;
	memcpy(ip, s, il);
	ip[il] = '\0';
	/* the project's strict integer parser: digits only, no sign or blanks */
	int r = og_parse_long(ip, 0, LONG_MAX, &whole);
	if (r < 0)
		return r;
	if (dot && (parse_frac(dot + 1, len - il - 1, &num, &den) < 0 || (!pct && shift == 0)))
		return -EINVAL;
	if (pct) {
		if (ram == 0 || whole > 100 || (whole == 100 && num > 0))
			return -ERANGE;
		/* ram * (whole + num/den) / 100 without overflow for ram < 2^60 */
		long double v = (long double)ram *
				((long double)whole + (long double)num / (long double)den) / 100.0L;
		*out = (long long)v;
		return 0;
	}
	if (whole > (CAP_LIMIT >> shift))
		return -ERANGE;
	long long v = ((long long)whole << shift) + (long long)((num << shift) / den);
	if (v > CAP_LIMIT)
		return -ERANGE;
	*out = v;
	return 0;
}

int og_memcap_opt(const char *name, const char *val, unsigned long long ram,
		  struct og_memcap_req *c, char *err, size_t errsz)
{
	bool swap = !strcmp(name, "swap-max");
	long long *dst = swap ? &c->swap : !strcmp(name, "memory-high") ? &c->high : &c->max;
	char esc[160];
	long long v;
	int r = og_memcap_parse_size(val, !swap, ram, &v);

	if (r == -ERANGE && !swap && ram == 0 && strchr(val, '%')) {
		snprintf(
			err, errsz,
			"invalid --%s '%s': cannot read MemTotal from /proc/meminfo for a percentage",
			name, og_esc(val, esc, sizeof(esc)));
		return -1;
	}
	if (r < 0 || (!swap && v < PAGE_SLACK)) {
		snprintf(
			err, errsz, "invalid --%s '%s': expected %s", name,
			og_esc(val, esc, sizeof(esc)),
			swap ? "a size like 0, 512M or 2G (K/M/G/T are 1024-based)"
			: r == -ERANGE && strchr(val, '%')
				? "a percentage of RAM above 0% and at most 100%"
				: "a size of at least 4K like 512M, 1.5G or 20G (K/M/G/T are 1024-based), or a percentage of RAM like 80%");
		return -1;
	}
	*dst = v;
	return 0;
}

/* MemTotal in bytes from procroot/meminfo, 0 when unreadable. */
static unsigned long long ram_bytes(const char *procroot)
{
	struct og_meminfo m;

	if (og_read_meminfo(procroot, &m) < 0 || m.mem_total <= 0)
		return 0;
	return (unsigned long long)m.mem_total * 1024ULL;
}

int og_memcap_getopt(int opt, const char *arg, struct og_memcap_req *c, char *err, size_t errsz)
{
	static const char *const name[] = { "memory-max", "memory-high", "swap-max" };

	if (opt < OG_OPT_MEMORY_MAX || opt > OG_OPT_SWAP_MAX)
		return 1;
	/* RAM only for a percentage: no /proc read for plain sizes */
	unsigned long long ram = strchr(arg, '%') ? ram_bytes("/proc") : 0;
	return og_memcap_opt(name[opt - OG_OPT_MEMORY_MAX], arg, ram, c, err, errsz);
}

int og_memcap_check_adj(const struct og_memcap_req *c, int adj, char *err, size_t errsz)
{
	if (!og_memcap_wanted(c) || adj > -1000)
		return 0;
	snprintf(
		err, errsz,
		"--adj -1000 with --memory-max: the kernel never kills a task at -1000, not even at its own "
		"cap, so the job would stall there instead of ending; leave --adj out (a capped job gets -999: the last "
		"choice of any other OOM kill) or give -999");
	return -1;
}

int og_memcap_check(const struct og_memcap_req *c, char *err, size_t errsz)
{
	char a[32], b[32];

	if ((c->high >= 0 || c->swap >= 0) && c->max < 0) {
		snprintf(err, errsz,
			 "--%s needs --memory-max: the cap is memory.max, the rest refines it",
			 c->high >= 0 ? "memory-high" : "swap-max");
		return -1;
	}
	if (c->high > c->max) {
		snprintf(
			err, errsz,
			"--memory-high %s is above --memory-max %s: throttling would never start before the kill",
			og_fmt_bytes(c->high, a, sizeof(a)), og_fmt_bytes(c->max, b, sizeof(b)));
		return -1;
	}
	return 0;
}

const char *og_fmt_bytes(long long b, char *buf, size_t size)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)b;
	int u = -1;

	if (b < 1024) {
		snprintf(buf, size, "%lld B", b);
		return buf;
	}
	while (v >= 1024.0 && u < 4) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, unit[u]);
	return buf;
}

/* ---- own cgroup -------------------------------------------------------------- */

static int write_file(const char *dir, const char *file, const char *val)
{
	char p[OG_CG_PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	return og_write_at(AT_FDCWD, p, val);
}

static int write_ll(const char *dir, const char *file, long long v)
{
	char s[32];

	snprintf(s, sizeof(s), "%lld", v);
	return write_file(dir, file, s);
}

/* v1: limit first (memsw may never be below it), then memory + swap. */
static int apply_v1(const struct og_memcap_req *c, const char *dir, char *err, size_t errsz)
{
	int r;

	if (c->high >= 0) {
		snprintf(
			err, errsz,
			"--memory-high needs cgroup v2 (memory.high); this host's memory controller is cgroup v1");
		return -ENOTSUP;
	}
	if ((r = write_ll(dir, "memory.limit_in_bytes", c->max)) < 0) {
		snprintf(err, errsz, "cannot write %s/memory.limit_in_bytes: %s", dir,
			 strerror(-r));
		return r;
	}
	if (c->swap < 0)
		return 0;
	if ((r = write_ll(dir, "memory.memsw.limit_in_bytes", c->max + c->swap)) < 0) {
		snprintf(
			err, errsz,
			r == -ENOENT
				? "--swap-max needs swap accounting (memory.memsw.*: boot with swapaccount=1)"
				: "cannot write memory.memsw.limit_in_bytes: %s",
			strerror(-r));
		return r;
	}
	return 0;
}

static int apply_v2(const struct og_memcap_req *c, const char *dir, char *err, size_t errsz)
{
	/* high before max: usage never sits between a new max and an old high */
	static const char *const file[] = { "memory.high", "memory.max", "memory.swap.max" };
	const long long v[] = { c->high, c->max, c->swap };
	int r;

	for (int i = 0; i < 3; i++) {
		if (v[i] < 0 || (r = write_ll(dir, file[i], v[i])) == 0)
			continue;
		snprintf(err, errsz, "cannot write %s/%s: %s", dir, file[i], strerror(-r));
		return r;
	}
	return 0;
}

/* "+memory" into dir's cgroup.subtree_control unless it is there. */
static int enable_memory(const char *dir)
{
	char p[OG_CG_PATH_MAX + 32], buf[512];

	snprintf(p, sizeof(p), "%s/cgroup.subtree_control", dir);
	if (og_read_at(AT_FDCWD, p, buf, sizeof(buf)) >= 0 && strstr(buf, "memory"))
		return 0;
	return og_write_at(AT_FDCWD, p, "+memory");
}

static int make_dir_v2(pid_t pid, struct og_memcap_cg *out, char *err, size_t errsz)
{
	char root[OG_CG_PATH_MAX], slice[OG_CG_PATH_MAX + 64];
	int r;

	if (og_cg2_mount("/proc", root, sizeof(root)) < 0) {
		snprintf(err, errsz,
			 "no cgroup2 hierarchy and no cgroup-v1 memory controller mounted");
		return -ENOENT;
	}
	snprintf(slice, sizeof(slice), "%s/%s", root, OG_SCOPE_SLICE);
	if ((r = enable_memory(root)) < 0) {
		snprintf(err, errsz,
			 "cannot enable the memory controller in %s/cgroup.subtree_control: %s",
			 root, strerror(-r));
		return r;
	}
	if (mkdir(slice, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		snprintf(err, errsz, "cannot create %s: %s", slice, strerror(errno));
		return r;
	}
	if ((r = enable_memory(slice)) < 0) {
		snprintf(err, errsz, "cannot enable the memory controller in %s: %s", slice,
			 strerror(-r));
		return r;
	}
	out->version = 2;
	snprintf(out->path, sizeof(out->path), "/%s/oomguard-%d.scope", OG_SCOPE_SLICE, (int)pid);
	if (snprintf(out->dir, sizeof(out->dir), "%s%s", root, out->path) >=
	    (int)sizeof(out->dir)) {
		snprintf(err, errsz, "the cgroup path under %s is too long", root);
		return -ENAMETOOLONG;
	}
	return 0;
}

static int make_dir_v1(pid_t pid, const struct og_cgroup *self, struct og_memcap_cg *out)
{
	out->version = 1;
	if (snprintf(out->path, sizeof(out->path), "%s/oomguard-%d",
		     strcmp(self->path, "/") ? self->path : "",
		     (int)pid) >= (int)sizeof(out->path) ||
	    snprintf(out->dir, sizeof(out->dir), "%s/oomguard-%d", self->dir, (int)pid) >=
		    (int)sizeof(out->dir))
		return -ENAMETOOLONG;
	return 0;
}

int og_memcap_make(const struct og_memcap_req *c, const struct og_cgroup *under, pid_t name,
		   struct og_memcap_cg *out, char *err, size_t errsz)
{
	int r;

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	if (under && under->version == 1)
		r = make_dir_v1(name, under, out);
	else
		r = make_dir_v2(name, out, err, errsz);
	if (r < 0) {
		if (!err[0])
			snprintf(err, errsz, "cannot name a memory cgroup for pid %d: %s",
				 (int)name, strerror(-r));
		out->version = 0;
		return r;
	}
	if (mkdir(out->dir, 0755) < 0) {
		r = -errno;
		snprintf(err, errsz, "cannot create %s: %s", out->dir, strerror(errno));
		out->version = 0;
		return r;
	}
	r = out->version == 1 ? apply_v1(c, out->dir, err, errsz)
			      : apply_v2(c, out->dir, err, errsz);
	if (r < 0) {
		rmdir(out->dir);
		out->version = 0;
	}
	return r;
}

int og_memcap_move(const struct og_memcap_cg *cg, pid_t pid)
{
	char ps[16];
	snprintf(ps, sizeof(ps), "%d", (int)pid);
	return write_file(cg->dir, "cgroup.procs", ps);
}

int og_memcap_create(const struct og_memcap_req *c, pid_t pid, struct og_memcap_cg *out, char *err,
		     size_t errsz)
{
	struct og_cgroup self;
	int r = og_cgroup_of_pid("/proc", getpid(), &self);

	if ((r = og_memcap_make(c, r == 0 ? &self : NULL, pid, out, err, errsz)) < 0)
		return r;
	if ((r = og_memcap_move(out, pid)) < 0) {
		snprintf(err, errsz, "cannot move pid %d into %s: %s", (int)pid, out->dir,
			 strerror(-r));
		rmdir(out->dir);
		out->version = 0;
	}
	return r;
}

int og_memcap_remove(const struct og_memcap_cg *cg)
{
	if (!cg->version)
		return 0;
	/* The last task may still be on its way out of the cgroup (exit is
	 * not instant for a big address space): retry briefly on EBUSY. */
	for (int i = 0; i < 50; i++) {
		if (rmdir(cg->dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		usleep(20000);
	}
	return -EBUSY;
}

/* ---- read-back --------------------------------------------------------------- */

int og_memcap_read_dir(const struct og_cgroup *cg, struct og_memcap_state *s)
{
	struct og_memcg m;
	int r;

	s->cg = *cg;
	s->max = s->high = s->swap = s->usage = s->peak = s->oom_kills = s->high_events = -1;
	if ((r = og_memcg_read(cg, &m)) < 0)
		return r;
	s->max = m.limit;
	s->high = m.high;
	s->swap = m.swap_limit;
	s->usage = m.usage;
	s->oom_kills = m.oom_kills;
	if (og_memcg_val(cg, cg->version == 1 ? "memory.max_usage_in_bytes" : "memory.peak",
			 &s->peak) < 0)
		s->peak = -1;
	if (cg->version == 2)
		s->high_events = og_memcg_key(cg, "memory.events", "high");
	return 0;
}

int og_memcap_read(const char *procroot, pid_t pid, struct og_memcap_state *s)
{
	struct og_cgroup cg;
	int r;

	memset(s, 0, sizeof(*s));
	if ((r = og_cgroup_of_pid(procroot, pid, &cg)) < 0)
		return r;
	return og_memcap_read_dir(&cg, s);
}

static bool near(long long have, long long want)
{
	return have >= 0 && have <= want && want - have < PAGE_SLACK;
}

bool og_memcap_matches(const struct og_memcap_state *s, const struct og_memcap_req *want, char *why,
		       size_t whysz)
{
	static const char *const name[] = { "max", "high", "swap" };
	const long long have[] = { s->max, s->high, s->swap },
			req[] = { want->max, want->high, want->swap };
	char a[32], b[32];

	for (int i = 0; i < 3; i++) {
		if (req[i] < 0 || near(have[i], req[i]))
			continue;
		snprintf(why, whysz, "%s %s asked, %s in %s", og_fmt_bytes(req[i], a, sizeof(a)),
			 name[i], have[i] < 0 ? "none" : og_fmt_bytes(have[i], b, sizeof(b)),
			 s->cg.path);
		return false;
	}
	return true;
}

const char *og_memcap_line(const struct og_memcap_state *s, char *buf, size_t size)
{
	char a[32], esc[2 * OG_CG_PATH_MAX], parts[160] = "";
	size_t n = 0;

	if (s->max >= 0)
		n += (size_t)snprintf(parts + n, sizeof(parts) - n, "%s max",
				      og_fmt_bytes(s->max, a, sizeof(a)));
	if (s->high >= 0)
		n += (size_t)snprintf(parts + n, sizeof(parts) - n, "%s%s high", n ? ", " : "",
				      og_fmt_bytes(s->high, a, sizeof(a)));
	if (s->swap >= 0 && s->max >= 0)
		snprintf(parts + n, sizeof(parts) - n, "%s%s swap", n ? ", " : "",
			 og_fmt_bytes(s->swap, a, sizeof(a)));
	og_esc(s->cg.path, esc, sizeof(esc));
	if (parts[0]) {
		snprintf(buf, size, "memory cap: %s on %s", parts, esc);
		return buf;
	}
	struct og_cgroup lim;
	struct og_memcg m;
	char le[2 * OG_CG_PATH_MAX];
	if (og_memcg_limiting(&s->cg, &lim, &m) == 0)
		snprintf(buf, size, "memory cap: none on %s (bound by %s on %s)", esc,
			 og_fmt_bytes(m.limit, a, sizeof(a)), og_esc(lim.path, le, sizeof(le)));
	else
		snprintf(buf, size, "memory cap: none on %s (no memory limit above it either)",
			 esc);
	return buf;
}

static void json_ll(FILE *f, const char *key, long long v)
{
	if (v < 0)
		fprintf(f, ",\"%s\":null", key);
	else
		fprintf(f, ",\"%s\":%lld", key, v);
}

void og_memcap_json(FILE *f, const struct og_memcap_state *s)
{
	fputs("{\"cgroup\":", f);
	og_json_str(f, s->cg.path);
	fprintf(f, ",\"version\":%d", s->cg.version);
	json_ll(f, "max", s->max);
	json_ll(f, "high", s->high);
	json_ll(f, "swap_max", s->swap);
	json_ll(f, "usage", s->usage);
	json_ll(f, "peak", s->peak);
	fputc('}', f);
}

int og_memcap_high_events(const char *cgdir, long long *out)
{
	struct og_cgroup cg = { .version = 2 };

	if (snprintf(cg.dir, sizeof(cg.dir), "%s", cgdir) >= (int)sizeof(cg.dir))
		return -ENAMETOOLONG;
	*out = og_memcg_key(&cg, "memory.events", "high");
	return *out < 0 ? -ENOENT : 0;
}

bool og_memcap_own_kill(const struct og_memcap_state *start, const struct og_memcap_state *end,
			bool warned, char *buf, size_t size)
{
	char cap[32], peak[32], esc[2 * OG_CG_PATH_MAX];

	if (start->max < 0 || end->oom_kills < 0 ||
	    end->oom_kills <= (start->oom_kills > 0 ? start->oom_kills : 0))
		return false;
	long long pk = end->peak >= 0 ? end->peak : end->usage;
	/* The kill counter of the job's cgroup also rises when a parent's
	 * limit killed it (cgroup v1 counts a kill in the victim's own
	 * memcg): its own cap was the cause only if usage reached it (the
	 * kernel charges in batches of 64 pages and reclaims just below). */
	long long slack = start->max / 64 > (4LL << 20) ? start->max / 64 : (4LL << 20);
	if (pk >= 0 && pk < start->max - slack)
		return false;
	snprintf(
		buf, size,
		"the job was killed by its own cap: the kernel's memcg OOM killer acted inside %s at its cap of %s "
		"(%s; peak %s); give it more with --memory-max, or %s",
		og_esc(start->cg.path, esc, sizeof(esc)),
		og_fmt_bytes(start->max, cap, sizeof(cap)),
		start->cg.version == 1 ? "memory.limit_in_bytes" : "memory.max",
		pk >= 0 ? og_fmt_bytes(pk, peak, sizeof(peak)) : "unknown",
		warned ? "checkpoint at the warning it got and resume with less in memory"
		       : "add --warn so it is told (and can checkpoint) before the cap is reached");
	return true;
}
