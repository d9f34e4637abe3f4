#include "oomd_rule.h"
#include "render.h"
#include "sdvalue.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

int og_oomd_pref_parse(const char *s, enum og_oomd_pref *out)
{
	if (!strcmp(s, "omit"))
		*out = OG_OOMD_PREF_OMIT;
	else if (!strcmp(s, "avoid"))
		*out = OG_OOMD_PREF_AVOID;
	else if (!strcmp(s, "none"))
		*out = OG_OOMD_PREF_NONE;
	else
		return -EINVAL;
	return 0;
}

int og_oomd_opt(const char *arg, int *out, char *err, size_t errsz)
{
	enum og_oomd_pref p;
	char esc[256];

	if (og_oomd_pref_parse(arg, &p) < 0) {
		snprintf(err, errsz, "invalid --oomd '%s': expected omit, avoid or none",
			 og_esc(arg, esc, sizeof(esc)));
		return -1;
	}
	*out = (int)p;
	return 0;
}

const char *og_oomd_pref_name(enum og_oomd_pref p)
{
	switch (p) {
	case OG_OOMD_PREF_OMIT: return "omit";
	case OG_OOMD_PREF_AVOID: return "avoid";
	case OG_OOMD_PREF_NONE: return "none";
	}
	return "?";
}

int og_systemd_version_parse(const char *s, size_t len)
{
	size_t i = 0, used;
	unsigned long long v;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (len - i >= 8 && !memcmp(s + i, "systemd ", 8))
		i += 8;
	if (i < len && (s[i] == 'v' || s[i] == 'V'))
		i++;
	if (og_scan_ull(s + i, len - i, 1000000, &v, &used) < 0)
		return -EINVAL;
	i += used;
	/* "252abc" is not a version; "252.39-1", "252 (…)", "252~rc1" are. */
	if (i < len && !strchr(".-~+ (_\n", s[i]))
		return -EINVAL;
	return v > 0 ? (int)v : -EINVAL;
}

bool og_oomd_pref_honoured(int version, long cg_uid, long anc_uid, enum og_oomd_kill kind,
			   char *why, size_t whysz)
{
	char tmp[8];
	bool ok;

	if (!why) {
		why = tmp;
		whysz = sizeof(tmp);
	}
	if (version <= 0) {
		snprintf(why, whysz, "systemd version unknown, so no rule can be applied");
		return false;
	}
	if (version < 248) {
		snprintf(why, whysz, "systemd %d predates ManagedOOMPreference (248)", version);
		return false;
	}
	if (kind == OG_OOMD_KILL_SWAP) {
		/* The swap rule passes prefix "/" (root's) on every version. */
		ok = cg_uid == 0;
		snprintf(
			why, whysz,
			"systemd %d, swap kill: honoured only on root-owned cgroups (owner uid %ld): %s",
			version, cg_uid, ok ? "honoured" : "ignored");
		return ok;
	}
	if (version <= 251) {
		ok = cg_uid == 0;
		snprintf(
			why, whysz,
			"systemd %d (248-251): honoured only on root-owned cgroups (owner uid %ld): %s",
			version, cg_uid, ok ? "honoured" : "ignored");
	} else if (version == 252) {
		ok = cg_uid >= 0 && cg_uid == anc_uid;
		snprintf(
			why, whysz,
			"systemd 252: honoured only when the cgroup's owner equals the monitored cgroup's (uid %ld vs %ld): %s",
			cg_uid, anc_uid, ok ? "honoured" : "ignored");
	} else {
		ok = cg_uid == 0 || (cg_uid >= 0 && cg_uid == anc_uid);
		snprintf(
			why, whysz,
			"systemd %d (253+): honoured on root-owned cgroups or when the owner equals the monitored cgroup's (uid %ld vs %ld): %s",
			version, cg_uid, anc_uid, ok ? "honoured" : "ignored");
	}
	return ok;
}

