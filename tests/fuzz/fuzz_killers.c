/* libFuzzer target: earlyoom and nohang command lines, nohang.conf,
 * oomd.conf, and the status + oom_score_adj text behind a top row. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "killers.h"
#include "taskscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct og_earlyoom_opts eo;
	static struct og_nohang_conf nh;
	struct og_oomd_conf oc;
	struct og_task t;
	const char *s = (const char *)data;
	size_t half = size / 2;

	og_earlyoom_parse_argv(s, size, &eo);
	og_nohang_parse_argv(s, size, &nh);
	og_nohang_parse_conf(s, size, &nh);
	og_oomd_conf_defaults(&oc);
	og_oomd_parse_conf(s, size, &oc);
	og_task_from_text(42, s, half, s + half, size - half, &t);
	return 0;
}
