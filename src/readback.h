/* run's read-back of the userspace OOM daemons for its job. */
#ifndef OG_READBACK_H
#define OG_READBACK_H
#include <stdio.h>
#include <sys/types.h>

/* earlyoom and nohang read-back lines for pid, judged as `doctor PID` judges
 * them ("earlyoom: protected (...)", "nohang: EXPOSED (...): fix").  Costs one
 * comm read per process, and the full snapshot only where one of them runs.
 * pid is run's unreaped child: the scan starts 2 ms after the call (the
 * job's own start first) and stops once the job has exited; then nothing is
 * printed and -EINTR returned (no verdict is due for a job that ended).
 * Returns 0 or -errno. */
int og_daemons_readback(FILE *f, const char *prefix, pid_t pid);

#endif