/* The uid of "user@UID.service" (or "user-UID.slice") in a cgroup path; -1. */
static long path_user(const char *path)
{
	static const char *const pre[] = { "/user@", "/user-" };
	for (size_t k = 0; k < OG_ARRAY_LEN(pre); k++) {
		const char *p = strstr(path, pre[k]);
		unsigned long long uid;
		size_t used;
		/* uid_t is 32 bits; (uid_t)-1 is no user. */
		if (!p || og_scan_ull(p + 6, strlen(p + 6), 0xfffffffeULL, &uid, &used) < 0)
			continue;
		p += 6 + used;
		if (!strncmp(p, ".service", 8) || !strncmp(p, ".slice", 6))
			return (long)uid;
	}
	return -1;
}

/* Does a scope owned by the user count, under monitors owned by anc? */
static bool user_scope_counts(int version, long uid, long anc, bool kind_known,
			      enum og_oomd_kill kind)
{
	char why[256];
	if (!kind_known)
		return false; /* it may have been a swap kill: root-owned only */
	return og_oomd_pref_honoured(version, uid, anc, kind, why, sizeof(why));
}

static const char sudo_run[] =
	"start the job with `sudo oomguard run`, which puts it in a root-owned scope "
	"with ManagedOOMPreference=omit";
static const char user_run[] =
	"start the job with `oomguard run`, which puts it in its own scope with "
	"ManagedOOMPreference=omit";

/* The advice for a known version (248 or later). */
static void advice_known(int version, long uid, long anc, bool kind_known, enum og_oomd_kill kind,
			 const char *kinds, char *buf, size_t bufsz)
{
	char rule[256];

	if (user_scope_counts(version, uid, anc, kind_known, kind))
		snprintf(buf, bufsz, "%s (systemd %d honours it on a scope the user owns%s)",
			 user_run, version, kinds);
	else if (!kind_known)
		snprintf(
			buf, bufsz,
			"%s (the log does not say whether this was a swap kill, for which systemd-oomd "
			"ignores user-owned scopes on every version)",
			sudo_run);
	else {
		og_oomd_pref_honoured(version, uid, anc, kind, rule, sizeof(rule));
		snprintf(
			buf, bufsz,
			"%s; `oomguard run` alone does not count here: user-owned scopes are ignored (%s)",
			sudo_run, rule);
	}
}

/* Version unknown: the rule of 248-251 and of 252+ may differ. */
static void advice_unknown(long uid, long anc, bool kind_known, enum og_oomd_kill kind,
			   const char *kinds, char *buf, size_t bufsz)
{
	bool old = user_scope_counts(249, uid, anc, kind_known, kind);
	bool new252 = user_scope_counts(252, uid, anc, kind_known, kind);
	bool new253 = user_scope_counts(253, uid, anc, kind_known, kind);

	if (!old && !new252 && !new253)
		snprintf(buf, bufsz,
			 "%s; `oomguard run` alone does not count%s: user-owned scopes are ignored "
			 "(by every systemd version%s)",
			 sudo_run, kinds, kinds);
	else if (!old && new252 && new253)
		snprintf(
			buf, bufsz,
			"%s; on systemd 252 and later `oomguard run` (a scope the user owns) counts too, but on "
			"248-251 (Ubuntu 22.04) user-owned scopes are ignored, and this log does not show the version "
			"(`systemctl --version`; or pass --systemd-version N)",
			sudo_run);
	else
		snprintf(
			buf, bufsz,
			"%s; whether `oomguard run` (a scope the user owns) counts depends on the systemd "
			"version, which this log does not show (`systemctl --version`; or pass --systemd-version N)",
			sudo_run);
}

void og_oomd_advice(int version, bool kind_known, enum og_oomd_kill kind, const char *cgroup,
		    const char *monitored, char *buf, size_t bufsz)
{
	long uid = path_user(cgroup), mon = path_user(monitored);
	long anc = monitored[0] ? (mon >= 0 ? mon : 0) : (uid >= 0 ? uid : 0);
	const char *kinds = !kind_known                 ? ""
			    : kind == OG_OOMD_KILL_SWAP ? " for swap kills"
							: " for pressure kills";

	if (uid < 0)
		/* A system unit: only the system manager's preference applies. */
		snprintf(buf, bufsz, "%s (or set ManagedOOMPreference=omit on its unit)", sudo_run);
	else if (version > 0 && version < 248)
		snprintf(
			buf, bufsz,
			"systemd %d has no ManagedOOMPreference (new in 248), so nothing exempts a cgroup: "
			"keep the job out of the monitored cgroup, e.g. with `sudo oomguard run` (its own root-owned scope)",
			version);
	else if (version > 0)
		advice_known(version, uid, anc, kind_known, kind, kinds, buf, bufsz);
	else
		advice_unknown(uid, anc, kind_known, kind, kinds, buf, bufsz);
}

