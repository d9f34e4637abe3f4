#include "topview.h"
#include "killerjson.h"
#include "oomd_report.h"
#include "render.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int og_model_build(struct og_model *m, const char *procfs, unsigned scanflags)
{
	int r;

	memset(m, 0, sizeof(*m));
	m->procfs = procfs;
	m->nh_victim = -1;
	long ps = sysconf(_SC_PAGESIZE);
	m->page_kib = ps > 1024 ? ps / 1024 : 4;
	if ((r = og_read_meminfo(procfs, &m->mi)) < 0)
		return r;
	if ((r = og_task_scan(procfs, scanflags, &m->ts)) < 0)
		return r;
	unsigned long long tp =
		og_totalpages_global(m->mi.mem_total, m->mi.swap_total, m->page_kib);
	if ((r = og_rank_build(&m->ts, NULL, 0, tp, m->page_kib, &m->global)) < 0)
		return r;
	og_rank_ties_by_start(&m->global, &m->ts, procfs, 64);
	og_killers_detect(procfs, "", &m->ts, &m->k);
	ssize_t nl = og_memcg_limited(procfs, m->lim, OG_MAX_LIMITED);
	for (ssize_t i = 0; i < nl; i++) {
		size_t *mem = NULL;
		unsigned long long ctp;
		ssize_t n = og_memcg_members(m->lim[i].cg.dir, &m->ts, &mem);
		if (n < 0 || og_memcg_totalpages(procfs, &m->lim[i].cg, &m->lim[i].m,
						 m->mi.swap_total, m->page_kib, &ctp) < 0) {
			free(mem);
			continue;
		}
		if (og_rank_build(&m->ts, mem, (size_t)n, ctp, m->page_kib, &m->limrank[m->nlim]) ==
		    0) {
			og_rank_ties_by_start(&m->limrank[m->nlim], &m->ts, procfs, 64);
			if (m->nlim != (size_t)i)
				m->lim[m->nlim] = m->lim[i];
			m->nlim++;
		}
		free(mem);
	}
	for (size_t i = 0; i < m->k.n_earlyoom; i++) {
		struct og_earlyoom *e = &m->k.eo[i];
		e->victim = og_earlyoom_victim(&e->o, &m->ts, &m->global, e->pid, &e->score,
					       &e->bad_re);
	}
	if (m->k.nohang_pid)
		m->nh_victim = og_nohang_victim(&m->k.nohang, &m->ts, &m->global, m->k.nohang_pid,
						&m->nh_score);
	return 0;
}

void og_model_free(struct og_model *m)
{
	for (size_t i = 0; i < m->nlim; i++)
		og_rankset_free(&m->limrank[i]);
	og_rankset_free(&m->global);
	og_taskset_free(&m->ts);
}

static const char *esc(const char *s, char *buf, size_t sz)
{
	return og_esc(s, buf, sz);
}

/* A label wider than its column (a long cgroup path) goes on a line of its
 * own, so the values of every killer stay in one column. */
#define OG_LABEL_W 34
static void label_col(FILE *f, const char *label)
{
	if (strlen(label) > OG_LABEL_W)
		fprintf(f, "  %s\n  %-*s ", label, OG_LABEL_W, "");
	else
		fprintf(f, "  %-*s ", OG_LABEL_W, label);
}

static void victim_line(FILE *f, const struct og_model *m, const char *label, long ti,
			const char *extra)
{
	char e[4 * OG_COMM_MAX + 1];
	label_col(f, label);
	if (ti < 0) {
		fprintf(f, "nobody eligible%s\n", extra);
		return;
	}
	const struct og_task *t = &m->ts.v[ti];
	fprintf(f, "%7d %-16s%s\n", (int)t->pid, esc(t->comm, e, sizeof(e)), extra);
}

