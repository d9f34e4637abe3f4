/* What `oomguard metrics` reads: the kills logged since the state file's
 * last one (metrics_kills.c: /dev/kmsg and the journal), and the machine
 * now (metrics_jobs.c: armed killers, protected processes, Slurm agents).
 * Two files because episode.h and taskscan.h each define their own task. */
#ifndef OG_METRICS_COLLECT_H
#define OG_METRICS_COLLECT_H
#include <stddef.h>

#include "metrics.h"

/* Counts into s every kill logged after s->since_us.  *sources says what
 * was read.  0, or -errno when no log could be read. */
int og_met_collect_kills(struct og_met_state *s, size_t *counted, char *sources, size_t size);
/* Fills v's killers, jobs and slurm_steps from procroot ("/proc"). */
int og_met_collect_now(struct og_met_view *v, const char *procroot);

#endif
