/* systemd-oomd's victim choice, the pure core (src/oomd_rank.c): the pgscan
 * rate, the owner rule per version (v249, v252, v258), avoid/omit, the
 * memory.current tie-break, the swap rule's 5% threshold, the near-tie test,
 * and the memory.stat parser.  The VM tables are candidate tables that
 * tests/vm/guest/t_50_oomd_predict.sh logged just before systemd-oomd 252
 * killed, with the cgroup oomd really killed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include <errno.h>
#include <string.h>

#include "oomd_rank.h"
#include "util.h"

#define P OG_OOMD_KILL_PRESSURE
#define S OG_OOMD_KILL_SWAP
#define N OG_OOMD_PREF_NONE
#define A OG_OOMD_PREF_AVOID
#define O OG_OOMD_PREF_OMIT
#define U { -1, -1, -1 }

struct row {
	const char *path;
	long long current, pgscan, last_pgscan;
	long long part[OG_OOMD_PARTS - 1]; /* pgscan at 1/4, 2/4, 3/4 of the interval */
	long long swap;
	long owner;
	enum og_oomd_pref pref;
};

static size_t load(struct og_oomd_cand *c, const struct row *r, size_t n)
{
	memset(c, 0, n * sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		snprintf(c[i].path, sizeof(c[i].path), "%s", r[i].path);
		c[i].current = r[i].current;
		c[i].pgscan = r[i].pgscan;
		c[i].last_pgscan = r[i].last_pgscan;
		memcpy(c[i].part_pgscan, r[i].part, sizeof(c[i].part_pgscan));
		c[i].swap_current = r[i].swap;
		c[i].last_current = r[i].current;
		c[i].last_swap = r[i].swap;
		c[i].owner = r[i].owner;
		c[i].pref = r[i].pref;
	}
	return n;
}

static const char *victim(const struct row *rows, size_t n, enum og_oomd_kill kind, int version, long mon_owner,
			  long long swap_total)
{
	static struct og_oomd_cand c[16];
	struct og_oomd_rule r = { .kind = kind, .version = version, .monitored_owner = mon_owner, .swap_total = swap_total };
	size_t k = og_oomd_rank(c, load(c, rows, n), &r);
	return k ? c[0].path : "(none)";
}

static void rate(void **state)
{
	(void)state;
	assert_int_equal(og_oomd_rate(1500, 1000), 500);
	assert_int_equal(og_oomd_rate(1500, -1), 1500);  /* new candidate: last_pgscan 0 */
	assert_int_equal(og_oomd_rate(100, 900), 100);   /* recreated cgroup: last reset to 0 */
	assert_int_equal(og_oomd_rate(-1, 5), 0);
	assert_int_equal(og_oomd_rate(7, 7), 0);
}

/* The rate, not the total, decides: a big old total loses to a fast scanner. */
static void rate_beats_total(void **state)
{
	static const struct row t[] = {
		{ "/s/old-big.service", 300 << 20, 9000000, 8999000, U, 0, 0, N },
		{ "/s/fast.service", 100 << 20, 50000, 20000, U, 0, 0, N },
	};
	(void)state;
	assert_string_equal(victim(t, 2, P, 252, 0, 0), "/s/fast.service");
	/* With a duration under one interval oomd acts on the totals. */
	struct og_oomd_cand c[2];
	struct og_oomd_rule r = { .kind = P, .version = 252, .totals = true };
	og_oomd_rank(c, load(c, t, 2), &r);
	assert_string_equal(c[0].path, "/s/old-big.service");
}

/* Equal rates: memory.current decides; both zero: passed over. */
static void current_breaks_ties(void **state)
{
	static const struct row t[] = {
		{ "/s/small.service", 10 << 20, 500, 400, U, 0, 0, N },
		{ "/s/large.service", 90 << 20, 800, 700, U, 0, 0, N },
		{ "/s/empty.service", 0, 0, 0, U, 0, 0, N },
		{ "/s/unreadable.service", -1, -1, -1, U, -1, 0, N },
	};
	struct og_oomd_cand c[4];
	struct og_oomd_rule r = { .kind = P, .version = 252 };
	(void)state;
	size_t k = og_oomd_rank(c, load(c, t, 4), &r);
	assert_int_equal(k, 2);
	assert_string_equal(c[0].path, "/s/large.service");
	assert_string_equal(c[1].path, "/s/small.service");
}

