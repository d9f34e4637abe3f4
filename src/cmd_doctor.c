/* oomguard doctor: not built yet (see the open issue). */
#include "cmd.h"
#include "util.h"

int cmd_doctor(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	og_err("doctor: not implemented yet");
	return OG_EXIT_FAIL;
}
