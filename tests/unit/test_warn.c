/* --warn SPEC parser and the warning core, driven by synthetic sample series. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "warn_oomd.h"
#include "warn_spec.h"
#include "warn_core.h"

#define MiB (1024LL * 1024)

static void spec_defaults(void **state)
{
	struct og_warnspec w;
	char buf[256], err[256];
	(void)state;
	assert_int_equal(og_warnspec_parse(NULL, &w, err, sizeof(err)), 0);
	assert_int_equal(og_warnspec_format(&w, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "available:10%,critical:5%,eta:10s,critical-eta:2500ms,psi-some:off,psi-full:20,critical-psi-full:off,clear:3,rearm:2s,startup:15s");
	assert_int_equal(og_warnspec_parse("", &w, err, sizeof(err)), 0);
}

static void spec_values(void **state)
{
	struct og_warnspec w;
	char err[256];
	(void)state;
	assert_int_equal(og_warnspec_parse("available:12.5%,critical:512M,eta:1500ms,psi-full:off,psi-some:40%,clear:0,rearm:0s", &w, err, sizeof(err)), 0);
	assert_true(w.avail.pct == 12.5);
	assert_true(w.crit.pct < 0);
	assert_int_equal(w.crit.bytes, 512 * MiB);
	assert_true(w.eta_s == 1.5);
	assert_true(w.psi_full == 0);
	assert_true(w.psi_some == 40);
	assert_true(w.clear_pct == 0);
	assert_true(w.rearm_s == 0);
	assert_int_equal(og_warnspec_parse("eta:2m,critical-eta:off,available:1.5G,critical:1536M", &w, err, sizeof(err)), 0);
	assert_true(w.eta_s == 120);
	assert_int_equal(w.avail.bytes, 1536 * MiB);
	assert_int_equal(og_thr_bytes(&w.avail, 100), 1536 * MiB);
	assert_int_equal(og_warnspec_parse("available:10%", &w, err, sizeof(err)), 0);
	assert_int_equal(og_thr_bytes(&w.avail, 1000), 100);
}

static void spec_rejects(void **state)
{
	static const char *const bad[] = {
		",", "available", "available:", "available:10", "available:-1%", "available:0%", "available:101%",
		"available:1e3%", "available:inf%", "available: 10%", "available:10%,", ",eta:1s", "eta:1",
		"eta:0s", "eta:61m", "eta:1.0001s", "eta:0.5ms", "psi-full:0", "psi-full:101", "psi-full:20%%",
		"unknown:1", "eta:1s,eta:2s", "available:5%,critical:10%", "eta:2s,critical-eta:3s",
		"psi-full:50,critical-psi-full:40", "available:0.5B", "available:2000000000T", "clear:60",
		"available:0x10M", "available:10%%", "available:1234567890%", "available:1.1234567%",
		"Available:10%", "available:10 %", "eta:1s;critical:5%",
	};
	struct og_warnspec w, before;
	char err[256];
	(void)state;
	og_warnspec_default(&before);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		w = before;
		err[0] = '\0';
		if (og_warnspec_parse(bad[i], &w, err, sizeof(err)) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(err[0] != '\0');
		assert_memory_equal(&w, &before, sizeof(w));
	}
}

static void spec_roundtrip(void **state)
{
	static const char *const good[] = {
		"available:7.25%,critical:100M,eta:250ms,critical-eta:off,psi-some:3.5,clear:1,rearm:1500ms",
		"available:off,critical:off,eta:off,psi-full:off",
		"available:3K,critical:1B,eta:1m",
		"available:1.5T",
	};
	struct og_warnspec a, b;
	char buf[512], err[256];
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(og_warnspec_parse(good[i], &a, err, sizeof(err)), 0);
		assert_int_equal(og_warnspec_format(&a, buf, sizeof(buf)), 0);
		assert_int_equal(og_warnspec_parse(buf, &b, err, sizeof(err)), 0);
		assert_memory_equal(&a, &b, sizeof(a));
	}
	assert_int_equal(og_warnspec_format(&a, buf, 8), -ENOSPC);
}

static void slope_fit(void **state)
{
	double t[] = { 0, 0.1, 0.2, 0.3 }, y[] = { 5, 7, 9, 11 };
	(void)state;
	assert_true(og_slope(t, y, 4) > 19.99 && og_slope(t, y, 4) < 20.01);
	assert_true(og_slope(t, y, 1) == 0);
}

/* A memcg series: usage at time t in MiB, limit in MiB. */
static void memcg_sample(struct og_wsample *s, double t, double usage_mib, double limit_mib)
{
	og_wsample_init(s, t);
	s->cg_limit = (long long)(limit_mib * MiB);
	s->cg_usage = (long long)(usage_mib * MiB);
}

