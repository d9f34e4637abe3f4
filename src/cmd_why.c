/* oomguard why: explain past OOM kills from /dev/kmsg, the journal or log
 * files.  Options -> sources -> episodes -> table or JSON lines. */
#include "cmd.h"
#include "episode.h"
#include "logsrc.h"
#include "oomd_rule.h"
#include "systemd.h"
#include "render.h"
#include "sdvalue.h"
#include "util.h"
#include "why_job.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char why_help[] =
	"Usage: oomguard why [OPTIONS]\n"
	"Explain past OOM kills: which killer, which victim, how big, why, and what would have prevented it.\n"
	"\n"
	"Sources (default: /dev/kmsg for the kernel, plus the journal for systemd-oomd, earlyoom and nohang;\n"
	"the journal alone when /dev/kmsg cannot be read):\n"
	"  -f, --file PATH      read a log file as you have it: dmesg (-T, -r, iso), journalctl (short*, json,\n"
	"                       json-pretty, export), syslog, raw kmsg, in any locale, or pasted text (quotes,\n"
	"                       prompts, grep prefixes, wrapped lines); repeatable; '-' is stdin; .gz too\n"
	"  -k, --kmsg           read /dev/kmsg only\n"
	"  -j, --journal        read the journal only\n"
	"  -b, --boot[=N]       journal: only boot N (0 this boot, -1 the one before, ...; default 0)\n"
	"  -D, --directory DIR  journal: read the journal files in DIR (from another machine)\n"
	"  -S, --since TIME     only kills at or after TIME\n"
	"  -U, --until TIME     only kills at or before TIME\n"
	"      --job PATH       also read a job's output (slurm-J.out, srun/torchrun stderr) and join\n"
	"                       Slurm's, torchrun's and PyTorch's OOM lines to the kills; repeatable\n"
	"                       TIME: 'YYYY-MM-DD[ HH:MM[:SS]]', 'HH:MM[:SS]', '@EPOCH', 'now', 'today',\n"
	"                       'yesterday', '-2h', '1h 30min ago' (a systemd.time span)\n"
	"  -p, --pid PID        only kills of PID (as victim, or with its cgroup)\n"
	"\n"
	"      --systemd-version N  the systemd version of the machine the log is from (it decides\n"
	"                       the advice for systemd-oomd kills; default: this machine's for its own\n"
	"                       kmsg and journal, unknown for files and --directory)\n"
	"\n"
	"Output:\n"
	"      --json           one JSON object per event and line (docs/why-json.md)\n"
	"  -v, --verbose        also the top memory users at the time of each kill\n"
	"  -h, --help           this help\n";

#define MAX_FILES 64

struct why_opts {
	const char *files[MAX_FILES];
	size_t nfiles;
	const char *jobs[MAX_FILES];
	size_t njobs;
	bool kmsg, journal, json, verbose;
	int sd_version; /* --systemd-version; 0 unknown */
	int pid;        /* --pid; 0 = any */
	struct og_journal_opts jo;
};

/* A relative "-2h", "30min ago", "2 days ago", "-1h 30min": a time span of
 * systemd.time before now, as journalctl --since reads it; returns seconds
 * or -1. */
static long long rel_seconds(const char *s)
{
	size_t len = strlen(s);
	bool neg = *s == '-', ago = len > 4 && !strcmp(s + len - 4, " ago");
	unsigned long long usec;

	if (neg || *s == '+') {
		s++;
		len--;
	}
	if (ago)
		len -= 4;
	if ((!neg && !ago) || og_timespan_parse(s, len, &usec) < 0 || usec == ~0ULL)
		return -1;
	return (long long)(usec / 1000000);
}

