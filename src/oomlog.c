/* OOM log line parsers (see oomlog.h).  Every parser works on (pointer,
 * length) of text that may hold anything: no NUL termination is assumed and
 * every field is bounded by the line. */
#include "oomlog.h"
#include "textscan.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* ---------- small scanning helpers (the rest are in textscan.h) ---------- */

static long long mulsat(long long a, long long b)
{
	long long r;
	return __builtin_mul_overflow(a, b, &r) ? (((a < 0) != (b < 0)) ? LLONG_MIN : LLONG_MAX)
						: r;
}

static long long addsat(long long a, long long b)
{
	long long r;
	return __builtin_add_overflow(a, b, &r) ? (a < 0 ? LLONG_MIN : LLONG_MAX) : r;
}

/* The earlier of two literals in [s, end), or NULL. */
static const char *first_of(const char *s, const char *end, const char *a, const char *b)
{
	const char *x = find(s, end, a), *y = find(s, end, b);
	return !x || (y && y < x) ? y : x;
}

/* Last occurrence of lit in [s, end). */
static const char *rfind(const char *s, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	const char *best = NULL, *p = s;
	while ((p = find(p, end, lit)) != NULL) {
		best = p;
		p += 1;
	}
	(void)n;
	return best;
}

/* ---------- messages ---------- */

static void task_init(struct og_task *t)
{
	memset(t, 0, sizeof(*t));
	t->uid = -1;
	t->adj = OG_ADJ_NONE;
	t->total_vm_kib = t->rss_kib = t->anon_kib = t->file_kib = t->shmem_kib = t->pgtables_kib =
		t->swap_kib = -1;
}

/* "NkB" */
static bool kib(struct cur *c, long long *out)
{
	return num(c, out) && eat(c, "kB");
}

/* Value of "key" somewhere in [s,end): "key" immediately followed by a number. */
static bool keyed(const char *s, const char *end, const char *key, long long *out)
{
	const char *k = find(s, end, key);
	if (!k)
		return false;
	struct cur c = { k + strlen(key), end };
	return num(&c, out);
}

static enum og_rec_kind parse_invoked(struct cur c, const char *hit, struct og_rec *r)
{
	cpy(r->t.comm, sizeof(r->t.comm), c.p, (size_t)(hit - c.p));
	/* hit is " invoked oom-killer:" (parse_inside): the space after it may be
	 * the message's end, where a cut line stops (found by fuzz_oomlog). */
	c.p = hit + strlen(" invoked oom-killer:");
	skip_sp(&c);
	long long v;
	if (eat(&c, "gfp_mask=")) {
		const char *g = c.p;
		while (c.p < c.end && *c.p != ',')
			c.p++;
		cpy(r->gfp, sizeof(r->gfp), g, (size_t)(c.p - g));
	}
	r->order = 0;
	if (keyed(c.p, c.end, "order=", &v))
		r->order = (int)v;
	if (keyed(c.p, c.end, "oom_score_adj=", &v))
		r->t.adj = (int)v;
	return r->kind = OG_REC_INVOKED;
}

static enum og_rec_kind parse_stack(struct cur c, struct og_rec *r)
{
	long long v;
	c.p += 5; /* "CPU: " */
	if (!num(&c, &v))
		return OG_REC_NONE;
	skip_sp(&c);
	if (eat(&c, "UID: ")) {
		if (!num(&c, &v))
			return OG_REC_NONE;
		r->t.uid = (long)v;
		skip_sp(&c);
	}
	if (!eat(&c, "PID: ") || !num_int(&c, &r->t.pid) || !eat(&c, " Comm: "))
		return OG_REC_NONE;
	const char *e = first_of(c.p, c.end, " Not tainted", " Tainted:");
	if (!e)
		e = c.end;
	cpy(r->t.comm, sizeof(r->t.comm), c.p, (size_t)(e - c.p));
	return r->kind = OG_REC_STACK;
}

static enum og_rec_kind parse_usage(struct cur c, struct og_rec *r)
{
	static const char *keys[] = { "memory+swap: usage ", "memory: usage ", "swap: usage ",
				      "kmem: usage " };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!at(&c, keys[i]))
			continue;
		size_t kl = (size_t)(strchr(keys[i], ':') - keys[i]);
		cpy(r->key, sizeof(r->key), keys[i], kl);
		c.p += strlen(keys[i]);
		if (!kib(&c, &r->usage_kib) || !eat(&c, ", limit ") || !kib(&c, &r->limit_kib))
			return OG_REC_NONE;
		r->swap = i == 0 || i == 2;
		return r->kind = OG_REC_MEMCG_USAGE;
	}
	return OG_REC_NONE;
}

static int col_of(const char *s, size_t n)
{
	static const struct {
		const char *name;
		int col;
	} m[] = {
		{ "uid", OG_COL_UID },
		{ "tgid", OG_COL_TGID },
		{ "total_vm", OG_COL_TOTAL_VM },
		{ "rss", OG_COL_RSS },
		{ "rss_anon", OG_COL_RSS_ANON },
		{ "rss_file", OG_COL_RSS_FILE },
		{ "rss_shmem", OG_COL_RSS_SHMEM },
		{ "nr_ptes", OG_COL_NR_PTES },
		{ "nr_pmds", OG_COL_NR_PMDS },
		{ "pgtables_bytes", OG_COL_PGTABLES_BYTES },
		{ "swapents", OG_COL_SWAPENTS },
		{ "oom_score_adj", OG_COL_ADJ },
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strlen(m[i].name) == n && memcmp(m[i].name, s, n) == 0)
			return m[i].col;
	return OG_COL_OTHER;
}

static enum og_rec_kind parse_header(struct cur c, struct og_rec *r)
{
	c.p++;
	skip_sp(&c);
	if (!eat(&c, "pid"))
		return OG_REC_NONE;
	skip_sp(&c);
	if (!eat(&c, "]"))
		return OG_REC_NONE;
	r->layout.ncols = 0;
	for (;;) {
		skip_sp(&c);
		const char *w = c.p;
		while (c.p < c.end && *c.p != ' ')
			c.p++;
		size_t n = (size_t)(c.p - w);
		if (n == 0)
			return OG_REC_NONE;
		if (n == 4 && memcmp(w, "name", 4) == 0)
			break;
		if (r->layout.ncols >= OG_MAX_COLS)
			return OG_REC_NONE;
		r->layout.col[r->layout.ncols++] = (unsigned char)col_of(w, n);
	}
	return r->layout.ncols > 0 ? (r->kind = OG_REC_TASK_HDR) : OG_REC_NONE;
}

