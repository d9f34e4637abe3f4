/* Bounded text scanning for the log parsers (logprefix.c, oomlog.c,
 * logjson.c): a cursor over (pointer, end) that never reads past end and
 * never assumes a NUL.  Header-only so that the hot paths inline. */
#ifndef OG_TEXTSCAN_H
#define OG_TEXTSCAN_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct cur {
	const char *p, *end;
};

static inline bool ts_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static inline bool ts_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static inline bool at(const struct cur *c, const char *lit)
{
	size_t n = strlen(lit);
	return (size_t)(c->end - c->p) >= n && memcmp(c->p, lit, n) == 0;
}

static inline bool eat(struct cur *c, const char *lit)
{
	if (!at(c, lit))
		return false;
	c->p += strlen(lit);
	return true;
}

static inline void skip_sp(struct cur *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

static inline void skip_ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* Decimal with optional '-'; saturates instead of overflowing. */
static inline bool num(struct cur *c, long long *out)
{
	const char *p = c->p;
	bool neg = false;
	long long v = 0;

	if (p < c->end && *p == '-') {
		neg = true;
		p++;
	}
	if (p >= c->end || !ts_digit(*p))
		return false;
	while (p < c->end && ts_digit(*p)) {
		int d = *p++ - '0';
		v = v > (LLONG_MAX - d) / 10 ? LLONG_MAX : v * 10 + d;
	}
	c->p = p;
	*out = neg ? -v : v;
	return true;
}

static inline bool num_int(struct cur *c, int *out)
{
	long long v;
	if (!num(c, &v))
		return false;
	*out = v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : (int)v;
	return true;
}

static inline unsigned digits(const char *p, int n)
{
	unsigned v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (unsigned)(p[i] - '0');
	return v;
}

static inline bool all_digits(const char *p, const char *end, int n)
{
	if (end - p < n)
		return false;
	for (int i = 0; i < n; i++)
		if (!ts_digit(p[i]))
			return false;
	return true;
}

static inline void cpy(char *dst, size_t dsz, const char *s, size_t n)
{
	if (dsz == 0)
		return;
	if (n >= dsz)
		n = dsz - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static inline const char *find(const char *s, const char *end, const char *lit)
{
	if (s >= end)
		return NULL;
	return memmem(s, (size_t)(end - s), lit, strlen(lit));
}

#endif