/* The rule of a version in words, for a cgroup no monitor contains yet. */
static const char *rule_text(int version)
{
	if (version <= 0)
		return "unknown (systemd version unknown)";
	if (version < 248)
		return "none (systemd before 248 has no ManagedOOMPreference)";
	if (version <= 251)
		return "systemd 248-251 honour it only on root-owned cgroups";
	if (version == 252)
		return "systemd 252 honours it when the cgroup's owner equals the monitored cgroup's; swap kills: root-owned only";
	return "systemd 253+ honour it on root-owned cgroups or when the owner equals the monitored cgroup's; swap kills: root-owned only";
}

/* "Key: value" after leading whitespace; value points past ": ". */
static bool key_is(const char *line, size_t len, const char *key, const char **val, size_t *vlen)
{
	size_t k = strlen(key);

	if (len < k + 1 || memcmp(line, key, k) || line[k] != ':')
		return false;
	*val = line + k + 1;
	*vlen = len - k - 1;
	while (*vlen && (**val == ' ' || **val == '\t')) {
		(*val)++;
		(*vlen)--;
	}
	while (*vlen && ((*val)[*vlen - 1] == ' ' || (*val)[*vlen - 1] == '\r'))
		(*vlen)--;
	return true;
}

enum dump_sec { SEC_NONE, SEC_SWAP, SEC_PRESSURE };

/* A top-level line: a header field (returns true for the two that mark a
 * dump) or a section title (into *sec). */
static bool dump_top(const char *line, size_t ll, struct og_oomd_dump *d, enum dump_sec *sec)
{
	const char *v;
	size_t vl;

	*sec = SEC_NONE;
	if (key_is(line, ll, "Dry Run", &v, &vl)) {
		d->dry_run = vl == 3 && !memcmp(v, "yes", 3)  ? 1
			     : vl == 2 && !memcmp(v, "no", 2) ? 0
							      : -1;
		return true;
	}
	if (key_is(line, ll, "Swap Used Limit", &v, &vl)) {
		og_percent_parse(v, vl, &d->swap_limit_pm);
		return true;
	}
	if (key_is(line, ll, "Default Memory Pressure Limit", &v, &vl))
		og_percent_parse(v, vl, &d->default_pressure_limit_pm);
	else if (key_is(line, ll, "Default Memory Pressure Duration", &v, &vl))
		og_timespan_parse(v, vl, &d->default_duration_usec);
	else if (key_is(line, ll, "Swap Monitored CGroups", &v, &vl))
		*sec = SEC_SWAP;
	else if (key_is(line, ll, "Memory Pressure Monitored CGroups", &v, &vl))
		*sec = SEC_PRESSURE;
	return false;
}

/* An indented line of a section: "Path:" starts a cgroup (NULL when it
 * does not fit), the limit and duration belong to the current one. */
static struct og_oomd_cg *dump_cg_line(const char *line, size_t ll, struct og_oomd_dump *d,
				       enum dump_sec sec, struct og_oomd_cg *cur)
{
	const char *v;
	size_t vl;

	if (key_is(line, ll, "Path", &v, &vl)) {
		if (vl == 0 || v[0] != '/' || vl >= OG_CG_PATH_MAX || d->n == OG_OOMD_MAX_CG) {
			d->truncated = true;
			return NULL;
		}
		cur = &d->cg[d->n++];
		memset(cur, 0, sizeof(*cur));
		cur->kind = sec == SEC_SWAP ? OG_OOMD_KILL_SWAP : OG_OOMD_KILL_PRESSURE;
		memcpy(cur->path, v, vl);
		cur->path[vl] = '\0';
		cur->limit_pm = -1;
	} else if (cur && key_is(line, ll, "Memory Pressure Limit", &v, &vl)) {
		og_percent_parse(v, vl, &cur->limit_pm);
	} else if (cur && key_is(line, ll, "Memory Pressure Duration", &v, &vl)) {
		og_timespan_parse(v, vl, &cur->duration_usec);
	}
	return cur;
}

