/* Parser of the --warn SPEC.  Numbers are read digit by digit (no strtod:
 * no locale, no "inf", no exponent) into millionths, so every accepted value
 * has an exact canonical spelling and format/parse round-trips. */
#include "warn_spec.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MICRO 1000000LL
#define INT_DIGITS_MAX 19 /* 2^60 bytes spelled in B */
#define FRAC_DIGITS_MAX 6

void og_warnspec_default(struct og_warnspec *w)
{
	w->avail = (struct og_thr){ 10.0, -1 };
	w->crit = (struct og_thr){ 5.0, -1 };
	w->eta_s = 10.0;
	w->crit_eta_s = 2.5;
	w->psi_some = 0.0;
	w->psi_full = 20.0;
	w->crit_psi_full = 0.0;
	w->clear_pct = 3.0;
	w->rearm_s = 2.0;
	w->startup_s = 15.0;
}

long long og_thr_bytes(const struct og_thr *t, long long total)
{
	if (t->pct >= 0)
		return total < 0 ? -1 : (long long)((double)total * t->pct / 100.0);
	return t->bytes;
}

/* NUM at *p, advancing it: value in millionths. */
static int parse_num(const char **p, __int128 *micro)
{
	const char *s = *p;
	unsigned long long ip, fp = 0;
	size_t nd, nf;

	if (og_scan_ull(s, strlen(s), ~0ULL, &ip, &nd) < 0 || nd > INT_DIGITS_MAX)
		return -1;
	s += nd;
	if (*s == '.') {
		s++;
		if (og_scan_ull(s, strlen(s), ~0ULL, &fp, &nf) < 0 || nf > FRAC_DIGITS_MAX)
			return -1;
		s += nf;
		for (size_t i = nf; i < FRAC_DIGITS_MAX; i++)
			fp *= 10;
	}
	*micro = (__int128)ip * MICRO + (__int128)fp;
	*p = s;
	return 0;
}

enum kind { K_AMOUNT, K_DURATION, K_PCT };

static const struct key {
	const char *name;
	enum kind kind;
	bool zero_ok; /* 0 is a meaningful value, not a disguised "off" */
} keys[] = {
	{ "available", K_AMOUNT, false },      { "critical", K_AMOUNT, false },
	{ "eta", K_DURATION, false },          { "critical-eta", K_DURATION, false },
	{ "psi-some", K_PCT, false },          { "psi-full", K_PCT, false },
	{ "critical-psi-full", K_PCT, false }, { "clear", K_PCT, true },
	{ "rearm", K_DURATION, true },         { "startup", K_DURATION, true },
};
enum {
	KEY_AVAIL,
	KEY_CRIT,
	KEY_ETA,
	KEY_CETA,
	KEY_PSOME,
	KEY_PFULL,
	KEY_CPFULL,
	KEY_CLEAR,
	KEY_REARM,
	KEY_STARTUP,
	NKEYS
};

