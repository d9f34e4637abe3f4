/* `why --job FILE` (see why_job.h). */
#include "why_job.h"

#include "render.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1 << 20)
#define MAX_RECS 4096

static int push(struct og_joblog *j, const char *line, size_t len)
{
	struct og_jobrec r;

	if (!og_jobline_parse(line, len, &r) || j->n >= MAX_RECS)
		return 0;
	if (j->n == j->cap) {
		size_t nc = j->cap ? j->cap * 2 : 16;
		struct og_jobrec *n = realloc(j->r, nc * sizeof(*n));
		if (!n)
			return -ENOMEM;
		j->r = n;
		j->cap = nc;
	}
	j->r[j->n++] = r;
	return 0;
}

int og_joblog_read(struct og_joblog *j, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = malloc(CHUNK + 1);
	size_t have = 0;
	int r = 0;

	if (fd < 0 || !buf) {
		r = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + have, CHUNK - have);
		if (n < 0) {
			r = -errno;
			break;
		}
		have += (size_t)n;
		char *p = buf, *end = buf + have, *nl;
		while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
			if ((r = push(j, p, (size_t)(nl - p))) < 0)
				goto out;
			p = nl + 1;
		}
		if (n == 0) {
			if (p < end)
				r = push(j, p, (size_t)(end - p));
			break;
		}
		/* a line longer than the buffer is cut, not a reason to fail */
		if (p == buf && have == CHUNK) {
			if ((r = push(j, p, have)) < 0)
				goto out;
			p = end;
		}
		have = (size_t)(end - p);
		memmove(buf, p, have);
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

void og_joblog_free(struct og_joblog *j)
{
	free(j->r);
	memset(j, 0, sizeof(*j));
}

void og_why_job_text(FILE *f, const struct og_event *e, const struct og_joblog *j)
{
	struct og_slurm_ids id;
	size_t idx[16], k = og_job_join(e, j ? j->r : NULL, j ? j->n : 0, &id, idx, 16);
	char esc[4 * sizeof(j->r->text)];

	if (id.job >= 0) {
		fprintf(f, "    Slurm: job %ld", id.job);
		if (id.step[0])
			fprintf(f, ", step %s", og_esc(id.step, esc, sizeof(esc)));
		if (id.task >= 0)
			fprintf(f, ", task %ld", id.task);
		if (id.uid >= 0)
			fprintf(f, " (uid %ld)", id.uid);
		fputc('\n', f);
	}
	for (size_t i = 0; i < k; i++)
		fprintf(f, "    job output: %s\n", og_esc(j->r[idx[i]].text, esc, sizeof(esc)));
}

static void jstr(FILE *f, const char *s)
{
	og_json_str(f, s);
}

void og_why_job_json(FILE *f, const struct og_event *e, const struct og_joblog *j)
{
	struct og_slurm_ids id;
	size_t idx[16], k = og_job_join(e, j ? j->r : NULL, j ? j->n : 0, &id, idx, 16);

	fputs(",\"slurm\":", f);
	if (id.job >= 0) {
		fprintf(f, "{\"job\":%ld,\"step\":", id.job);
		if (id.step[0])
			jstr(f, id.step);
		else
			fputs("null", f);
		if (id.task >= 0)
			fprintf(f, ",\"task\":%ld", id.task);
		else
			fputs(",\"task\":null", f);
		if (id.uid >= 0)
			fprintf(f, ",\"uid\":%ld}", id.uid);
		else
			fputs(",\"uid\":null}", f);
	} else {
		fputs("null", f);
	}
	fputs(",\"job_output\":[", f);
	for (size_t i = 0; i < k; i++) {
		if (i)
			fputc(',', f);
		jstr(f, j->r[idx[i]].text);
	}
	fputc(']', f);
}
