#include "render.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

size_t og_escape(const char *s, size_t len, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t need = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char tmp[4];
		size_t n;

		if (c == '\\') {
			tmp[0] = '\\';
			tmp[1] = '\\';
			n = 2;
		} else if (c == '\n') {
			tmp[0] = '\\';
			tmp[1] = 'n';
			n = 2;
		} else if (c == '\t') {
			tmp[0] = '\\';
			tmp[1] = 't';
			n = 2;
		} else if (c < 0x20 || c >= 0x7f) {
			tmp[0] = '\\';
			tmp[1] = 'x';
			tmp[2] = hex[c >> 4];
			tmp[3] = hex[c & 15];
			n = 4;
		} else {
			tmp[0] = (char)c;
			n = 1;
		}
		if (outsz && need + n < outsz)
			for (size_t k = 0; k < n; k++)
				out[need + k] = tmp[k];
		else if (outsz && need < outsz)
			outsz = need + 1; /* stop writing; keep counting */
		need += n;
	}
	if (outsz)
		out[need < outsz ? need : outsz - 1] = '\0';
	return need;
}

const char *og_esc(const char *s, char *out, size_t outsz)
{
	size_t len = 0;

	while (s[len])
		len++;
	og_escape(s, len, out, outsz);
	return out;
}

/* Length of a valid UTF-8 sequence at s (max n bytes), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t want;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		want = 2;
		cp = s[0] & 0x1fu;
	} else if ((s[0] & 0xf0) == 0xe0) {
		want = 3;
		cp = s[0] & 0x0fu;
	} else if ((s[0] & 0xf8) == 0xf0) {
		want = 4;
		cp = s[0] & 0x07u;
	} else
		return 0;
	if (want > n)
		return 0;
	for (size_t i = 1; i < want; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((want == 2 && cp < 0x80) || (want == 3 && cp < 0x800) || (want == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return want;
}

bool og_utf8_locale(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);
		if (!v || !*v)
			continue;
		return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
	}
	return false;
}

/* A code point that must not reach a terminal raw: C1 controls, bidi
 * embeddings/overrides/isolates, line and paragraph separators. */
static bool unsafe_cp(const unsigned char *s, size_t n)
{
	unsigned cp = n == 2   ? (s[0] & 0x1fu) << 6 | (s[1] & 0x3fu)
		      : n == 3 ? (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu)
			       : 0x10000;
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

const char *og_esc_text(const char *s, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), o = 0;
	bool u8 = og_utf8_locale();
	if (!outsz)
		return out;
	for (size_t i = 0; i < len;) {
		size_t ul = u8 && p[i] >= 0x80 ? utf8_len(p + i, len - i) : 0;
		if (ul > 1 && !unsafe_cp(p + i, ul)) {
			if (o + ul >= outsz)
				break;
			memcpy(out + o, p + i, ul);
			o += ul;
			i += ul;
			continue;
		}
		char tmp[8];
		size_t n = og_escape((const char *)p + i, 1, tmp, sizeof(tmp));
		if (o + n >= outsz)
			break;
		memcpy(out + o, tmp, n);
		o += n;
		i++;
	}
	out[o] = '\0';
	return out;
}

void og_json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = 0;

	while (p[n])
		n++;
	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t ul;

		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
		} else if ((ul = utf8_len(p + i, n - i)) > 0) {
			fwrite(p + i, 1, ul, f);
			i += ul;
		} else {
			/* Not UTF-8: keep the byte visible and the document valid. */
			fprintf(f, "\\u00%02x", c);
			i++;
		}
	}
	fputc('"', f);
}

const char *og_fmt_kib(unsigned long long kib, char *buf, size_t size)
{
	static const char unit[] = "KMGTP";
	double v = (double)kib;
	int u = 0;

	while (v >= 1024.0 && u < 4) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%lluK", kib);
	else
		snprintf(buf, size, v < 10 ? "%.1f%c" : "%.0f%c", v, unit[u]);
	return buf;
}
