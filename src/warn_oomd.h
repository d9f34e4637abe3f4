/* The systemd-oomd part of a job's memory domain for the warning loop: the
 * nearest ancestor of the job's cgroup that systemd-oomd watches for memory
 * pressure, with the limit and duration of its rule
 * (oomd.conf(5) and systemd.resource-control(5) ManagedOOMMemoryPressureLimit=:
 * a kill once full avg10 stays above the limit for the duration). */
#ifndef OG_WARN_OOMD_H
#define OG_WARN_OOMD_H
#include <stddef.h>
#include "cgroup.h"

struct og_warn_oomd {
	char path
		[OG_CG_PATH_MAX]; /* cgroup-v2 path of the monitored ancestor, e.g. "/user.slice/..." */
	double limit_pct;         /* its pressure limit, percent */
	double duration_s;        /* how long above it before oomd kills */
};

/* Pure: from the text of an oomd dump, the memory-pressure-monitored cgroup
 * at or above cg that is nearest to it.  Returns 0, -ENOENT when none is, or
 * -EINVAL when the text is not a dump. */
int og_warn_oomd_pick(const char *dump, size_t len, const char *cg, struct og_warn_oomd *out);

/* Ask the running systemd-oomd.  Returns 0, -ESRCH when it is not running
 * (or oomguard was built without libsystemd), -ENOENT when nothing at or
 * above cg is monitored for pressure. */
int og_warn_oomd_find(const char *cg, struct og_warn_oomd *out);

#endif