static struct og_warnspec spec_of(const char *text)
{
	struct og_warnspec w;
	char err[256];
	if (og_warnspec_parse(text, &w, err, sizeof(err)) != 0)
		fail_msg("spec '%s': %s", text, err);
	return w;
}

static void static_threshold_and_escalation(void **state)
{
	struct og_warnspec sp = spec_of("available:10%,critical:5%,eta:off,critical-eta:off,psi-full:off");
	struct og_watch w;
	struct og_verdict v;
	struct og_wsample s;
	int warnings = 0, criticals = 0;
	double warn_at = -1, crit_at = -1;
	(void)state;
	og_watch_init(&w, &sp, -1);
	/* 1000 MiB limit, +10 MiB every 100 ms from 800 MiB: 10% headroom at
	 * t = 10.0 s (900 MiB), 5% at 15.0 s. */
	for (int i = 0; i <= 190; i++) {
		double t = i * 0.1;
		memcg_sample(&s, t, 800 + i, 1000);
		og_watch_feed(&w, &s, &v);
		if (v.notify == OG_LEVEL_WARNING) {
			warnings++;
			warn_at = t;
			assert_string_equal(v.domain, "memcg");
			assert_int_equal(v.limit_kb, 1000 * 1024);
		}
		if (v.notify == OG_LEVEL_CRITICAL) {
			criticals++;
			crit_at = t;
		}
	}
	assert_int_equal(warnings, 1);
	assert_int_equal(criticals, 1);
	assert_true(warn_at > 9.95 && warn_at < 10.05);
	assert_true(crit_at > 14.95 && crit_at < 15.05);
	assert_int_equal(w.incidents, 1);
}

/* eta fires at the same time before the end whatever the rate. */
static double eta_margin(double rate_mib_s, double eta_s)
{
	char text[64];
	snprintf(text, sizeof(text), "available:off,critical:off,eta:%gs,critical-eta:off", eta_s);
	struct og_warnspec sp = spec_of(text);
	struct og_watch w;
	struct og_verdict v;
	struct og_wsample s;
	og_watch_init(&w, &sp, -1);
	double limit = 4096, full_at = (limit - 100) / rate_mib_s;
	for (double t = 0; t < full_at; t += 0.1) {
		memcg_sample(&s, t, 100 + rate_mib_s * t, limit);
		og_watch_feed(&w, &s, &v);
		if (v.notify) {
			assert_true(v.eta_s > 0 && v.eta_s <= eta_s);
			assert_true(v.fill_kbps > rate_mib_s * 1024 * 0.99 && v.fill_kbps < rate_mib_s * 1024 * 1.01);
			return full_at - t;
		}
	}
	return -1;
}

static void eta_is_rate_aware(void **state)
{
	(void)state;
	double slow = eta_margin(64, 5), fast = eta_margin(1024, 5), mid = eta_margin(256, 5);
	assert_true(slow > 4.85 && slow <= 5.0);
	assert_true(mid > 4.85 && mid <= 5.0);
	/* At 1 GiB/s into 4 GiB the whole fill takes 3.9 s: warned at once. */
	assert_true(fast > 3.5);
}

static void no_false_eta_when_flat(void **state)
{
	struct og_warnspec sp = spec_of("");
	struct og_watch w;
	struct og_verdict v;
	struct og_wsample s;
	(void)state;
	og_watch_init(&w, &sp, -1);
	for (int i = 0; i < 100; i++) {
		/* Noisy but flat at 70%: no condition, slow polls. */
		memcg_sample(&s, i * 0.5, 700 + (i % 2 ? 3 : -3), 1000);
		og_watch_feed(&w, &s, &v);
		assert_int_equal(v.level, OG_LEVEL_NONE);
		assert_int_equal(v.notify, OG_LEVEL_NONE);
	}
	assert_true(v.next_s > 0.09 && v.next_s <= 1.0);
}

/* Oscillating around the threshold inside the hysteresis band: one notice.
 * Leaving the band long enough re-arms; the next crossing is a new incident. */