/* The kernel's next victims: the global OOM's, and each limited memory cgroup's. */
static void victims_kernel(const struct og_model *m, FILE *f, bool skip_empty)
{
	char label[256], extra[256], a[32];
	size_t empty = 0;

	long gv = og_rank_victim(&m->global);
	if (gv >= 0) {
		const struct og_badness *bb = &m->global.b[gv];
		snprintf(extra, sizeof(extra), "  points %lld, oom_score %ld", bb->points,
			 og_oom_score(bb, m->global.totalpages));
	} else {
		extra[0] = '\0';
	}
	if (m->k.vm.panic_on_oom == 1 || m->k.vm.panic_on_oom == 2)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 "  (panic_on_oom=%ld: the machine panics instead)", m->k.vm.panic_on_oom);
	else if (m->k.vm.oom_kill_allocating_task > 0)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 "  (oom_kill_allocating_task=1: the allocating task dies instead)");
	victim_line(f, m, "kernel, global OOM", gv, extra);
	for (size_t i = 0; i < m->nlim; i++) {
		const struct og_rankset *r = &m->limrank[i];
		char p[96];
		long v = og_rank_victim(r);
		if (skip_empty && r->n == 0) {
			empty++;
			continue;
		}
		snprintf(label, sizeof(label), "kernel, memcg v%d %s", m->lim[i].cg.version,
			 esc(m->lim[i].cg.path, p, sizeof(p)));
		snprintf(extra, sizeof(extra), "  limit %s, %zu tasks, totalpages %llu",
			 og_fmt_kib((unsigned long long)m->lim[i].m.limit / 1024, a, sizeof(a)),
			 r->n, r->totalpages);
		if (v >= 0)
			snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
				 ", points %lld", r->b[r->order[0]].points);
		victim_line(f, m, label, v, extra);
	}
	if (empty)
		fprintf(f, "  %-*s %zu more, with no tasks\n", OG_LABEL_W,
			"kernel, memcg (limited)", empty);
}

/* systemd-oomd's monitors, earlyoom's and nohang's picks. */
static void victims_daemons(const struct og_model *m, FILE *f)
{
	char label[256], extra[256];

	if (m->k.oomd_pid) {
		snprintf(label, sizeof(label), "systemd-oomd (pid %d)", (int)m->k.oomd_pid);
		fprintf(f,
			"  %-34s kills whole cgroups under monitored units; pressure limit %d.%02d%% for %llus, swap limit %d.%02d%%\n",
			label, m->k.oomd.pressure_limit_pm / 100, m->k.oomd.pressure_limit_pm % 100,
			m->k.oomd.duration_usec / 1000000ULL, m->k.oomd.swap_used_limit_pm / 100,
			m->k.oomd.swap_used_limit_pm % 100);
		char why[256];
		if (og_oomd_report(f, false, "    ", m->mi.swap_total * 1024, why, sizeof(why)) < 0)
			fprintf(f, "    monitored cgroups unknown: %s\n", why);
	} else {
		fprintf(f, "  %-34s not running\n", "systemd-oomd");
	}
	for (size_t i = 0; i < m->k.n_earlyoom; i++) {
		const struct og_earlyoom *e = &m->k.eo[i];
		double mt, mk, st, sk;
		og_earlyoom_effective(&e->o, &m->mi, &mt, &mk, &st, &sk);
		snprintf(label, sizeof(label), "earlyoom (pid %d)", (int)e->pid);
		if (e->bad_re)
			snprintf(extra, sizeof(extra),
				 "  (a --prefer/--avoid/--ignore regex does not compile)");
		else
			snprintf(
				extra, sizeof(extra),
				"  score %ld; acts at MemAvailable <= %.1f%% and SwapFree <= %.1f%%",
				e->score, mt, st);
		victim_line(f, m, label, e->victim, extra);
	}
	if (!m->k.n_earlyoom) {
		fprintf(f, "  %-34s not running\n", "earlyoom");
	}
	if (m->k.nohang_pid) {
		snprintf(label, sizeof(label), "nohang (pid %d)", (int)m->k.nohang_pid);
		snprintf(extra, sizeof(extra), "  badness %ld%s", m->nh_score,
			 m->k.nohang_conf_read ? "" : " (config not readable: defaults)");
		victim_line(f, m, label, m->nh_victim, extra);
	} else {
		fprintf(f, "  %-34s not running\n", "nohang");
	}
}

