/* libFuzzer target: the job-output line parsers and the Slurm path parser
 * (src/oomlog_job.c): no crash, no read past the input, and every record's
 * fields in range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oomlog_job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct og_jobrec r[32];
	struct og_slurm_ids id;
	char *copy = malloc(size + 1);
	size_t n;

	if (!copy)
		return 0;
	/* exact-size copy: ASan sees any read past the end */
	memcpy(copy, data, size);
	n = og_joblog_scan(copy, size, r, 32);
	for (size_t i = 0; i < n; i++)
		if (r[i].kind == OG_JOB_NONE || r[i].npids < 0 || r[i].npids > OG_JOB_PIDS ||
		    strlen(r[i].text) >= sizeof(r[i].text) || (r[i].kind == OG_JOB_SLURM_TASK_OOM && r[i].task_hi < r[i].task_lo))
			abort();
	copy[size] = '\0';
	og_slurm_path(copy, &id);
	if (n) {
		struct og_event e;
		size_t idx[8];
		memset(&e, 0, sizeof(e));
		e.victim.pid = r[0].npids ? r[0].pids[0] : 1;
		size_t k = og_job_join(&e, r, n, &id, idx, 8);
		for (size_t i = 0; i < k; i++)
			if (idx[i] >= n)
				abort();
	}
	free(copy);
	return 0;
}
