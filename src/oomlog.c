/* OOM log line parsers (see oomlog.h).  Every parser works on (pointer,
 * length) of text that may hold anything: no NUL termination is assumed and
 * every field is bounded by the line. */
#include "oomlog.h"
#include "textscan.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>

/* ---------- small scanning helpers (the rest are in textscan.h) ---------- */

static long long mulsat(long long a, long long b)
{
	long long r;
	return __builtin_mul_overflow(a, b, &r) ? (((a < 0) != (b < 0)) ? LLONG_MIN : LLONG_MAX) : r;
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
	t->total_vm_kib = t->rss_kib = t->anon_kib = t->file_kib = t->shmem_kib = t->pgtables_kib = t->swap_kib = -1;
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
	c.p = hit + strlen(" invoked oom-killer: ");
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
	static const char *keys[] = { "memory+swap: usage ", "memory: usage ", "swap: usage ", "kmem: usage " };
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
		{ "uid", OG_COL_UID },	     { "tgid", OG_COL_TGID },	      { "total_vm", OG_COL_TOTAL_VM },
		{ "rss", OG_COL_RSS },	     { "rss_anon", OG_COL_RSS_ANON }, { "rss_file", OG_COL_RSS_FILE },
		{ "rss_shmem", OG_COL_RSS_SHMEM }, { "nr_ptes", OG_COL_NR_PTES }, { "nr_pmds", OG_COL_NR_PMDS },
		{ "pgtables_bytes", OG_COL_PGTABLES_BYTES }, { "swapents", OG_COL_SWAPENTS },
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
	const long long page = 4; /* KiB; the log does not say, and 4 KiB is what x86 and most arm64 use */
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
static void summary_fields(const char *s, const char *end, struct og_rec *r)
{
	/* pid and uid from the right: task=%s may hold ',' and '='. */
	const char *u = rfind(s, end, ",uid=");
	const char *tail = end;
	if (u) {
		const char *pe = rfind(s, u, ",pid=");
		const char *te = pe ? find(s, pe + 1, "task=") : NULL;
		if (te && te != s && te[-1] != ',')
			te = NULL;
		if (pe && te) {
			long long v;
			struct cur c = { pe + 5, u };
			struct cur cu = { u + 5, end };
			if (num(&c, &v) && c.p == u) {
				r->t.pid = (int)v;
				if (num(&cu, &v))
					r->t.uid = (long)v;
				cpy(r->t.comm, sizeof(r->t.comm), te + 5, (size_t)(pe - te - 5));
				r->has_task = true;
				tail = te > s ? te - 1 : te;
			}
		}
	}
	/* Everything before task=: comma-separated keys; a token without '='
	 * continues the previous value (node lists like "0-1,3", odd paths). */
	char *last = NULL;
	size_t lastsz = 0;
	const char *p = s;
	while (p < tail) {
		const char *q = memchr(p, ',', (size_t)(tail - p));
		if (!q)
			q = tail;
		const char *eq = memchr(p, '=', (size_t)(q - p));
		if (!eq) {
			if (q - p == 10 && memcmp(p, "global_oom", 10) == 0) {
				r->global_oom = true;
				last = NULL;
			} else if (last) {
				size_t have = strlen(last);
				if (have + 1 < lastsz) {
					last[have] = ',';
					cpy(last + have + 1, lastsz - have - 1, p, (size_t)(q - p));
				}
			}
		} else {
			size_t kl = (size_t)(eq - p);
			const char *v = eq + 1;
			size_t vl = (size_t)(q - v);
			last = NULL;
			if (kl == 10 && memcmp(p, "constraint", 10) == 0) {
				cpy(r->constraint, sizeof(r->constraint), v, vl);
				last = r->constraint, lastsz = sizeof(r->constraint);
			} else if (kl == 9 && memcmp(p, "oom_memcg", 9) == 0) {
				cpy(r->path, sizeof(r->path), v, vl);
				last = r->path, lastsz = sizeof(r->path);
			} else if (kl == 10 && memcmp(p, "task_memcg", 10) == 0) {
				cpy(r->path2, sizeof(r->path2), v, vl);
				last = r->path2, lastsz = sizeof(r->path2);
			}
		}
		p = q + 1;
	}
}

static enum og_rec_kind parse_killed(struct cur c, const char *hit, struct og_rec *r)
{
	/* Prefix "Out of memory: ", "Memory cgroup out of memory: ", ... */
	if (hit > c.p) {
		const char *pe = hit;
		while (pe > c.p && pe[-1] == ' ')
			pe--;
		if (pe > c.p && pe[-1] == ':')
			pe--;
		cpy(r->prefix, sizeof(r->prefix), c.p, (size_t)(pe - c.p));
	}
	c.p = hit + strlen("Killed process ");
	if (!num_int(&c, &r->t.pid) || !eat(&c, " ("))
		return OG_REC_NONE;
	r->t.tgid = r->t.pid;
	const char *ce = rfind(c.p, c.end, ") total-vm:");
	if (!ce) {
		ce = rfind(c.p, c.end, ")");
		if (!ce)
			return OG_REC_NONE;
	}
	cpy(r->t.comm, sizeof(r->t.comm), c.p, (size_t)(ce - c.p));
	const char *f = ce + 1;
	long long v;
	if (keyed(f, c.end, "total-vm:", &v))
		r->t.total_vm_kib = v;
	if (keyed(f, c.end, "anon-rss:", &v))
		r->t.anon_kib = v;
	if (keyed(f, c.end, "file-rss:", &v))
		r->t.file_kib = v;
	if (keyed(f, c.end, "shmem-rss:", &v))
		r->t.shmem_kib = v;
	if (keyed(f, c.end, "UID:", &v))
		r->t.uid = (long)v;
	if (keyed(f, c.end, "pgtables:", &v))
		r->t.pgtables_kib = v;
	if (keyed(f, c.end, "oom_score_adj:", &v))
		r->t.adj = (int)v;
	if (r->t.anon_kib >= 0) {
		r->t.rss_kib = addsat(addsat(r->t.anon_kib, r->t.file_kib > 0 ? r->t.file_kib : 0),
				      r->t.shmem_kib > 0 ? r->t.shmem_kib : 0);
	}
	/* 5.4 without the units fix printed bytes labelled kB (kernel-oom.md
	 * Appendix A): no process has page tables a hundredth of its VM size. */
	if (r->t.pgtables_kib > 0 && r->t.total_vm_kib > 0 && r->t.pgtables_kib > r->t.total_vm_kib / 100 + 1024)
		r->t.pgtables_kib /= 1024;
	return r->kind = OG_REC_KILLED;
}

static enum og_rec_kind parse_oldkill(struct cur c, const char *hit, struct og_rec *r)
{
	if (hit > c.p) {
		const char *pe = hit;
		while (pe > c.p && (pe[-1] == ' ' || pe[-1] == ':'))
			pe--;
		cpy(r->prefix, sizeof(r->prefix), c.p, (size_t)(pe - c.p));
	}
	c.p = hit + strlen("Kill process ");
	if (!num_int(&c, &r->t.pid) || !eat(&c, " ("))
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

static bool paren_u64(struct cur *c, unsigned long long *out)
{
	long long v;
	if (!eat(c, "(") || !num(c, &v) || v < 0 || !eat(c, ")"))
		return false;
	*out = (unsigned long long)v;
	return true;
}

static enum og_rec_kind parse_oomd(struct cur c, struct og_rec *r)
{
	r->marked = at(&c, "Marked ");
	c.p += 7;
	const char *cg = c.p;
	const char *due = find(c.p, c.end, " due to memory ");
	if (!due || *cg != '/')
		return OG_REC_NONE;
	const char *cge = due;
	if (r->marked) {
		const char *fk = rfind(cg, due, " for killing");
		if (!fk || fk + 12 != due)
			return OG_REC_NONE;
		cge = fk;
	}
	cpy(r->path, sizeof(r->path), cg, (size_t)(cge - cg));
	c.p = due + strlen(" due to memory ");
	if (eat(&c, "pressure for ")) {
		const char *be = rfind(c.p, c.end, " being ");
		if (!be)
			return OG_REC_NONE;
		cpy(r->path2, sizeof(r->path2), c.p, (size_t)(be - c.p));
		c.p = be + 7;
		if (!pct(&c, r->pressure, sizeof(r->pressure)) || !eat(&c, " > ") ||
		    !pct(&c, r->plimit, sizeof(r->plimit)) || !eat(&c, " for > "))
			return OG_REC_NONE;
		const char *d = c.p;
		const char *de = find(c.p, c.end, " with reclaim");
		if (!de)
			de = c.end;
		cpy(r->duration, sizeof(r->duration), d, (size_t)(de - d));
		return r->kind = OG_REC_OOMD_KILL;
	}
	if (eat(&c, "used ")) {
		r->swap = true;
		if (!paren_u64(&c, &r->mem_used) || !eat(&c, " / total ") || !paren_u64(&c, &r->mem_total) ||
		    !eat(&c, " and swap used ") || !paren_u64(&c, &r->swap_used) || !eat(&c, " / total ") ||
		    !paren_u64(&c, &r->swap_total))
			return OG_REC_NONE;
		if (eat(&c, " being more than "))
			pct(&c, r->plimit, sizeof(r->plimit));
		return r->kind = OG_REC_OOMD_KILL;
	}
	return OG_REC_NONE;
}

static enum og_rec_kind parse_earlyoom(struct cur c, const char *hit, struct og_rec *r)
{
	long long v;
	c.p = hit + 8; /* "sending " */
	const char *sg = c.p;
	while (c.p < c.end && *c.p != ' ')
		c.p++;
	cpy(r->sig, sizeof(r->sig), sg, (size_t)(c.p - sg));
	if (!eat(&c, " to process ") || !num_int(&c, &r->t.pid))
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
		return OG_REC_NONE;
	cpy(r->t.comm, sizeof(r->t.comm), c.p, (size_t)(ne - c.p));
	const char *f = ne + 3;
	if (keyed(f, c.end, "oom_score ", &v) || keyed(f, c.end, "badness ", &v))
		r->score = (long)v;
	if (keyed(f, c.end, "oom_score_adj ", &v))
		r->t.adj = (int)v;
	if (keyed(f, c.end, "VmRSS ", &v)) {
		r->rss_mib = (long)v;
		r->t.rss_kib = mulsat(v, 1024);
	}
	return r->kind = OG_REC_EARLYOOM;
}

static bool is_ident(const char *ident, const char *name)
{
	return ident && strcmp(ident, name) == 0;
}

static enum og_rec_kind parse_nohang(struct cur c, const char *ident, struct og_rec *r)
{
	if (ident && ident[0] && !is_ident(ident, "nohang"))
		return OG_REC_NONE;
	skip_sp(&c);
	while (c.p < c.end && *c.p == '\t')
		c.p++;
	if (eat(&c, "PID:")) {
		skip_sp(&c);
		if (!num_int(&c, &r->t.pid) || !(eat(&c, ", name: ") || eat(&c, ", Name: ")))
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
	if (at(&c, "Victim status") || at(&c, "Process with highest badness") || at(&c, "TOP printed in"))
		return r->kind = OG_REC_NOHANG_HDR;
	if (eat(&c, "[ OK ] "))
		skip_sp(&c);
	if (eat(&c, "Sending SIG")) {
		const char *s = c.p - 3;
		while (c.p < c.end && isupper((unsigned char)*c.p))
			c.p++;
		cpy(r->sig, sizeof(r->sig), s, (size_t)(c.p - s));
		if (!eat(&c, " to "))
			return OG_REC_NONE;
		if (!eat(&c, "the victim"))
			cpy(r->t.comm, sizeof(r->t.comm), c.p, (size_t)(c.end - c.p));
		return r->kind = OG_REC_NOHANG_ACTION;
	}
	return OG_REC_NONE;
}

static enum og_rec_kind parse_oomd_field(struct cur c, struct og_rec *r)
{
	static const char *keys[] = { "Path", "Current Memory Usage", "Swap Usage", "Memory Pressure Limit",
				      "Pressure", "Memory Min", "Memory Low", "Pgscan", "Last Pgscan",
				      "Memory Pressure Duration" };
	while (c.p < c.end && (*c.p == ' ' || *c.p == '\t'))
		c.p++;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t kl = strlen(keys[i]);
		if ((size_t)(c.end - c.p) > kl + 1 && memcmp(c.p, keys[i], kl) == 0 && c.p[kl] == ':') {
			cpy(r->key, sizeof(r->key), keys[i], kl);
			c.p += kl + 1;
			skip_sp(&c);
			cpy(r->path, sizeof(r->path), c.p, (size_t)(c.end - c.p));
			return r->kind = OG_REC_OOMD_FIELD;
		}
	}
	return OG_REC_NONE;
}

enum og_rec_kind og_parse_msg(const char *msg, size_t len, const char *ident, const struct og_tbl_layout *layout,
			      struct og_rec *r)
{
	struct cur c = { msg, msg + len };
	const char *hit;
	long long v;

	memset(r, 0, sizeof(*r));
	task_init(&r->t);
	r->count = -1;
	while (c.end > c.p && (c.end[-1] == '\n' || c.end[-1] == '\r'))
		c.end--;
	if (c.p >= c.end)
		return OG_REC_NONE;

	switch (*c.p) {
	case '[':
		if (at(&c, "[ OK ] "))
			return parse_nohang(c, ident, r);
		{
			struct cur t = c;
			t.p++;
			skip_sp(&t);
			if (at(&t, "pid"))
				return parse_header(c, r);
			return parse_row(c, layout, r);
		}
	case 'o':
		if (eat(&c, "oom-kill:")) {
			summary_fields(c.p, c.end, r);
			return r->kind = OG_REC_SUMMARY;
		}
		if (eat(&c, "oom_reaper: "))
			return parse_reaper(c, r);
		break;
	case ',':
		if (find(c.p, c.end, "task_memcg=") || find(c.p, c.end, "global_oom") || find(c.p, c.end, ",task=")) {
			summary_fields(c.p + 1, c.end, r);
			return r->kind = OG_REC_SUMMARY_CONT;
		}
		return OG_REC_NONE;
	case 'C':
		if (at(&c, "CPU: "))
			return parse_stack(c, r);
		if (eat(&c, "Considered ")) {
			if (!num(&c, &v) || !eat(&c, " cgroups for killing"))
				return OG_REC_NONE;
			r->count = (long)v;
			return r->kind = OG_REC_OOMD_CONSIDERED;
		}
		break;
	case 'm':
	case 's':
	case 'k':
		if (find(c.p, c.p + (len < 20 ? len : 20), ": usage "))
			return parse_usage(c, r);
		break;
	case 'M':
		if (eat(&c, "Memory cgroup stats for ")) {
			const char *e = c.end;
			if (e > c.p && e[-1] == ':')
				e--;
			cpy(r->path, sizeof(r->path), c.p, (size_t)(e - c.p));
			return r->kind = OG_REC_MEMCG_STATS;
		}
		if (at(&c, "Mem-Info:"))
			return r->kind = OG_REC_MEMINFO;
		if (at(&c, "Marked /"))
			return parse_oomd(c, r);
		break;
	case 'T':
		if (at(&c, "Tasks state (memory values in pages)"))
			return r->kind = OG_REC_TASKS_STATE;
		if (eat(&c, "Task in ")) {
			const char *k = find(c.p, c.end, " killed as a result of limit of ");
			if (!k)
				return OG_REC_NONE;
			cpy(r->path2, sizeof(r->path2), c.p, (size_t)(k - c.p));
			c.p = k + strlen(" killed as a result of limit of ");
			cpy(r->path, sizeof(r->path), c.p, (size_t)(c.end - c.p));
			return r->kind = OG_REC_TASK_IN;
		}
		if (eat(&c, "Tasks in ")) {
			const char *k = rfind(c.p, c.end, " are going to be killed due to memory.oom.group set");
			if (!k)
				return OG_REC_NONE;
			cpy(r->path, sizeof(r->path), c.p, (size_t)(k - c.p));
			return r->kind = OG_REC_GROUP;
		}
		break;
	case 'O':
		if (at(&c, "Out of memory and no killable processes"))
			return r->kind = OG_REC_NO_KILLABLE;
		break;
	case 'K':
		if (at(&c, "Killed /"))
			return parse_oomd(c, r);
		break;
	default:
		break;
	}

	if ((hit = find(c.p, c.end, " invoked oom-killer: ")) != NULL && hit > c.p)
		return parse_invoked(c, hit, r);
	if ((hit = find(c.p, c.end, "Killed process ")) != NULL && (hit == c.p || hit[-1] == ' '))
		return parse_killed(c, hit, r);
	if ((hit = find(c.p, c.end, "Kill process ")) != NULL && (hit == c.p || hit[-1] == ' '))
		return parse_oldkill(c, hit, r);
	if ((hit = find(c.p, c.end, ": systemd-oomd killed ")) != NULL) {
		cpy(r->path, sizeof(r->path), c.p, (size_t)(hit - c.p));
		struct cur t = { hit + strlen(": systemd-oomd killed "), c.end };
		if (num(&t, &v))
			r->count = (long)v;
		else if (!eat(&t, "some"))
			return OG_REC_NONE;
		if (!eat(&t, " process(es)"))
			return OG_REC_NONE;
		return r->kind = OG_REC_UNIT_OOMD;
	}
	if ((hit = find(c.p, c.end, ": A process of this unit has been killed by the OOM killer")) != NULL) {
		cpy(r->path, sizeof(r->path), c.p, (size_t)(hit - c.p));
		return r->kind = OG_REC_UNIT_OOM;
	}
	if ((hit = find(c.p, c.end, ": Failed with result 'oom-kill'")) != NULL) {
		cpy(r->path, sizeof(r->path), c.p, (size_t)(hit - c.p));
		return r->kind = OG_REC_UNIT_RESULT;
	}
	if ((hit = find(c.p, c.end, "sending SIG")) != NULL && find(hit, c.end, " to process "))
		return parse_earlyoom(c, hit, r);
	if (is_ident(ident, "systemd-oomd") || !ident || !ident[0]) {
		enum og_rec_kind k = parse_oomd_field(c, r);
		if (k != OG_REC_NONE)
			return k;
	}
	return parse_nohang(c, ident, r);
}

/* ---------- the hot-loop prefilter ---------- */

/* Wu-Manber with 2-byte blocks over one 11-byte window of each anchor: on
 * ordinary text the scan moves up to 10 bytes per table lookup.  Each window
 * is chosen to end in a byte pair that is rare in ordinary log text, so that
 * zero shifts (which cost a verification) stay rare too.  Lines an anchor
 * does not cover ("Kill process", tables, memcg usage) only occur inside an
 * episode that an anchored line opened. */
#define WM_M 11
static const struct {
	const char *s;
	unsigned len, win; /* win: offset of the window inside s */
} anchors[] = {
	{ "invoked oom-killer", 18, 2 },  /* "voked oom-k" */
	{ "result 'oom-kill'", 17, 6 },   /* " 'oom-kill'": the manager's unit result */
	{ "Killed process", 14, 0 },      /* "Killed proc": every kernel kill line, even rate-limited ones */
	{ "systemd-oomd[", 13, 2 },       /* "stemd-oomd[": oomd's own lines by their identifier */
	{ "process(es)", 11, 0 },         /* the manager's "systemd-oomd killed N process(es)" */
	{ "killed by the OOM", 17, 5 },   /* "d by the OO": the manager's kernel-OOM line */
	{ "oom_reaper:", 11, 0 },
	{ "ending SIGKILL", 14, 2 },      /* "nding SIGKI": earlyoom "sending", nohang "Sending" */
	{ "ending SIGTERM", 14, 2 },      /* "nding SIGTE" */
	{ "Victim status", 13, 1 },       /* "ictim statu": nohang, the victim's PID line follows */
	{ "highest badness", 15, 1 },     /* "ighest badn" */
	{ "and no killable", 15, 2 },     /* "d no killab" */
};

static unsigned pair(const char *p)
{
	return (unsigned)(unsigned char)p[0] << 8 | (unsigned char)p[1];
}

void og_anchors_init(struct og_anchors *a)
{
	memset(a->shift, WM_M - 1, sizeof(a->shift));
	for (size_t i = 0; i < sizeof(anchors) / sizeof(anchors[0]); i++) {
		const char *w = anchors[i].s + anchors[i].win;
		for (unsigned j = 1; j < WM_M; j++) {
			unsigned blk = pair(w + j - 1);
			if (a->shift[blk] > WM_M - 1 - j)
				a->shift[blk] = (uint8_t)(WM_M - 1 - j);
		}
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
		for (size_t i = 0; i < sizeof(anchors) / sizeof(anchors[0]); i++) {
			size_t back = WM_M - 1 + anchors[i].win;
			if (pair(anchors[i].s + anchors[i].win + WM_M - 2) != blk || pos < back)
				continue;
			size_t start = pos - back;
			if (start + anchors[i].len <= len && memcmp(buf + start, anchors[i].s, anchors[i].len) == 0)
				return start;
		}
		pos++;
	}
	return len;
}

const char *og_rec_kind_name(enum og_rec_kind k)
{
	static const char *const names[] = {
		"none", "invoked", "stack", "memcg_usage", "memcg_stats", "meminfo", "tasks_state", "task_hdr",
		"task_row", "task_in", "summary", "summary_cont", "oldkill", "killed", "group", "reaped",
		"no_killable", "oomd_kill", "oomd_considered", "oomd_field", "unit_oomd", "unit_oom",
		"unit_result", "earlyoom", "nohang_hdr", "nohang_victim", "nohang_action",
	};
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}
