/* The start every command shares (see cmd.h): --help, the usage line, who
 * is asking.  One place, so that every command says these the same way. */
#include "cmd.h"
#include "privilege.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

int og_cmd_start(const char *name, const char *help, int parsed, const char *err, struct og_priv *pv)
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
		og_err("%s: cannot tell who is asking (SUDO_UID/SUDO_GID invalid or unknown user): %s", name,
		       strerror(-r));
		return OG_EXIT_FAIL;
	}
	return OG_CMD_GO;
}
