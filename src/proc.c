#include "proc.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Parse an unsigned decimal at *p, advancing it.  -EINVAL if none. */
static int take_ull(const char **p, const char *end, unsigned long long *v)
{
	size_t used;

	if (og_scan_ull(*p, (size_t)(end - *p), ~0ULL, v, &used) < 0)
		return -EINVAL;
	*p += used;
	return 0;
}

static int take_ll(const char **p, const char *end, long long *v)
{
	bool neg = false;
	unsigned long long u;

	if (*p < end && **p == '-') {
		neg = true;
		(*p)++;
	}
	if (take_ull(p, end, &u) < 0 || u > (unsigned long long)INT64_MAX)
		return -EINVAL;
	*v = neg ? -(long long)u : (long long)u;
	return 0;
}

int og_parse_stat(const char *buf, size_t len, struct og_stat *st)
{
	const char *end = buf + len, *open, *close = NULL, *p;
	unsigned long long v;
	long long sv;
	size_t clen;

	memset(st, 0, sizeof(*st));
	open = memchr(buf, '(', len);
	if (!open)
		return -EINVAL;
	for (p = end; p > open; p--)
		if (p[-1] == ')') {
			close = p - 1;
			break;
		}
	if (!close || close <= open)
		return -EINVAL;
	p = buf;
	if (take_ull(&p, open, &v) < 0 || v == 0 || v > 4194304)
		return -EINVAL;
	st->pid = (pid_t)v;
	clen = (size_t)(close - open - 1);
	if (clen >= sizeof(st->comm))
		clen = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, clen);
	st->comm[clen] = '\0';
	p = close + 1;
	/* Fields 3.. after ") ": state ppid pgrp session tty_nr tpgid flags ... */
	if (end - p < 3 || p[0] != ' ')
		return -EINVAL;
	st->state = p[1];
	p += 2;
	for (int field = 4; field <= 22; field++) {
		if (p >= end || *p != ' ')
			return -EINVAL;
		p++;
		if (take_ll(&p, end, &sv) < 0)
			return -EINVAL;
		if (field == 4)
			st->ppid = (pid_t)sv;
		else if (field == 9)
			st->flags = (unsigned long)sv;
		else if (field == 22)
			st->starttime = (unsigned long long)sv;
	}
	return 0;
}

static int parse_ids(const char *p, const char *end, long out[4])
{
	for (int i = 0; i < 4; i++) {
		long long v;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (take_ll(&p, end, &v) < 0)
			return -EINVAL;
		out[i] = (long)v;
	}
	return 0;
}

static int parse_kb(const char *p, const char *end, long long *out)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return take_ll(&p, end, out);
}

static int parse_hex64(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (; p < end && isxdigit((unsigned char)*p); p++, n++) {
		if (n == 16)
			return -EINVAL;
		v = (v << 4) | (uint64_t)(isdigit((unsigned char)*p)
						  ? *p - '0'
						  : (tolower((unsigned char)*p) - 'a' + 10));
	}
	if (!n)
		return -EINVAL;
	*out = v;
	return 0;
}

/* The status keys that hold one number: hex masks, and decimals (kB for
 * the Vm and Rss lines). */
static const struct {
	const char *key;
	size_t off;
} status_hex[] = {
	{ "CapInh", offsetof(struct og_status, cap_inh) }, { "CapPrm", offsetof(struct og_status, cap_prm) },
	{ "CapEff", offsetof(struct og_status, cap_eff) }, { "CapBnd", offsetof(struct og_status, cap_bnd) },
	{ "CapAmb", offsetof(struct og_status, cap_amb) }, { "SigCgt", offsetof(struct og_status, sig_cgt) },
}, status_kb[] = {
	{ "VmRSS", offsetof(struct og_status, vm_rss) },	 { "RssAnon", offsetof(struct og_status, rss_anon) },
	{ "RssFile", offsetof(struct og_status, rss_file) }, { "RssShmem", offsetof(struct og_status, rss_shmem) },
	{ "VmSwap", offsetof(struct og_status, vm_swap) },	 { "VmPTE", offsetof(struct og_status, vm_pte) },
};