static int fail(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;
	if (err && errsz) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* An amount: N% of the room, or a size with one unit letter (B K M G T),
 * whole bytes and no more than 2^60 (a size, not a typo).  m is the number
 * in millionths, p what follows it. */
static int amount_value(__int128 m, const char *p, size_t rest, struct og_thr *thr)
{
	static const char units[] = "BKMGT";
	const char *u = rest == 1 ? memchr(units, *p, sizeof(units) - 1) : NULL;

	if (rest == 1 && *p == '%') {
		if (m <= 0 || m > 100 * MICRO)
			return -1;
		*thr = (struct og_thr){ (double)m / MICRO, -1 };
		return 0;
	}
	if (!u || m > ((__int128)1 << 60) * MICRO)
		return -1;
	__int128 scaled = m << (10 * (int)(u - units));
	if (m <= 0 || scaled % MICRO != 0 || scaled / MICRO > ((__int128)1 << 60))
		return -1;
	*thr = (struct og_thr){ -1, (long long)(scaled / MICRO) };
	return 0;
}

/* A duration in ms, s or m, whole milliseconds, at most an hour. */
static int duration_value(const struct key *k, __int128 m, const char *p, size_t rest, double *num)
{
	long long ms;

	if (rest == 2 && !memcmp(p, "ms", 2)) {
		if (m % MICRO || m > 3600LL * 1000 * MICRO)
			return -1;
		ms = (long long)(m / MICRO);
	} else if (rest == 1 && (*p == 's' || *p == 'm')) {
		long long mul = *p == 'm' ? 60000 : 1000;
		if (m > 3600 * MICRO || (m * mul) % MICRO)
			return -1;
		ms = (long long)(m * mul / MICRO);
	} else {
		return -1;
	}
	if ((ms == 0 && !k->zero_ok) || ms > 3600 * 1000)
		return -1;
	*num = (double)ms / 1000.0;
	return 0;
}

/* One VALUE of kind k spanning [v, end).  Amount: *thr; others: *num. */
static int parse_value(const struct key *k, const char *v, const char *end, struct og_thr *thr,
		       double *num)
{
	const char *p = v;
	__int128 m;

	if (end - v == 3 && !memcmp(v, "off", 3)) {
		*thr = (struct og_thr){ -1, -1 };
		*num = 0;
		return 0;
	}
	if (parse_num(&p, &m) < 0)
		return -1;
	size_t rest = (size_t)(end - p);
	switch (k->kind) {
	case K_AMOUNT: return amount_value(m, p, rest, thr);
	case K_DURATION: return duration_value(k, m, p, rest, num);
	case K_PCT:
		if (rest == 1 && *p == '%')
			rest = 0;
		if (rest != 0 || (m == 0 && !k->zero_ok) || m > 100 * MICRO)
			return -1;
		*num = (double)m / MICRO;
		return 0;
	}
	return -1;
}

static const char *expect(enum kind k)
{
	switch (k) {
	case K_AMOUNT: return "a percentage like 10% or a size like 512M (units B K M G T), or off";
	case K_DURATION: return "a duration like 500ms, 10s or 2m (at most 60m), or off";
	case K_PCT: return "a percentage from 0 to 100 like 20 or 20%, or off";
	}
	return "";
}

static void store(struct og_warnspec *w, size_t ki, struct og_thr thr, double num)
{
	switch (ki) {
	case KEY_AVAIL: w->avail = thr; break;
	case KEY_CRIT: w->crit = thr; break;
	case KEY_ETA: w->eta_s = num; break;
	case KEY_CETA: w->crit_eta_s = num; break;
	case KEY_PSOME: w->psi_some = num; break;
	case KEY_PFULL: w->psi_full = num; break;
	case KEY_CPFULL: w->crit_psi_full = num; break;
	case KEY_CLEAR: w->clear_pct = num; break;
	case KEY_REARM: w->rearm_s = num; break;
	case KEY_STARTUP: w->startup_s = num; break;
	}
}

/* One KEY:VALUE item [p, end) of the SPEC s into w. */
static int parse_item(const char *s, const char *p, const char *end, struct og_warnspec *w,
		      bool *seen, char *err, size_t errsz)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));
	int ilen = (int)(end - p > 64 ? 64 : end - p);
	size_t ki;

	if (end == p)
		return fail(err, errsz, "empty item in '%.64s'", s);
	if (!colon)
		return fail(err, errsz, "item '%.*s' needs KEY:VALUE", ilen, p);
	size_t klen = (size_t)(colon - p);
	for (ki = 0; ki < NKEYS; ki++)
		if (strlen(keys[ki].name) == klen && !memcmp(keys[ki].name, p, klen))
			break;
	if (ki == NKEYS)
		return fail(
			err, errsz,
			"unknown key '%.*s' (known: available critical eta critical-eta psi-some psi-full critical-psi-full clear rearm startup)",
			(int)(klen > 32 ? 32 : klen), p);
	if (seen[ki])
		return fail(err, errsz, "key '%s' given twice", keys[ki].name);
	seen[ki] = true;
	struct og_thr thr = { -1, -1 };
	double num = 0;
	if (parse_value(&keys[ki], colon + 1, end, &thr, &num) < 0)
		return fail(err, errsz, "invalid value in '%.*s': expected %s", ilen, p,
			    expect(keys[ki].kind));
	store(w, ki, thr, num);
	return 0;
}

/* A warning threshold given alone carries its critical partner along (half
 * the headroom, a third of the eta) rather than clash with it. */
static void carry_partners(struct og_warnspec *w, const bool *seen)
{
	if (seen[KEY_AVAIL] && !seen[KEY_CRIT] && w->avail.bytes > 0)
		w->crit = (struct og_thr){ -1, w->avail.bytes / 2 > 0 ? w->avail.bytes / 2 : 1 };
	else if (seen[KEY_AVAIL] && !seen[KEY_CRIT] && w->avail.pct > 0 &&
		 w->crit.pct > w->avail.pct) {
		long long half = (long long)(w->avail.pct * MICRO + 0.5) / 2;
		w->crit = half > 0 ? (struct og_thr){ (double)half / MICRO, -1 }
				   : (struct og_thr){ -1, -1 };
	}
	if (seen[KEY_ETA] && !seen[KEY_CETA] && w->eta_s > 0 && w->crit_eta_s > w->eta_s)
		w->crit_eta_s = (double)((long long)(w->eta_s * 1000 + 0.5) / 3) / 1000.0;
}

