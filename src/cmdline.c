/* What the commands share on their command line (see cmd.h): the prologue
 * (--help, the usage line, who is asking) and run's and watch's --warn
 * options.  One place, so that every command says these the same way. */
#include "cmd.h"
#include "privilege.h"
#include "render.h"
#include "signame.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int og_cmd_start(const char *name, const char *help, int parsed, const char *err,
		 struct og_priv *pv)
{
	int r;

	if (parsed == 1) {
		fputs(help, stdout);
		return OG_EXIT_OK;
	}
	if (parsed < 0) {
		og_err("%s: %s", name, err);
		return OG_EXIT_USAGE;
	}
	if (pv && (r = og_priv_detect(pv)) < 0) {
		og_err("%s: cannot tell who is asking (SUDO_UID/SUDO_GID invalid or unknown user): %s",
		       name, strerror(-r));
		return OG_EXIT_FAIL;
	}
	return OG_CMD_GO;
}

int og_long_opt(const char *name, const char *arg, long lo, long hi, const char *expect, long *v,
		char *err, size_t errsz)
{
	char esc[256];

	if (og_parse_long(arg, lo, hi, v) < 0) {
		snprintf(err, errsz, "invalid %s '%s': %s", name, og_esc(arg, esc, sizeof(esc)),
			 expect);
		return -1;
	}
	return 0;
}

int og_adj_opt(const char *arg, int *adj, char *err, size_t errsz)
{
	long v;

	if (og_long_opt("--adj", arg, -1000, 1000, "expected an integer from -1000 to 1000", &v,
			err, errsz) < 0)
		return -1;
	*adj = (int)v;
	return 0;
}

int og_pid_opt(const char *arg, pid_t *pid, char *err, size_t errsz)
{
	char esc[256];

	if (og_parse_pid(arg, pid) < 0) {
		snprintf(err, errsz, "invalid PID '%s': expected a number from 1 to 4194304",
			 og_esc(arg, esc, sizeof(esc)));
		return -1;
	}
	return 0;
}

int og_warn_getopt(int opt, char *arg, int argc, char **argv, bool take_next,
		   struct og_warn_opts *w, char *err, size_t errsz)
{
	char e2[200];

	switch (opt) {
	case OG_OPT_WARN:
		w->given = true;
		/* "--warn SPEC" as well as "--warn=SPEC" when the next word is a
		 * valid spec (no command is named "available:10%"). */
		if (!arg && take_next && optind < argc && strchr(argv[optind], ':')) {
			struct og_warnspec probe = *w->spec;
			if (og_warnspec_parse(argv[optind], &probe, e2, sizeof(e2)) == 0)
				arg = argv[optind++];
		}
		if (arg && og_warnspec_parse(arg, w->spec, e2, sizeof(e2)) < 0) {
			snprintf(err, errsz, "invalid --warn spec: %s", e2);
			return -1;
		}
		return 0;
	case OG_OPT_WARN_SIGNAL:
		w->given = true;
		return og_warn_signal_parse(arg, w->signal, err, errsz) < 0 ? -1 : 0;
	case OG_OPT_ON_WARN:
		w->given = true;
		if (!*arg) {
			snprintf(err, errsz, "--on-warn needs a command");
			return -1;
		}
		*w->on_warn = arg;
		return 0;
	default: return 1;
	}
}
