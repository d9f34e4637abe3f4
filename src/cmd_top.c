/* oomguard top: who dies next, per armed killer, with the kernel's
 * arithmetic shown (badness = rss + swap + pgtables + adj x totalpages/1000). */
#include "badness.h"
#include "cgroup.h"
#include "cmd.h"
#include "killers.h"
#include "meminfo.h"
#include "ranking.h"
#include "render.h"
#include "screen.h"
#include "taskscan.h"
#include "topview.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

static const char og_top_help[] =
	"Usage: oomguard top [OPTIONS]\n"
	"Who dies next, per armed OOM killer, with the kernel's arithmetic shown.\n"
	"Each row: pid, user, comm, RSS, swap, page tables, oom_score_adj, the kernel's\n"
	"oom_score, the badness points (rss + swap + pgtables + adj x totalpages/1000, in\n"
	"pages), their share of RAM+swap (or of the cgroup limit) in per mille, the rank.\n"
	"\n"
	"  -n, --lines N        show the first N rows (default: all; 20 with --watch)\n"
	"  -s, --sort KEY       rank (default), pid, rss, swap, pte, adj, score, comm, user\n"
	"  -u, --user USER      only rows of USER (name or uid); ranks stay as computed\n"
	"  -c, --cgroup PATH    rank inside this memory cgroup against its limit\n"
	"  -j, --json           machine-readable output (every row unless -n)\n"
	"  -w, --watch[=SECS]   refresh every SECS seconds (default 2) until q/Ctrl-C, cut to\n"
	"                       the terminal's size\n"
	"  -k, --kernel-threads also list kernel threads in the table (never chosen, so\n"
	"                       hidden by default; --json always lists them)\n"
	"      --kernel-score   also read /proc/PID/oom_score (column KSCORE, JSON oom_score_read)\n"
	"      --procfs DIR     read processes from DIR instead of /proc (tests)\n"
	"  -h, --help           this help\n";

/* --sort KEY, in enum og_top_sort's order. */
static int sort_opt(const char *arg, enum og_top_sort *sort, char *err, size_t errsz)
{
	static const char *const keys[] = { "rank", "pid",   "rss",  "swap", "pte",
					    "adj",  "score", "comm", "user" };
	char esc[256];

	for (size_t i = 0; i < OG_ARRAY_LEN(keys); i++)
		if (!strcmp(arg, keys[i])) {
			*sort = (enum og_top_sort)i;
			return 0;
		}
	snprintf(
		err, errsz,
		"invalid --sort '%s': expected rank, pid, rss, swap, pte, adj, score, comm or user",
		og_esc(arg, esc, sizeof(esc)));
	return -1;
}

/* --watch[=SECS], and --watch SECS: a following number is taken too. */
static int watch_opt(char *arg, int argc, char **argv, struct og_top_opts *o, char *err,
		     size_t errsz)
{
	char esc[256];
	long v;

	o->watch = true;
	o->watch_secs = 2;
	if (!arg && optind < argc && argv[optind][0] >= '0' && argv[optind][0] <= '9')
		arg = argv[optind++];
	if (!arg)
		return 0;
	if (og_parse_long(arg, 1, 86400, &v) < 0) {
		snprintf(err, errsz, "invalid --watch '%s': expected seconds, 1 to 86400",
			 og_esc(arg, esc, sizeof(esc)));
		return -1;
	}
	o->watch_secs = v;
	return 0;
}

/* top's options but --help.  Returns 0, or -1 with err (an unknown option
 * included). */
static int top_opt(int c, char *arg, int argc, char **argv, int prev, struct og_top_opts *o,
		   char *err, size_t errsz)
{
	long v;

	switch (c) {
	case 'n':
		if (og_long_opt("-n", arg, 0, 1000000000, "expected a count, 0 or more", &v, err,
				errsz) < 0)
			return -1;
		o->lines = v;
		return 0;
	case 's': return sort_opt(arg, &o->sort, err, errsz);
	case 'u': o->user = arg; return 0;
	case 'c': o->cgroup = arg; return 0;
	case 'j': o->json = true; return 0;
	case 'w': return watch_opt(arg, argc, argv, o, err, errsz);
	case 'K': o->kernel_score = true; return 0;
	case 'k': o->kthreads = true; return 0;
	case 'P': o->procfs = arg; return 0;
	default: return og_opt_error(c, argv, prev, err, errsz);
	}
}

/* What is left after the options, and what they say together. */
static int top_finish(int argc, char **argv, struct og_top_opts *o, char *err, size_t errsz)
{
	char esc[256];
	long v;

	if (optind < argc) {
		snprintf(err, errsz, "unexpected argument '%s'",
			 og_esc(argv[optind], esc, sizeof(esc)));
		return -1;
	}
	/* A name no one has would only ever show an empty table. */
	if (o->user && og_parse_long(o->user, 0, 0x7fffffffL, &v) < 0 && !getpwnam(o->user)) {
		snprintf(err, errsz, "unknown user '%s' (-u takes a user name or a uid)",
			 og_esc(o->user, esc, sizeof(esc)));
		return -1;
	}
	if (o->watch && o->json) {
		snprintf(err, errsz, "--watch and --json do not mix; run --json in a loop instead");
		return -1;
	}
	return 0;
}