/* Returns 0 and µs since the epoch, or -EINVAL. */
static int parse_time(const char *s, int64_t *out)
{
	time_t now = time(NULL);
	struct tm tm;
	char *end;
	long long rel;

	if (s[0] == '@') {
		double v = strtod(s + 1, &end);
		if (end == s + 1 || *end || !(v >= 0 && v < 1e11))
			return -EINVAL;
		*out = (int64_t)(v * 1e6);
		return 0;
	}
	if (!strcmp(s, "now")) {
		*out = (int64_t)now * 1000000;
		return 0;
	}
	localtime_r(&now, &tm);
	tm.tm_isdst = -1;
	if (!strcmp(s, "today") || !strcmp(s, "yesterday")) {
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		if (s[0] == 'y')
			tm.tm_mday--;
		*out = (int64_t)mktime(&tm) * 1000000;
		return 0;
	}
	if ((rel = rel_seconds(s)) >= 0) {
		*out = ((int64_t)now - rel) * 1000000;
		return 0;
	}
	struct tm t = tm;
	t.tm_sec = 0;
	end = strptime(s, "%Y-%m-%d", &t);
	if (end) {
		t.tm_hour = t.tm_min = t.tm_sec = 0;
		if (*end == ' ' || *end == 'T') {
			char *e2 = strptime(end + 1, "%H:%M:%S", &t);
			if (!e2)
				e2 = strptime(end + 1, "%H:%M", &t);
			end = e2;
		}
	} else {
		t = tm;
		t.tm_sec = 0;
		end = strptime(s, "%H:%M:%S", &t);
		if (!end)
			end = strptime(s, "%H:%M", &t);
	}
	if (!end || *end)
		return -EINVAL;
	t.tm_isdst = -1;
	*out = (int64_t)mktime(&t) * 1000000;
	return 0;
}

/* Where to read: --file, --job, --kmsg, --journal, --boot, --directory.
 * Returns 0 when taken, 1 when c is none of them, -1 with err. */
static int source_opt(int c, char *arg, int argc, char **argv, struct why_opts *o, char *err,
		      size_t errsz)
{
	char esc[256];
	long v;

	switch (c) {
	case 'f':
		if (!*arg) {
			snprintf(err, errsz, "--file needs a path ('-' for stdin)");
			return -1;
		}
		if (o->nfiles == MAX_FILES) {
			snprintf(err, errsz, "too many --file options (at most %d)", MAX_FILES);
			return -1;
		}
		o->files[o->nfiles++] = arg;
		return 0;
	case 'O':
		if (!*arg || o->njobs == MAX_FILES) {
			snprintf(err, errsz,
				 *arg ? "too many --job options (at most %d)"
				      : "--job needs a path",
				 MAX_FILES);
			return -1;
		}
		o->jobs[o->njobs++] = arg;
		return 0;
	case 'k': o->kmsg = true; return 0;
	case 'j': o->journal = true; return 0;
	case 'b':
		o->jo.boot_set = true;
		o->journal = true;
		/* "-b -1" as well as "-b=-1" / "--boot=-1" */
		if (!arg && optind < argc && og_parse_long(argv[optind], -100000, 100000, &v) == 0)
			arg = argv[optind++];
		if (!arg)
			return 0;
		if (og_parse_long(arg[0] == '=' ? arg + 1 : arg, -100000, 100000, &v) < 0) {
			snprintf(err, errsz,
				 "invalid --boot '%s': expected an integer such as 0 or -1",
				 og_esc(arg, esc, sizeof(esc)));
			return -1;
		}
		o->jo.boot = (int)v;
		return 0;
	case 'D':
		o->jo.directory = arg;
		o->journal = true;
		return 0;
	default: return 1;
	}
}

/* What to show: --since, --until, --systemd-version, --pid.  Returns 0
 * when taken, 1 when c is none of them, -1 with err. */
