/* Command entry points.  Each command lives in cmd_<name>.c: options ->
 * core calls -> render.  Option parsers are separate pure functions so unit
 * tests can drive them. */
#ifndef OG_CMD_H
#define OG_CMD_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "memcap.h"
#include "warn_spec.h"

int cmd_run(int argc, char **argv);
int cmd_protect(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_why(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_metrics(int argc, char **argv);

struct og_priv;
/* The prologue every command shares (cmdline.c).  parsed is what the
 * command's option parser returned: 1 --help asked, < 0 a usage error with
 * its reason in err, 0 go on.  With pv, who is asking is found too.
 * Returns OG_CMD_GO to go on, or the exit code to return at once: 0 after
 * the help, 2 after the one usage line "oomguard: NAME: ERR", 1 when the
 * asker cannot be told. */
#define OG_CMD_GO (-1)
int og_cmd_start(const char *name, const char *help, int parsed, const char *err,
		 struct og_priv *pv);

/* --adj N of run and protect: -1000..1000.  Returns 0, or -1 with err. */
int og_adj_opt(const char *arg, int *adj, char *err, size_t errsz);

/* A PID argument (1..4194304, the kernel's PID_MAX_LIMIT).  Returns 0, or -1
 * with "invalid PID 'ARG': ..." in err. */
int og_pid_opt(const char *arg, pid_t *pid, char *err, size_t errsz);

/* A number option NAME in lo..hi; err says "invalid NAME 'ARG': EXPECT".
 * Returns 0, or -1 with err. */
int og_long_opt(const char *name, const char *arg, long lo, long hi, const char *expect, long *v,
		char *err, size_t errsz);

/* --warn[=SPEC], --warn-signal SIG and --on-warn CMD, as run and watch take
 * them, into the command's own fields. */
enum { OG_OPT_WARN = 0x5700, OG_OPT_WARN_SIGNAL, OG_OPT_ON_WARN };
#define OG_WARN_LONGOPTS                                                        \
	{ "warn", optional_argument, NULL, OG_OPT_WARN },                       \
		{ "warn-signal", required_argument, NULL, OG_OPT_WARN_SIGNAL }, \
	{                                                                       \
		"on-warn", required_argument, NULL, OG_OPT_ON_WARN              \
	}
struct og_warn_opts {
	struct og_warnspec *spec;
	int *signal;
	const char **on_warn;
	bool given; /* any of the three was given */
};
/* One getopt result opt with its argument arg.  take_next: a bare --warn
 * takes the next word when it is a valid spec (run: the command follows;
 * watch: only --warn=SPEC).  Returns 1 when opt is none of the three, 0
 * when taken, -1 with the message in err. */
int og_warn_getopt(int opt, char *arg, int argc, char **argv, bool take_next,
		   struct og_warn_opts *w, char *err, size_t errsz);

struct og_run_opts {
	int adj;
	const char *log;
	bool detach;
	bool best_effort;
	bool no_sudo;
	bool quiet;
	int oomd;  /* enum og_oomd_pref for the job's scope (--oomd) */
	bool warn; /* --warn, --warn-signal or --on-warn: run the warning loop */
	struct og_warnspec warn_spec;
	int warn_signal; /* default SIGUSR1; 0 = none */
	const char *on_warn;
	struct og_memcap_req cap; /* --memory-max/--memory-high/--swap-max */
	char **argv;              /* the job's command line, NULL-terminated */
};
/* Returns 0, 1 for --help (printed), or -1 with a message in err. */
int og_run_parse(int argc, char **argv, struct og_run_opts *o, char *err, size_t errsz);

struct og_protect_opts {
	bool set; /* --adj given */
	int adj;
	bool tree;
	bool json;
	bool quiet;               /* --quiet: errors only */
	bool scope;               /* --scope: move into a transient scope of their own */
	int oomd;                 /* enum og_oomd_pref for that scope (--oomd) */
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

#endif
