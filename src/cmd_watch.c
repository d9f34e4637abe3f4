/* oomguard watch: warn a job that is already running before memory runs out
 * (the same loop `oomguard run --warn` runs around its own child). */
#include "adjust.h"
#include "cgroup.h"
#include "cmd.h"
#include "logsrc.h"
#include "privilege.h"
#include "proc.h"
#include "render.h"
#include "signame.h"
#include "util.h"
#include "warn_spec.h"
#include "warn_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char og_watch_help[] =
	"Usage: oomguard watch [OPTIONS] PID\n"
	"Warn PID before its memory runs out so it can checkpoint: watch its memory cgroup\n"
	"(usage against the limit), the system (MemAvailable and free swap) and PSI memory\n"
	"pressure; at warning level send it a signal and run a hook.  Runs until PID ends.\n"
	"\n"
	"      --warn[=SPEC]      when to warn (default available:10%,critical:5%,eta:10s,\n"
	"                         critical-eta:2.5s,psi-full:20); see docs/warn.md\n"
	"      --warn-signal SIG  signal sent at each notice (default USR1; none to send none;\n"
	"                         not KILL or STOP: the job must be able to catch it)\n"
	"      --on-warn CMD      run `sh -c CMD` at each notice, as the invoking user without\n"
	"                         capabilities, with OOMGUARD_PID, OOMGUARD_LEVEL, OOMGUARD_REASON,\n"
	"                         OOMGUARD_AVAILABLE_KB, OOMGUARD_LIMIT_KB, OOMGUARD_USAGE_KB,\n"
	"                         OOMGUARD_ETA_S ... in its environment\n"
	"      --cgroup DIR       watch this memory cgroup directory instead of PID's\n"
	"      --oomd-cgroup DIR  also watch DIR/memory.pressure against systemd-oomd's rule:\n"
	"      --oomd-limit PCT     full pressure limit (default 60)\n"
	"      --oomd-duration S    seconds above it before oomd kills (default 30)\n"
	"      --json             one JSON object per event on stdout\n"
	"  -q, --quiet            no start-up lines\n"
	"  -h, --help             this help\n";

/* watch's own options (the --warn ones go to og_warn_getopt).  Returns 0
 * when c was one, 1 when it was not, -1 with err for a bad value. */
static int watch_opt(int c, const char *arg, struct og_watch_opts *o, char *err, size_t errsz)
{
	long v;

	switch (c) {
	case 'c': o->cgroup = arg; return 0;
	case 'O': o->oomd_cgroup = arg; return 0;
	case 'L':
		if (og_long_opt("--oomd-limit", arg, 0, 100, "expected a percentage from 0 to 100",
				&v, err, errsz) < 0)
			return -1;
		o->oomd_limit_pct = (double)v;
		return 0;
	case 'D':
		if (og_long_opt("--oomd-duration", arg, 1, 86400,
				"expected seconds from 1 to 86400", &v, err, errsz) < 0)
			return -1;
		o->oomd_duration_s = (double)v;
		return 0;
	case 'j': o->json = true; return 0;
	case 'q': o->quiet = true; return 0;
	default: return 1;
	}
}

/* The one PID after the options. */
static int watch_pid(int argc, char **argv, struct og_watch_opts *o, char *err, size_t errsz)
{
	char esc[256];

	if (optind >= argc) {
		snprintf(err, errsz, "missing PID: oomguard watch [OPTIONS] PID");
		return -1;
	}
	if (optind < argc - 1) {
		snprintf(err, errsz, "exactly one PID, got '%s' too",
			 og_esc(argv[optind + 1], esc, sizeof(esc)));
		return -1;
	}
	return og_pid_opt(argv[optind], &o->pid, err, errsz);
}

