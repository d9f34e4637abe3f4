/* Warning decisions.  See warn_core.h for the model; the numbers that matter:
 * the fill rate is a least-squares slope over the last second of samples
 * (at least three, within 3 s), the PSI share is the growth of the stall
 * total over the last second, and the next poll is the distance to the
 * nearest threshold at earlyoom's assumed worst fill rate (6000 MiB/s),
 * clamped to 100 ms .. 1 s, except that a crossing predicted sooner at the
 * measured rate is woken for just after it (down to 10 ms). */
#include "warn_core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define RATE_WINDOW_S 1.0
#define RATE_WINDOW_MAX_S 3.0
#define PSI_WINDOW_S 1.0
#define ASSUMED_FILL_BPS (6000.0 * 1024 * 1024)
#define POLL_MIN_S 0.1
#define POLL_MAX_S 1.0
#define PREDICT_SLACK_S 0.005 /* wake this long after a predicted crossing */
#define PREDICT_MIN_S 0.01
/* An eta condition clears only once the eta is this much longer than its threshold. */
#define ETA_CLEAR_FACTOR 1.5
/* Start-up is over once the rate, read once a second, has stayed within 25%
 * of the reading before (or below 1 MiB/s either way: flat), three readings
 * running: 2 s of a steady fill. */
#define SETTLE_FLAT_BPS (1024.0 * 1024)
#define STEADY_TOL 0.25
#define STEADY_N 2

const char *og_level_name(enum og_level l)
{
	switch (l) {
	case OG_LEVEL_NONE: return "none";
	case OG_LEVEL_WARNING: return "warning";
	case OG_LEVEL_CRITICAL: return "critical";
	}
	return "?";
}

void og_wsample_init(struct og_wsample *s, double t)
{
	memset(s, 0, sizeof(*s));
	s->t = t;
	s->cg_limit = s->cg_usage = s->cg_high_events = -1;
	s->cg_level = -1;
	s->mem_total = s->mem_avail = s->swap_total = s->swap_free = -1;
	s->psi_some_us = s->psi_full_us = s->cg_psi_some_us = s->cg_psi_full_us = -1;
	s->oomd_avg10 = s->oomd_limit_pct = s->oomd_duration_s = -1;
}

int og_memcg_binding(const struct og_cglevel *lv, size_t n)
{
	int best = -1;
	long long best_h = 0;
	for (size_t i = 0; i < n; i++) {
		if (lv[i].limit <= 0 || lv[i].usage < 0)
			continue;
		long long used = lv[i].usage - (lv[i].reclaim > 0 ? lv[i].reclaim : 0);
		long long h = lv[i].limit - (used > 0 ? used : 0);
		if (best < 0 || h < best_h) {
			best = (int)i;
			best_h = h;
		}
	}
	return best;
}

void og_watch_init(struct og_watch *w, const struct og_warnspec *spec, double job_start)
{
	memset(w, 0, sizeof(*w));
	w->spec = *spec;
	w->incident = OG_LEVEL_NONE;
	w->clear_since = w->crit_clear_since = -1;
	w->crit_due = -1;
	w->oomd_since = -1;
	w->job_start = job_start;
	w->settled = job_start < 0 || spec->startup_s <= 0;
	w->ref_t = -1;
}

double og_slope(const double *t, const double *y, size_t n)
{
	double mt = 0, my = 0, sxx = 0, sxy = 0;
	if (n < 2)
		return 0;
	for (size_t i = 0; i < n; i++) {
		mt += t[i];
		my += y[i];
	}
	mt /= (double)n;
	my /= (double)n;
	for (size_t i = 0; i < n; i++) {
		sxx += (t[i] - mt) * (t[i] - mt);
		sxy += (t[i] - mt) * (y[i] - my);
	}
	return sxx < 1e-6 ? 0 : sxy / sxx;
}

