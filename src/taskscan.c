#include "taskscan.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* status escapes '\n' and '\\' in Name (seq_escape_str with "\n\\"); undo it
 * so comm is the raw bytes, escaped once for display like stat's comm. */
static void unescape_name(const char *s, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 0; s[i] && o + 1 < outsz; i++) {
		char c = s[i];
		if (c == '\\' && s[i + 1] == 'n') {
			c = '\n';
			i++;
		} else if (c == '\\' && s[i + 1] == '\\') {
			i++;
		}
		out[o++] = c;
	}
	out[o] = '\0';
}

int og_task_from_text(pid_t pid, const char *status, size_t slen, const char *adj, size_t alen,
		      struct og_task *t)
{
	struct og_status st;
	long a = 0;

	if (og_parse_status(status, slen, &st) < 0)
		return -EINVAL;
	if (adj && og_parse_int_file(adj, alen, &a) < 0)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->ppid = st.ppid;
	t->uid = st.uid[0];
	t->adj = a < OG_ADJ_MIN ? OG_ADJ_MIN : a > OG_ADJ_MAX ? OG_ADJ_MAX : (int)a;
	/* Before 6.x there is no Kthread: line; kernel threads then show no
	 * Vm* lines, and ppid 2 (kthreadd) or PID 2 itself gives them away. */
	t->kthread =
		st.kthread == 1 || (st.kthread < 0 && st.vm_rss < 0 && (pid == 2 || st.ppid == 2));
	t->oom_score = -1;
	if (st.vm_rss < 0) {
		t->rss_kib = t->swap_kib = t->pte_kib = -1;
		t->rss_anon_kib = t->rss_file_kib = t->rss_shmem_kib = -1;
	} else {
		t->rss_anon_kib = st.rss_anon;
		t->rss_file_kib = st.rss_file;
		t->rss_shmem_kib = st.rss_shmem;
		/* get_mm_rss() = anon + file + shmem; VmRSS is the same sum. */
		t->rss_kib = st.rss_anon >= 0 && st.rss_file >= 0 && st.rss_shmem >= 0
				     ? st.rss_anon + st.rss_file + st.rss_shmem
				     : st.vm_rss;
		t->swap_kib = st.vm_swap > 0 ? st.vm_swap : 0;
		t->pte_kib = st.vm_pte > 0 ? st.vm_pte : 0;
	}
	unescape_name(st.name, t->comm, sizeof(t->comm));
	return 0;
}

static int read_task(int procfd, pid_t pid, unsigned flags, struct og_task *t, char *sbuf,
		     size_t ssz)
{
	char path[32], abuf[32];
	ssize_t sl, al;

	snprintf(path, sizeof(path), "%d/status", (int)pid);
	if ((sl = og_read_once(procfd, path, sbuf, ssz)) < 0)
		return sl == -ENOENT ? -ESRCH : (int)sl;
	snprintf(path, sizeof(path), "%d/oom_score_adj", (int)pid);
	if ((al = og_read_once(procfd, path, abuf, sizeof(abuf))) < 0)
		return al == -ENOENT ? -ESRCH : (int)al;
	if (og_task_from_text(pid, sbuf, (size_t)sl, abuf, (size_t)al, t) < 0)
		return -EINVAL;
	if (flags & OG_SCAN_OOM_SCORE) {
		long v;
		snprintf(path, sizeof(path), "%d/oom_score", (int)pid);
		if ((al = og_read_once(procfd, path, abuf, sizeof(abuf))) < 0)
			return al == -ENOENT ? -ESRCH : (int)al;
		if (og_parse_int_file(abuf, (size_t)al, &v) == 0)
			t->oom_score = v;
	}
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = ((const struct og_task *)a)->pid, y = ((const struct og_task *)b)->pid;
	return x < y ? -1 : x > y;
}

int og_task_scan(const char *procroot, unsigned flags, struct og_taskset *ts)
{
	char sbuf[8192];
	DIR *d = opendir(procroot);
	struct dirent *de;

	ts->n = 0;
	if (!d)
		return -errno;
	int procfd = dirfd(d);
	while ((de = readdir(d))) {
		pid_t pid;
		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    og_parse_pid(de->d_name, &pid) < 0)
			continue;
		if (ts->n == ts->cap) {
			size_t nc = ts->cap ? ts->cap * 2 : 1024;
			struct og_task *nv = realloc(ts->v, nc * sizeof(*nv));
			if (!nv) {
				closedir(d);
				return -ENOMEM;
			}
			ts->v = nv;
			ts->cap = nc;
		}
		if (read_task(procfd, pid, flags, &ts->v[ts->n], sbuf, sizeof(sbuf)) == 0)
			ts->n++; /* anything else: vanished or unreadable, skip */
	}
	closedir(d);
	/* /proc lists in PID order; a fixture tree's readdir need not. */
	for (size_t i = 1; i < ts->n; i++)
		if (ts->v[i - 1].pid > ts->v[i].pid) {
			qsort(ts->v, ts->n, sizeof(*ts->v), cmp_pid);
			break;
		}
	return 0;
}

const struct og_task *og_taskset_find(const struct og_taskset *ts, pid_t pid)
{
	size_t lo = 0, hi = ts->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ts->v[mid].pid == pid)
			return &ts->v[mid];
		if (ts->v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void og_taskset_free(struct og_taskset *ts)
{
	free(ts->v);
	ts->v = NULL;
	ts->n = ts->cap = 0;
}

const char *og_user_name(struct og_usercache *c, long uid)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->e[i].uid == uid)
			return c->e[i].name;
	size_t slot = c->n < OG_ARRAY_LEN(c->e) ? c->n++ : OG_ARRAY_LEN(c->e) - 1;
	struct passwd *pw = uid >= 0 ? getpwuid((uid_t)uid) : NULL;
	c->e[slot].uid = uid;
	if (pw && strlen(pw->pw_name) < sizeof(c->e[slot].name))
		snprintf(c->e[slot].name, sizeof(c->e[slot].name), "%s", pw->pw_name);
	else
		snprintf(c->e[slot].name, sizeof(c->e[slot].name), "%ld", uid);
	return c->e[slot].name;
}