static void hysteresis_one_notice_per_incident(void **state)
{
	struct og_warnspec sp = spec_of("available:50%,critical:off,eta:off,critical-eta:off,psi-full:off,clear:5,rearm:1s");
	struct og_watch w;
	struct og_verdict v;
	struct og_wsample s;
	int notices = 0, rearms = 0;
	double t = 0;
	(void)state;
	og_watch_init(&w, &sp, -1);
	for (int round = 0; round < 3; round++) {
		/* usage 46..54 MiB of 100: headroom crosses 50 every half cycle,
		 * never above 55 (threshold + clear). */
		for (int i = 0; i < 40; i++, t += 0.1) {
			memcg_sample(&s, t, 50 + (i % 4 < 2 ? 4 : -4), 100);
			og_watch_feed(&w, &s, &v);
			notices += v.notify != OG_LEVEL_NONE;
			rearms += v.rearmed;
		}
		/* Clear well above the band for 2 s. */
		for (int i = 0; i < 20; i++, t += 0.1) {
			memcg_sample(&s, t, 20, 100);
			og_watch_feed(&w, &s, &v);
			notices += v.notify != OG_LEVEL_NONE;
			rearms += v.rearmed;
		}
		assert_int_equal(notices, round + 1);
		assert_int_equal(rearms, round + 1);
	}
	assert_int_equal(w.incidents, 3);
}

static void short_dip_does_not_rearm(void **state)
{
	struct og_warnspec sp = spec_of("available:50%,critical:off,eta:off,critical-eta:off,psi-full:off,clear:5,rearm:2s");
	struct og_watch w;
	struct og_verdict v;
	struct og_wsample s;
	int notices = 0;
	(void)state;
	og_watch_init(&w, &sp, -1);
	for (int i = 0; i < 100; i++) {
		/* 1 s clear out of every 1.5 s: never clear for the full 2 s. */
		memcg_sample(&s, i * 0.1, i % 15 < 5 ? 60 : 20, 100);
		og_watch_feed(&w, &s, &v);
		notices += v.notify != OG_LEVEL_NONE;
	}
	assert_int_equal(notices, 1);
}

static void system_domain_counts_swap(void **state)
{
	struct og_warnspec sp = spec_of("available:10%,critical:off,eta:off,critical-eta:off,psi-full:off");
	struct og_watch w;
	struct og_verdict v;
	struct og_wsample s;
	(void)state;
	og_watch_init(&w, &sp, -1);
	og_wsample_init(&s, 0);
	/* RAM 5% available but swap mostly free: 55% headroom overall. */
	s.mem_total = 1000000; s.mem_avail = 50000; s.swap_total = 1000000; s.swap_free = 1000000;
	og_watch_feed(&w, &s, &v);
	assert_int_equal(v.level, OG_LEVEL_NONE);
	assert_int_equal(v.avail_kb, 1050000);
	og_wsample_init(&s, 0.1);
	s.mem_total = 1000000; s.mem_avail = 50000; s.swap_total = 1000000; s.swap_free = 100000;
	og_watch_feed(&w, &s, &v);
	assert_int_equal(v.level, OG_LEVEL_WARNING);
	assert_string_equal(v.domain, "system");
	assert_int_equal(v.notify, OG_LEVEL_WARNING);
}

static void psi_share_from_totals(void **state)
{
	struct og_warnspec sp = spec_of("available:off,critical:off,eta:off,critical-eta:off,psi-full:20,critical-psi-full:60");
	struct og_watch w;
	struct og_verdict v;
	struct og_wsample s;
	long long full = 0;
	enum og_level seen[3] = { 0 };
	(void)state;
	og_watch_init(&w, &sp, -1);
	for (int i = 0; i < 60; i++) {
		og_wsample_init(&s, i * 0.1);
		/* 0% for 2 s, 30% for 2 s, 80% for 2 s. */
		full += i < 20 ? 0 : i < 40 ? 30000 : 80000;
		s.psi_some_us = full;
		s.psi_full_us = full;
		/* the machine is the job's domain, and its headroom is falling */
		s.mem_total = 1 << 24;
		s.mem_avail = (1 << 23) - i * 1024;
		og_watch_feed(&w, &s, &v);
		seen[i / 20] = v.level > seen[i / 20] ? v.level : seen[i / 20];
	}
	assert_int_equal(seen[0], OG_LEVEL_NONE);
	assert_int_equal(seen[1], OG_LEVEL_WARNING);
	assert_int_equal(seen[2], OG_LEVEL_CRITICAL);
	assert_string_equal(v.domain, "psi");
}

/* The system's trigger fires for the job only when the machine is its
 * domain and that domain's headroom is falling; a job with room in its own
 * memory cgroup is judged by that cgroup (issue 12: a spurious SIGUSR1 from
 * unrelated load). */