static int top_parse(int argc, char **argv, struct og_top_opts *o, char *err, size_t errsz)
{
	static const struct option longopts[] = {
		{ "lines", required_argument, NULL, 'n' },
		{ "sort", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "watch", optional_argument, NULL, 'w' },
		{ "kernel-score", no_argument, NULL, 'K' },
		{ "kernel-threads", no_argument, NULL, 'k' },
		{ "procfs", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, prev = 1;

	memset(o, 0, sizeof(*o));
	o->lines = -1;
	o->procfs = "/proc";
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:s:u:c:jw::kh", longopts, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if (top_opt(c, optarg, argc, argv, prev, o, err, errsz) < 0)
			return -1;
		prev = optind;
	}
	return top_finish(argc, argv, o, err, errsz);
}

/* Wait up to secs for a reason to act: 1 = quit (q, Ctrl-C, SIGTERM,
 * SIGHUP), 0 = draw again (the time is up, the terminal was resized, or
 * another key was pressed). */
static int watch_wait(int sfd, bool keys, long secs)
{
	struct pollfd pf[2] = { { .fd = sfd, .events = POLLIN },
				{ .fd = STDIN_FILENO, .events = POLLIN } };
	int n = poll(pf, keys ? 2 : 1, (int)(secs * 1000));

	if (n < 0)
		return errno == EINTR ? 0 : 1;
	if (n > 0 && (pf[0].revents & POLLIN)) {
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si) && si.ssi_signo == SIGWINCH)
			return 0;
		return 1;
	}
	if (n > 0 && keys && (pf[1].revents & (POLLIN | POLLHUP))) {
		char k[32];
		ssize_t r = read(STDIN_FILENO, k, sizeof(k));
		if (r <= 0)
			return 1; /* the terminal went away */
		return memchr(k, 'q', (size_t)r) || memchr(k, 'Q', (size_t)r) ? 1 : 0;
	}
	return 0;
}

/* One frame: a status line (clock, refresh, keys), then the snapshot cut to
 * the terminal so that nothing wraps and the header stays on screen. */
static void watch_draw(const struct og_top_opts *o, const char *buf, size_t len, bool tty)
{
	int cols = 0, rows = 0;
	char status[128], clock[16];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	snprintf(status, sizeof(status), "oomguard top  %s  every %lds  q quits\n", clock,
		 o->watch_secs);
	if (tty) {
		og_screen_size(STDOUT_FILENO, &cols, &rows);
		fputs("\033[H", stdout);
	}
	og_screen_fit(status, strlen(status), cols, 1, tty, stdout);
	/* One row less than the screen: a newline on the last row would scroll. */
	og_screen_fit(buf, len, cols, rows > 2 ? rows - 2 : rows ? 1 : 0, tty, stdout);
	if (tty)
		fputs("\033[J", stdout);
	fflush(stdout);
}

/* Signals are taken through a signalfd, keys through poll: no handler, no
 * global flag, and the terminal is restored on every path. */
static int watch_loop(const struct og_top_opts *o)
{
	sigset_t set, old;
	struct termios saved;
	int rc = OG_EXIT_OK, sfd;
	bool tty = isatty(STDOUT_FILENO) == 1, keys = false;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, &old);
	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
		og_err("top: --watch: signalfd: %s", strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		return OG_EXIT_FAIL;
	}
	if (tty) {
		fputs("\033[?1049h\033[?25l\033[2J", stdout); /* alternate screen, hide cursor */
		keys = isatty(STDIN_FILENO) == 1 && og_screen_keys_raw(STDIN_FILENO, &saved) == 0;
	}
	for (;;) {
		char *buf = NULL;
		size_t len = 0;
		FILE *mf = open_memstream(&buf, &len);
		rc = mf ? og_top_once(o, mf) : OG_EXIT_FAIL;
		if (mf)
			fclose(mf);
		if (rc == OG_EXIT_OK)
			watch_draw(o, buf, len, tty);
		free(buf);
		if (rc != OG_EXIT_OK || watch_wait(sfd, keys, o->watch_secs))
			break;
	}
	if (keys)
		og_screen_keys_restore(STDIN_FILENO, &saved);
	if (tty)
		fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int cmd_top(int argc, char **argv)
{
	struct og_top_opts o;
	char err[256];
	int r = og_cmd_start("top", og_top_help, top_parse(argc, argv, &o, err, sizeof(err)), err,
			     NULL);

	if (r != OG_CMD_GO)
		return r;
	if (o.watch) {
		if (o.lines < 0)
			o.lines = 20;
		return watch_loop(&o);
	}
	return og_top_once(&o, stdout);
}
