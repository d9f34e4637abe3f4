/* oomguard run: start a job with its protection in place before its first
 * instruction, then stay its parent (or detach). */
#include "adjust.h"
#include "cmd.h"
#include "logsrc.h"
#include "oomd_rule.h"
#include "privilege.h"
#include "proc.h"
#include "readback.h"
#include "render.h"
#include "signame.h"
#include "systemd.h"
#include "util.h"
#include "warn_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char og_run_help[] =
	"Usage: oomguard run [OPTIONS] -- CMD [ARG...]\n"
	"Start CMD protected from the OOM killers; children inherit the protection.\n"
	"\n"
	"  -a, --adj N        oom_score_adj for the job, -1000..1000 (default -1000; with a\n"
	"                     memory cap -999, so that its own cap can still end it)\n"
	"  -l, --log FILE     append the job's stdout and stderr to FILE\n"
	"  -d, --detach       start the job in its own session and return at once; a watcher\n"
	"                     stays with it (warnings, end record and diagnosis in the log)\n"
	"  -b, --best-effort  run even if the value cannot be applied (read-back says EXPOSED)\n"
	"      --no-sudo      never ask sudo for the privileged step\n"
	"      --oomd PREF    systemd-oomd preference of the job's own scope: omit (default),\n"
	"                     avoid or none; root gets a root-owned scope in oomguard.slice\n"
	"                     on the system bus, others a scope on their user bus\n"
	"      --memory-max SIZE  cap the job's own memory: 512M, 20G (K/M/G/T) or 80% of RAM;\n"
	"                     MemoryMax= on its scope, or (root, no systemd) a memory cgroup\n"
	"                     of its own: a leak kills the job, not the rest of the machine\n"
	"      --memory-high SIZE throttle the job above this (MemoryHigh=, cgroup v2)\n"
	"      --swap-max SIZE    swap the job may use (MemorySwapMax=; 0 = none)\n"
	"      --warn[=SPEC]  warn the job before memory runs out (see 'oomguard watch --help',\n"
	"                     docs/warn.md); default SPEC available:10%,critical:5%,eta:10s,...\n"
	"      --warn-signal SIG  signal sent at each notice (default USR1; none; not KILL/STOP)\n"
	"      --on-warn CMD  run `sh -c CMD` at each notice as the invoking user, no capabilities\n"
	"  -q, --quiet        no read-back lines\n"
	"  -h, --help         this help\n";

/* After the options: the cap and the value agree, the command is there.
 * Returns 0 or -1 with err. */
static int run_finish(struct og_run_opts *o, bool adj_given, char **cmd, char *err, size_t errsz)
{
	if (og_memcap_check(&o->cap, err, errsz) < 0)
		return -1;
	if (!adj_given && og_memcap_wanted(&o->cap))
		o->adj = OG_MEMCAP_ADJ;
	if (og_memcap_check_adj(&o->cap, o->adj, err, errsz) < 0)
		return -1;
	if (!cmd[0] || !cmd[0][0]) {
		snprintf(err, errsz, "missing command: oomguard run [OPTIONS] -- CMD [ARG...]");
		return -1;
	}
	o->argv = cmd;
	/* A detached job has no terminal: like nohup.out, never lose its output. */
	if (o->detach && !o->log)
		o->log = "oomguard.log";
	return 0;
}

/* run's own options (--warn* and --memory-* go to their parsers).  Returns
 * 0 when c was one, 1 when it was not, -1 with err. */
static int run_opt(int c, char *arg, struct og_run_opts *o, bool *adj_given, char *err,
		   size_t errsz)
{
	switch (c) {
	case 'a': *adj_given = true; return og_adj_opt(arg, &o->adj, err, errsz);
	case 'l':
		if (!*arg) {
			snprintf(err, errsz, "--log needs a file name");
			return -1;
		}
		o->log = arg;
		return 0;
	case 'd': o->detach = true; return 0;
	case 'b': o->best_effort = true; return 0;
	case 'S': o->no_sudo = true; return 0;
	case 'q': o->quiet = true; return 0;
	case 'O': return og_oomd_opt(arg, &o->oomd, err, errsz);
	default: return 1;
	}
}