void og_model_print_victims(const struct og_model *m, FILE *f, bool skip_empty)
{
	fprintf(f, "Next victim per armed killer:\n");
	victims_kernel(m, f, skip_empty);
	victims_daemons(m, f);
}

/* ---- the table ---- */

struct row {
	size_t ti;   /* task index */
	size_t k;    /* position in the rankset */
	size_t rank; /* 0 = not a candidate */
	long gscore; /* kernel oom_score (global mapping) */
	const char *user;
};

static int cmp_rows(const void *a, const void *b, void *ctx)
{
	const struct row *x = a, *y = b;
	const struct og_model *m = ((const void *const *)ctx)[0];
	const enum og_top_sort *sort = ((const void *const *)ctx)[1];
	const struct og_task *tx = &m->ts.v[x->ti], *ty = &m->ts.v[y->ti];
	long long dx = 0, dy = 0;
	int c = 0;

	switch (*sort) {
	case OG_SORT_RANK:
		dx = (long long)(x->rank ? x->rank : (size_t)-1 / 2 + x->k);
		dy = (long long)(y->rank ? y->rank : (size_t)-1 / 2 + y->k);
		return dx < dy ? -1 : dx > dy;
	case OG_SORT_PID: return tx->pid < ty->pid ? -1 : tx->pid > ty->pid;
	case OG_SORT_RSS:
		dx = tx->rss_kib;
		dy = ty->rss_kib;
		break;
	case OG_SORT_SWAP:
		dx = tx->swap_kib;
		dy = ty->swap_kib;
		break;
	case OG_SORT_PTE:
		dx = tx->pte_kib;
		dy = ty->pte_kib;
		break;
	case OG_SORT_ADJ:
		dx = tx->adj;
		dy = ty->adj;
		break;
	case OG_SORT_SCORE:
		dx = x->gscore;
		dy = y->gscore;
		break;
	case OG_SORT_COMM: c = strcmp(tx->comm, ty->comm); break;
	case OG_SORT_USER: c = strcmp(x->user, y->user); break;
	}
	if (c)
		return c;
	if (dx != dy)
		return dx > dy ? -1 : 1; /* sizes and scores: largest first */
	return tx->pid < ty->pid ? -1 : tx->pid > ty->pid;
}

static bool user_match(const char *want, long uid, const char *name)
{
	long u;
	if (og_parse_long(want, 0, 0x7fffffffL, &u) == 0)
		return u == uid;
	return !strcmp(want, name);
}

static void json_task(FILE *f, const struct og_model *m, const struct og_rankset *r,
		      const struct row *rw, bool kscore)
{
	const struct og_task *t = &m->ts.v[rw->ti];
	const struct og_badness *b = &r->b[rw->k];
	fprintf(f, "{\"pid\":%d,\"ppid\":%d,\"uid\":%ld,\"user\":", (int)t->pid, (int)t->ppid,
		t->uid);
	og_json_str(f, rw->user);
	fputs(",\"comm\":", f);
	og_json_str(f, t->comm);
	fprintf(f,
		",\"rss_kib\":%lld,\"swap_kib\":%lld,\"pte_kib\":%lld,\"oom_score_adj\":%d,\"oom_score\":%ld",
		t->rss_kib, t->swap_kib, t->pte_kib, t->adj, rw->gscore);
	if (kscore)
		fprintf(f, ",\"oom_score_read\":%ld", t->oom_score);
	fprintf(f, ",\"eligible\":%s,\"why\":\"%s\",\"points\":",
		b->why == OG_WHY_OK ? "true" : "false",
		b->why == OG_WHY_OK        ? "candidate"
		: b->why == OG_WHY_KTHREAD ? "kthread"
		: b->why == OG_WHY_INIT    ? "init"
		: b->why == OG_WHY_NO_MM   ? "no_mm"
					   : "protected");
	if (b->why == OG_WHY_OK)
		fprintf(f, "%lld", b->points);
	else
		fputs("null", f);
	fprintf(f,
		",\"parts\":{\"rss\":%lld,\"swap\":%lld,\"pgtables\":%lld,\"adj\":%lld},\"permille\":%ld,\"rank\":",
		b->rss, b->swap, b->pgtables, b->adj_pages, og_permille(b, r->totalpages));
	if (rw->rank)
		fprintf(f, "%zu}", rw->rank);
	else
		fputs("null}", f);
}

