/* OOM episode assembly (see episode.h). */
#include "episode.h"
#include "oomd.h"
#include "render.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lines read in full after a record that belongs to an open kernel episode:
 * enough for a call trace, Mem-Info and memory.stat dumps between records. */
#define DENSE_LINES 400
/* After the kill line: the oom.group line and the group's other kills. */
#define TAIL_LINES 12
#define MAX_ROWS 200000
#define SEC 1000000LL

const char *og_killer_name(enum og_killer k)
{
	static const char *const names[] = {
		"unknown", "kernel", "kernel-global", "kernel-memcg", "kernel-cpuset", "kernel-mempolicy",
		"systemd-oomd", "systemd-oomd-pressure", "systemd-oomd-swap", "earlyoom", "nohang",
	};
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

bool og_killer_is_kernel(enum og_killer k)
{
	return k >= OG_K_KERNEL && k <= OG_K_KERNEL_MEMPOLICY;
}

static void cpys(char *dst, size_t dsz, const char *s)
{
	size_t n = 0;
	while (n + 1 < dsz && s[n])
		n++;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* snprintf that truncates quietly: paths in explanations may be long. */
static void fmt(char *dst, size_t dsz, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *dst, size_t dsz, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vsnprintf(dst, dsz, f, ap);
	va_end(ap);
}

static void task_reset(struct og_task *t)
{
	memset(t, 0, sizeof(*t));
	t->uid = -1;
	t->adj = OG_ADJ_NONE;
	t->total_vm_kib = t->rss_kib = t->anon_kib = t->file_kib = t->shmem_kib = t->pgtables_kib = t->swap_kib = -1;
}

static void event_reset(struct og_asm *a, struct og_event *e, const struct og_line *l)
{
	memset(e, 0, sizeof(*e));
	e->wall_us = l ? l->wall_us : OG_TIME_NONE;
	e->mono_us = l ? l->mono_us : OG_TIME_NONE;
	e->source = a->source;
	task_reset(&e->victim);
	task_reset(&e->alloc);
	e->nprocs = -1;
	e->usage_kib = e->limit_kib = e->swap_limit_kib = -1;
	e->score = -1;
	e->considered = -1;
}

int og_asm_init(struct og_asm *a, const char *source, const struct og_prefix_ctx *ctx)
{
	memset(a, 0, sizeof(*a));
	og_anchors_init(&a->anchors);
	og_asm_set_source(a, source, ctx);
	a->cand_target = -1;
	a->last_us = OG_TIME_NONE;
	return 0;
}

void og_asm_set_source(struct og_asm *a, const char *source, const struct og_prefix_ctx *ctx)
{
	a->source = source;
	if (ctx) {
		a->ctx = *ctx;
	} else {
		memset(&a->ctx, 0, sizeof(a->ctx));
		a->ctx.boot_wall_us = OG_TIME_NONE;
		a->ctx.now_us = OG_TIME_NONE;
	}
}

void og_asm_free(struct og_asm *a)
{
	free(a->ev);
	free(a->rows);
	a->ev = NULL;
	a->rows = NULL;
	a->nev = a->cap = a->nrows = a->caprows = 0;
}

static struct og_event *push(struct og_asm *a, const struct og_event *e)
{
	if (a->nev == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 16;
		struct og_event *n = realloc(a->ev, nc * sizeof(*n));
		if (!n) {
			a->oom = -ENOMEM;
			return NULL;
		}
		a->ev = n;
		a->cap = nc;
	}
	a->ev[a->nev] = *e;
	a->ev[a->nev].seq = a->seq++;
	return &a->ev[a->nev++];
}

static int64_t line_time(const struct og_line *l)
{
	return l->wall_us != OG_TIME_NONE ? l->wall_us : l->mono_us;
}

static int64_t ev_time(const struct og_event *e)
{
	return e->wall_us != OG_TIME_NONE ? e->wall_us : e->mono_us;
}

/* Both times known and further apart than lim: not the same episode. */
static bool far(int64_t t1, int64_t t2, int64_t lim)
{
	if (t1 == OG_TIME_NONE || t2 == OG_TIME_NONE)
		return false;
	return t1 - t2 > lim || t2 - t1 > lim;
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static bool is_unit_name(const char *s)
{
	const char *dot = strrchr(s, '.');
	return dot && (!strcmp(dot, ".scope") || !strcmp(dot, ".service") || !strcmp(dot, ".slice"));
}

/* ---------- explanations ---------- */

static const char *kib_str(long long kib, char *buf, size_t n)
{
	if (kib < 0)
		return "?";
	return og_fmt_kib((unsigned long long)kib, buf, n);
}

void og_event_advice(const struct og_event *e, int sd_version, char *buf, size_t n)
{
	buf[0] = '\0';
	switch (e->killer) {
	case OG_K_KERNEL_MEMCG:
		fmt(buf, n, "%s", e->no_victim ? "raise the limit or leave at least one task killable"
					       : "raise that cgroup's memory limit or make the job use less, and note that "
						 "oom_score_adj (oomguard run/protect) only chooses which task inside the cgroup dies");
		break;
	case OG_K_KERNEL_GLOBAL:
	case OG_K_KERNEL_CPUSET:
	case OG_K_KERNEL_MEMPOLICY:
	case OG_K_KERNEL:
		fmt(buf, n, "%s", e->no_victim ? "leave the non-essential processes killable"
					       : "start the job with `oomguard run` (or `oomguard protect` it) so oom_score_adj "
						 "keeps it from being chosen, and add memory or limit the other big users");
		break;
	case OG_K_OOMD_PRESSURE:
	case OG_K_OOMD_SWAP:
	case OG_K_OOMD: {
		/* The rule of src/oomd.c, the one the read-back of run applies. */
		char adv[600];
		og_oomd_advice(sd_version, e->killer != OG_K_OOMD,
			       e->killer == OG_K_OOMD_SWAP ? OG_OOMD_KILL_SWAP : OG_OOMD_KILL_PRESSURE, e->cgroup,
			       e->monitored, adv, sizeof(adv));
		fmt(buf, n, "systemd-oomd never reads oom_score_adj, so -1000 would not have helped: %s", adv);
		break;
	}
	case OG_K_EARLYOOM:
	case OG_K_NOHANG:
		fmt(buf, n, "a lower oom_score_adj (`oomguard run`/`protect`) or %s for the job prevents this",
		    e->killer == OG_K_EARLYOOM ? "an earlyoom --avoid/--ignore rule" : "a @BADNESS_ADJ_RE_NAME rule");
		break;
	default:
		break;
	}
}

static void oomd_cause(const struct og_event *e, char *c, size_t csz)
{
	char why[320], procs[48] = "", b1[32], b3[32];

	if (e->killer == OG_K_OOMD_PRESSURE)
		fmt(why, sizeof(why), "memory pressure in %s stayed at %s%% > %s%% for > %s",
		    e->monitored[0] ? e->monitored : "?", e->pressure, e->plimit, e->duration[0] ? e->duration : "?");
	else if (e->killer == OG_K_OOMD_SWAP)
		fmt(why, sizeof(why), "memory and swap use both passed %s%% (swap %s of %s used)",
		    e->plimit[0] ? e->plimit : "90.00", kib_str((long long)(e->swap_used / 1024), b1, sizeof(b1)),
		    kib_str((long long)(e->swap_total / 1024), b3, sizeof(b3)));
	else
		fmt(why, sizeof(why), "its pressure or swap rule fired");
	if (e->nprocs >= 0)
		fmt(procs, sizeof(procs), " (%ld process%s)", e->nprocs, e->nprocs == 1 ? "" : "es");
	fmt(c, csz, "systemd-oomd killed every process in %s%s because %s",
	    e->cgroup[0] ? e->cgroup : (e->unit[0] ? e->unit : "a cgroup"), procs, why);
}

/* What happened, without the advice. */
static void cause(const struct og_event *e, char *c, size_t csz)
{
	char b1[32], b2[32];
	char who[160];
	const struct og_task *v = &e->victim;

	if (v->pid > 0)
		fmt(who, sizeof(who), "%s (pid %d%s%s%s)", v->comm[0] ? v->comm : "?", v->pid,
			 v->rss_kib >= 0 ? ", " : "", v->rss_kib >= 0 ? kib_str(v->rss_kib, b1, sizeof(b1)) : "",
			 v->rss_kib >= 0 ? " resident" : "");
	else if (e->cgroup[0])
		fmt(who, sizeof(who), "the processes of %s", e->cgroup);
	else
		fmt(who, sizeof(who), "%s", e->unit[0] ? e->unit : "a process");
	const char *alloc = e->alloc.comm[0] ? e->alloc.comm : NULL;

	switch (e->killer) {
	case OG_K_KERNEL_MEMCG:
		if (e->no_victim) {
			fmt(c, csz,
			    "Memory cgroup %s hit its limit%s%s and the kernel found no killable task in it "
			    "(all at oom_score_adj -1000 or exiting), so allocations there stall",
			    e->oom_memcg[0] ? e->oom_memcg : "?", e->limit_kib >= 0 ? " of " : "",
			    e->limit_kib >= 0 ? kib_str(e->limit_kib, b2, sizeof(b2)) : "");
			break;
		}
		fmt(c, csz, "The kernel OOM killer killed %s because %s%s reached its limit%s%s%s%s%s", who,
		    e->oom_memcg[0] || e->cgroup[0] ? "memory cgroup " : "its memory cgroup (not named: the kernel rate-limits OOM reports)",
		    e->oom_memcg[0] ? e->oom_memcg : e->cgroup, e->limit_kib >= 0 ? " of " : "",
		    e->limit_kib >= 0 ? kib_str(e->limit_kib, b2, sizeof(b2)) : "", alloc ? " while " : "", alloc ? alloc : "",
		    alloc ? " was allocating" : "");
		break;
	case OG_K_KERNEL_GLOBAL:
	case OG_K_KERNEL_CPUSET:
	case OG_K_KERNEL_MEMPOLICY:
	case OG_K_KERNEL: {
		const char *scope = e->killer == OG_K_KERNEL_CPUSET	   ? "the memory nodes of its cpuset"
				    : e->killer == OG_K_KERNEL_MEMPOLICY ? "the memory nodes of its NUMA policy"
									 : "the machine's RAM and swap";
		if (e->no_victim)
			fmt(c, csz, "The kernel ran out of %s and found no killable process (all at oom_score_adj -1000 "
				    "or unkillable)", scope);
		else
			fmt(c, csz, "The kernel OOM killer killed %s because %s ran out%s%s%s and it had the highest badness "
				    "(memory use plus oom_score_adj)",
			    who, scope, alloc ? " while " : "", alloc ? alloc : "", alloc ? " was allocating" : "");
		break;
	}
	case OG_K_OOMD_PRESSURE:
	case OG_K_OOMD_SWAP:
	case OG_K_OOMD:
		oomd_cause(e, c, csz);
		break;
	case OG_K_EARLYOOM:
	case OG_K_NOHANG: {
		bool eo = e->killer == OG_K_EARLYOOM;
		fmt(c, csz, "%s sent %s to %s because %s and it had the highest %s", eo ? "earlyoom" : "nohang",
		    e->sig[0] ? e->sig : "a signal", who,
		    eo ? "available memory and free swap fell below its thresholds" : "memory ran low",
		    eo ? "oom_score" : "badness");
		break;
	}
	default:
		fmt(c, csz, "%s was killed by an OOM killer the log does not name", who);
		break;
	}
}

void og_event_explain(struct og_event *e, int sd_version)
{
	char c[600], adv[700];

	cause(e, c, sizeof(c));
	og_event_advice(e, sd_version, adv, sizeof(adv));
	if (adv[0])
		fmt(e->why, sizeof(e->why), "%s; %s.", c, adv);
	else
		fmt(e->why, sizeof(e->why), "%s.", c);
}

static void explain(struct og_event *e)
{
	og_event_explain(e, 0);
}

/* ---------- kernel episodes ---------- */

static int cmp_rss(const void *x, const void *y)
{
	const struct og_task *a = x, *b = y;
	return a->rss_kib < b->rss_kib ? 1 : a->rss_kib > b->rss_kib ? -1 : 0;
}

static void top_from_rows(struct og_asm *a, struct og_event *e)
{
	if (!a->nrows || !a->rows)
		return;
	/* Fill what an old "Killed process" line leaves out from the victim's row. */
	for (size_t i = 0; i < a->nrows; i++) {
		const struct og_task *r = &a->rows[i];
		if (e->victim.pid <= 0 || r->tgid != e->victim.pid)
			continue;
		if (e->victim.uid < 0)
			e->victim.uid = r->uid;
		if (e->victim.adj == OG_ADJ_NONE)
			e->victim.adj = r->adj;
		if (e->victim.swap_kib < 0)
			e->victim.swap_kib = r->swap_kib;
		if (e->victim.rss_kib < 0)
			e->victim.rss_kib = r->rss_kib;
		break;
	}
	qsort(a->rows, a->nrows, sizeof(a->rows[0]), cmp_rss);
	for (size_t i = 0; i < a->nrows && e->ntop < OG_TOP_USERS; i++) {
		struct og_user *u = &e->top[e->ntop++];
		const struct og_task *r = &a->rows[i];
		u->pid = r->tgid;
		u->uid = r->uid;
		u->adj = r->adj;
		u->rss_kib = r->rss_kib;
		u->swap_kib = r->swap_kib;
		cpys(u->name, sizeof(u->name), r->comm);
	}
}

static enum og_killer kernel_kind(const struct og_event *e)
{
	if (!strcmp(e->constraint, "CONSTRAINT_MEMCG"))
		return OG_K_KERNEL_MEMCG;
	if (!strcmp(e->constraint, "CONSTRAINT_NONE"))
		return OG_K_KERNEL_GLOBAL;
	if (!strcmp(e->constraint, "CONSTRAINT_CPUSET"))
		return OG_K_KERNEL_CPUSET;
	if (!strcmp(e->constraint, "CONSTRAINT_MEMORY_POLICY"))
		return OG_K_KERNEL_MEMPOLICY;
	return e->killer;
}

static void finalize(struct og_asm *a)
{
	if (!a->pending)
		return;
	struct og_event *e = &a->pend;
	if (a->pend_killed || e->no_victim) {
		e->killer = kernel_kind(e);
		if (e->killer == OG_K_UNKNOWN)
			e->killer = e->oom_memcg[0] ? OG_K_KERNEL_MEMCG : OG_K_KERNEL;
		if (e->killer == OG_K_KERNEL_MEMCG && !e->oom_memcg[0])
			cpys(e->oom_memcg, sizeof(e->oom_memcg), e->cgroup);
		if (e->group && e->nprocs < 1)
			e->nprocs = 1;
		top_from_rows(a, e);
		explain(e);
		push(a, e);
	}
	a->pending = false;
	a->pend_killed = false;
	a->nrows = 0;
	a->dense = 0;
}

static void start_pending(struct og_asm *a, const struct og_line *l)
{
	finalize(a);
	event_reset(a, &a->pend, l);
	a->pending = true;
	a->pend_killed = false;
	a->nrows = 0;
}

static void add_row(struct og_asm *a, const struct og_task *t)
{
	if (a->nrows >= MAX_ROWS)
		return;
	if (a->nrows == a->caprows) {
		size_t nc = a->caprows ? a->caprows * 2 : 64;
		struct og_task *n = realloc(a->rows, nc * sizeof(*n));
		if (!n) {
			a->oom = -ENOMEM;
			return;
		}
		a->rows = n;
		a->caprows = nc;
	}
	a->rows[a->nrows++] = *t;
}

static void summary_into(struct og_event *e, const struct og_rec *r)
{
	if (r->constraint[0])
		cpys(e->constraint, sizeof(e->constraint), r->constraint);
	if (r->path[0])
		cpys(e->oom_memcg, sizeof(e->oom_memcg), r->path);
	if (r->path2[0])
		cpys(e->cgroup, sizeof(e->cgroup), r->path2);
	if (r->global_oom && !e->constraint[0])
		cpys(e->constraint, sizeof(e->constraint), "CONSTRAINT_NONE");
	if (r->has_task && e->victim.pid <= 0) {
		e->victim.pid = r->t.pid;
		e->victim.uid = r->t.uid;
		cpys(e->victim.comm, sizeof(e->victim.comm), r->t.comm);
	}
}

static void killed(struct og_asm *a, const struct og_line *l, const struct og_rec *r)
{
	if (a->pending && a->pend_killed) {
		if (a->pend.group || r->t.pid == a->pend.victim.pid) {
			/* another member of an oom.group kill */
			if (r->t.pid != a->pend.victim.pid)
				a->pend.nprocs = a->pend.nprocs < 1 ? 2 : a->pend.nprocs + 1;
			a->dense = TAIL_LINES;
			return;
		}
		finalize(a);
	}
	if (!a->pending)
		start_pending(a, l);
	struct og_event *e = &a->pend;
	/* The chosen task's "Kill process" line may name a parent whose child
	 * was sacrificed: the Killed line is the truth. */
	long uid = e->victim.uid;
	bool same = e->victim.pid == r->t.pid;
	e->victim = r->t;
	if (e->victim.uid < 0 && same)
		e->victim.uid = uid;
	e->wall_us = l->wall_us;
	e->mono_us = l->mono_us;
	if (!strncmp(r->prefix, "Memory cgroup", 13))
		e->killer = OG_K_KERNEL_MEMCG;
	else if (!strncmp(r->prefix, "Out of memory", 13) && !e->constraint[0] && !e->oom_memcg[0])
		e->killer = OG_K_KERNEL_GLOBAL;
	else if (e->killer == OG_K_UNKNOWN)
		e->killer = OG_K_KERNEL;
	a->pend_killed = true;
	a->dense = TAIL_LINES;
}

static struct og_event *recent(struct og_asm *a, int64_t t, int64_t lim, bool (*ok)(const struct og_event *, const void *),
			       const void *arg)
{
	for (size_t i = a->nev; i-- > 0 && a->nev - i <= 64;) {
		struct og_event *e = &a->ev[i];
		if (far(ev_time(e), t, lim))
			continue;
		if (ok(e, arg))
			return e;
	}
	return NULL;
}

static bool by_pid(const struct og_event *e, const void *arg)
{
	return og_killer_is_kernel(e->killer) && e->victim.pid == *(const int *)arg;
}

static bool unit_matches(const struct og_event *e, const char *unit)
{
	return !strcmp(e->unit, unit) || (e->cgroup[0] && !strcmp(base(e->cgroup), unit));
}

static bool oomd_by_unit(const struct og_event *e, const void *arg)
{
	return (e->killer == OG_K_OOMD_PRESSURE || e->killer == OG_K_OOMD_SWAP || e->killer == OG_K_OOMD) &&
	       unit_matches(e, arg);
}

static bool kernel_for_unit(const struct og_event *e, const void *arg)
{
	return og_killer_is_kernel(e->killer) && (!e->unit[0] || unit_matches(e, arg));
}

static bool any_unit(const struct og_event *e, const void *arg)
{
	return unit_matches(e, arg);
}

static long long size_kib(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || !(v >= 0 && v < 1e12))
		return -1;
	while (*end == ' ')
		end++;
	switch (*end) {
	case 'K': return (long long)v;
	case 'M': return (long long)(v * 1024);
	case 'G': return (long long)(v * 1024 * 1024);
	case 'T': return (long long)(v * 1024 * 1024 * 1024);
	case 'B': return (long long)(v / 1024);
	default: return (long long)(v / 1024); /* bytes */
	}
}

static void attach_candidates(struct og_asm *a, struct og_event *e)
{
	e->ntop = a->ncand;
	memcpy(e->top, a->cand, sizeof(a->cand[0]) * (size_t)a->ncand);
	e->considered = a->considered;
}

static void record(struct og_asm *a, const struct og_line *l, const struct og_rec *r)
{
	int64_t t = line_time(l);
	struct og_event *e = &a->pend;

	switch (r->kind) {
	case OG_REC_INVOKED:
		start_pending(a, l);
		e->alloc = r->t;
		cpys(e->gfp, sizeof(e->gfp), r->gfp);
		e->order = r->order;
		a->dense = DENSE_LINES;
		break;
	case OG_REC_STACK:
		if (a->pending && !a->pend_killed && e->alloc.pid <= 0 && !strcmp(e->alloc.comm, r->t.comm)) {
			e->alloc.pid = r->t.pid;
			e->alloc.uid = r->t.uid;
		}
		break;
	case OG_REC_MEMCG_USAGE:
		if (!a->pending || a->pend_killed)
			break;
		if (!strcmp(r->key, "memory")) {
			e->usage_kib = r->usage_kib;
			e->limit_kib = r->limit_kib;
			if (e->killer == OG_K_UNKNOWN)
				e->killer = OG_K_KERNEL_MEMCG;
		} else if (r->swap) {
			e->swap_limit_kib = r->limit_kib;
		}
		break;
	case OG_REC_MEMCG_STATS:
		if (a->pending && !e->oom_memcg[0])
			cpys(e->oom_memcg, sizeof(e->oom_memcg), r->path);
		break;
	case OG_REC_MEMINFO:
		if (a->pending && e->killer == OG_K_UNKNOWN)
			e->killer = OG_K_KERNEL_GLOBAL;
		break;
	case OG_REC_TASK_HDR:
		a->layout = r->layout;
		a->nrows = 0;
		break;
	case OG_REC_TASK_ROW:
		if (a->pending && !a->pend_killed)
			add_row(a, &r->t);
		break;
	case OG_REC_TASK_IN:
		if (a->pending) {
			cpys(e->cgroup, sizeof(e->cgroup), r->path2);
			cpys(e->oom_memcg, sizeof(e->oom_memcg), r->path);
			e->killer = OG_K_KERNEL_MEMCG;
		}
		break;
	case OG_REC_SUMMARY:
	case OG_REC_SUMMARY_CONT:
		if (!a->pending)
			start_pending(a, l);
		summary_into(e, r);
		break;
	case OG_REC_OLDKILL:
		if (!a->pending)
			start_pending(a, l);
		if (e->victim.pid <= 0) {
			e->victim.pid = r->t.pid;
			cpys(e->victim.comm, sizeof(e->victim.comm), r->t.comm);
		}
		e->score = r->score;
		if (!strncmp(r->prefix, "Memory cgroup", 13))
			e->killer = OG_K_KERNEL_MEMCG;
		else if (!strncmp(r->prefix, "Out of memory", 13) && e->killer == OG_K_UNKNOWN)
			e->killer = OG_K_KERNEL_GLOBAL;
		break;
	case OG_REC_KILLED:
		killed(a, l, r);
		break;
	case OG_REC_GROUP:
		if (a->pending) {
			e->group = true;
			if (!e->cgroup[0])
				cpys(e->cgroup, sizeof(e->cgroup), r->path);
			a->dense = TAIL_LINES;
		}
		break;
	case OG_REC_REAPED: {
		int pid = r->t.pid;
		if (a->pending && a->pend_killed && e->victim.pid == pid) {
			e->reaped = !r->failed;
			break;
		}
		struct og_event *old = recent(a, t, 120 * SEC, by_pid, &pid);
		if (old)
			old->reaped = !r->failed;
		break;
	}
	case OG_REC_NO_KILLABLE:
		if (!a->pending)
			start_pending(a, l);
		e->no_victim = true;
		finalize(a);
		break;
	case OG_REC_OOMD_CONSIDERED:
		a->ncand = 0;
		a->considered = r->count;
		a->cand_us = t;
		a->cand_target = -1;
		/* v260 may log the dump after the notice */
		if (a->nev) {
			struct og_event *last = &a->ev[a->nev - 1];
			if ((last->killer == OG_K_OOMD_PRESSURE || last->killer == OG_K_OOMD_SWAP) && !last->ntop &&
			    !far(ev_time(last), t, 2 * SEC) && ev_time(last) != OG_TIME_NONE)
				a->cand_target = (long)(a->nev - 1);
		}
		break;
	case OG_REC_OOMD_FIELD:
		if (!strcmp(r->key, "Path")) {
			if (a->ncand >= OG_TOP_USERS)
				break;
			struct og_user *u = &a->cand[a->ncand++];
			memset(u, 0, sizeof(*u));
			u->uid = -1;
			u->adj = OG_ADJ_NONE;
			u->rss_kib = u->swap_kib = -1;
			cpys(u->name, sizeof(u->name), r->path);
		} else if (a->ncand && !strcmp(r->key, "Current Memory Usage")) {
			a->cand[a->ncand - 1].rss_kib = size_kib(r->path);
		} else if (a->ncand && !strcmp(r->key, "Swap Usage")) {
			a->cand[a->ncand - 1].swap_kib = size_kib(r->path);
		}
		if (a->cand_target >= 0 && (size_t)a->cand_target < a->nev)
			attach_candidates(a, &a->ev[a->cand_target]);
		break;
	case OG_REC_OOMD_KILL: {
		struct og_event n;
		event_reset(a, &n, l);
		n.killer = r->swap ? OG_K_OOMD_SWAP : OG_K_OOMD_PRESSURE;
		cpys(n.cgroup, sizeof(n.cgroup), r->path);
		if (is_unit_name(base(r->path)))
			cpys(n.unit, sizeof(n.unit), base(r->path));
		cpys(n.monitored, sizeof(n.monitored), r->path2);
		cpys(n.pressure, sizeof(n.pressure), r->pressure);
		cpys(n.plimit, sizeof(n.plimit), r->plimit);
		cpys(n.duration, sizeof(n.duration), r->duration);
		n.mem_used = r->mem_used;
		n.mem_total = r->mem_total;
		n.swap_used = r->swap_used;
		n.swap_total = r->swap_total;
		if (a->ncand && !far(a->cand_us, t, 10 * SEC))
			attach_candidates(a, &n);
		a->ncand = 0;
		a->cand_target = -1;
		explain(&n);
		push(a, &n);
		break;
	}
	case OG_REC_UNIT_OOMD: {
		struct og_event *old = recent(a, t, 300 * SEC, oomd_by_unit, r->path);
		if (old) {
			if (old->nprocs < 0)
				old->nprocs = r->count;
			if (!old->unit[0])
				cpys(old->unit, sizeof(old->unit), r->path);
			explain(old);
			break;
		}
		struct og_event n;
		event_reset(a, &n, l);
		n.killer = OG_K_OOMD;
		cpys(n.unit, sizeof(n.unit), r->path);
		n.nprocs = r->count;
		explain(&n);
		push(a, &n);
		break;
	}
	case OG_REC_UNIT_OOM: {
		if (a->pending && a->pend_killed && !e->unit[0]) {
			cpys(e->unit, sizeof(e->unit), r->path);
			break;
		}
		struct og_event *old = recent(a, t, 60 * SEC, kernel_for_unit, r->path);
		if (old && !old->unit[0])
			cpys(old->unit, sizeof(old->unit), r->path);
		break;
	}
	case OG_REC_UNIT_RESULT: {
		if (a->pending && a->pend_killed && (!e->unit[0] || !strcmp(e->unit, r->path))) {
			e->oom_result = true;
			if (!e->unit[0])
				cpys(e->unit, sizeof(e->unit), r->path);
			break;
		}
		struct og_event *old = recent(a, t, 300 * SEC, any_unit, r->path);
		if (old)
			old->oom_result = true;
		break;
	}
	case OG_REC_EARLYOOM: {
		if (a->nev) {
			struct og_event *last = &a->ev[a->nev - 1];
			if (last->killer == OG_K_EARLYOOM && last->victim.pid == r->t.pid && !far(ev_time(last), t, 15 * SEC)) {
				cpys(last->sig, sizeof(last->sig), r->sig); /* SIGTERM escalated to SIGKILL */
				explain(last);
				break;
			}
		}
		struct og_event n;
		event_reset(a, &n, l);
		n.killer = OG_K_EARLYOOM;
		n.victim = r->t;
		n.score = r->score;
		cpys(n.sig, sizeof(n.sig), r->sig);
		explain(&n);
		push(a, &n);
		break;
	}
	case OG_REC_NOHANG_HDR:
		a->dense = 4;
		break;
	case OG_REC_NOHANG_VICTIM:
		a->nh_victim = r->t;
		a->nh_us = t;
		a->nh_have = true;
		a->dense = 12;
		break;
	case OG_REC_NOHANG_ACTION: {
		if (!a->nh_have && r->t.comm[0] && a->nev) {
			/* the statistics line repeats a kill already recorded */
			struct og_event *last = &a->ev[a->nev - 1];
			if (last->killer == OG_K_NOHANG && !far(ev_time(last), t, 10 * SEC))
				break;
		}
		struct og_event n;
		event_reset(a, &n, l);
		n.killer = OG_K_NOHANG;
		if (a->nh_have && !far(a->nh_us, t, 60 * SEC))
			n.victim = a->nh_victim;
		else
			cpys(n.victim.comm, sizeof(n.victim.comm), r->t.comm);
		a->nh_have = false;
		cpys(n.sig, sizeof(n.sig), r->sig);
		explain(&n);
		push(a, &n);
		break;
	}
	default:
		break;
	}
}

void og_asm_msg(struct og_asm *a, const struct og_line *l)
{
	struct og_rec r;
	enum og_rec_kind k = og_parse_msg(l->msg, l->len, l->ident, &a->layout, &r);

	if (k != OG_REC_NONE) {
		record(a, l, &r);
		if (a->pending && !a->pend_killed && k != OG_REC_KILLED && a->dense < DENSE_LINES &&
		    k != OG_REC_NO_KILLABLE)
			a->dense = DENSE_LINES;
	}
	if (line_time(l) != OG_TIME_NONE)
		a->last_us = line_time(l);
	if (a->dense > 0 && --a->dense == 0 && a->pend_killed)
		finalize(a);
}

void og_asm_line(struct og_asm *a, const char *line, size_t len)
{
	struct og_line l;

	og_prefix_parse(line, len, &a->ctx, &l);
	og_asm_msg(a, &l);
}

size_t og_asm_feed(struct og_asm *a, const char *buf, size_t len, bool eof)
{
	size_t off = 0;

	while (off < len) {
		const char *p = buf + off;
		size_t rest = len - off;
		if (a->dense > 0) {
			const char *nl = memchr(p, '\n', rest);
			if (!nl && !eof)
				break;
			size_t ll = nl ? (size_t)(nl - p) : rest;
			og_asm_line(a, p, ll);
			off += ll + (nl ? 1 : 0);
			continue;
		}
		size_t hit = og_anchor_find(&a->anchors, p, rest);
		if (hit >= rest) {
			if (eof)
				return len;
			const char *last = memrchr(p, '\n', rest);
			return last ? (size_t)(last + 1 - buf) : off;
		}
		const char *ls = hit ? memrchr(p, '\n', hit) : NULL;
		ls = ls ? ls + 1 : p;
		const char *nl = memchr(p + hit, '\n', rest - hit);
		if (!nl && !eof)
			return (size_t)(ls - buf);
		size_t ll = (size_t)((nl ? nl : buf + len) - ls);
		og_asm_line(a, ls, ll);
		off = (size_t)(ls - buf) + ll + (nl ? 1 : 0);
	}
	return off;
}

void og_asm_finish(struct og_asm *a)
{
	finalize(a);
	a->ncand = 0;
	a->cand_target = -1;
	a->nh_have = false;
	a->dense = 0;
}

static int cmp_time(const void *x, const void *y)
{
	const struct og_event *a = x, *b = y;
	int64_t ta = ev_time(a), tb = ev_time(b);
	if (ta == tb)
		return a->seq < b->seq ? -1 : a->seq > b->seq;
	return ta < tb ? -1 : 1;
}

void og_events_sort(struct og_event *ev, size_t n)
{
	/* qsort is not stable: seq keeps log order for equal times */
	if (n < 2)
		return;
	qsort(ev, n, sizeof(*ev), cmp_time);
}

/* path is cg or below it */
static bool under(const char *path, size_t len, const char *cg)
{
	size_t n = strlen(cg);
	if (!n || n > len || memcmp(path, cg, n) != 0)
		return false;
	return n == len || path[n] == '/' || (n == 1 && cg[0] == '/');
}

bool og_event_matches(const struct og_event *e, int pid, const char *cgroups)
{
	if (pid > 0 && e->victim.pid == pid)
		return true;
	bool whole = e->group || e->killer == OG_K_OOMD_PRESSURE || e->killer == OG_K_OOMD_SWAP || e->killer == OG_K_OOMD;
	if (!whole || !cgroups || !e->cgroup[0] || !strcmp(e->cgroup, "/"))
		return false;
	/* "hierarchy:controllers:path" per line; v2 has no controllers */
	for (const char *l = cgroups; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		const char *c1 = memchr(l, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - l)) : NULL;
		if (c2) {
			size_t clen = (size_t)(c2 - c1 - 1);
			bool v2 = clen == 0;
			bool mem = false;
			for (const char *t = c1 + 1; t < c2;) {
				const char *comma = memchr(t, ',', (size_t)(c2 - t));
				size_t tl = (size_t)((comma ? comma : c2) - t);
				if (tl == 6 && !memcmp(t, "memory", 6))
					mem = true;
				t += tl + 1;
			}
			const char *path = c2 + 1;
			size_t plen = len - (size_t)(path - l);
			if ((v2 || mem) && under(path, plen, e->cgroup))
				return true;
		}
		if (!nl)
			break;
		l = nl + 1;
	}
	return false;
}