static enum og_rec_kind parse_row(struct cur c, const struct og_tbl_layout *l, struct og_rec *r)
{
	struct og_task *t = &r->t;
	long long v;
	if (!l || l->ncols <= 0)
		return OG_REC_NONE;
	c.p++;
	skip_sp(&c);
	if (!num_int(&c, &t->pid) || !eat(&c, "]"))
		return OG_REC_NONE;
	const long long page =
		4; /* KiB; the log does not say, and 4 KiB is what x86 and most arm64 use */
	long long nr_ptes = -1, nr_pmds = 0;
	for (int i = 0; i < l->ncols; i++) {
		if (!eat(&c, " "))
			return OG_REC_NONE;
		skip_sp(&c);
		if (!num(&c, &v))
			return OG_REC_NONE;
		switch (l->col[i]) {
		case OG_COL_UID: t->uid = (long)v; break;
		case OG_COL_TGID: t->tgid = (int)v; break;
		case OG_COL_TOTAL_VM: t->total_vm_kib = mulsat(v, page); break;
		case OG_COL_RSS: t->rss_kib = mulsat(v, page); break;
		case OG_COL_RSS_ANON: t->anon_kib = mulsat(v, page); break;
		case OG_COL_RSS_FILE: t->file_kib = mulsat(v, page); break;
		case OG_COL_RSS_SHMEM: t->shmem_kib = mulsat(v, page); break;
		case OG_COL_NR_PTES: nr_ptes = v; break;
		case OG_COL_NR_PMDS: nr_pmds = v; break;
		case OG_COL_PGTABLES_BYTES: t->pgtables_kib = v / 1024; break;
		case OG_COL_SWAPENTS: t->swap_kib = mulsat(v, page); break;
		case OG_COL_ADJ: t->adj = (int)v; break;
		default: break;
		}
	}
	if (nr_ptes >= 0)
		t->pgtables_kib = mulsat(addsat(nr_ptes, nr_pmds), page);
	if (!eat(&c, " "))
		return OG_REC_NONE;
	cpy(t->comm, sizeof(t->comm), c.p, (size_t)(c.end - c.p));
	if (!t->tgid)
		t->tgid = t->pid;
	return r->kind = OG_REC_TASK_ROW;
}

/* The key=value list of the oom-kill summary (or of its split-off tail). */
/* The summary's task: pid and uid from the right (task=%s may hold ','
 * and '=').  Returns where the keys before task= end. */
static const char *summary_task(const char *s, const char *end, struct og_rec *r)
{
	const char *u = rfind(s, end, ",uid=");
	const char *pe = u ? rfind(s, u, ",pid=") : NULL;
	const char *te = pe ? find(s, pe + 1, "task=") : NULL;
	long long v;

	if (te && te != s && te[-1] != ',')
		te = NULL;
	if (!te)
		return end;
	struct cur c = { pe + 5, u };
	struct cur cu = { u + 5, end };
	if (!num(&c, &v) || c.p != u)
		return end;
	r->t.pid = (int)v;
	if (num(&cu, &v))
		r->t.uid = (long)v;
	cpy(r->t.comm, sizeof(r->t.comm), te + 5, (size_t)(pe - te - 5));
	r->has_task = true;
	return te > s ? te - 1 : te;
}

/* One "key=value" of the summary into r; returns the field a following
 * token without '=' continues (NULL for none), its size in *sz. */
static char *summary_key(const char *p, size_t kl, const char *v, size_t vl, struct og_rec *r,
			 size_t *sz)
{
	char *f = NULL;

	if (kl == 10 && memcmp(p, "constraint", 10) == 0)
		f = r->constraint, *sz = sizeof(r->constraint);
	else if (kl == 9 && memcmp(p, "oom_memcg", 9) == 0)
		f = r->path, *sz = sizeof(r->path);
	else if (kl == 10 && memcmp(p, "task_memcg", 10) == 0)
		f = r->path2, *sz = sizeof(r->path2);
	if (f)
		cpy(f, *sz, v, vl);
	return f;
}

static void summary_fields(const char *s, const char *end, struct og_rec *r)
{
	const char *tail = summary_task(s, end, r), *p = s;
	char *last = NULL;
	size_t lastsz = 0;

	/* Everything before task=: comma-separated keys; a token without '='
	 * continues the previous value (node lists like "0-1,3", odd paths). */
	while (p < tail) {
		const char *q = memchr(p, ',', (size_t)(tail - p));
		if (!q)
			q = tail;
		const char *eq = memchr(p, '=', (size_t)(q - p));
		if (eq) {
			last = summary_key(p, (size_t)(eq - p), eq + 1, (size_t)(q - eq - 1), r,
					   &lastsz);
		} else if (q - p == 10 && memcmp(p, "global_oom", 10) == 0) {
			r->global_oom = true;
			last = NULL;
		} else if (last) {
			size_t have = strlen(last);
			if (have + 1 < lastsz) {
				last[have] = ',';
				cpy(last + have + 1, lastsz - have - 1, p, (size_t)(q - p));
			}
		}
		p = q + 1;
	}
}

/* The kernel's words in front of "Killed process" / "Kill process", found
 * inside whatever else precedes them on a pasted line. */
static void kill_prefix(const char *s, const char *hit, struct og_rec *r)
{
	static const char *const words[] = { "Out of memory (oom_kill_allocating_task)",
					     "Memory cgroup out of memory", "Out of memory" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		const char *w = find(s, hit, words[i]);
		if (w) {
			cpy(r->prefix, sizeof(r->prefix), words[i], strlen(words[i]));
			return;
		}
	}
}

/* "(comm)" that ends at the last ") " before a field, or at the line's last
 * ')'; a comm cut off by the end of the line is unknown, not guessed. */
static const char *comm_end(const char *p, const char *end)
{
	const char *ce = rfind(p, end, ") total-vm:");
	if (!ce)
		ce = rfind(p, end, ")total-vm:");
	if (!ce)
		ce = rfind(p, end, "), ");
	if (!ce)
		ce = rfind(p, end, ")");
	return ce;
}

