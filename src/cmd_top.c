/* oomguard top: not built yet (see the open issue). */
#include "cmd.h"
#include "util.h"

int cmd_top(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	og_err("top: not implemented yet");
	return OG_EXIT_FAIL;
}
