/* libFuzzer target: the systemd-oomd dump parser (oomctl output and
 * DumpByFileDescriptor text) and the read-back judge fed with what the parser
 * produced; its value syntax has its own target (fuzz_sdvalue.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "oomd_rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct og_oomd_dump d;
	const char *s = (const char *)data;
	char line[1024];

	og_systemd_version_parse(s, size);
	if (og_oomd_parse_dump(s, size, &d) < 0)
		return 0;
	if (d.n > OG_OOMD_MAX_CG)
		__builtin_trap();
	struct og_oomd_anc anc[OG_OOMD_MAX_CG];
	for (size_t i = 0; i < d.n; i++) {
		if (strlen(d.cg[i].path) >= OG_CG_PATH_MAX || d.cg[i].path[0] != '/')
			__builtin_trap();
		anc[i] = (struct og_oomd_anc){ d.cg[i].path, (long)i, d.cg[i].kind, d.cg[i].limit_pm };
	}
	struct og_oomd_state st = {
		.running = true, .version = 252, .route = "fuzz", .cgroup = d.n ? d.cg[0].path : "/x",
		.owner = 0, .have = OG_OOMD_PREF_OMIT, .leaf = true, .nanc = d.n, .anc = anc,
	};
	og_oomd_judge(&st, OG_OOMD_PREF_OMIT, line, sizeof(line));
	if (strlen(line) >= sizeof(line))
		__builtin_trap();
	for (size_t i = 0; i < d.n; i++)
		og_cg_is_under(d.cg[i].path, st.cgroup);
	return 0;
}