static void killed_fields(const char *f, const char *end, struct og_rec *r)
{
	long long v;
	if (keyed(f, end, "total-vm:", &v))
		r->t.total_vm_kib = v;
	if (keyed(f, end, "anon-rss:", &v))
		r->t.anon_kib = v;
	if (keyed(f, end, "file-rss:", &v))
		r->t.file_kib = v;
	if (keyed(f, end, "shmem-rss:", &v))
		r->t.shmem_kib = v;
	if (keyed(f, end, "UID:", &v))
		r->t.uid = (long)v;
	if (keyed(f, end, "pgtables:", &v))
		r->t.pgtables_kib = v;
	if (keyed(f, end, "oom_score_adj:", &v))
		r->t.adj = (int)v;
	if (r->t.anon_kib >= 0) {
		r->t.rss_kib = addsat(addsat(r->t.anon_kib, r->t.file_kib > 0 ? r->t.file_kib : 0),
				      r->t.shmem_kib > 0 ? r->t.shmem_kib : 0);
	}
	/* 5.4 without the units fix printed bytes labelled kB (mm/oom_kill.c
	 * __oom_kill_process, fixed by "mm/oom: fix pgtables units mismatch in
	 * Killed process message", Cc stable 5.4): no process has page tables a
	 * hundredth of its VM size. */
	if (r->t.pgtables_kib > 0 && r->t.total_vm_kib > 0 &&
	    r->t.pgtables_kib > r->t.total_vm_kib / 100 + 1024)
		r->t.pgtables_kib /= 1024;
}

/* "[prefix: ]Killed process N (comm) total-vm:..." in every generation:
 * 2.6.32 (RHEL 6) "Killed process N, UID U, (comm) total-vm:", 3.10 (RHEL
 * 7) "Killed process N (comm), UID U, total-vm:", 2.6.18 "Killed process N
 * (comm)." and lines cut off at the end. */
static enum og_rec_kind parse_killed(struct cur c, const char *hit, struct og_rec *r)
{
	long long v;
	kill_prefix(c.p, hit, r);
	c.p = hit + strlen("Killed process ");
	skip_sp(&c);
	if (!num_int(&c, &r->t.pid) || r->t.pid <= 0)
		return OG_REC_NONE;
	r->t.tgid = r->t.pid;
	if (eat(&c, ", UID ")) {
		if (num(&c, &v))
			r->t.uid = (long)v;
		eat(&c, ",");
	}
	skip_sp(&c);
	if (eat(&c, "(")) {
		const char *ce = comm_end(c.p, c.end);
		if (ce) {
			cpy(r->t.comm, sizeof(r->t.comm), c.p, (size_t)(ce - c.p));
			c.p = ce + 1;
		} else {
			c.p = c.end;
		}
	} else if (c.p < c.end) {
		return OG_REC_NONE; /* "Killed process 12 abc": not the kernel's line */
	}
	struct cur u = c;
	if (eat(&u, ", UID ") && num(&u, &v))
		r->t.uid = (long)v;
	killed_fields(c.p, c.end, r);
	return r->kind = OG_REC_KILLED;
}

static enum og_rec_kind parse_oldkill(struct cur c, const char *hit, struct og_rec *r)
{
	kill_prefix(c.p, hit, r);
	c.p = hit + strlen("Kill process ");
	if (!num_int(&c, &r->t.pid) || r->t.pid <= 0 || !eat(&c, " ("))
		return OG_REC_NONE;
	const char *ce = rfind(c.p, c.end, ") score ");
	long long v;
	if (ce) {
		struct cur s = { ce + 8, c.end };
		if (num(&s, &v))
			r->score = (long)v;
	} else if (!(ce = rfind(c.p, c.end, ") sharing same memory"))) {
		return OG_REC_NONE;
	}
	cpy(r->t.comm, sizeof(r->t.comm), c.p, (size_t)(ce - c.p));
	return r->kind = OG_REC_OLDKILL;
}

static enum og_rec_kind parse_reaper(struct cur c, struct og_rec *r)
{
	long long v;
	if (eat(&c, "reaped process ")) {
		if (!num_int(&c, &r->t.pid) || !eat(&c, " ("))
			return OG_REC_NONE;
		const char *ce = rfind(c.p, c.end, "), now ");
		if (!ce)
			return OG_REC_NONE;
		cpy(r->t.comm, sizeof(r->t.comm), c.p, (size_t)(ce - c.p));
		if (keyed(ce, c.end, "anon-rss:", &v))
			r->t.anon_kib = v;
		if (keyed(ce, c.end, "file-rss:", &v))
			r->t.file_kib = v;
		if (keyed(ce, c.end, "shmem-rss:", &v))
			r->t.shmem_kib = v;
		return r->kind = OG_REC_REAPED;
	}
	if (eat(&c, "unable to reap pid:")) {
		if (!num_int(&c, &r->t.pid))
			return OG_REC_NONE;
		if (eat(&c, " (")) {
			const char *ce = rfind(c.p, c.end, ")");
			if (ce)
				cpy(r->t.comm, sizeof(r->t.comm), c.p, (size_t)(ce - c.p));
		}
		r->failed = true;
		return r->kind = OG_REC_REAPED;
	}
	return OG_REC_NONE;
}

/* "57.97%" -> "57.97" */
static bool pct(struct cur *c, char *out, size_t outsz)
{
	const char *s = c->p;
	while (c->p < c->end && (ts_digit(*c->p) || *c->p == '.'))
		c->p++;
	if (c->p == s || !eat(c, "%"))
		return false;
	cpy(out, outsz, s, (size_t)(c->p - 1 - s));
	return true;
}

