/* The metrics model, its state file and the Prometheus renderer (metrics.h).
 * Names follow https://prometheus.io/docs/practices/naming/: an oomguard_
 * prefix, _total for counters, seconds for times. */
#include "metrics.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define STATE_MAGIC "# oomguard metrics state v1"

void og_met_state_init(struct og_met_state *s)
{
	memset(s, 0, sizeof(*s));
}

static void copy(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool is_hexish(const char *p, size_t n)
{
	size_t digits = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)p[i]) && p[i] != '-')
			return false;
		digits += isdigit((unsigned char)p[i]) != 0;
	}
	return n >= 8 && digits > 0;
}

void og_met_label(const char *where, char *out, size_t size)
{
	size_t o = 0;

	for (const char *p = where; *p && o + 1 < size;) {
		size_t run = strspn(p, "0123456789");
		size_t hex = strspn(p, "0123456789abcdefABCDEF-");
		if (hex >= 8 && is_hexish(p, hex) &&
		    (p == where || !isalnum((unsigned char)p[-1]))) {
			out[o++] = '*'; /* a uuid or hash: vte-spawn-<uuid>.scope */
			p += hex;
		} else if (run) {
			out[o++] = '*';
			p += run;
		} else {
			unsigned char c = (unsigned char)*p++;
			out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		}
	}
	out[o] = '\0';
}

static struct og_met_kill *killer_slot(struct og_met_state *s, const char *killer)
{
	for (size_t i = 0; i < s->nk; i++)
		if (!strcmp(s->k[i].killer, killer))
			return &s->k[i];
	if (s->nk == OG_MET_KILLERS)
		return NULL;
	struct og_met_kill *k = &s->k[s->nk++];
	memset(k, 0, sizeof(*k));
	copy(k->killer, sizeof(k->killer), killer, strlen(killer));
	return k;
}

static struct og_met_cg *cg_slot(struct og_met_state *s, const char *killer_in,
				 const char *label_in)
{
	char killer[32], label[OG_MET_LABEL];

	/* compare what will be stored: two long labels that cut to the same
	 * text are one label */
	copy(killer, sizeof(killer), killer_in, strlen(killer_in));
	copy(label, sizeof(label), label_in, strlen(label_in));
	for (size_t i = 0; i < s->nc; i++)
		if (!strcmp(s->c[i].killer, killer) && !strcmp(s->c[i].label, label))
			return &s->c[i];
	if (s->nc >= OG_MET_CGROUPS) {
		/* bounded: one "other" per killer would be unbounded again, so one in all */
		strcpy(label, "other");
		strcpy(killer, "any");
		for (size_t i = OG_MET_CGROUPS; i < s->nc; i++)
			return &s->c[i];
	}
	struct og_met_cg *c = &s->c[s->nc++];
	memset(c, 0, sizeof(*c));
	copy(c->killer, sizeof(c->killer), killer, strlen(killer));
	copy(c->label, sizeof(c->label), label, strlen(label));
	return c;
}

void og_met_count(struct og_met_state *s, const char *killer, const char *where, int64_t wall_us)
{
	char label[OG_MET_LABEL];
	struct og_met_kill *k = killer_slot(s, killer);
	struct og_met_cg *c;

	og_met_label(where && *where ? where : "unknown", label, sizeof(label));
	c = cg_slot(s, killer, label);
	if (k) {
		k->n++;
		if (wall_us > k->last_us)
			k->last_us = wall_us;
	}
	c->n++;
	if (wall_us > s->since_us)
		s->since_us = wall_us;
}

/* "kill KILLER N LAST_US" | "cgroup KILLER N LABEL" | "since US" */
static int state_line(struct og_met_state *s, const char *l, size_t n)
{
	char kind[8], killer[32];
	unsigned long long v;
	long long t;
	int off = 0;
	char line[512];

	copy(line, sizeof(line), l, n);
	if (sscanf(line, "since %lld%n", &t, &off) == 1 && off == (int)strlen(line)) {
		s->since_us = t;
		return 0;
	}
	if (sscanf(line, "%7s %31s %llu %n", kind, killer, &v, &off) != 3)
		return -EINVAL;
	if (!strcmp(kind, "kill") && sscanf(line + off, "%lld", &t) == 1) {
		struct og_met_kill *k = killer_slot(s, killer);
		if (k) {
			k->n = v;
			k->last_us = t;
		}
		return 0;
	}
	if (!strcmp(kind, "cgroup") && line[off] && s->nc <= OG_MET_CGROUPS) {
		struct og_met_cg *c = cg_slot(s, killer, line + off);
		c->n += v;
		return 0;
	}
	return -EINVAL;
}

int og_met_state_parse(const char *buf, size_t len, struct og_met_state *s)
{
	struct og_met_state t;
	const char *p = buf, *end = buf + len;
	size_t ml = strlen(STATE_MAGIC);

	og_met_state_init(&t);
	if (len < ml || memcmp(buf, STATE_MAGIC, ml) || (len > ml && buf[ml] != '\n'))
		return -EINVAL;
	for (p += ml; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n && state_line(&t, p, n) < 0)
			return -EINVAL;
		p += n + 1;
	}
	*s = t;
	return 0;
}

