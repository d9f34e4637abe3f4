/* Processes: pure parsers of /proc text, and race-free handles.
 *
 * A handle holds /proc/PID open as a directory plus the start time read
 * through it.  Files opened through that dirfd stay bound to the task (they
 * fail with ESRCH once it is gone), so a write through the handle can never
 * land on a process that reused the PID.  Readers take a procfs root so unit
 * tests can point them at fixture trees. */
#ifndef OG_PROC_H
#define OG_PROC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define OG_PF_KTHREAD 0x00200000UL /* include/linux/sched.h */
#define OG_COMM_MAX 64             /* TASK_COMM_LEN is 16; 6.x allows 64 for kthreads */

struct og_stat {
	pid_t pid;
	char comm[OG_COMM_MAX];
	char state;
	pid_t ppid;
	unsigned long flags;
	unsigned long long starttime; /* clock ticks since boot, field 22 */
};

#define OG_MAX_GROUPS 64
struct og_status {
	char name[OG_COMM_MAX]; /* unescaped as the kernel shows it */
	long uid[4], gid[4];    /* real, effective, saved, fs; -1 when absent */
	size_t ngroups;
	long groups[OG_MAX_GROUPS];
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	uint64_t sig_cgt; /* SigCgt: bit N-1 set = a handler for signal N */
	int no_new_privs; /* -1 when absent */
	pid_t ppid;       /* PPid; -1 when absent */
	int kthread;      /* Kthread: (6.x); -1 when absent */
	/* kB; -1 when absent (kernel threads have none of the Vm lines). */
	long long vm_rss, rss_anon, rss_file, rss_shmem, vm_swap, vm_pte;
};

/* /proc/PID/stat.  comm is everything between the first '(' and the LAST ')'
 * because a comm may itself hold ")" and spaces.  Returns 0 or -EINVAL. */
int og_parse_stat(const char *buf, size_t len, struct og_stat *st);
/* /proc/PID/status.  Unknown keys are ignored.  Returns 0 or -EINVAL. */
int og_parse_status(const char *buf, size_t len, struct og_status *st);
/* "  -17\n" style single-integer files (oom_score, oom_score_adj). */
int og_parse_int_file(const char *buf, size_t len, long *out);

struct og_proc {
	pid_t pid;
	int dfd;
	unsigned long long starttime;
	struct og_stat stat;
};

/* Open /proc/PID under procroot ("/proc" normally).  -ESRCH/-ENOENT when
 * there is no such process. */
int og_proc_open(const char *procroot, pid_t pid, struct og_proc *p);
void og_proc_close(struct og_proc *p);
/* 0 when the handle still names the process it was opened on, else -ESRCH. */
int og_proc_verify(const struct og_proc *p);
int og_proc_status(const struct og_proc *p, struct og_status *st);
int og_proc_read_long(const struct og_proc *p, const char *file, long *out);
/* Write oom_score_adj through the handle, checking the start time before and
 * after.  Returns 0 or -errno (-EACCES: below the floor without
 * CAP_SYS_RESOURCE; some kernels answer -EIO there too). */
int og_proc_set_adj(const struct og_proc *p, int adj);
bool og_proc_is_kthread(const struct og_proc *p);

/* A snapshot of every process: pid, ppid, start time. */
struct og_pslot {
	pid_t pid, ppid;
	unsigned long long starttime;
};
/* Reads every numeric entry of procroot; processes that vanish mid-scan are
 * skipped.  *out is malloc'd.  Returns the count or -errno. */
ssize_t og_proc_scan(const char *procroot, struct og_pslot **out);
/* Descendants of root (not root itself) in a snapshot, breadth first.
 * Writes up to cap PIDs and returns how many there are.  Pure. */
size_t og_tree_descendants(const struct og_pslot *ps, size_t n, pid_t root, pid_t *out, size_t cap);

#endif
