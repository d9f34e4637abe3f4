/* systemd-oomd pure logic: the preference rule table of
 * systemd.resource-control(5) ManagedOOMPreference= by version (systemd's
 * src/oom/oomd-util.c), the dump parser, and the read-back line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "oomd_rule.h"
#include "util.h"

#define P OG_OOMD_KILL_PRESSURE
#define S OG_OOMD_KILL_SWAP

static void rule_table(void **state)
{
	static const struct {
		int ver;
		long cg, anc;
		enum og_oomd_kill kind;
		bool honoured;
	} rows[] = {
		/* 247 and older know no ManagedOOMPreference at all. */
		{ 247, 0, 0, P, false },
		/* 248-251: root-owned candidates only, both rules. */
		{ 248, 0, 1000, P, true },
		{ 249, 0, 0, P, true },
		{ 249, 1000, 1000, P, false }, /* Ubuntu 22.04: the user's own scope under user@1000 */
		{ 249, 0, 0, S, true },
		{ 251, 1000, 0, S, false },
		/* 252: owner must equal the monitored ancestor's owner. */
		{ 252, 1000, 1000, P, true },
		{ 252, 0, 1000, P, false },   /* the LXD regression: root-owned under a user's monitor */
		{ 252, 0, 0, P, true },
		{ 252, 1000, 0, P, false },
		{ 252, 0, 1000, S, true },    /* swap: prefix "/" is root's */
		{ 252, 1000, 1000, S, false },
		/* 253+: root-owned, or owner equals the ancestor's. */
		{ 253, 0, 1000, P, true },
		{ 253, 1000, 1000, P, true },
		{ 253, 1000, 0, P, false },
		{ 253, 1001, 1000, P, false },
		{ 256, 1000, 1000, S, false },
		{ 256, 0, 1000, S, true },
		/* Unknown owner or version never counts as honoured. */
		{ 252, -1, -1, P, false },
		{ 0, 0, 0, P, false },
	};
	char why[256];
	(void)state;
	for (size_t i = 0; i < OG_ARRAY_LEN(rows); i++) {
		bool h = og_oomd_pref_honoured(rows[i].ver, rows[i].cg, rows[i].anc, rows[i].kind, why, sizeof(why));
		if (h != rows[i].honoured)
			fail_msg("row %zu: systemd %d cg uid %ld anc uid %ld %s: got %d (%s)", i, rows[i].ver, rows[i].cg,
				 rows[i].anc, rows[i].kind == S ? "swap" : "pressure", h, why);
		if (rows[i].ver >= 248)
			assert_non_null(strstr(why, h ? ": honoured" : ": ignored"));
	}
	/* No buffer for the reason is fine. */
	assert_true(og_oomd_pref_honoured(252, 0, 0, P, NULL, 0));
}

static void version_strings(void **state)
{
	static const struct {
		const char *s;
		int v;
	} ok[] = {
		{ "252.39-1~deb12u1", 252 }, { "252 (252.39-1~deb12u1)", 252 }, { "v256", 256 },
		{ "systemd 249 (249.11-0ubuntu3.12)", 249 }, { "258~rc2", 258 }, { "247", 247 },
	};
	static const char *bad[] = { "", "abc", "252abc", "-1", "0", "systemd", "99999999999" };
	(void)state;
	for (size_t i = 0; i < OG_ARRAY_LEN(ok); i++)
		assert_int_equal(og_systemd_version_parse(ok[i].s, strlen(ok[i].s)), ok[i].v);
	for (size_t i = 0; i < OG_ARRAY_LEN(bad); i++)
		assert_int_equal(og_systemd_version_parse(bad[i], strlen(bad[i])), -EINVAL);
	/* Length-bounded: no NUL needed, nothing read past len. */
	assert_int_equal(og_systemd_version_parse("2529", 3), 252);
}

/* The fixture is read with stdio, not util's og_read_at: this test links the
 * pure cores alone (PURE_SRC in the Makefile), where the readers are hidden. */
static size_t load(const char *name, char *buf, size_t sz)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/oomd/%s", FIXTURES, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sz - 1, f);
	assert_true(n > 0 && n < sz - 1 && !ferror(f));
	fclose(f);
	buf[n] = '\0';
	return n;
}

static void dump_ubuntu_2204(void **state)
{
	static struct og_oomd_dump d;
	char buf[8192];
	size_t n = load("dump-v249-ubuntu.txt", buf, sizeof(buf));
	(void)state;
	assert_int_equal(og_oomd_parse_dump(buf, n, &d), 0);
	assert_int_equal(d.dry_run, 0);
	assert_int_equal(d.swap_limit_pm, 9000);
	assert_int_equal(d.default_pressure_limit_pm, 6000);
	assert_int_equal(d.default_duration_usec, 20000000ULL);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.cg[0].kind, S);
	assert_string_equal(d.cg[0].path, "/");
	assert_int_equal(d.cg[0].limit_pm, -1);
	assert_int_equal(d.cg[1].kind, P);
	assert_string_equal(d.cg[1].path, "/user.slice/user-1000.slice/user@1000.service");
	assert_int_equal(d.cg[1].limit_pm, 5000);
	assert_false(d.truncated);
}