static void json_victim(FILE *f, const struct og_model *m, long ti, const char *extra_key,
			long extra)
{
	if (ti < 0) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"pid\":%d,\"comm\":", (int)m->ts.v[ti].pid);
	og_json_str(f, m->ts.v[ti].comm);
	if (extra_key)
		fprintf(f, ",\"%s\":%ld", extra_key, extra);
	fputc('}', f);
}

static void json_killers(FILE *f, const struct og_model *m)
{
	long gv = og_rank_victim(&m->global);
	fprintf(f,
		"\"killers\":[{\"killer\":\"kernel\",\"scope\":\"global\",\"totalpages\":%llu,\"victim\":",
		m->global.totalpages);
	json_victim(f, m, gv, "points", gv >= 0 ? (long)m->global.b[gv].points : 0);
	fputc('}', f);
	for (size_t i = 0; i < m->nlim; i++) {
		const struct og_rankset *r = &m->limrank[i];
		long v = og_rank_victim(r);
		fprintf(f, ",{\"killer\":\"kernel\",\"scope\":\"memcg\",\"cgroup\":");
		og_json_str(f, m->lim[i].cg.path);
		fprintf(f,
			",\"version\":%d,\"limit_bytes\":%lld,\"totalpages\":%llu,\"tasks\":%zu,\"victim\":",
			m->lim[i].cg.version, m->lim[i].m.limit, r->totalpages, r->n);
		json_victim(f, m, v, "points", v >= 0 ? (long)r->b[r->order[0]].points : 0);
		fputc('}', f);
	}
	fputs(",{\"killer\":\"systemd-oomd\",", f);
	og_json_oomd_state(f, &m->k, &m->mi);
	fputc('}', f);
	for (size_t i = 0; i < m->k.n_earlyoom; i++) {
		fputs(",{\"killer\":\"earlyoom\",", f);
		og_json_earlyoom_state(f, &m->k, i, &m->mi);
		fputs(",\"victim\":", f);
		json_victim(f, m, m->k.eo[i].victim, "score", m->k.eo[i].score);
		fputc('}', f);
	}
	if (!m->k.n_earlyoom)
		fputs(",{\"killer\":\"earlyoom\",\"running\":false}", f);
	fputs(",{\"killer\":\"nohang\",", f);
	og_json_nohang_state(f, &m->k);
	if (m->k.nohang_pid) {
		fputs(",\"victim\":", f);
		json_victim(f, m, m->nh_victim, "badness", m->nh_score);
	}
	fputs("}]", f);
}

static void text_row(FILE *f, const struct og_model *m, const struct og_rankset *r,
		     const struct row *rw, bool kscore)
{
	const struct og_task *t = &m->ts.v[rw->ti];
	const struct og_badness *b = &r->b[rw->k];
	char e[4 * OG_COMM_MAX + 1], u[64], rs[32], sw[32], pt[32], rank[24], ks[24];

	og_esc(t->comm, e, sizeof(e));
	if (strlen(e) > 15)
		e[15] = '\0';
	og_esc(rw->user, u, sizeof(u));
	if (strlen(u) > 8)
		u[8] = '\0';
	if (rw->rank)
		snprintf(rank, sizeof(rank), "%zu", rw->rank);
	else
		snprintf(rank, sizeof(rank), "-");
	snprintf(ks, sizeof(ks), "%ld", t->oom_score);
	if (t->rss_kib < 0) {
		fprintf(f, "%5s %7d %-8s %-15s %6s %6s %6s %5d %5ld%s%s  %s\n", rank, (int)t->pid,
			u, e, "-", "-", "-", t->adj, rw->gscore, kscore ? " " : "",
			kscore ? ks : "", og_why_str(b->why));
		return;
	}
	og_fmt_kib((unsigned long long)t->rss_kib, rs, sizeof(rs));
	og_fmt_kib((unsigned long long)t->swap_kib, sw, sizeof(sw));
	og_fmt_kib((unsigned long long)t->pte_kib, pt, sizeof(pt));
	fprintf(f, "%5s %7d %-8s %-15s %6s %6s %6s %5d %5ld", rank, (int)t->pid, u, e, rs, sw, pt,
		t->adj, rw->gscore);
	if (kscore)
		fprintf(f, " %6s", ks);
	if (b->why == OG_WHY_OK)
		fprintf(f, " %10lld = %lld+%lld+%lld%+lld %5ld\n", b->points, b->rss, b->swap,
			b->pgtables, b->adj_pages, og_permille(b, r->totalpages));
	else
		fprintf(f, "  %s\n", og_why_str(b->why));
}