/* Critical must be the more severe of each pair, or the levels invert. */
static int check_order(const struct og_warnspec *w, char *err, size_t errsz)
{
	if (w->avail.pct >= 0 && w->crit.pct >= 0 && w->crit.pct > w->avail.pct)
		return fail(err, errsz, "critical %g%% is more headroom than available %g%%",
			    w->crit.pct, w->avail.pct);
	if (w->avail.bytes >= 0 && w->crit.bytes >= 0 && w->crit.bytes > w->avail.bytes)
		return fail(err, errsz,
			    "critical (%lld bytes) is more headroom than available (%lld bytes)",
			    w->crit.bytes, w->avail.bytes);
	if (w->eta_s > 0 && w->crit_eta_s > w->eta_s)
		return fail(err, errsz, "critical-eta %gs is longer than eta %gs", w->crit_eta_s,
			    w->eta_s);
	if (w->psi_full > 0 && w->crit_psi_full > 0 && w->crit_psi_full < w->psi_full)
		return fail(err, errsz, "critical-psi-full %g is below psi-full %g",
			    w->crit_psi_full, w->psi_full);
	if (w->clear_pct > 50)
		return fail(err, errsz, "clear %g%% is more than 50%% of the total", w->clear_pct);
	return 0;
}

int og_warnspec_parse(const char *s, struct og_warnspec *out, char *err, size_t errsz)
{
	struct og_warnspec w;
	bool seen[NKEYS] = { false };

	og_warnspec_default(&w);
	for (const char *p = s; p && *s;) {
		const char *comma = strchr(p, ',');
		int r = parse_item(s, p, comma ? comma : p + strlen(p), &w, seen, err, errsz);
		if (r < 0)
			return r;
		p = comma ? comma + 1 : NULL;
	}
	carry_partners(&w, seen);
	int r = check_order(&w, err, errsz);
	if (r < 0)
		return r;
	*out = w;
	return 0;
}

/* Append to buf at *off, never past size. */
static void put(char *buf, size_t size, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t size, size_t *off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(*off < size ? buf + *off : NULL, *off < size ? size - *off : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n;
}

static void put_dec(char *buf, size_t size, size_t *off, double v)
{
	char t[32];
	snprintf(t, sizeof(t), "%.6f", v);
	char *e = t + strlen(t) - 1;
	while (*e == '0')
		*e-- = '\0';
	if (*e == '.')
		*e = '\0';
	put(buf, size, off, "%s", t);
}

static void put_thr(char *buf, size_t size, size_t *off, const char *key, const struct og_thr *t)
{
	put(buf, size, off, "%s%s:", *off ? "," : "", key);
	if (t->pct >= 0) {
		put_dec(buf, size, off, t->pct);
		put(buf, size, off, "%%");
	} else if (t->bytes > 0) {
		static const char units[] = "TGMK";
		for (int i = 0; i < 4; i++) {
			long long u = 1LL << (10 * (4 - i));
			if (t->bytes % u == 0) {
				put(buf, size, off, "%lld%c", t->bytes / u, units[i]);
				return;
			}
		}
		put(buf, size, off, "%lldB", t->bytes);
	} else {
		put(buf, size, off, "off");
	}
}

static void put_dur(char *buf, size_t size, size_t *off, const char *key, double s,
		    bool zero_is_value)
{
	put(buf, size, off, "%s%s:", *off ? "," : "", key);
	long long ms = (long long)(s * 1000.0 + 0.5);
	if (ms == 0 && !zero_is_value)
		put(buf, size, off, "off");
	else if (ms % 1000 == 0)
		put(buf, size, off, "%llds", ms / 1000);
	else
		put(buf, size, off, "%lldms", ms);
}

static void put_pct(char *buf, size_t size, size_t *off, const char *key, double v,
		    bool zero_is_value)
{
	put(buf, size, off, "%s%s:", *off ? "," : "", key);
	if (v <= 0 && !zero_is_value)
		put(buf, size, off, "off");
	else
		put_dec(buf, size, off, v);
}

int og_warnspec_format(const struct og_warnspec *w, char *buf, size_t size)
{
	size_t off = 0;
	if (size)
		buf[0] = '\0';
	put_thr(buf, size, &off, "available", &w->avail);
	put_thr(buf, size, &off, "critical", &w->crit);
	put_dur(buf, size, &off, "eta", w->eta_s, false);
	put_dur(buf, size, &off, "critical-eta", w->crit_eta_s, false);
	put_pct(buf, size, &off, "psi-some", w->psi_some, false);
	put_pct(buf, size, &off, "psi-full", w->psi_full, false);
	put_pct(buf, size, &off, "critical-psi-full", w->crit_psi_full, false);
	put_pct(buf, size, &off, "clear", w->clear_pct, true);
	put_dur(buf, size, &off, "rearm", w->rearm_s, true);
	put_dur(buf, size, &off, "startup", w->startup_s, true);
	return off < size ? 0 : -ENOSPC;
}

int og_thr_format(const struct og_thr *t, char *buf, size_t size)
{
	size_t off = 0;
	if (size)
		buf[0] = '\0';
	put_thr(buf, size, &off, "", t);
	/* put_thr wrote ":VALUE" for the empty key: keep VALUE */
	if (off && off < size)
		memmove(buf, buf + 1, off);
	return off < size ? 0 : -ENOSPC;
}
