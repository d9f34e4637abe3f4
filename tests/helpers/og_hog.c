/* og_hog: a memory hog for the host tests.
 *
 *   og_hog [--hold MiB] [--workers N] [--worker-mib MiB] [--grow MiB]
 *          [--tick MS] [--max MiB] [--ready FILE]
 *
 * Forks N workers that each allocate and touch --worker-mib MiB, allocates and
 * touches --hold MiB itself, then writes "PID WORKER..." to --ready FILE (via a
 * rename, so a reader never sees half a line).  With --grow it then adds that
 * many MiB every --tick ms (up to --max MiB, 0 = no bound) until killed;
 * otherwise it sleeps until a signal.  On SIGTERM it kills its workers. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)

static int touch_mib(unsigned long mib)
{
	if (!mib)
		return 0;
	/* mmap + a write to every page: the memory is charged (RSS), not just reserved. */
	char *p = mmap(NULL, mib * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	long pg = sysconf(_SC_PAGESIZE);
	for (unsigned long off = 0; off < mib * MIB; off += (unsigned long)pg)
		p[off] = (char)(off >> 12 | 1);
	return 0;
}

static unsigned long num(const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || !*s) {
		fprintf(stderr, "og_hog: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static pid_t workers[64];
static unsigned long nworkers;

static int finish(void)
{
	for (unsigned long i = 0; i < nworkers; i++)
		kill(workers[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "hold", required_argument, NULL, 'm' },   { "workers", required_argument, NULL, 'w' },
		{ "worker-mib", required_argument, NULL, 'W' }, { "grow", required_argument, NULL, 'g' },
		{ "tick", required_argument, NULL, 't' },   { "max", required_argument, NULL, 'x' },
		{ "ready", required_argument, NULL, 'r' },  { NULL, 0, NULL, 0 },
	};
	unsigned long hold = 0, wmib = 0, grow = 0, tick = 10, max = 0;
	const char *ready = NULL;
	int c, p[2];

	while ((c = getopt_long(argc, argv, "m:w:W:g:t:x:r:", lo, NULL)) != -1) {
		switch (c) {
		case 'm': hold = num(optarg, "--hold"); break;
		case 'w': nworkers = num(optarg, "--workers"); break;
		case 'W': wmib = num(optarg, "--worker-mib"); break;
		case 'g': grow = num(optarg, "--grow"); break;
		case 't': tick = num(optarg, "--tick"); break;
		case 'x': max = num(optarg, "--max"); break;
		case 'r': ready = optarg; break;
		default: return 2;
		}
	}
	if (nworkers > 64)
		nworkers = 64;
	if (pipe(p) < 0)
		return 1;
	pid_t parent = getpid();
	for (unsigned long i = 0; i < nworkers; i++) {
		workers[i] = fork();
		if (workers[i] < 0)
			return 1;
		if (workers[i] == 0) {
			/* Die with the parent, however it dies (a test killing it
			 * with SIGKILL cannot reach the workers by name). */
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
				_exit(1);
			close(p[0]);
			if (touch_mib(wmib) < 0 || write(p[1], "w", 1) != 1)
				_exit(1);
			close(p[1]);
			for (;;)
				pause();
		}
	}
	close(p[1]);
	for (unsigned long i = 0; i < nworkers; i++) {
		char ch;
		if (read(p[0], &ch, 1) != 1) {
			fprintf(stderr, "og_hog: a worker died before holding its memory\n");
			return 1;
		}
	}
	close(p[0]);
	/* From here SIGTERM/SIGINT are taken synchronously so the workers go too. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (touch_mib(hold) < 0) {
		perror("og_hog: mmap");
		return 1;
	}
	if (ready) {
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
		FILE *f = fopen(tmp, "w");
		if (!f)
			return 1;
		fprintf(f, "%d", (int)getpid());
		for (unsigned long i = 0; i < nworkers; i++)
			fprintf(f, " %d", (int)workers[i]);
		fputc('\n', f);
		if (fclose(f) != 0 || rename(tmp, ready) < 0)
			return 1;
	}
	if (grow) {
		unsigned long have = hold;
		while (!max || have < max) {
			if (touch_mib(grow) < 0) {
				perror("og_hog: mmap");
				return 1;
			}
			have += grow;
			struct timespec ts = { (time_t)(tick / 1000), (long)(tick % 1000) * 1000000L };
			if (sigtimedwait(&set, NULL, &ts) > 0)
				return finish();
		}
	}
	int sig;
	sigwait(&set, &sig);
	return finish();
}
