/* Command entry points.  Each command lives in cmd_<name>.c: options ->
 * core calls -> render.  Option parsers are separate pure functions so unit
 * tests can drive them. */
#ifndef OG_CMD_H
#define OG_CMD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/types.h>

#include "memcap.h"
#include "warnspec.h"

int cmd_run(int argc, char **argv);
int cmd_protect(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_why(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_metrics(int argc, char **argv);

/* earlyoom and nohang read-back lines for pid, judged as `doctor PID` judges
 * them ("earlyoom: protected (...)", "nohang: EXPOSED (...): fix").  Costs one
 * comm read per process, and the full snapshot only where one of them runs.
 * pid is run's unreaped child: the scan starts 2 ms after the call (the
 * job's own start first) and stops once the job has exited; then nothing is
 * printed and -EINTR returned (no verdict is due for a job that ended).
 * Returns 0 or -errno. */
int og_doctor_daemon_readback(FILE *f, const char *prefix, pid_t pid);

struct og_run_opts {
	int adj;
	const char *log;
	bool detach;
	bool best_effort;
	bool no_sudo;
	bool quiet;
	int oomd;         /* enum og_oomd_pref for the job's scope (--oomd) */
	bool warn;        /* --warn, --warn-signal or --on-warn: run the warning loop */
	struct og_warnspec warn_spec;
	int warn_signal;  /* default SIGUSR1; 0 = none */
	const char *on_warn;
	struct og_memcap_req cap; /* --memory-max/--memory-high/--swap-max */
	char **argv;      /* the job's command line, NULL-terminated */
};
/* Returns 0, 1 for --help (printed), or -1 with a message in err. */
int og_run_parse(int argc, char **argv, struct og_run_opts *o, char *err, size_t errsz);

struct og_protect_opts {
	bool set;         /* --adj given */
	int adj;
	bool tree;
	bool json;
	bool scope;       /* --scope: move into a transient scope of their own */
	int oomd;         /* enum og_oomd_pref for that scope (--oomd) */
	struct og_memcap_req cap; /* --memory-max/--memory-high/--swap-max (with --scope) */
	size_t npids;
	int pids[64];
};
int og_protect_parse(int argc, char **argv, struct og_protect_opts *o, char *err, size_t errsz);

struct og_watch_opts {
	pid_t pid;
	struct og_warnspec spec;
	int warn_signal;
	const char *on_warn;
	const char *cgroup;
	const char *oomd_cgroup;
	double oomd_limit_pct, oomd_duration_s;
	bool json, quiet;
};
int og_watch_parse(int argc, char **argv, struct og_watch_opts *o, char *err, size_t errsz);

extern const char og_run_help[];
extern const char og_watch_help[];
extern const char og_protect_help[];

#endif
