/* Memory cgroups, v1 and v2: where the hierarchies are mounted, which memory
 * cgroup a process is in, and its memory.* files.  Parsers are pure; readers
 * take a procfs root and return 0 or -errno. */
#ifndef OG_CGROUP_H
#define OG_CGROUP_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define OG_CG_PATH_MAX 1024

struct og_cg_mounts {
	char v1_memory[OG_CG_PATH_MAX]; /* mount point of the v1 memory hierarchy, "" if none */
	char v1_root[OG_CG_PATH_MAX];   /* its root inside the hierarchy (usually "/") */
	char v2[OG_CG_PATH_MAX];        /* mount point of cgroup2, "" if none */
	char v2_root[OG_CG_PATH_MAX];
};
/* /proc/self/mountinfo; \040-style escapes in mount points are decoded. */
int og_parse_mountinfo(const char *buf, size_t len, struct og_cg_mounts *m);
/* The same read from procroot/self/mountinfo, whatever its length. */
int og_cg_read_mounts(const char *procroot, struct og_cg_mounts *m);
/* The cgroup2 mount point as mountinfo names it (unified /sys/fs/cgroup,
 * hybrid /sys/fs/cgroup/unified, or wherever it is).  0, -ENOENT or -errno. */
int og_cg2_mount(const char *procroot, char *out, size_t outsz);

struct og_proc_cgroup {
	char v1_memory[OG_CG_PATH_MAX]; /* path in the v1 memory hierarchy, "" if none */
	char v2[OG_CG_PATH_MAX];        /* the "0::" path, "" if none */
};
/* /proc/PID/cgroup. */
int og_parse_proc_cgroup(const char *buf, size_t len, struct og_proc_cgroup *c);
/* The next pid of a cgroup.procs text (one decimal pid a line) from *cur
 * on: 1 with *pid and *cur past its line, 0 at the end.  A line that is not
 * a pid (0, junk, above PID_MAX_LIMIT) is skipped. */
int og_procs_next(const char **cur, const char *end, pid_t *pid);

struct og_cgroup {
	int version;               /* 1 or 2 */
	char path[OG_CG_PATH_MAX]; /* inside the hierarchy, e.g. "/user.slice/x.scope" */
	char dir[OG_CG_PATH_MAX];  /* absolute directory, e.g. "/sys/fs/cgroup/memory/x" */
};
/* The memory cgroup of pid: the v1 memory hierarchy when mounted, else v2 if
 * its memory controller is enabled there.  -ENOENT when no memory controller. */
int og_cgroup_of_pid(const char *procroot, pid_t pid, struct og_cgroup *cg);
/* The cgroup-v2 cgroup of pid, whether or not v2 has the memory controller
 * (memory.pressure and cgroup.procs are core files of every v2 cgroup;
 * systemd-oomd's xattrs live there too). */
struct og_cg2 {
	char mnt[OG_CG_PATH_MAX];  /* the cgroup2 mount point */
	char path[OG_CG_PATH_MAX]; /* inside it, "/" at its root: "/user.slice/x.scope" */
	char dir[OG_CG_PATH_MAX];  /* mnt + path */
};
/* 0, -ENOENT (not in a cgroup2 hierarchy), -ESRCH (no such pid) or -errno. */
int og_cg2_of_pid(const char *procroot, pid_t pid, struct og_cg2 *out);
/* dir under an explicit cgroup directory (--cgroup PATH).  Version detected
 * from the files present. */
int og_cgroup_from_dir(const char *dir, struct og_cgroup *cg);
/* --cgroup ARG of top and watch: the full directory ("/sys/fs/cgroup/memory/x")
 * or the path inside the memory hierarchy that every output prints ("/x").
 * Reads procroot/self/mountinfo.  Returns 0, -ENOENT, -ENOTSUP (no memory
 * controller there) or -errno. */
int og_cgroup_resolve(const char *procroot, const char *arg, struct og_cgroup *cg);
/* Move cg to its parent; -ENOENT at the root of the hierarchy. */
int og_cgroup_parent(struct og_cgroup *cg);

/* Bytes; -1 = no limit ("max" or the v1 PAGE_COUNTER_MAX sentinel). */
struct og_memcg {
	long long limit, usage, high;     /* high: v2 only */
	long long swap_limit, swap_usage; /* v2 memory.swap.*; v1: memsw minus memory */
	long long oom_kills, ooms;        /* v2 memory.events; v1 memory.oom_control oom_kill */
	int swappiness;                   /* v1 only; -1 on v2 */
	bool under_oom;
};
int og_memcg_read(const struct og_cgroup *cg, struct og_memcg *m);
/* The nearest cgroup at or above cg with a memory limit: what bounds it.
 * Returns 0 and fills lim/m, or -ENOENT when nothing up to the root is limited. */
int og_memcg_limiting(const struct og_cgroup *cg, struct og_cgroup *lim, struct og_memcg *m);
/* One memory.* file of cg as bytes (-1 for "max"): 0 or -errno. */
int og_memcg_val(const struct og_cgroup *cg, const char *file, long long *out);
/* The value of a "key value" line (memory.events, memory.oom_control,
 * memory.stat); -1 when the file or key is missing. */
long long og_memcg_key(const struct og_cgroup *cg, const char *file, const char *key);
/* The true peak (v1 memory.max_usage_in_bytes, v2 memory.peak) and the
 * inactive file pages the kernel drops first (memory.stat); -1 where the
 * kernel has no such file.  Returns 0 or -errno (memory.stat unreadable). */
int og_memcg_peak_reclaim(const struct og_cgroup *cg, long long *peak, long long *reclaim);
/* The value of the "key value" line of key in memory.stat, memory.events or
 * memory.oom_control text; -1 when absent or not a number.  Pure. */
long long og_parse_key(const char *buf, size_t len, const char *key);
/* "max" / "9223372036854771712" / "1234\n" -> bytes or -1. Pure. */
int og_parse_limit(const char *buf, size_t len, long long *out);

/* What systemd-oomd reads of a cgroup2 directory: the uid owning root+cg
 * (-1 unknown), whether a user.* xattr is true as parse_boolean reads it
 * ("1", "yes", "on"...), whether it has child cgroups (is not a leaf). */
long og_cg_owner(const char *root, const char *cg);
bool og_cg_xattr_true(const char *dir, const char *name);
bool og_dir_has_subdirs(const char *dir);

#endif