int og_oomd_parse_dump(const char *buf, size_t len, struct og_oomd_dump *d)
{
	enum dump_sec sec = SEC_NONE;
	const char *p = buf, *end = buf + len;
	struct og_oomd_cg *cur = NULL;
	bool header = false;
	size_t ll;

	memset(d, 0, sizeof(*d));
	d->dry_run = -1;
	d->swap_limit_pm = -1;
	d->default_pressure_limit_pm = -1;
	while (p < end) {
		const char *line = p;
		size_t indent = 0;

		p = og_next_line(p, end, &ll);
		while (indent < ll && (line[indent] == '\t' || line[indent] == ' '))
			indent++;
		line += indent;
		ll -= indent;
		if (ll == 0)
			continue;
		if (indent == 0) {
			cur = NULL;
			header |= dump_top(line, ll, d, &sec);
		} else if (sec != SEC_NONE) {
			cur = dump_cg_line(line, ll, d, sec, cur);
		}
	}
	return header ? 0 : -EINVAL;
}

bool og_cg_is_under(const char *anc, const char *cg)
{
	size_t n = strlen(anc);

	while (n > 1 && anc[n - 1] == '/')
		n--;
	if (n == 1 && anc[0] == '/')
		return cg[0] == '/';
	return !strncmp(anc, cg, n) && (cg[n] == '\0' || cg[n] == '/');
}

/* snprintf that appends at *off and never overruns. */
__attribute__((format(printf, 4, 5))) static void app(char *buf, size_t sz, size_t *off,
						      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= sz)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, sz - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off = *off + (size_t)n >= sz ? sz - 1 : *off + (size_t)n;
}

/* Every monitored ancestor must honour the preference; the first one that
 * does not is the reason, written to out.  Returns how many do not. */
static size_t first_refusal(const struct og_oomd_state *s, const char *cg, char *out, size_t outsz)
{
	char anc[4 * OG_CG_PATH_MAX + 1], why[256];
	bool candidate = s->leaf || s->oom_group;
	size_t nbad = 0;

	out[0] = '\0';
	for (size_t i = 0; i < s->nanc; i++) {
		const struct og_oomd_anc *a = &s->anc[i];
		bool ok = s->have != OG_OOMD_PREF_NONE && candidate &&
			  og_oomd_pref_honoured(s->version, s->owner, a->owner, a->kind, why,
						sizeof(why));
		if (ok || nbad++)
			continue;
		og_esc(a->path, anc, sizeof(anc));
		if (s->have == OG_OOMD_PREF_NONE)
			snprintf(out, outsz,
				 "%s monitors %s for %s kills and no preference is set on it", anc,
				 cg, a->kind == OG_OOMD_KILL_SWAP ? "swap" : "pressure");
		else if (!candidate)
			snprintf(
				out, outsz,
				"%s has sub-cgroups, so they are the candidates of %s and user.oomd_%s on it does not count",
				cg, anc, og_oomd_pref_name(s->have));
		else
			snprintf(out, outsz, "%s kills under %s; rule: %s",
				 a->kind == OG_OOMD_KILL_SWAP ? "swap" : "pressure", anc, why);
	}
	return nbad;
}

/* What protects the job when every monitor honours its preference. */
static void protected_why(const struct og_oomd_state *s, const char *cg, char *buf, size_t bufsz,
			  size_t *off)
{
	char why[256];

	if (s->have == OG_OOMD_PREF_OMIT)
		app(buf, bufsz, off, "user.oomd_omit on %s: never a candidate", cg);
	else if (s->have == OG_OOMD_PREF_AVOID)
		app(buf, bufsz, off,
		    "user.oomd_avoid on %s: killed only after every other candidate", cg);
	else
		app(buf, bufsz, off, "%s has no preference", cg);
	if (s->nanc == 0) {
		app(buf, bufsz, off, "; no cgroup systemd-oomd monitors contains it; rule: %s",
		    rule_text(s->version));
		return;
	}
	/* Name the rule that was applied, against the first monitor. */
	og_oomd_pref_honoured(s->version, s->owner, s->anc[0].owner, s->anc[0].kind, why,
			      sizeof(why));
	app(buf, bufsz, off, "; rule: %s", why);
}

