/* Memory cgroup notifications.  cgroup v1 through cgroup.event_control (the kernel's
 * Documentation/admin-guide/cgroup-v1/memory.rst, "Memory thresholds" and
 * "OOM Control"): an eventfd the kernel signals when the memcg's usage
 * crosses a threshold, or when it (or an ancestor) is out of memory. */
#ifndef OG_MEMCG_EVENT_H
#define OG_MEMCG_EVENT_H
#include <stddef.h>

#include "cgroup.h"

/* An eventfd (non-blocking, close-on-exec) registered on cg's file ("memory.oom_control",
 * or "memory.usage_in_bytes" with one registration per threshold in bytes).
 * Closing it drops the registrations.  Returns the fd or -errno
 * (-EOPNOTSUPP on cgroup v2). */
int og_memcg_v1_event(const struct og_cgroup *cg, const char *file, const long long *thr,
		      size_t nthr);

/* cgroup v2: the kernel signals a change of memory.events (and of
 * cgroup.events) as a "file modified event" (Documentation/admin-guide/
 * cgroup-v2.rst): poll() on the open file reports POLLPRI (with POLLERR)
 * until it is read again.  Returns an fd on dir/file, already read (so that
 * only later changes wake it), or -errno.  Poll it for POLLPRI only: it is
 * always readable. */
int og_cg_notify_fd(const char *dir, const char *file);
/* After a wake-up: read the file again so that the next change wakes. */
int og_cg_notify_rearm(int fd);

#endif
