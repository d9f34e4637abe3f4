#include "meminfo.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int og_parse_meminfo(const char *buf, size_t len, struct og_meminfo *m)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "MemTotal", offsetof(struct og_meminfo, mem_total) },
		{ "MemFree", offsetof(struct og_meminfo, mem_free) },
		{ "MemAvailable", offsetof(struct og_meminfo, mem_available) },
		{ "Buffers", offsetof(struct og_meminfo, buffers) },
		{ "Cached", offsetof(struct og_meminfo, cached) },
		{ "SwapTotal", offsetof(struct og_meminfo, swap_total) },
		{ "SwapFree", offsetof(struct og_meminfo, swap_free) },
		{ "AnonPages", offsetof(struct og_meminfo, anon_pages) },
		{ "Shmem", offsetof(struct og_meminfo, shmem) },
		{ "PageTables", offsetof(struct og_meminfo, page_tables) },
	};
	const char *p = buf, *end = buf + len;

	for (size_t i = 0; i < OG_ARRAY_LEN(keys); i++)
		*(long long *)(void *)((char *)m + keys[i].off) = -1;
	while (p < end) {
		size_t ll;
		const char *line = p;
		p = og_next_line(p, end, &ll);
		const char *colon = memchr(line, ':', ll);
		if (!colon)
			continue;
		size_t klen = (size_t)(colon - line);
		for (size_t i = 0; i < OG_ARRAY_LEN(keys); i++) {
			if (strlen(keys[i].key) != klen || memcmp(keys[i].key, line, klen))
				continue;
			const char *v = colon + 1, *le = line + ll;
			unsigned long long x;
			while (v < le && *v == ' ')
				v++;
			/* kB: the callers multiply by 1024. */
			if (og_scan_ull(v, (size_t)(le - v), LLONG_MAX / 1024, &x, NULL) < 0)
				return -EINVAL;
			*(long long *)(void *)((char *)m + keys[i].off) = (long long)x;
		}
	}
	if (m->mem_total < 0)
		return -EINVAL;
	/* Kernels before 3.14 lack MemAvailable: earlyoom's estimate. */
	if (m->mem_available < 0 && m->mem_free >= 0)
		m->mem_available = m->mem_free + (m->cached > 0 ? m->cached : 0) +
				   (m->buffers > 0 ? m->buffers : 0) -
				   (m->shmem > 0 ? m->shmem : 0);
	return 0;
}

int og_read_meminfo(const char *procroot, struct og_meminfo *m)
{
	char buf[8192];
	int dfd = open(procroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ssize_t n;

	if (dfd < 0)
		return -errno;
	n = og_read_at(dfd, "meminfo", buf, sizeof(buf));
	close(dfd);
	if (n < 0)
		return (int)n;
	return og_parse_meminfo(buf, (size_t)n, m);
}

/* Blanks, then "<key>=". */
static bool psi_key(const char **p, const char *end, const char *key)
{
	size_t kl = strlen(key);

	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
	if ((size_t)(end - *p) <= kl || memcmp(*p, key, kl) || (*p)[kl] != '=')
		return false;
	*p += kl + 1;
	return true;
}

/* An average as the kernel prints it, "%lu.%02lu" (kernel/sched/psi.c,
 * psi_show), a share of time in 0..100. */
static bool psi_avg(const char **p, const char *end, double *out)
{
	unsigned long long w, f = 0;
	size_t n, nf = 0;
	double frac;

	if (og_scan_ull(*p, (size_t)(end - *p), 100, &w, &n) < 0)
		return false;
	*p += n;
	if (*p < end && **p == '.') {
		(*p)++;
		if (og_scan_ull(*p, (size_t)(end - *p), 999999999, &f, &nf) < 0)
			return false;
		*p += nf;
	}
	frac = (double)f;
	for (size_t i = 0; i < nf; i++)
		frac /= 10;
	*out = (double)w + frac;
	return *out <= 100;
}

/* " avg10=0.00 avg60=0.00 avg300=0.00 total=0": no sscanf, since the watch
 * loop reads two of these every tick. */
static int parse_psi_line(const char *p, const char *end, struct og_psi_line *l)
{
	unsigned long long total;
	size_t n;

	if (!psi_key(&p, end, "avg10") || !psi_avg(&p, end, &l->avg10) ||
	    !psi_key(&p, end, "avg60") || !psi_avg(&p, end, &l->avg60) ||
	    !psi_key(&p, end, "avg300") || !psi_avg(&p, end, &l->avg300) ||
	    !psi_key(&p, end, "total") ||
	    og_scan_ull(p, (size_t)(end - p), LLONG_MAX, &total, &n) < 0)
		return -EINVAL;
	for (p += n; p < end; p++)
		if (*p != ' ' && *p != '\t')
			return -EINVAL;
	l->total_us = total;
	l->present = true;
	return 0;
}

int og_parse_psi(const char *buf, size_t len, struct og_psi *ps)
{
	const char *p = buf, *end = buf + len;

	memset(ps, 0, sizeof(*ps));
	while (p < end) {
		size_t ll;
		const char *line = p;
		p = og_next_line(p, end, &ll);
		if (ll >= 4 && !memcmp(line, "some", 4)) {
			if (parse_psi_line(line + 4, line + ll, &ps->some) < 0)
				return -EINVAL;
		} else if (ll >= 4 && !memcmp(line, "full", 4)) {
			if (parse_psi_line(line + 4, line + ll, &ps->full) < 0)
				return -EINVAL;
		} else if (ll) {
			return -EINVAL;
		}
	}
	return ps->some.present ? 0 : -EINVAL;
}

int og_read_psi(const char *path, struct og_psi *p)
{
	char buf[512];
	ssize_t n = og_read_at(AT_FDCWD, path, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return og_parse_psi(buf, (size_t)n, p);
}
