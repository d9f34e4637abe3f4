/* oomguard doctor [PID]: which OOM killers are armed here, the headroom now,
 * and for PID one line per killer: protected or EXPOSED, why, and the exact
 * command that would protect it. */
#include "cmd.h"
#include "judge.h"
#include "memcap.h"
#include "oomd_report.h"
#include "render.h"
#include "topview.h"
#include "killerjson.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char doctor_help[] =
	"Usage: oomguard doctor [OPTIONS] [PID]\n"
	"Which OOM killers are armed on this machine (kernel settings, swap, PSI, cgroups,\n"
	"systemd-oomd, earlyoom, nohang), the memory headroom now, and for PID one line per\n"
	"killer: protected or EXPOSED, why, and the command that would protect it.\n"
	"\n"
	"  -j, --json     machine-readable output\n"
	"  -h, --help     this help\n";

/* The kernel killer: always armed; the settings it reads. */
static void print_armed_kernel(const struct og_model *m, FILE *f)
{
	const struct og_vmsettings *vm = &m->k.vm;
	char a[32], b[32];
	static const char *const oc[] = { "heuristic overcommit", "always overcommit",
					  "strict accounting: allocations fail before any OOM" };
	fprintf(f, "Kernel OOM killer: armed (always; read-only settings below)\n");
	fprintf(f, "  vm.overcommit_memory=%ld (%s), overcommit_ratio=%ld\n", vm->overcommit_memory,
		vm->overcommit_memory >= 0 && vm->overcommit_memory <= 2 ? oc[vm->overcommit_memory]
									 : "?",
		vm->overcommit_ratio);
	fprintf(f,
		"  vm.panic_on_oom=%ld%s  vm.oom_kill_allocating_task=%ld%s  vm.oom_dump_tasks=%ld\n",
		vm->panic_on_oom,
		vm->panic_on_oom == 1   ? " (global OOM panics)"
		: vm->panic_on_oom == 2 ? " (every OOM panics)"
					: "",
		vm->oom_kill_allocating_task,
		vm->oom_kill_allocating_task > 0 ? " (kills the allocating task)" : "",
		vm->oom_dump_tasks);
	if (m->mi.swap_total > 0)
		fprintf(f, "  swap: %s free of %s, vm.swappiness=%ld\n",
			og_fmt_kib((unsigned long long)m->mi.swap_free, a, sizeof(a)),
			og_fmt_kib((unsigned long long)m->mi.swap_total, b, sizeof(b)),
			vm->swappiness);
	else
		fprintf(f, "  swap: none\n");
	if (m->k.psi)
		fprintf(f, "  PSI: available (memory some avg10 %.2f, full avg10 %.2f)\n",
			m->k.psi_mem.some.avg10, m->k.psi_mem.full.avg10);
	else
		fprintf(f,
			"  PSI: not available (no /proc/pressure/memory; systemd-oomd cannot run)\n");
	fprintf(f, "  cgroups: v1 memory controller %s; cgroup2 %s%s\n",
		m->k.cg_v1_memory ? "mounted" : "absent", m->k.cg_v2 ? "mounted" : "absent",
		m->k.cg_v2 ? (m->k.cg_v2_memory ? " with the memory controller"
						: " without the memory controller")
			   : "");
	fprintf(f, "  memory cgroups with a limit: %zu\n", m->nlim);
}

static void print_armed_oomd(const struct og_model *m, FILE *f)
{
	if (m->k.oomd_pid) {
		fprintf(f,
			"systemd-oomd: running (pid %d); SwapUsedLimit=%d.%02d%% DefaultMemoryPressureLimit=%d.%02d%% DefaultMemoryPressureDurationSec=%llus%s%s\n",
			(int)m->k.oomd_pid, m->k.oomd.swap_used_limit_pm / 100,
			m->k.oomd.swap_used_limit_pm % 100, m->k.oomd.pressure_limit_pm / 100,
			m->k.oomd.pressure_limit_pm % 100, m->k.oomd.duration_usec / 1000000ULL,
			m->k.oomd_conf_files[0] ? " from " : " (defaults)", m->k.oomd_conf_files);
		if (m->k.oomd.ignored)
			fprintf(f,
				"  %d assignment(s) in those files have a value systemd-oomd cannot parse: it ignores them (journalctl -u systemd-oomd says which)\n",
				m->k.oomd.ignored);
		char why[256];
		if (og_oomd_report(f, false, "  ", m->mi.swap_total * 1024, why, sizeof(why)) < 0)
			fprintf(f, "  monitored cgroups: unknown (%s)\n", why);
	} else {
		fprintf(f, "systemd-oomd: not running\n");
	}
}

