/* Kernel OOM reports assembled into events (see episode.h).
 *
 * One kill is printed as invoked -> stack -> memcg usage -> task table ->
 * oom-kill summary -> Killed process -> oom.group -> oom_reaper
 * (mm/oom_kill.c: oom_kill_process, dump_header, __oom_kill_process;
 * oom_reap_task_mm), but users have parts of it: the rate limit drops the
 * header, a paste keeps one line.  Each of these alone is a kill: the
 * "Killed process" line, the summary naming its task (printed only when the
 * kill goes ahead, right before it), the <= 5.0 "Kill process ... or
 * sacrifice child" selection, the cgroup v1 "Task in X killed as a result
 * of limit of Y", and an oom_reaper line for a victim whose report is not
 * there (the reaper only reaps OOM victims).  What the lines do not say
 * stays unknown. */
#include "episode_int.h"
#include "oomlog_slurm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_ROWS 200000
/* An oom_reaper line belongs to a kill this recent. */
#define REAP_WINDOW (120 * SEC)
/* memory.oom.group members are killed within this of the chosen victim. */
#define GROUP_WINDOW (10 * SEC)
/* The same kill reported twice (the same lines in two files of a grep -r). */
#define DUP_WINDOW (1 * SEC)

bool og_ep_kernel_rec(enum og_rec_kind k)
{
	return k >= OG_REC_INVOKED && k <= OG_REC_NO_KILLABLE;
}

static int cmp_rss(const void *x, const void *y)
{
	const struct og_task *a = x, *b = y;
	return a->rss_kib < b->rss_kib ? 1 : a->rss_kib > b->rss_kib ? -1 : 0;
}

/* Fill what an old "Killed process" line leaves out from the victim's row. */
static void victim_from_rows(struct og_asm *a, struct og_event *e)
{
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
		if (!e->victim.comm[0])
			og_ep_cpys(e->victim.comm, sizeof(e->victim.comm), r->comm);
		break;
	}
}

static void top_from_rows(struct og_asm *a, struct og_event *e)
{
	if (!a->nrows || !a->rows)
		return;
	victim_from_rows(a, e);
	qsort(a->rows, a->nrows, sizeof(a->rows[0]), cmp_rss);
	for (size_t i = 0; i < a->nrows && e->ntop < OG_TOP_USERS; i++) {
		struct og_user *u = &e->top[e->ntop++];
		const struct og_task *r = &a->rows[i];
		u->pid = r->tgid;
		u->uid = r->uid;
		u->adj = r->adj;
		u->rss_kib = r->rss_kib;
		u->swap_kib = r->swap_kib;
		og_ep_cpys(u->name, sizeof(u->name), r->comm);
	}
}

/* The kind of kernel OOM.  A memory cgroup's limit (oom_memcg, or the kill
 * line's "Memory cgroup out of memory") decides over the constraint: a
 * 5.0-rc kernel printed CONSTRAINT_NONE for memcg OOMs. */
static enum og_killer kernel_kind(const struct og_event *e)
{
	if (e->killer == OG_K_KERNEL_MEMCG || e->oom_memcg[0] ||
	    !strcmp(e->constraint, "CONSTRAINT_MEMCG"))
		return OG_K_KERNEL_MEMCG;
	if (!strcmp(e->constraint, "CONSTRAINT_NONE"))
		return OG_K_KERNEL_GLOBAL;
	if (!strcmp(e->constraint, "CONSTRAINT_CPUSET"))
		return OG_K_KERNEL_CPUSET;
	if (!strcmp(e->constraint, "CONSTRAINT_MEMORY_POLICY"))
		return OG_K_KERNEL_MEMPOLICY;
	return e->killer == OG_K_UNKNOWN ? OG_K_KERNEL : e->killer;
}

static bool same_kill(const struct og_event *e, const void *arg)
{
	const struct og_event *n = arg;
	return og_killer_is_kernel(e->killer) && e->victim.pid == n->victim.pid &&
	       !strcmp(e->victim.comm, n->victim.comm) &&
	       !og_ep_far(og_ep_ev_time(e), og_ep_ev_time(n), DUP_WINDOW) &&
	       (og_ep_ev_time(e) == OG_TIME_NONE) == (og_ep_ev_time(n) == OG_TIME_NONE);
}

