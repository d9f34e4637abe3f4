/* `oomguard metrics`: new kills from the logs (metrics_collect.h). */
#include "metrics_collect.h"

#include "episode.h"
#include "logsrc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void count_new(struct og_met_state *s, struct og_asm *a, int64_t since, size_t *counted)
{
	og_events_sort(a->ev, a->nev);
	for (size_t i = 0; i < a->nev; i++) {
		const struct og_event *e = &a->ev[i];
		/* a kill without a wall-clock time cannot be told from one counted before */
		/* kmsg times are boot offsets turned into wall time with this
		 * run's clocks: the same kill reads a few µs apart from run to run */
		if (e->wall_us == OG_TIME_NONE || e->wall_us <= since + 50000)
			continue;
		og_met_count(s, og_killer_name(e->killer), e->unit[0] ? e->unit : e->cgroup,
			     e->wall_us);
		(*counted)++;
	}
	a->nev = 0;
}

int og_met_collect_kills(struct og_met_state *s, size_t *counted, char *sources, size_t size)
{
	struct og_asm *a = malloc(sizeof(*a));
	int64_t since = s->since_us;
	size_t n = 0;
	int rk, rj;

	*counted = 0;
	if (!a || og_asm_init(a, "/dev/kmsg", NULL) < 0) {
		free(a);
		return -ENOMEM;
	}
	rk = og_src_kmsg(a, &n);
	if (rk == 0)
		count_new(s, a, since, counted);
	/* The journal for the userspace killers, and for the kernel when kmsg
	 * could not be read; every boot it holds, so nothing is lost across a
	 * reboot between two runs. */
	struct og_journal_opts jo = { .since_us = since,
				      .until_us = OG_TIME_NONE,
				      .skip_kernel = rk == 0 };
	size_t ne = 0;
	rj = og_src_journal(a, &jo, &ne);
	if (rj == 0)
		count_new(s, a, since, counted);
	snprintf(sources, size, "%s%s%s", rk == 0 ? "/dev/kmsg" : "",
		 rk == 0 && rj == 0 ? " and " : "", rj == 0 ? "the journal" : "");
	og_asm_free(a);
	free(a);
	return rk == 0 || rj == 0 ? 0 : rk;
}