static void print_armed_earlyoom(const struct og_model *m, FILE *f)
{
	for (size_t i = 0; i < m->k.n_earlyoom; i++) {
		const struct og_earlyoom_opts *o = &m->k.eo[i].o;
		double mt, mk, st, sk;
		char e1[OG_RE_MAX * 4], e2[OG_RE_MAX * 4], e3[OG_RE_MAX * 4];
		og_earlyoom_effective(o, &m->mi, &mt, &mk, &st, &sk);
		fprintf(f,
			"earlyoom: running (pid %d); SIGTERM at MemAvailable <= %.1f%% and SwapFree <= %.1f%%, SIGKILL at %.1f%% / %.1f%%%s%s%s%s\n",
			(int)m->k.eo[i].pid, mt, st, mk, sk,
			o->ignore_root ? "; --ignore-root-user" : "",
			o->sort_by_rss ? "; --sort-by-rss" : "",
			o->kernel_oom ? "; --kernel-oom" : "", o->dryrun ? "; --dryrun" : "");
		fprintf(f, "  --prefer %s  --avoid %s  --ignore %s\n",
			o->has_prefer ? og_esc(o->prefer, e1, sizeof(e1)) : "-",
			o->has_avoid ? og_esc(o->avoid, e2, sizeof(e2)) : "-",
			o->has_ignore ? og_esc(o->ignore, e3, sizeof(e3)) : "-");
	}
	if (!m->k.n_earlyoom) {
		fprintf(f, "earlyoom: not running\n");
	}
}

static void print_armed(const struct og_model *m, FILE *f)
{
	print_armed_kernel(m, f);
	print_armed_oomd(m, f);
	print_armed_earlyoom(m, f);
	if (m->k.nohang_pid)
		fprintf(f, "nohang: running (pid %d); config %s%s, %zu name rules\n",
			(int)m->k.nohang_pid,
			m->k.nohang.config[0] ? m->k.nohang.config : "(default)",
			m->k.nohang_conf_read ? "" : " (not readable)", m->k.nohang.nrules);
	else
		fprintf(f, "nohang: not running\n");
}

