/* Privilege: which route lets oomguard lower oom_score_adj, raising
 * CAP_SYS_RESOURCE only around the write, and dropping everything before the
 * job execs (docs/ARCHITECTURE.md, "Privilege routes"). */
#ifndef OG_PRIVILEGE_H
#define OG_PRIVILEGE_H
#include <stdbool.h>
#include <sys/types.h>

enum og_route {
	OG_ROUTE_ROOT, /* euid 0, started directly: the job stays root */
	OG_ROUTE_SUDO, /* euid 0 under sudo: apply as root, run the job as SUDO_UID */
	OG_ROUTE_CAP,  /* cap_sys_resource in the permitted set (make install-cap) */
	OG_ROUTE_NONE, /* plain user: raise only, or ask sudo for the one write */
};

struct og_priv {
	enum og_route route;
	uid_t ruid; /* who asked: SUDO_UID under sudo, else getuid() */
	gid_t rgid;
	char user[64]; /* login name of SUDO_UID (sudo route only, else empty) */
	bool has_cap;  /* CAP_SYS_RESOURCE permitted (root may lack it too) */
};

/* Reads credentials, capability sets and SUDO_* (validated: SUDO_UID must be
 * a number naming an existing user).  Returns 0 or -errno. */
int og_priv_detect(struct og_priv *pv);
const char *og_route_name(enum og_route r);

/* CAP_SYS_RESOURCE is missing from the capability bounding set (CapBnd in
 * /proc/self/status), as in a container started without it: then no process
 * here, root or sudo or a file capability included, can ever hold it. */
bool og_priv_bounding_lacks_resource(void);

/* Raise / lower CAP_SYS_RESOURCE in the effective set.  No-ops where the
 * capability is not permitted.  Return 0 or -errno. */
int og_priv_raise(void);
int og_priv_lower(void);

/* Drop to pv->ruid/rgid with the user's supplementary groups and login
 * environment (HOME USER LOGNAME SHELL).  Verifies that root cannot be
 * regained.  Returns 0 or -errno; on error the caller must not exec. */
int og_priv_drop_to_user(const struct og_priv *pv);

/* Clear every capability set (permitted, effective, inheritable, ambient)
 * and check it took.  Returns 0 or -errno. */
int og_priv_clear_caps(void);

/* When oomguard itself runs in secure-exec mode (file capabilities, set-id),
 * glibc has removed LD_LIBRARY_PATH, TMPDIR and friends from environ.  The job
 * runs without that privilege, so it gets the caller's environment back,
 * rebuilt from /proc/self/environ.  Returns a malloc'd NULL-terminated array,
 * or NULL when not in secure mode or on error (then use environ). */
char **og_priv_caller_environ(void);

/* May the caller change processes owned by uid? Root may; others only their own. */
bool og_priv_may_touch(const struct og_priv *pv, long uid);

#endif
