/* The state of the user-space OOM killers as JSON, one shape for every
 * command: `top --json` writes each of these inside its "killers" element
 * (adding "killer" and its "victim"), `doctor --json` as its "systemd_oomd"
 * object, each "earlyoom" element and its "nohang" object.  Each function
 * writes the members only, from "running" on, without the braces. */
#ifndef OG_KILLERJSON_H
#define OG_KILLERJSON_H
#include <stddef.h>
#include <stdio.h>

#include "killers.h"

/* systemd-oomd: running, and when it runs its pid, the limits oomd.conf
 * sets, the files read, and the monitored cgroups (a live sample). */
void og_json_oomd_state(FILE *f, const struct og_killers *k, const struct og_meminfo *mi);
/* earlyoom instance i (< k->n_earlyoom): its options and the effective
 * thresholds they give on this machine. */
void og_json_earlyoom_state(FILE *f, const struct og_killers *k, size_t i,
			    const struct og_meminfo *mi);
/* nohang: running, and when it runs its pid and configuration. */
void og_json_nohang_state(FILE *f, const struct og_killers *k);

#endif
