/* oomguard watch: not built yet (see the open issue). */
#include "cmd.h"
#include "util.h"

int cmd_watch(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	og_err("watch: not implemented yet");
	return OG_EXIT_FAIL;
}
