/* Parsers of the OOM lines in a job's output (Slurm, torchrun, PyTorch) and
 * their join to the kernel's kill; see oomlog_job.h. */
#include "oomlog_job.h"
#include "oomlog_slurm.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

struct cur {
	const char *p, *end;
};

static const char *find(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);
	return p < end ? memmem(p, (size_t)(end - p), needle, n) : NULL;
}

/* A decimal number of at most 9 digits at c->p; -1 when none. */
static long num(struct cur *c)
{
	unsigned long long v;
	size_t used;

	if (og_scan_ull(c->p, (size_t)(c->end - c->p), 999999999, &v, &used) < 0 || used > 9)
		return -1;
	c->p += used;
	return (long)v;
}

static bool lit(struct cur *c, const char *s)
{
	size_t n = strlen(s);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n))
		return false;
	c->p += n;
	return true;
}

/* A word of [A-Za-z0-9_.-] into out. */
static size_t word(struct cur *c, char *out, size_t size)
{
	size_t n = 0;
	while (c->p < c->end &&
	       (isalnum((unsigned char)*c->p) || *c->p == '_' || *c->p == '-' || *c->p == '.')) {
		if (n + 1 < size)
			out[n++] = *c->p;
		c->p++;
	}
	out[n] = '\0';
	return n;
}

/* "J.S" with S digits or a name; the trailing '.' of a sentence is not S's. */
static bool step_id(struct cur *c, long *job, char *step, size_t size)
{
	char w[32];
	size_t n;

	if ((*job = num(c)) < 0 || !lit(c, "."))
		return false;
	n = word(c, w, sizeof(w));
	while (n && w[n - 1] == '.')
		w[--n] = '\0';
	if (!n || n >= size)
		return false;
	memcpy(step, w, n + 1);
	return true;
}

/* Slurm's own reader of this line (oomlog_slurm.c), shared with the log
 * parsers: one grammar for every wording Slurm used. */
_Static_assert(sizeof(((struct og_jobrec *)0)->step) == sizeof(((struct og_slurm_oom *)0)->step),
	       "step ids");

static bool detected(struct cur c, struct og_jobrec *r)
{
	struct og_slurm_oom so;

	if (!og_slurm_oom_parse(c.p, (size_t)(c.end - c.p), &so))
		return false;
	r->kind = OG_JOB_SLURM_DETECTED;
	r->count = so.count;
	r->job = so.job;
	memcpy(r->step, so.step, sizeof(r->step));
	return true;
}

/* "NODE: task N: Out Of Memory" or "NODE: tasks A-B: Out Of Memory" */
static bool task_oom(struct cur c, struct og_jobrec *r)
{
	const char *h = find(c.p, c.end, ": Out Of Memory");
	const char *t = NULL;

	if (!h)
		return false;
	for (const char *q = h; q > c.p + 5; q--)
		if (!memcmp(q - 5, "task", 4) && (q[-1] == ' ' || q[-1] == 's')) {
			t = q - 5;
			break;
		}
	if (!t)
		return false;
	struct cur d = { t + 4, h };
	lit(&d, "s");
	if (!lit(&d, " ") || (r->task_lo = num(&d)) < 0)
		return false;
	r->task_hi = r->task_lo;
	if (lit(&d, "-") && (r->task_hi = num(&d)) < r->task_lo)
		return false;
	if (d.p != h)
		return false;
	/* the node name before ": task" */
	const char *ne = t >= c.p + 2 && t[-2] == ':' ? t - 2 : NULL;
	if (ne) {
		const char *ns = ne;
		while (ns > c.p && ns[-1] != ' ')
			ns--;
		size_t n = (size_t)(ne - ns) < sizeof(r->node) ? (size_t)(ne - ns)
							       : sizeof(r->node) - 1;
		memcpy(r->node, ns, n);
		r->node[n] = '\0';
	}
	r->kind = OG_JOB_SLURM_TASK_OOM;
	return true;
}

static bool cancelled(struct cur c, struct og_jobrec *r)
{
	const char *h = find(c.p, c.end, "*** ");
	if (!h || !find(h, c.end, " CANCELLED AT "))
		return false;
	c.p = h + 4;
	if (lit(&c, "JOB ")) {
		if ((r->job = num(&c)) < 0)
			return false;
	} else if (!lit(&c, "STEP ") || !step_id(&c, &r->job, r->step, sizeof(r->step))) {
		return false;
	}
	if (!lit(&c, " ON "))
		return false;
	word(&c, r->node, sizeof(r->node));
	r->kind = OG_JOB_SLURM_CANCELLED;
	return lit(&c, " CANCELLED AT ");
}

static bool torch_sigkill(struct cur c, struct og_jobrec *r)
{
	static const char needle[] = "Signal 9 (SIGKILL) received by PID ";
	const char *h = find(c.p, c.end, needle);
	if (!h)
		return false;
	c.p = h + sizeof(needle) - 1;
	long v = num(&c);
	if (v <= 0)
		return false;
	r->pids[r->npids++] = (int)v;
	r->kind = OG_JOB_TORCH_SIGKILL;
	return true;
}

/* "DataLoader worker (pid 1234) is killed by signal: Killed." or
 * "DataLoader worker (pid(s) 1234, 1235) exited unexpectedly" */
