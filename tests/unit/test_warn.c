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
#include "warnspec.h"
#include "watch.h"

#define MiB (1024LL * 1024)

static void spec_defaults(void **state)
{
	struct og_warnspec w;
	char buf[256], err[256];
	(void)state;
	assert_int_equal(og_warnspec_parse(NULL, &w, err, sizeof(err)), 0);
	assert_int_equal(og_warnspec_format(&w, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "available:10%,critical:5%,eta:10s,critical-eta:3s,psi-some:off,psi-full:20,critical-psi-full:off,clear:3,rearm:2s");
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
	og_watch_init(&w, &sp);
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
	og_watch_init(&w, &sp);
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
	og_watch_init(&w, &sp);
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
	og_watch_init(&w, &sp);
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
	og_watch_init(&w, &sp);
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
	og_watch_init(&w, &sp);
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
	og_watch_init(&w, &sp);
	for (int i = 0; i < 60; i++) {
		og_wsample_init(&s, i * 0.1);
		/* 0% for 2 s, 30% for 2 s, 80% for 2 s. */
		full += i < 20 ? 0 : i < 40 ? 30000 : 80000;
		s.psi_some_us = full;
		s.psi_full_us = full;
		og_watch_feed(&w, &s, &v);
		seen[i / 20] = v.level > seen[i / 20] ? v.level : seen[i / 20];
	}
	assert_int_equal(seen[0], OG_LEVEL_NONE);
	assert_int_equal(seen[1], OG_LEVEL_WARNING);
	assert_int_equal(seen[2], OG_LEVEL_CRITICAL);
	assert_string_equal(v.domain, "psi");
}

static void psi_trigger_fires(void **state)
{
	struct og_warnspec sp = spec_of("");
	struct og_watch w;
	struct og_verdict v;
	struct og_wsample s;
	(void)state;
	og_watch_init(&w, &sp);
	og_wsample_init(&s, 0);
	s.psi_fired = true;
	og_watch_feed(&w, &s, &v);
	assert_int_equal(v.notify, OG_LEVEL_WARNING);
	sp = spec_of("psi-full:off");
	og_watch_init(&w, &sp);
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
	og_watch_init(&w, &sp);
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
	og_watch_init(&w, &sp);
	memcg_sample(&s, 0, 100, 64 * 1024);
	og_watch_feed(&w, &s, &v);
	assert_true(v.next_s == 1.0);
	og_watch_init(&w, &sp);
	memcg_sample(&s, 0, 800, 1000);
	og_watch_feed(&w, &s, &v);
	assert_true(v.next_s < 0.11);
	/* Filling at 1000 MiB/s, 30 MiB before the 10% threshold: the next
	 * sample is due just after the predicted crossing, not 100 ms later. */
	sp = spec_of("eta:off,critical-eta:off");
	og_watch_init(&w, &sp);
	for (int i = 0; i <= 5; i++) {
		memcg_sample(&s, i * 0.02, 770 + i * 20, 1000);
		og_watch_feed(&w, &s, &v);
	}
	assert_true(v.next_s > 0.025 && v.next_s < 0.05);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