int og_met_state_write(const struct og_met_state *s, FILE *f)
{
	fprintf(f, "%s\nsince %" PRId64 "\n", STATE_MAGIC, s->since_us);
	for (size_t i = 0; i < s->nk; i++)
		fprintf(f, "kill %s %llu %" PRId64 "\n", s->k[i].killer, s->k[i].n,
			s->k[i].last_us);
	for (size_t i = 0; i < s->nc; i++)
		fprintf(f, "cgroup %s %llu %s\n", s->c[i].killer, s->c[i].n, s->c[i].label);
	return ferror(f) ? -EIO : 0;
}

void og_met_add_job(struct og_met_view *v, const char *job, const char *layer, const char *state,
		    unsigned n)
{
	struct og_met_job *j = NULL;

	for (size_t i = 0; i < v->njob && !j; i++)
		if (!strcmp(v->job[i].job, job) && !strcmp(v->job[i].layer, layer) &&
		    !strcmp(v->job[i].state, state))
			j = &v->job[i];
	if (!j && v->njob >= OG_MET_JOBS) {
		job = "other";
		for (size_t i = OG_MET_JOBS; i < v->njob && !j; i++)
			if (!strcmp(v->job[i].layer, layer) && !strcmp(v->job[i].state, state))
				j = &v->job[i];
		if (!j && v->njob > OG_MET_JOBS)
			j = &v->job[OG_MET_JOBS]; /* one "other" row in all */
	}
	if (!j) {
		j = &v->job[v->njob++];
		memset(j, 0, sizeof(*j));
		/* a command name: bounded by OG_MET_JOBS already, kept as it is */
		size_t o = 0;
		for (const char *q = job; *q && o + 1 < sizeof(j->job); q++)
			j->job[o++] =
				(unsigned char)*q >= 0x20 && (unsigned char)*q < 0x7f ? *q : '?';
		j->job[o] = '\0';
		copy(j->layer, sizeof(j->layer), layer, strlen(layer));
		copy(j->state, sizeof(j->state), state, strlen(state));
	}
	j->n += n;
}

/* A label value: \\, \" and \n escaped (the exposition format's rules). */
static void lv(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void seconds(FILE *f, int64_t us)
{
	fprintf(f, "%" PRId64 ".%06" PRId64 "\n", us / 1000000, us % 1000000);
}

static void render_kills(const struct og_met_state *s, FILE *f)
{
	head(f, "oomguard_oom_kills_total", "counter",
	     "OOM kills logged by the kernel and the journal, by killer; kept across reboots in oomguard's state file.");
	for (size_t i = 0; i < s->nk; i++) {
		fputs("oomguard_oom_kills_total{killer=\"", f);
		lv(f, s->k[i].killer);
		fprintf(f, "\"} %llu\n", s->k[i].n);
	}
	head(f, "oomguard_oom_kills_by_cgroup_total", "counter",
	     "OOM kills by killer and the victim's cgroup or unit, numbers and ids replaced by '*' (bounded).");
	for (size_t i = 0; i < s->nc; i++) {
		fputs("oomguard_oom_kills_by_cgroup_total{killer=\"", f);
		lv(f, s->c[i].killer);
		fputs("\",cgroup=\"", f);
		lv(f, s->c[i].label);
		fprintf(f, "\"} %llu\n", s->c[i].n);
	}
	head(f, "oomguard_last_oom_kill_timestamp_seconds", "gauge",
	     "Wall-clock time of the newest OOM kill, by killer.");
	for (size_t i = 0; i < s->nk; i++) {
		fputs("oomguard_last_oom_kill_timestamp_seconds{killer=\"", f);
		lv(f, s->k[i].killer);
		fputs("\"} ", f);
		seconds(f, s->k[i].last_us);
	}
}

int og_met_render(const struct og_met_view *v, FILE *f)
{
	render_kills(&v->st, f);
	head(f, "oomguard_killer_armed", "gauge",
	     "1 when that OOM killer can act on this machine now.");
	for (size_t i = 0; i < v->nkiller; i++) {
		fputs("oomguard_killer_armed{killer=\"", f);
		lv(f, v->killer[i].name);
		fprintf(f, "\"} %d\n", v->killer[i].armed ? 1 : 0);
	}
	head(f, "oomguard_protected_processes", "gauge",
	     "Processes protected from an OOM killer, by job (its root's command), layer and state (bounded).");
	for (size_t i = 0; i < v->njob; i++) {
		fputs("oomguard_protected_processes{job=\"", f);
		lv(f, v->job[i].job);
		fputs("\",layer=\"", f);
		lv(f, v->job[i].layer);
		fputs("\",state=\"", f);
		lv(f, v->job[i].state);
		fprintf(f, "\"} %u\n", v->job[i].n);
	}
	if (v->slurm_steps >= 0) {
		head(f, "oomguard_slurm_steps_guarded", "gauge",
		     "Slurm job steps on this node with oomguard's step agent running.");
		fprintf(f, "oomguard_slurm_steps_guarded %ld\n", v->slurm_steps);
	}
	head(f, "oomguard_metrics_timestamp_seconds", "gauge",
	     "When oomguard metrics wrote this file.");
	fputs("oomguard_metrics_timestamp_seconds ", f);
	seconds(f, v->now_us);
	return ferror(f) ? -EIO : 0;
}
