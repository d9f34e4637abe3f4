#include "oomdrank.h"
#include "systemd.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static long long read_num(const char *dir, const char *file)
{
	char path[2200], buf[64];
	long v;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	ssize_t n = og_read_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return og_parse_long(buf, 0, 0x7fffffffffffffffL, &v) == 0 ? v : -1;
}

/* pgscan from memory.stat (the sum oomd reads). */
static long long read_pgscan(const char *dir)
{
	char path[2200], buf[8192];
	snprintf(path, sizeof(path), "%s/memory.stat", dir);
	ssize_t n = og_read_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	for (const char *p = buf, *end = buf + n; p < end;) {
		size_t ll;
		const char *line = p;
		p = og_next_line(p, end, &ll);
		if (ll > 7 && !memcmp(line, "pgscan ", 7))
			return strtoll(line + 7, NULL, 10);
	}
	return -1;
}

struct walk {
	const char *root;
	size_t rootlen;
	enum og_oomd_kill kind;
	int version;
	long anc_owner;
	struct og_oomd_cand *out;
	size_t cap, n;
};

static void add(struct walk *w, const char *dir)
{
	struct stat st;
	if (w->n < w->cap) {
		struct og_oomd_cand *c = &w->out[w->n];
		memset(c, 0, sizeof(*c));
		snprintf(c->path, sizeof(c->path), "%s", dir[w->rootlen] ? dir + w->rootlen : "/");
		c->current = read_num(dir, "memory.current");
		c->swap_current = read_num(dir, "memory.swap.current");
		c->pgscan = read_pgscan(dir);
		c->owner = stat(dir, &st) == 0 ? (long)st.st_uid : -1;
		c->pref = og_cg_xattr_true(dir, "user.oomd_omit") ? OG_OOMD_PREF_OMIT
			  : og_cg_xattr_true(dir, "user.oomd_avoid") ? OG_OOMD_PREF_AVOID : OG_OOMD_PREF_NONE;
		c->honoured = c->pref != OG_OOMD_PREF_NONE &&
			      og_oomd_pref_honoured(w->version ? w->version : 253, c->owner, w->anc_owner, w->kind, NULL, 0);
	}
	w->n++;
}

/* recursively_get_cgroup_context(): stop at leaves and at memory.oom.group=1. */
static void walk(struct walk *w, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (!d || depth > 32) {
		if (d)
			closedir(d);
		return;
	}
	while ((de = readdir(d))) {
		char sub[2048];
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= (int)sizeof(sub))
			continue;
		if (read_num(sub, "memory.oom.group") == 1 || !og_dir_has_subdirs(sub))
			add(w, sub);
		else
			walk(w, sub, depth + 1);
	}
	closedir(d);
}

ssize_t og_oomd_candidates(const char *cg2root, const char *monitored, enum og_oomd_kill kind, int version,
			   struct og_oomd_cand *out, size_t cap)
{
	char dir[2048];
	struct stat st;
	struct walk w = { .root = cg2root, .rootlen = strlen(cg2root), .kind = kind, .version = version, .out = out,
			  .cap = cap };

	if (snprintf(dir, sizeof(dir), "%s%s", cg2root, strcmp(monitored, "/") ? monitored : "") >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	if (stat(dir, &st) < 0)
		return -errno;
	w.anc_owner = (long)st.st_uid;
	/* A monitored cgroup without children is its own only candidate. */
	if (!og_dir_has_subdirs(dir))
		add(&w, dir);
	else
		walk(&w, dir, 0);
	return (ssize_t)w.n;
}

static int pref_rank(const struct og_oomd_cand *c)
{
	return c->honoured && c->pref == OG_OOMD_PREF_AVOID;
}

static int cmp_pressure(const void *pa, const void *pb)
{
	const struct og_oomd_cand *a = pa, *b = pb;
	if (pref_rank(a) != pref_rank(b))
		return pref_rank(a) - pref_rank(b);
	if (a->pgscan != b->pgscan)
		return a->pgscan > b->pgscan ? -1 : 1;
	if (a->current != b->current)
		return a->current > b->current ? -1 : 1;
	return strcmp(a->path, b->path);
}

static int cmp_swap(const void *pa, const void *pb)
{
	const struct og_oomd_cand *a = pa, *b = pb;
	if (pref_rank(a) != pref_rank(b))
		return pref_rank(a) - pref_rank(b);
	if (a->swap_current != b->swap_current)
		return a->swap_current > b->swap_current ? -1 : 1;
	return strcmp(a->path, b->path);
}

size_t og_oomd_order(struct og_oomd_cand *c, size_t n, enum og_oomd_kill kind, long long swap_total_bytes)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool keep = !(c[i].honoured && c[i].pref == OG_OOMD_PREF_OMIT);
		/* THRESHOLD_SWAP_USED_PERCENT: more than 5% of swap. */
		if (kind == OG_OOMD_KILL_SWAP && !(c[i].swap_current > swap_total_bytes * 5 / 100))
			keep = false;
		/* Both zero: the pressure rule passes over it. */
		if (kind == OG_OOMD_KILL_PRESSURE && c[i].pgscan <= 0 && c[i].current <= 0)
			keep = false;
		if (keep) {
			if (k != i) {
				struct og_oomd_cand t = c[k];
				c[k] = c[i];
				c[i] = t;
			}
			k++;
		}
	}
	qsort(c, k, sizeof(*c), kind == OG_OOMD_KILL_SWAP ? cmp_swap : cmp_pressure);
	return k;
}