static int filter_opt(int c, const char *arg, struct why_opts *o, char *err, size_t errsz)
{
	char esc[256];
	pid_t p;
	int sv;

	switch (c) {
	case 'S':
	case 'U':
		if (parse_time(arg, c == 'S' ? &o->jo.since_us : &o->jo.until_us) == 0)
			return 0;
		snprintf(
			err, errsz,
			"invalid --%s '%s': expected e.g. '2026-11-26 04:00', '@1764129600' or '-2h'",
			c == 'S' ? "since" : "until", og_esc(arg, esc, sizeof(esc)));
		return -1;
	case 'Y':
		sv = og_systemd_version_parse(arg, strlen(arg));
		if (sv > 0 && sv <= 100000) {
			o->sd_version = sv;
			return 0;
		}
		snprintf(err, errsz,
			 "invalid --systemd-version '%s': expected a release such as 249 or 252",
			 og_esc(arg, esc, sizeof(esc)));
		return -1;
	case 'p':
		if (og_parse_pid(arg, &p) == 0) {
			o->pid = (int)p;
			return 0;
		}
		snprintf(err, errsz, "invalid --pid '%s': expected a process ID",
			 og_esc(arg, esc, sizeof(esc)));
		return -1;
	default: return 1;
	}
}

/* The combinations that cannot mean anything. */
static int check_opts(const struct why_opts *o, char *err, size_t errsz)
{
	if (o->nfiles && (o->kmsg || o->journal)) {
		snprintf(err, errsz,
			 "--file cannot be combined with --kmsg, --journal, --boot or --directory");
		return -1;
	}
	if (o->kmsg && o->journal) {
		snprintf(err, errsz,
			 "--kmsg and --journal (or --boot/--directory) exclude each other");
		return -1;
	}
	if (o->jo.since_us != OG_TIME_NONE && o->jo.until_us != OG_TIME_NONE &&
	    o->jo.until_us < o->jo.since_us) {
		snprintf(err, errsz, "--until is before --since");
		return -1;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct why_opts *o, char *err, size_t errsz)
{
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "kmsg", no_argument, NULL, 'k' },
		{ "journal", no_argument, NULL, 'j' },
		{ "boot", optional_argument, NULL, 'b' },
		{ "directory", required_argument, NULL, 'D' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "json", no_argument, NULL, 'J' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "systemd-version", required_argument, NULL, 'Y' },
		{ "pid", required_argument, NULL, 'p' },
		{ "job", required_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r, prev = 1;
	char esc[256];

	memset(o, 0, sizeof(*o));
	o->jo.since_us = o->jo.until_us = OG_TIME_NONE;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:kjb::D:S:U:p:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'J': o->json = true; break;
		case 'v': o->verbose = true; break;
		case 'h': return 1;
		default:
			if ((r = source_opt(c, optarg, argc, argv, o, err, errsz)) < 0 ||
			    (r > 0 && (r = filter_opt(c, optarg, o, err, errsz)) < 0))
				return -1;
			if (r > 0)
				return og_opt_error(c, argv, prev, err, errsz);
		}
		prev = optind;
	}
	if (optind < argc) {
		snprintf(err, errsz, "unexpected argument '%s' (log files go after --file)",
			 og_esc(argv[optind], esc, sizeof(esc)));
		return -1;
	}
	return check_opts(o, err, errsz);
}

/* ---------- output ---------- */

static const char *fmt_time(const struct og_event *e, char *buf, size_t n)
{
	if (e->wall_us != OG_TIME_NONE) {
		time_t t = (time_t)(e->wall_us / 1000000);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
	} else if (e->mono_us != OG_TIME_NONE) {
		snprintf(buf, n, "boot+%lld.%03llds", (long long)(e->mono_us / 1000000),
			 (long long)(e->mono_us % 1000000 / 1000));
	} else {
		snprintf(buf, n, "-");
	}
	return buf;
}

/* Same killer, cgroup (or unit) and advice: one explanation for the run. */
static bool alike(const struct og_event *a, const struct og_event *b, int sd_version)
{
	char x[1024], y[1024];
	if (a->killer != b->killer || strcmp(a->cgroup, b->cgroup) || strcmp(a->unit, b->unit))
		return false;
	og_event_advice(a, sd_version, x, sizeof(x));
	og_event_advice(b, sd_version, y, sizeof(y));
	return !strcmp(x, y);
}