static void trim_sp(const char *s, const char **e)
{
	while (*e > s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

/* "(N)" with any spaces a wrapped line left around it */
static bool paren_u64(struct cur *c, unsigned long long *out)
{
	long long v;
	skip_ws(c);
	if (!eat(c, "("))
		return false;
	skip_ws(c);
	if (!num(c, &v) || v < 0)
		return false;
	skip_ws(c);
	if (!eat(c, ")"))
		return false;
	*out = (unsigned long long)v;
	return true;
}

/* Eat a word, with the spaces around it optional (a wrapped line may have
 * lost or doubled them). */
static bool eatw(struct cur *c, const char *w)
{
	skip_ws(c);
	if (!eat(c, w))
		return false;
	skip_ws(c);
	return true;
}

/* "pressure for MON being 57.97% > 50.00% for > 20s with reclaim activity" */
static void oomd_pressure(struct cur c, struct og_rec *r)
{
	const char *be = rfind(c.p, c.end, " being ");
	if (!be)
		be = rfind(c.p, c.end, "being ");
	if (!be) {
		/* cut off: the monitored path only if the line goes on past it */
		const char *sp = memchr(c.p, ' ', (size_t)(c.end - c.p));
		if (sp)
			cpy(r->path2, sizeof(r->path2), c.p, (size_t)(sp - c.p));
		return;
	}
	const char *pe = be;
	trim_sp(c.p, &pe);
	cpy(r->path2, sizeof(r->path2), c.p, (size_t)(pe - c.p));
	c.p = be;
	if (!eatw(&c, "being") || !pct(&c, r->pressure, sizeof(r->pressure)) || !eatw(&c, ">") ||
	    !pct(&c, r->plimit, sizeof(r->plimit)) || !eatw(&c, "for") || !eatw(&c, ">"))
		return;
	const char *de = find(c.p, c.end, "with reclaim");
	if (!de)
		de = c.end;
	trim_sp(c.p, &de);
	cpy(r->duration, sizeof(r->duration), c.p, (size_t)(de - c.p));
}

/* "used (N) / total (N) and swap used (N) / total (N) being more than P%" */
static void oomd_swap(struct cur c, struct og_rec *r)
{
	unsigned long long mu = 0, mt = 0, su = 0, st = 0;
	if (!paren_u64(&c, &mu) || !eatw(&c, "/") || !eatw(&c, "total") || !paren_u64(&c, &mt) ||
	    !eatw(&c, "and") || !eatw(&c, "swap") || !eatw(&c, "used") || !paren_u64(&c, &su) ||
	    !eatw(&c, "/") || !eatw(&c, "total") || !paren_u64(&c, &st))
		return;
	r->mem_used = mu, r->mem_total = mt, r->swap_used = su, r->swap_total = st;
	r->swap_known = true;
	if (eatw(&c, "being") && eatw(&c, "more") && eatw(&c, "than"))
		pct(&c, r->plimit, sizeof(r->plimit));
}

/* systemd-oomd's notice (src/oom/oomd-manager.c, the memory-pressure and
 * swap handlers' log_notice; systemd-oomd.service(8)): "Killed CG due to memory
 * pressure for ..." / "... due to memory used (...)", v260+ "Marked CG for
 * killing due to ...".  Also wrapped (spaces lost or doubled where the
 * lines were joined) or cut off: the rule is known from its first words, a
 * field the line does not reach stays empty; a "Marked" line without its
 * reason has no rule (rule_unknown). */
static enum og_rec_kind parse_oomd(struct cur c, struct og_rec *r)
{
	r->marked = at(&c, "Marked ");
	c.p += 7;
	const char *cg = c.p;
	if (cg >= c.end || *cg != '/')
		return OG_REC_NONE;
	const char *due = find(c.p, c.end, "due to memory");
	const char *cge = due;
	if (r->marked) {
		cge = find(cg, due ? due : c.end, "for killing");
		if (!cge)
			return OG_REC_NONE;
	} else if (!due) {
		return OG_REC_NONE;
	}
	trim_sp(cg, &cge);
	cpy(r->path, sizeof(r->path), cg, (size_t)(cge - cg));
	r->kind = OG_REC_OOMD_KILL;
	if (!due) {
		r->rule_unknown = true;
		return r->kind;
	}
	c.p = due + strlen("due to memory");
	if (eatw(&c, "pressure")) {
		eatw(&c, "for");
		oomd_pressure(c, r);
		return r->kind;
	}
	if (eatw(&c, "used")) {
		r->swap = true;
		oomd_swap(c, r);
		return r->kind;
	}
	r->kind = OG_REC_NONE;
	return OG_REC_NONE;
}

static void earlyoom_fields(const char *f, const char *end, struct og_rec *r)
{
	long long v;
	if (keyed(f, end, "oom_score ", &v) || keyed(f, end, "badness ", &v) ||
	    keyed(f, end, "badness: ", &v))
		r->score = (long)v;
	if (keyed(f, end, "oom_score_adj ", &v))
		r->t.adj = (int)v;
	if (keyed(f, end, "VmRSS ", &v) || keyed(f, end, "VmRSS: ", &v)) {
		r->rss_mib = (long)v;
		r->t.rss_kib = mulsat(v, 1024);
	}
}

static void signame(long long n, char *sig, size_t sz)
{
	cpy(sig, sz, n == 9 ? "SIGKILL" : n == 15 ? "SIGTERM" : "", n == 9 || n == 15 ? 7 : 0);
}

/* "NAME<close>N": a quoted comm up to the last close ("' with signal "),
 * then the signal's number. */
static bool comm_with_signal(struct cur *c, const char *close, struct og_rec *r)
{
	long long v;
	const char *e = rfind(c->p, c->end, close);
	if (!e)
		return false;
	cpy(r->t.comm, sizeof(r->t.comm), c->p, (size_t)(e - c->p));
	c->p = e + strlen(close);
	if (num(c, &v))
		signame(v, r->sig, sizeof(r->sig));
	return true;
}

/* earlyoom 1.3+: "sending SIGTERM to process N [uid U] \"comm\": badness N,
 * VmRSS N MiB" (1.8+: "oom_score N, ..., cmdline \"...\"") */
static enum og_rec_kind earlyoom_sending(struct cur c, const char *hit, struct og_rec *r)
{
	long long v;
	c.p = hit + 8; /* "sending " */
	const char *sg = c.p;
	while (c.p < c.end && *c.p != ' ')
		c.p++;
	cpy(r->sig, sizeof(r->sig), sg, (size_t)(c.p - sg));
	if (!eat(&c, " to process ") || !num_int(&c, &r->t.pid) || r->t.pid <= 0)
		return OG_REC_NONE;
	if (eat(&c, " uid ")) {
		if (!num(&c, &v))
			return OG_REC_NONE;
		r->t.uid = (long)v;
	}
	if (!eat(&c, " \""))
		return OG_REC_NONE;
	const char *ne = first_of(c.p, c.end, "\": badness ", "\": oom_score ");
	if (!ne)
		ne = rfind(c.p, c.end, "\"");
	if (!ne)
		return OG_REC_NONE;
	cpy(r->t.comm, sizeof(r->t.comm), c.p, (size_t)(ne - c.p));
	earlyoom_fields(ne + 1, c.end, r);
	return r->kind = OG_REC_EARLYOOM;
}

/* earlyoom before 1.3 (earlyoom's kill.c at v0.6-v1.2), and a 1.3
 * pre-release seen in users' logs:
 *   "Killing process %d %s"                                  0.6-1.0
 *   "Killing process: %s, pid: %d, badness: %d, VmRSS: ..."   1.1
 *   "Killing process '%s' with signal %d, pid: %d, ..."       1.2
 *   "killing process %d \"%s\" with signal %d: badness ..."   1.3-rc
 * The service manager's "Killing process N (comm) with signal SIGTERM." is
 * not one of them. */
static enum og_rec_kind earlyoom_killing(struct cur c, const char *hit, struct og_rec *r)
{
	c.p = hit + strlen("illing process");
	if (find(c.p, c.end, "with signal SIG"))
		return OG_REC_NONE;
	if (eat(&c, ": ")) {
		const char *e = find(c.p, c.end, ", pid: ");
		if (!e)
			return OG_REC_NONE;
		cpy(r->t.comm, sizeof(r->t.comm), c.p, (size_t)(e - c.p));
		c.p = e + 7;
	} else if (eat(&c, " '")) {
		if (!comm_with_signal(&c, "' with signal ", r) || !eat(&c, ", pid: "))
			return OG_REC_NONE;
	} else {
		if (!eat(&c, " "))
			return OG_REC_NONE;
	}
	if (!num_int(&c, &r->t.pid) || r->t.pid <= 0)
		return OG_REC_NONE;
	if (!r->t.comm[0] && eat(&c, " \"")) {
		if (!comm_with_signal(&c, "\" with signal ", r))
			return OG_REC_NONE;
	} else if (!r->t.comm[0]) {
		if (!eat(&c, " ") || c.p >= c.end || memchr(c.p, '(', (size_t)(c.end - c.p)))
			return OG_REC_NONE;
		cpy(r->t.comm, sizeof(r->t.comm), c.p, (size_t)(c.end - c.p));
	}
	earlyoom_fields(c.p, c.end, r);
	return r->kind = OG_REC_EARLYOOM;
}

static bool is_ident(const char *ident, const char *name)
{
	return ident && strcmp(ident, name) == 0;
}

static bool nohang_ident(const char *ident)
{
	return !ident || !ident[0] || is_ident(ident, "nohang") ||
	       is_ident(ident, "nohang-desktop");
}

/* nohang's victim lines: "PID: N, name: X, ..." (one line), or the
 * "Victim status" block's "Name:  X" and "PID:  N" lines (nohang 0.1+). */
static enum og_rec_kind nohang_victim(struct cur c, struct og_rec *r)
{
	if (eat(&c, "CGroup_v2:") || eat(&c, "CGroup_v1:")) {
		skip_ws(&c);
		if (c.p >= c.end || *c.p != '/')
			return OG_REC_NONE;
		cpy(r->path, sizeof(r->path), c.p, (size_t)(c.end - c.p));
		return r->kind = OG_REC_NOHANG_VICTIM;
	}
	if (eat(&c, "Regexp '")) {
		/* "Regexp '^tail$' matches with name 'tail'": the victim of a configured command */
		const char *m = find(c.p, c.end, "' matches with name '");
		if (!m || c.end[-1] != '\'')
			return OG_REC_NONE;
		c.p = m + strlen("' matches with name '");
		cpy(r->t.comm, sizeof(r->t.comm), c.p, (size_t)(c.end - 1 - c.p));
		return r->kind = OG_REC_NOHANG_VICTIM;
	}
	if (eat(&c, "Name:")) {
		skip_ws(&c);
		if (c.p >= c.end)
			return OG_REC_NONE;
		cpy(r->t.comm, sizeof(r->t.comm), c.p, (size_t)(c.end - c.p));
		return r->kind = OG_REC_NOHANG_VICTIM;
	}
	if (!eat(&c, "PID:"))
		return OG_REC_NONE;
	skip_ws(&c);
	if (!num_int(&c, &r->t.pid) || r->t.pid <= 0)
		return OG_REC_NONE;
	if (c.p >= c.end)
		return r->kind = OG_REC_NOHANG_VICTIM;
	if (!(eat(&c, ", name: ") || eat(&c, ", Name: ")))
		return OG_REC_NONE;
	const char *e = first_of(c.p, c.end, ", state: ", ", badness: ");
	if (!e)
		return OG_REC_NONE;
	cpy(r->t.comm, sizeof(r->t.comm), c.p, (size_t)(e - c.p));
	long long v;
	if (keyed(e, c.end, "EUID: ", &v))
		r->t.uid = (long)v;
	return r->kind = OG_REC_NOHANG_VICTIM;
}

/* nohang's corrective action: "Send SIGTERM to the victim" (0.1),
 * "Sending SIGTERM to the victim", "[ OK ] Sending SIGTERM to NAME", or a
 * configured command "Run the command: kill -TERM N". */
static enum og_rec_kind nohang_action(struct cur c, bool named_ok, struct og_rec *r)
{
	if (eat(&c, "Run the command: kill -") || eat(&c, "Execute the command: kill -")) {
		const char *s = c.p;
		while (c.p < c.end && isupper((unsigned char)*c.p))
			c.p++;
		if (c.p == s || c.p - s > 8)
			return OG_REC_NONE;
		snprintf(r->sig, sizeof(r->sig), "SIG%.*s", (int)(c.p - s), s);
		skip_sp(&c);
		num_int(&c, &r->t.pid);
		return r->kind = OG_REC_NOHANG_ACTION;
	}
	if (!eat(&c, "Sending SIG") && !eat(&c, "Send SIG"))
		return OG_REC_NONE;
	const char *s = c.p - 3;
	while (c.p < c.end && isupper((unsigned char)*c.p))
		c.p++;
	cpy(r->sig, sizeof(r->sig), s, (size_t)(c.p - s));
	if (!eat(&c, " to "))
		return OG_REC_NONE;
	if (!eat(&c, "the victim")) {
		/* "Sending SIGTERM to NAME" only from nohang itself: the service
		 * manager's "Sending SIGTERM to remaining processes..." is not one */
		if (!named_ok)
			return OG_REC_NONE;
		const char *e = memchr(c.p, ';', (size_t)(c.end - c.p));
		cpy(r->t.comm, sizeof(r->t.comm), c.p, (size_t)((e ? e : c.end) - c.p));
	}
	return r->kind = OG_REC_NOHANG_ACTION;
}

static enum og_rec_kind parse_nohang(struct cur c, const char *ident, struct og_rec *r)
{
	if (!nohang_ident(ident))
		return OG_REC_NONE;
	skip_ws(&c);
	if (c.p < c.end && (*c.p == 'P' || *c.p == 'N' || *c.p == 'C' || *c.p == 'R'))
		if (nohang_victim(c, r) != OG_REC_NONE)
			return r->kind;
	if (at(&c, "Victim status") || at(&c, "Process with highest badness") ||
	    at(&c, "TOP printed in") || at(&c, "Implement a corrective action"))
		return r->kind = OG_REC_NOHANG_HDR;
	bool ok = eat(&c, "[ OK ] ");
	if (ok)
		skip_sp(&c);
	return nohang_action(c, ok || (ident && ident[0]), r);
}

static enum og_rec_kind parse_oomd_field(struct cur c, struct og_rec *r)
{
	static const char *keys[] = { "Path",        "Current Memory Usage",
				      "Swap Usage",  "Memory Pressure Limit",
				      "Pressure",    "Memory Min",
				      "Memory Low",  "Pgscan",
				      "Last Pgscan", "Memory Pressure Duration" };
	while (c.p < c.end && (*c.p == ' ' || *c.p == '\t'))
		c.p++;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t kl = strlen(keys[i]);
		if ((size_t)(c.end - c.p) > kl + 1 && memcmp(c.p, keys[i], kl) == 0 &&
		    c.p[kl] == ':') {
			cpy(r->key, sizeof(r->key), keys[i], kl);
			c.p += kl + 1;
			skip_sp(&c);
			cpy(r->path, sizeof(r->path), c.p, (size_t)(c.end - c.p));
			return r->kind = OG_REC_OOMD_FIELD;
		}
	}
	return OG_REC_NONE;
}

static void rec_reset(struct og_rec *r)
{
	memset(r, 0, sizeof(*r));
	task_init(&r->t);
	r->count = -1;
}

/* A literal that starts a word: at the start, or after a byte that is not
 * part of a word (so "Killed process" inside "unKilled process" is not). */
static const char *find_word(const char *s, const char *end, const char *lit)
{
	for (const char *p = s; (p = find(p, end, lit)) != NULL; p++) {
		unsigned char b = p > s ? (unsigned char)p[-1] : ' ';
		if (p == s || !(isalnum(b) || b == '_' || b == '-'))
			return p;
	}
	return NULL;
}

/* The unit in front of a manager line's ": <text>": its last word (unit
 * names hold no spaces; systemd escapes them). */
static enum og_rec_kind unit_line(struct cur c, const char *hit, enum og_rec_kind k,
				  struct og_rec *r)
{
	const char *s = hit;
	while (s > c.p && s[-1] != ' ' && s[-1] != '\t')
		s--;
	if (s == hit)
		return OG_REC_NONE;
	cpy(r->path, sizeof(r->path), s, (size_t)(hit - s));
	return r->kind = k;
}

static enum og_rec_kind unit_oomd(struct cur c, const char *hit, struct og_rec *r)
{
	long long v;
	struct cur t = { hit + strlen(": systemd-oomd killed "), c.end };
	if (num(&t, &v))
		r->count = (long)v;
	else if (!eat(&t, "some"))
		return OG_REC_NONE;
	if (!eat(&t, " process(es)"))
		return OG_REC_NONE;
	return unit_line(c, hit, OG_REC_UNIT_OOMD, r);
}

/* cgroup v1 (<= 4.19) "Task in X killed as a result of limit of Y" */
static enum og_rec_kind task_in(struct cur c, const char *hit, struct og_rec *r)
{
	c.p = hit + strlen("Task in ");
	const char *k = find(c.p, c.end, " killed as a result of limit of ");
	if (!k)
		return OG_REC_NONE;
	cpy(r->path2, sizeof(r->path2), c.p, (size_t)(k - c.p));
	c.p = k + strlen(" killed as a result of limit of ");
	const char *e = memchr(c.p, ' ', (size_t)(c.end - c.p));
	cpy(r->path, sizeof(r->path), c.p, (size_t)((e ? e : c.end) - c.p));
	return r->kind = OG_REC_TASK_IN;
}

static enum og_rec_kind earlyoom_note(struct cur c, const char *ident, struct og_rec *r)
{
	static const char *const notes[] = { "escalating to SIGKILL", "kill failed",
					     "dryrun, not actually sending" };
	if (ident && ident[0] && !is_ident(ident, "earlyoom"))
		return OG_REC_NONE;
	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
		if (at(&c, notes[i])) {
			cpy(r->key, sizeof(r->key), notes[i], strlen(notes[i]));
			return r->kind = OG_REC_EARLYOOM_NOTE;
		}
	}
	return OG_REC_NONE;
}

