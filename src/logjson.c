/* journalctl json / json-pretty / export entries (see logjson.h).  The JSON
 * reader is only as much of RFC 8259 as journalctl writes: an object of
 * string keys whose values are strings, numbers, arrays of numbers (a
 * MESSAGE that is not valid UTF-8) or null; anything else is skipped. */
#include "logjson.h"
#include "textscan.h"

#include <string.h>

void og_jentry_reset(struct og_jentry *e)
{
	memset(e, 0, sizeof(*e));
	e->realtime_us = INT64_MIN;
	e->mono_us = INT64_MIN;
}

static void put(char *out, size_t outsz, size_t *n, unsigned cp)
{
	char b[4];
	size_t k;
	if (cp < 0x80) {
		b[0] = (char)cp, k = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f)), k = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | (cp >> 6 & 0x3f)),
		b[2] = (char)(0x80 | (cp & 0x3f)), k = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18), b[1] = (char)(0x80 | (cp >> 12 & 0x3f)),
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f)), k = 4;
	}
	if (*n + k < outsz) {
		memcpy(out + *n, b, k);
		*n += k;
	}
}

static bool hex4(struct cur *c, unsigned *v)
{
	*v = 0;
	if (c->end - c->p < 4)
		return false;
	for (int i = 0; i < 4; i++) {
		char ch = c->p[i];
		unsigned d = ts_digit(ch)               ? (unsigned)(ch - '0')
			     : (ch >= 'a' && ch <= 'f') ? (unsigned)(ch - 'a' + 10)
			     : (ch >= 'A' && ch <= 'F') ? (unsigned)(ch - 'A' + 10)
							: 16;
		if (d > 15)
			return false;
		*v = *v << 4 | d;
	}
	c->p += 4;
	return true;
}

/* A JSON string at c (after its '"'), decoded into out. */
static bool jstring(struct cur *c, char *out, size_t outsz, size_t *outlen)
{
	size_t n = 0;
	while (c->p < c->end && *c->p != '"') {
		char ch = *c->p++;
		if (ch != '\\') {
			if (n + 1 < outsz)
				out[n++] = ch;
			continue;
		}
		if (c->p >= c->end)
			return false;
		ch = *c->p++;
		unsigned cp;
		switch (ch) {
		case 'n': cp = '\n'; break;
		case 't': cp = '\t'; break;
		case 'r': cp = '\r'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'u':
			if (!hex4(c, &cp))
				return false;
			if (cp >= 0xd800 && cp < 0xdc00 && c->end - c->p >= 6 && c->p[0] == '\\' &&
			    c->p[1] == 'u') {
				struct cur t = { c->p + 2, c->end };
				unsigned lo;
				if (hex4(&t, &lo) && lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					c->p = t.p;
				}
			}
			break;
		default: cp = (unsigned char)ch; break;
		}
		put(out, outsz, &n, cp);
	}
	if (c->p >= c->end)
		return false;
	c->p++;
	if (outsz)
		out[n < outsz ? n : outsz - 1] = '\0';
	*outlen = n;
	return true;
}

/* [1,2,3]: the bytes of a MESSAGE that is not UTF-8 */
static bool jbytes(struct cur *c, char *out, size_t outsz, size_t *outlen)
{
	size_t n = 0;
	for (;;) {
		long long v;
		skip_ws(c);
		if (eat(c, "]"))
			break;
		if (!num(c, &v))
			return false;
		if (n + 1 < outsz && v >= 0 && v < 256)
			out[n++] = (char)v;
		skip_ws(c);
		eat(c, ",");
	}
	if (outsz)
		out[n] = '\0';
	*outlen = n;
	return true;
}

/* Skip any JSON value (nested arrays and objects included). */
static bool jskip(struct cur *c);

/* A number, true/false, null (is_null) or anything else journalctl does not
 * write (skipped, its text kept). */
static bool jliteral(struct cur *c, char *out, size_t outsz, size_t *outlen, bool *is_null)
{
	const char *s = c->p;
	if (!jskip(c))
		return false;
	const char *t = c->p;
	while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
		t--;
	*is_null = (size_t)(t - s) == 4 && !memcmp(s, "null", 4);
	size_t n = (size_t)(t - s) < outsz - 1 ? (size_t)(t - s) : outsz - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	*outlen = n;
	return true;
}

static bool jskip(struct cur *c)
{
	int depth = 0;
	do {
		skip_ws(c);
		if (c->p >= c->end)
			return false;
		char ch = *c->p;
		if (ch == '"') {
			c->p++;
			while (c->p < c->end && *c->p != '"')
				c->p += *c->p == '\\' ? 2 : 1;
			if (c->p >= c->end)
				return false;
			c->p++;
		} else if (ch == '[' || ch == '{') {
			depth++;
			c->p++;
			continue;
		} else if (ch == ']' || ch == '}') {
			depth--;
			c->p++;
		} else {
			while (c->p < c->end && *c->p != ',' && *c->p != ']' && *c->p != '}')
				c->p++;
		}
		skip_ws(c);
		if (depth > 0 && c->p < c->end && (*c->p == ',' || *c->p == ':'))
			c->p++;
	} while (depth > 0);
	return true;
}

static int64_t digits_us(const char *s, size_t n)
{
	struct cur c = { s, s + n };
	long long v;
	return num(&c, &v) && c.p == c.end && v >= 0 ? (int64_t)v : INT64_MIN;
}

