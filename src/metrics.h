/* `oomguard metrics`: the model behind the Prometheus text for node_exporter's
 * textfile collector, its state file, and the renderer.  Pure.
 *
 * Counters survive reboots: the state file keeps each count and the wall
 * time of the newest kill counted; a run counts only kills logged after it.
 * Label values are bounded: the cgroup label is the victim's cgroup or unit
 * with every run of digits (and hex ids) replaced by '*', at most
 * OG_MET_CGROUPS of them (the rest add to cgroup="other"), and the job label
 * is a command name, at most OG_MET_JOBS of them. */
#ifndef OG_METRICS_H
#define OG_METRICS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OG_MET_KILLERS 16
#define OG_MET_CGROUPS 50
#define OG_MET_JOBS 20
#define OG_MET_LABEL 160

struct og_met_kill {
	char killer[32];
	unsigned long long n;
	int64_t last_us; /* wall clock, µs */
};

struct og_met_cg {
	char killer[32];
	char label[OG_MET_LABEL];
	unsigned long long n;
};

struct og_met_state {
	int64_t since_us; /* newest kill counted; 0 = none yet */
	struct og_met_kill k[OG_MET_KILLERS];
	size_t nk;
	struct og_met_cg c[OG_MET_CGROUPS + 1]; /* the last one may be "other" */
	size_t nc;
};

void og_met_state_init(struct og_met_state *s);
/* The state file's text.  0, or -EINVAL for a file that is not ours. */
int og_met_state_parse(const char *buf, size_t len, struct og_met_state *s);
/* Its text; 0 or -errno from the stream. */
int og_met_state_write(const struct og_met_state *s, FILE *f);
/* Count one kill (killer name, victim's cgroup or unit, its wall time). */
void og_met_count(struct og_met_state *s, const char *killer, const char *where, int64_t wall_us);
/* cgroup path or unit -> bounded label: digit runs and hex ids become a star. */
void og_met_label(const char *where, char *out, size_t size);

struct og_met_job {
	char job[64];   /* command name of the job's root process */
	char layer[16]; /* "kernel", "systemd-oomd" */
	char state[16]; /* "protected", "partial", "omit", "avoid" */
	unsigned n;     /* processes */
};

struct og_met_view {
	struct og_met_state st;
	struct {
		const char *name;
		bool armed;
	} killer[8];
	size_t nkiller;
	struct og_met_job job[OG_MET_JOBS + 1];
	size_t njob;
	long slurm_steps; /* running oomguard step agents; -1 = not counted */
	int64_t now_us;
};
/* Adds n processes of job in layer/state (bounded: the rest go to job="other"). */
void og_met_add_job(struct og_met_view *v, const char *job, const char *layer, const char *state,
		    unsigned n);
/* Prometheus text exposition format 0.0.4. */
int og_met_render(const struct og_met_view *v, FILE *f);

#endif
