/* Signal names and numbers for --warn-signal, the Slurm plugin's signal=
 * and the lines that name a signal (see signame.h).  Apart from the warning
 * loop, so that option parsers do not link it. */
#include "signame.h"
#include "render.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int sig;
} signames[] = {
	{ "HUP", SIGHUP },     { "INT", SIGINT },   { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 },   { "USR2", SIGUSR2 }, { "TERM", SIGTERM }, { "CONT", SIGCONT },
	{ "STOP", SIGSTOP },   { "TSTP", SIGTSTP }, { "ALRM", SIGALRM }, { "PWR", SIGPWR },
	{ "WINCH", SIGWINCH }, { "URG", SIGURG },
};

int og_signal_parse(const char *s, int *sig)
{
	long v;
	if (!strcmp(s, "none") || !strcmp(s, "0")) {
		*sig = 0;
		return 0;
	}
	if (og_parse_long(s, 1, SIGRTMAX, &v) == 0) {
		*sig = (int)v;
		return 0;
	}
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < OG_ARRAY_LEN(signames); i++)
		if (!strcmp(s, signames[i].name)) {
			*sig = signames[i].sig;
			return 0;
		}
	return -EINVAL;
}

int og_warn_signal_parse(const char *s, int *sig, char *err, size_t errsz)
{
	char esc[128];
	if (og_signal_parse(s, sig) < 0) {
		snprintf(
			err, errsz,
			"invalid --warn-signal '%s': expected a signal name like USR1, a number, or none",
			og_esc(s, esc, sizeof(esc)));
		return -EINVAL;
	}
	/* signal(7): SIGKILL and SIGSTOP cannot be caught, blocked or ignored:
	 * the job could save nothing, and the watcher would become a killer. */
	if (*sig == SIGKILL || *sig == SIGSTOP) {
		snprintf(
			err, errsz,
			"invalid --warn-signal '%s': %s cannot be caught, so the job could not save anything; "
			"use a signal it handles (USR1, USR2, TERM, ...) or none",
			og_esc(s, esc, sizeof(esc)), *sig == SIGKILL ? "SIGKILL" : "SIGSTOP");
		return -EINVAL;
	}
	return 0;
}

const char *og_signal_name(int sig, char *buf, size_t size)
{
	for (size_t i = 0; i < OG_ARRAY_LEN(signames); i++)
		if (signames[i].sig == sig) {
			snprintf(buf, size, "SIG%s", signames[i].name);
			return buf;
		}
	snprintf(buf, size, "signal %d", sig);
	return buf;
}