/* "[ OK ] " (nohang), a task table's header or one of its rows. */
static enum og_rec_kind at_bracket(struct cur c, const char *ident,
				   const struct og_tbl_layout *layout, struct og_rec *r)
{
	struct cur t = c;

	if (at(&c, "[ OK ] "))
		return parse_nohang(c, ident, r);
	t.p++;
	skip_sp(&t);
	if (at(&t, "pid"))
		return parse_header(c, r);
	return parse_row(c, layout, r);
}

/* "CPU: ..." (the stack's first line) or oomd's "Considered N cgroups". */
static enum og_rec_kind at_C(struct cur c, struct og_rec *r)
{
	long long v;

	if (at(&c, "CPU: "))
		return parse_stack(c, r);
	if (!eat(&c, "Considered ") || !num(&c, &v) || !eat(&c, " cgroups for killing"))
		return OG_REC_NONE;
	r->count = (long)v;
	return r->kind = OG_REC_OOMD_CONSIDERED;
}

static enum og_rec_kind at_M(struct cur c, struct og_rec *r)
{
	if (eat(&c, "Memory cgroup stats for ")) {
		const char *e = memchr(c.p, ':', (size_t)(c.end - c.p));
		cpy(r->path, sizeof(r->path), c.p, (size_t)((e ? e : c.end) - c.p));
		return r->kind = OG_REC_MEMCG_STATS;
	}
	if (at(&c, "Mem-Info:"))
		return r->kind = OG_REC_MEMINFO;
	return OG_REC_NONE;
}

