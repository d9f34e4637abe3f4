/* Sources of OOM log lines: /dev/kmsg, the systemd journal, log files.
 * Each reader feeds an episode assembler and returns 0 or -errno. */
#ifndef OG_LOGSRC_H
#define OG_LOGSRC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "episode.h"

/* Every record /dev/kmsg still holds, read without blocking.  nrec counts
 * the records read. */
int og_src_kmsg(struct og_asm *a, size_t *nrec);
/* Why /dev/kmsg could not be read, for the user: names dmesg_restrict and
 * CAP_SYSLOG when they are the reason. */
void og_kmsg_reason(int err, char *buf, size_t size);

/* A log file: plain or gzip-compressed (zlib), "-" for stdin.  nbytes
 * counts the bytes of log text read.  A gzip stream that ends early gives
 * -EPIPE, a corrupt one -EBADMSG; in both cases the lines before were fed. */
int og_src_file(struct og_asm *a, const char *path, unsigned long long *nbytes);

struct og_journal_opts {
	bool boot_set;              /* --boot given: only that boot */
	int boot;                   /* 0 current, -1 previous, ... ; 1 first */
	const char *directory;      /* --directory, or NULL for the local journal */
	int64_t since_us, until_us; /* OG_TIME_NONE when unset */
	bool skip_kernel;           /* kernel lines already came from /dev/kmsg */
};
/* -ENOTSUP when built without libsystemd.  nent counts entries read. */
int og_src_journal(struct og_asm *a, const struct og_journal_opts *o, size_t *nent);

/* `oomguard run`'s diagnosis: the event that killed pid (see
 * og_event_matches; cgroups is /proc/PID/cgroup read while it lived, or
 * NULL), logged at or after since, from /dev/kmsg and then the journal.
 * Waits up to about a second for the line to appear.  Returns 0 with line
 * filled, -ENOENT when the kernel log was read and no OOM killer logged it,
 * or /dev/kmsg's -errno when the kernel log could not be read and the
 * journal (if any) did not have it either. */
int og_why_diagnose(pid_t pid, const char *cgroups, time_t since, char *line, size_t size);

#endif
