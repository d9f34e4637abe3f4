/* Each killer's verdict on one process (see judge.h): the kernel's rules
 * (badness.c), systemd-oomd's read-back (systemd.c), earlyoom's and nohang's
 * as they judge (killers.c), each with the command that would protect it. */
#include "judge.h"
#include "cgroup.h"
#include "render.h"
#include "systemd.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ERE-escape comm for an anchored earlyoom/nohang rule. */
static void re_escape(const char *s, char *out, size_t sz)
{
	size_t o = 0;
	for (; *s && o + 3 < sz; s++) {
		if (strchr(".[]()*+?{}|^$\\", *s))
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = '\0';
}

/* Single-quote for a shell; control bytes made visible (they cannot be
 * typed back, but the line must not drive the terminal). */
static void shq(const char *s, char *out, size_t sz)
{
	size_t o = 0;
	char e[8];
	if (sz < 3)
		return;
	out[o++] = '\'';
	for (; *s && o + 6 < sz; s++) {
		if (*s == '\'') {
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f) {
			og_escape(s, 1, e, sizeof(e));
			size_t l = strlen(e);
			memcpy(out + o, e, l);
			o += l;
		} else {
			out[o++] = *s;
		}
	}
	out[o++] = '\'';
	out[o] = '\0';
}

static void job_cmdline(const char *procfs, pid_t pid, char *out, size_t sz)
{
	char path[300], buf[4096];
	size_t o = 0;
	snprintf(path, sizeof(path), "%s/%d/cmdline", procfs, (int)pid);
	ssize_t n = og_read_at(AT_FDCWD, path, buf, sizeof(buf));
	out[0] = '\0';
	if (n <= 0) {
		snprintf(out, sz, "CMD...");
		return;
	}
	for (ssize_t i = 0; i < n && o + 8 < sz;) {
		char q[1024];
		shq(buf + i, q, sizeof(q));
		o += (size_t)snprintf(out + o, sz - o, "%s%s", o ? " " : "", q);
		i += (ssize_t)strlen(buf + i) + 1;
	}
}

static void kv_kernel_global(const struct og_model *m, size_t ti, struct og_kverdict *v)
{
	const struct og_task *t = &m->ts.v[ti];
	const struct og_badness *b = &m->global.b[ti];
	v->killer = "kernel (global OOM)";
	if (b->why != OG_WHY_OK && b->why != OG_WHY_NO_MM) {
		v->state = OG_KV_PROTECTED;
		snprintf(v->why, sizeof(v->why), "%s", og_why_str(b->why));
		return;
	}
	v->state = OG_KV_EXPOSED;
	size_t rank = og_rank_of(&m->global, ti);
	snprintf(v->why, sizeof(v->why),
		 "oom_score_adj %d, points %lld, rank %zu of %zu candidates, oom_score %ld%s",
		 t->adj, b->points, rank, m->global.eligible, og_oom_score(b, m->global.totalpages),
		 m->k.vm.panic_on_oom > 0
			 ? "; vm.panic_on_oom is set, so the machine panics instead"
			 : "");
	snprintf(v->fix, sizeof(v->fix), "sudo oomguard protect --adj -1000 --tree %d",
		 (int)t->pid);
}

/* Is every eligible candidate of r the job pid or one of its descendants?
 * Then -1000 on the job (--tree) leaves the kernel nothing to kill there. */
static bool job_alone(const struct og_model *m, const struct og_rankset *r, pid_t pid)
{
	for (size_t k = 0; k < r->eligible; k++) {
		const struct og_task *c = &m->ts.v[r->member[r->order[k]]];
		pid_t p = c->pid;
		for (int hops = 0; p > 1 && p != pid && hops < 64; hops++) {
			const struct og_task *up = og_taskset_find(&m->ts, p);
			p = up ? up->ppid : 0;
		}
		if (p != pid)
			return false;
	}
	return r->eligible > 0;
}

/* The tasks of the limiting memcg lim ranked as the kernel would rank
 * them there (totalpages *tp).  Returns 0, or -1 with v said. */
static int memcg_rank(const struct og_model *m, const struct og_task *t,
		      const struct og_cgroup *lim, const struct og_memcg *mc, struct og_rankset *r,
		      unsigned long long *tp, struct og_kverdict *v)
{
	char p[4 * 1024];
	size_t *mem = NULL;
	ssize_t n = og_memcg_members(lim->dir, &m->ts, &mem);

	if (n < 0 ||
	    og_memcg_totalpages(m->procfs, lim, mc, m->mi.swap_total, m->page_kib, tp) < 0 ||
	    og_rank_build(&m->ts, mem, (size_t)n, *tp, m->page_kib, r) < 0) {
		free(mem);
		v->state = OG_KV_EXPOSED;
		snprintf(v->why, sizeof(v->why), "limited by %s, but its tasks could not be ranked",
			 og_esc(lim->dir, p, sizeof(p)));
		snprintf(v->fix, sizeof(v->fix), "sudo oomguard protect --adj -1000 --tree %d",
			 (int)t->pid);
		return -1;
	}
	free(mem);
	og_rank_ties_by_start(r, &m->ts, m->procfs, 64);
	return 0;
}

/* A killable task at rank rank in memcg p (escaped): the arithmetic, and
 * the fix that helps there. */
static void memcg_exposed(const struct og_model *m, const struct og_task *t,
			  const struct og_rankset *r, size_t rank, const struct og_memcg *mc,
			  unsigned long long tp, const char *p, struct og_kverdict *v)
{
	char a[32], b[32];
	bool alone = job_alone(m, r, t->pid);

	v->state = OG_KV_EXPOSED;
	snprintf(
		v->why, sizeof(v->why),
		"%s limit %s, usage %s; rank %zu of %zu there (totalpages %llu, adj unit %llu pages)%s",
		p, og_fmt_kib((unsigned long long)mc->limit / 1024, a, sizeof(a)),
		og_fmt_kib((unsigned long long)(mc->usage > 0 ? mc->usage : 0) / 1024, b,
			   sizeof(b)),
		rank, r->eligible, tp, tp / 1000,
		alone ? "; the job is all the kernel can kill there" : "");
	if (alone)
		/* At -1000 the kernel finds no victim in the cgroup and its
		 * allocations stall at the limit ("Memory cgroup out of memory
		 * and no killable processes"): what helps is room or a warning. */
		snprintf(
			v->fix, sizeof(v->fix),
			"raise the limit of %s (memory.max / memory.limit_in_bytes, or MemoryMax= of its unit) or make the job "
			"use less, and have it checkpoint in time: oomguard watch --warn %d (or start it with oomguard run --warn); "
			"not -1000: with no other task to kill, the cgroup would stall at its limit instead",
			p, (int)t->pid);
	else
		snprintf(v->fix, sizeof(v->fix), "sudo oomguard protect --adj -1000 --tree %d",
			 (int)t->pid);
}

static void kv_kernel_memcg(const struct og_model *m, size_t ti, struct og_kverdict *v)
{
	const struct og_task *t = &m->ts.v[ti];
	struct og_cgroup cg, lim;
	struct og_memcg mc;
	struct og_rankset r;
	unsigned long long tp;
	char p[4 * 1024];

	v->killer = "kernel (memory cgroup OOM)";
	if (og_cgroup_of_pid(m->procfs, t->pid, &cg) < 0) {
		v->state = OG_KV_ABSENT;
		snprintf(v->why, sizeof(v->why), "not in a memory cgroup (no memory controller)");
		return;
	}
	if (og_memcg_limiting(&cg, &lim, &mc) < 0) {
		v->state = OG_KV_ABSENT;
		snprintf(v->why, sizeof(v->why),
			 "no memory limit on %s or above it: only a global OOM reaches it",
			 og_esc(cg.path, p, sizeof(p)));
		return;
	}
	if (memcg_rank(m, t, &lim, &mc, &r, &tp, v) < 0)
		return;
	og_esc(lim.dir, p, sizeof(p));
	if (t->adj <= OG_ADJ_MIN || t->kthread || t->pid == 1) {
		v->state = OG_KV_PROTECTED;
		snprintf(v->why, sizeof(v->why), "%s inside %s",
			 t->adj <= OG_ADJ_MIN ? "oom_score_adj -1000" : "never chosen", p);
	} else {
		memcg_exposed(m, t, &r, og_rank_of(&r, ti), &mc, tp, p, v);
	}
	og_rankset_free(&r);
}

static void kv_oomd(const struct og_model *m, size_t ti, struct og_kverdict *v)
{
	const struct og_task *t = &m->ts.v[ti];
	char *text = NULL;
	size_t len = 0;
	v->killer = "systemd-oomd";
	if (!og_sd_built()) {
		v->state = m->k.oomd_pid ? OG_KV_EXPOSED : OG_KV_ABSENT;
		snprintf(v->why, sizeof(v->why),
			 "%s (oomguard built without libsystemd: its cgroups cannot be judged)",
			 m->k.oomd_pid ? "running" : "not running");
	} else {
		FILE *mf = open_memstream(&text, &len);
		enum og_oomd_verdict ov = OG_OOMD_NOT_RUNNING;
		if (mf) {
			ov = og_oomd_readback(mf, "", t->pid, OG_OOMD_PREF_OMIT, NULL);
			fclose(mf);
		}
		const char *s = text ? text : "";
		if (!strncmp(s, "systemd-oomd: ", 14))
			s += 14;
		/* "EXPOSED (why)" / "protected (why)": the verdict has its own column. */
		size_t l = strcspn(s, "\n");
		for (size_t w = 0; w < 2; w++) {
			const char *word = w ? "protected (" : "EXPOSED (";
			size_t wl = strlen(word);
			if (l > wl && !strncmp(s, word, wl) && s[l - 1] == ')') {
				s += wl;
				l -= wl + 1;
				break;
			}
		}
		snprintf(v->why, sizeof(v->why), "%.*s", (int)l, s);
		v->state = ov == OG_OOMD_PROTECTED ? OG_KV_PROTECTED
			   : ov == OG_OOMD_EXPOSED ? OG_KV_EXPOSED
						   : OG_KV_ABSENT;
		if (v->state == OG_KV_ABSENT && m->k.oomd_pid) {
			/* The process list says it runs even if its bus did not answer. */
			v->state = OG_KV_EXPOSED;
		}
		free(text);
	}
	if (v->state == OG_KV_EXPOSED) {
		char cmd[700];
		job_cmdline(m->procfs, t->pid, cmd, sizeof(cmd));
		snprintf(
			v->fix, sizeof(v->fix),
			"restart the job with: sudo oomguard run --oomd omit -- %s  (oom_score_adj does not help: systemd-oomd never reads it and kills whole cgroups)",
			cmd);
	}
}

/* Why earlyoom passes over t (NULL when it does not). */
static const char *earlyoom_skips(const struct og_task *t, const struct og_earlyoom_opts *o)
{
	if (t->pid <= 2 || t->kthread || t->ppid == 2)
		return "earlyoom skips PID <= 2 and kernel threads";
	if (t->adj <= OG_ADJ_MIN)
		return "oom_score_adj -1000: earlyoom skips it";
	if (o->ignore_root && t->uid == 0)
		return "runs as root and earlyoom has --ignore-root-user";
	if (o->has_ignore && og_re_match(o->ignore, t->comm))
		return "comm matches --ignore";
	return NULL;
}

/* The rule that exempts t: --ignore (v1.8+) never picks it; older earlyoom
 * only has --avoid (-300).  Any rule it has already is kept. */
static void earlyoom_fix(const struct og_task *t, const struct og_earlyoom *e,
			 struct og_kverdict *v)
{
	const struct og_earlyoom_opts *o = &e->o;
	char re[200], rule[1024], q[3000];
	bool ign = e->has_ignore;
	bool have = ign ? o->has_ignore : o->has_avoid;

	re_escape(t->comm, re, sizeof(re));
	if (have)
		snprintf(rule, sizeof(rule), "(%s)|^(%s)$", ign ? o->ignore : o->avoid, re);
	else
		snprintf(rule, sizeof(rule), "^(%s)$", re);
	shq(rule, q, sizeof(q));
	snprintf(v->fix, sizeof(v->fix),
		 "add %s %s to EARLYOOM_ARGS in /etc/default/earlyoom and restart earlyoom%s; "
		 "or sudo oomguard protect --adj -1000 --tree %d (earlyoom skips -1000)",
		 ign ? "--ignore" : "--avoid", q,
		 ign ? "" : " (this earlyoom has no --ignore: --avoid only subtracts 300)",
		 (int)t->pid);
}

/* e == NULL: no earlyoom running. */
static void kv_earlyoom(const struct og_model *m, size_t ti, const struct og_earlyoom *e,
			struct og_kverdict *v)
{
	const struct og_task *t = &m->ts.v[ti];
	const char *skip;

	if (e && m->k.n_earlyoom > 1)
		snprintf(v->label, sizeof(v->label), "earlyoom (pid %d)", (int)e->pid);
	else
		snprintf(v->label, sizeof(v->label), "earlyoom");
	v->killer = v->label;
	v->kpid = e ? e->pid : 0;
	if (!e) {
		v->state = OG_KV_ABSENT;
		snprintf(v->why, sizeof(v->why), "not running");
		return;
	}
	if ((skip = earlyoom_skips(t, &e->o))) {
		v->state = OG_KV_PROTECTED;
		snprintf(v->why, sizeof(v->why), "%s", skip);
		return;
	}
	v->state = OG_KV_EXPOSED;
	bool avoided = e->o.has_avoid && og_re_match(e->o.avoid, t->comm);
	long chosen = e->victim;
	snprintf(v->why, sizeof(v->why), "oom_score %ld%s; earlyoom's pick now: %s",
		 og_oom_score(&m->global.b[ti], m->global.totalpages),
		 avoided ? " -300 (matches --avoid)" : "",
		 chosen == (long)ti ? "THIS process"
		 : chosen >= 0      ? "another process"
				    : "none");
	earlyoom_fix(t, e, v);
}

static void kv_nohang(const struct og_model *m, size_t ti, struct og_kverdict *v)
{
	const struct og_task *t = &m->ts.v[ti];
	const struct og_nohang_conf *c = &m->k.nohang;
	char re[200];
	v->killer = "nohang";
	if (!m->k.nohang_pid) {
		v->state = OG_KV_ABSENT;
		snprintf(v->why, sizeof(v->why), "not running");
		return;
	}
	long sum = 0;
	for (size_t i = 0; i < c->nrules; i++)
		if (og_re_match(c->name_rule[i].re, t->comm))
			sum += c->name_rule[i].adj;
	if (t->pid == 1 || t->kthread || sum <= -1000) {
		v->state = OG_KV_PROTECTED;
		snprintf(v->why, sizeof(v->why), "%s",
			 sum <= -1000 ? "an @BADNESS_ADJ_RE_NAME rule lowers it by 1000 or more"
				      : "never chosen");
		return;
	}
	v->state = OG_KV_EXPOSED;
	snprintf(v->why, sizeof(v->why), "badness %ld (oom_score%s)%s",
		 og_oom_score(&m->global.b[ti], m->global.totalpages) + sum,
		 sum ? " plus its name rules" : "",
		 m->nh_victim == (long)ti ? "; nohang's pick now: THIS process" : "");
	re_escape(t->comm, re, sizeof(re));
	snprintf(v->fix, sizeof(v->fix),
		 "add the line '@BADNESS_ADJ_RE_NAME -1000 /// ^%s$' to %s and restart nohang", re,
		 c->config[0] ? c->config : "/etc/nohang/nohang.conf");
}

const char *og_kv_state_str(enum og_kv_state s)
{
	return s == OG_KV_PROTECTED ? "protected" : s == OG_KV_EXPOSED ? "EXPOSED" : "not present";
}

size_t og_kv_judge(const struct og_model *m, size_t ti, bool daemons_only, struct og_kverdict *v)
{
	size_t nv = 0;

	memset(v, 0, OG_KV_MAX * sizeof(*v));
	if (!daemons_only) {
		kv_kernel_global(m, ti, &v[nv++]);
		kv_kernel_memcg(m, ti, &v[nv++]);
		kv_oomd(m, ti, &v[nv++]);
	}
	for (size_t i = 0; i < m->k.n_earlyoom; i++)
		kv_earlyoom(m, ti, &m->k.eo[i], &v[nv++]);
	if (!m->k.n_earlyoom)
		kv_earlyoom(m, ti, NULL, &v[nv++]);
	kv_nohang(m, ti, &v[nv++]);
	return nv;
}