static void sys_sample(struct og_wsample *s, double t, long long avail_kb, bool fired)
{
	og_wsample_init(s, t);
	s->mem_total = 16 << 20;
	s->mem_avail = avail_kb;
	s->psi_fired = s->psi_fired_sys = fired;
}

static void psi_trigger_fires(void **state)
{
	struct og_warnspec sp = spec_of("");
	struct og_watch w;
	struct og_verdict v;
	struct og_wsample s;
	(void)state;
	/* No memcg, system headroom falling: the trigger counts. */
	og_watch_init(&w, &sp, -1);
	for (int i = 0; i < 5; i++) {
		sys_sample(&s, i * 0.1, (8 << 20) - i * 10240, i == 4);
		og_watch_feed(&w, &s, &v);
	}
	assert_int_equal(v.notify, OG_LEVEL_WARNING);
	assert_string_equal(v.domain, "psi");
	/* Same trigger, headroom flat: unrelated load, no notice. */
	og_watch_init(&w, &sp, -1);
	for (int i = 0; i < 5; i++) {
		sys_sample(&s, i * 0.1, 8 << 20, i == 4);
		og_watch_feed(&w, &s, &v);
		assert_int_equal(v.level, OG_LEVEL_NONE);
	}
	/* A job in a 1 GiB memcg with 900 MiB free while the machine fills and
	 * stalls: the system's stall share and trigger are not its danger. */
	og_watch_init(&w, &sp, -1);
	long long full = 0;
	for (int i = 0; i < 30; i++) {
		sys_sample(&s, i * 0.1, (8 << 20) - i * 10240, i % 3 == 0);
		s.cg_limit = 1024 * MiB;
		s.cg_usage = 124 * MiB;
		s.psi_full_us = s.psi_some_us = (full += 60000);
		og_watch_feed(&w, &s, &v);
		assert_int_equal(v.level, OG_LEVEL_NONE);
		assert_int_equal(v.notify, OG_LEVEL_NONE);
	}
	/* Its own cgroup's pressure (v2) does count. */
	s.cg_psi_full_us = 0;
	og_watch_feed(&w, &s, &v);
	s.t += 0.5;
	s.cg_psi_full_us = 300000;
	og_watch_feed(&w, &s, &v);
	assert_int_equal(v.notify, OG_LEVEL_WARNING);
	assert_string_equal(v.domain, "psi");
	sp = spec_of("psi-full:off");
	og_watch_init(&w, &sp, -1);
	sys_sample(&s, 0, 8 << 20, true);
	og_watch_feed(&w, &s, &v);
	assert_int_equal(v.notify, OG_LEVEL_NONE);
}

static void oomd_duration(void **state)
{
	struct og_warnspec sp = spec_of("");
	struct og_watch w;
	struct og_verdict v;
	struct og_wsample s;
	enum og_level at[40];
	(void)state;
	og_watch_init(&w, &sp, -1);
	for (int i = 0; i < 40; i++) {
		og_wsample_init(&s, i);
		s.oomd_limit_pct = 60;
		s.oomd_duration_s = 20;
		s.oomd_avg10 = i >= 5 && i < 30 ? 70 : 10;
		og_watch_feed(&w, &s, &v);
		at[i] = v.level;
	}
	assert_int_equal(at[4], OG_LEVEL_NONE);
	assert_int_equal(at[5], OG_LEVEL_WARNING);
	assert_int_equal(at[14], OG_LEVEL_WARNING);
	assert_int_equal(at[15], OG_LEVEL_CRITICAL);
	assert_int_equal(at[30], OG_LEVEL_NONE);
}

static void poll_interval_adapts(void **state)
{
	struct og_warnspec sp = spec_of("");
	struct og_watch w;
	struct og_verdict v;
	struct og_wsample s;
	(void)state;
	og_watch_init(&w, &sp, -1);
	memcg_sample(&s, 0, 100, 64 * 1024);
	og_watch_feed(&w, &s, &v);
	assert_true(v.next_s == 1.0);
	og_watch_init(&w, &sp, -1);
	memcg_sample(&s, 0, 800, 1000);
	og_watch_feed(&w, &s, &v);
	assert_true(v.next_s < 0.11);
	/* Filling at 1000 MiB/s, 30 MiB before the 10% threshold: the next
	 * sample is due just after the predicted crossing, not 100 ms later. */
	sp = spec_of("eta:off,critical-eta:off");
	og_watch_init(&w, &sp, -1);
	for (int i = 0; i <= 5; i++) {
		memcg_sample(&s, i * 0.02, 770 + i * 20, 1000);
		og_watch_feed(&w, &s, &v);
	}
	assert_true(v.next_s > 0.025 && v.next_s < 0.05);
}