/* A size from the log, or "-" where the log did not give it (negative). */
static const char *kib_or_dash(long long kib, char *buf, size_t bufsz)
{
	return kib >= 0 ? og_fmt_kib((unsigned long long)kib, buf, bufsz) : "-";
}

static void print_table(const struct og_event *ev, size_t n, bool verbose, int sd_version,
			const struct og_joblog *jl)
{
	char t[40], c1[96], c2[520], rss[32], w[1600];
	size_t run = 0; /* rows of the current run of alike kills */
	bool guessed = false;
	printf("%-19s  %-21s  %8s  %-16s  %6s  %7s  %s\n", "TIME", "KILLER", "PID", "COMM", "UID",
	       "RSS", "CGROUP/UNIT");
	for (size_t i = 0; i < n; i++) {
		const struct og_event *e = &ev[i];
		char pid[24] = "-", uid[24] = "-";
		if (e->victim.pid > 0)
			snprintf(pid, sizeof(pid), "%d", e->victim.pid);
		if (e->victim.uid >= 0)
			snprintf(uid, sizeof(uid), "%ld", e->victim.uid);
		const char *where = e->cgroup[0] ? e->cgroup : e->unit;
		fmt_time(e, t, sizeof(t));
		bool guess = e->wall_us != OG_TIME_NONE && e->year_guess;
		guessed |= guess;
		printf("%-19s%s %-21s  %8s  %-16s  %6s  %7s  %s\n", t, guess ? "*" : " ",
		       og_killer_name(e->killer), pid,
		       e->victim.comm[0] ? og_esc_text(e->victim.comm, c1, sizeof(c1)) : "-", uid,
		       e->victim.rss_kib >= 0
			       ? og_fmt_kib((unsigned long long)e->victim.rss_kib, rss, sizeof(rss))
			       : "-",
		       where[0] ? og_esc_text(where, c2, sizeof(c2)) : "-");
		bool last = i + 1 >= n || !alike(e, &ev[i + 1], sd_version);
		run++;
		if (last && run == 1)
			printf("    %s\n", og_esc_text(e->why, w, sizeof(w)));
		og_why_job_text(stdout, e, jl);
		if (verbose && e->ntop) {
			printf("    top memory users:\n");
			for (int k = 0; k < e->ntop; k++) {
				const struct og_user *u = &e->top[k];
				char r2[32], s2[32];
				if (u->pid > 0)
					printf("      %8d  %-16s  rss %7s  swap %7s  adj %5d\n",
					       u->pid, og_esc_text(u->name, c1, sizeof(c1)),
					       kib_or_dash(u->rss_kib, r2, sizeof(r2)),
					       kib_or_dash(u->swap_kib, s2, sizeof(s2)),
					       u->adj == OG_ADJ_NONE ? 0 : u->adj);
				else
					printf("      %s  memory %s  swap %s\n",
					       og_esc_text(u->name, c2, sizeof(c2)),
					       kib_or_dash(u->rss_kib, r2, sizeof(r2)),
					       kib_or_dash(u->swap_kib, s2, sizeof(s2)));
			}
		}
		if (last && run > 1)
			printf("    %zu kills alike (same killer, cgroup and advice); the last: %s\n",
			       run, og_esc_text(e->why, w, sizeof(w)));
		if (last)
			run = 0;
	}
	if (guessed)
		printf("* the log gives no year: assumed the latest that is not after the file's date, as syslog readers do\n");
}

static void jnum(const char *key, long long v, bool known)
{
	if (known)
		printf(",\"%s\":%lld", key, v);
	else
		printf(",\"%s\":null", key);
}

static void jstr(const char *key, const char *v)
{
	printf(",\"%s\":", key);
	if (v && *v)
		og_json_str(stdout, v);
	else
		fputs("null", stdout);
}

