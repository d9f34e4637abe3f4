/* Each OOM killer's verdict on one process: protected, EXPOSED (why, and
 * the command that would protect it) or not present.  doctor prints them
 * all; run reads back earlyoom's and nohang's for its job (readback.c). */
#ifndef OG_JUDGE_H
#define OG_JUDGE_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "topview.h"

enum og_kv_state { OG_KV_ABSENT, OG_KV_PROTECTED, OG_KV_EXPOSED };

struct og_kverdict {
	const char *killer;
	char label[48];
	pid_t kpid; /* the killer daemon's pid, 0 when none / the kernel */
	enum og_kv_state state;
	char why[8192];
	char fix[8192]; /* "" when there is nothing to do */
};

/* The kernel (global, memory cgroup), systemd-oomd, every earlyoom and nohang */
#define OG_KV_MAX (4 + OG_MAX_EARLYOOM)

/* The verdicts on task ti of m, in that order, into v (OG_KV_MAX of them);
 * with daemons_only earlyoom's and nohang's alone (cheap: no cgroup walk, no
 * bus).  Returns how many were filled. */
size_t og_kv_judge(const struct og_model *m, size_t ti, bool daemons_only, struct og_kverdict *v);

/* "protected", "EXPOSED", "not present" */
const char *og_kv_state_str(enum og_kv_state s);

#endif
