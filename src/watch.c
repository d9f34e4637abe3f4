/* Warning decisions.  See watch.h for the model; the numbers that matter:
 * the fill rate is a least-squares slope over the last second of samples
 * (at least three, within 3 s), the PSI share is the growth of the stall
 * total over the last second, and the next poll is the distance to the
 * nearest threshold at earlyoom's assumed worst fill rate (6000 MiB/s),
 * clamped to 100 ms .. 1 s, except that a crossing predicted sooner at the
 * measured rate is woken for just after it (down to 10 ms). */
#include "watch.h"

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
	s->mem_total = s->mem_avail = s->swap_total = s->swap_free = -1;
	s->psi_some_us = s->psi_full_us = s->cg_psi_some_us = s->cg_psi_full_us = -1;
	s->oomd_avg10 = s->oomd_limit_pct = s->oomd_duration_s = -1;
}

void og_watch_init(struct og_watch *w, const struct og_warnspec *spec)
{
	memset(w, 0, sizeof(*w));
	w->spec = *spec;
	w->incident = OG_LEVEL_NONE;
	w->clear_since = -1;
	w->oomd_since = -1;
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
		/* A changed limit starts a new series. */
		if (k && d == D_MEMCG && s->cg_limit != last->cg_limit)
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
	bool clear;
	const char *domain;
	char reason[200];
};

