/* libFuzzer target: mountinfo, /proc/PID/cgroup, memory.* limits and
 * "key value" files, meminfo, PSI. */
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "meminfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct og_cg_mounts m;
	static struct og_proc_cgroup c;
	struct og_meminfo mi;
	struct og_psi ps;
	long long v;
	const char *s = (const char *)data;

	og_parse_mountinfo(s, size, &m);
	og_parse_proc_cgroup(s, size, &c);
	{
		const char *p = s;
		pid_t pid;
		while (og_procs_next(&p, s + size, &pid))
			;
	}
	og_parse_limit(s, size, &v);
	if (og_parse_key(s, size, "inactive_file") < -1)
		__builtin_trap();
	og_parse_meminfo(s, size, &mi);
	og_parse_psi(s, size, &ps);
	return 0;
}