/* Lines that begin with their own words (after the transport prefix). */
static enum og_rec_kind parse_at_start(struct cur c, const char *ident,
				       const struct og_tbl_layout *layout, struct og_rec *r)
{
	switch (*c.p) {
	case '[': return at_bracket(c, ident, layout, r);
	case ',':
		if (!find(c.p, c.end, "task_memcg=") && !find(c.p, c.end, "global_oom") &&
		    !find(c.p, c.end, ",task="))
			return OG_REC_NONE;
		summary_fields(c.p + 1, c.end, r);
		return r->kind = OG_REC_SUMMARY_CONT;
	case 'C': return at_C(c, r);
	case 'M': return at_M(c, r);
	case 'T':
		return at(&c, "Tasks state (memory values in pages)")
			       ? (r->kind = OG_REC_TASKS_STATE)
			       : OG_REC_NONE;
	case 'O':
		return at(&c, "Out of memory and no killable processes")
			       ? (r->kind = OG_REC_NO_KILLABLE)
			       : OG_REC_NONE;
	case 'm':
	case 's':
	case 'k':
		if (find(c.p, c.p + (c.end - c.p < 20 ? c.end - c.p : 20), ": usage "))
			return parse_usage(c, r);
		break;
	default: break;
	}
	if (*c.p == 'e' || *c.p == 'k' || *c.p == 'd')
		return earlyoom_note(c, ident, r);
	return OG_REC_NONE;
}

/* The kill lines and the manager's lines, found anywhere in the message:
 * text pasted around a line (a bullet, a node-problem-detector event, a
 * prefix nobody knows) must not hide them. */
