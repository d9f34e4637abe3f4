/* The SPEC of the Slurm plugin's `--oomguard[=SPEC]` and the plugin's own
 * arguments (plugstack.conf).  The same words as `oomguard run`:
 *
 *   SPEC  := "" | "off" | ITEM { "," ITEM }
 *   ITEM  := "adj:" N                  oom_score_adj of every task, -1000..1000 (default -1000)
 *          | "warn" [ ":" WITEM ]      warn the step before its memory cgroup runs out
 *          | WITEM                     (after warn) one more item of warn's SPEC (warn_spec.h)
 *          | "signal:" SIG             the warning's signal (default USR1; none)
 *          | "hook:" CMD               `sh -c CMD` at each notice, as the job's user; the rest
 *                                      of SPEC, commas included, so it comes last
 *   e.g. adj:-500,warn:available:15%,eta:20s,signal:USR2
 *
 *   ARGS  := { "default=" SPEC | "min_adj=" N | "enforce" }   (separated by spaces)
 *
 * Warn items are collected and handed to og_warnspec_parse: there is one
 * parser of that grammar.  Pure. */
#ifndef OG_SPANKSPEC_H
#define OG_SPANKSPEC_H
#include <stdbool.h>
#include <stddef.h>

#include "warn_spec.h"

#define OG_SPANK_HOOK_MAX 512

struct og_spank_spec {
	bool off; /* "off": nothing at all for this step */
	int adj;  /* -1000..1000 */
	bool warn;
	struct og_warnspec warn_spec;
	int signal;                   /* 0 = none */
	char hook[OG_SPANK_HOOK_MAX]; /* "" = none */
};

/* "" = adj:-1000,warn (what a bare --oomguard means without an admin default). */
#define OG_SPANK_BARE "adj:-1000,warn"

/* Returns 0, or -EINVAL with a one-line reason (escaped) in err; *o is only
 * written on success. */
int og_spankspec_parse(const char *s, struct og_spank_spec *o, char *err, size_t errsz);
/* Canonical text that parses back to the same spec.  0 or -ENOSPC. */
int og_spankspec_format(const struct og_spank_spec *o, char *buf, size_t size);

struct og_spank_args {
	char def[1024]; /* default SPEC ("" = OG_SPANK_BARE) */
	int min_adj;    /* floor for users' adj; -1000 = none */
	bool enforce;   /* apply def to steps without the option */
};
/* The whitespace-separated argument words of plugstack.conf.  The default
 * SPEC is parsed too, and must respect min_adj.  0 or -EINVAL with err. */
int og_spank_args_parse(int argc, char *const argv[], struct og_spank_args *a, char *err,
			size_t errsz);
/* A user SPEC against the admin's arguments: "" means the admin default.
 * Fails (-EINVAL, err) for a bad SPEC or an adj below min_adj. */
int og_spank_resolve(const struct og_spank_args *a, const char *user, struct og_spank_spec *o,
		     char *err, size_t errsz);

#endif