/* Sample traces (issue 12): a memcg usage profile, piecewise linear
 * through (t, MiB) points, fed every 100 ms until usage reaches the limit
 * (the kill).  Every event is recorded with its time. */
struct ev { double t; char kind; /* W warning, C critical, E eased, R re-armed */ };
struct trace {
	struct ev ev[64];
	int n;
	double kill_t;
	unsigned incidents;
};

static double profile_at(const double (*pts)[2], int npts, double t)
{
	for (int i = 1; i < npts; i++)
		if (t <= pts[i][0])
			return pts[i - 1][1] + (pts[i][1] - pts[i - 1][1]) * (t - pts[i - 1][0]) / (pts[i][0] - pts[i - 1][0]);
	return pts[npts - 1][1];
}

static void run_trace(const char *spec, double job_start, double limit, const double (*pts)[2], int npts, struct trace *tr)
{
	struct og_warnspec sp = spec_of(spec);
	struct og_watch w;
	struct og_verdict v;
	struct og_wsample s;
	memset(tr, 0, sizeof(*tr));
	tr->kill_t = -1;
	og_watch_init(&w, &sp, job_start);
	for (double t = 0; t <= pts[npts - 1][0] + 1e-9; t += 0.1) {
		double u = profile_at(pts, npts, t);
		if (u >= limit) {
			tr->kill_t = t;
			break;
		}
		memcg_sample(&s, t, u, limit);
		og_watch_feed(&w, &s, &v);
		char k = v.notify == OG_LEVEL_WARNING ? 'W' : v.notify == OG_LEVEL_CRITICAL ? 'C' : v.eased ? 'E' : v.rearmed ? 'R' : 0;
		if (k && tr->n < 64)
			tr->ev[tr->n++] = (struct ev){ t, k };
		if (v.rearmed || v.eased)
			assert_true(strstr(v.reason, "memcg headroom back to") != NULL);
	}
	tr->incidents = w.incidents;
}

static const char *kinds(const struct trace *tr)
{
	static char b[65];
	for (int i = 0; i < tr->n; i++)
		b[i] = tr->ev[i].kind;
	b[tr->n] = '\0';
	return b;
}

static void print_trace(const char *name, const struct trace *tr)
{
	printf("# %s: kill at %.1fs;", name, tr->kill_t);
	for (int i = 0; i < tr->n; i++)
		printf(" %c@%.1f", tr->ev[i].kind, tr->ev[i].t);
	printf("\n");
}

/* The case: 600 MiB, a start-up burst at 200 MiB/s that stops
 * (imports, data-loader workers), then at once a leak of 20 MiB/s to the
 * kill.  The burst costs no notice: warning after it, critical 3 s before
 * the kill. */
static void trace_burst_then_leak(void **state)
{
	static const double pts[][2] = { { 0, 20 }, { 0.5, 28 }, { 2.0, 328 }, { 22, 728 } };
	struct trace tr;
	(void)state;
	run_trace("", 0, 600, pts, 4, &tr);
	print_trace("burst then 20 MiB/s leak", &tr);
	assert_string_equal(kinds(&tr), "WC");
	assert_true(tr.ev[0].t > 2.0);                          /* after the burst */
	assert_true(tr.kill_t - tr.ev[1].t <= 2.65 && tr.kill_t - tr.ev[1].t >= 2.0);
	/* Control: without the start-up hold (a watch on a job of unknown age)
	 * the burst opens an incident at critical; its critical eases once the
	 * burst is over, and the leak's critical is announced again. */
	run_trace("", -1, 600, pts, 4, &tr);
	print_trace("same, no start-up hold", &tr);
	assert_string_equal(kinds(&tr), "WCEC");
	assert_true(tr.ev[1].t < 2.0);
	assert_true(tr.kill_t - tr.ev[3].t <= 2.65 && tr.kill_t - tr.ev[3].t >= 2.0);
}

/* Burst, plateau, slow leak (1000 MiB limit, 10 MiB/s): no notice for the
 * burst; one warning about 10 s and one critical about 3 s before the end. */