/* --cgroup: the ranking of the nearest limit at or above the cgroup (the
 * OOM that reaches its tasks), and which tasks are inside the cgroup itself:
 * only those are shown.  Returns 0 or -1 (reported). */
static int cg_scope(const struct og_top_opts *o, struct og_model *m, struct og_cgroup *cg,
		    struct og_cgroup *lim, struct og_memcg *mc, bool *limited,
		    struct og_rankset *cgr, bool **inside)
{
	size_t *mem = NULL;
	ssize_t n;
	unsigned long long tp = m->global.totalpages;
	int e;

	if ((e = og_cgroup_resolve(o->procfs, o->cgroup, cg)) < 0) {
		og_err("top: --cgroup %s: %s", o->cgroup,
		       e == -ENOTSUP ? "not a memory cgroup (no memory.* files)" : strerror(-e));
		return -1;
	}
	*limited = og_memcg_limiting(cg, lim, mc) == 0 &&
		   og_memcg_totalpages(o->procfs, lim, mc, m->mi.swap_total, m->page_kib, &tp) == 0;
	if (!*limited)
		*lim = *cg;
	*inside = calloc(m->ts.n ? m->ts.n : 1, sizeof(**inside));
	n = *inside ? og_memcg_members(cg->dir, &m->ts, &mem) : -ENOMEM;
	for (ssize_t i = 0; i < n; i++)
		(*inside)[mem[i]] = true;
	if (n >= 0 && strcmp(lim->dir, cg->dir)) {
		free(mem);
		mem = NULL;
		n = og_memcg_members(lim->dir, &m->ts, &mem);
	}
	if (n < 0 || og_rank_build(&m->ts, mem, (size_t)n, tp, m->page_kib, cgr) < 0) {
		og_err("top: --cgroup %s: cannot list its tasks: %s", o->cgroup,
		       strerror(n < 0 ? (int)-n : ENOMEM));
		free(mem);
		return -1;
	}
	free(mem);
	og_rank_ties_by_start(cgr, &m->ts, o->procfs, 64);
	return 0;
}

/* One `top` snapshot, computed: the model, the ranking shown (global, or
 * the one reaching --cgroup) and its rows, filtered, sorted and cut. */
struct top_view {
	struct og_model *m;
	struct og_usercache *uc;
	const struct og_rankset *r;
	struct og_rankset cgr; /* --cgroup's ranking */
	bool have_cg, cg_limited;
	struct og_cgroup cg, lim;
	struct og_memcg mc;
	bool *inside; /* --cgroup: task index -> inside it */
	struct row *rows;
	size_t nr, hidden; /* hidden: kernel threads not listed */
};

static void view_free(struct top_view *v)
{
	free(v->rows);
	free(v->inside);
	og_rankset_free(&v->cgr);
	if (v->m)
		og_model_free(v->m);
	free(v->m);
	free(v->uc);
}

