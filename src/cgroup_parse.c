/* The pure half of cgroup.h: /proc/self/mountinfo and /proc/PID/cgroup
 * parsed from text (the kernel's Documentation/filesystems/proc.rst,
 * "/proc/<pid>/mountinfo", and Documentation/admin-guide/cgroup-v2.rst,
 * "/proc/$PID/cgroup").  A file of its own so that the pure cores that
 * need them link without cgroup.c's readers (PURE_SRC in the Makefile). */
#include "cgroup.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Copy a mountinfo field decoding octal escapes (\040 = space). */
static int copy_field(const char *s, size_t n, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			c = (char)(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) |
				   (s[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= outsz)
			return -ENAMETOOLONG;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

static bool has_opt(const char *opts, size_t n, const char *want)
{
	size_t wl = strlen(want);
	const char *p = opts, *end = opts + n;

	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		size_t l = (size_t)((c ? c : end) - p);
		if (l == wl && !memcmp(p, want, wl))
			return true;
		p = c ? c + 1 : end;
	}
	return false;
}

int og_parse_mountinfo(const char *buf, size_t len, struct og_cg_mounts *m)
{
	const char *p = buf, *end = buf + len;

	memset(m, 0, sizeof(*m));
	while (p < end) {
		size_t ll;
		const char *line = p, *f[16];
		size_t fl[16], nf = 0;
		p = og_next_line(p, end, &ll);
		/* Split on spaces; fields: id parent dev root mnt opts [optional...] - type src superopts */
		for (const char *q = line, *le = line + ll; q < le && nf < 16;) {
			const char *sp = memchr(q, ' ', (size_t)(le - q));
			f[nf] = q;
			fl[nf] = (size_t)((sp ? sp : le) - q);
			nf++;
			q = sp ? sp + 1 : le;
		}
		size_t dash = 0;
		for (size_t i = 6; i < nf; i++)
			if (fl[i] == 1 && f[i][0] == '-') {
				dash = i;
				break;
			}
		if (nf < 7 || !dash || dash + 3 > nf)
			continue;
		const char *type = f[dash + 1];
		size_t tl = fl[dash + 1];
		const char *sopt = dash + 3 < nf ? f[dash + 3] : "";
		size_t sl = dash + 3 < nf ? fl[dash + 3] : 0;
		if (tl == 7 && !memcmp(type, "cgroup2", 7) && !m->v2[0]) {
			if (copy_field(f[4], fl[4], m->v2, sizeof(m->v2)) < 0 ||
			    copy_field(f[3], fl[3], m->v2_root, sizeof(m->v2_root)) < 0)
				m->v2[0] = '\0';
		} else if (tl == 6 && !memcmp(type, "cgroup", 6) && has_opt(sopt, sl, "memory") &&
			   !m->v1_memory[0]) {
			if (copy_field(f[4], fl[4], m->v1_memory, sizeof(m->v1_memory)) < 0 ||
			    copy_field(f[3], fl[3], m->v1_root, sizeof(m->v1_root)) < 0)
				m->v1_memory[0] = '\0';
		}
	}
	return 0;
}

int og_parse_proc_cgroup(const char *buf, size_t len, struct og_proc_cgroup *c)
{
	const char *p = buf, *end = buf + len;
	bool any = false;

	memset(c, 0, sizeof(*c));
	while (p < end) {
		size_t ll;
		const char *line = p;
		p = og_next_line(p, end, &ll);
		if (!ll)
			continue;
		const char *c1 = memchr(line, ':', ll);
		if (!c1)
			return -EINVAL;
		const char *c2 = memchr(c1 + 1, ':', (size_t)(line + ll - c1 - 1));
		if (!c2)
			return -EINVAL;
		const char *path = c2 + 1;
		size_t pl = (size_t)(line + ll - path);
		if (pl == 0 || path[0] != '/' || pl >= OG_CG_PATH_MAX)
			return -EINVAL;
		any = true;
		if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1) {
			memcpy(c->v2, path, pl);
			c->v2[pl] = '\0';
		} else if (has_opt(c1 + 1, (size_t)(c2 - c1 - 1), "memory")) {
			memcpy(c->v1_memory, path, pl);
			c->v1_memory[pl] = '\0';
		}
	}
	return any ? 0 : -EINVAL;
}

int og_procs_next(const char **cur, const char *end, pid_t *pid)
{
	while (*cur < end) {
		size_t ll;
		const char *line = *cur;
		unsigned long long v;
		*cur = og_next_line(line, end, &ll);
		/* PID_MAX_LIMIT (include/linux/threads.h) is 4194304. */
		if (og_parse_ull(line, ll, 4194304, &v) == 0 && v > 0) {
			*pid = (pid_t)v;
			return 1;
		}
	}
	return 0;
}