#include "meminfo.h"
#include "render.h"

int og_oomd_report(FILE *f, bool json, const char *indent, long long swap_total_bytes, char *why, size_t whysz)
{
	char *text = NULL;
	struct og_oomd_dump *d = malloc(sizeof(*d));
	struct og_oomd_cand *c = malloc(64 * sizeof(*c));
	const char *root = og_cg2_root();
	int r, version = 0;

	if (!d || !c) {
		free(d);
		free(c);
		snprintf(why, whysz, "out of memory");
		return -ENOMEM;
	}
	if ((r = og_sd_oomd_dump(&text, why, whysz)) < 0 || (r = og_oomd_parse_dump(text, strlen(text), d)) < 0) {
		if (r == -EINVAL)
			snprintf(why, whysz, "its state dump could not be parsed");
		free(text);
		free(d);
		free(c);
		return r;
	}
	free(text);
	struct og_bus *bus = NULL;
	if (og_sd_open(true, &bus) == 0) {
		int v = og_sd_manager_version(bus);
		version = v > 0 ? v : 0;
		og_sd_close(bus);
	}
	if (json)
		fputc('[', f);
	for (size_t i = 0; i < d->n; i++) {
		const struct og_oomd_cg *m = &d->cg[i];
		char dir[2048], pp[4096], esc[4096];
		struct og_psi psi;
		int lim = m->kind == OG_OOMD_KILL_PRESSURE ? (m->limit_pm >= 0 ? m->limit_pm : d->default_pressure_limit_pm)
							    : d->swap_limit_pm;
		bool have_psi = false;
		if (root) {
			snprintf(dir, sizeof(dir), "%s%s/memory.pressure", root, strcmp(m->path, "/") ? m->path : "");
			have_psi = og_read_psi(dir, &psi) == 0 && psi.full.present;
		}
		ssize_t n = root ? og_oomd_candidates(root, m->path, m->kind, version, c, 64) : -ENOENT;
		size_t k = n > 0 ? og_oomd_order(c, n > 64 ? 64 : (size_t)n, m->kind, swap_total_bytes) : 0;
		if (json) {
			fprintf(f, "%s{\"cgroup\":", i ? "," : "");
			og_json_str(f, m->path);
			fprintf(f, ",\"rule\":\"%s\",\"limit_permyriad\":%d,\"pressure_full_avg10\":",
				m->kind == OG_OOMD_KILL_SWAP ? "swap" : "pressure", lim);
			if (have_psi)
				fprintf(f, "%.2f", psi.full.avg10);
			else
				fputs("null", f);
			fputs(",\"candidates\":[", f);
			for (size_t j = 0; j < k; j++) {
				fprintf(f, "%s{\"cgroup\":", j ? "," : "");
				og_json_str(f, c[j].path);
				fprintf(f, ",\"memory_current\":%lld,\"pgscan\":%lld,\"swap_current\":%lld,\"owner\":%ld,\"preference\":\"%s\",\"honoured\":%s}",
					c[j].current, c[j].pgscan, c[j].swap_current, c[j].owner, og_oomd_pref_name(c[j].pref),
					c[j].honoured ? "true" : "false");
			}
			fputs("]}", f);
			continue;
		}
		og_esc(m->path, esc, sizeof(esc));
		fprintf(f, "%s%s: %s kill at %d.%02d%%", indent, esc, m->kind == OG_OOMD_KILL_SWAP ? "swap" : "pressure",
			lim / 100, lim % 100);
		if (have_psi)
			fprintf(f, ", full avg10 now %.2f%%", psi.full.avg10);
		fprintf(f, "; %zu candidate(s)%s\n", k,
			m->kind == OG_OOMD_KILL_PRESSURE ? " by pgscan (oomd uses its 1 s rate), then memory.current" : " by swap use");
		for (size_t j = 0; j < k && j < 3; j++) {
			og_esc(c[j].path, pp, sizeof(pp));
			fprintf(f, "%s  %zu. %s  current %lld, pgscan %lld%s%s%s\n", indent, j + 1, pp, c[j].current, c[j].pgscan,
				c[j].pref != OG_OOMD_PREF_NONE ? ", preference " : "",
				c[j].pref != OG_OOMD_PREF_NONE ? og_oomd_pref_name(c[j].pref) : "",
				c[j].pref != OG_OOMD_PREF_NONE ? (c[j].honoured ? " (honoured)" : " (ignored: owner rule)") : "");
		}
	}
	if (json)
		fputc(']', f);
	free(d);
	free(c);
	return 0;
}