/* Push a kernel kill unless it repeats one just pushed. */
static void push_kill(struct og_asm *a, struct og_event *e)
{
	if (e->victim.pid > 0 && og_ep_recent(a, og_ep_ev_time(e), DUP_WINDOW, same_kill, e))
		return;
	og_ep_explain(e);
	og_ep_push(a, e);
}

void og_ep_finalize(struct og_asm *a)
{
	if (!a->pending)
		return;
	struct og_event *e = &a->pend;
	if (a->pend_killed || a->pend_evidence || e->no_victim) {
		e->killer = kernel_kind(e);
		if (e->killer == OG_K_KERNEL_MEMCG && !e->oom_memcg[0])
			og_ep_cpys(e->oom_memcg, sizeof(e->oom_memcg), e->cgroup);
		top_from_rows(a, e);
		push_kill(a, e);
		if (e->group && a->pend_killed) {
			/* its members' kill lines follow (mm/oom_kill.c:
			 * oom_kill_memcg_member, after "Tasks in ... memory.oom.group") */
			a->grp = *e;
			a->grp_on = true;
			a->ngrp = 0;
		}
	}
	a->pending = false;
	a->pend_killed = false;
	a->pend_evidence = false;
	a->nrows = 0;
	a->dense = 0;
}

static void start_pending(struct og_asm *a, const struct og_line *l)
{
	og_ep_finalize(a);
	og_ep_event_reset(a, &a->pend, l);
	a->pending = true;
	a->pend_killed = false;
	a->pend_evidence = false;
	a->grp_on = false;
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

static void summary_into(struct og_asm *a, const struct og_rec *r)
{
	struct og_event *e = &a->pend;
	if (r->constraint[0])
		og_ep_cpys(e->constraint, sizeof(e->constraint), r->constraint);
	if (r->path[0])
		og_ep_cpys(e->oom_memcg, sizeof(e->oom_memcg), r->path);
	if (r->path2[0])
		og_ep_cpys(e->cgroup, sizeof(e->cgroup), r->path2);
	if (r->global_oom && !e->constraint[0])
		og_ep_cpys(e->constraint, sizeof(e->constraint), "CONSTRAINT_NONE");
	if (r->has_task && e->victim.pid <= 0) {
		e->victim.pid = r->t.pid;
		e->victim.uid = r->t.uid;
		og_ep_cpys(e->victim.comm, sizeof(e->victim.comm), r->t.comm);
	}
	if (r->has_task)
		a->pend_evidence = true;
}

static bool in_group(struct og_asm *a, int pid)
{
	if (pid == a->grp.victim.pid)
		return true;
	for (int i = 0; i < a->ngrp; i++)
		if (a->grp_pids[i] == pid)
			return true;
	return false;
}

/* A member of a memory.oom.group kill: one event per killed process; the
 * chosen victim printed again by the group walk is not a second kill. */
static bool group_member(struct og_asm *a, const struct og_line *l, const struct og_rec *r)
{
	if (!a->grp_on || og_ep_far(og_ep_ev_time(&a->grp), og_ep_line_time(l), GROUP_WINDOW))
		return false;
	if (in_group(a, r->t.pid))
		return true;
	if (a->ngrp < (int)(sizeof(a->grp_pids) / sizeof(a->grp_pids[0])))
		a->grp_pids[a->ngrp++] = r->t.pid;
	struct og_event n = a->grp;
	n.victim = r->t;
	n.cgroup[0] = '\0'; /* the line does not say; the group's cgroup is group_cgroup */
	n.wall_us = l->wall_us;
	n.mono_us = l->mono_us;
	n.year_guess = l->year_guess;
	n.reaped = false;
	n.ntop = 0;
	n.alloc.comm[0] = '\0';
	n.alloc.pid = 0;
	push_kill(a, &n);
	a->dense = TAIL_LINES;
	return true;
}

static void killed(struct og_asm *a, const struct og_line *l, const struct og_rec *r)
{
	if (!a->pending && group_member(a, l, r))
		return;
	if (a->pending && a->pend_killed) {
		if (r->t.pid == a->pend.victim.pid) {
			a->dense = TAIL_LINES; /* the same kill printed again */
			return;
		}
		og_ep_finalize(a);
		if (group_member(a, l, r))
			return;
	}
	if (!a->pending)
		start_pending(a, l);
	struct og_event *e = &a->pend;
	/* The chosen task's "Kill process" line may name a parent whose child
	 * was sacrificed: the Killed line is the truth. */
	struct og_task old = e->victim;
	e->victim = r->t;
	if (old.pid == r->t.pid) {
		if (e->victim.uid < 0)
			e->victim.uid = old.uid;
		if (!e->victim.comm[0])
			og_ep_cpys(e->victim.comm, sizeof(e->victim.comm), old.comm);
	}
	e->wall_us = l->wall_us;
	e->mono_us = l->mono_us;
	e->year_guess = l->year_guess;
	if (!strncmp(r->prefix, "Memory cgroup", 13))
		e->killer = OG_K_KERNEL_MEMCG;
	else if (!strncmp(r->prefix, "Out of memory", 13) && !e->constraint[0] &&
		 !e->oom_memcg[0] && e->killer == OG_K_UNKNOWN)
		e->killer = OG_K_KERNEL;
	a->pend_killed = true;
	a->dense = TAIL_LINES;
}

static bool by_pid(const struct og_event *e, const void *arg)
{
	return og_killer_is_kernel(e->killer) && e->victim.pid == *(const int *)arg;
}

static void reaped(struct og_asm *a, const struct og_line *l, const struct og_rec *r)
{
	int pid = r->t.pid;
	struct og_event *e = &a->pend;
	if (a->pending && (a->pend_killed || a->pend_evidence) && e->victim.pid == pid) {
		e->reaped = !r->failed;
		return;
	}
	struct og_event *old = og_ep_recent(a, og_ep_line_time(l), REAP_WINDOW, by_pid, &pid);
	if (old) {
		old->reaped = !r->failed;
		return;
	}
	/* a victim whose kill lines are not in the text */
	struct og_event n;
	og_ep_event_reset(a, &n, l);
	n.killer = OG_K_KERNEL;
	n.victim.pid = pid;
	n.victim.tgid = pid;
	og_ep_cpys(n.victim.comm, sizeof(n.victim.comm), r->t.comm);
	n.reaped = !r->failed;
	push_kill(a, &n);
}

static void invoked(struct og_asm *a, const struct og_line *l, const struct og_rec *r)
{
	start_pending(a, l);
	a->pend.alloc = r->t;
	og_ep_cpys(a->pend.gfp, sizeof(a->pend.gfp), r->gfp);
	a->pend.order = r->order;
	a->dense = DENSE_LINES;
}

static void memcg_usage(struct og_asm *a, const struct og_rec *r)
{
	struct og_event *e = &a->pend;
	if (!a->pending || a->pend_killed)
		return;
	if (!strcmp(r->key, "memory")) {
		e->usage_kib = r->usage_kib;
		e->limit_kib = r->limit_kib;
		if (e->killer == OG_K_UNKNOWN)
			e->killer = OG_K_KERNEL_MEMCG;
	} else if (r->swap) {
		e->swap_limit_kib = r->limit_kib;
	}
}

static void task_in(struct og_asm *a, const struct og_line *l, const struct og_rec *r)
{
	if (!a->pending || a->pend_killed)
		start_pending(a, l);
	og_ep_cpys(a->pend.cgroup, sizeof(a->pend.cgroup), r->path2);
	og_ep_cpys(a->pend.oom_memcg, sizeof(a->pend.oom_memcg), r->path);
	a->pend.killer = OG_K_KERNEL_MEMCG;
	a->pend_evidence = true;
	a->dense = DENSE_LINES;
}

static void oldkill(struct og_asm *a, const struct og_line *l, const struct og_rec *r)
{
	struct og_event *e = &a->pend;
	if (!a->pending || a->pend_killed)
		start_pending(a, l);
	if (e->victim.pid <= 0) {
		e->victim.pid = r->t.pid;
		og_ep_cpys(e->victim.comm, sizeof(e->victim.comm), r->t.comm);
	}
	e->score = r->score;
	if (!strncmp(r->prefix, "Memory cgroup", 13))
		e->killer = OG_K_KERNEL_MEMCG;
	a->pend_evidence = true;
	a->dense = TAIL_LINES > a->dense ? TAIL_LINES : a->dense;
}

static void group_line(struct og_asm *a, const struct og_rec *r)
{
	struct og_event *e = a->pending ? &a->pend : a->grp_on ? &a->grp : NULL;
	if (!e)
		return;
	e->group = true;
	og_ep_cpys(e->group_cgroup, sizeof(e->group_cgroup), r->path);
	a->dense = TAIL_LINES;
}

void og_ep_kernel(struct og_asm *a, const struct og_line *l, const struct og_rec *r)
{
	struct og_event *e = &a->pend;

	switch (r->kind) {
	case OG_REC_INVOKED: invoked(a, l, r); break;
	case OG_REC_STACK:
		if (a->pending && !a->pend_killed && e->alloc.pid <= 0 &&
		    !strcmp(e->alloc.comm, r->t.comm)) {
			e->alloc.pid = r->t.pid;
			e->alloc.uid = r->t.uid;
		}
		break;
	case OG_REC_MEMCG_USAGE: memcg_usage(a, r); break;
	case OG_REC_MEMCG_STATS:
		if (a->pending && !e->oom_memcg[0])
			og_ep_cpys(e->oom_memcg, sizeof(e->oom_memcg), r->path);
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
	case OG_REC_TASK_IN: task_in(a, l, r); break;
	case OG_REC_SUMMARY:
	case OG_REC_SUMMARY_CONT:
		if (!a->pending || (a->pend_killed && r->kind == OG_REC_SUMMARY))
			start_pending(a, l);
		summary_into(a, r);
		break;
	case OG_REC_OLDKILL: oldkill(a, l, r); break;
	case OG_REC_KILLED: killed(a, l, r); break;
	case OG_REC_GROUP: group_line(a, r); break;
	case OG_REC_REAPED: reaped(a, l, r); break;
	case OG_REC_NO_KILLABLE:
		if (!a->pending)
			start_pending(a, l);
		e->no_victim = true;
		og_ep_finalize(a);
		break;
	default: break;
	}
}

/* "job_J" and "step_S" in a Slurm job's memcg path (cgroup v1 and v2). */
static bool in_step(const char *path, const struct og_slurm_oom *j)
{
	char want[40];
	snprintf(want, sizeof(want), "/job_%ld/", j->job);
	const char *p = j->job >= 0 ? strstr(path, want) : NULL;
	if (!p)
		return false;
	if (!j->step[0])
		return true;
	snprintf(want, sizeof(want), "step_%s", j->step);
	const char *q = strstr(p, want);
	return q && (q[strlen(want)] == '\0' || q[strlen(want)] == '/');
}

/* Slurm's count of its step's memory cgroup OOM kills: that many kills
 * whose victims the line does not name, less those whose kernel reports
 * are in the text (the same kills). */
bool og_ep_slurm(struct og_asm *a, const struct og_line *l)
{
	struct og_slurm_oom j;
	if (!memmem(l->msg, l->len, "_kill event", 11) &&
	    !memmem(l->msg, l->len, "-kill event", 11))
		return false;
	if (!og_slurm_oom_parse(l->msg, l->len, &j))
		return false;
	og_ep_finalize(a);
	long have = 0;
	for (size_t i = a->nev; i-- > 0 && a->nev - i <= 64;) {
		const struct og_event *e = &a->ev[i];
		have += e->killer == OG_K_KERNEL_MEMCG &&
			(in_step(e->oom_memcg, &j) || in_step(e->cgroup, &j));
	}
	for (long n = have; n < j.count && n < 64; n++) {
		struct og_event e;
		og_ep_event_reset(a, &e, l);
		e.killer = OG_K_KERNEL_MEMCG;
		og_ep_explain(&e);
		og_ep_push(a, &e);
	}
	return true;
}
