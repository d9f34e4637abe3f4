/* systemd-oomd as a source of the warning loop (see warn_oomd.h). */
#include "warn_oomd.h"

#include "oomd_rule.h"
#include "systemd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* oomd's compiled-in defaults when the dump does not say (systemd v249+). */
#define OOMD_DEFAULT_LIMIT_PCT 60.0
#define OOMD_DEFAULT_DURATION_S 30.0

int og_warn_oomd_pick(const char *dump, size_t len, const char *cg, struct og_warn_oomd *out)
{
	struct og_oomd_dump *d = malloc(sizeof(*d));
	const struct og_oomd_cg *best = NULL;
	int r;

	if (!d)
		return -ENOMEM;
	if ((r = og_oomd_parse_dump(dump, len, d)) < 0) {
		free(d);
		return r;
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct og_oomd_cg *c = &d->cg[i];
		if (c->kind == OG_OOMD_KILL_PRESSURE && og_cg_is_under(c->path, cg) &&
		    (!best || strlen(c->path) > strlen(best->path)))
			best = c;
	}
	if (!best) {
		free(d);
		return -ENOENT;
	}
	snprintf(out->path, sizeof(out->path), "%s", best->path);
	int pm = best->limit_pm >= 0 ? best->limit_pm : d->default_pressure_limit_pm;
	out->limit_pct = pm >= 0 ? pm / 100.0 : OOMD_DEFAULT_LIMIT_PCT;
	unsigned long long us =
		best->duration_usec ? best->duration_usec : d->default_duration_usec;
	out->duration_s = us ? (double)us / 1e6 : OOMD_DEFAULT_DURATION_S;
	free(d);
	return 0;
}

int og_warn_oomd_find(const char *cg, struct og_warn_oomd *out)
{
	char *text = NULL, why[256];
	int r = og_sd_oomd_dump(&text, why, sizeof(why));
	if (r < 0)
		return -ESRCH;
	r = og_warn_oomd_pick(text, strlen(text), cg, out);
	free(text);
	return r;
}