static void print_headroom(const struct og_model *m, FILE *f)
{
	char av[64], a[32], b[32];
	fprintf(f, "Headroom now: %s", og_model_fmt_available(m, av, sizeof(av)));
	if (m->mi.swap_total > 0)
		fprintf(f, ", swap free %s",
			og_fmt_kib((unsigned long long)m->mi.swap_free, b, sizeof(b)));
	fputc('\n', f);
	for (size_t i = 0; i < m->nlim; i++) {
		char p[4096];
		long long room =
			m->lim[i].m.limit - (m->lim[i].m.usage > 0 ? m->lim[i].m.usage : 0);
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

static void print_json(const struct og_model *m, FILE *f, const struct og_task *t,
		       const struct og_kverdict *v, size_t nv)
{
	const struct og_vmsettings *vm = &m->k.vm;
	fprintf(f,
		"{\"kernel\":{\"overcommit_memory\":%ld,\"overcommit_ratio\":%ld,\"panic_on_oom\":%ld,"
		"\"oom_kill_allocating_task\":%ld,\"oom_dump_tasks\":%ld,\"swappiness\":%ld,\"swap_total_kib\":%lld,"
		"\"psi\":%s,\"cgroup_v1_memory\":%s,\"cgroup_v2\":%s,\"cgroup_v2_memory\":%s,\"limited_memcgs\":%zu},",
		vm->overcommit_memory, vm->overcommit_ratio, vm->panic_on_oom,
		vm->oom_kill_allocating_task, vm->oom_dump_tasks, vm->swappiness, m->mi.swap_total,
		m->k.psi ? "true" : "false", m->k.cg_v1_memory ? "true" : "false",
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
	fprintf(f, "},\"headroom\":{\"mem_available_kib\":%lld,\"swap_free_kib\":%lld,\"memcgs\":[",
		m->mi.mem_available, m->mi.swap_free);
	for (size_t i = 0; i < m->nlim; i++) {
		fprintf(f, "%s{\"cgroup\":", i ? "," : "");
		og_json_str(f, m->lim[i].cg.path);
		fprintf(f, ",\"version\":%d,\"limit_bytes\":%lld,\"usage_bytes\":%lld}",
			m->lim[i].cg.version, m->lim[i].m.limit, m->lim[i].m.usage);
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
			nexp += v[i].state == OG_KV_EXPOSED;
		fprintf(f, "%zu,\"killers\":[", nexp);
		for (size_t i = 0; i < nv; i++) {
			fprintf(f, "%s{\"killer\":", i ? "," : "");
			og_json_str(f, v[i].killer);
			if (v[i].kpid)
				fprintf(f, ",\"killer_pid\":%d", (int)v[i].kpid);
			fprintf(f, ",\"verdict\":\"%s\",\"why\":",
				v[i].state == OG_KV_PROTECTED ? "protected"
				: v[i].state == OG_KV_EXPOSED ? "exposed"
							      : "not_present");
			og_json_str(f, v[i].why);
			fputs(",\"fix\":", f);
			json_str_or_null(f, v[i].fix[0] != '\0', v[i].fix);
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fputs("}\n", f);
}

struct doctor_opts {
	const char *procfs; /* --procfs (tests): "/proc" */
	bool json, have_pid;
	pid_t pid;
};

static int doctor_parse(int argc, char **argv, struct doctor_opts *o, char *err, size_t errsz)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "procfs", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, prev = 1;
	char esc[256];

	memset(o, 0, sizeof(*o));
	o->procfs = "/proc";
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': o->json = true; break;
		case 'P': o->procfs = optarg; break;
		case 'h': return 1;
		default: return og_opt_error(c, argv, prev, err, errsz);
		}
		prev = optind;
	}
	if (optind >= argc)
		return 0;
	if (og_pid_opt(argv[optind], &o->pid, err, errsz) < 0)
		return -1;
	o->have_pid = true;
	if (optind + 1 < argc) {
		snprintf(err, errsz, "unexpected argument '%s' (one PID at a time)",
			 og_esc(argv[optind + 1], esc, sizeof(esc)));
		return -1;
	}
	return 0;
}

static void print_process(const struct og_model *m, FILE *f, const struct og_task *t,
			  const struct og_kverdict *v, size_t nv)
{
	char e1[4 * OG_COMM_MAX + 1];
	size_t nexp = 0;

	fprintf(f, "\nProcess %d (%s), oom_score_adj %d:\n", (int)t->pid,
		og_esc(t->comm, e1, sizeof(e1)), t->adj);
	for (size_t i = 0; i < nv; i++) {
		nexp += v[i].state == OG_KV_EXPOSED;
		fprintf(f, "  %-27s %-11s %s\n", v[i].killer, og_kv_state_str(v[i].state),
			v[i].why);
		if (v[i].fix[0])
			fprintf(f, "  %-27s %-11s fix: %s\n", "", "", v[i].fix);
	}
	og_memcap_print_pid(f, "  ", m->procfs, t->pid);
	fprintf(f, nexp ? "EXPOSED to %zu killer(s).\n" : "Protected from every armed killer.\n",
		nexp);
}

int cmd_doctor(int argc, char **argv)
{
	struct doctor_opts o;
	struct og_model *m;
	const struct og_task *t = NULL;
	struct og_kverdict v[OG_KV_MAX];
	size_t nv = 0;
	char err[512];
	int r = og_cmd_start("doctor", doctor_help, doctor_parse(argc, argv, &o, err, sizeof(err)),
			     err, NULL);

	if (r != OG_CMD_GO)
		return r;
	if (!(m = calloc(1, sizeof(*m)))) {
		og_err("doctor: out of memory");
		return OG_EXIT_FAIL;
	}
	if ((r = og_model_build(m, o.procfs, 0)) < 0) {
		og_err("doctor: cannot read %s: %s", o.procfs, strerror(-r));
		free(m);
		return OG_EXIT_FAIL;
	}
	r = OG_EXIT_OK;
	if (o.have_pid && !(t = og_taskset_find(&m->ts, o.pid))) {
		og_err("doctor: no process %d", (int)o.pid);
		r = OG_EXIT_FAIL;
	} else if (t) {
		nv = og_kv_judge(m, (size_t)(t - m->ts.v), false, v);
	}
	if (r == OG_EXIT_OK && o.json) {
		print_json(m, stdout, t, v, nv);
	} else if (r == OG_EXIT_OK) {
		print_armed(m, stdout);
		print_headroom(m, stdout);
		og_model_print_victims(m, stdout, false);
		if (t)
			print_process(m, stdout, t, v, nv);
	}
	og_model_free(m);
	free(m);
	return r;
}
