/* Parser of the Slurm plugin's --oomguard SPEC and its plugstack.conf
 * arguments (grammar in spankspec.h). */
#include "spankspec.h"

#include "render.h"
#include "signame.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define SPEC_MAX 2048

static bool has_key(const char *item, size_t n, const char *key)
{
	size_t k = strlen(key);
	return n > k && !strncmp(item, key, k) && item[k] == ':';
}

static int bad(char *err, size_t errsz, const char *what, const char *item, size_t n)
{
	char raw[256], esc[1024];
	size_t m = n < sizeof(raw) - 1 ? n : sizeof(raw) - 1;

	memcpy(raw, item, m);
	raw[m] = '\0';
	snprintf(err, errsz, "invalid --oomguard item '%s': %s", og_esc(raw, esc, sizeof(esc)),
		 what);
	return -EINVAL;
}

/* One ITEM (not hook): adj, signal, warn, or a warn item once warn is on. */
static int item(const char *it, size_t n, struct og_spank_spec *o, char *wbuf, size_t wsz,
		char *err, size_t errsz)
{
	char v[64];
	long adj;
	size_t wl = strlen(wbuf);

	if (has_key(it, n, "adj") || has_key(it, n, "signal")) {
		size_t k = it[0] == 'a' ? 4 : 7;
		if (n - k >= sizeof(v))
			return bad(err, errsz, "value too long", it, n);
		memcpy(v, it + k, n - k);
		v[n - k] = '\0';
		if (k == 4 && og_parse_long(v, -1000, 1000, &adj) < 0)
			return bad(err, errsz,
				   "expected adj:N with N an integer from -1000 to 1000", it, n);
		if (k == 4)
			o->adj = (int)adj;
		else if (og_signal_parse(v, &o->signal) < 0)
			return bad(err, errsz,
				   "expected a signal name like USR1, a number, or none", it, n);
		return 0;
	}
	if (n == 4 && !strncmp(it, "warn", 4)) {
		o->warn = true;
		return 0;
	}
	if (has_key(it, n, "warn")) {
		o->warn = true;
		it += 5;
		n -= 5;
	} else if (!o->warn) {
		return bad(err, errsz, "expected adj:N, warn[:SPEC], signal:SIG, hook:CMD or off",
			   it, n);
	}
	if (wl + n + 2 > wsz)
		return bad(err, errsz, "warn SPEC too long", it, n);
	if (wl)
		wbuf[wl++] = ',';
	memcpy(wbuf + wl, it, n);
	wbuf[wl + n] = '\0';
	return 0;
}

int og_spankspec_parse(const char *s, struct og_spank_spec *o, char *err, size_t errsz)
{
	struct og_spank_spec t;
	char wbuf[SPEC_MAX] = "", e2[256], esc[1024];
	const char *p;

	memset(&t, 0, sizeof(t));
	t.adj = -1000;
	t.signal = SIGUSR1;
	og_warnspec_default(&t.warn_spec);
	if (!s)
		s = "";
	if (!strcmp(s, "off")) {
		t.off = true;
		*o = t;
		return 0;
	}
	for (p = s; *p;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		if (has_key(p, strlen(p), "hook")) {
			/* The command is the rest of the SPEC: commas belong to it. */
			if (!p[5] || strlen(p + 5) >= sizeof(t.hook))
				return bad(err, errsz,
					   p[5] ? "command too long" : "hook needs a command", p,
					   strlen(p));
			strcpy(t.hook, p + 5);
			t.warn = true;
			break;
		}
		if (n == 0)
			return bad(err, errsz, "empty item", p, 0);
		if (item(p, n, &t, wbuf, sizeof(wbuf), err, errsz) < 0)
			return -EINVAL;
		p += n + (c ? 1 : 0);
		if (c && !*p)
			return bad(err, errsz, "empty item after the last ','", "", 0);
	}
	if (og_warnspec_parse(wbuf, &t.warn_spec, e2, sizeof(e2)) < 0) {
		/* warn's message may quote the item as typed */
		snprintf(err, errsz, "invalid --oomguard warn SPEC: %s",
			 og_esc(e2, esc, sizeof(esc)));
		return -EINVAL;
	}
	*o = t;
	return 0;
}

int og_spankspec_format(const struct og_spank_spec *o, char *buf, size_t size)
{
	char w[1024] = "", sig[32];
	int n;

	if (o->off)
		n = snprintf(buf, size, "off");
	else {
		if (o->warn && og_warnspec_format(&o->warn_spec, w, sizeof(w)) < 0)
			return -ENOSPC;
		if (o->signal)
			og_signal_name(o->signal, sig, sizeof(sig));
		else
			strcpy(sig, "none");
		if (!strncmp(sig, "signal ", 7))
			snprintf(sig, sizeof(sig), "%d", o->signal);
		n = snprintf(buf, size, "adj:%d%s%s,signal:%s%s%s", o->adj, o->warn ? ",warn:" : "",
			     w, sig, o->hook[0] ? ",hook:" : "", o->hook);
	}
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

static int arg_word(const char *w, struct og_spank_args *a, char *err, size_t errsz)
{
	char esc[512];
	long v;

	if (!strcmp(w, "enforce")) {
		a->enforce = true;
	} else if (!strncmp(w, "default=", 8)) {
		if (strlen(w + 8) >= sizeof(a->def)) {
			snprintf(err, errsz, "plugin argument default= is too long");
			return -EINVAL;
		}
		strcpy(a->def, w + 8);
	} else if (!strncmp(w, "min_adj=", 8)) {
		if (og_parse_long(w + 8, -1000, 1000, &v) < 0) {
			snprintf(
				err, errsz,
				"invalid plugin argument '%s': expected min_adj=N with N from -1000 to 1000",
				og_esc(w, esc, sizeof(esc)));
			return -EINVAL;
		}
		a->min_adj = (int)v;
	} else {
		snprintf(
			err, errsz,
			"unknown plugin argument '%s': expected default=SPEC, min_adj=N or enforce",
			og_esc(w, esc, sizeof(esc)));
		return -EINVAL;
	}
	return 0;
}

int og_spank_args_parse(int argc, char *const argv[], struct og_spank_args *a, char *err,
			size_t errsz)
{
	struct og_spank_args t;
	struct og_spank_spec s;
	char e2[512];

	memset(&t, 0, sizeof(t));
	t.min_adj = -1000;
	for (int i = 0; i < argc; i++)
		if (arg_word(argv[i], &t, err, errsz) < 0)
			return -EINVAL;
	if (og_spank_resolve(&t, "", &s, e2, sizeof(e2)) < 0) {
		snprintf(err, errsz, "plugin argument default=: %s", e2);
		return -EINVAL;
	}
	*a = t;
	return 0;
}

int og_spank_resolve(const struct og_spank_args *a, const char *user, struct og_spank_spec *o,
		     char *err, size_t errsz)
{
	const char *s = user && *user ? user : a->def[0] ? a->def : OG_SPANK_BARE;
	struct og_spank_spec t;

	if (og_spankspec_parse(s, &t, err, errsz) < 0)
		return -EINVAL;
	if (!t.off && t.adj < a->min_adj) {
		snprintf(err, errsz, "--oomguard adj:%d is below this cluster's floor (min_adj=%d)",
			 t.adj, a->min_adj);
		return -EINVAL;
	}
	*o = t;
	return 0;
}