static enum og_rec_kind parse_inside(struct cur c, const char *ident, struct og_rec *r)
{
	const char *hit;
	if ((hit = find(c.p, c.end, " invoked oom-killer:")) != NULL && hit > c.p)
		return parse_invoked(c, hit, r);
	if ((hit = find_word(c.p, c.end, "Killed process ")) != NULL)
		return parse_killed(c, hit, r);
	if ((hit = find_word(c.p, c.end, "Kill process ")) != NULL)
		return parse_oldkill(c, hit, r);
	if ((hit = find_word(c.p, c.end, "oom-kill:")) != NULL) {
		summary_fields(hit + 9, c.end, r);
		return r->kind = OG_REC_SUMMARY;
	}
	if ((hit = find_word(c.p, c.end, "Killed /")) != NULL ||
	    (hit = find_word(c.p, c.end, "Marked /")) != NULL) {
		c.p = hit;
		return parse_oomd(c, r);
	}
	if ((hit = find_word(c.p, c.end, "Task in ")) != NULL)
		return task_in(c, hit, r);
	if ((hit = find_word(c.p, c.end, "Tasks in ")) != NULL) {
		const char *k =
			rfind(hit, c.end, " are going to be killed due to memory.oom.group set");
		if (!k)
			return OG_REC_NONE;
		hit += strlen("Tasks in ");
		cpy(r->path, sizeof(r->path), hit, (size_t)(k - hit));
		return r->kind = OG_REC_GROUP;
	}
	if ((hit = find(c.p, c.end, ": systemd-oomd killed ")) != NULL)
		return unit_oomd(c, hit, r);
	if ((hit = find(c.p, c.end,
			": A process of this unit has been killed by the OOM killer")) != NULL)
		return unit_line(c, hit, OG_REC_UNIT_OOM, r);
	if ((hit = find(c.p, c.end, ": Failed with result 'oom-kill'")) != NULL)
		return unit_line(c, hit, OG_REC_UNIT_RESULT, r);
	if ((hit = find_word(c.p, c.end, "oom_reaper: ")) != NULL) {
		c.p = hit + strlen("oom_reaper: ");
		return parse_reaper(c, r);
	}
	if (!ident || !ident[0] || is_ident(ident, "earlyoom")) {
		if ((hit = find(c.p, c.end, "sending SIG")) != NULL &&
		    find(hit, c.end, " to process "))
			return earlyoom_sending(c, hit, r);
		if ((hit = find(c.p, c.end, "illing process")) != NULL && hit > c.p &&
		    (hit[-1] == 'K' || hit[-1] == 'k'))
			return earlyoom_killing(c, hit, r);
	}
	return OG_REC_NONE;
}

enum og_rec_kind og_parse_msg(const char *msg, size_t len, const char *ident,
			      const struct og_tbl_layout *layout, struct og_rec *r)
{
	struct cur c = { msg, msg + len };
	enum og_rec_kind k;

	rec_reset(r);
	while (c.end > c.p && (c.end[-1] == '\n' || c.end[-1] == '\r'))
		c.end--;
	if (c.p >= c.end)
		return OG_REC_NONE;
	if ((k = parse_at_start(c, ident, layout, r)) != OG_REC_NONE)
		return k;
	rec_reset(r);
	if ((k = parse_inside(c, ident, r)) != OG_REC_NONE)
		return k;
	rec_reset(r);
	if (is_ident(ident, "systemd-oomd") || !ident || !ident[0]) {
		if ((k = parse_oomd_field(c, r)) != OG_REC_NONE)
			return k;
	}
	return parse_nohang(c, ident, r);
}

/* ---------- the hot-loop prefilter ---------- */

/* Wu-Manber with 2-byte blocks over one 11-byte window of each anchor: on
 * ordinary text the scan moves up to 10 bytes per table lookup.  Each window
 * is placed where its byte pairs are rarest in ordinary log text (measured
 * on bench/why.sh's log and on real users' logs), so that short shifts and
 * zero shifts stay rare; a zero shift verifies only the anchors whose window
 * ends in that pair.  Lines an anchor does not cover (tables, memcg usage,
 * stack traces) only occur inside an episode that an anchored line opened. */
#define WM_M 11
static const struct {
	const char *s;
	unsigned len, win; /* win: offset of the window inside s */
} anchors[] = {
	{ "invoked oom-killer", 18, 2 }, /* "voked oom-k" */
	{ "result 'oom-kill'", 17, 6 },  /* " 'oom-kill'": the manager's unit result */
	{ "Killed process", 14,
	  1 }, /* "illed proce": every kernel kill line, even rate-limited ones */
	{ "systemd-oomd[", 13, 1 },     /* "ystemd-oomd": oomd's own lines by their identifier */
	{ "process(es)", 11, 0 },       /* the manager's "systemd-oomd killed N process(es)" */
	{ "killed by the OOM", 17, 6 }, /* " by the OOM": the manager's kernel-OOM line */
	{ "oom_reaper:", 11, 0 },
	{ "ending SIGKILL", 14, 3 }, /* "ing SIGKILL": earlyoom "sending", nohang "Sending" */
	{ "ending SIGTERM", 14, 3 },
	{ "Send SIGKILL", 12, 1 }, /* "end SIGKILL": nohang 0.1 "Send SIGKILL to the victim" */
	{ "Send SIGTERM", 12, 1 },
	{ "Victim status", 13, 1 },   /* "ictim statu": nohang, the victim's PID line follows */
	{ "highest badness", 15, 1 }, /* "ighest badn" */
	{ "and no killable", 15, 1 }, /* "nd no killa" */
	{ " or sacrifice", 13,
	  1 }, /* "or sacrific": <= 5.0 "Kill process N (x) score N or sacrifice child" alone */
	{ "oom-kill:constraint", 19, 2 }, /* "m-kill:cons": the summary alone */
	{ "due to memory", 13,
	  2 }, /* "e to memory": oomd's notice without its identifier (json, paste) */
	{ "as a result of limit", 20,
	  8 }, /* "ult of limi": cgroup v1 "Task in X killed as a result of limit of Y" */
	{ "illing process '", 16,
	  5 }, /* "g process '": earlyoom 1.2 (the manager's "Killing process N (x)" is not) */
	{ "illing process: ", 16, 4 },  /* "ng process:": earlyoom 1.1 */
	{ "with signal 15:", 15, 4 },   /* " signal 15:": an earlyoom 1.3 pre-release */
	{ "with signal 9:", 14, 2 },    /* "th signal 9" */
	{ "the command: kill", 17, 1 }, /* "he command:": nohang running "kill -TERM N" */
	{ "kB, anon-rss", 12,
	  0 }, /* "kB, anon-rs": a Killed line whose first half is wrapped away */
	{ "matches with name", 17, 2 }, /* "tches with ": nohang's victim of a configured command */
	{ "CGroup_v2: /", 12, 1 }, /* "Group_v2: /": nohang's victim block, its start cut off */
	{ "oom-kill event", 14,
	  0 }, /* "oom-kill ev": Slurm "Detected N oom-kill event(s) in StepId=J.S" */
	{ "oom_kill event", 14, 0 }, /* Slurm 21.08+ wording */
};
#define NANCHORS (sizeof(anchors) / sizeof(anchors[0]))

