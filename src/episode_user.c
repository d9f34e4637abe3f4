/* systemd-oomd, the service manager, earlyoom and nohang lines assembled
 * into events (see episode.h; formats in oomlog.c and oomlog.h). */
#include "episode_int.h"

#include <stdlib.h>

/* systemd-oomd's candidate dump is logged right before its notice (v251+),
 * in v260 sometimes right after it. */
#define CAND_WINDOW (10 * SEC)
#define CAND_LATE_WINDOW (2 * SEC)
/* The manager logs its count when it sees the unit's processes go. */
#define UNIT_OOMD_WINDOW (300 * SEC)
#define UNIT_OOM_WINDOW (60 * SEC)
#define UNIT_RESULT_WINDOW (300 * SEC)
/* earlyoom escalates SIGTERM to SIGKILL for the same victim within this. */
#define ESCALATE_WINDOW (15 * SEC)
/* earlyoom's notes about a signal follow it within a few lines. */
#define EARLYOOM_NOTE_LINES 8
/* nohang names its victim this long before it acts. */
#define NOHANG_VICTIM_WINDOW (60 * SEC)
#define NOHANG_STAT_WINDOW (10 * SEC)
/* nohang's victim block and corrective action: about 20 lines */
#define NOHANG_BLOCK_LINES 24

static bool is_oomd(enum og_killer k)
{
	return k == OG_K_OOMD_PRESSURE || k == OG_K_OOMD_SWAP || k == OG_K_OOMD;
}

static bool unit_matches(const struct og_event *e, const char *unit)
{
	return !strcmp(e->unit, unit) || (e->cgroup[0] && !strcmp(og_ep_base(e->cgroup), unit));
}

