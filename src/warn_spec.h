/* The SPEC of `--warn[=SPEC]`: when to warn a job that memory is running out.
 *
 * Grammar (docs/warn.md has the long form):
 *   SPEC     := "" | ITEM { "," ITEM }
 *   ITEM     := KEY ":" VALUE            each KEY at most once
 *   KEY      := available | critical               VALUE := AMOUNT | off
 *             | eta | critical-eta | rearm | startup  VALUE := DURATION | off
 *             | psi-some | psi-full | critical-psi-full | clear   VALUE := PCT | off
 *   AMOUNT   := NUM "%" | NUM ("K"|"M"|"G"|"T")    percent of the domain's total, or a size (binary units)
 *   DURATION := NUM ("ms"|"s"|"m")
 *   PCT      := NUM ["%"]                          0 < PCT <= 100
 *   NUM      := DIGIT+ ["." DIGIT+]                no sign, exponent, spaces or hex
 * Keys not given keep their defaults (og_warnspec_default).  Pure. */
#ifndef OG_WARN_SPEC_H
#define OG_WARN_SPEC_H
#include <stddef.h>

/* A headroom threshold: pct of the domain's total when pct >= 0, else bytes
 * when bytes >= 0; both < 0 = off. */
struct og_thr {
	double pct;
	long long bytes;
};

struct og_warnspec {
	struct og_thr avail; /* warning when headroom falls to this */
	struct og_thr crit;  /* critical when headroom falls to this */
	double eta_s;        /* warning when headroom / fill rate <= this; 0 = off */
	double crit_eta_s;   /* critical likewise; 0 = off */
	double psi_some,
		psi_full;     /* warning when the stall share over ~1 s reaches this %; 0 = off */
	double crit_psi_full; /* critical likewise; 0 = off */
	double clear_pct; /* hysteresis: headroom must climb this many points of the total above the warning threshold */
	double rearm_s; /* ... and every condition stay clear this long before the next incident */
	double startup_s; /* rate (eta) levels wait for the job's start-up climb to end, at most this long after it started; 0 = no wait */
};

/* available:10%,critical:5%,eta:10s,critical-eta:2.5s,psi-full:20,clear:3%,rearm:2s,startup:15s */
void og_warnspec_default(struct og_warnspec *w);
/* s may be NULL or "" (defaults).  Returns 0, or -EINVAL with a one-line
 * reason naming the offending item in err.  On error *w is untouched. */
int og_warnspec_parse(const char *s, struct og_warnspec *w, char *err, size_t errsz);
/* Canonical text of w (parses back to the same spec). */
int og_warnspec_format(const struct og_warnspec *w, char *buf, size_t size);
/* VALUE text of a threshold: "10%", "512M", "off". */
int og_thr_format(const struct og_thr *t, char *buf, size_t size);
/* The threshold in bytes for a domain of total bytes; -1 when off. */
long long og_thr_bytes(const struct og_thr *t, long long total);

#endif
