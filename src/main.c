/* oomguard: subcommand dispatch. */
#ifdef HAVE_SPANK
#include <slurm/slurm_version.h>
#endif
#include "cmd.h"
#include "util.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{ "run", cmd_run, "start a job protected from every OOM killer" },
	{ "protect", cmd_protect, "show or set the protection of running processes" },
	{ "top", cmd_top, "who dies next, and why (every armed killer)" },
	{ "doctor", cmd_doctor, "which killers are armed here; is PID exposed to each" },
	{ "why", cmd_why, "past OOM kills, from kmsg, the journal, or log files" },
	{ "watch", cmd_watch, "warn a running job before memory runs out" },
	{ "metrics", cmd_metrics, "OOM kills and protection state for node_exporter" },
};

static void usage(FILE *f)
{
	fputs("Usage: oomguard COMMAND [OPTIONS]\n"
	      "Keep long-running jobs alive when memory runs short, and tell the truth about OOM kills.\n\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < OG_ARRAY_LEN(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'oomguard COMMAND --help' describes each command.  -V, --version prints the version.\n",
	      f);
}

static void version(void)
{
	printf("oomguard %s\n", OG_VERSION);
#ifdef HAVE_SYSTEMD
	puts("libsystemd: yes");
#else
	puts("libsystemd: no");
#endif
#ifdef HAVE_ZLIB
	puts("zlib: yes");
#else
	puts("zlib: no");
#endif
#ifdef HAVE_SPANK
	/* Built is not installed: make install (or the oomguard-slurm package)
	 * puts the plugin where Slurm loads it from. */
	const char *so = OG_SLURM_PLUGINDIR "/oomguard-spank.so";
	bool installed = access(so, F_OK) == 0;
	printf("slurm plugin: yes (oomguard-spank.so, built against Slurm %d.%02d.%d); %s %s\n",
	       SLURM_VERSION_MAJOR(SLURM_VERSION_NUMBER), SLURM_VERSION_MINOR(SLURM_VERSION_NUMBER),
	       SLURM_VERSION_MICRO(SLURM_VERSION_NUMBER),
	       installed ? "installed:" : "not installed in", installed ? so : OG_SLURM_PLUGINDIR);
#else
	puts("slurm plugin: no");
#endif
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return OG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return OG_EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		version();
		return OG_EXIT_OK;
	}
	for (size_t i = 0; i < OG_ARRAY_LEN(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	og_err("unknown command '%s'; see 'oomguard --help'", argv[1]);
	return OG_EXIT_USAGE;
}
