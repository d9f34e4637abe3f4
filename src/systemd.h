/* systemd over sd-bus: transient scopes carrying ManagedOOMPreference, the
 * manager's version, and systemd-oomd's state (org.freedesktop.oom1).  Built
 * for real only with libsystemd (HAVE_SYSTEMD); otherwise every call returns
 * -ENOTSUP and the read-back says "built without libsystemd". */
#ifndef OG_SYSTEMD_H
#define OG_SYSTEMD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "memcap.h"
#include "oomd_rule.h"

/* systemd is the service manager here (sd_booted(3): /run/systemd/system). */
bool og_sd_running(void);

/* True when oomguard was built with libsystemd. */
bool og_sd_built(void);

struct og_bus; /* opaque: an sd_bus connection */

/* Open the system bus (system=true) or the caller's user bus.  Returns 0 or
 * -errno (-ENOTSUP without libsystemd, -ENOENT/-ECONNREFUSED without a bus). */
int og_sd_open(bool system, struct og_bus **out);
void og_sd_close(struct og_bus *b);

/* org.freedesktop.systemd1.Manager.Version of the bus's manager, parsed
 * ("252.39-1~deb12u1" -> 252).  Returns the version or -errno. */
int og_sd_manager_version(struct og_bus *b);

/* The version of this machine's systemd (the system manager's), when
 * systemd runs here; 0 otherwise or when it does not answer. */
int og_sd_local_version(void);

/* Where the job's scope lives: a root-owned one on the system bus (root),
 * else one of the caller's own on the user bus. */
struct og_scope_req {
	bool system; /* use the system bus */
	enum og_oomd_pref pref;
	const pid_t *pids; /* pids[0] is the job's main process */
	size_t npids;
	/* MemoryMax=/MemoryHigh=/MemorySwapMax= at creation; NULL = no cap */
	const struct og_memcap_req *cap;
};

/* systemd-oomd's dump text, from org.freedesktop.oom1 DumpByFileDescriptor on
 * the system bus (never bus-activating oomd); only if that call is refused,
 * from running `oomctl dump`.  *text is malloc'd and NUL-terminated.  Returns
 * 0, -ESRCH when oomd is not running, or -errno; why names the reason. */
int og_sd_oomd_dump(char **text, char *why, size_t whysz);

#define OG_SCOPE_SLICE "oomguard.slice"

/* Does the user manager of uid have the memory controller delegated (its
 * cgroup.controllers lists memory)?  Without it a user scope's MemoryMax=
 * is accepted and silently does nothing.  1, 0, or -errno when the
 * manager's cgroup cannot be read.  dir gets the directory checked. */
int og_sd_user_memory_delegated(unsigned uid, char *dir, size_t dirsz);

/* Create the scope for req (oomguard-<pid>.scope in oomguard.slice) and
 * describe the route taken, unit name included, for the read-back.  Returns
 * 0 or -errno; the reason, for a message, lands in err. */
int og_scope_create(const struct og_scope_req *req, char *route, size_t routesz, char *err,
		    size_t errsz);

/* Gather the facts about pid's cgroup and systemd-oomd and write the
 * read-back line to f ("systemd-oomd: protected (…)" etc., prefixed with
 * prefix).  route is how the scope was made (NULL: none was made).
 * Returns the verdict. */
enum og_oomd_verdict og_oomd_readback(FILE *f, const char *prefix, pid_t pid,
				      enum og_oomd_pref want, const char *route);

#endif