/* The rows of v's ranking that o lets through, in o's order, at most o->lines. */
static int view_rows(const struct og_top_opts *o, struct top_view *v)
{
	const struct og_model *m = v->m;
	const struct og_rankset *r = v->r;

	if (!(v->rows = malloc((r->n ? r->n : 1) * sizeof(*v->rows))))
		return -ENOMEM;
	for (size_t pos = 0; pos < r->n; pos++) {
		size_t k = r->order[pos];
		size_t ti = r->member[k];
		const struct og_task *t = &m->ts.v[ti];
		if (v->inside && !v->inside[ti])
			continue; /* ranked in the limiting ancestor, but not inside --cgroup */
		if (t->kthread && !o->json && !o->kthreads) {
			v->hidden++; /* never chosen: dozens of rows that say so */
			continue;
		}
		const char *un = og_user_name(v->uc, t->uid);
		if (o->user && !user_match(o->user, t->uid, un))
			continue;
		struct og_badness gb;
		og_badness(t, m->global.totalpages, m->page_kib, &gb);
		v->rows[v->nr++] = (struct row){ .ti = ti,
						 .k = k,
						 .rank = pos < r->eligible ? pos + 1 : 0,
						 .gscore = og_oom_score(&gb, m->global.totalpages),
						 .user = un };
	}
	if (o->sort != OG_SORT_RANK) {
		const void *ctx[2] = { m, &o->sort };
		qsort_r(v->rows, v->nr, sizeof(*v->rows), cmp_rows, (void *)ctx);
	}
	if (o->lines >= 0 && (size_t)o->lines < v->nr)
		v->nr = (size_t)o->lines;
	return 0;
}

/* Returns 0, or an exit code with the reason reported. */
static int view_build(const struct og_top_opts *o, struct top_view *v)
{
	int e;

	memset(v, 0, sizeof(*v));
	v->m = calloc(1, sizeof(*v->m));
	v->uc = calloc(1, sizeof(*v->uc));
	if (!v->m || !v->uc) {
		og_err("top: out of memory");
		return OG_EXIT_FAIL;
	}
	if ((e = og_model_build(v->m, o->procfs, o->kernel_score ? OG_SCAN_OOM_SCORE : 0)) < 0) {
		og_err("top: cannot read %s: %s", o->procfs, strerror(-e));
		return OG_EXIT_FAIL;
	}
	v->r = &v->m->global;
	if (o->cgroup) {
		if (cg_scope(o, v->m, &v->cg, &v->lim, &v->mc, &v->cg_limited, &v->cgr,
			     &v->inside) < 0)
			return OG_EXIT_FAIL;
		v->have_cg = true;
		v->r = &v->cgr;
	}
	if (view_rows(o, v) < 0) {
		og_err("top: out of memory");
		return OG_EXIT_FAIL;
	}
	return 0;
}

static void json_scope(FILE *f, const struct top_view *v)
{
	if (!v->have_cg) {
		fprintf(f, "{\"kind\":\"global\",\"totalpages\":%llu}", v->r->totalpages);
		return;
	}
	fputs("{\"kind\":\"memcg\",\"cgroup\":", f);
	og_json_str(f, v->cg.dir);
	fputs(",\"limited_by\":", f);
	if (v->cg_limited)
		og_json_str(f, v->lim.dir);
	else
		fputs("null", f);
	fprintf(f, ",\"version\":%d,\"limit_bytes\":%lld,\"totalpages\":%llu}", v->lim.version,
		v->cg_limited ? v->mc.limit : -1LL, v->r->totalpages);
}

static void print_view_json(const struct og_top_opts *o, const struct top_view *v, FILE *f)
{
	const struct og_model *m = v->m;
	const struct og_rankset *r = v->r;
	long victim = og_rank_victim(r);

	fprintf(f,
		"{\"page_kib\":%ld,\"memory\":{\"mem_total_kib\":%lld,\"mem_available_kib\":%lld,"
		"\"swap_total_kib\":%lld,\"swap_free_kib\":%lld},\"psi\":",
		m->page_kib, m->mi.mem_total, m->mi.mem_available, m->mi.swap_total,
		m->mi.swap_free);
	if (m->k.psi)
		fprintf(f, "{\"some_avg10\":%.2f,\"full_avg10\":%.2f}", m->k.psi_mem.some.avg10,
			m->k.psi_mem.full.present ? m->k.psi_mem.full.avg10 : 0.0);
	else
		fputs("null", f);
	fputs(",\"scope\":", f);
	json_scope(f, v);
	fputs(",\"victim\":", f);
	json_victim(f, m, victim, "points", victim >= 0 ? (long)r->b[r->order[0]].points : 0);
	fputc(',', f);
	json_killers(f, m);
	fputs(",\"processes\":[", f);
	for (size_t i = 0; i < v->nr; i++) {
		if (i)
			fputc(',', f);
		json_task(f, m, r, &v->rows[i], o->kernel_score);
	}
	fputs("]}\n", f);
}

