#include "killerjson.h"
#include "oomd_report.h"
#include "render.h"

static const char *tf(bool b)
{
	return b ? "true" : "false";
}

static void str_or_null(FILE *f, bool have, const char *s)
{
	if (have)
		og_json_str(f, s);
	else
		fputs("null", f);
}

void og_json_oomd_state(FILE *f, const struct og_killers *k, const struct og_meminfo *mi)
{
	char why[256];

	fprintf(f, "\"running\":%s", tf(k->oomd_pid));
	if (!k->oomd_pid)
		return;
	fprintf(f,
		",\"pid\":%d,\"swap_used_limit_permyriad\":%d,\"pressure_limit_permyriad\":%d,\"duration_usec\":%llu,"
		"\"conf_files\":",
		(int)k->oomd_pid, k->oomd.swap_used_limit_pm, k->oomd.pressure_limit_pm,
		k->oomd.duration_usec);
	og_json_str(f, k->oomd_conf_files);
	fprintf(f, ",\"conf_ignored\":%d,\"monitored\":", k->oomd.ignored);
	/* On failure nothing was written: say why instead. */
	if (og_oomd_report(f, true, "", mi->swap_total * 1024, why, sizeof(why)) < 0) {
		fputs("null,\"monitored_error\":", f);
		og_json_str(f, why);
	}
}

void og_json_earlyoom_state(FILE *f, const struct og_killers *k, size_t i,
			    const struct og_meminfo *mi)
{
	const struct og_earlyoom *e = &k->eo[i];
	const struct og_earlyoom_opts *o = &e->o;
	double mt, mk, st, sk;

	og_earlyoom_effective(o, mi, &mt, &mk, &st, &sk);
	fprintf(f,
		"\"running\":true,\"pid\":%d,\"bad_regex\":%s,\"has_ignore_option\":%s,\"mem_term_percent\":%.2f,"
		"\"mem_kill_percent\":%.2f,\"swap_term_percent\":%.2f,\"swap_kill_percent\":%.2f,"
		"\"ignore_root_user\":%s,\"sort_by_rss\":%s,\"dryrun\":%s,\"prefer\":",
		(int)e->pid, tf(e->bad_re), tf(e->has_ignore), mt, mk, st, sk, tf(o->ignore_root),
		tf(o->sort_by_rss), tf(o->dryrun));
	str_or_null(f, o->has_prefer, o->prefer);
	fputs(",\"avoid\":", f);
	str_or_null(f, o->has_avoid, o->avoid);
	fputs(",\"ignore\":", f);
	str_or_null(f, o->has_ignore, o->ignore);
}

void og_json_nohang_state(FILE *f, const struct og_killers *k)
{
	fprintf(f, "\"running\":%s", tf(k->nohang_pid));
	if (!k->nohang_pid)
		return;
	fprintf(f, ",\"pid\":%d,\"config\":", (int)k->nohang_pid);
	og_json_str(f, k->nohang.config);
	fprintf(f, ",\"config_read\":%s,\"name_rules\":%zu", tf(k->nohang_conf_read),
		k->nohang.nrules);
}
