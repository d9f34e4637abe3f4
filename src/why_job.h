/* `why --job FILE`: a job's output (slurm-J.out, srun's or torchrun's stderr)
 * read for the lines of oomlog_job.h, and what `why` prints for an event
 * those lines (or a Slurm memcg path) belong to. */
#ifndef OG_WHY_JOB_H
#define OG_WHY_JOB_H
#include <stdio.h>

#include "oomlog_job.h"

struct og_joblog {
	struct og_jobrec *r;
	size_t n, cap;
};

/* Appends the file's records (read 1 MiB at a time).  0 or -errno. */
int og_joblog_read(struct og_joblog *j, const char *path);
void og_joblog_free(struct og_joblog *j);

/* "    Slurm: job 5, step 0, task 1 (uid 1000)" and one "    job output: ..."
 * line per record that belongs to e; nothing for other events. */
void og_why_job_text(FILE *f, const struct og_event *e, const struct og_joblog *j);
/* ,"slurm":{...}|null,"job_output":[...] for the JSON object of e. */
void og_why_job_json(FILE *f, const struct og_event *e, const struct og_joblog *j);

#endif