static void trace_burst_plateau_slow_leak(void **state)
{
	static const double pts[][2] = { { 0, 20 }, { 1.0, 20 }, { 2.5, 400 }, { 10, 400 }, { 80, 1100 } };
	struct trace tr;
	(void)state;
	run_trace("", 0, 1000, pts, 5, &tr);
	print_trace("burst, plateau, 10 MiB/s leak", &tr);
	assert_string_equal(kinds(&tr), "WC");
	assert_true(tr.kill_t - tr.ev[0].t <= 10.05 && tr.kill_t - tr.ev[0].t >= 9);
	assert_true(tr.kill_t - tr.ev[1].t <= 2.65 && tr.kill_t - tr.ev[1].t >= 2.0);
	/* Without the hold the burst is an incident of its own, which the
	 * plateau closes (re-armed); the leak is then a second incident. */
	run_trace("", -1, 1000, pts, 5, &tr);
	print_trace("same, no start-up hold", &tr);
	assert_int_equal(tr.incidents, 2);
	assert_true(tr.n >= 3 && tr.ev[tr.n - 3].kind == 'R' && tr.ev[tr.n - 3].t < 10);
	assert_int_equal(tr.ev[tr.n - 2].kind, 'W');
	assert_int_equal(tr.ev[tr.n - 1].kind, 'C');
}

/* A steady leak at several rates on a job already running: the warning at
 * eta 10 s (or at once when the whole fill is shorter), the critical at
 * eta 3 s, each once (a fill shorter than critical-eta: critical at once). */
static void trace_steady_leaks(void **state)
{
	static const double rates[] = { 5, 20, 80, 320 };
	(void)state;
	for (size_t i = 0; i < OG_ARRAY_LEN(rates); i++) {
		double pts[][2] = { { 0, 100 }, { 2000.0 / rates[i], 2100 } };
		struct trace tr;
		char name[64];
		run_trace("", -1, 1000, (const double (*)[2])pts, 2, &tr);
		snprintf(name, sizeof(name), "steady %g MiB/s", rates[i]);
		print_trace(name, &tr);
		double fill = 900.0 / rates[i];
		if (fill < 2.5) {
			assert_string_equal(kinds(&tr), "C");
			assert_true(tr.ev[0].t <= 0.2);
			continue;
		}
		assert_string_equal(kinds(&tr), "WC");
		double want_w = fill > 10 ? 10 : fill - 1.2;   /* the rate needs about a second of samples */
		assert_true(tr.kill_t - tr.ev[0].t >= want_w - 0.2);
		assert_true(tr.kill_t - tr.ev[1].t <= 3.05 && tr.kill_t - tr.ev[1].t >= (fill > 4 ? 2.0 : 0.5));
	}
}

/* A job that leaks steadily from its first second (no burst): the hold
 * ends once the rate has been steady for about 2 s, then the eta levels
 * act as on a job already running.  A lumpy start (a burst in steps, as
 * imports load) is not steady: held. */
/* The binding memory cgroup: least headroom (limit - usage + file LRU)
 * along the path, unlimited levels skipped, ties to the nearest. */
static void memcg_binding_fixtures(void **state)
{
	const struct og_cglevel roomy_child[] = { { 1000 * MiB, 300 * MiB, 0 }, { 600 * MiB, 500 * MiB, 0 } };
	const struct og_cglevel tight_child[] = { { 400 * MiB, 390 * MiB, 0 }, { 600 * MiB, 500 * MiB, 0 } };
	const struct og_cglevel unlimited_child[] = { { -1, 300 * MiB, 0 }, { 600 * MiB, 300 * MiB, 0 } };
	const struct og_cglevel cache[] = { { 400 * MiB, 390 * MiB, 200 * MiB }, { 600 * MiB, 500 * MiB, 0 } };
	const struct og_cglevel tie[] = { { 600 * MiB, 500 * MiB, 0 }, { 700 * MiB, 600 * MiB, 0 } };
	const struct og_cglevel none[] = { { -1, 5, 0 }, { -1, 7, 0 } };
	(void)state;
	assert_int_equal(og_memcg_binding(roomy_child, 2), 1);
	assert_int_equal(og_memcg_binding(tight_child, 2), 0);
	assert_int_equal(og_memcg_binding(unlimited_child, 2), 1);
	assert_int_equal(og_memcg_binding(cache, 2), 1); /* the child's page cache is room */
	assert_int_equal(og_memcg_binding(tie, 2), 0);
	assert_int_equal(og_memcg_binding(none, 2), -1);
	assert_int_equal(og_memcg_binding(none, 0), -1);
}