/* A user's monitored user@1000.service (owner 1000) with a root-owned avoid
 * scope and the user's own omit scope: the rule of each version. */
static void owner_rule_by_version(void **state)
{
	static const struct row t[] = {
		{ "/u/app.slice/omit-fast.scope", 50 << 20, 9000, 1000, U, 0, 1000, O },
		{ "/u/app.slice/avoid-root.scope", 50 << 20, 7000, 1000, U, 0, 0, A },
		{ "/u/app.slice/plain.scope", 50 << 20, 2000, 1000, U, 0, 1000, N },
	};
	(void)state;
	/* 249: only root-owned preferences count: omit ignored, avoid honoured. */
	assert_string_equal(victim(t, 3, P, 249, 1000, 0), "/u/app.slice/omit-fast.scope");
	/* 252: only preferences owned like the monitored cgroup: omit honoured, avoid ignored. */
	assert_string_equal(victim(t, 3, P, 252, 1000, 0), "/u/app.slice/avoid-root.scope");
	/* 253+ (258): both: the plain scope goes first. */
	assert_string_equal(victim(t, 3, P, 258, 1000, 0), "/u/app.slice/plain.scope");
	/* Unknown version: the 253+ rule. */
	assert_string_equal(victim(t, 3, P, 0, 1000, 0), "/u/app.slice/plain.scope");
	/* Only avoid left: an avoid candidate is still killed. */
	assert_string_equal(victim(t + 1, 1, P, 258, 1000, 0), "/u/app.slice/avoid-root.scope");
	/* Only honoured omit left: nothing. */
	assert_string_equal(victim(t, 1, P, 258, 1000, 0), "(none)");
}

/* Swap rule: above 5% of swap only, by swap use; prefix "/" is root's. */
static void swap_rule(void **state)
{
	static const struct row t[] = {
		{ "/s/under5.service", 1 << 20, 0, 0, U, 40 << 20, 0, N },   /* 40 MiB of 1 GiB: 3.9% */
		{ "/s/mid.service", 1 << 20, 0, 0, U, 90 << 20, 0, N },
		{ "/s/most-omit.service", 1 << 20, 0, 0, U, 200 << 20, 0, O },
		{ "/s/most-user-omit.service", 1 << 20, 0, 0, U, 150 << 20, 1000, O },
	};
	(void)state;
	/* The root-owned omit counts in every version; the user's never does for swap. */
	assert_string_equal(victim(t, 4, S, 249, 0, 1LL << 30), "/s/most-user-omit.service");
	assert_string_equal(victim(t, 4, S, 252, 1000, 1LL << 30), "/s/most-user-omit.service");
	assert_string_equal(victim(t, 4, S, 258, 1000, 1LL << 30), "/s/most-user-omit.service");
	assert_string_equal(victim(t, 2, S, 258, 0, 1LL << 30), "/s/mid.service");
	assert_string_equal(victim(t, 1, S, 258, 0, 1LL << 30), "(none)");
}