static int status_groups(const char *q, const char *le, struct og_status *st)
{
	while (q < le && st->ngroups < OG_MAX_GROUPS) {
		long long g;
		while (q < le && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= le)
			break;
		if (take_ll(&q, le, &g) < 0)
			return -EINVAL;
		st->groups[st->ngroups++] = (long)g;
	}
	return 0;
}

static void status_name(const char *v, const char *le, struct og_status *st)
{
	/* The kernel escapes '\n' and '\\' in Name; keep it as shown. */
	while (v < le && (*v == '\t' || *v == ' '))
		v++;
	size_t n = (size_t)(le - v);
	if (n >= sizeof(st->name))
		n = sizeof(st->name) - 1;
	memcpy(st->name, v, n);
	st->name[n] = '\0';
}

/* One "Key:\tvalue" line of status (key k of klen bytes, value v..le).
 * Returns 0 (also for a key not kept) or -EINVAL. */
static int status_line(const char *k, size_t klen, const char *v, const char *le,
		       struct og_status *st)
{
	char *base = (char *)st;
	long long x;

#define KEY(s) (klen == sizeof(s) - 1 && !memcmp(k, s, klen))
	for (size_t i = 0; i < OG_ARRAY_LEN(status_hex); i++)
		if (strlen(status_hex[i].key) == klen && !memcmp(k, status_hex[i].key, klen))
			return parse_hex64(v, le, (uint64_t *)(void *)(base + status_hex[i].off));
	for (size_t i = 0; i < OG_ARRAY_LEN(status_kb); i++)
		if (strlen(status_kb[i].key) == klen && !memcmp(k, status_kb[i].key, klen))
			return parse_kb(v, le, (long long *)(void *)(base + status_kb[i].off));
	if (KEY("Name"))
		status_name(v, le, st);
	else if (KEY("Uid"))
		return parse_ids(v, le, st->uid);
	else if (KEY("Gid"))
		return parse_ids(v, le, st->gid);
	else if (KEY("Groups"))
		return status_groups(v, le, st);
	else if (KEY("NoNewPrivs") || KEY("PPid") || KEY("Kthread")) {
		if (parse_kb(v, le, &x) < 0 || (KEY("PPid") && (x < 0 || x > 4194304)))
			return -EINVAL;
		if (KEY("PPid"))
			st->ppid = (pid_t)x;
		else if (KEY("Kthread"))
			st->kthread = (int)(x != 0);
		else
			st->no_new_privs = (int)(x != 0);
	}
#undef KEY
	return 0;
}

int og_parse_status(const char *buf, size_t len, struct og_status *st)
{
	const char *p = buf, *end = buf + len;
	bool have_name = false;

	memset(st, 0, sizeof(*st));
	for (int i = 0; i < 4; i++)
		st->uid[i] = st->gid[i] = -1;
	st->no_new_privs = -1;
	st->ppid = -1;
	st->kthread = -1;
	st->vm_rss = st->rss_anon = st->rss_file = st->rss_shmem = st->vm_swap = st->vm_pte = -1;
	while (p < end) {
		size_t ll;
		const char *line = p, *colon;
		p = og_next_line(p, end, &ll);
		if (!(colon = memchr(line, ':', ll)))
			continue;
		size_t klen = (size_t)(colon - line);
		if (status_line(line, klen, colon + 1, line + ll, st) < 0)
			return -EINVAL;
		have_name |= klen == 4 && !memcmp(line, "Name", 4);
	}
	return have_name ? 0 : -EINVAL;
}

int og_parse_int_file(const char *buf, size_t len, long *out)
{
	const char *p = buf, *end = buf + len;
	long long v;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (take_ll(&p, end, &v) < 0)
		return -EINVAL;
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t'))
		p++;
	if (p != end || v < -(1LL << 40) || v > (1LL << 40))
		return -EINVAL;
	*out = (long)v;
	return 0;
}

