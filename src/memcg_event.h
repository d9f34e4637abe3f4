/* cgroup v1 memory notifications through cgroup.event_control (the kernel's
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
int og_memcg_v1_event(const struct og_cgroup *cg, const char *file, const long long *thr, size_t nthr);

#endif
