/* The warning loop: samples a job's memory domain (its memory cgroup, the
 * system, PSI, an optional systemd-oomd ancestor), feeds the pure core in
 * warn_core.c and acts on its notices: a signal to the job through its pidfd, a
 * hook run as the invoking user without capabilities, and a line on stderr
 * and in the job's log.  Event-driven where the kernel allows (PSI triggers,
 * the job's pidfd, forwarded signals through a signalfd); between events it
 * polls at 100 ms .. 1 s depending on how close and how fast memory fills. */
#ifndef OG_WARN_LOOP_H
#define OG_WARN_LOOP_H
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "privilege.h"
#include "warn_spec.h"

struct og_watch_cfg {
	pid_t pid;
	bool is_child; /* run: the job is our child; reap it and return its status */
	struct og_warnspec spec;
	int warn_signal;          /* sent once per incident; 0 = none */
	const char *on_warn;      /* hook for `sh -c`, or NULL */
	const struct og_priv *pv; /* who asked: the hook runs as that user */
	int logfd;                /* the job's log (append), or -1 */
	bool json;                /* one JSON object per event on stdout */
	bool quiet;               /* no start-up lines */
	const char *procroot;     /* "/proc" */
	const char *cgroup_dir;   /* watch this memory cgroup instead of the job's, or NULL */
	/* A systemd-oomd-monitored ancestor: its memory.pressure against oomd's
	 * limit and duration.  oomd_dir NULL = none. */
	const char *oomd_dir;
	double oomd_limit_pct, oomd_duration_s;
	const sigset_t *forward; /* run: blocked signals to pass on to the job; NULL in watch */
};

/* Runs until the job ends.  Returns 0 or -errno (setup failed, with a
 * message already printed); *status is the job's exit code (128+signal when
 * killed) when is_child, else 0. */
int og_watch_loop(const struct og_watch_cfg *c, int *status);

/* One line "oomguard: LINE" to stderr and, timestamped, to logfd (>= 0). */
void og_watch_note(int logfd, const char *line);
/* ... to logfd only. */
void og_watch_log(int logfd, const char *line);

#endif