const char *og_model_fmt_available(const struct og_model *m, char *buf, size_t bufsz)
{
	char a[32];
	long long av = m->mi.mem_available > 0 ? m->mi.mem_available : 0;

	snprintf(buf, bufsz, "MemAvailable %s (%.1f%%)",
		 og_fmt_kib((unsigned long long)av, a, sizeof(a)),
		 m->mi.mem_total > 0 ? 100.0 * (double)m->mi.mem_available / (double)m->mi.mem_total
				     : 0.0);
	return buf;
}

static void text_memory(FILE *f, const struct og_model *m)
{
	char a[32], c[32];

	char av[64];

	fprintf(f, "RAM %s  %s  swap ",
		og_fmt_kib((unsigned long long)m->mi.mem_total, a, sizeof(a)),
		og_model_fmt_available(m, av, sizeof(av)));
	if (m->mi.swap_total > 0)
		fprintf(f, "%s free of %s",
			og_fmt_kib((unsigned long long)m->mi.swap_free, a, sizeof(a)),
			og_fmt_kib((unsigned long long)m->mi.swap_total, c, sizeof(c)));
	else
		fputs("none", f);
	if (m->k.psi)
		fprintf(f, "  PSI memory avg10 some %.2f full %.2f\n", m->k.psi_mem.some.avg10,
			m->k.psi_mem.full.avg10);
	else
		fputs("  PSI unavailable\n", f);
}

static void text_scope(FILE *f, const struct top_view *v)
{
	const struct og_rankset *r = v->r;
	char a[32], p[4 * OG_CG_PATH_MAX];

	if (!v->have_cg) {
		fprintf(f,
			"Global ranking: totalpages %llu (RAM+swap), 1 adj unit = %llu pages; oom_score = (1000 + points*1000/totalpages)*2/3\n",
			r->totalpages, r->totalpages / 1000);
		return;
	}
	og_esc(v->cg.dir, p, sizeof(p));
	if (v->cg_limited)
		fprintf(f,
			"Ranking inside %s: limit %s%s, totalpages %llu, 1 adj unit = %llu pages\n",
			p, og_fmt_kib((unsigned long long)v->mc.limit / 1024, a, sizeof(a)),
			strcmp(v->lim.dir, v->cg.dir) ? " (set on an ancestor)" : "", r->totalpages,
			r->totalpages / 1000);
	else
		fprintf(f,
			"Ranking inside %s: no memory limit at or above it, so only a global OOM reaches it (global totalpages %llu)\n",
			p, r->totalpages);
}

static void print_view_text(const struct og_top_opts *o, const struct top_view *v, FILE *f)
{
	text_memory(f, v->m);
	og_model_print_victims(v->m, f, o->watch);
	text_scope(f, v);
	if (v->hidden)
		fprintf(f,
			"%zu kernel thread%s not listed (never chosen; --kernel-threads lists them)\n",
			v->hidden, v->hidden == 1 ? "" : "s");
	fprintf(f, "%5s %7s %-8s %-15s %6s %6s %6s %5s %5s%s %10s   %-24s %5s\n", "RANK", "PID",
		"USER", "COMM", "RSS", "SWAP", "PTE", "ADJ", "SCORE",
		o->kernel_score ? " KSCORE" : "", "POINTS", "= rss+swap+pte+adj", "PERMIL");
	for (size_t i = 0; i < v->nr; i++)
		text_row(f, v->m, v->r, &v->rows[i], o->kernel_score);
}

int og_top_once(const struct og_top_opts *o, FILE *f)
{
	struct top_view v;
	int rc = view_build(o, &v);

	if (rc == 0 && o->json)
		print_view_json(o, &v, f);
	else if (rc == 0)
		print_view_text(o, &v, f);
	view_free(&v);
	return rc;
}