/* One field of interest, its value (decoded) in v. */
static void field(struct og_jentry *e, const char *k, size_t kl, const char *v, size_t vl)
{
#define KEY(lit) (kl == sizeof(lit) - 1 && !memcmp(k, lit, kl))
	if (KEY("MESSAGE")) {
		size_t n = vl < sizeof(e->msg) - 1 ? vl : sizeof(e->msg) - 1;
		memmove(e->msg, v, n);
		e->msg[n] = '\0';
		e->msg_len = n;
		e->have_msg = true;
	} else if (KEY("SYSLOG_IDENTIFIER")) {
		cpy(e->ident, sizeof(e->ident), v, vl);
	} else if (KEY("_PID") || (KEY("SYSLOG_PID") && !e->pid)) {
		int64_t p = digits_us(v, vl);
		if (p > 0 && p <= 0x7fffffff)
			e->pid = (int)p;
	} else if (KEY("_TRANSPORT")) {
		e->kernel = vl == 6 && !memcmp(v, "kernel", 6);
	} else if (KEY("_SOURCE_REALTIME_TIMESTAMP")) {
		e->realtime_us = digits_us(v, vl);
		e->source_rt = e->realtime_us != INT64_MIN;
	} else if (KEY("__REALTIME_TIMESTAMP") && !e->source_rt) {
		e->realtime_us = digits_us(v, vl);
	} else if (KEY("_SOURCE_MONOTONIC_TIMESTAMP")) {
		e->mono_us = digits_us(v, vl);
	}
#undef KEY
}

static bool wanted(const char *k, size_t kl)
{
	static const char *const keys[] = { "MESSAGE",
					    "SYSLOG_IDENTIFIER",
					    "_PID",
					    "SYSLOG_PID",
					    "_TRANSPORT",
					    "_SOURCE_REALTIME_TIMESTAMP",
					    "__REALTIME_TIMESTAMP",
					    "_SOURCE_MONOTONIC_TIMESTAMP" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == kl && !memcmp(keys[i], k, kl))
			return true;
	return false;
}

/* "KEY" : value at c; the value decoded into e when wanted. */
static bool member(struct cur *c, struct og_jentry *e)
{
	char key[64], *val = e->msg; /* decode in place: MESSAGE is the only long value */
	char small[64];
	size_t kl, vl = 0;
	skip_ws(c);
	if (!eat(c, "\"") || !jstring(c, key, sizeof(key), &kl))
		return false;
	skip_ws(c);
	if (!eat(c, ":"))
		return false;
	skip_ws(c);
	if (!wanted(key, kl))
		return jskip(c);
	bool is_msg = kl == 7 && !memcmp(key, "MESSAGE", 7);
	size_t vsz = is_msg ? sizeof(e->msg) : sizeof(small);
	if (!is_msg)
		val = small;
	bool ok, is_null = false;
	if (eat(c, "\""))
		ok = jstring(c, val, vsz, &vl);
	else if (eat(c, "["))
		ok = jbytes(c, val, vsz, &vl);
	else
		ok = jliteral(c, val, vsz, &vl, &is_null);
	if ((!ok || is_null) && is_msg) { /* decoded in place: leave no half message behind */
		e->msg[0] = '\0';
		e->msg_len = 0;
		e->have_msg = false;
	}
	if (!ok || is_null)
		return ok;
	field(e, key, kl, val, vl);
	return true;
}

bool og_json_entry(const char *line, size_t len, struct og_jentry *e)
{
	struct cur c = { line, line + len };
	og_jentry_reset(e);
	skip_ws(&c);
	if (!eat(&c, "{"))
		return false;
	for (;;) {
		skip_ws(&c);
		if (eat(&c, "}"))
			break;
		if (!member(&c, e))
			return false;
		skip_ws(&c);
		if (eat(&c, ","))
			continue;
		if (eat(&c, "}"))
			break;
		return false;
	}
	return e->have_msg;
}

bool og_json_field_line(const char *line, size_t len, struct og_jentry *e)
{
	struct cur c = { line, line + len };
	skip_ws(&c);
	if (c.p >= c.end || *c.p != '"')
		return false;
	return member(&c, e);
}

bool og_export_line(const char *line, size_t len, struct og_jentry *e)
{
	const char *eq = memchr(line, '=', len);
	while (len && (line[len - 1] == '\r'))
		len--;
	if (e->pending_key[0]) {
		/* binary field: a little-endian 64-bit length, then the data */
		if (len >= 8) {
			uint64_t n = 0;
			for (int i = 7; i >= 0; i--)
				n = n << 8 | (unsigned char)line[i];
			size_t vl = n < len - 8 ? (size_t)n : len - 8;
			field(e, e->pending_key, strlen(e->pending_key), line + 8, vl);
		}
		e->pending_key[0] = '\0';
		return true;
	}
	if (!eq) {
		/* "MESSAGE" alone on its line: a binary field follows */
		if (len && len < sizeof(e->pending_key) && wanted(line, len)) {
			cpy(e->pending_key, sizeof(e->pending_key), line, len);
			return true;
		}
		return false;
	}
	size_t kl = (size_t)(eq - line);
	for (size_t i = 0; i < kl; i++)
		if (!(ts_digit(line[i]) || (line[i] >= 'A' && line[i] <= 'Z') || line[i] == '_'))
			return false;
	if (kl && wanted(line, kl))
		field(e, line, kl, eq + 1, len - kl - 1);
	return kl > 0;
}