static void dump_newer_format(void **state)
{
	static struct og_oomd_dump d;
	char buf[8192];
	size_t n = load("dump-v258-fedora.txt", buf, sizeof(buf));
	(void)state;
	assert_int_equal(og_oomd_parse_dump(buf, n, &d), 0);
	assert_int_equal(d.n, 2); /* an empty swap section adds nothing */
	assert_string_equal(d.cg[1].path, "/user.slice/user-1000.slice/user@1000.service/app.slice");
	assert_int_equal(d.cg[1].limit_pm, 8000);
	assert_int_equal(d.cg[1].duration_usec, 90000000ULL);
	assert_int_equal(d.cg[0].duration_usec, 20000000ULL);
}

static void dump_rejects_other_text(void **state)
{
	static struct og_oomd_dump d;
	static const char junk[] = "Failed to connect to bus: No such file or directory\n";
	static const char relative[] = "Dry Run: yes\nMemory Pressure Monitored CGroups:\n\tPath: relative\n\tPath: /ok\n";
	(void)state;
	assert_int_equal(og_oomd_parse_dump(junk, sizeof(junk) - 1, &d), -EINVAL);
	assert_int_equal(og_oomd_parse_dump("", 0, &d), -EINVAL);
	assert_int_equal(og_oomd_parse_dump(relative, sizeof(relative) - 1, &d), 0);
	assert_int_equal(d.dry_run, 1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.cg[0].path, "/ok");
	assert_true(d.truncated); /* the relative path was dropped, and said so */
}

static void cgroup_containment(void **state)
{
	(void)state;
	assert_true(og_cg_is_under("/", "/a/b"));
	assert_true(og_cg_is_under("/a", "/a/b"));
	assert_true(og_cg_is_under("/a/", "/a/b"));
	assert_true(og_cg_is_under("/a/b", "/a/b"));
	assert_false(og_cg_is_under("/a/b", "/a/bc"));
	assert_false(og_cg_is_under("/a/b", "/a"));
	assert_false(og_cg_is_under("/user.slice/user-1000.slice/user@1000.service", "/oomguard.slice/oomguard-1.scope"));
}

static const struct og_oomd_anc user_monitor = {
	"/user.slice/user-1000.slice/user@1000.service", 1000, P, 5000,
};

static void judge_root_scope_protected(void **state)
{
	char line[2048];
	struct og_oomd_state s = {
		.running = true, .version = 252, .route = "system bus, root-owned oomguard-7.scope in oomguard.slice",
		.cgroup = "/oomguard.slice/oomguard-7.scope", .owner = 0, .have = OG_OOMD_PREF_OMIT, .leaf = true,
	};
	(void)state;
	assert_int_equal(og_oomd_judge(&s, OG_OOMD_PREF_OMIT, line, sizeof(line)), OG_OOMD_PROTECTED);
	assert_string_equal(line, "systemd-oomd: protected (user.oomd_omit on /oomguard.slice/oomguard-7.scope: never a "
				  "candidate; no cgroup systemd-oomd monitors contains it; rule: systemd 252 honours it "
				  "when the cgroup's owner equals the monitored cgroup's; swap kills: root-owned only; "
				  "cgroup owner uid 0, leaf; systemd 252; route: system bus, root-owned oomguard-7.scope "
				  "in oomguard.slice)");
}

static void judge_ubuntu_2204_user_scope_exposed(void **state)
{
	char line[2048];
	struct og_oomd_state s = {
		.running = true, .version = 249, .route = "user bus, uid 1000's own oomguard-7.scope",
		.cgroup = "/user.slice/user-1000.slice/user@1000.service/oomguard.slice/oomguard-7.scope", .owner = 1000,
		.have = OG_OOMD_PREF_OMIT, .leaf = true, .nanc = 1, .anc = &user_monitor,
	};
	(void)state;
	/* Even with the xattr present, 249 ignores a uid-1000 cgroup. */
	assert_int_equal(og_oomd_judge(&s, OG_OOMD_PREF_OMIT, line, sizeof(line)), OG_OOMD_EXPOSED);
	assert_string_equal(line, "systemd-oomd: EXPOSED (pressure kills under /user.slice/user-1000.slice/user@1000.service; "
				  "rule: systemd 249 (248-251): honoured only on root-owned cgroups (owner uid 1000): "
				  "ignored; cgroup owner uid 1000, leaf; monitored: "
				  "/user.slice/user-1000.slice/user@1000.service (pressure > 50.00%, owner uid 1000: "
				  "ignored); a root-owned scope (sudo oomguard run, or sudo oomguard protect --scope) "
				  "would count; systemd 249; route: user bus, uid 1000's own oomguard-7.scope)");
	/* The same on 252: honoured, since owner == monitored owner. */
	s.version = 252;
	assert_int_equal(og_oomd_judge(&s, OG_OOMD_PREF_OMIT, line, sizeof(line)), OG_OOMD_PROTECTED);
	assert_non_null(strstr(line, "rule: systemd 252: honoured only when the cgroup's owner equals"));
	assert_non_null(strstr(line, "route: user bus"));
	assert_non_null(strstr(line, "owner uid 1000: honoured)"));
}

