/* run's read-back of earlyoom and nohang for its job (see readback.h),
 * judged as doctor judges them (judge.c). */
#include "readback.h"
#include "judge.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

/* run's job, our unreaped child, has exited (WNOWAIT: run still reaps it). */
static bool job_ended(void *arg)
{
	pid_t pid = *(const pid_t *)arg;
	siginfo_t si = { 0 };
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

int og_daemons_readback(FILE *f, const char *prefix, pid_t pid)
{
	struct og_model *m;
	struct og_daemons d;
	struct og_kverdict v[OG_KV_MAX];
	size_t nv;
	int e;

	/* The job's own start (exec, loading) goes first: the scan would take a
	 * core from it just then.  A job that ends within these 2 ms, or during
	 * the scan, needs no verdict: the scan stops there. */
	for (int i = 0; i < 20; i++) {
		if (job_ended(&pid))
			return -EINTR;
		nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
	}
	/* One comm read per process finds the daemons; the full snapshot (two
	 * reads per process and the ranking) only where one runs. */
	if ((e = og_daemons_find("/proc", &d, job_ended, &pid)) < 0)
		return e;
	if (!d.n_earlyoom && !d.nohang) {
		fprintf(f, "%searlyoom: not running\n%snohang: not running\n", prefix, prefix);
		return 0;
	}
	if (!(m = calloc(1, sizeof(*m))))
		return -ENOMEM;
	if ((e = og_model_build(m, "/proc", 0)) < 0) {
		free(m);
		return e;
	}
	const struct og_task *t = og_taskset_find(&m->ts, pid);
	if (!t) {
		og_model_free(m);
		free(m);
		return -ESRCH;
	}
	nv = og_kv_judge(m, (size_t)(t - m->ts.v), true, v);
	for (size_t i = 0; i < nv; i++) {
		if (v[i].state == OG_KV_ABSENT)
			fprintf(f, "%s%s: not running\n", prefix, v[i].killer);
		else if (v[i].state == OG_KV_EXPOSED)
			fprintf(f, "%s%s: EXPOSED (%s): %s\n", prefix, v[i].killer, v[i].why,
				v[i].fix);
		else
			fprintf(f, "%s%s: protected (%s)\n", prefix, v[i].killer, v[i].why);
	}
	og_model_free(m);
	free(m);
	return 0;
}
