/* `oomguard metrics`: the machine now (metrics_collect.h). */
#include "metrics_collect.h"

#include "killers.h"
#include "taskscan.h"

#include <errno.h>
#include <string.h>

/* The job a protected process belongs to: its highest ancestor with the
 * same oom_score_adj (what `run` or the Slurm plugin wrote, inherited). */
static const struct og_task *root_of(const struct og_taskset *ts, const struct og_task *t)
{
	for (int depth = 0; depth < 64; depth++) {
		const struct og_task *p = og_taskset_find(ts, t->ppid);
		if (!p || p->adj != t->adj || p->pid <= 1)
			break;
		t = p;
	}
	return t;
}

static void jobs(struct og_met_view *v, const struct og_taskset *ts)
{
	v->slurm_steps = 0;
	for (size_t i = 0; i < ts->n; i++) {
		const struct og_task *t = &ts->v[i];
		if (t->kthread)
			continue;
		if (!strcmp(t->comm, "oomguard-step"))
			v->slurm_steps++;
		if (t->adj >= 0)
			continue;
		og_met_add_job(v, root_of(ts, t)->comm, "kernel",
			       t->adj == -1000 ? "protected" : "partial", 1);
	}
}

int og_met_collect_now(struct og_met_view *v, const char *procroot)
{
	struct og_taskset ts = { 0 };
	struct og_killers k;
	int r = og_task_scan(procroot, 0, &ts);

	if (r < 0)
		return r;
	memset(&k, 0, sizeof(k));
	og_killers_detect(procroot, "", &ts, &k);
	v->nkiller = 0;
	/* The kernel's killer is always there; panic_on_oom=2 panics instead. */
	v->killer[v->nkiller].name = "kernel";
	v->killer[v->nkiller++].armed = k.vm.panic_on_oom != 2;
	v->killer[v->nkiller].name = "systemd-oomd";
	v->killer[v->nkiller++].armed = k.oomd_pid > 0;
	v->killer[v->nkiller].name = "earlyoom";
	v->killer[v->nkiller++].armed = k.n_earlyoom > 0;
	v->killer[v->nkiller].name = "nohang";
	v->killer[v->nkiller++].armed = k.nohang_pid > 0;
	jobs(v, &ts);
	og_taskset_free(&ts);
	return 0;
}
