/* oomguard why: not built yet (see the open issue). */
#include "cmd.h"
#include "util.h"

int cmd_why(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	og_err("why: not implemented yet");
	return OG_EXIT_FAIL;
}
