/* Internal to the episode assembler (episode.c, episode_kernel.c,
 * episode_user.c, episode_lines.c): shared helpers and the per-source
 * record handlers.  Not for commands. */
#ifndef OG_EPISODE_INT_H
#define OG_EPISODE_INT_H
#include "episode.h"

#include <string.h>

#define SEC 1000000LL
/* Lines read in full after a record that belongs to an open kernel episode:
 * enough for a call trace, Mem-Info and memory.stat dumps between records. */
#define DENSE_LINES 400
/* After the kill line: the oom.group line and the group's other kills. */
#define TAIL_LINES 12

static inline void og_ep_cpys(char *dst, size_t dsz, const char *s)
{
	size_t n = 0;
	while (n + 1 < dsz && s[n])
		n++;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

void og_ep_task_reset(struct og_task *t);
void og_ep_event_reset(struct og_asm *a, struct og_event *e, const struct og_line *l);
/* Append a finished event (explained by the caller); NULL on ENOMEM. */
struct og_event *og_ep_push(struct og_asm *a, const struct og_event *e);
void og_ep_explain(struct og_event *e);
int64_t og_ep_line_time(const struct og_line *l);
int64_t og_ep_ev_time(const struct og_event *e);
/* Both times known and further apart than lim: not the same episode. */
bool og_ep_far(int64_t t1, int64_t t2, int64_t lim);
const char *og_ep_base(const char *path);
bool og_ep_is_unit_name(const char *s);
/* The newest of the last 64 events within lim of t that ok() accepts. */
struct og_event *og_ep_recent(struct og_asm *a, int64_t t, int64_t lim,
			      bool (*ok)(const struct og_event *, const void *), const void *arg);

/* Kernel reports (episode_kernel.c). */
bool og_ep_kernel_rec(enum og_rec_kind k);
void og_ep_kernel(struct og_asm *a, const struct og_line *l, const struct og_rec *r);
/* Slurm's count of a step's memory cgroup OOM kills (oomlog_slurm.c):
 * true when l was one. */
bool og_ep_slurm(struct og_asm *a, const struct og_line *l);
/* Close the kernel episode in progress (emit it when it holds a kill). */
void og_ep_finalize(struct og_asm *a);

/* systemd-oomd, the service manager, earlyoom, nohang (episode_user.c). */
void og_ep_user(struct og_asm *a, const struct og_line *l, const struct og_rec *r);

#endif