static unsigned pair(const char *p)
{
	return (unsigned)(unsigned char)p[0] << 8 | (unsigned char)p[1];
}

void og_anchors_init(struct og_anchors *a)
{
	_Static_assert(NANCHORS < OG_MAX_ANCHORS, "struct og_anchors holds every anchor");
	memset(a->shift, WM_M - 1, sizeof(a->shift));
	memset(a->first, 0, sizeof(a->first));
	for (size_t i = NANCHORS; i-- > 0;) {
		const char *w = anchors[i].s + anchors[i].win;
		for (unsigned j = 1; j < WM_M; j++) {
			unsigned blk = pair(w + j - 1);
			if (a->shift[blk] > WM_M - 1 - j)
				a->shift[blk] = (uint8_t)(WM_M - 1 - j);
		}
		unsigned last = pair(w + WM_M - 2);
		a->next[i] = a->first[last];
		a->first[last] = (uint8_t)(i + 1);
	}
}

size_t og_anchor_find(const struct og_anchors *a, const char *buf, size_t len)
{
	size_t pos = WM_M - 1;

	while (pos < len) {
		unsigned blk = pair(buf + pos - 1);
		uint8_t s = a->shift[blk];
		if (s) {
			pos += s;
			continue;
		}
		for (unsigned k = a->first[blk]; k; k = a->next[k - 1]) {
			size_t i = k - 1, back = WM_M - 1 + anchors[i].win;
			if (pos < back)
				continue;
			size_t start = pos - back;
			if (start + anchors[i].len <= len &&
			    memcmp(buf + start, anchors[i].s, anchors[i].len) == 0)
				return start;
		}
		pos++;
	}
	return len;
}

/* ---------- wrapped lines ---------- */

static bool ends_with(const char *s, const char *e, const char *lit)
{
	size_t n = strlen(lit);
	return (size_t)(e - s) >= n && memcmp(e - n, lit, n) == 0;
}

/* "key" + optional '-' + digits at the very end */
static bool ends_with_num(const char *s, const char *e, const char *key)
{
	const char *p = e;
	while (p > s && ts_digit(p[-1]))
		p--;
	if (p == e)
		return false;
	if (p > s && p[-1] == '-')
		p--;
	return ends_with(s, p, key);
}

int og_wrap_kind(const char *msg, size_t len)
{
	const char *s = msg, *e = msg + len;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	if (e == s)
		return OG_WRAP_NONE;
	static const char *const openers[] = { "Killed process",
					       "Kill process",
					       "invoked oom-killer:",
					       "oom-kill:constraint",
					       "Memory cgroup out of memory:",
					       "Out of memory:" };
	for (size_t i = 0; i < sizeof(openers) / sizeof(openers[0]); i++) {
		size_t ol = strlen(openers[i]);
		for (size_t n = ol - 1; n >= 4; n--) {
			const char *p = e - n;
			if ((size_t)(e - s) >= n && !memcmp(p, openers[i], n) &&
			    (p == s || p[-1] == ' ' || p[-1] == ':'))
				return OG_WRAP_OPENER;
		}
		if (i >= 4 && ends_with(s, e, openers[i]))
			return OG_WRAP_OPENER;
	}
	if (find_word(s, e, "Killed process "))
		return ends_with(s, e, "kB") || ends_with_num(s, e, "oom_score_adj:") ||
				       ends_with(s, e, ")") || ends_with(s, e, ").")
			       ? OG_WRAP_NONE
			       : OG_WRAP_KILLED;
	if (find_word(s, e, "oom-kill:"))
		return ends_with_num(s, e, ",uid=") ? OG_WRAP_NONE : OG_WRAP_SUMMARY;
	if (find(s, e, " invoked oom-killer:"))
		return ends_with_num(s, e, "oom_score_adj=") ? OG_WRAP_NONE : OG_WRAP_INVOKED;
	if (find_word(s, e, "Kill process "))
		return ends_with(s, e, "child") || ends_with(s, e, "memory") ? OG_WRAP_NONE
									     : OG_WRAP_OLDKILL;
	if (find_word(s, e, "Killed /") || find_word(s, e, "Marked /"))
		return ends_with(s, e, "activity") || ends_with(s, e, "%") ||
				       ends_with(s, e, "for killing") || ends_with(s, e, ">")
			       ? OG_WRAP_NONE
			       : OG_WRAP_OOMD;
	if (find(s, e, "sending SIG") && find(s, e, " to process "))
		return ends_with(s, e, "MiB") || ends_with(s, e, "\"") ? OG_WRAP_NONE
								       : OG_WRAP_EARLYOOM;
	return OG_WRAP_NONE;
}

bool og_wrap_continues(int kind, const char *msg, size_t len)
{
	struct og_rec r;
	if (kind == OG_WRAP_NONE || len == 0)
		return false;
	if (og_parse_msg(msg, len, "", NULL, &r) != OG_REC_NONE)
		return false;
	/* a task-table row or a stack line is not the rest of a kill line */
	return kind == OG_WRAP_EMPTY || msg[0] != '[';
}

/* Words of the formats above: a wrap between two of them lost a space. */
bool og_wrap_word(const char *w, size_t n)
{
	static const char *const words[] = {
		"Killed",  "process", "Kill",    "score",    "or",          "sacrifice", "child",
		"sharing", "same",    "memory",  "due",      "to",          "pressure",  "for",
		"being",   "with",    "reclaim", "activity", "used",        "total",     "and",
		"swap",    "more",    "than",    "invoked",  "oom-killer:", "Out",       "of",
		"Memory",  "cgroup",  "out",     "memory:",  "killing",     "Marked",    "Tasks",
		"in",      "are",     "going",   "be",       "killed",      "set",       "sending",
		"uid",     "Task",    "as",      "a",        "result",      "limit",
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && !memcmp(words[i], w, n))
			return true;
	return false;
}

size_t og_embedded_stamp(const char *msg, size_t len)
{
	const char *e = msg + len;
	for (const char *p = msg; (p = find(p, e, " [")) != NULL; p++) {
		struct cur c = { p + 2, e };
		long long v;
		skip_sp(&c);
		if (num(&c, &v) && eat(&c, ".") && c.p < e && ts_digit(*c.p)) {
			while (c.p < e && ts_digit(*c.p))
				c.p++;
			if (eat(&c, "] "))
				return (size_t)(p + 1 - msg);
		}
	}
	return len;
}
