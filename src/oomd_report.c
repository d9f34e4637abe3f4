/* The systemd-oomd part of top and doctor: every cgroup oomd monitors (from
 * its own dump), sampled the way oomd samples it — memory.stat pgscan of each
 * candidate twice, one oomd interval apart, plus reads in between to measure
 * the noise — and ranked by oomd_rank.c into oomd's next victim. */
#include "oomd_report.h"
#include "meminfo.h"
#include "oomd_rank.h"
#include "render.h"
#include "systemd.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CAND_CAP 256

struct mon {
	const struct og_oomd_cg *cg;
	int limit_pm;
	bool have_psi;
	struct og_psi psi;
	struct og_oomd_cand *a, *b; /* first and second sample */
	size_t na, nb, k;           /* k: how many oomd considers (b ordered) */
	ssize_t err;                /* < 0: the walk failed */
	long long pg0, pg1;         /* the monitored cgroup's own pgscan */
	struct og_oomd_rule rule;
	bool near_tie;
	char victim[OG_CG_PATH_MAX]; /* oomd's next victim for this rule ("" none) */
};

struct report {
	struct og_oomd_dump *d;
	char root[OG_CG_PATH_MAX]; /* the cgroup2 mount, "" without one */
	int version;
	struct mon *m;
	long interval_ms; /* measured between the two samples */
};