/* A job with its own roomy cap (1000 MiB) under a parent limited to 600 MiB
 * that a neighbour fills with 200 MiB: the job leaks 40 MiB/s after a flat
 * start.  The parent binds: the warning names it, its eta is the parent's
 * (the kernel's memcg OOM of the parent comes at job usage 400 MiB), and it
 * comes before that.  Control: judged by the job's own cap alone (what the
 * watcher did before), no notice comes before the parent's kill. */
static void trace_parent_limit_binds(void **state)
{
	struct og_warnspec sp = spec_of("eta:5s,critical-eta:2s,psi-full:off,startup:0s");
	const char *const names[] = { "/job", "/parent" };
	for (int control = 0; control < 2; control++) {
		struct og_watch w;
		struct og_verdict v;
		struct og_wsample s;
		double first = -1, kill_t = -1;
		char reason[sizeof(v.reason)] = "";
		og_watch_init(&w, &sp, 0);
		(void)state;
		for (int i = 0; i <= 200; i++) {
			double t = i * 0.1, job = t < 2 ? 50 : 50 + (t - 2) * 40;
			struct og_cglevel lv[2] = { { 1000 * MiB, (long long)(job * MiB), 0 },
						    { 600 * MiB, (long long)((job + 200) * MiB), 0 } };
			if (job + 200 >= 600) {
				kill_t = t;
				break;
			}
			og_wsample_init(&s, t);
			int b = og_memcg_binding(lv, control ? 1 : 2);
			s.cg_limit = lv[b].limit;
			s.cg_usage = lv[b].usage;
			s.cg_level = b;
			s.cg_name = names[b];
			og_watch_feed(&w, &s, &v);
			if (v.notify != OG_LEVEL_NONE && first < 0) {
				first = t;
				snprintf(reason, sizeof(reason), "%s", v.reason);
			}
		}
		printf("# parent limit binds (%s): first notice at %.1fs, parent kill at %.1fs: %s\n",
		       control ? "control: own cap only" : "judged", first, kill_t, reason);
		assert_true(kill_t > 10);
		if (control) {
			assert_true(first < 0);
			continue;
		}
		assert_true(first > 0 && kill_t - first >= 4.5 && kill_t - first <= 5.5);
		assert_non_null(strstr(reason, "memcg headroom "));
		assert_non_null(strstr(reason, "(limit 600 MiB of /parent) gone in"));
	}
}

static void trace_steady_from_start(void **state)
{
	static const double pts[][2] = { { 0, 20 }, { 49, 1000 } }; /* 20 MiB/s */
	static const double lumpy[][2] = { { 0, 20 }, { 0.3, 140 }, { 1.4, 150 }, { 1.7, 300 }, { 2.0, 305 },
					   { 3.2, 310 }, { 3.5, 470 }, { 60, 470 } };
	struct trace tr;
	(void)state;
	run_trace("", 0, 1000, pts, 2, &tr);
	print_trace("steady 20 MiB/s from the start", &tr);
	assert_string_equal(kinds(&tr), "WC");
	assert_true(tr.kill_t - tr.ev[0].t >= 9.8);
	run_trace("", 0, 1000, lumpy, 8, &tr);
	print_trace("lumpy start-up to 47%", &tr);
	assert_int_equal(tr.n, 0);
}

/* Oscillation: around the critical headroom (3..7% of 1000 MiB) for 20 s,
 * then to the kill: one warning, one critical, nothing in between. */
static void trace_oscillation_at_critical(void **state)
{
	double pts[200][2];
	int n = 0;
	struct trace tr;
	(void)state;
	pts[n][0] = 0, pts[n++][1] = 800;
	pts[n][0] = 2, pts[n++][1] = 940;
	for (int i = 0; i < 40; i++, n++) {
		pts[n][0] = 2.5 + i * 0.5;
		pts[n][1] = i % 2 ? 930 : 970;
	}
	pts[n][0] = pts[n - 1][0] + 5, pts[n][1] = 1010;
	n++;
	run_trace("eta:off,critical-eta:off", -1, 1000, (const double (*)[2])pts, n, &tr);
	print_trace("oscillating 3..7% headroom", &tr);
	assert_string_equal(kinds(&tr), "WC");
	assert_true(tr.kill_t > 22);
	/* Control: without the margin every swing above 5% re-arms it. */
	run_trace("eta:off,critical-eta:off,clear:0,rearm:0s", -1, 1000, (const double (*)[2])pts, n, &tr);
	print_trace("same, clear:0,rearm:0s", &tr);
	assert_true(tr.n > 10);
}