static void json_task(const struct og_task *t)
{
	printf("{\"pid\":");
	if (t->pid > 0)
		printf("%d", t->pid);
	else
		fputs("null", stdout);
	jstr("comm", t->comm);
	jnum("uid", t->uid, t->uid >= 0);
	jnum("oom_score_adj", t->adj, t->adj != OG_ADJ_NONE);
	jnum("rss_kib", t->rss_kib, t->rss_kib >= 0);
	jnum("anon_rss_kib", t->anon_kib, t->anon_kib >= 0);
	jnum("file_rss_kib", t->file_kib, t->file_kib >= 0);
	jnum("shmem_rss_kib", t->shmem_kib, t->shmem_kib >= 0);
	jnum("total_vm_kib", t->total_vm_kib, t->total_vm_kib >= 0);
	jnum("pgtables_kib", t->pgtables_kib, t->pgtables_kib >= 0);
	jnum("swap_kib", t->swap_kib, t->swap_kib >= 0);
	putchar('}');
}

/* systemd-oomd's rule and figures, or null for the other killers */
static void json_oomd(const struct og_event *e)
{
	fputs(",\"oomd\":", stdout);
	if (e->killer == OG_K_OOMD_PRESSURE || e->killer == OG_K_OOMD_SWAP ||
	    e->killer == OG_K_OOMD) {
		printf("{\"rule\":\"%s\"", e->killer == OG_K_OOMD_PRESSURE ? "pressure"
					   : e->killer == OG_K_OOMD_SWAP   ? "swap"
									   : "unknown");
		jstr("monitored_cgroup", e->monitored);
		jstr("pressure_percent", e->pressure);
		jstr("limit_percent", e->plimit);
		jstr("duration", e->duration);
		bool sw = e->killer == OG_K_OOMD_SWAP && e->swap_known;
		jnum("mem_used_bytes", (long long)e->mem_used, sw);
		jnum("mem_total_bytes", (long long)e->mem_total, sw);
		jnum("swap_used_bytes", (long long)e->swap_used, sw);
		jnum("swap_total_bytes", (long long)e->swap_total, sw);
		jnum("candidates_considered", e->considered, e->considered >= 0);
		putchar('}');
	} else {
		fputs("null", stdout);
	}
}

static void json_top(const struct og_event *e)
{
	fputs(",\"top_users\":[", stdout);
	for (int k = 0; k < e->ntop; k++) {
		const struct og_user *u = &e->top[k];
		printf("%s{\"pid\":", k ? "," : "");
		if (u->pid > 0)
			printf("%d", u->pid);
		else
			fputs("null", stdout);
		jstr(u->pid > 0 ? "comm" : "cgroup", u->name);
		jnum("uid", u->uid, u->uid >= 0);
		jnum("oom_score_adj", u->adj, u->adj != OG_ADJ_NONE);
		jnum("rss_kib", u->rss_kib, u->rss_kib >= 0);
		jnum("swap_kib", u->swap_kib, u->swap_kib >= 0);
		putchar('}');
	}
	putchar(']');
}

/* "time", "time_us", "year_inferred", "boot_time_s" of one event. */
static void json_times(const struct og_event *e)
{
	printf("{\"time\":");
	if (e->wall_us != OG_TIME_NONE) {
		time_t t = (time_t)(e->wall_us / 1000000);
		struct tm tm;
		char b[40];
		gmtime_r(&t, &tm);
		strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
		printf("\"%s.%06lldZ\"", b, (long long)(e->wall_us % 1000000));
	} else {
		fputs("null", stdout);
	}
	jnum("time_us", e->wall_us, e->wall_us != OG_TIME_NONE);
	printf(",\"year_inferred\":%s",
	       e->wall_us != OG_TIME_NONE && e->year_guess ? "true" : "false");
	if (e->mono_us != OG_TIME_NONE)
		printf(",\"boot_time_s\":%lld.%06lld", (long long)(e->mono_us / 1000000),
		       (long long)(e->mono_us % 1000000));
	else
		fputs(",\"boot_time_s\":null", stdout);
}

