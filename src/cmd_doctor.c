/* oomguard doctor [PID]: which OOM killers are armed here, the headroom now,
 * and for PID one line per killer: protected or EXPOSED, why, and the exact
 * command that would protect it. */
#include "systemd.h"
#include "cmd.h"
#include "memcap.h"
#include "render.h"
#include "topview.h"
#include "killerjson.h"
#include "oomdreport.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char doctor_help[] =
	"Usage: oomguard doctor [OPTIONS] [PID]\n"
	"Which OOM killers are armed on this machine (kernel settings, swap, PSI, cgroups,\n"
	"systemd-oomd, earlyoom, nohang), the memory headroom now, and for PID one line per\n"
	"killer: protected or EXPOSED, why, and the command that would protect it.\n"
	"\n"
	"  -j, --json     machine-readable output\n"
	"  -h, --help     this help\n";

enum vstate { V_ABSENT, V_PROTECTED, V_EXPOSED };
struct verdict {
	const char *killer;
	char label[48];
	pid_t kpid;          /* the killer daemon's pid, 0 when none / the kernel */
	enum vstate state;
	char why[8192];
	char fix[8192];
};

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

static void v_kernel_global(const struct og_model *m, size_t ti, struct verdict *v)
{
	const struct og_task *t = &m->ts.v[ti];
	const struct og_badness *b = &m->global.b[ti];
	v->killer = "kernel (global OOM)";
	if (b->why != OG_WHY_OK && b->why != OG_WHY_NO_MM) {
		v->state = V_PROTECTED;
		snprintf(v->why, sizeof(v->why), "%s", og_why_str(b->why));
		return;
	}
	v->state = V_EXPOSED;
	size_t rank = og_rank_of(&m->global, ti);
	snprintf(v->why, sizeof(v->why), "oom_score_adj %d, points %lld, rank %zu of %zu candidates, oom_score %ld%s",
		 t->adj, b->points, rank, m->global.eligible, og_oom_score(b, m->global.totalpages),
		 m->k.vm.panic_on_oom > 0 ? "; vm.panic_on_oom is set, so the machine panics instead" : "");
	snprintf(v->fix, sizeof(v->fix), "sudo oomguard protect --adj -1000 --tree %d", (int)t->pid);
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

static void v_kernel_memcg(const struct og_model *m, size_t ti, struct verdict *v)
{
	const struct og_task *t = &m->ts.v[ti];
	struct og_cgroup cg, lim;
	struct og_memcg mc;
	char p[4 * 1024];
	v->killer = "kernel (memory cgroup OOM)";
	if (og_cgroup_of_pid(m->procfs, t->pid, &cg) < 0) {
		v->state = V_ABSENT;
		snprintf(v->why, sizeof(v->why), "not in a memory cgroup (no memory controller)");
		return;
	}
	if (og_memcg_limiting(&cg, &lim, &mc) < 0) {
		v->state = V_ABSENT;
		snprintf(v->why, sizeof(v->why), "no memory limit on %s or above it: only a global OOM reaches it",
			 og_esc(cg.path, p, sizeof(p)));
		return;
	}
	unsigned long long tp;
	size_t *mem = NULL;
	struct og_rankset r;
	ssize_t n = og_memcg_members(lim.dir, &m->ts, &mem);
	if (n < 0 || og_memcg_totalpages(m->procfs, &lim, &mc, m->mi.swap_total, m->page_kib, &tp) < 0 ||
	    og_rank_build(&m->ts, mem, (size_t)n, tp, m->page_kib, &r) < 0) {
		free(mem);
		v->state = V_EXPOSED;
		snprintf(v->why, sizeof(v->why), "limited by %s, but its tasks could not be ranked", og_esc(lim.dir, p, sizeof(p)));
		snprintf(v->fix, sizeof(v->fix), "sudo oomguard protect --adj -1000 --tree %d", (int)t->pid);
		return;
	}
	free(mem);
	og_rank_ties_by_start(&r, &m->ts, m->procfs, 64);
	char a[32], b[32];
	size_t rank = og_rank_of(&r, ti);
	og_esc(lim.dir, p, sizeof(p));
	if (t->adj <= OG_ADJ_MIN || t->kthread || t->pid == 1) {
		v->state = V_PROTECTED;
		snprintf(v->why, sizeof(v->why), "%s inside %s", t->adj <= OG_ADJ_MIN ? "oom_score_adj -1000" : "never chosen", p);
	} else {
		bool alone = job_alone(m, &r, t->pid);
		v->state = V_EXPOSED;
		snprintf(v->why, sizeof(v->why), "%s limit %s, usage %s; rank %zu of %zu there (totalpages %llu, adj unit %llu pages)%s",
			 p, og_fmt_kib((unsigned long long)mc.limit / 1024, a, sizeof(a)),
			 og_fmt_kib((unsigned long long)(mc.usage > 0 ? mc.usage : 0) / 1024, b, sizeof(b)), rank, r.eligible,
			 tp, tp / 1000, alone ? "; the job is all the kernel can kill there" : "");
		if (alone)
			/* At -1000 the kernel finds no victim in the cgroup and its
			 * allocations stall at the limit ("Memory cgroup out of memory
			 * and no killable processes"): what helps is room or a warning. */
			snprintf(v->fix, sizeof(v->fix),
				 "raise the limit of %s (memory.max / memory.limit_in_bytes, or MemoryMax= of its unit) or make the job "
				 "use less, and have it checkpoint in time: oomguard watch --warn %d (or start it with oomguard run --warn); "
				 "not -1000: with no other task to kill, the cgroup would stall at its limit instead",
				 p, (int)t->pid);
		else
			snprintf(v->fix, sizeof(v->fix), "sudo oomguard protect --adj -1000 --tree %d", (int)t->pid);
	}
	og_rankset_free(&r);
}

static void v_oomd(const struct og_model *m, size_t ti, struct verdict *v)
{
	const struct og_task *t = &m->ts.v[ti];
	char *text = NULL;
	size_t len = 0;
	v->killer = "systemd-oomd";
	if (!og_sd_built()) {
		v->state = m->k.oomd_pid ? V_EXPOSED : V_ABSENT;
		snprintf(v->why, sizeof(v->why), "%s (oomguard built without libsystemd: its cgroups cannot be judged)",
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
		v->state = ov == OG_OOMD_PROTECTED ? V_PROTECTED : ov == OG_OOMD_EXPOSED ? V_EXPOSED : V_ABSENT;
		if (v->state == V_ABSENT && m->k.oomd_pid) {
			/* The process list says it runs even if its bus did not answer. */
			v->state = V_EXPOSED;
		}
		free(text);
	}
	if (v->state == V_EXPOSED) {
		char cmd[700];
		job_cmdline(m->procfs, t->pid, cmd, sizeof(cmd));
		snprintf(v->fix, sizeof(v->fix),
			 "restart the job with: sudo oomguard run --oomd omit -- %s  (oom_score_adj does not help: systemd-oomd never reads it and kills whole cgroups)",
			 cmd);
	}
}

/* e == NULL: no earlyoom running. */
static void v_earlyoom(const struct og_model *m, size_t ti, const struct og_earlyoom *e, struct verdict *v)
{
	const struct og_task *t = &m->ts.v[ti];
	char re[200], rule[1024];
	if (e && m->k.n_earlyoom > 1)
		snprintf(v->label, sizeof(v->label), "earlyoom (pid %d)", (int)e->pid);
	else
		snprintf(v->label, sizeof(v->label), "earlyoom");
	v->killer = v->label;
	v->kpid = e ? e->pid : 0;
	if (!e) {
		v->state = V_ABSENT;
		snprintf(v->why, sizeof(v->why), "not running");
		return;
	}
	const struct og_earlyoom_opts *o = &e->o;
	if (t->pid <= 2 || t->kthread || t->ppid == 2) {
		v->state = V_PROTECTED;
		snprintf(v->why, sizeof(v->why), "earlyoom skips PID <= 2 and kernel threads");
		return;
	}
	if (t->adj <= OG_ADJ_MIN) {
		v->state = V_PROTECTED;
		snprintf(v->why, sizeof(v->why), "oom_score_adj -1000: earlyoom skips it");
		return;
	}
	if (o->ignore_root && t->uid == 0) {
		v->state = V_PROTECTED;
		snprintf(v->why, sizeof(v->why), "runs as root and earlyoom has --ignore-root-user");
		return;
	}
	if (o->has_ignore && og_re_match(o->ignore, t->comm)) {
		v->state = V_PROTECTED;
		snprintf(v->why, sizeof(v->why), "comm matches --ignore");
		return;
	}
	v->state = V_EXPOSED;
	bool avoided = o->has_avoid && og_re_match(o->avoid, t->comm);
	long chosen = e->victim;
	snprintf(v->why, sizeof(v->why), "oom_score %ld%s; earlyoom's pick now: %s",
		 og_oom_score(&m->global.b[ti], m->global.totalpages), avoided ? " -300 (matches --avoid)" : "",
		 chosen == (long)ti ? "THIS process" : chosen >= 0 ? "another process" : "none");
	re_escape(t->comm, re, sizeof(re));
	/* --ignore (v1.8+) never picks it; older earlyoom only has --avoid (-300). */
	bool ign = e->has_ignore;
	bool have = ign ? o->has_ignore : o->has_avoid;
	if (have)
		snprintf(rule, sizeof(rule), "(%s)|^(%s)$", ign ? o->ignore : o->avoid, re);
	else
		snprintf(rule, sizeof(rule), "^(%s)$", re);
	char q[3000];
	shq(rule, q, sizeof(q));
	snprintf(v->fix, sizeof(v->fix),
		 "add %s %s to EARLYOOM_ARGS in /etc/default/earlyoom and restart earlyoom%s; "
		 "or sudo oomguard protect --adj -1000 --tree %d (earlyoom skips -1000)",
		 ign ? "--ignore" : "--avoid", q, ign ? "" : " (this earlyoom has no --ignore: --avoid only subtracts 300)",
		 (int)t->pid);
}

static void v_nohang(const struct og_model *m, size_t ti, struct verdict *v)
{
	const struct og_task *t = &m->ts.v[ti];
	const struct og_nohang_conf *c = &m->k.nohang;
	char re[200];
	v->killer = "nohang";
	if (!m->k.nohang_pid) {
		v->state = V_ABSENT;
		snprintf(v->why, sizeof(v->why), "not running");
		return;
	}
	long sum = 0;
	for (size_t i = 0; i < c->nrules; i++)
		if (og_re_match(c->name_rule[i].re, t->comm))
			sum += c->name_rule[i].adj;
	if (t->pid == 1 || t->kthread || sum <= -1000) {
		v->state = V_PROTECTED;
		snprintf(v->why, sizeof(v->why), "%s", sum <= -1000 ? "an @BADNESS_ADJ_RE_NAME rule lowers it by 1000 or more" : "never chosen");
		return;
	}
	v->state = V_EXPOSED;
	snprintf(v->why, sizeof(v->why), "badness %ld (oom_score%s)%s",
		 og_oom_score(&m->global.b[ti], m->global.totalpages) + sum, sum ? " plus its name rules" : "",
		 m->nh_victim == (long)ti ? "; nohang's pick now: THIS process" : "");
	re_escape(t->comm, re, sizeof(re));
	snprintf(v->fix, sizeof(v->fix), "add the line '@BADNESS_ADJ_RE_NAME -1000 /// ^%s$' to %s and restart nohang", re,
		 c->config[0] ? c->config : "/etc/nohang/nohang.conf");
}

static const char *state_str(enum vstate s)
{
	return s == V_PROTECTED ? "protected" : s == V_EXPOSED ? "EXPOSED" : "not present";
}

static void print_armed(const struct og_model *m, FILE *f)
{
	const struct og_vmsettings *vm = &m->k.vm;
	char a[32], b[32];
	static const char *const oc[] = { "heuristic overcommit", "always overcommit", "strict accounting: allocations fail before any OOM" };
	fprintf(f, "Kernel OOM killer: armed (always; read-only settings below)\n");
	fprintf(f, "  vm.overcommit_memory=%ld (%s), overcommit_ratio=%ld\n", vm->overcommit_memory,
		vm->overcommit_memory >= 0 && vm->overcommit_memory <= 2 ? oc[vm->overcommit_memory] : "?", vm->overcommit_ratio);
	fprintf(f, "  vm.panic_on_oom=%ld%s  vm.oom_kill_allocating_task=%ld%s  vm.oom_dump_tasks=%ld\n", vm->panic_on_oom,
		vm->panic_on_oom == 1 ? " (global OOM panics)" : vm->panic_on_oom == 2 ? " (every OOM panics)" : "",
		vm->oom_kill_allocating_task, vm->oom_kill_allocating_task > 0 ? " (kills the allocating task)" : "",
		vm->oom_dump_tasks);
	if (m->mi.swap_total > 0)
		fprintf(f, "  swap: %s free of %s, vm.swappiness=%ld\n", og_fmt_kib((unsigned long long)m->mi.swap_free, a, sizeof(a)),
			og_fmt_kib((unsigned long long)m->mi.swap_total, b, sizeof(b)), vm->swappiness);
	else
		fprintf(f, "  swap: none\n");
	if (m->k.psi)
		fprintf(f, "  PSI: available (memory some avg10 %.2f, full avg10 %.2f)\n", m->k.psi_mem.some.avg10,
			m->k.psi_mem.full.avg10);
	else
		fprintf(f, "  PSI: not available (no /proc/pressure/memory; systemd-oomd cannot run)\n");
	fprintf(f, "  cgroups: v1 memory controller %s; cgroup2 %s%s\n", m->k.cg_v1_memory ? "mounted" : "absent",
		m->k.cg_v2 ? "mounted" : "absent", m->k.cg_v2 ? (m->k.cg_v2_memory ? " with the memory controller" : " without the memory controller") : "");
	fprintf(f, "  memory cgroups with a limit: %zu\n", m->nlim);
	if (m->k.oomd_pid) {
		fprintf(f, "systemd-oomd: running (pid %d); SwapUsedLimit=%d.%02d%% DefaultMemoryPressureLimit=%d.%02d%% DefaultMemoryPressureDurationSec=%llus%s%s\n",
			(int)m->k.oomd_pid, m->k.oomd.swap_used_limit_pm / 100, m->k.oomd.swap_used_limit_pm % 100,
			m->k.oomd.pressure_limit_pm / 100, m->k.oomd.pressure_limit_pm % 100, m->k.oomd.duration_usec / 1000000ULL,
			m->k.oomd_conf_files[0] ? " from " : " (defaults)", m->k.oomd_conf_files);
		char why[256];
		if (og_oomd_report(f, false, "  ", m->mi.swap_total * 1024, why, sizeof(why)) < 0)
			fprintf(f, "  monitored cgroups: unknown (%s)\n", why);
	} else {
		fprintf(f, "systemd-oomd: not running\n");
	}
	for (size_t i = 0; i < m->k.n_earlyoom; i++) {
		const struct og_earlyoom_opts *o = &m->k.eo[i].o;
		double mt, mk, st, sk;
		char e1[OG_RE_MAX * 4], e2[OG_RE_MAX * 4], e3[OG_RE_MAX * 4];
		og_earlyoom_effective(o, &m->mi, &mt, &mk, &st, &sk);
		fprintf(f, "earlyoom: running (pid %d); SIGTERM at MemAvailable <= %.1f%% and SwapFree <= %.1f%%, SIGKILL at %.1f%% / %.1f%%%s%s%s%s\n",
			(int)m->k.eo[i].pid, mt, st, mk, sk, o->ignore_root ? "; --ignore-root-user" : "",
			o->sort_by_rss ? "; --sort-by-rss" : "", o->kernel_oom ? "; --kernel-oom" : "", o->dryrun ? "; --dryrun" : "");
		fprintf(f, "  --prefer %s  --avoid %s  --ignore %s\n", o->has_prefer ? og_esc(o->prefer, e1, sizeof(e1)) : "-",
			o->has_avoid ? og_esc(o->avoid, e2, sizeof(e2)) : "-", o->has_ignore ? og_esc(o->ignore, e3, sizeof(e3)) : "-");
	}
	if (!m->k.n_earlyoom) {
		fprintf(f, "earlyoom: not running\n");
	}
	if (m->k.nohang_pid)
		fprintf(f, "nohang: running (pid %d); config %s%s, %zu name rules\n", (int)m->k.nohang_pid,
			m->k.nohang.config[0] ? m->k.nohang.config : "(default)", m->k.nohang_conf_read ? "" : " (not readable)",
			m->k.nohang.nrules);
	else
		fprintf(f, "nohang: not running\n");
}

static void print_headroom(const struct og_model *m, FILE *f)
{
	char a[32], b[32];
	fprintf(f, "Headroom now: MemAvailable %s (%.1f%% of RAM)", og_fmt_kib((unsigned long long)(m->mi.mem_available > 0 ? m->mi.mem_available : 0), a, sizeof(a)),
		m->mi.mem_total > 0 ? 100.0 * (double)m->mi.mem_available / (double)m->mi.mem_total : 0.0);
	if (m->mi.swap_total > 0)
		fprintf(f, ", swap free %s", og_fmt_kib((unsigned long long)m->mi.swap_free, b, sizeof(b)));
	fputc('\n', f);
	for (size_t i = 0; i < m->nlim; i++) {
		char p[4096];
		long long room = m->lim[i].m.limit - (m->lim[i].m.usage > 0 ? m->lim[i].m.usage : 0);
		fprintf(f, "  memcg %s: %s left of %s\n", og_esc(m->lim[i].cg.path, p, sizeof(p)),
			og_fmt_kib((unsigned long long)(room > 0 ? room : 0) / 1024, a, sizeof(a)),
			og_fmt_kib((unsigned long long)m->lim[i].m.limit / 1024, b, sizeof(b)));
	}
}

static void json_str_or_null(FILE *f, bool have, const char *s)
{
	if (have)
		og_json_str(f, s);
	else
		fputs("null", f);
}

static void print_json(const struct og_model *m, FILE *f, const struct og_task *t, const struct verdict *v, size_t nv)
{
	const struct og_vmsettings *vm = &m->k.vm;
	fprintf(f, "{\"kernel\":{\"overcommit_memory\":%ld,\"overcommit_ratio\":%ld,\"panic_on_oom\":%ld,"
		   "\"oom_kill_allocating_task\":%ld,\"oom_dump_tasks\":%ld,\"swappiness\":%ld,\"swap_total_kib\":%lld,"
		   "\"psi\":%s,\"cgroup_v1_memory\":%s,\"cgroup_v2\":%s,\"cgroup_v2_memory\":%s,\"limited_memcgs\":%zu},",
		vm->overcommit_memory, vm->overcommit_ratio, vm->panic_on_oom, vm->oom_kill_allocating_task, vm->oom_dump_tasks,
		vm->swappiness, m->mi.swap_total, m->k.psi ? "true" : "false", m->k.cg_v1_memory ? "true" : "false",
		m->k.cg_v2 ? "true" : "false", m->k.cg_v2_memory ? "true" : "false", m->nlim);
	fputs("\"systemd_oomd\":{", f);
	og_json_oomd_state(f, &m->k, &m->mi);
	fputs("},\"earlyoom\":[", f);
	for (size_t i = 0; i < m->k.n_earlyoom; i++) {
		fputs(i ? ",{" : "{", f);
		og_json_earlyoom_state(f, &m->k, i, &m->mi);
		fputc('}', f);
	}
	fputs("],\"nohang\":{", f);
	og_json_nohang_state(f, &m->k);
	fprintf(f, "},\"headroom\":{\"mem_available_kib\":%lld,\"swap_free_kib\":%lld,\"memcgs\":[", m->mi.mem_available,
		m->mi.swap_free);
	for (size_t i = 0; i < m->nlim; i++) {
		fprintf(f, "%s{\"cgroup\":", i ? "," : "");
		og_json_str(f, m->lim[i].cg.path);
		fprintf(f, ",\"version\":%d,\"limit_bytes\":%lld,\"usage_bytes\":%lld}", m->lim[i].cg.version, m->lim[i].m.limit,
			m->lim[i].m.usage);
	}
	fputs("]}", f);
	if (t) {
		fprintf(f, ",\"process\":{\"pid\":%d,\"comm\":", (int)t->pid);
		og_json_str(f, t->comm);
		fprintf(f, ",\"oom_score_adj\":%d", t->adj);
		og_memcap_json_pid(f, "memory_cap", m->procfs, t->pid);
		fputs(",\"exposed\":", f);
		size_t nexp = 0;
		for (size_t i = 0; i < nv; i++)
			nexp += v[i].state == V_EXPOSED;
		fprintf(f, "%zu,\"killers\":[", nexp);
		for (size_t i = 0; i < nv; i++) {
			fprintf(f, "%s{\"killer\":", i ? "," : "");
			og_json_str(f, v[i].killer);
			if (v[i].kpid)
				fprintf(f, ",\"killer_pid\":%d", (int)v[i].kpid);
			fprintf(f, ",\"verdict\":\"%s\",\"why\":", v[i].state == V_PROTECTED ? "protected" : v[i].state == V_EXPOSED ? "exposed" : "not_present");
			og_json_str(f, v[i].why);
			fputs(",\"fix\":", f);
			json_str_or_null(f, v[i].fix[0] != '\0', v[i].fix);
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fputs("}\n", f);
}

/* run's job, our unreaped child, has exited (WNOWAIT: run still reaps it). */
static bool job_ended(void *arg)
{
	pid_t pid = *(const pid_t *)arg;
	siginfo_t si = { 0 };
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

int og_doctor_daemon_readback(FILE *f, const char *prefix, pid_t pid)
{
	struct og_model *m;
	struct og_daemons d;
	struct verdict v[1 + OG_MAX_EARLYOOM];
	size_t nv = 0;
	int e;

	/* The job's own start (exec, loading) goes first: the scan would take a
	 * core from it just then.  A job that ends within these 2 ms, or during
	 * the scan, needs no verdict: the scan stops there. */
	for (int i = 0; i < 20; i++) {
		if (job_ended(&pid))
			return -EINTR;
		nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
	}
	/* One comm read per process finds the daemons; the full snapshot (two
	 * reads per process and the ranking) only where one runs. */
	if ((e = og_daemons_find("/proc", &d, job_ended, &pid)) < 0)
		return e;
	if (!d.n_earlyoom && !d.nohang) {
		fprintf(f, "%searlyoom: not running\n%snohang: not running\n", prefix, prefix);
		return 0;
	}
	if (!(m = calloc(1, sizeof(*m))))
		return -ENOMEM;
	if ((e = og_model_build(m, "/proc", 0)) < 0) {
		free(m);
		return e;
	}
	const struct og_task *t = og_taskset_find(&m->ts, pid);
	if (!t) {
		og_model_free(m);
		free(m);
		return -ESRCH;
	}
	size_t ti = (size_t)(t - m->ts.v);
	memset(v, 0, sizeof(v));
	for (size_t i = 0; i < m->k.n_earlyoom; i++)
		v_earlyoom(m, ti, &m->k.eo[i], &v[nv++]);
	if (!m->k.n_earlyoom)
		v_earlyoom(m, ti, NULL, &v[nv++]);
	v_nohang(m, ti, &v[nv++]);
	for (size_t i = 0; i < nv; i++) {
		if (v[i].state == V_ABSENT)
			fprintf(f, "%s%s: not running\n", prefix, v[i].killer);
		else if (v[i].state == V_EXPOSED)
			fprintf(f, "%s%s: EXPOSED (%s): %s\n", prefix, v[i].killer, v[i].why, v[i].fix);
		else
			fprintf(f, "%s%s: protected (%s)\n", prefix, v[i].killer, v[i].why);
	}
	og_model_free(m);
	free(m);
	return 0;
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "procfs", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *procfs = "/proc";
	bool json = false, have_pid = false;
	pid_t pid = 0;
	int c, rc = OG_EXIT_OK;

	optind = 0;
	opterr = 0;
	int prev = 1;
	char bad[256];
	while ((c = getopt_long(argc, argv, ":jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'P': procfs = optarg; break;
		case 'h': fputs(doctor_help, stdout); return OG_EXIT_OK;
		default:
			og_opt_error(c, argv, prev, bad, sizeof(bad));
			og_err("doctor: %s", bad);
			return OG_EXIT_USAGE;
		}
		prev = optind;
	}
	if (optind < argc) {
		if (og_parse_pid(argv[optind], &pid) < 0) {
			og_err("doctor: invalid PID '%s': expected a number from 1 to 4194304", argv[optind]);
			return OG_EXIT_USAGE;
		}
		have_pid = true;
		if (optind + 1 < argc) {
			og_err("doctor: unexpected argument '%s' (one PID at a time)", argv[optind + 1]);
			return OG_EXIT_USAGE;
		}
	}
	struct og_model *m = calloc(1, sizeof(*m));
	if (!m) {
		og_err("doctor: out of memory");
		return OG_EXIT_FAIL;
	}
	int e = og_model_build(m, procfs, 0);
	if (e < 0) {
		og_err("doctor: cannot read %s: %s", procfs, strerror(-e));
		free(m);
		return OG_EXIT_FAIL;
	}
	const struct og_task *t = NULL;
	struct verdict v[4 + OG_MAX_EARLYOOM];
	size_t nv = 0;
	memset(v, 0, sizeof(v));
	if (have_pid) {
		t = og_taskset_find(&m->ts, pid);
		if (!t) {
			og_err("doctor: no process %d", (int)pid);
			rc = OG_EXIT_FAIL;
			goto out;
		}
		size_t ti = (size_t)(t - m->ts.v);
		v_kernel_global(m, ti, &v[nv++]);
		v_kernel_memcg(m, ti, &v[nv++]);
		v_oomd(m, ti, &v[nv++]);
		for (size_t i = 0; i < m->k.n_earlyoom; i++)
			v_earlyoom(m, ti, &m->k.eo[i], &v[nv++]);
		if (!m->k.n_earlyoom)
			v_earlyoom(m, ti, NULL, &v[nv++]);
		v_nohang(m, ti, &v[nv++]);
	}
	if (json) {
		print_json(m, stdout, t, v, nv);
		goto out;
	}
	print_armed(m, stdout);
	print_headroom(m, stdout);
	og_model_print_victims(m, stdout, false, false);
	if (t) {
		char e1[4 * OG_COMM_MAX + 1];
		size_t nexp = 0;
		printf("\nProcess %d (%s), oom_score_adj %d:\n", (int)t->pid, og_esc(t->comm, e1, sizeof(e1)), t->adj);
		for (size_t i = 0; i < nv; i++) {
			nexp += v[i].state == V_EXPOSED;
			printf("  %-27s %-11s %s\n", v[i].killer, state_str(v[i].state), v[i].why);
			if (v[i].fix[0])
				printf("  %-27s %-11s fix: %s\n", "", "", v[i].fix);
		}
		og_memcap_print_pid(stdout, "  ", m->procfs, t->pid);
		printf(nexp ? "EXPOSED to %zu killer(s).\n" : "Protected from every armed killer.\n", nexp);
	}
out:
	og_model_free(m);
	free(m);
	return rc;
}
