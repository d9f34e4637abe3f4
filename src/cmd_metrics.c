/* oomguard metrics: OOM kills and protection state as Prometheus text for
 * node_exporter's textfile collector (node_exporter's README: files named
 * *.prom in --collector.textfile.directory, written atomically by rename). */
#include "cmd.h"
#include "metrics.h"
#include "metrics_collect.h"
#include "render.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEF_DIR "/var/lib/prometheus/node-exporter"
#define DEF_STATE "/var/lib/oomguard/metrics.state"

static const char og_metrics_help[] =
	"Usage: oomguard metrics [OPTIONS]\n"
	"Write OOM kills and protection state as Prometheus text for node_exporter's textfile collector.\n"
	"\n"
	"  -d, --dir DIR      textfile collector directory (default " DEF_DIR ");\n"
	"                     writes DIR/oomguard.prom by an atomic rename\n"
	"  -s, --state FILE   kill counters kept across reboots (default " DEF_STATE ")\n"
	"      --stdout       print the text instead of writing DIR/oomguard.prom (the state is still updated)\n"
	"  -h, --help         this help\n"
	"\n"
	"Metrics: oomguard_oom_kills_total{killer}, oomguard_oom_kills_by_cgroup_total{killer,cgroup},\n"
	"oomguard_last_oom_kill_timestamp_seconds{killer}, oomguard_killer_armed{killer},\n"
	"oomguard_protected_processes{job,layer,state}, oomguard_slurm_steps_guarded,\n"
	"oomguard_metrics_timestamp_seconds.  Run it from cron or a timer, e.g. every minute.\n";

struct metrics_opts {
	const char *dir, *state;
	bool to_stdout;
};

static int parse(int argc, char **argv, struct metrics_opts *o, char *err, size_t errsz)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "state", required_argument, NULL, 's' },
		{ "stdout", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, prev = 1;

	o->dir = DEF_DIR;
	o->state = DEF_STATE;
	o->to_stdout = false;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
		case 's':
			if (!*optarg) {
				snprintf(err, errsz, "--%s needs a path",
					 c == 'd' ? "dir" : "state");
				return -1;
			}
			*(c == 'd' ? &o->dir : &o->state) = optarg;
			break;
		case 'O': o->to_stdout = true; break;
		case 'h': return 1;
		default: return og_opt_error(c, argv, prev, err, errsz);
		}
		prev = optind;
	}
	if (optind < argc) {
		char esc[256];
		snprintf(err, errsz, "unexpected argument '%s'",
			 og_esc(argv[optind], esc, sizeof(esc)));
		return -1;
	}
	return 0;
}

static int load_state(const char *path, struct og_met_state *s)
{
	static char buf[65536];
	ssize_t n = og_read_at(AT_FDCWD, path, buf, sizeof(buf));

	og_met_state_init(s);
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;
	return og_met_state_parse(buf, (size_t)n, s);
}

/* Write to a temporary file beside path, then rename over it: a reader
 * sees the old file or the new one, never half of one. */
static int write_atomic(const char *path, int (*fn)(const void *, FILE *), const void *arg)
{
	char tmp[4096];
	int fd, r;
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		r = -errno;
		close(fd);
		unlink(tmp);
		return r;
	}
	r = fn(arg, f);
	if (fflush(f) != 0 || fsync(fd) != 0)
		r = r ? r : -errno;
	if (fclose(f) != 0)
		r = r ? r : -errno;
	if (r == 0 && rename(tmp, path) != 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

static int put_state(const void *s, FILE *f)
{
	return og_met_state_write(s, f);
}
static int put_text(const void *v, FILE *f)
{
	return og_met_render(v, f);
}

static int mkdir_parent(const char *path)
{
	char d[4096];
	snprintf(d, sizeof(d), "%s", path);
	char *dir = dirname(d);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int cmd_metrics(int argc, char **argv)
{
	struct metrics_opts o;
	struct og_met_view *v;
	char err[512], src[64], prom[4096];
	struct timespec ts;
	size_t counted;
	int r = og_cmd_start("metrics", og_metrics_help, parse(argc, argv, &o, err, sizeof(err)),
			     err, NULL);

	if (r != OG_CMD_GO)
		return r;
	if (!(v = calloc(1, sizeof(*v)))) {
		og_err("metrics: out of memory");
		return OG_EXIT_FAIL;
	}
	if ((r = load_state(o.state, &v->st)) < 0) {
		og_err("metrics: cannot read the state file '%s': %s", o.state,
		       r == -EINVAL ? "not an oomguard metrics state file" : strerror(-r));
		free(v);
		return OG_EXIT_FAIL;
	}
	if ((r = og_met_collect_kills(&v->st, &counted, src, sizeof(src))) < 0)
		og_err("metrics: cannot read /dev/kmsg or the journal: %s; kill counters not updated",
		       strerror(-r));
	og_met_collect_now(v, "/proc");
	clock_gettime(CLOCK_REALTIME, &ts);
	v->now_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	if ((r = mkdir_parent(o.state)) < 0 || (r = write_atomic(o.state, put_state, &v->st)) < 0) {
		og_err("metrics: cannot write the state file '%s': %s", o.state, strerror(-r));
		free(v);
		return OG_EXIT_FAIL;
	}
	if (o.to_stdout) {
		r = og_met_render(v, stdout);
	} else {
		snprintf(prom, sizeof(prom), "%s/oomguard.prom", o.dir);
		if ((r = write_atomic(prom, put_text, v)) < 0)
			og_err("metrics: cannot write '%s': %s", prom, strerror(-r));
	}
	free(v);
	return r < 0 ? OG_EXIT_FAIL : OG_EXIT_OK;
}