/* "; monitored: /a (pressure > 60.00%, owner uid 0: honoured), ..." */
static void list_monitors(const struct og_oomd_state *s, char *buf, size_t bufsz, size_t *off)
{
	char anc[4 * OG_CG_PATH_MAX + 1];
	bool candidate = s->leaf || s->oom_group;

	for (size_t i = 0; i < s->nanc; i++) {
		og_esc(s->anc[i].path, anc, sizeof(anc));
		app(buf, bufsz, off, "%s%s (%s", i ? ", " : "; monitored: ", anc,
		    s->anc[i].kind == OG_OOMD_KILL_SWAP ? "swap" : "pressure");
		if (s->anc[i].limit_pm >= 0)
			app(buf, bufsz, off, " > %d.%02d%%", s->anc[i].limit_pm / 100,
			    s->anc[i].limit_pm % 100);
		bool h = s->have != OG_OOMD_PREF_NONE && candidate &&
			 og_oomd_pref_honoured(s->version, s->owner, s->anc[i].owner,
					       s->anc[i].kind, NULL, 0);
		app(buf, bufsz, off, ", owner uid %ld: %s)", s->anc[i].owner,
		    h ? "honoured" : "ignored");
	}
}

enum og_oomd_verdict og_oomd_judge(const struct og_oomd_state *s, enum og_oomd_pref want, char *buf,
				   size_t bufsz)
{
	char cg[4 * OG_CG_PATH_MAX + 1], first_bad[256 + 8 * OG_CG_PATH_MAX];
	size_t off = 0;
	bool candidate = s->leaf || s->oom_group;
	enum og_oomd_verdict v;

	if (bufsz == 0)
		return OG_OOMD_EXPOSED;
	buf[0] = '\0';
	if (!s->running) {
		app(buf, bufsz, &off, "systemd-oomd: not running");
		if (s->not_running_why)
			app(buf, bufsz, &off, " (%s)", s->not_running_why);
		return OG_OOMD_NOT_RUNNING;
	}
	if (!s->cgroup) {
		app(buf, bufsz, &off, "systemd-oomd: EXPOSED (cannot tell the job's cgroup");
		if (s->route)
			app(buf, bufsz, &off, "; route: %s", s->route);
		app(buf, bufsz, &off, ")");
		return OG_OOMD_EXPOSED;
	}
	og_esc(s->cgroup, cg, sizeof(cg));
	if (first_refusal(s, cg, first_bad, sizeof(first_bad))) {
		v = OG_OOMD_EXPOSED;
		app(buf, bufsz, &off, "systemd-oomd: EXPOSED (%s", first_bad);
	} else {
		v = OG_OOMD_PROTECTED;
		app(buf, bufsz, &off, "systemd-oomd: protected (");
		protected_why(s, cg, buf, bufsz, &off);
	}
	app(buf, bufsz, &off, "; cgroup owner uid %ld, %s", s->owner,
	    s->leaf        ? "leaf"
	    : s->oom_group ? "memory.oom.group=1"
			   : "NOT a leaf");
	if (want != s->have)
		app(buf, bufsz, &off, "; asked for %s, read back %s", og_oomd_pref_name(want),
		    og_oomd_pref_name(s->have));
	list_monitors(s, buf, bufsz, &off);
	if (v == OG_OOMD_EXPOSED && candidate && s->have != OG_OOMD_PREF_NONE && s->owner != 0 &&
	    s->version >= 248)
		app(buf, bufsz, &off,
		    "; a root-owned scope (sudo oomguard run, or sudo oomguard protect --scope) would count");
	if (s->version > 0)
		app(buf, bufsz, &off, "; systemd %d", s->version);
	if (s->route)
		app(buf, bufsz, &off, "; route: %s", s->route);
	app(buf, bufsz, &off, ")");
	return v;
}