/* At its limit a cgroup stalls while the kernel reclaims: usage creeps,
 * the "rate" falls to nothing.  That is no easing: critical stays, and no
 * second notice. */
static void trace_stall_at_limit(void **state)
{
	static const double pts[][2] = { { 0, 100 }, { 45, 995 }, { 55, 995.5 } };
	struct trace tr;
	(void)state;
	run_trace("", -1, 1000, pts, 3, &tr);
	print_trace("stall at the limit", &tr);
	assert_string_equal(kinds(&tr), "WC");
}

/* Two incidents: a leak to the warning, the job frees most of it (a
 * checkpoint, a smaller batch), re-arms, then leaks again to the kill. */
static void trace_two_incidents(void **state)
{
	static const double pts[][2] = { { 0, 100 }, { 40, 900 }, { 41, 300 }, { 50, 300 }, { 120, 1001 } };
	struct trace tr;
	(void)state;
	run_trace("", 0, 1000, pts, 5, &tr);
	print_trace("two incidents", &tr);
	assert_int_equal(tr.incidents, 2);
	/* first: warning (and critical, as 900 MiB reaches eta 3 s at 20 MiB/s); re-armed; second: both again */
	const char *k = kinds(&tr);
	assert_true(!strcmp(k, "WCRWC") || !strcmp(k, "WRWC"));
	assert_true(tr.kill_t - tr.ev[tr.n - 1].t <= 2.65 && tr.kill_t - tr.ev[tr.n - 1].t >= 2.0);
}

static void oomd_ancestor_from_dump(void **state)
{
	char buf[16384];
	struct og_warn_oomd o;
	(void)state;
	ssize_t n = og_read_at(AT_FDCWD, FIXTURES "/oomd/dump-v258-fedora.txt", buf, sizeof(buf));
	assert_true(n > 0);
	/* The nearest monitored ancestor wins, with its own limit and duration. */
	assert_int_equal(og_warn_oomd_pick(buf, (size_t)n, "/user.slice/user-1000.slice/user@1000.service/app.slice/run-x.scope", &o), 0);
	assert_string_equal(o.path, "/user.slice/user-1000.slice/user@1000.service/app.slice");
	assert_true(o.limit_pct == 80);
	assert_true(o.duration_s == 90);
	assert_int_equal(og_warn_oomd_pick(buf, (size_t)n, "/system.slice/job.service", &o), 0);
	assert_string_equal(o.path, "/system.slice");
	assert_true(o.duration_s == 20);
	assert_int_equal(og_warn_oomd_pick(buf, (size_t)n, "/init.scope", &o), -ENOENT);
	/* v249: no per-cgroup duration; the default applies. */
	n = og_read_at(AT_FDCWD, FIXTURES "/oomd/dump-v249-ubuntu.txt", buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(og_warn_oomd_pick(buf, (size_t)n, "/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope", &o), 0);
	assert_true(o.limit_pct == 50);
	assert_true(o.duration_s == 20);
	assert_int_equal(og_warn_oomd_pick("not a dump\n", 11, "/", &o), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spec_defaults),
		cmocka_unit_test(spec_values),
		cmocka_unit_test(spec_rejects),
		cmocka_unit_test(spec_roundtrip),
		cmocka_unit_test(slope_fit),
		cmocka_unit_test(static_threshold_and_escalation),
		cmocka_unit_test(eta_is_rate_aware),
		cmocka_unit_test(no_false_eta_when_flat),
		cmocka_unit_test(hysteresis_one_notice_per_incident),
		cmocka_unit_test(short_dip_does_not_rearm),
		cmocka_unit_test(system_domain_counts_swap),
		cmocka_unit_test(psi_share_from_totals),
		cmocka_unit_test(psi_trigger_fires),
		cmocka_unit_test(oomd_duration),
		cmocka_unit_test(poll_interval_adapts),
		cmocka_unit_test(oomd_ancestor_from_dump),
		cmocka_unit_test(trace_burst_then_leak),
		cmocka_unit_test(trace_burst_plateau_slow_leak),
		cmocka_unit_test(trace_steady_leaks),
		cmocka_unit_test(trace_oscillation_at_critical),
		cmocka_unit_test(trace_two_incidents),
		cmocka_unit_test(trace_stall_at_limit),
		cmocka_unit_test(trace_steady_from_start),
		cmocka_unit_test(memcg_binding_fixtures),
		cmocka_unit_test(trace_parent_limit_binds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