static void near_tie(void **state)
{
	struct og_oomd_cand c[3];
	struct og_oomd_rule r = { .kind = P, .version = 252 };
	(void)state;
	/* 1000 vs 900 per interval; /a's quarters 400/100/400/100 vary a lot
	 * (stddev of an interval: 2 * 173 = 346), /b's are 225 each: within
	 * twice the spread of the difference. */
	static const struct row close[] = {
		{ "/a", 1, 2000, 1000, { 1400, 1500, 1900 }, 0, 0, N },
		{ "/b", 1, 1900, 1000, { 1225, 1450, 1675 }, 0, 0, N },
	};
	size_t k = og_oomd_rank(c, load(c, close, 2), &r);
	assert_string_equal(c[0].path, "/a");
	assert_int_equal(c[0].spread, 346);
	assert_int_equal(c[1].spread, 0);
	assert_true(og_oomd_near_tie(c, k, &r));
	/* 1000 vs 200 with steady quarters (steps of 250 at most): not a tie. */
	static const struct row apart[] = {
		{ "/a", 1, 2000, 1000, { 1250, 1500, 1750 }, 0, 0, N },
		{ "/b", 1, 1200, 1000, { 1050, 1100, 1150 }, 0, 0, N },
	};
	k = og_oomd_rank(c, load(c, apart, 2), &r);
	assert_int_equal(og_oomd_quantum(c, k), 250);
	assert_false(og_oomd_near_tie(c, k, &r));
	/* The VM's reclaim batches (t_50 run 3, round 7): one candidate scanned
	 * 182 evenly, the other none in our interval, then 357 in oomd's (and
	 * oomd killed it).  A third made one 512-page step: a tie. */
	static const struct row batch[] = {
		{ "/og-t50-7-1", 38313984, 28899, 28717, { 28762, 28808, 28853 }, 0, 0, N },
		{ "/og-t50-7-4", 31875072, 60717, 60717, { 60717, 60717, 60717 }, 0, 0, N },
		{ "/og-t50-7-2", 34328576, 40797, 40285, { 40285, 40797, 40797 }, 0, 0, N },
	};
	k = og_oomd_rank(c, load(c, batch, 3), &r);
	assert_string_equal(c[0].path, "/og-t50-7-2");
	assert_int_equal(og_oomd_quantum(c, k), 512);
	assert_true(og_oomd_near_tie(c, k, &r));
	/* Unknown parts: no spread, only equal rates tie. */
	static const struct row blind[] = {
		{ "/a", 1, 2000, 1000, U, 0, 0, N },
		{ "/b", 1, 1999, 1000, U, 0, 0, N },
	};
	k = og_oomd_rank(c, load(c, blind, 2), &r);
	assert_false(og_oomd_near_tie(c, k, &r));
	/* Both rates 0: memory.current within its own movement. */
	static const struct row idle[] = {
		{ "/a", 100, 50, 50, U, 0, 0, N },
		{ "/b", 100, 70, 70, U, 0, 0, N },
	};
	k = og_oomd_rank(c, load(c, idle, 2), &r);
	assert_true(og_oomd_near_tie(c, k, &r));
	/* Different preference classes never tie. */
	static const struct row cls[] = {
		{ "/a", 1, 2000, 1000, U, 0, 0, N },
		{ "/b", 1, 2000, 1000, U, 0, 0, A },
	};
	k = og_oomd_rank(c, load(c, cls, 2), &r);
	assert_false(og_oomd_near_tie(c, k, &r));
	assert_false(og_oomd_near_tie(c, 1, &r));
}

/* systemd-oomd 252's own inputs at its kill, from its "Considered N cgroups"
 * journal dump in VM rounds of t_50 (Pgscan, Last Pgscan, Current Memory
 * Usage as printed), with the preferences the round set and the cgroup oomd
 * killed: the core must pick what oomd picked from what oomd saw.  All
 * services are root-owned in the root-owned oomguard.slice. */