/* "allocating_task": the task whose allocation invoked the kernel killer. */
static void json_alloc(const struct og_event *e)
{
	fputs(",\"allocating_task\":", stdout);
	if (!og_killer_is_kernel(e->killer) || (!e->alloc.comm[0] && e->alloc.pid <= 0)) {
		fputs("null", stdout);
		return;
	}
	printf("{\"pid\":");
	if (e->alloc.pid > 0)
		printf("%d", e->alloc.pid);
	else
		fputs("null", stdout);
	jstr("comm", e->alloc.comm);
	jnum("oom_score_adj", e->alloc.adj, e->alloc.adj != OG_ADJ_NONE);
	jstr("gfp_mask", e->gfp);
	jnum("order", e->order, true);
	putchar('}');
}

static void json_event(const struct og_event *e, const struct og_joblog *jl)
{
	json_times(e);
	jstr("source", e->source);
	jstr("killer", og_killer_name(e->killer));
	fputs(",\"victim\":", stdout);
	if (e->no_victim)
		fputs("null", stdout);
	else
		json_task(&e->victim);
	jstr("cgroup", e->cgroup);
	jstr("unit", e->unit);
	jnum("processes_killed", e->nprocs, e->nprocs >= 0);
	jstr("constraint", e->constraint);
	jstr("oom_memcg", e->oom_memcg);
	jnum("memcg_limit_kib", e->limit_kib, e->limit_kib >= 0);
	jnum("memcg_usage_kib", e->usage_kib, e->usage_kib >= 0);
	jnum("memcg_swap_limit_kib", e->swap_limit_kib, e->swap_limit_kib >= 0);
	json_alloc(e);
	printf(",\"oom_group\":%s,\"reaped\":%s,\"unit_result_oom_kill\":%s",
	       e->group ? "true" : "false", e->reaped ? "true" : "false",
	       e->oom_result ? "true" : "false");
	jstr("oom_group_cgroup", e->group_cgroup);
	printf(",\"no_killable\":%s,\"kill_failed\":%s", e->no_victim ? "true" : "false",
	       e->kill_failed ? "true" : "false");
	jstr("signal", e->sig);
	jnum("score", e->score, e->score >= 0);
	json_oomd(e);
	json_top(e);
	jstr("explanation", e->why);
	og_why_job_json(stdout, e, jl);
	puts("}");
}

static void print_json(const struct og_event *ev, size_t n, const struct og_joblog *jl)
{
	for (size_t i = 0; i < n; i++)
		json_event(&ev[i], jl);
}

/* ---------- the command ---------- */

struct collect {
	struct og_event *ev;
	size_t n, cap;
	char read[1024]; /* "what was read", for the empty-result message */
	int ok, failed;
};

static int take(struct collect *c, struct og_asm *a)
{
	if (a->oom)
		return a->oom;
	if (a->nev == 0)
		return 0; /* memcpy from/to NULL, even of 0 bytes, is undefined */
	if (c->n + a->nev > c->cap) {
		size_t nc = (c->n + a->nev) * 2 + 16;
		struct og_event *n = realloc(c->ev, nc * sizeof(*n));
		if (!n)
			return -ENOMEM;
		c->ev = n;
		c->cap = nc;
	}
	memcpy(c->ev + c->n, a->ev, a->nev * sizeof(*a->ev));
	c->n += a->nev;
	a->nev = 0;
	return 0;
}