int og_watch_parse(int argc, char **argv, struct og_watch_opts *o, char *err, size_t errsz)
{
	static const struct option longopts[] = {
		OG_WARN_LONGOPTS,
		{ "cgroup", required_argument, NULL, 'c' },
		{ "oomd-cgroup", required_argument, NULL, 'O' },
		{ "oomd-limit", required_argument, NULL, 'L' },
		{ "oomd-duration", required_argument, NULL, 'D' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r, prev = 1;
	struct og_warn_opts w = { &o->spec, &o->warn_signal, &o->on_warn, false };

	memset(o, 0, sizeof(*o));
	og_warnspec_default(&o->spec);
	o->warn_signal = SIGUSR1;
	o->oomd_limit_pct = 60;
	o->oomd_duration_s = 30;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if ((r = watch_opt(c, optarg, o, err, errsz)) == 1 &&
		    (r = og_warn_getopt(c, optarg, argc, argv, false, &w, err, errsz)) == 1)
			return og_opt_error(c, argv, prev, err, errsz);
		if (r < 0)
			return -1;
		prev = optind;
	}
	return watch_pid(argc, argv, o, err, errsz);
}

/* The watched PID has ended (not our child: its status is not ours to
 * read): say so if an OOM killer logged killing it, or its cgroup, since the
 * watch began; say when the kernel log could not be read to tell. */
static void diagnose_end(pid_t pid, const char *cgroups, time_t since)
{
	char line[1200], why[256];
	int r = og_why_diagnose(pid, cgroups[0] ? cgroups : NULL, since, line, sizeof(line));
	if (r == 0) {
		og_err("%s", line);
	} else if (r != -ENOENT) {
		og_kmsg_reason(r, why, sizeof(why));
		og_err("pid %d has ended; cannot tell whether an OOM killer ended it: the kernel log could not be read (%s); "
		       "'sudo oomguard why --pid %d' can read it",
		       (int)pid, why, (int)pid);
	}
}

/* PID exists, and we may signal it if a signal is to be sent.  0 or -1
 * after saying why. */
static int check_target(const struct og_watch_opts *o, const struct og_priv *pv)
{
	struct og_proc p;
	struct og_status st;
	int r;
	if ((r = og_proc_open("/proc", o->pid, &p)) < 0) {
		og_err("watch: no process %d: %s", (int)o->pid, strerror(-r));
		return -1;
	}
	r = og_proc_status(&p, &st);
	og_proc_close(&p);
	if (r < 0) {
		og_err("watch: cannot read the status of %d: %s", (int)o->pid, strerror(-r));
		return -1;
	}
	if (o->warn_signal && !og_priv_may_touch(pv, st.uid[0])) {
		og_err("watch: cannot signal %d: it belongs to uid %ld; watch your own processes or use sudo",
		       (int)o->pid, st.uid[0]);
		return -1;
	}
	return 0;
}

int cmd_watch(int argc, char **argv)
{
	struct og_watch_opts o;
	struct og_priv pv;
	char err[512];
	int r, status;

	r = og_cmd_start("watch", og_watch_help, og_watch_parse(argc, argv, &o, err, sizeof(err)),
			 err, &pv);
	if (r != OG_CMD_GO)
		return r;
	if (check_target(&o, &pv) < 0)
		return OG_EXIT_FAIL;
	/* --cgroup as every output prints it ("/x") or as a directory. */
	struct og_cgroup wcg;
	if (o.cgroup && (r = og_cgroup_resolve("/proc", o.cgroup, &wcg)) < 0) {
		og_err("watch: --cgroup %s: %s", o.cgroup,
		       r == -ENOTSUP ? "not a memory cgroup (no memory.* files)" : strerror(-r));
		return OG_EXIT_FAIL;
	}
	struct og_watch_cfg c = {
		.pid = o.pid,
		.spec = o.spec,
		.warn_signal = o.warn_signal,
		.on_warn = o.on_warn,
		.pv = &pv,
		.logfd = -1,
		.json = o.json,
		.quiet = o.quiet,
		.procroot = "/proc",
		.cgroup_dir = o.cgroup ? wcg.dir : NULL,
		.oomd_dir = o.oomd_cgroup,
		.oomd_limit_pct = o.oomd_limit_pct,
		.oomd_duration_s = o.oomd_duration_s,
	};
	char cgpath[64], cgroups[2048] = "";
	time_t since = time(NULL);
	snprintf(cgpath, sizeof(cgpath), "/proc/%d/cgroup", (int)o.pid);
	if (og_read_at(AT_FDCWD, cgpath, cgroups, sizeof(cgroups)) < 0)
		cgroups[0] = '\0';
	/* as protected as the job: not the first victim of an OOM kill they share */
	og_adjust_follow_say(o.quiet ? NULL : stderr, "oomguard: ", o.pid, OG_ADJ_MAX + 1);
	if (og_watch_loop(&c, &status) < 0)
		return OG_EXIT_FAIL;
	diagnose_end(o.pid, cgroups, since);
	return OG_EXIT_OK;
}