static void raise_to(struct cond *c, enum og_level l, const char *domain, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void raise_to(struct cond *c, enum og_level l, const char *domain, const char *fmt, ...)
{
	c->clear = false;
	if (l <= c->level)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	c->level = l;
	c->domain = domain;
}

static double mib(double b) { return b / (1024.0 * 1024.0); }

void og_watch_feed(struct og_watch *w, const struct og_wsample *s, struct og_verdict *v)
{
	const struct og_warnspec *sp = &w->spec;
	struct cond c = { OG_LEVEL_NONE, true, NULL, "" };
	double next = POLL_MAX_S;
	double best_frac = 2; /* the domain with the least headroom share reports its figures */
	double soon = POLL_MAX_S; /* earliest predicted threshold crossing */

	if (w->n == OG_WATCH_HIST)
		w->head = (w->head + 1) % OG_WATCH_HIST;
	else
		w->n++;
	w->hist[(w->head + w->n - 1) % OG_WATCH_HIST] = *s;

	memset(v, 0, sizeof(*v));
	v->next_sys_s = POLL_MIN_S;
	v->avail_kb = v->limit_kb = v->usage_kb = -1;
	v->eta_s = -1;

	for (int d = 0; d < ND; d++) {
		double h, tot, used, rate = 0, eta = -1;
		if (!headroom(s, (enum dom)d, &h, &tot, &used))
			continue;
		bool have_rate = fill_rate(w, (enum dom)d, &rate);
		if (have_rate && rate > 0)
			eta = h / rate;
		long long wb = og_thr_bytes(&sp->avail, (long long)tot);
		long long cb = og_thr_bytes(&sp->crit, (long long)tot);
		const char *dn = dom_name[d];

		if (cb >= 0 && h <= (double)cb)
			raise_to(&c, OG_LEVEL_CRITICAL, dn, "%s headroom %.0f MiB (%.1f%%) at or below critical %.0f MiB",
				 dn, mib(h), h * 100 / tot, mib((double)cb));
		if (sp->crit_eta_s > 0 && eta >= 0 && eta <= sp->crit_eta_s)
			raise_to(&c, OG_LEVEL_CRITICAL, dn, "%s headroom %.0f MiB gone in %.1fs at %.0f MiB/s (critical-eta %.1fs)",
				 dn, mib(h), eta, mib(rate), sp->crit_eta_s);
		if (wb >= 0 && h <= (double)wb)
			raise_to(&c, OG_LEVEL_WARNING, dn, "%s headroom %.0f MiB (%.1f%%) at or below available %.0f MiB",
				 dn, mib(h), h * 100 / tot, mib((double)wb));
		if (sp->eta_s > 0 && eta >= 0 && eta <= sp->eta_s)
			raise_to(&c, OG_LEVEL_WARNING, dn, "%s headroom %.0f MiB gone in %.1fs at %.0f MiB/s (eta %.1fs)",
				 dn, mib(h), eta, mib(rate), sp->eta_s);

		/* Hysteresis: clear only with a margin above the highest threshold. */
		double thr = (double)(wb > cb ? wb : cb);
		double eta_thr = sp->eta_s > sp->crit_eta_s ? sp->eta_s : sp->crit_eta_s;
		if (thr >= 0 && h <= thr + sp->clear_pct / 100.0 * tot)
			c.clear = false;
		if (eta_thr > 0 && eta >= 0 && eta <= eta_thr * ETA_CLEAR_FACTOR)
			c.clear = false;

		/* Next poll: time to reach the nearest threshold at the worst
		 * plausible fill rate. */
		double dist = h - thr;
		if (eta_thr > 0 && rate > 0 && h - rate * eta_thr < dist)
			dist = h - rate * eta_thr;
		double worst = rate * 2 > ASSUMED_FILL_BPS ? rate * 2 : ASSUMED_FILL_BPS;
		double nd = dist > 0 ? dist / worst : 0;
		/* A memcg whose growth the kernel reports needs no worst-case
		 * polling: only the prediction below, and the thresholds. */
		if (d == D_MEMCG && s->cg_evented && dist > 0)
			nd = POLL_MAX_S;
		if (nd < next)
			next = nd;
		/* At the measured rate the crossing is due in dist/rate: when that
		 * is sooner than the shortest poll, wake just after it instead of
		 * up to 100 ms late. */
		double due = have_rate && rate > 0 && dist > 0 ? dist / rate + PREDICT_SLACK_S : -1;
		if (due > 0 && due < soon)
			soon = due;
		if (d == D_SYSTEM) {
			v->next_sys_s = nd < POLL_MIN_S ? POLL_MIN_S : nd > POLL_MAX_S ? POLL_MAX_S : nd;
			if (due > 0 && due < v->next_sys_s)
				v->next_sys_s = due < PREDICT_MIN_S ? PREDICT_MIN_S : due;
		}

		if (h / tot < best_frac) {
			best_frac = h / tot;
			v->avail_kb = (long long)(h / 1024);
			v->limit_kb = (long long)(tot / 1024);
			v->usage_kb = (long long)(used / 1024);
			v->eta_s = eta;
			v->fill_kbps = rate / 1024;
			if (!c.domain)
				v->domain = dn;
		}
	}

	/* PSI: the job's cgroup when the kernel gives it one, else the system. */
	bool cgpsi = s->cg_psi_full_us >= 0 || s->cg_psi_some_us >= 0;
	const char *pn = cgpsi ? "cgroup" : "system";
	double some = psi_share(w, cgpsi ? offsetof(struct og_wsample, cg_psi_some_us) : offsetof(struct og_wsample, psi_some_us));
	double full = psi_share(w, cgpsi ? offsetof(struct og_wsample, cg_psi_full_us) : offsetof(struct og_wsample, psi_full_us));
	if (sp->crit_psi_full > 0 && full >= sp->crit_psi_full)
		raise_to(&c, OG_LEVEL_CRITICAL, "psi", "%s memory pressure: full stall %.0f%% of the last second (critical-psi-full %g)", pn, full, sp->crit_psi_full);
	if (sp->psi_full > 0 && full >= sp->psi_full)
		raise_to(&c, OG_LEVEL_WARNING, "psi", "%s memory pressure: full stall %.0f%% of the last second (psi-full %g)", pn, full, sp->psi_full);
	if (sp->psi_some > 0 && some >= sp->psi_some)
		raise_to(&c, OG_LEVEL_WARNING, "psi", "%s memory pressure: some stall %.0f%% of the last second (psi-some %g)", pn, some, sp->psi_some);
	if (s->psi_fired && (sp->psi_full > 0 || sp->psi_some > 0))
		raise_to(&c, OG_LEVEL_WARNING, "psi", "%s memory pressure trigger fired", pn);
	double pmin = sp->psi_full > 0 ? sp->psi_full : sp->crit_psi_full;
	if ((pmin > 0 && full >= pmin / 2) || (sp->psi_some > 0 && some >= sp->psi_some / 2))
		c.clear = false;

	/* memory.high (a --memory-high cap): each time usage goes over it the
	 * kernel reclaims and then sleeps the job; a rising "high" count in
	 * memory.events (cgroup-v2.rst) means the job is being throttled on its
	 * way to memory.max. */
	const struct og_wsample *prev = w->n > 1 ? at(w, w->n - 2) : NULL;
	if (prev && prev->cg_high_events >= 0 && s->cg_high_events > prev->cg_high_events) {
		raise_to(&c, OG_LEVEL_WARNING, "memcg", "memcg over memory.high: throttled %lld times since the last sample",
			 s->cg_high_events - prev->cg_high_events);
		c.clear = false;
	}

	/* systemd-oomd: it kills once full avg10 has stayed above its limit for
	 * the duration; warn when the clock starts, critical at half way. */
	if (s->oomd_avg10 >= 0 && s->oomd_limit_pct >= 0) {
		if (s->oomd_avg10 > s->oomd_limit_pct) {
			if (w->oomd_since < 0)
				w->oomd_since = s->t;
			double el = s->t - w->oomd_since;
			enum og_level l = el >= s->oomd_duration_s / 2 ? OG_LEVEL_CRITICAL : OG_LEVEL_WARNING;
			raise_to(&c, l, "oomd", "systemd-oomd pressure %.0f%% above its limit %.0f%% for %.0fs of %.0fs",
				 s->oomd_avg10, s->oomd_limit_pct, el, s->oomd_duration_s);
		} else {
			w->oomd_since = -1;
		}
	}

	v->level = c.level;
	if (c.domain)
		v->domain = c.domain;
	if (!v->domain)
		v->domain = "system";
	/* Not snprintf: this runs every tick, and the formatter's pages need
	 * not stay resident for it. */
	const char *why = c.level ? c.reason : "clear";
	size_t wl = strnlen(why, sizeof(v->reason) - 1);
	memcpy(v->reason, why, wl);
	v->reason[wl] = '\0';

	if (c.level > OG_LEVEL_NONE) {
		w->clear_since = -1;
		if (c.level > w->incident) {
			if (w->incident == OG_LEVEL_NONE)
				w->incidents++;
			w->incident = c.level;
			v->notify = c.level;
		}
	} else if (c.clear) {
		if (w->clear_since < 0)
			w->clear_since = s->t;
		if (w->incident != OG_LEVEL_NONE && s->t - w->clear_since >= sp->rearm_s) {
			w->incident = OG_LEVEL_NONE;
			v->rearmed = true;
		}
	} else {
		w->clear_since = -1;
	}
	if (w->incident != OG_LEVEL_NONE && next > POLL_MAX_S / 2)
		next = POLL_MAX_S / 2; /* watch the way out of an incident more closely */
	v->next_s = next < POLL_MIN_S ? POLL_MIN_S : next > POLL_MAX_S ? POLL_MAX_S : next;
	if (soon < v->next_s)
		v->next_s = soon < PREDICT_MIN_S ? PREDICT_MIN_S : soon;
}