static const struct og_wsample *at(const struct og_watch *w, size_t i) /* 0 = oldest */
{
	return &w->hist[(w->head + i) % OG_WATCH_HIST];
}

/* Headroom domains, in bytes. */
enum dom { D_MEMCG, D_SYSTEM, ND };
static const char *const dom_name[ND] = { "memcg", "system" };

static bool headroom(const struct og_wsample *s, enum dom d, double *h, double *total, double *used)
{
	if (d == D_MEMCG) {
		if (s->cg_limit <= 0 || s->cg_usage < 0)
			return false;
		double u = (double)s->cg_usage - (double)(s->cg_reclaim > 0 ? s->cg_reclaim : 0);
		if (u < 0)
			u = 0;
		*total = (double)s->cg_limit;
		*used = u;
		*h = *total - u > 0 ? *total - u : 0;
		return true;
	}
	if (s->mem_total <= 0 || s->mem_avail < 0)
		return false;
	double st = s->swap_total > 0 ? (double)s->swap_total : 0;
	double sf = s->swap_total > 0 && s->swap_free > 0 ? (double)s->swap_free : 0;
	*total = ((double)s->mem_total + st) * 1024;
	*h = ((double)s->mem_avail + sf) * 1024;
	*used = *total - *h;
	return true;
}

/* Fill rate of domain d in bytes/s (positive = headroom shrinking); false
 * when there are too few samples to tell. */
static bool fill_rate(const struct og_watch *w, enum dom d, double *rate)
{
	double t[OG_WATCH_HIST], y[OG_WATCH_HIST];
	size_t k = 0;
	const struct og_wsample *last = at(w, w->n - 1);

	for (size_t i = w->n; i-- > 0;) {
		const struct og_wsample *s = at(w, i);
		double h, tot, used;
		double age = last->t - s->t;
		if (age > RATE_WINDOW_MAX_S || (age > RATE_WINDOW_S && k >= 3))
			break;
		if (!headroom(s, d, &h, &tot, &used))
			break;
		if (d == D_SYSTEM && s->sys_stale)
			continue;
		/* A changed limit, or another cgroup's limit binding, starts a new series. */
		if (k && d == D_MEMCG &&
		    (s->cg_limit != last->cg_limit || s->cg_level != last->cg_level))
			break;
		t[k] = -age;
		y[k] = -h;
		k++;
	}
	if (k < 2 || -t[k - 1] < 0.05)
		return false;
	*rate = og_slope(t, y, k);
	return true;
}

/* Stall share (percent) over about the last second, from cumulative totals. */
static double psi_share(const struct og_watch *w, size_t field_off)
{
	const struct og_wsample *last = at(w, w->n - 1);
	long long now = *(const long long *)((const char *)last + field_off);
	if (now < 0 || w->n < 2)
		return -1;
	const struct og_wsample *base = NULL;
	for (size_t i = w->n - 1; i-- > 0;) {
		const struct og_wsample *s = at(w, i);
		if (*(const long long *)((const char *)s + field_off) < 0)
			break;
		base = s;
		if (last->t - s->t >= PSI_WINDOW_S)
			break;
	}
	if (!base || last->t - base->t < 0.2)
		return -1;
	long long then = *(const long long *)((const char *)base + field_off);
	double share = (double)(now - then) / ((last->t - base->t) * 1e6) * 100.0;
	return share < 0 ? 0 : share > 100 ? 100 : share;
}

struct cond {
	enum og_level level;
	bool clear;      /* every condition clear, with the hysteresis margin */
	bool crit_clear; /* every critical condition clear, with its margin */
	const char *domain;
	double eta; /* the worst condition is a prediction: the end due in eta s; < 0 not */
	char reason[320];
};