static void judge_exposures(void **state)
{
	char line[2048];
	struct og_oomd_anc both[2] = { { "/", 0, S, 9000 }, user_monitor };
	struct og_oomd_state s = {
		.running = true, .version = 253, .cgroup = "/user.slice/user-1000.slice/user@1000.service/a.scope",
		.owner = 1000, .have = OG_OOMD_PREF_OMIT, .leaf = true, .nanc = 2, .anc = both,
	};
	(void)state;
	/* Swap-monitored root: a user-owned cgroup's preference is ignored. */
	assert_int_equal(og_oomd_judge(&s, OG_OOMD_PREF_OMIT, line, sizeof(line)), OG_OOMD_EXPOSED);
	assert_non_null(strstr(line, "swap kills under /"));
	/* Not a leaf: the children are the candidates. */
	s.nanc = 1;
	s.anc = &user_monitor;
	s.leaf = false;
	assert_int_equal(og_oomd_judge(&s, OG_OOMD_PREF_OMIT, line, sizeof(line)), OG_OOMD_EXPOSED);
	assert_non_null(strstr(line, "has sub-cgroups"));
	assert_non_null(strstr(line, "NOT a leaf"));
	/* memory.oom.group=1 makes it a candidate again. */
	s.oom_group = true;
	assert_int_equal(og_oomd_judge(&s, OG_OOMD_PREF_OMIT, line, sizeof(line)), OG_OOMD_PROTECTED);
	/* The xattr did not land: never claim it. */
	s.leaf = true;
	s.have = OG_OOMD_PREF_NONE;
	assert_int_equal(og_oomd_judge(&s, OG_OOMD_PREF_OMIT, line, sizeof(line)), OG_OOMD_EXPOSED);
	assert_non_null(strstr(line, "no preference is set on it"));
	assert_non_null(strstr(line, "asked for omit, read back none"));
	/* avoid is reported as what it is. */
	s.have = OG_OOMD_PREF_AVOID;
	assert_int_equal(og_oomd_judge(&s, OG_OOMD_PREF_AVOID, line, sizeof(line)), OG_OOMD_PROTECTED);
	assert_non_null(strstr(line, "killed only after every other candidate"));
	/* Unknown version: no rule, no claim. */
	s.version = 0;
	assert_int_equal(og_oomd_judge(&s, OG_OOMD_PREF_AVOID, line, sizeof(line)), OG_OOMD_EXPOSED);
	/* Unknown cgroup. */
	s.cgroup = NULL;
	assert_int_equal(og_oomd_judge(&s, OG_OOMD_PREF_AVOID, line, sizeof(line)), OG_OOMD_EXPOSED);
}

