/* systemd-oomd, the pure part: which ManagedOOMPreference systemd-oomd
 * honours (the version- and owner-dependent rule of systemd.resource-control(5)
 * ManagedOOMPreference= and src/oom/oomd-util.c, by version), the parser of its
 * state dump (the text of `oomctl` and of org.freedesktop.oom1
 * DumpByFileDescriptor, which are the same), and the read-back line.  No I/O
 * here: src/systemd.c gathers the facts, these functions judge them. */
#ifndef OG_OOMD_RULE_H
#define OG_OOMD_RULE_H
#include "cgroup.h" /* OG_CG_PATH_MAX: one size for every cgroup path */
#include <stdbool.h>
#include <stddef.h>

enum og_oomd_pref { OG_OOMD_PREF_NONE, OG_OOMD_PREF_AVOID, OG_OOMD_PREF_OMIT };
enum og_oomd_kill { OG_OOMD_KILL_PRESSURE, OG_OOMD_KILL_SWAP };

/* "omit" / "avoid" / "none" <-> enum.  Parse returns 0 or -EINVAL. */
int og_oomd_pref_parse(const char *s, enum og_oomd_pref *out);
const char *og_oomd_pref_name(enum og_oomd_pref p);
/* The --oomd option of run and protect: 0, or -1 with the message in err. */
int og_oomd_opt(const char *arg, int *out, char *err, size_t errsz);

/* Leading release number of a systemd version string: "252.39-1~deb12u1",
 * "252 (252.39-1~deb12u1)", "v256", "systemd 249 (249.11-0ubuntu3.12)".
 * Returns the number (> 0) or -EINVAL. */
int og_systemd_version_parse(const char *s, size_t len);

/* Does systemd-oomd of this version honour a user.oomd_* preference on a
 * candidate cgroup owned by cg_uid, for a kill of the given kind rooted at a
 * monitored ancestor owned by anc_uid (ignored for swap kills, whose prefix
 * is "/" and so root's)?  why (optional) receives the rule in words. */
bool og_oomd_pref_honoured(int version, long cg_uid, long anc_uid, enum og_oomd_kill kind,
			   char *why, size_t whysz);

/* What would have kept a job out of a systemd-oomd kill, by the rule of
 * og_oomd_pref_honoured: `oomguard run` (a scope owned by the user, under
 * user@UID.service) where that rule honours a user-owned cgroup, else
 * `sudo oomguard run` (a root-owned scope outside the user's manager).
 * version: 0 when the log does not tell (then the text says what depends
 * on it); kind_known false when the log does not name the rule; cgroup and
 * monitored: the killed and the monitored cgroup as logged ("" unknown).
 * Writes one clause without a trailing period. */
void og_oomd_advice(int version, bool kind_known, enum og_oomd_kill kind, const char *cgroup,
		    const char *monitored, char *buf, size_t bufsz);

#define OG_OOMD_MAX_CG 64
struct og_oomd_cg {
	enum og_oomd_kill kind;
	char path[OG_CG_PATH_MAX];
	int limit_pm;                     /* pressure limit, permyriad; -1 when absent */
	unsigned long long duration_usec; /* per-cgroup duration (v257+); 0 when absent */
};
struct og_oomd_dump {
	int dry_run;                              /* 1 yes, 0 no, -1 absent */
	int swap_limit_pm;                        /* -1 when absent */
	int default_pressure_limit_pm;            /* -1 when absent */
	unsigned long long default_duration_usec; /* 0 when absent */
	size_t n;
	bool truncated; /* more monitored cgroups than fit */
	struct og_oomd_cg cg[OG_OOMD_MAX_CG];
};
/* Parse the dump text.  Unknown lines are ignored (newer versions add
 * fields).  Returns 0, or -EINVAL when the text is not an oomd dump at all
 * (no "Dry Run:" / "Swap Used Limit:" header). */
int og_oomd_parse_dump(const char *buf, size_t len, struct og_oomd_dump *d);

/* Is cgroup path cg at or below anc ("/" contains everything)? */
bool og_cg_is_under(const char *anc, const char *cg);

/* Everything the read-back judges, gathered by systemd.c. */
struct og_oomd_anc {
	const char *path;
	long owner; /* uid owning the directory; -1 unknown */
	enum og_oomd_kill kind;
	int limit_pm;
};
struct og_oomd_state {
	bool running;                /* systemd-oomd answered (or oomctl did) */
	const char *not_running_why; /* optional detail when !running */
	int version;                 /* systemd version; 0 unknown */
	const char *route;           /* "system bus, root-owned scope" / "user bus" / NULL */
	const char *cgroup;          /* the job's cgroup ("/..."); NULL unknown */
	long owner;                  /* its directory's owner uid; -1 unknown */
	enum og_oomd_pref have;      /* read back from the xattrs */
	bool leaf;                   /* no sub-cgroups: the cgroup is itself a candidate */
	bool oom_group;              /* memory.oom.group=1: also a candidate boundary */
	size_t nanc;
	const struct og_oomd_anc *anc; /* monitored cgroups at or above the job's, nearest first */
};
enum og_oomd_verdict { OG_OOMD_NOT_RUNNING, OG_OOMD_PROTECTED, OG_OOMD_EXPOSED };
/* Judge and write the line (without "oomguard: " and without a newline)
 *   systemd-oomd: protected (…)  /  systemd-oomd: EXPOSED (…)  /  systemd-oomd: not running
 * into buf.  want is what was asked for.  Text from outside (cgroup paths)
 * is escaped.  Returns the verdict. */
enum og_oomd_verdict og_oomd_judge(const struct og_oomd_state *s, enum og_oomd_pref want, char *buf,
				   size_t bufsz);

#endif