static int read_stat_at(int dfd, struct og_stat *st)
{
	char buf[1024];
	ssize_t n = og_read_at(dfd, "stat", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return og_parse_stat(buf, (size_t)n, st);
}

int og_proc_open(const char *procroot, pid_t pid, struct og_proc *p)
{
	char path[64];
	int r;

	p->pid = pid;
	p->dfd = -1;
	snprintf(path, sizeof(path), "%d", (int)pid);
	int root = open(procroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	p->dfd = openat(root, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = p->dfd < 0 ? -errno : 0;
	close(root);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	r = read_stat_at(p->dfd, &p->stat);
	if (r < 0 || p->stat.pid != pid) {
		og_proc_close(p);
		return r < 0 ? r : -ESRCH;
	}
	p->starttime = p->stat.starttime;
	return 0;
}

void og_proc_close(struct og_proc *p)
{
	if (p->dfd >= 0)
		close(p->dfd);
	p->dfd = -1;
}

int og_proc_verify(const struct og_proc *p)
{
	struct og_stat st;
	int r = read_stat_at(p->dfd, &st);

	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	return st.starttime == p->starttime ? 0 : -ESRCH;
}

int og_proc_status(const struct og_proc *p, struct og_status *st)
{
	char buf[4096];
	ssize_t n = og_read_at(p->dfd, "status", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return og_parse_status(buf, (size_t)n, st);
}

int og_proc_read_long(const struct og_proc *p, const char *file, long *out)
{
	char buf[64];
	ssize_t n = og_read_at(p->dfd, file, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return og_parse_int_file(buf, (size_t)n, out);
}

int og_proc_set_adj(const struct og_proc *p, int adj)
{
	char v[16];
	int r = og_proc_verify(p);

	if (r < 0)
		return r;
	snprintf(v, sizeof(v), "%d", adj);
	r = og_write_at(p->dfd, "oom_score_adj", v);
	if (r < 0)
		return r;
	return og_proc_verify(p);
}

bool og_proc_is_kthread(const struct og_proc *p)
{
	/* The flag alone: in a PID namespace (a container) PID 2 and its
	 * children are ordinary processes that may well need protecting. */
	return (p->stat.flags & OG_PF_KTHREAD) != 0;
}

ssize_t og_proc_scan(const char *procroot, struct og_pslot **out)
{
	DIR *d = opendir(procroot);
	struct dirent *de;
	struct og_pslot *v = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return -errno;
	int root = dirfd(d);
	while ((de = readdir(d))) {
		pid_t pid;
		char path[300];
		char buf[1024];
		struct og_stat st;

		if (og_parse_pid(de->d_name, &pid) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/stat", de->d_name);
		ssize_t len = og_read_at(root, path, buf, sizeof(buf));
		if (len < 0 || og_parse_stat(buf, (size_t)len, &st) < 0)
			continue; /* vanished or unreadable: skip */
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct og_pslot *nv = realloc(v, nc * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
			cap = nc;
		}
		v[n].pid = st.pid;
		v[n].ppid = st.ppid;
		v[n].starttime = st.starttime;
		n++;
	}
	closedir(d);
	*out = v;
	return (ssize_t)n;
}

size_t og_tree_descendants(const struct og_pslot *ps, size_t n, pid_t root, pid_t *out, size_t cap)
{
	/* Breadth first over the snapshot; the frontier is the output itself, so
	 * memory is bounded by cap.  O(n * depth-width), fine for a job's tree. */
	size_t count = 0, head = 0;
	pid_t cur = root;

	for (;;) {
		for (size_t i = 0; i < n; i++) {
			if (ps[i].ppid != cur || ps[i].pid == root)
				continue;
			if (count < cap)
				out[count] = ps[i].pid;
			count++;
		}
		/* count > n can only mean a ppid cycle from PID reuse mid-scan. */
		if (head >= count || head >= cap || count > n)
			break;
		cur = out[head++];
	}
	return count;
}