static void judge_not_running_and_escaping(void **state)
{
	char line[2048], tiny[24];
	struct og_oomd_state s = { .running = false };
	(void)state;
	assert_int_equal(og_oomd_judge(&s, OG_OOMD_PREF_OMIT, line, sizeof(line)), OG_OOMD_NOT_RUNNING);
	assert_string_equal(line, "systemd-oomd: not running");
	s.not_running_why = "no system bus";
	og_oomd_judge(&s, OG_OOMD_PREF_OMIT, line, sizeof(line));
	assert_string_equal(line, "systemd-oomd: not running (no system bus)");
	/* A cgroup name carrying a terminal escape is shown escaped. */
	struct og_oomd_state e = { .running = true, .version = 252, .cgroup = "/evil\033[2J.scope", .owner = 0,
				   .have = OG_OOMD_PREF_OMIT, .leaf = true };
	og_oomd_judge(&e, OG_OOMD_PREF_OMIT, line, sizeof(line));
	assert_null(strchr(line, '\033'));
	assert_non_null(strstr(line, "/evil\\x1b[2J.scope"));
	/* Truncation is safe and terminated. */
	og_oomd_judge(&e, OG_OOMD_PREF_OMIT, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

static void pref_names(void **state)
{
	enum og_oomd_pref p = OG_OOMD_PREF_NONE;
	(void)state;
	assert_int_equal(og_oomd_pref_parse("omit", &p), 0);
	assert_int_equal(p, OG_OOMD_PREF_OMIT);
	assert_int_equal(og_oomd_pref_parse("avoid", &p), 0);
	assert_int_equal(p, OG_OOMD_PREF_AVOID);
	assert_int_equal(og_oomd_pref_parse("none", &p), 0);
	assert_int_equal(p, OG_OOMD_PREF_NONE);
	assert_int_equal(og_oomd_pref_parse("Omit", &p), -EINVAL);
	assert_int_equal(og_oomd_pref_parse("", &p), -EINVAL);
	assert_string_equal(og_oomd_pref_name(OG_OOMD_PREF_AVOID), "avoid");
}

/* why's advice and run's read-back apply one rule: the advice names the
 * unprivileged `oomguard run` exactly where og_oomd_pref_honoured honours a
 * user-owned scope under that user's manager, for each version and kind. */
static void advice_follows_rule_table(void **state)
{
	(void)state;
	const char *cg = "/user.slice/user-1000.slice/user@1000.service/app.slice/job.scope";
	const char *mon = "/user.slice/user-1000.slice/user@1000.service";
	char buf[1024];
	for (int v = 248; v <= 262; v++)
		for (int k = 0; k < 2; k++) {
			enum og_oomd_kill kind = k ? OG_OOMD_KILL_SWAP : OG_OOMD_KILL_PRESSURE;
			char why[256];
			bool user_ok = og_oomd_pref_honoured(v, 1000, 1000, kind, why, sizeof(why));
			og_oomd_advice(v, true, kind, cg, k ? "/" : mon, buf, sizeof(buf));
			bool says_user = strncmp(buf, "start the job with `oomguard run`", 33) == 0;
			bool says_sudo = strncmp(buf, "start the job with `sudo oomguard run`", 38) == 0;
			if (says_user != user_ok || says_sudo == user_ok)
				fail_msg("systemd %d %s: rule says %s, advice: %s", v, k ? "swap" : "pressure",
					 user_ok ? "honoured" : "ignored", buf);
		}
	/* Unknown kind (only the manager's line): never the user scope. */
	og_oomd_advice(253, false, OG_OOMD_KILL_PRESSURE, cg, "", buf, sizeof(buf));
	assert_non_null(strstr(buf, "`sudo oomguard run`"));
	assert_non_null(strstr(buf, "swap kill"));
	/* Unknown version: says what depends on it. */
	og_oomd_advice(0, true, OG_OOMD_KILL_PRESSURE, cg, mon, buf, sizeof(buf));
	assert_non_null(strstr(buf, "248-251"));
	assert_non_null(strstr(buf, "does not show the version"));
	og_oomd_advice(0, true, OG_OOMD_KILL_SWAP, cg, "/", buf, sizeof(buf));
	assert_null(strstr(buf, "does not show the version"));
	/* Monitored at the root-owned /user.slice: 252+ ignores the user's scope too. */
	og_oomd_advice(253, true, OG_OOMD_KILL_PRESSURE, cg, "/user.slice", buf, sizeof(buf));
	assert_non_null(strstr(buf, "`sudo oomguard run`"));
	/* A uid of ten digits is a user too (uid_t is 32 bits): the old digit
	 * loop stopped at nine and took user@4000000000.service for a system unit. */
	og_oomd_advice(253, true, OG_OOMD_KILL_PRESSURE,
		       "/user.slice/user-4000000000.slice/user@4000000000.service/app.slice/job.scope",
		       "/user.slice/user-4000000000.slice/user@4000000000.service", buf, sizeof(buf));
	assert_int_equal(strncmp(buf, "start the job with `oomguard run`", 33), 0);
	og_oomd_advice(253, true, OG_OOMD_KILL_PRESSURE, "/user.slice/user@4294967295.service/job.scope",
		       "/user.slice/user@4294967295.service", buf, sizeof(buf));
	assert_non_null(strstr(buf, "or set ManagedOOMPreference=omit on its unit")); /* (uid_t)-1: nobody */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rule_table),
		cmocka_unit_test(version_strings),
		cmocka_unit_test(dump_ubuntu_2204),
		cmocka_unit_test(dump_newer_format),
		cmocka_unit_test(dump_rejects_other_text),
		cmocka_unit_test(cgroup_containment),
		cmocka_unit_test(judge_root_scope_protected),
		cmocka_unit_test(judge_ubuntu_2204_user_scope_exposed),
		cmocka_unit_test(judge_exposures),
		cmocka_unit_test(judge_not_running_and_escaping),
		cmocka_unit_test(pref_names),
		cmocka_unit_test(advice_follows_rule_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