#define M(x) ((long long)((x) * 1048576))
static void vm_oomd_tables(void **state)
{
	/* Round 2: 2-2 carried omit: absent from oomd's dump (dropped before sorting),
	 * so its figures here are made up, fast enough to win without the omit. */
	static const struct row r2[] = {
		{ "/oomguard.slice/og-t50-2-1.service", M(31.5), 73246, 71530, U, 0, 0, N },
		{ "/oomguard.slice/og-t50-2-2.service", M(18.0), 99000, 90000, U, 0, 0, O },
		{ "/oomguard.slice/og-t50-2-3.service", M(35.5), 70959, 68866, U, 0, 0, N },
		{ "/oomguard.slice/og-t50-2-4.service", M(29.6), 79244, 77837, U, 0, 0, N },
	};
	/* Round 4: 4-3 carried avoid. */
	static const struct row r4[] = {
		{ "/oomguard.slice/og-t50-4-1.service", M(34.9), 76969, 66962, U, 0, 0, N },
		{ "/oomguard.slice/og-t50-4-2.service", M(17.7), 85752, 80441, U, 0, 0, N },
		{ "/oomguard.slice/og-t50-4-3.service", M(33.5), 49493, 49329, U, 0, 0, A },
	};
	/* Round 7: 7-1 (avoid) scanned faster than 7-3 and still sorted last. */
	static const struct row r7[] = {
		{ "/oomguard.slice/og-t50-7-1.service", M(29.7), 75093, 73541, U, 0, 0, A },
		{ "/oomguard.slice/og-t50-7-3.service", M(25.7), 48592, 48253, U, 0, 0, N },
		{ "/oomguard.slice/og-t50-7-4.service", M(19.7), 71540, 69875, U, 0, 0, N },
	};
	/* Round 10: 10-1 had no reclaim in oomd's interval (rate 0). */
	static const struct row r10[] = {
		{ "/oomguard.slice/og-t50-10-1.service", M(31.5), 52841, 52841, U, 0, 0, N },
		{ "/oomguard.slice/og-t50-10-2.service", M(22.1), 34806, 34630, U, 0, 0, N },
		{ "/oomguard.slice/og-t50-10-4.service", M(23.6), 61387, 60620, U, 0, 0, N },
	};
	static const int versions[] = { 249, 252, 258 };
	(void)state;
	for (size_t i = 0; i < OG_ARRAY_LEN(versions); i++) {
		int v = versions[i];
		assert_string_equal(victim(r2, 4, P, v, 0, 0), "/oomguard.slice/og-t50-2-3.service");
		assert_string_equal(victim(r4, 3, P, v, 0, 0), "/oomguard.slice/og-t50-4-1.service");
		assert_string_equal(victim(r7, 3, P, v, 0, 0), "/oomguard.slice/og-t50-7-4.service");
		assert_string_equal(victim(r10, 3, P, v, 0, 0), "/oomguard.slice/og-t50-10-4.service");
	}
	/* oomd's whole order of round 7 (its dump lists 7-4, 7-3, 7-1). */
	struct og_oomd_cand c[3];
	struct og_oomd_rule r = { .kind = P, .version = 252 };
	assert_int_equal(og_oomd_rank(c, load(c, r7, 3), &r), 3);
	assert_string_equal(c[1].path, "/oomguard.slice/og-t50-7-3.service");
	assert_string_equal(c[2].path, "/oomguard.slice/og-t50-7-1.service");
	/* The same table under a user's manager (everything owned by uid 1000):
	 * 249 ignores the avoid (not root-owned), so 7-1 moves ahead of 7-3;
	 * 252 and 258 honour it (owner equals the monitored cgroup's). */
	struct row u7[3];
	memcpy(u7, r7, sizeof(u7));
	for (size_t i = 0; i < 3; i++)
		u7[i].owner = 1000;
	r.monitored_owner = 1000;
	r.version = 249;
	og_oomd_rank(c, load(c, u7, 3), &r);
	assert_string_equal(c[1].path, "/oomguard.slice/og-t50-7-1.service");
	r.version = 258;
	og_oomd_rank(c, load(c, u7, 3), &r);
	assert_string_equal(c[2].path, "/oomguard.slice/og-t50-7-1.service");
	/* And round 2's omit, root-owned under a monitor owned by 1000: 252
	 * ignores it (the LXD regression) and kills the omitted service. */
	struct row u2[4];
	memcpy(u2, r2, sizeof(u2));
	assert_string_equal(victim(u2, 4, P, 252, 1000, 0), "/oomguard.slice/og-t50-2-2.service");
	assert_string_equal(victim(u2, 4, P, 258, 1000, 0), "/oomguard.slice/og-t50-2-3.service");
}

static void memstat(void **state)
{
	long long v = -2;
	(void)state;
	const char *s = "anon 1\npgscan_kswapd 3\npgscan 12345\npgsteal 9\n";
	assert_int_equal(og_memstat_pgscan(s, strlen(s), &v), 0);
	assert_int_equal(v, 12345);
	assert_int_equal(og_memstat_pgscan("pgscan_direct 4\n", 16, &v), -ENOENT);
	assert_int_equal(og_memstat_pgscan("pgscan 12x\n", 11, &v), -EINVAL);
	assert_int_equal(og_memstat_pgscan("pgscan 99999999999999999999\n", 28, &v), -EINVAL);
	assert_int_equal(og_memstat_pgscan("pgscan 7", 8, &v), 0); /* no final newline */
	assert_int_equal(v, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rate),
		cmocka_unit_test(rate_beats_total),
		cmocka_unit_test(current_breaks_ties),
		cmocka_unit_test(owner_rule_by_version),
		cmocka_unit_test(swap_rule),
		cmocka_unit_test(near_tie),
		cmocka_unit_test(vm_oomd_tables),
		cmocka_unit_test(memstat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