static void raise_to(struct cond *c, enum og_level l, const char *domain, double eta,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void raise_to(struct cond *c, enum og_level l, const char *domain, double eta,
		     const char *fmt, ...)
{
	c->clear = false;
	if (l == OG_LEVEL_CRITICAL)
		c->crit_clear = false;
	if (l <= c->level)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	c->level = l;
	c->domain = domain;
	c->eta = eta;
}

static double mib(double b)
{
	return b / (1024.0 * 1024.0);
}

/* Figures of one headroom domain in one sample. */
struct dfig {
	enum dom d;
	double h, tot, used, rate, eta; /* eta < 0: not filling */
	bool have_rate;
	long long wb, cb; /* thresholds in bytes; < 0 off */
	const char *name; /* memcg: the binding cgroup, or NULL */
};

/* A steady rate: this reading within STEADY_TOL of the one a second
 * before, STEADY_N times in a row.  A start-up (imports, workers, a dataset
 * being loaded) is lumpy; a training loop, leak included, is steady. */
static bool steady_rate(struct og_watch *w, double rate, double t)
{
	if (w->ref_t >= 0 && t - w->ref_t < 1.0)
		return w->steady_n >= STEADY_N;
	double big = rate > w->ref_rate ? rate : w->ref_rate;
	bool flat = rate < SETTLE_FLAT_BPS && rate > -SETTLE_FLAT_BPS &&
		    w->ref_rate < SETTLE_FLAT_BPS && w->ref_rate > -SETTLE_FLAT_BPS;
	if (w->ref_t >= 0 &&
	    (flat || (rate > 0 && w->ref_rate > 0 && rate - w->ref_rate <= STEADY_TOL * big &&
		      w->ref_rate - rate <= STEADY_TOL * big)))
		w->steady_n++;
	else
		w->steady_n = 0;
	w->ref_rate = rate;
	w->ref_t = t;
	return w->steady_n >= STEADY_N;
}

/* The start-up hold: rate levels wait until the job's climb is over: its
 * fill rate has been steady (or flat) for STEADY_N seconds, or startup_s
 * has passed.  (Not "the rate fell": a start-up pauses between its lumps.) */
static void track_startup(struct og_watch *w, const struct dfig *f, double t, struct og_verdict *v)
{
	if (w->settled || !f->have_rate)
		return;
	if (steady_rate(w, f->rate, t) || t - w->job_start >= w->spec.startup_s)
		w->settled = v->settled_now = true;
}

static void judge_headroom(const struct og_watch *w, const struct dfig *f, struct cond *c)
{
	const struct og_warnspec *sp = &w->spec;
	const char *dn = dom_name[f->d];
	double h = f->h, eta = w->settled ? f->eta : -1;
	char tb[32], of[160] = "", ofp[168] = "";

	/* Name the cgroup whose limit it is: a parent's may bind, not the job's own. */
	if (f->d == D_MEMCG && f->name) {
		snprintf(of, sizeof(of), " (limit %.0f MiB of %.120s)", mib(f->tot), f->name);
		snprintf(ofp, sizeof(ofp), " of %.120s's limit", f->name);
	}

	/* While memory fills at a measured rate and the end is further than
	 * critical-eta, the critical notice waits for critical-eta: at a slow
	 * leak a fixed headroom would come many seconds early, and the job's
	 * last checkpoint would be that much older at the kill. */
	bool timed = sp->crit_eta_s > 0 && eta > sp->crit_eta_s && h > (double)f->cb / 4;
	/* (Not below a quarter of it: there the "rate" is the stall of a
	 * cgroup reclaiming at its limit, not a slow leak.) */
	if (f->cb >= 0 && h <= (double)f->cb && !timed) {
		og_thr_format(&sp->crit, tb, sizeof(tb));
		raise_to(c, OG_LEVEL_CRITICAL, dn, -1,
			 "%s headroom %.0f MiB (%.1f%%%s) at or below critical:%s (%.0f MiB)", dn,
			 mib(h), h * 100 / f->tot, ofp, tb, mib((double)f->cb));
	}
	if (sp->crit_eta_s > 0 && eta >= 0 && eta <= sp->crit_eta_s)
		raise_to(
			c, OG_LEVEL_CRITICAL, dn, eta,
			"%s headroom %.0f MiB%s gone in %.1fs at %.0f MiB/s (threshold critical-eta:%gs)",
			dn, mib(h), of, eta, mib(f->rate), sp->crit_eta_s);
	if (f->wb >= 0 && h <= (double)f->wb) {
		og_thr_format(&sp->avail, tb, sizeof(tb));
		raise_to(c, OG_LEVEL_WARNING, dn, -1,
			 "%s headroom %.0f MiB (%.1f%%%s) at or below available:%s (%.0f MiB)", dn,
			 mib(h), h * 100 / f->tot, ofp, tb, mib((double)f->wb));
	}
	if (sp->eta_s > 0 && eta >= 0 && eta <= sp->eta_s)
		raise_to(c, OG_LEVEL_WARNING, dn, eta,
			 "%s headroom %.0f MiB%s gone in %.1fs at %.0f MiB/s (threshold eta:%gs)",
			 dn, mib(h), of, eta, mib(f->rate), sp->eta_s);

	/* Hysteresis: a level clears only with a margin beyond its thresholds
	 * (the clear points of the total above the headroom threshold, an eta
	 * 1.5x its threshold); the start-up hold holds the clearing too. */
	double margin = sp->clear_pct / 100.0 * f->tot;
	double thr = (double)(f->wb > f->cb ? f->wb : f->cb);
	double eta_thr = sp->eta_s > sp->crit_eta_s ? sp->eta_s : sp->crit_eta_s;
	if (thr >= 0 && h <= thr + margin)
		c->clear = false;
	if (eta_thr > 0 && eta >= 0 && eta <= eta_thr * ETA_CLEAR_FACTOR)
		c->clear = false;
	if (f->cb >= 0 && h <= (double)f->cb + margin)
		c->crit_clear = false;
	if (sp->crit_eta_s > 0 && eta >= 0 && eta <= sp->crit_eta_s * ETA_CLEAR_FACTOR)
		c->crit_clear = false;
}

struct poll_plan {
	double next, soon, best_frac;
};

/* Next poll for one domain: time to reach its nearest threshold at the
 * worst plausible fill rate, or just after the crossing predicted at the
 * measured rate when that is sooner. */
static void plan_poll(const struct og_watch *w, const struct og_wsample *s, const struct dfig *f,
		      struct poll_plan *pp, struct og_verdict *v)
{
	const struct og_warnspec *sp = &w->spec;
	double thr = (double)(f->wb > f->cb ? f->wb : f->cb);
	double eta_thr = sp->eta_s > sp->crit_eta_s ? sp->eta_s : sp->crit_eta_s;
	double dist = f->h - thr;
	if (eta_thr > 0 && f->rate > 0 && f->h - f->rate * eta_thr < dist)
		dist = f->h - f->rate * eta_thr;
	double worst = f->rate * 2 > ASSUMED_FILL_BPS ? f->rate * 2 : ASSUMED_FILL_BPS;
	double nd = dist > 0 ? dist / worst : 0;
	/* A memcg whose growth the kernel reports needs no worst-case polling:
	 * only the prediction below, and the thresholds. */
	if (f->d == D_MEMCG && s->cg_evented && dist > 0)
		nd = POLL_MAX_S;
	if (nd < pp->next)
		pp->next = nd;
	double due =
		f->have_rate && f->rate > 0 && dist > 0 ? dist / f->rate + PREDICT_SLACK_S : -1;
	if (due > 0 && due < pp->soon)
		pp->soon = due;
	if (f->d == D_SYSTEM) {
		v->next_sys_s = nd < POLL_MIN_S ? POLL_MIN_S : nd > POLL_MAX_S ? POLL_MAX_S : nd;
		if (due > 0 && due < v->next_sys_s)
			v->next_sys_s = due < PREDICT_MIN_S ? PREDICT_MIN_S : due;
	}
}

/* The domain with the least headroom share reports its figures. */
static void report_figures(const struct dfig *f, struct poll_plan *pp, struct og_verdict *v)
{
	if (f->h / f->tot >= pp->best_frac)
		return;
	pp->best_frac = f->h / f->tot;
	v->avail_kb = (long long)(f->h / 1024);
	v->limit_kb = (long long)(f->tot / 1024);
	v->usage_kb = (long long)(f->used / 1024);
	v->eta_s = f->eta;
	v->fill_kbps = f->rate / 1024;
	v->domain = dom_name[f->d];
}

/* Headroom domains: judged, start-up tracked, poll planned.  Returns
 * whether the system's headroom is falling (for system-wide PSI). */
static bool judge_domains(struct og_watch *w, const struct og_wsample *s, struct cond *c,
			  struct poll_plan *pp, struct og_verdict *v, bool *have_cg)
{
	bool sys_falling = false;
	*have_cg = false;
	for (int d = 0; d < ND; d++) {
		struct dfig f = { .d = (enum dom)d,
				  .eta = -1,
				  .name = d == D_MEMCG ? s->cg_name : NULL };
		if (!headroom(s, f.d, &f.h, &f.tot, &f.used))
			continue;
		f.have_rate = fill_rate(w, f.d, &f.rate);
		if (f.have_rate && f.rate > 0)
			f.eta = f.h / f.rate;
		f.wb = og_thr_bytes(&w->spec.avail, (long long)f.tot);
		f.cb = og_thr_bytes(&w->spec.crit, (long long)f.tot);
		if (f.d == D_MEMCG)
			*have_cg = true;
		else
			sys_falling = f.have_rate && f.rate > 0;
		/* The job's own domain tells its start-up climb: its memcg, else the machine. */
		if (f.d == D_MEMCG || !*have_cg)
			track_startup(w, &f, s->t, v);
		judge_headroom(w, &f, c);
		plan_poll(w, s, &f, pp, v);
		report_figures(&f, pp, v);
	}
	return sys_falling;
}

/* PSI: the job's cgroup when the kernel gives it one; the system's only when
 * the job's memory domain is the machine and its headroom is falling
 * (another cgroup thrashing against its own limit is no danger to a job
 * with room in its own). */
static void judge_psi(const struct og_watch *w, const struct og_wsample *s, bool have_cg,
		      bool sys_falling, struct cond *c)
{
	const struct og_warnspec *sp = &w->spec;
	bool cgpsi = s->cg_psi_full_us >= 0 || s->cg_psi_some_us >= 0;
	bool syspsi = !cgpsi && !have_cg && sys_falling;
	if (!cgpsi && !syspsi)
		return;
	const char *pn = cgpsi ? "cgroup" : "system";
	double some = psi_share(w, cgpsi ? offsetof(struct og_wsample, cg_psi_some_us)
					 : offsetof(struct og_wsample, psi_some_us));
	double full = psi_share(w, cgpsi ? offsetof(struct og_wsample, cg_psi_full_us)
					 : offsetof(struct og_wsample, psi_full_us));
	if (sp->crit_psi_full > 0 && full >= sp->crit_psi_full)
		raise_to(
			c, OG_LEVEL_CRITICAL, "psi", -1,
			"%s memory pressure: full stall %.0f%% of the last second (threshold critical-psi-full:%g)",
			pn, full, sp->crit_psi_full);
	if (sp->psi_full > 0 && full >= sp->psi_full)
		raise_to(
			c, OG_LEVEL_WARNING, "psi", -1,
			"%s memory pressure: full stall %.0f%% of the last second (threshold psi-full:%g)",
			pn, full, sp->psi_full);
	if (sp->psi_some > 0 && some >= sp->psi_some)
		raise_to(
			c, OG_LEVEL_WARNING, "psi", -1,
			"%s memory pressure: some stall %.0f%% of the last second (threshold psi-some:%g)",
			pn, some, sp->psi_some);
	if (s->psi_fired && (cgpsi || s->psi_fired_sys) && (sp->psi_full > 0 || sp->psi_some > 0))
		raise_to(c, OG_LEVEL_WARNING, "psi", -1, "%s memory pressure trigger fired", pn);
	double pmin = sp->psi_full > 0 ? sp->psi_full : sp->crit_psi_full;
	if ((pmin > 0 && full >= pmin / 2) || (sp->psi_some > 0 && some >= sp->psi_some / 2))
		c->clear = false;
	if (sp->crit_psi_full > 0 && full >= sp->crit_psi_full / 2)
		c->crit_clear = false;
}

/* systemd-oomd: it kills once full avg10 has stayed above its limit for the
 * duration; warn when the clock starts, critical at half way. */
/* memory.high (a --memory-high cap): each time usage goes over it the
 * kernel reclaims and then sleeps the job; a rising "high" count in
 * memory.events (cgroup-v2.rst) means the job is being throttled on its
 * way to memory.max. */
static void judge_high(const struct og_watch *w, const struct og_wsample *s, struct cond *c)
{
	const struct og_wsample *prev = w->n > 1 ? at(w, w->n - 2) : NULL;
	if (!prev || prev->cg_high_events < 0 || s->cg_high_events <= prev->cg_high_events)
		return;
	raise_to(c, OG_LEVEL_WARNING, "memcg", -1,
		 "memcg over memory.high: throttled %lld times since the last sample",
		 s->cg_high_events - prev->cg_high_events);
}

static void judge_oomd(struct og_watch *w, const struct og_wsample *s, struct cond *c)
{
	if (s->oomd_avg10 < 0 || s->oomd_limit_pct < 0)
		return;
	if (s->oomd_avg10 <= s->oomd_limit_pct) {
		w->oomd_since = -1;
		return;
	}
	if (w->oomd_since < 0)
		w->oomd_since = s->t;
	double el = s->t - w->oomd_since;
	enum og_level l = el >= s->oomd_duration_s / 2 ? OG_LEVEL_CRITICAL : OG_LEVEL_WARNING;
	raise_to(c, l, "oomd", s->oomd_duration_s - el,
		 "systemd-oomd pressure %.0f%% above its limit %.0f%% for %.0fs of %.0fs",
		 s->oomd_avg10, s->oomd_limit_pct, el, s->oomd_duration_s);
}

/* true once cond has held since *since for at least hold seconds. */
static bool held(bool cond, double t, double *since, double hold)
{
	if (!cond) {
		*since = -1;
		return false;
	}
	if (*since < 0)
		*since = t;
	return t - *since >= hold;
}

/* Notices and re-arming (warn_core.h): each level at most once until its own
 * danger has passed: its conditions clear with the margin for rearm, or, for
 * a critical notice that was a prediction, the predicted end plus rearm
 * gone by without the end while the critical conditions are clear with
 * their margin (a burst that stopped). */
static void update_incident(struct og_watch *w, const struct cond *c, double t,
			    struct og_verdict *v)
{
	if (c->level > w->incident) {
		if (w->incident == OG_LEVEL_NONE)
			w->incidents++;
		w->incident = c->level;
		w->incident_domain = c->domain;
		v->notify = c->level;
		if (c->level == OG_LEVEL_CRITICAL)
			w->crit_due = c->eta >= 0 ? t + c->eta + w->spec.rearm_s : -1;
	}
	bool all = held(c->clear && c->level == OG_LEVEL_NONE, t, &w->clear_since, w->spec.rearm_s);
	bool crit = held(c->crit_clear && c->level < OG_LEVEL_CRITICAL, t, &w->crit_clear_since,
			 w->spec.rearm_s);
	if (v->notify != OG_LEVEL_NONE)
		return;
	if (w->incident != OG_LEVEL_NONE && all) {
		w->incident = OG_LEVEL_NONE;
		v->rearmed = true;
	} else if (w->incident == OG_LEVEL_CRITICAL &&
		   (crit || (w->crit_due >= 0 && t >= w->crit_due && c->crit_clear))) {
		w->incident = OG_LEVEL_WARNING;
		v->eased = true;
	}
}

/* The state of the incident's domain now, for a cleared or eased line. */
static void state_reason(const struct og_watch *w, const struct og_verdict *v, char *buf,
			 size_t size)
{
	const char *d = w->incident_domain ? w->incident_domain : v->domain;
	if (!strcmp(d, "psi"))
		snprintf(buf, size, "memory pressure is back below half its thresholds");
	else if (!strcmp(d, "oomd"))
		snprintf(buf, size, "systemd-oomd pressure is back at or below its limit");
	else if (v->avail_kb < 0)
		snprintf(buf, size, "%s headroom unknown", v->domain);
	else if (v->eta_s >= 0)
		snprintf(
			buf, size,
			"%s headroom back to %lld MiB (%.1f%%), filling at %.0f MiB/s: gone in %.0fs",
			v->domain, v->avail_kb >> 10,
			(double)v->avail_kb * 100 / (double)v->limit_kb, v->fill_kbps / 1024,
			v->eta_s);
	else
		snprintf(buf, size, "%s headroom back to %lld MiB (%.1f%%), not filling", v->domain,
			 v->avail_kb >> 10, (double)v->avail_kb * 100 / (double)v->limit_kb);
}

static void push(struct og_watch *w, const struct og_wsample *s)
{
	if (w->n == OG_WATCH_HIST)
		w->head = (w->head + 1) % OG_WATCH_HIST;
	else
		w->n++;
	w->hist[(w->head + w->n - 1) % OG_WATCH_HIST] = *s;
}

void og_watch_feed(struct og_watch *w, const struct og_wsample *s, struct og_verdict *v)
{
	struct cond c = { OG_LEVEL_NONE, true, true, NULL, -1, "" };
	struct poll_plan pp = { POLL_MAX_S, POLL_MAX_S, 2 };
	bool have_cg;

	push(w, s);
	memset(v, 0, sizeof(*v));
	v->next_sys_s = POLL_MIN_S;
	v->avail_kb = v->limit_kb = v->usage_kb = -1;
	v->eta_s = -1;
	v->cg_level = s->cg_level;

	bool sys_falling = judge_domains(w, s, &c, &pp, v, &have_cg);
	judge_psi(w, s, have_cg, sys_falling, &c);
	judge_high(w, s, &c);
	judge_oomd(w, s, &c);

	v->level = c.level;
	if (c.domain)
		v->domain = c.domain;
	if (!v->domain)
		v->domain = "system";
	update_incident(w, &c, s->t, v);
	if (v->rearmed || v->eased) {
		state_reason(w, v, v->reason, sizeof(v->reason));
	} else {
		/* Not snprintf: this runs every tick, and the formatter's pages
		 * need not stay resident for it. */
		const char *why = c.level ? c.reason : "clear";
		size_t wl = strnlen(why, sizeof(v->reason) - 1);
		memcpy(v->reason, why, wl);
		v->reason[wl] = '\0';
	}

	double next = pp.next;
	if (w->incident != OG_LEVEL_NONE && next > POLL_MAX_S / 2)
		next = POLL_MAX_S / 2; /* watch the way out of an incident more closely */
	v->next_s = next < POLL_MIN_S ? POLL_MIN_S : next > POLL_MAX_S ? POLL_MAX_S : next;
	if (pp.soon < v->next_s)
		v->next_s = pp.soon < PREDICT_MIN_S ? PREDICT_MIN_S : pp.soon;
}