static bool dataloader(struct cur c, struct og_jobrec *r)
{
	static const char needle[] = "DataLoader worker (pid";
	const char *h = find(c.p, c.end, needle);
	if (!h)
		return false;
	c.p = h + sizeof(needle) - 1;
	if (!lit(&c, "(s) ") && !lit(&c, " "))
		return false;
	for (;;) {
		long v = num(&c);
		if (v <= 0)
			return false;
		if (r->npids < OG_JOB_PIDS)
			r->pids[r->npids++] = (int)v;
		if (!lit(&c, ", "))
			break;
	}
	if (!lit(&c, ") ") ||
	    (!lit(&c, "is killed by signal: ") && !lit(&c, "exited unexpectedly")))
		return false;
	r->kind = OG_JOB_DATALOADER;
	return true;
}

bool og_jobline_parse(const char *line, size_t len, struct og_jobrec *r)
{
	struct cur c = { line, line + len };

	memset(r, 0, sizeof(*r));
	r->job = r->count = r->task_lo = r->task_hi = -1;
	if (!(detected(c, r) || task_oom(c, r) || cancelled(c, r) || torch_sigkill(c, r) ||
	      dataloader(c, r))) {
		r->kind = OG_JOB_NONE;
		return false;
	}
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	size_t n = len < sizeof(r->text) ? len : sizeof(r->text) - 1;
	memcpy(r->text, line, n);
	r->text[n] = '\0';
	return true;
}

size_t og_joblog_scan(const char *buf, size_t len, struct og_jobrec *r, size_t max)
{
	size_t n = 0;

	for (const char *p = buf, *end = buf + len; p < end && n < max;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (og_jobline_parse(p, ll, &r[n]))
			n++;
		p += ll + 1;
	}
	return n;
}

/* The number after "key" when the component is exactly key + digits. */
static long comp_num(const char *s, size_t n, const char *key)
{
	size_t k = strlen(key);
	struct cur c = { s + k, s + n };
	long v;

	if (n <= k || memcmp(s, key, k))
		return -1;
	v = num(&c);
	return c.p == c.end ? v : -1;
}

bool og_slurm_path(const char *path, struct og_slurm_ids *ids)
{
	memset(ids, 0, sizeof(*ids));
	ids->uid = ids->job = ids->task = -1;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		long v;
		if ((v = comp_num(p, n, "uid_")) >= 0)
			ids->uid = v;
		else if ((v = comp_num(p, n, "job_")) >= 0)
			ids->job = v;
		else if ((v = comp_num(p, n, "task_")) >= 0)
			ids->task = v;
		else if (n > 5 && n < 5 + sizeof(ids->step) && !memcmp(p, "step_", 5) &&
			 ids->job >= 0) {
			memcpy(ids->step, p + 5, n - 5);
			ids->step[n - 5] = '\0';
		}
		p += n;
	}
	return ids->job >= 0;
}

static bool has_pid(const struct og_jobrec *r, int pid)
{
	for (int i = 0; i < r->npids; i++)
		if (r->pids[i] == pid)
			return true;
	return false;
}

static bool belongs(const struct og_event *e, const struct og_slurm_ids *id,
		    const struct og_jobrec *r, bool file_has_job)
{
	switch (r->kind) {
	case OG_JOB_SLURM_DETECTED:
		/* a placeholder job id ("StepId=JOBID.13") is nobody's */
		return id->job >= 0 && id->job == r->job &&
		       (!id->step[0] || !strcmp(id->step, r->step));
	case OG_JOB_SLURM_TASK_OOM:
		/* srun's line has no job id: believe it when the output is this job's */
		return id->job >= 0 && file_has_job && id->task >= r->task_lo &&
		       id->task <= r->task_hi;
	case OG_JOB_SLURM_CANCELLED:
		return id->job == r->job && (!r->step[0] || !strcmp(id->step, r->step));
	case OG_JOB_TORCH_SIGKILL:
	case OG_JOB_DATALOADER: return e->victim.pid > 0 && has_pid(r, e->victim.pid);
	default: return false;
	}
}

size_t og_job_join(const struct og_event *e, const struct og_jobrec *r, size_t n,
		   struct og_slurm_ids *ids, size_t *idx, size_t max)
{
	struct og_slurm_ids a, b;
	bool file_has_job = false;
	size_t k = 0;

	/* The victim's own memcg names the task; the one that hit its limit
	 * names at least job and step. */
	bool ha = og_slurm_path(e->cgroup, &a), hb = og_slurm_path(e->oom_memcg, &b);
	*ids = ha ? a : b;
	if (ha && hb && !ids->step[0])
		memcpy(ids->step, b.step, sizeof(ids->step));
	if (!ha && !hb)
		ids->job = -1;
	for (size_t i = 0; i < n; i++)
		if ((r[i].kind == OG_JOB_SLURM_DETECTED || r[i].kind == OG_JOB_SLURM_CANCELLED) &&
		    r[i].job == ids->job)
			file_has_job = true;
	for (size_t i = 0; i < n && k < max; i++)
		if (belongs(e, ids, &r[i], file_has_job))
			idx[k++] = i;
	return k;
}
