/* OOM episode assembly (see episode.h). */
#include "episode_int.h"
#include "cgroup.h"
#include "oomd_rule.h"
#include "render.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *og_killer_name(enum og_killer k)
{
	static const char *const names[] = {
		"unknown",           "kernel",           "kernel-global", "kernel-memcg",
		"kernel-cpuset",     "kernel-mempolicy", "systemd-oomd",  "systemd-oomd-pressure",
		"systemd-oomd-swap", "earlyoom",         "nohang",
	};
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

bool og_killer_is_kernel(enum og_killer k)
{
	return k >= OG_K_KERNEL && k <= OG_K_KERNEL_MEMPOLICY;
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

void og_ep_task_reset(struct og_task *t)
{
	memset(t, 0, sizeof(*t));
	t->uid = -1;
	t->adj = OG_ADJ_NONE;
	t->total_vm_kib = t->rss_kib = t->anon_kib = t->file_kib = t->shmem_kib = t->pgtables_kib =
		t->swap_kib = -1;
}

void og_ep_event_reset(struct og_asm *a, struct og_event *e, const struct og_line *l)
{
	memset(e, 0, sizeof(*e));
	e->wall_us = l ? l->wall_us : OG_TIME_NONE;
	e->mono_us = l ? l->mono_us : OG_TIME_NONE;
	e->year_guess = l && l->year_guess;
	e->source = a->source;
	og_ep_task_reset(&e->victim);
	og_ep_task_reset(&e->alloc);
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
	a->at_start = true;
	a->entry_fmt = 0;
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
	free(a->jent);
	a->jent = NULL;
	a->ev = NULL;
	a->rows = NULL;
	a->nev = a->cap = a->nrows = a->caprows = 0;
}

struct og_event *og_ep_push(struct og_asm *a, const struct og_event *e)
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

int64_t og_ep_line_time(const struct og_line *l)
{
	return l->wall_us != OG_TIME_NONE ? l->wall_us : l->mono_us;
}

int64_t og_ep_ev_time(const struct og_event *e)
{
	return e->wall_us != OG_TIME_NONE ? e->wall_us : e->mono_us;
}

bool og_ep_far(int64_t t1, int64_t t2, int64_t lim)
{
	if (t1 == OG_TIME_NONE || t2 == OG_TIME_NONE)
		return false;
	return t1 - t2 > lim || t2 - t1 > lim;
}

const char *og_ep_base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

bool og_ep_is_unit_name(const char *s)
{
	const char *dot = strrchr(s, '.');
	return dot &&
	       (!strcmp(dot, ".scope") || !strcmp(dot, ".service") || !strcmp(dot, ".slice"));
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
		fmt(buf, n, "%s",
		    e->no_victim
			    ? "raise the limit or leave at least one task killable"
			    : "raise that cgroup's memory limit or make the job use less, and note that "
			      "oom_score_adj (oomguard run/protect) only chooses which task inside the cgroup dies");
		break;
	case OG_K_KERNEL_GLOBAL:
	case OG_K_KERNEL_CPUSET:
	case OG_K_KERNEL_MEMPOLICY:
	case OG_K_KERNEL:
		fmt(buf, n, "%s",
		    e->no_victim
			    ? "leave the non-essential processes killable"
			    : "start the job with `oomguard run` (or `oomguard protect` it) so oom_score_adj "
			      "keeps it from being chosen, and add memory or limit the other big users");
		break;
	case OG_K_OOMD_PRESSURE:
	case OG_K_OOMD_SWAP:
	case OG_K_OOMD: {
		/* The rule of src/oomd_rule.c, the one the read-back of run applies. */
		char adv[600];
		og_oomd_advice(sd_version, e->killer != OG_K_OOMD,
			       e->killer == OG_K_OOMD_SWAP ? OG_OOMD_KILL_SWAP
							   : OG_OOMD_KILL_PRESSURE,
			       e->cgroup, e->monitored, adv, sizeof(adv));
		fmt(buf, n,
		    "systemd-oomd never reads oom_score_adj, so -1000 would not have helped: %s",
		    adv);
		break;
	}
	case OG_K_EARLYOOM:
	case OG_K_NOHANG:
		fmt(buf, n,
		    "a lower oom_score_adj (`oomguard run`/`protect`) or %s for the job prevents this",
		    e->killer == OG_K_EARLYOOM ? "an earlyoom --avoid/--ignore rule"
					       : "a @BADNESS_ADJ_RE_NAME rule");
		break;
	default: break;
	}
}

static void oomd_cause(const struct og_event *e, char *c, size_t csz)
{
	char why[320], procs[48] = "", b1[32], b3[32];

	if (e->killer == OG_K_OOMD_PRESSURE &&
	    !e->pressure[0]) /* the line was cut before its figures */
		fmt(why, sizeof(why), "memory pressure in %s stayed above its limit",
		    e->monitored[0] ? e->monitored : "the monitored cgroup");
	else if (e->killer == OG_K_OOMD_PRESSURE)
		fmt(why, sizeof(why), "memory pressure in %s stayed at %s%% > %s%% for > %s",
		    e->monitored[0] ? e->monitored : "?", e->pressure, e->plimit,
		    e->duration[0] ? e->duration : "?");
	else if (e->killer == OG_K_OOMD_SWAP && !e->swap_known)
		fmt(why, sizeof(why), "memory and swap use passed its swap limit");
	else if (e->killer == OG_K_OOMD_SWAP)
		fmt(why, sizeof(why), "memory and swap use both passed %s%% (swap %s of %s used)",
		    e->plimit[0] ? e->plimit : "90.00",
		    kib_str((long long)(e->swap_used / 1024), b1, sizeof(b1)),
		    kib_str((long long)(e->swap_total / 1024), b3, sizeof(b3)));
	else
		fmt(why, sizeof(why), "its pressure or swap rule fired");
	if (e->nprocs >= 0)
		fmt(procs, sizeof(procs), " (%ld process%s)", e->nprocs,
		    e->nprocs == 1 ? "" : "es");
	fmt(c, csz, "systemd-oomd killed every process in %s%s because %s",
	    e->cgroup[0] ? e->cgroup : (e->unit[0] ? e->unit : "a cgroup"), procs, why);
}

/* The victim as the sentences name it. */
static void victim_name(const struct og_event *e, char *who, size_t wsz)
{
	char b1[32];
	const struct og_task *v = &e->victim;

	if (v->pid > 0)
		fmt(who, wsz, "%s (pid %d%s%s%s)", v->comm[0] ? v->comm : "?", v->pid,
		    v->rss_kib >= 0 ? ", " : "",
		    v->rss_kib >= 0 ? kib_str(v->rss_kib, b1, sizeof(b1)) : "",
		    v->rss_kib >= 0 ? " resident" : "");
	else if (e->cgroup[0])
		fmt(who, wsz, "the processes of %s", e->cgroup);
	else
		fmt(who, wsz, "%s", e->unit[0] ? e->unit : "a process");
}

static void memcg_cause(const struct og_event *e, const char *who, const char *alloc, char *c,
			size_t csz)
{
	char b2[32];

	if (e->no_victim) {
		fmt(c, csz,
		    "Memory cgroup %s hit its limit%s%s and the kernel found no killable task in it "
		    "(all at oom_score_adj -1000 or exiting), so allocations there stall",
		    e->oom_memcg[0] ? e->oom_memcg : "?", e->limit_kib >= 0 ? " of " : "",
		    e->limit_kib >= 0 ? kib_str(e->limit_kib, b2, sizeof(b2)) : "");
		return;
	}
	fmt(c, csz, "The kernel OOM killer killed %s because %s%s reached its limit%s%s%s%s%s", who,
	    e->oom_memcg[0] || e->cgroup[0]
		    ? "memory cgroup "
		    : "its memory cgroup (not named: the kernel rate-limits OOM reports)",
	    e->oom_memcg[0] ? e->oom_memcg : e->cgroup, e->limit_kib >= 0 ? " of " : "",
	    e->limit_kib >= 0 ? kib_str(e->limit_kib, b2, sizeof(b2)) : "", alloc ? " while " : "",
	    alloc ? alloc : "", alloc ? " was allocating" : "");
}

/* The kernel's own (not memcg) kills: the machine, a cpuset, a mempolicy. */
static void kernel_cause(const struct og_event *e, const char *who, const char *alloc, char *c,
			 size_t csz)
{
	const char *scope = e->killer == OG_K_KERNEL_CPUSET ? "the memory nodes of its cpuset"
			    : e->killer == OG_K_KERNEL_MEMPOLICY
				    ? "the memory nodes of its NUMA policy"
				    : "the machine's RAM and swap";
	if (e->no_victim)
		fmt(c, csz,
		    "The kernel ran out of %s and found no killable process (all at oom_score_adj -1000 "
		    "or unkillable)",
		    scope);
	else
		fmt(c, csz,
		    "The kernel OOM killer killed %s because %s ran out%s%s%s and it had the highest badness "
		    "(memory use plus oom_score_adj)",
		    who, scope, alloc ? " while " : "", alloc ? alloc : "",
		    alloc ? " was allocating" : "");
}

/* What happened, without the advice. */
static void cause(const struct og_event *e, char *c, size_t csz)
{
	char who[160];
	const char *alloc = e->alloc.comm[0] ? e->alloc.comm : NULL;
	bool eo = e->killer == OG_K_EARLYOOM;

	victim_name(e, who, sizeof(who));
	switch (e->killer) {
	case OG_K_KERNEL_MEMCG: memcg_cause(e, who, alloc, c, csz); break;
	case OG_K_KERNEL_GLOBAL:
	case OG_K_KERNEL_CPUSET:
	case OG_K_KERNEL_MEMPOLICY:
	case OG_K_KERNEL: kernel_cause(e, who, alloc, c, csz); break;
	case OG_K_OOMD_PRESSURE:
	case OG_K_OOMD_SWAP:
	case OG_K_OOMD: oomd_cause(e, c, csz); break;
	case OG_K_EARLYOOM:
	case OG_K_NOHANG:
		fmt(c, csz, "%s sent %s to %s because %s and it had the highest %s",
		    eo ? "earlyoom" : "nohang", e->sig[0] ? e->sig : "a signal", who,
		    eo ? "available memory and free swap fell below its thresholds"
		       : "memory ran low",
		    eo ? "oom_score" : "badness");
		break;
	default: fmt(c, csz, "%s was killed by an OOM killer the log does not name", who); break;
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

void og_ep_explain(struct og_event *e)
{
	og_event_explain(e, 0);
}

struct og_event *og_ep_recent(struct og_asm *a, int64_t t, int64_t lim,
			      bool (*ok)(const struct og_event *, const void *), const void *arg)
{
	for (size_t i = a->nev; i-- > 0 && a->nev - i <= 64;) {
		struct og_event *e = &a->ev[i];
		if (og_ep_far(og_ep_ev_time(e), t, lim))
			continue;
		if (ok(e, arg))
			return e;
	}
	return NULL;
}

/* ---------- the assembler ---------- */

void og_asm_msg(struct og_asm *a, const struct og_line *l)
{
	struct og_rec r;
	enum og_rec_kind k = og_parse_msg(l->msg, l->len, l->ident, &a->layout, &r);

	if (k == OG_REC_NONE)
		og_ep_slurm(a, l);
	if (k != OG_REC_NONE) {
		if (og_ep_kernel_rec(k))
			og_ep_kernel(a, l, &r);
		else
			og_ep_user(a, l, &r);
		if (a->pending && !a->pend_killed && k != OG_REC_KILLED && a->dense < DENSE_LINES &&
		    k != OG_REC_NO_KILLABLE)
			a->dense = DENSE_LINES;
	}
	if (og_ep_line_time(l) != OG_TIME_NONE)
		a->last_us = og_ep_line_time(l);
	if (a->dense > 0 && --a->dense == 0 && (a->pend_killed || a->pend_evidence))
		og_ep_finalize(a);
}

void og_asm_finish(struct og_asm *a)
{
	og_asm_flush(a);
	if (a->entry_fmt && a->jent) {
		og_asm_line(a, "", 0); /* an export file's last entry has no blank line after it */
		if (a->entry_fmt == 1)
			og_asm_line(a, "}", 1);
	}
	og_ep_finalize(a);
	a->grp_on = false;
	a->ncand = 0;
	a->cand_target = -1;
	a->nh_have = false;
	a->dense = 0;
}

static int cmp_time(const void *x, const void *y)
{
	const struct og_event *a = x, *b = y;
	int64_t ta = og_ep_ev_time(a), tb = og_ep_ev_time(b);
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
	bool oomd = e->killer == OG_K_OOMD_PRESSURE || e->killer == OG_K_OOMD_SWAP ||
		    e->killer == OG_K_OOMD;
	const char *cg = oomd ? e->cgroup : e->group ? e->group_cgroup : "";
	if (!cgroups || !cg[0] || !strcmp(cg, "/"))
		return false;
	/* The job's v2 cgroup and its v1 memory cgroup (og_parse_proc_cgroup,
	 * the one reader of /proc/PID/cgroup). */
	struct og_proc_cgroup pc;
	if (og_parse_proc_cgroup(cgroups, strlen(cgroups), &pc) < 0)
		return false;
	return (pc.v2[0] && under(pc.v2, strlen(pc.v2), cg)) ||
	       (pc.v1_memory[0] && under(pc.v1_memory, strlen(pc.v1_memory), cg));
}