static void note_read(struct collect *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note_read(struct collect *c, const char *fmt, ...)
{
	size_t l = strlen(c->read);
	va_list ap;
	if (l && l + 3 < sizeof(c->read)) {
		memcpy(c->read + l, ", ", 3);
		l += 2;
	}
	va_start(ap, fmt);
	vsnprintf(c->read + l, sizeof(c->read) - l, fmt, ap);
	va_end(ap);
}

static void journal_source(struct og_asm *a, struct collect *c, struct og_journal_opts *jo,
			   bool required)
{
	size_t ne = 0;
	int r = og_src_journal(a, jo, &ne);
	if (r == -ENOTSUP) {
		if (required) {
			og_err("why: cannot read the journal: oomguard was built without libsystemd");
			c->failed++;
		}
		return;
	}
	if (r < 0) {
		og_err("why: cannot read the journal%s%s: %s", jo->directory ? " in " : "",
		       jo->directory ? jo->directory : "",
		       r == -ENOENT && jo->boot_set ? "no such boot" : strerror(-r));
		c->failed++;
		return;
	}
	c->ok++;
	note_read(c, "the journal%s%s (%zu entries%s)", jo->directory ? " in " : "",
		  jo->directory ? jo->directory : "", ne,
		  jo->skip_kernel ? ", userspace killers" : "");
	take(c, a);
}

/* systemd-oomd advice follows the version's rule: explain those again. */
static void explain_oomd(struct og_event *ev, size_t n, struct why_opts *o)
{
	int v = o->sd_version;
	bool any = false;

	for (size_t i = 0; i < n; i++)
		any |= ev[i].killer == OG_K_OOMD || ev[i].killer == OG_K_OOMD_PRESSURE ||
		       ev[i].killer == OG_K_OOMD_SWAP;
	if (!any)
		return;
	if (!v && !o->nfiles && !o->jo.directory)
		v = og_sd_local_version();
	if (!v)
		return; /* the assembler's text already says what depends on it */
	o->sd_version = v;
	for (size_t i = 0; i < n; i++)
		if (ev[i].killer == OG_K_OOMD || ev[i].killer == OG_K_OOMD_PRESSURE ||
		    ev[i].killer == OG_K_OOMD_SWAP)
			og_event_explain(&ev[i], v);
}

/* --file: each file (or stdin) in turn; one that cannot be read fails the
 * command, one damaged part-way still shows what was read before. */
static void read_files(const struct why_opts *o, struct og_asm *a, struct collect *c)
{
	for (size_t i = 0; i < o->nfiles; i++) {
		unsigned long long nb = 0;
		int r = og_src_file(a, o->files[i], &nb);
		if (r == -EPIPE || r == -EBADMSG) {
			/* Show what was read before the damage, and fail. */
			og_err("why: '%s': %s after %llu bytes of log text; the kills shown are those read before it",
			       o->files[i],
			       r == -EPIPE ? "unexpected end of file (truncated gzip)"
					   : "corrupt gzip data",
			       nb);
			c->failed++;
			c->ok++;
			note_read(c, "%s (%llu bytes, truncated)", o->files[i], nb);
			take(c, a);
			continue;
		}
		if (r < 0) {
			og_err("why: cannot read '%s': %s", o->files[i],
			       r == -EPROTONOSUPPORT
				       ? "gzip-compressed, and oomguard was built without zlib"
			       : r == -ESPIPE
				       ? "gzip-compressed input on a pipe; pass the file with --file PATH"
				       : strerror(-r));
			c->failed++;
			a->nev = 0;
			continue;
		}
		c->ok++;
		note_read(c, "%s (%llu bytes)", strcmp(o->files[i], "-") ? o->files[i] : "stdin",
			  nb);
		take(c, a);
	}
}

/* No --file: /dev/kmsg, then the journal (its kernel records only when kmsg
 * could not be read); either alone with --kmsg / --journal. */
static void read_default(struct why_opts *o, struct og_asm *a, struct collect *c)
{
	bool kmsg_ok = false;
	char err[512];

	if (!o->journal) {
		size_t nrec = 0;
		int r = og_src_kmsg(a, &nrec);
		if (r < 0) {
			og_kmsg_reason(r, err, sizeof(err));
			og_err("why: cannot read /dev/kmsg: %s%s", err,
			       o->kmsg ? "" : "; reading the journal instead");
			c->failed++;
			a->nev = 0;
		} else {
			kmsg_ok = true;
			c->ok++;
			note_read(c, "/dev/kmsg (%zu records)", nrec);
			take(c, a);
		}
	}
	if (o->kmsg)
		return;
	o->jo.skip_kernel = kmsg_ok;
	if (!o->jo.boot_set && !o->jo.directory && !o->journal) {
		o->jo.boot_set = true; /* kmsg is this boot: so is the rest */
		o->jo.boot = 0;
	}
	journal_source(a, c, &o->jo, o->journal || !kmsg_ok);
}

/* --since / --until on what has a wall-clock time, and --pid; then in time
 * order, oomd's kills explained for the systemd version. */
static void filter_events(struct why_opts *o, struct collect *c)
{
	size_t k = 0, noclock = 0;
	bool ranged = o->jo.since_us != OG_TIME_NONE || o->jo.until_us != OG_TIME_NONE;

	for (size_t i = 0; i < c->n; i++) {
		int64_t t = c->ev[i].wall_us;
		if (t != OG_TIME_NONE && ((o->jo.since_us != OG_TIME_NONE && t < o->jo.since_us) ||
					  (o->jo.until_us != OG_TIME_NONE && t > o->jo.until_us)))
			continue;
		noclock += ranged && t == OG_TIME_NONE;
		if (o->pid && !og_event_matches(&c->ev[i], o->pid, NULL))
			continue;
		c->ev[k++] = c->ev[i];
	}
	c->n = k;
	if (noclock)
		og_err("why: --since/--until cannot apply to %zu kill%s: %s only seconds since boot (dmesg without -T, "
		       "from another boot), no wall-clock time; shown unfiltered",
		       noclock, noclock == 1 ? "" : "s",
		       noclock == 1 ? "its log gives" : "their log gives");
	og_events_sort(c->ev, c->n);
	explain_oomd(c->ev, c->n, o);
}

static void print_events(const struct why_opts *o, const struct collect *c,
			 const struct og_joblog *jl)
{
	char when[96] = "";

	if (c->n && o->json) {
		print_json(c->ev, c->n, jl);
		return;
	}
	if (c->n) {
		print_table(c->ev, c->n, o->verbose, o->sd_version, jl);
		return;
	}
	if (o->jo.since_us != OG_TIME_NONE || o->jo.until_us != OG_TIME_NONE)
		snprintf(when, sizeof(when), " in the given time range");
	if (o->pid) {
		size_t wl = strlen(when);
		snprintf(when + wl, sizeof(when) - wl, " for pid %d", o->pid);
	}
	fprintf(o->json ? stderr : stdout, "no OOM kills found%s in %s\n", when, c->read);
}

int cmd_why(int argc, char **argv)
{
	struct why_opts o;
	struct og_joblog jl = { 0 };
	struct collect c = { 0 };
	struct og_asm *a;
	char err[512];
	int r = og_cmd_start("why", why_help, parse_opts(argc, argv, &o, err, sizeof(err)), err,
			     NULL);

	if (r != OG_CMD_GO)
		return r;
	if (!(a = malloc(sizeof(*a)))) {
		og_err("why: out of memory");
		return OG_EXIT_FAIL;
	}
	og_asm_init(a, "", NULL);
	if (o.nfiles)
		read_files(&o, a, &c);
	else
		read_default(&o, a, &c);
	og_asm_free(a);
	free(a);
	for (size_t i = 0; i < o.njobs; i++) {
		if ((r = og_joblog_read(&jl, o.jobs[i])) < 0) {
			og_err("why: cannot read job output '%s': %s", o.jobs[i], strerror(-r));
			og_joblog_free(&jl);
			free(c.ev);
			return OG_EXIT_FAIL;
		}
	}
	filter_events(&o, &c);
	if (c.ok)
		print_events(&o, &c, &jl);
	og_joblog_free(&jl);
	free(c.ev);
	fflush(stdout);
	/* a file that could not be read fails the command; a default source
	 * that could not be read was replaced by the other one */
	return !c.ok || (c.failed && o.nfiles) ? OG_EXIT_FAIL : OG_EXIT_OK;
}