static void report_free(struct report *R)
{
	if (R->m && R->d)
		for (size_t i = 0; i < R->d->n; i++) {
			free(R->m[i].a);
			free(R->m[i].b);
		}
	free(R->m);
	free(R->d);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int load_dump(struct report *R, char *why, size_t whysz)
{
	char *text = NULL;
	int r;

	if (!(R->d = calloc(1, sizeof(*R->d))) || !(R->m = calloc(OG_OOMD_MAX_CG, sizeof(*R->m)))) {
		snprintf(why, whysz, "out of memory");
		return -ENOMEM;
	}
	if ((r = og_sd_oomd_dump(&text, why, whysz)) < 0 ||
	    (r = og_oomd_parse_dump(text, strlen(text), R->d)) < 0) {
		if (r == -EINVAL)
			snprintf(why, whysz, "its state dump could not be parsed");
		free(text);
		return r;
	}
	free(text);
	struct og_bus *bus = NULL;
	if (og_sd_open(true, &bus) == 0) {
		int v = og_sd_manager_version(bus);
		R->version = v > 0 ? v : 0;
		og_sd_close(bus);
	}
	if (og_cg2_mount("/proc", R->root, sizeof(R->root)) < 0)
		R->root[0] = '\0';
	return 0;
}

static void mon_dir(const struct report *R, const struct mon *m, const char *file, char *dir,
		    size_t sz)
{
	snprintf(dir, sz, "%s%s%s", R->root, strcmp(m->cg->path, "/") ? m->cg->path : "", file);
}

/* One walk of every monitored cgroup into a (first) or b (second). */
static void sample(struct report *R, bool second, long long swap_total)
{
	for (size_t i = 0; i < R->d->n; i++) {
		struct mon *m = &R->m[i];
		struct og_oomd_cand **c = second ? &m->b : &m->a;
		char dir[2200];
		if (!R->root[0])
			m->err = -ENOENT;
		if (m->err < 0)
			continue;
		if (!*c && !(*c = malloc(CAND_CAP * sizeof(**c)))) {
			m->err = -ENOMEM;
			continue;
		}
		ssize_t n = og_oomd_candidates(R->root, m->cg->path, *c, CAND_CAP,
					       &m->rule.monitored_owner);
		if (n < 0) {
			m->err = n;
			continue;
		}
		*(second ? &m->nb : &m->na) = n > CAND_CAP ? CAND_CAP : (size_t)n;
		mon_dir(R, m, "", dir, sizeof(dir));
		*(second ? &m->pg1 : &m->pg0) = og_oomd_read_pgscan(dir);
		if (second) {
			mon_dir(R, m, "/memory.pressure", dir, sizeof(dir));
			m->have_psi = og_read_psi(dir, &m->psi) == 0 && m->psi.full.present;
		}
		m->rule.swap_total = swap_total;
	}
}

static void swap_union(struct report *R);

static void rank(struct report *R)
{
	for (size_t i = 0; i < R->d->n; i++) {
		struct mon *m = &R->m[i];
		const struct og_oomd_cg *cg = m->cg;
		unsigned long long dur =
			cg->duration_usec ? cg->duration_usec : R->d->default_duration_usec;
		m->rule.kind = cg->kind;
		m->rule.version = R->version;
		m->rule.totals = cg->kind == OG_OOMD_KILL_PRESSURE && dur > 0 &&
				 dur < OG_OOMD_INTERVAL_MS * 1000ULL;
		m->limit_pm = cg->kind == OG_OOMD_KILL_PRESSURE
				      ? (cg->limit_pm >= 0 ? cg->limit_pm
							   : R->d->default_pressure_limit_pm)
				      : R->d->swap_limit_pm;
		if (m->err < 0 || !m->b)
			continue;
		og_oomd_join(m->b, m->nb, m->a, m->na);
		m->k = og_oomd_rank(m->b, m->nb, &m->rule);
		m->near_tie = og_oomd_near_tie(m->b, m->k, &m->rule);
		snprintf(m->victim, sizeof(m->victim), "%s", m->k ? m->b[0].path : "");
	}
	swap_union(R);
}

/* The swap rule ranks the candidates of every swap-monitored cgroup together
 * (monitor_swap_contexts_handler() gathers them all, then
 * oomd_kill_by_swap_usage() sorts them without a prefix): its one victim is
 * the top of the union, whichever monitor lists it. */
static void swap_union(struct report *R)
{
	struct og_oomd_cand *u = NULL;
	size_t n = 0, cap = 0;
	struct og_oomd_rule rule = { 0 };
	for (size_t i = 0; i < R->d->n; i++) {
		struct mon *m = &R->m[i];
		if (m->cg->kind != OG_OOMD_KILL_SWAP || m->err < 0 || !m->b)
			continue;
		rule = m->rule;
		for (size_t j = 0; j < m->k; j++) {
			size_t x = 0;
			while (x < n && strcmp(u[x].path, m->b[j].path))
				x++;
			if (x < n)
				continue;
			if (n == cap) {
				struct og_oomd_cand *t =
					realloc(u, (cap = cap ? cap * 2 : 64) * sizeof(*u));
				if (!t) {
					free(u);
					return;
				}
				u = t;
			}
			u[n++] = m->b[j];
		}
	}
	size_t k = n ? og_oomd_rank(u, n, &rule) : 0;
	bool tie = og_oomd_near_tie(u, k, &rule);
	for (size_t i = 0; i < R->d->n; i++) {
		struct mon *m = &R->m[i];
		if (m->cg->kind != OG_OOMD_KILL_SWAP || m->err < 0)
			continue;
		snprintf(m->victim, sizeof(m->victim), "%s", k ? u[0].path : "");
		m->near_tie = tie;
	}
	free(u);
}

/* First sample, the pgscan of the parts, the second sample one interval later. */
static void sample_all(struct report *R, long long swap_total)
{
	long long t0 = now_ms();
	if (!R->d->n)
		return;
	sample(R, false, swap_total);
	for (size_t p = 1; p <= OG_OOMD_PARTS; p++) {
		long long left = (long long)OG_OOMD_INTERVAL_MS * (long long)p / OG_OOMD_PARTS -
				 (now_ms() - t0);
		if (left > 0)
			sleep_ms((long)left);
		if (p == OG_OOMD_PARTS)
			break;
		for (size_t i = 0; i < R->d->n; i++)
			if (R->m[i].a && R->m[i].err >= 0)
				og_oomd_sample_part(R->root, R->m[i].a, R->m[i].na, p - 1);
	}
	R->interval_ms = (long)(now_ms() - t0);
	sample(R, true, swap_total);
	rank(R);
}

static const char *kind_name(enum og_oomd_kill k)
{
	return k == OG_OOMD_KILL_SWAP ? "swap" : "pressure";
}

static const char *reclaim_word(const struct mon *m)
{
	if (m->pg0 < 0 || m->pg1 < 0)
		return "unknown";
	return m->pg1 > m->pg0 ? "yes" : "no";
}

static void json_cand(FILE *f, const struct og_oomd_cand *c, bool first)
{
	fprintf(f, "%s{\"cgroup\":", first ? "" : ",");
	og_json_str(f, c->path);
	fprintf(f,
		",\"memory_current\":%lld,\"pgscan\":%lld,\"last_pgscan\":%lld,\"pgscan_rate\":%lld,\"rate_stddev\":%lld,"
		"\"swap_current\":%lld,\"owner\":%ld,\"preference\":\"%s\",\"honoured\":%s}",
		c->current, c->pgscan, c->last_pgscan, c->rate, c->spread, c->swap_current,
		c->owner, og_oomd_pref_name(c->pref), c->honoured ? "true" : "false");
}

static void json_mon(FILE *f, const struct report *R, const struct mon *m, bool first)
{
	fprintf(f, "%s{\"cgroup\":", first ? "" : ",");
	og_json_str(f, m->cg->path);
	fprintf(f, ",\"rule\":\"%s\",\"limit_permyriad\":%d,\"pressure_full_avg10\":",
		kind_name(m->cg->kind), m->limit_pm);
	if (m->have_psi)
		fprintf(f, "%.2f", m->psi.full.avg10);
	else
		fputs("null", f);
	fprintf(f,
		",\"ranking\":\"%s\",\"sample_interval_ms\":%ld,\"systemd_version\":%d,\"monitored_owner\":%ld,"
		"\"reclaim_in_sample\":",
		m->cg->kind == OG_OOMD_KILL_SWAP ? "swap_current"
		: m->rule.totals                 ? "pgscan_total"
						 : "pgscan_rate",
		R->interval_ms, R->version, m->rule.monitored_owner);
	if (m->pg0 < 0 || m->pg1 < 0)
		fputs("null", f);
	else
		fputs(m->pg1 > m->pg0 ? "true" : "false", f);
	fputs(",\"next_victim\":", f);
	if (m->victim[0])
		og_json_str(f, m->victim);
	else
		fputs("null", f);
	fprintf(f, ",\"near_tie\":%s,\"candidates\":[", m->near_tie ? "true" : "false");
	for (size_t j = 0; j < m->k; j++)
		json_cand(f, &m->b[j], j == 0);
	fputs("]}", f);
}

static void text_cand(FILE *f, const char *indent, size_t j, const struct og_oomd_cand *c,
		      enum og_oomd_kill kind)
{
	char pp[4 * OG_CG_PATH_MAX], a[32], s[32];
	og_esc(c->path, pp, sizeof(pp));
	og_fmt_kib((unsigned long long)(c->current > 0 ? c->current : 0) / 1024, a, sizeof(a));
	if (kind == OG_OOMD_KILL_SWAP)
		fprintf(f, "%s  %zu. %s  swap %s, current %s", indent, j + 1, pp,
			og_fmt_kib((unsigned long long)(c->swap_current > 0 ? c->swap_current : 0) /
					   1024,
				   s, sizeof(s)),
			a);
	else
		fprintf(f, "%s  %zu. %s  pgscan rate %lld (total %lld), current %s", indent, j + 1,
			pp, c->rate, c->pgscan, a);
	if (c->pref != OG_OOMD_PREF_NONE)
		fprintf(f, ", preference %s (%s)", og_oomd_pref_name(c->pref),
			c->honoured ? "honoured" : "ignored: owner rule");
	fputc('\n', f);
}

static void text_mon(FILE *f, const struct report *R, const struct mon *m, const char *indent)
{
	char esc[4 * OG_CG_PATH_MAX], v[4 * OG_CG_PATH_MAX];
	og_esc(m->cg->path, esc, sizeof(esc));
	fprintf(f, "%s%s: %s kill at %d.%02d%%", indent, esc, kind_name(m->cg->kind),
		m->limit_pm / 100, m->limit_pm % 100);
	if (m->have_psi)
		fprintf(f, ", full avg10 now %.2f%%", m->psi.full.avg10);
	if (m->cg->kind == OG_OOMD_KILL_SWAP)
		fprintf(f, "; %zu candidate(s) above 5%% of swap, by swap use\n", m->k);
	else
		fprintf(f,
			"; reclaim in the sample: %s; %zu candidate(s) by pgscan %s over a %ld.%02ld s sample (oomd's interval: 1 s), then memory.current\n",
			reclaim_word(m), m->k,
			m->rule.totals
				? "total (oomd acts before its second sample: duration < 1 s)"
				: "rate",
			R->interval_ms / 1000, R->interval_ms % 1000 / 10);
	if (m->err < 0) {
		fprintf(f, "%s  candidates unknown: %s\n", indent, strerror((int)-m->err));
		return;
	}
	if (m->victim[0])
		fprintf(f, "%s  next victim: %s%s%s\n", indent, og_esc(m->victim, v, sizeof(v)),
			m->cg->kind == OG_OOMD_KILL_SWAP
				? " (of every swap-monitored cgroup together)"
				: "",
			m->near_tie ? " (near tie with the second: within the sampling error)"
				    : "");
	for (size_t j = 0; j < m->k && j < 3; j++)
		text_cand(f, indent, j, &m->b[j], m->cg->kind);
}

int og_oomd_report(FILE *f, bool json, const char *indent, long long swap_total_bytes, char *why,
		   size_t whysz)
{
	struct report R = { 0 };
	int r = load_dump(&R, why, whysz);
	if (r < 0) {
		report_free(&R);
		return r;
	}
	for (size_t i = 0; i < R.d->n; i++)
		R.m[i].cg = &R.d->cg[i];
	sample_all(&R, swap_total_bytes);
	if (json)
		fputc('[', f);
	for (size_t i = 0; i < R.d->n; i++) {
		if (json)
			json_mon(f, &R, &R.m[i], i == 0);
		else
			text_mon(f, &R, &R.m[i], indent);
	}
	if (json)
		fputc(']', f);
	report_free(&R);
	return 0;
}
