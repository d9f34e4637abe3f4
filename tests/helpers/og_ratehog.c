/* og_ratehog: a memory hog with a fixed fill rate, for the warning tests.
 *
 *   og_ratehog --rate MiB/s [--max MiB] [--mark FILE]
 *   og_ratehog --steps MiB:SEC[,MiB:SEC...] [--rate MiB/s [--max MiB]] [--mark FILE]
 *
 * --rate touches memory paced by the clock (not by a sleep per chunk), so the
 * fill rate holds whatever the page-fault cost; at --max (default 8192, a
 * bound should it ever run outside its memory cgroup) it holds and sleeps.
 * --steps sets the touched size to MiB (allocating or unmapping 1 MiB
 * chunks) and holds it SEC seconds, in order, then exits 0; with --rate too,
 * the steps are a start-up and the leak at --rate follows from where they
 * left off.
 * --mark FILE: on every SIGUSR1 append "usr1 <CLOCK_REALTIME ns>" (written
 * from the handler with async-signal-safe calls only), and "start <ns>" at
 * start.  (tests/helpers/og_hog.c grows by ticks and has no mark; this one
 * is about the rate and the moment of the warning.) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)
#define MAX_CHUNKS (1UL << 16)

static int mark_fd = -1;
static char *chunks[MAX_CHUNKS];
static unsigned long nchunks;

static void put_mark(const char *what)
{
	struct timespec ts;
	char b[64], d[24];
	size_t n = 0, k = 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned long long ns = (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
	while (*what)
		b[n++] = *what++;
	b[n++] = ' ';
	do {
		d[k++] = (char)('0' + ns % 10);
		ns /= 10;
	} while (ns);
	while (k)
		b[n++] = d[--k];
	b[n++] = '\n';
	ssize_t w = write(mark_fd, b, n);
	(void)w;
}

static void on_usr1(int sig)
{
	(void)sig;
	if (mark_fd >= 0)
		put_mark("usr1");
}

static void grow1(void)
{
	if (nchunks >= MAX_CHUNKS)
		return;
	char *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("og_ratehog: mmap");
		exit(1);
	}
	for (unsigned long off = 0; off < MIB; off += 4096)
		p[off] = 1;
	chunks[nchunks++] = p;
}

static void shrink1(void)
{
	if (nchunks)
		munmap(chunks[--nchunks], MIB);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static double num(const char *s, const char *what)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < 0) {
		fprintf(stderr, "og_ratehog: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "rate", required_argument, NULL, 'r' }, { "max", required_argument, NULL, 'x' },
		{ "steps", required_argument, NULL, 's' }, { "mark", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	double rate = 0, max = 8192; /* never more than 8 GiB, even outside a memory cgroup */
	const char *steps = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'r': rate = num(optarg, "--rate"); break;
		case 'x': max = num(optarg, "--max"); break;
		case 's': steps = optarg; break;
		case 'm':
			mark_fd = open(optarg, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
			if (mark_fd < 0) {
				perror(optarg);
				return 2;
			}
			break;
		default: return 2;
		}
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	if (mark_fd >= 0)
		put_mark("start");

	if (steps) {
		char *dup = strdup(steps), *save = NULL;
		for (char *it = strtok_r(dup, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
			char *colon = strchr(it, ':');
			if (!colon) {
				fprintf(stderr, "og_ratehog: step '%s' is not MiB:SEC\n", it);
				return 2;
			}
			*colon = '\0';
			unsigned long want = (unsigned long)num(it, "step MiB");
			double hold = num(colon + 1, "step seconds");
			while (nchunks < want)
				grow1();
			while (nchunks > want)
				shrink1();
			nap(hold);
		}
		free(dup);
		if (rate <= 0)
			return 0;
	}
	if (rate <= 0) {
		fprintf(stderr, "usage: og_ratehog --rate MiB/s [--max MiB] [--mark FILE] | --steps MiB:SEC,...\n");
		return 2;
	}
	double t0 = now(), base = (double)nchunks;
	for (;;) {
		double want = base + rate * (now() - t0);
		if (max > 0 && want > max)
			want = max;
		while ((double)nchunks < want)
			grow1();
		if (max > 0 && (double)nchunks >= max)
			pause();
		else
			nap(0.002);
	}
}