static bool oomd_by_unit(const struct og_event *e, const void *arg)
{
	return is_oomd(e->killer) && unit_matches(e, arg);
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

/* ---------- systemd-oomd ---------- */

static void oomd_considered(struct og_asm *a, const struct og_rec *r, int64_t t)
{
	a->ncand = 0;
	a->considered = r->count;
	a->cand_us = t;
	a->cand_target = -1;
	a->cand_rule = OG_K_UNKNOWN;
	/* v260 may log the dump after the notice */
	if (a->nev) {
		struct og_event *last = &a->ev[a->nev - 1];
		if ((last->killer == OG_K_OOMD_PRESSURE || last->killer == OG_K_OOMD_SWAP) &&
		    !last->ntop && !og_ep_far(og_ep_ev_time(last), t, CAND_LATE_WINDOW) &&
		    og_ep_ev_time(last) != OG_TIME_NONE)
			a->cand_target = (long)(a->nev - 1);
	}
}

/* The dump's fields tell its rule: the swap rule's dump has only "Swap
 * Usage"; the pressure rule's has pressure and pgscan fields. */
static void cand_rule(struct og_asm *a, const char *key)
{
	if (!strcmp(key, "Swap Usage")) {
		if (a->cand_rule == OG_K_UNKNOWN)
			a->cand_rule = OG_K_OOMD_SWAP;
	} else if (strcmp(key, "Path") && strcmp(key, "Current Memory Usage")) {
		a->cand_rule = OG_K_OOMD_PRESSURE;
	}
}

static void oomd_field(struct og_asm *a, const struct og_rec *r)
{
	cand_rule(a, r->key);
	if (!strcmp(r->key, "Path")) {
		if (a->ncand >= OG_TOP_USERS)
			return;
		struct og_user *u = &a->cand[a->ncand++];
		memset(u, 0, sizeof(*u));
		u->uid = -1;
		u->adj = OG_ADJ_NONE;
		u->rss_kib = u->swap_kib = -1;
		og_ep_cpys(u->name, sizeof(u->name), r->path);
	} else if (a->ncand && !strcmp(r->key, "Current Memory Usage")) {
		a->cand[a->ncand - 1].rss_kib = size_kib(r->path);
	} else if (a->ncand && !strcmp(r->key, "Swap Usage")) {
		a->cand[a->ncand - 1].swap_kib = size_kib(r->path);
	}
	if (a->cand_target >= 0 && (size_t)a->cand_target < a->nev)
		attach_candidates(a, &a->ev[a->cand_target]);
}

static void oomd_kill(struct og_asm *a, const struct og_line *l, const struct og_rec *r, int64_t t)
{
	struct og_event n;
	og_ep_event_reset(a, &n, l);
	bool dump = a->ncand && !og_ep_far(a->cand_us, t, CAND_WINDOW);
	if (r->rule_unknown)
		n.killer = dump && a->cand_rule != OG_K_UNKNOWN ? (enum og_killer)a->cand_rule
								: OG_K_OOMD;
	else
		n.killer = r->swap ? OG_K_OOMD_SWAP : OG_K_OOMD_PRESSURE;
	og_ep_cpys(n.cgroup, sizeof(n.cgroup), r->path);
	if (og_ep_is_unit_name(og_ep_base(r->path)))
		og_ep_cpys(n.unit, sizeof(n.unit), og_ep_base(r->path));
	og_ep_cpys(n.monitored, sizeof(n.monitored), r->path2);
	og_ep_cpys(n.pressure, sizeof(n.pressure), r->pressure);
	og_ep_cpys(n.plimit, sizeof(n.plimit), r->plimit);
	og_ep_cpys(n.duration, sizeof(n.duration), r->duration);
	n.swap_known = r->swap_known;
	n.mem_used = r->mem_used;
	n.mem_total = r->mem_total;
	n.swap_used = r->swap_used;
	n.swap_total = r->swap_total;
	if (dump)
		attach_candidates(a, &n);
	a->ncand = 0;
	a->cand_target = -1;
	og_ep_explain(&n);
	og_ep_push(a, &n);
}

/* ---------- the service manager ---------- */

static void unit_oomd(struct og_asm *a, const struct og_line *l, const struct og_rec *r, int64_t t)
{
	struct og_event *old = og_ep_recent(a, t, UNIT_OOMD_WINDOW, oomd_by_unit, r->path);
	if (old) {
		if (old->nprocs < 0)
			old->nprocs = r->count;
		if (!old->unit[0])
			og_ep_cpys(old->unit, sizeof(old->unit), r->path);
		og_ep_explain(old);
		return;
	}
	struct og_event n;
	og_ep_event_reset(a, &n, l);
	n.killer = OG_K_OOMD;
	og_ep_cpys(n.unit, sizeof(n.unit), r->path);
	n.nprocs = r->count;
	og_ep_explain(&n);
	og_ep_push(a, &n);
}

static void unit_oom(struct og_asm *a, const struct og_rec *r, int64_t t)
{
	struct og_event *e = &a->pend;
	if (a->pending && a->pend_killed && !e->unit[0]) {
		og_ep_cpys(e->unit, sizeof(e->unit), r->path);
		return;
	}
	struct og_event *old = og_ep_recent(a, t, UNIT_OOM_WINDOW, kernel_for_unit, r->path);
	if (old && !old->unit[0])
		og_ep_cpys(old->unit, sizeof(old->unit), r->path);
}

static void unit_result(struct og_asm *a, const struct og_rec *r, int64_t t)
{
	struct og_event *e = &a->pend;
	if (a->pending && a->pend_killed && (!e->unit[0] || !strcmp(e->unit, r->path))) {
		e->oom_result = true;
		if (!e->unit[0])
			og_ep_cpys(e->unit, sizeof(e->unit), r->path);
		return;
	}
	struct og_event *old = og_ep_recent(a, t, UNIT_RESULT_WINDOW, any_unit, r->path);
	if (old)
		old->oom_result = true;
}

/* ---------- earlyoom ---------- */

static struct og_event *last_earlyoom(struct og_asm *a)
{
	return a->nev && a->ev[a->nev - 1].killer == OG_K_EARLYOOM ? &a->ev[a->nev - 1] : NULL;
}

/* Each signal earlyoom sends is an event, but a SIGTERM escalated to
 * SIGKILL for the same victim is one kill. */
static void earlyoom(struct og_asm *a, const struct og_line *l, const struct og_rec *r, int64_t t)
{
	struct og_event *last = last_earlyoom(a);
	if (last && last->victim.pid == r->t.pid && !strcmp(last->sig, "SIGTERM") &&
	    !strcmp(r->sig, "SIGKILL") && !og_ep_far(og_ep_ev_time(last), t, ESCALATE_WINDOW)) {
		og_ep_cpys(last->sig, sizeof(last->sig), r->sig);
		og_ep_explain(last);
		return;
	}
	struct og_event n;
	og_ep_event_reset(a, &n, l);
	n.killer = OG_K_EARLYOOM;
	n.victim = r->t;
	n.score = r->score;
	og_ep_cpys(n.sig, sizeof(n.sig), r->sig);
	og_ep_explain(&n);
	og_ep_push(a, &n);
	a->dense = EARLYOOM_NOTE_LINES;
}

/* "escalating to SIGKILL", "kill failed: ...", "dryrun, not actually
 * sending any signal" about the signal just logged. */
static void earlyoom_note(struct og_asm *a, const struct og_rec *r)
{
	struct og_event *last = last_earlyoom(a);
	if (!last)
		return;
	if (!strcmp(r->key, "escalating to SIGKILL")) {
		og_ep_cpys(last->sig, sizeof(last->sig), "SIGKILL");
	} else if (!strcmp(r->key, "kill failed")) {
		last->kill_failed = true;
	} else {
		a->nev--; /* a dry run kills nothing */
		return;
	}
	og_ep_explain(last);
}

/* ---------- nohang ---------- */

/* The victim block names the victim over one or several lines. */
static void nohang_victim(struct og_asm *a, const struct og_rec *r, int64_t t)
{
	struct og_task *v = &a->nh_victim;
	if (r->path[0]) { /* the block's cgroup line */
		if (a->nh_have)
			og_ep_cpys(a->nh_cgroup, sizeof(a->nh_cgroup), r->path);
		else {
			og_ep_task_reset(v);
			og_ep_cpys(a->nh_cgroup, sizeof(a->nh_cgroup), r->path);
			a->nh_have = true;
			a->nh_us = t;
		}
		return;
	}
	bool merge = a->nh_have && !og_ep_far(a->nh_us, t, NOHANG_STAT_WINDOW) &&
		     ((r->t.pid > 0 && v->pid <= 0) || (r->t.comm[0] && !v->comm[0]));
	if (merge) {
		if (r->t.pid > 0)
			v->pid = r->t.pid;
		if (r->t.comm[0])
			og_ep_cpys(v->comm, sizeof(v->comm), r->t.comm);
		if (r->t.uid >= 0)
			v->uid = r->t.uid;
	} else {
		*v = r->t;
		a->nh_cgroup[0] = '\0';
	}
	a->nh_us = t;
	a->nh_have = true;
	a->dense = NOHANG_BLOCK_LINES;
}

static void nohang_action(struct og_asm *a, const struct og_line *l, const struct og_rec *r,
			  int64_t t)
{
	struct og_event *last =
		a->nev && a->ev[a->nev - 1].killer == OG_K_NOHANG ? &a->ev[a->nev - 1] : NULL;
	if (last && !og_ep_far(og_ep_ev_time(last), t, NOHANG_STAT_WINDOW) &&
	    ((!a->nh_have && r->t.comm[0]) ||
	     (r->t.pid > 0 && r->t.pid == last->victim.pid && !strcmp(r->sig, last->sig))))
		return; /* a statistics line, or the report of a command just run */
	struct og_event n;
	og_ep_event_reset(a, &n, l);
	n.killer = OG_K_NOHANG;
	bool named = a->nh_have && !og_ep_far(a->nh_us, t, NOHANG_VICTIM_WINDOW) &&
		     (r->t.pid <= 0 || a->nh_victim.pid <= 0 || r->t.pid == a->nh_victim.pid);
	if (named) {
		n.victim = a->nh_victim;
		if (n.victim.pid <= 0)
			n.victim.pid = r->t.pid;
		og_ep_cpys(n.cgroup, sizeof(n.cgroup), a->nh_cgroup);
	} else {
		n.victim.pid = r->t.pid;
		og_ep_cpys(n.victim.comm, sizeof(n.victim.comm), r->t.comm);
	}
	a->nh_have = false;
	og_ep_cpys(n.sig, sizeof(n.sig), r->sig);
	og_ep_explain(&n);
	og_ep_push(a, &n);
}

void og_ep_user(struct og_asm *a, const struct og_line *l, const struct og_rec *r)
{
	int64_t t = og_ep_line_time(l);

	switch (r->kind) {
	case OG_REC_OOMD_CONSIDERED: oomd_considered(a, r, t); break;
	case OG_REC_OOMD_FIELD: oomd_field(a, r); break;
	case OG_REC_OOMD_KILL: oomd_kill(a, l, r, t); break;
	case OG_REC_UNIT_OOMD: unit_oomd(a, l, r, t); break;
	case OG_REC_UNIT_OOM: unit_oom(a, r, t); break;
	case OG_REC_UNIT_RESULT: unit_result(a, r, t); break;
	case OG_REC_EARLYOOM: earlyoom(a, l, r, t); break;
	case OG_REC_EARLYOOM_NOTE: earlyoom_note(a, r); break;
	case OG_REC_NOHANG_HDR: a->dense = NOHANG_BLOCK_LINES; break;
	case OG_REC_NOHANG_VICTIM: nohang_victim(a, r, t); break;
	case OG_REC_NOHANG_ACTION: nohang_action(a, l, r, t); break;
	default: break;
	}
}