int og_run_parse(int argc, char **argv, struct og_run_opts *o, char *err, size_t errsz)
{
	static const struct option longopts[] = {
		{ "adj", required_argument, NULL, 'a' },
		{ "log", required_argument, NULL, 'l' },
		{ "detach", no_argument, NULL, 'd' },
		{ "best-effort", no_argument, NULL, 'b' },
		{ "no-sudo", no_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "oomd", required_argument, NULL, 'O' },
		OG_WARN_LONGOPTS,
		OG_MEMCAP_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, prev = 0, r;
	bool adj_given = false;
	struct og_warn_opts w = { &o->warn_spec, &o->warn_signal, &o->on_warn, false };

	memset(o, 0, sizeof(*o));
	o->adj = -1000;
	og_warnspec_default(&o->warn_spec);
	o->warn_signal = SIGUSR1;
	o->oomd = OG_OOMD_PREF_OMIT;
	og_memcap_req_init(&o->cap);
	optind = 0;
	opterr = 0;
	/* '+': stop at the first non-option so the job's own flags are left alone. */
	while ((c = getopt_long(argc, argv, "+:a:l:dbqh", longopts, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if ((r = run_opt(c, optarg, o, &adj_given, err, errsz)) == 1 &&
		    (r = og_warn_getopt(c, optarg, argc, argv, true, &w, err, errsz)) == 1 &&
		    (r = og_memcap_getopt(c, optarg, &o->cap, err, errsz)) == 1)
			return og_opt_error(c, argv, prev, err, errsz);
		if (r < 0)
			return -1;
		prev = optind;
	}
	o->warn = w.given;
	return run_finish(o, adj_given, argv + optind, err, errsz);
}

/* Child -> parent reports over a CLOEXEC pipe; EOF means exec succeeded. */
enum stage { ST_NEED_SUDO = 1, ST_ADJ, ST_DROP, ST_LOG, ST_EXEC };
struct report {
	int stage;
	int err;
};

static void report(int fd, int stage, int err)
{
	struct report m = { stage, err };
	ssize_t n = write(fd, &m, sizeof(m));
	(void)n;
}

static const int fwd_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

static int open_log(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
}

/* The child's end when a stage fails: the parent learns which, nothing of
 * the job runs. */
static _Noreturn void child_fail(int rep, int stage, int err)
{
	report(rep, stage, err);
	_exit(127);
}

/* The job's oom_score_adj, written while the child is still oomguard; with
 * no privilege for a lowering, held at the barrier until the parent has had
 * `sudo oomguard protect` do the one privileged write for this PID. */
static void child_adjust(const struct og_run_opts *o, const struct og_priv *pv, int rep,
			 int barrier)
{
	int r = og_adjust_self(o->adj);

	if (r < 0 && og_adjust_is_perm_error(r) && pv->route == OG_ROUTE_NONE && !o->no_sudo) {
		char go = 0;
		report(rep, ST_NEED_SUDO, r);
		if (read(barrier, &go, 1) != 1 || go != 'g')
			_exit(127);
		r = 0;
	}
	if (r < 0 && !o->best_effort)
		child_fail(rep, ST_ADJ, r);
}

/* The job runs as its caller: the user's identity in the sudo route, never
 * a set-id one, and (but for root's own route) no capability at all. */
static void child_drop(const struct og_priv *pv, int rep)
{
	int r;

	if (pv->route == OG_ROUTE_SUDO && (r = og_priv_drop_to_user(pv)) < 0)
		child_fail(rep, ST_DROP, r);
	if ((pv->route == OG_ROUTE_CAP || pv->route == OG_ROUTE_NONE) &&
	    (setresgid(getgid(), getgid(), getgid()) < 0 ||
	     setresuid(getuid(), getuid(), getuid()) < 0))
		child_fail(rep, ST_DROP, -errno);
	if (pv->route != OG_ROUTE_ROOT && (r = og_priv_clear_caps()) < 0)
		child_fail(rep, ST_DROP, r);
}

/* --detach: stdin from /dev/null; --log: stdout and stderr to it. */
static void child_stdio(const struct og_run_opts *o, int logfd)
{
	if (o->detach) {
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (nul >= 0 && nul != 0) {
			dup2(nul, 0);
			close(nul);
		}
	}
	if (logfd >= 0) {
		dup2(logfd, 1);
		dup2(logfd, 2);
		close(logfd);
	}
}

static void child(const struct og_run_opts *o, const struct og_priv *pv, int rep, int barrier,
		  const sigset_t *oldmask, bool scope_gate)
{
	int logfd = -1;

	/* Wait here until the parent has moved us into the job's scope, so
	 * the job's first instruction already runs in its own cgroup. */
	if (scope_gate) {
		char go = 0;
		if (read(barrier, &go, 1) != 1 || go != 's')
			_exit(127);
	}
	if (o->detach && setsid() < 0)
		child_fail(rep, ST_EXEC, -errno);
	/* Before the job's user owns the file: in the sudo route the log is
	 * opened after the drop so it belongs to the user, not root. */
	if (o->log && pv->route != OG_ROUTE_SUDO && (logfd = open_log(o->log)) < 0)
		child_fail(rep, ST_LOG, -errno);

	/* A secure-exec oomguard (file capability) is not dumpable, which makes
	 * its /proc/self files root-owned and unwritable to the user even with
	 * CAP_SYS_RESOURCE.  The child is about to exec the job anyway; being
	 * dumpable until then gives the user nothing: ptrace of a task holding
	 * capabilities the tracer lacks is still refused. */
	if (getauxval(AT_SECURE))
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	/* Now, while /proc/self is still ours: dropping a set-id identity below
	 * makes the task undumpable again. */
	char **env = og_priv_caller_environ();

	child_adjust(o, pv, rep, barrier);
	close(barrier);
	child_drop(pv, rep);
	if (o->log && logfd < 0 && (logfd = open_log(o->log)) < 0)
		child_fail(rep, ST_LOG, -errno);
	child_stdio(o, logfd);
	/* Only the mask was changed; dispositions are the caller's, so a job
	 * started from a script with '&' or under nohup keeps ignoring what
	 * its caller ignored, as if the shell had started it. */
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	if (env)
		execvpe(o->argv[0], o->argv, env);
	else
		execvp(o->argv[0], o->argv);
	child_fail(rep, ST_EXEC, -errno);
}

/* Run `sudo oomguard protect --adj N PID` for the child held at the barrier.
 * sudo prompts on the terminal itself; the job's environment is untouched
 * because only this one command runs under sudo. */
static int sudo_protect(pid_t pid, int adj)
{
	char self[PATH_MAX], adjs[16], pids[16];
	const char *sudo = getenv("OOMGUARD_SUDO");
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	pid_t h;
	int st;

	if (n < 0)
		return -errno;
	self[n] = '\0';
	if (!sudo || !*sudo)
		sudo = "sudo";
	snprintf(adjs, sizeof(adjs), "%d", adj);
	snprintf(pids, sizeof(pids), "%d", (int)pid);
	h = fork();
	if (h < 0)
		return -errno;
	if (h == 0) {
		char *args[] = { (char *)sudo, "--", self, "protect", "--quiet",
				 "--adj",      adjs, pids, NULL };
		execvp(sudo, args);
		_exit(127);
	}
	while (waitpid(h, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EACCES;
}

/* What the end report needs, captured while the job is alive. */
struct job_end {
	time_t since;
	char cgroups[2048]; /* /proc/PID/cgroup, for kills of its whole cgroup (systemd-oomd) */
	int logfd;          /* the job's log, or -1 */
	bool record;        /* an end record in the log: detached, nobody else sees the end */
};

static void job_end_capture(pid_t pid, const struct og_run_opts *o, struct job_end *e)
{
	char p[64];
	e->since = time(NULL);
	snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
	if (og_read_at(AT_FDCWD, p, e->cgroups, sizeof(e->cgroups)) < 0)
		e->cgroups[0] = '\0';
	e->logfd = o->log ? open(o->log, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY) : -1;
	e->record = o->detach;
}

/* A SIGKILL is the OOM killers' signature: say which one and why.  Only a
 * log that was read can say "nobody logged it"; one that could not be read
 * says so, and which command can. */
static void diagnose_sigkill(pid_t pid, const struct job_end *e)
{
	char line[1400], why[256];
	int r = og_why_diagnose(pid, e->cgroups[0] ? e->cgroups : NULL, e->since, line,
				sizeof(line) - 200);
	if (r == -ENOENT) {
		snprintf(
			line, sizeof(line),
			"job pid %d was killed by SIGKILL, and no OOM killer logged killing it in the kernel log "
			"or the journal: it was not an OOM kill (kill -9, a job manager, or a watchdog sent the signal)",
			(int)pid);
	} else if (r < 0) {
		og_kmsg_reason(r, why, sizeof(why));
		snprintf(
			line, sizeof(line),
			"job pid %d was killed by SIGKILL; cannot tell by whom: the kernel log could not be read "
			"(%s), and the journal readable here has no record of it; 'sudo oomguard why --pid %d' can read it "
			"(or join the systemd-journal group to read the journal)",
			(int)pid, why, (int)pid);
	}
	og_watch_note(e->logfd, line);
}

/* The job has ended with status (128+N: signal N): diagnose a SIGKILL (on
 * stderr and in the log), and close a detached job's log with an end
 * record. */
static void report_end(pid_t pid, int status, struct job_end *e)
{
	char line[160];
	if (status == 128 + SIGKILL)
		diagnose_sigkill(pid, e);
	if (e->logfd >= 0 && e->record) {
		if (status > 128)
			snprintf(line, sizeof(line),
				 "job pid %d ended: killed by signal %d (exit status %d)", (int)pid,
				 status - 128, status);
		else
			snprintf(line, sizeof(line), "job pid %d ended: exit status %d", (int)pid,
				 status);
		og_watch_log(e->logfd, line);
	}
	if (e->logfd >= 0)
		close(e->logfd);
	e->logfd = -1;
}

static int wait_job(pid_t pid, const sigset_t *set, struct og_memcap_job *cap)
{
	for (;;) {
		siginfo_t si;
		int st;
		int sig = sigwaitinfo(set, &si);

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			if (og_should_forward(si.si_code, pid))
				kill(pid, sig);
			continue;
		}
		og_memcap_sample_end(cap); /* the job may be gone: its scope soon will be */
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid && WIFEXITED(st))
			return WEXITSTATUS(st);
		if (w == pid && WIFSIGNALED(st))
			return 128 + WTERMSIG(st);
	}
}

/* Move the child, held at its gate, into a transient scope of its own: a
 * root-owned one on the system bus when we are root (sudo included), else
 * one on the caller's user bus.  Failing is fatal only when systemd-oomd is
 * running and a preference was asked for (unless --best-effort): the job
 * would start unprotected.  Returns 0 (route filled when a scope was made)
 * or -1 after printing why. */
static int place_in_scope(const struct og_run_opts *o, pid_t pid, char *route, size_t routesz)
{
	struct og_scope_req req = {
		.system = geteuid() == 0,
		.pref = (enum og_oomd_pref)o->oomd,
		.pids = &pid,
		.npids = 1,
		.cap = og_memcap_wanted(&o->cap) ? &o->cap : NULL,
	};
	char err[512], why[256], *text = NULL;

	if (og_scope_create(&req, route, routesz, err, sizeof(err)) == 0)
		return 0;
	route[0] = '\0';
	if (req.cap && og_sd_running() && !o->best_effort) {
		og_err("run: cannot make the job's scope (%s bus) to carry its memory cap: %s; nothing was run "
		       "(--best-effort runs it anyway, uncapped)",
		       req.system ? "system" : "user", err);
		return -1;
	}
	if (og_sd_oomd_dump(&text, why, sizeof(why)) < 0)
		return 0; /* no systemd-oomd to protect from: the read-back says so */
	free(text);
	if (o->oomd == OG_OOMD_PREF_NONE || o->best_effort) {
		if (!o->quiet)
			og_err("run: cannot place the job in a scope of its own: %s; running it where it is",
			       err);
		return 0;
	}
	og_err("run: cannot place the job in a scope of its own (%s bus): %s; systemd-oomd is running, so nothing was run "
	       "(--best-effort runs it anyway, exposed)",
	       req.system ? "system" : "user", err);
	return -1;
}

/* The job never started, or must not run on: end it before it executes. */
static void abort_job(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* What the child reported before exec (a stage) as the command's failure. */
static int start_failure(const struct og_run_opts *o, const struct og_priv *pv,
			 const struct report *m)
{
	char esc[512];
	switch (m->stage) {
	case ST_ADJ:
		og_err("run: cannot lower oom_score_adj of the job to %d: %s; nothing was run",
		       o->adj, og_adjust_reason(m->err));
		return OG_EXIT_FAIL;
	case ST_LOG:
		og_err("run: cannot open log file '%s': %s; nothing was run",
		       og_esc(o->log, esc, sizeof(esc)), strerror(-m->err));
		return OG_EXIT_FAIL;
	case ST_DROP:
		og_err("run: cannot drop privileges to uid %u: %s; nothing was run",
		       (unsigned)pv->ruid, strerror(-m->err));
		return OG_EXIT_FAIL;
	default:
		og_err("run: cannot execute '%s': %s", og_esc(o->argv[0], esc, sizeof(esc)),
		       strerror(-m->err));
		return m->err == -ENOENT ? 127 : 126;
	}
}

/* The child's reports up to exec: the sudo step when it asks, then EOF
 * (exec succeeded) or a failure.  Returns 0, or the exit code to return. */
static int follow_start(const struct og_run_opts *o, const struct og_priv *pv, pid_t pid, int rep,
			int bar, const char **route)
{
	struct report m;
	ssize_t n;
	int r;
	while ((n = read(rep, &m, sizeof(m))) == (ssize_t)sizeof(m) && m.stage == ST_NEED_SUDO) {
		if (!o->quiet)
			fprintf(stderr,
				"oomguard: lowering oom_score_adj needs CAP_SYS_RESOURCE; asking sudo for that one step (job held at a barrier, pid %d)\n",
				(int)pid);
		r = sudo_protect(pid, o->adj);
		if (r < 0 && !o->best_effort) {
			abort_job(pid);
			if (og_priv_bounding_lacks_resource())
				og_err("run: cannot lower oom_score_adj of the job to %d: 'sudo oomguard protect' failed: it %s; nothing was run",
				       o->adj, og_adjust_lower_hint());
			else
				og_err("run: cannot lower oom_score_adj of the job to %d: needs CAP_SYS_RESOURCE and 'sudo oomguard protect' failed; nothing was run",
				       o->adj);
			return OG_EXIT_FAIL;
		}
		*route = r < 0 ? "unprivileged" : "sudo (barrier)";
		if (write(bar, "g", 1) != 1) {
			og_err("run: cannot release the job: %s", strerror(errno));
			abort_job(pid);
			return OG_EXIT_FAIL;
		}
	}
	if (n != (ssize_t)sizeof(m))
		return 0;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return start_failure(o, pv, &m);
}

/* Fork the job held at its gates, place it, follow it to exec.  Returns 0
 * with *pid, or the exit code. */
static int start_job(const struct og_run_opts *o, const struct og_priv *pv, const sigset_t *old,
		     pid_t *pid, char *scope_route, size_t srsz, const char **route,
		     struct og_memcap_job *cap)
{
	int rep[2], bar[2];
	/* the job waits at the gate until its scope or cgroup holds it */
	bool gate = og_sd_built() || cap->wanted;
	bool sd_up = og_sd_built() && og_sd_running();
	if (pipe2(rep, O_CLOEXEC) < 0 || pipe2(bar, O_CLOEXEC) < 0) {
		og_err("run: pipe: %s", strerror(errno));
		return OG_EXIT_FAIL;
	}
	*pid = fork();
	if (*pid < 0) {
		og_err("run: fork: %s", strerror(errno));
		return OG_EXIT_FAIL;
	}
	if (*pid == 0) {
		close(rep[0]);
		close(bar[1]);
		child(o, pv, rep[1], bar[0], old, gate);
	}
	close(rep[1]);
	close(bar[0]);
	int r = 0;
	if (og_sd_built() && place_in_scope(o, *pid, scope_route, srsz) < 0) {
		r = OG_EXIT_FAIL;
	} else if (og_memcap_place(cap, "run", *pid, scope_route[0] != '\0', sd_up,
				   o->best_effort) < 0) {
		r = OG_EXIT_FAIL;
	} else if (gate && write(bar[1], "s", 1) != 1) {
		og_err("run: cannot release the job: %s", strerror(errno));
		r = OG_EXIT_FAIL;
	}
	if (r) {
		abort_job(*pid);
		og_memcap_undo(
			cap); /* nothing half-changed: no cgroup left for a job that never ran */
	} else if ((r = follow_start(o, pv, *pid, rep[0], bar[1], route)) != 0) {
		og_memcap_undo(cap); /* reaped in follow_start */
	}
	close(bar[1]);
	close(rep[0]);
	return r;
}

/* Read back from /proc what the kernel holds now.  The job is our unreaped
 * child, so the PID cannot have been reused. */
static void readback(const struct og_run_opts *o, const struct og_priv *pv, pid_t pid,
		     const char *route, const char *scope_route, const struct og_memcap_job *cap)
{
	struct og_proc p;
	long have = 1001;
	char comm[OG_COMM_MAX];
	if (o->quiet)
		return;
	snprintf(comm, sizeof(comm), "%s", o->argv[0]);
	if (og_proc_open("/proc", pid, &p) == 0) {
		og_proc_read_long(&p, "oom_score_adj", &have);
		snprintf(comm, sizeof(comm), "%s", p.stat.comm);
		og_proc_close(&p);
	}
	fprintf(stderr, "oomguard: started pid %d as uid %u (route: %s)\n", (int)pid,
		(unsigned)(pv->route == OG_ROUTE_ROOT ? 0 : pv->ruid), route);
	if (have != 1001) {
		fputs("oomguard: ", stderr);
		og_readback_kernel(stderr, pid, comm, have, o->adj);
	}
	og_oomd_readback(stderr, "oomguard: ", pid, (enum og_oomd_pref)o->oomd,
			 scope_route[0] ? scope_route : NULL);
	og_memcap_readback(stderr, "oomguard: ", cap, pid);
	/* The user-space daemons need a scan of every process: worth it for a
	 * job that is running, not for one that has already ended. */
	if (og_proc_open("/proc", pid, &p) == 0) {
		bool alive = p.stat.state != 'Z' && p.stat.state != 'X';
		og_proc_close(&p);
		if (alive)
			og_daemons_readback(stderr, "oomguard: ", pid);
	}
}

/* Stay with the job until it ends: the warning loop (which is then the
 * wait loop: the job's pidfd ends it, a signalfd forwards the signals
 * blocked in cmd_run), or a plain wait.  Returns its exit status. */
static int supervise(const struct og_run_opts *o, const struct og_priv *pv, pid_t pid,
		     const sigset_t *fwd, const struct job_end *e, struct og_memcap_job *cap)
{
	if (o->warn) {
		struct og_watch_cfg wc = {
			.pid = pid,
			.is_child = true,
			.spec = o->warn_spec,
			.warn_signal = o->warn_signal,
			.on_warn = o->on_warn,
			.pv = pv,
			.logfd = e->logfd,
			.quiet = o->quiet,
			.procroot = "/proc",
			.forward = fwd,
		};
		int status;
		if (og_watch_loop(&wc, &status) == 0) {
			og_memcap_finish(cap, status, true);
			return status;
		}
		og_err("run: cannot watch pid %d; waiting for it without warnings", (int)pid);
	}
	return wait_job(pid, fwd, cap);
}

/* --detach: the terminal gets its answer (PID and log) from a front process
 * that returns at once; the watcher that stays with the job runs in a
 * session of its own, so closing the terminal ends neither.  The watcher is
 * the forked child: it does the whole start (sudo can still prompt on the
 * terminal) and tells the front its exit code when the job runs or failed. */
struct front {
	int fd; /* the watcher's end of the pipe to the front; -1 when not detaching */
};

/* In the front: returns the watcher's code.  In the watcher: -1. */
static int detach_split(struct front *f)
{
	int p[2];
	f->fd = -1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		og_err("run: pipe: %s", strerror(errno));
		return OG_EXIT_FAIL;
	}
	pid_t w = fork();
	if (w < 0) {
		og_err("run: fork: %s", strerror(errno));
		return OG_EXIT_FAIL;
	}
	if (w == 0) {
		close(p[0]);
		f->fd = p[1];
		return -1;
	}
	close(p[1]);
	int code = OG_EXIT_FAIL;
	ssize_t n;
	while ((n = read(p[0], &code, sizeof(code))) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(code))
		code = OG_EXIT_FAIL;
	return code;
}

static void tell_front(struct front *f, int code)
{
	if (f->fd < 0)
		return;
	fflush(stdout);
	fflush(stderr);
	ssize_t n = write(f->fd, &code, sizeof(code));
	(void)n;
	close(f->fd);
	f->fd = -1;
}

/* The watcher leaves the terminal: its own session first (so a SIGHUP to
 * the caller's group, once the front has returned, cannot reach it), then
 * the front is told, then stdio goes to /dev/null (its lines go to the
 * job's log). */
static void detach_self(struct front *f)
{
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	fflush(stdout);
	setsid();
	tell_front(f, OG_EXIT_OK);
	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		if (nul > 2)
			close(nul);
	}
}

static void print_detached(const struct og_run_opts *o, pid_t pid)
{
	char cwd[PATH_MAX];
	if (o->log[0] != '/' && getcwd(cwd, sizeof(cwd)))
		printf("%d %s/%s\n", (int)pid, cwd, o->log);
	else
		printf("%d %s\n", (int)pid, o->log);
}

static int run_job(const struct og_run_opts *o, const struct og_priv *pv, struct front *front,
		   struct og_memcap_job *cap)
{
	sigset_t set, old;
	pid_t pid;
	char scope_route[160] = "";
	const char *route = og_route_name(pv->route);
	struct job_end e;

	/* Block the forwarded signals before fork so none is lost between fork
	 * and the wait loop; the child restores the old mask before exec. */
	sigemptyset(&set);
	for (size_t i = 0; i < OG_ARRAY_LEN(fwd_signals); i++)
		sigaddset(&set, fwd_signals[i]);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);

	/* The watcher stays as protected as the job (adjust.h): in a memory
	 * cgroup they share it must not be the kernel's first choice, or the
	 * job's end goes undiagnosed (docs/warn.md "The watcher").  Lowered
	 * before the job runs its first instruction: a fast leak can reach
	 * the cgroup's limit before the start-up read-back is done. */
	int before = og_adjust_self_value();
	if (before <= OG_ADJ_MAX && o->adj < before)
		og_adjust_self(o->adj);
	int r = start_job(o, pv, &old, &pid, scope_route, sizeof(scope_route), &route, cap);
	if (r)
		return r;
	job_end_capture(pid, o, &e);
	if (cap->wanted && e.logfd >= 0)
		cap->logfd = fcntl(e.logfd, F_DUPFD_CLOEXEC, 3);
	readback(o, pv, pid, route, scope_route, cap);
	/* ... and settled at the job's value as it came out (adjust.h). */
	og_adjust_follow_say(o->quiet ? NULL : stderr, "oomguard: ", pid, before);
	if (o->detach) {
		print_detached(o, pid);
		detach_self(front);
	}
	int status = supervise(o, pv, pid, &set, &e, cap);
	report_end(pid, status, &e);
	return status;
}

static int run_cmd(int argc, char **argv, struct og_memcap_job *cap)
{
	struct og_run_opts o;
	struct og_priv pv;
	struct front front = { -1 };
	char err[512];
	int r;

	r = og_cmd_start("run", og_run_help, og_run_parse(argc, argv, &o, err, sizeof(err)), err,
			 &pv);
	if (r != OG_CMD_GO)
		return r;
	og_memcap_job_init(cap, &o.cap);
	bool sd_up = og_sd_built() && og_sd_running();
	if (og_memcap_precheck(cap, "run", sd_up) < 0 ||
	    (sd_up && !o.best_effort && og_memcap_scope_precheck(cap, "run") < 0))
		return OG_EXIT_FAIL;
	if (o.detach && (r = detach_split(&front)) >= 0) {
		cap->finished = true; /* the front: the watcher owns the job's end */
		return r;
	}
	r = run_job(&o, &pv, &front, cap);
	tell_front(&front, r);
	return r;
}

int cmd_run(int argc, char **argv)
{
	struct og_memcap_job cap = { .logfd = -1 };
	int rc = run_cmd(argc, argv, &cap);

	/* every way out, once the job has ended: the own-cap verdict, and the
	 * job's own memory cgroup (no systemd) removed */
	if (!cap.own.version && !cap.wanted)
		return rc;
	og_memcap_finish(&cap, rc, false);
	return rc;
}
