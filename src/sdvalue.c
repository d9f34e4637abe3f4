#include "sdvalue.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define USEC_SEC 1000000ULL
#define USEC_MIN (60 * USEC_SEC)
#define USEC_HOUR (3600 * USEC_SEC)
#define USEC_DAY (86400 * USEC_SEC)
#define USEC_WEEK (7 * USEC_DAY)
#define USEC_MONTH (2629800 * USEC_SEC) /* 30.44 days, systemd's USEC_PER_MONTH */
#define USEC_YEAR (31557600 * USEC_SEC) /* 365.25 days, systemd's USEC_PER_YEAR */

/* In the order of systemd's table (src/basic/time-util.c, extract_multiplier):
 * the first name the text starts with wins, so "seconds" is tried before "s",
 * "months"/"M" and "msec"/"ms" before "m" (minutes). */
static const struct {
	const char *name;
	unsigned long long usec;
} units[] = {
	{ "seconds", USEC_SEC }, { "second", USEC_SEC },
	{ "sec", USEC_SEC },     { "s", USEC_SEC },
	{ "minutes", USEC_MIN }, { "minute", USEC_MIN },
	{ "min", USEC_MIN },     { "months", USEC_MONTH },
	{ "month", USEC_MONTH }, { "M", USEC_MONTH },
	{ "msec", 1000 },        { "ms", 1000 },
	{ "m", USEC_MIN },       { "hours", USEC_HOUR },
	{ "hour", USEC_HOUR },   { "hr", USEC_HOUR },
	{ "h", USEC_HOUR },      { "days", USEC_DAY },
	{ "day", USEC_DAY },     { "d", USEC_DAY },
	{ "weeks", USEC_WEEK },  { "week", USEC_WEEK },
	{ "w", USEC_WEEK },      { "years", USEC_YEAR },
	{ "year", USEC_YEAR },   { "y", USEC_YEAR },
	{ "usec", 1 },           { "us", 1 },
	{ "\xce\xbcs", 1 }, /* U+03BC GREEK SMALL LETTER MU */
	{ "\xc2\xb5s", 1 }, /* U+00B5 MICRO SIGN */
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The multiplier of the unit at s[0..len) and its length; seconds and 0
 * when no unit is named (systemd's default unit for a time span). */
static unsigned long long unit_at(const char *s, size_t len, size_t *ul)
{
	for (size_t k = 0; k < OG_ARRAY_LEN(units); k++) {
		size_t n = strlen(units[k].name);
		if (len >= n && !memcmp(s, units[k].name, n)) {
			*ul = n;
			return units[k].usec;
		}
	}
	*ul = 0;
	return USEC_SEC;
}

/* One "<whole>[.<frac>][ ]<unit>" part at s[*i..len); adds its value. */
static int span_part(const char *s, size_t len, size_t *i, unsigned long long *add)
{
	unsigned long long whole = 0, mul, v;
	size_t p = *i, nd = 0, f0, nf = 0, ul;

	if (s[p] == '-')
		return -ERANGE;
	if (s[p] != '.') {
		int r = og_scan_ull(s + p, len - p, ~0ULL, &whole, &nd);
		if (r < 0)
			return r;
		p += nd;
	}
	f0 = p + 1;
	if (p < len && s[p] == '.') {
		for (p++; p < len && is_digit(s[p]); p++)
			nf++;
		if (!nf)
			return -EINVAL; /* "5." and "5.s", as systemd */
	}
	while (p < len && is_space(s[p]))
		p++;
	mul = unit_at(s + p, len - p, &ul);
	p += ul;
	if (whole >= ~0ULL / mul)
		return -ERANGE;
	v = whole * mul;
	for (unsigned long long k = mul / 10; nf--; k /= 10)
		v += (unsigned long long)(s[f0++] - '0') * k; /* below mul: cannot overflow */
	*add = v;
	*i = p;
	return 0;
}

int og_timespan_parse(const char *s, size_t len, unsigned long long *usec)
{
	unsigned long long total = 0;
	size_t i = 0;

	while (len > 0 && is_space(s[len - 1]))
		len--;
	while (i < len && is_space(s[i]))
		i++;
	if (i == len)
		return -EINVAL;
	if (len - i == 8 && !memcmp(s + i, "infinity", 8)) {
		*usec = ~0ULL;
		return 0;
	}
	while (i < len) {
		unsigned long long add;
		int r = span_part(s, len, &i, &add);
		if (r < 0)
			return r;
		if (total > ~0ULL - 1 - add)
			return -ERANGE;
		total += add;
		while (i < len && is_space(s[i]))
			i++;
	}
	*usec = total;
	return 0;
}

/* s[0..len) as "<whole>[.<up to places digits>]<sym>"; a 10^-places of
 * each sym is one permyriad (% with 2 places, ‰ with 1, ‱ with 0).
 * Returns 1 when the text does not end in sym. */
static int pct_form(const char *s, size_t len, const char *sym, unsigned places, int *out)
{
	static const unsigned pow10[] = { 1, 10, 100 };
	size_t sl = strlen(sym), wl;
	unsigned long long whole, frac = 0, scale = pow10[places];

	if (len < sl || memcmp(s + len - sl, sym, sl))
		return 1;
	len -= sl;
	const char *dot = memchr(s, '.', len);
	wl = dot ? (size_t)(dot - s) : len;
	int r = og_parse_ull(s, wl, 10000 / scale, &whole);
	if (r < 0)
		return r;
	if (dot) {
		size_t fl = len - wl - 1;
		if (fl < 1 || fl > places || og_parse_ull(dot + 1, fl, ~0ULL, &frac) < 0)
			return -EINVAL; /* systemd takes no more places than its precision */
		frac *= pow10[places - fl];
	}
	if (whole * scale + frac > 10000)
		return -ERANGE;
	*out = (int)(whole * scale + frac);
	return 0;
}

int og_percent_parse(const char *s, size_t len, int *permyriad)
{
	static const struct {
		const char *sym;
		unsigned places;
	} forms[] = { { "%", 2 }, { "\xe2\x80\xb0", 1 } /* ‰ */, { "\xe2\x80\xb1", 0 } /* ‱ */ };

	for (size_t k = 0; k < OG_ARRAY_LEN(forms); k++) {
		int r = pct_form(s, len, forms[k].sym, forms[k].places, permyriad);
		if (r <= 0)
			return r;
	}
	return -EINVAL;
}
