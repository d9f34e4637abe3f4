/* Transport prefixes of log lines (see oomlog.h): the time and the syslog
 * identifier in front of a message, in the forms users paste them.
 *
 * Formats: /dev/kmsg records, dmesg ("[  12.345678]", -T/ctime in any
 * locale, -r, -d, --time-format=iso, printk caller ids), journalctl short,
 * short-precise, short-iso(-precise), short-full, short-monotonic and
 * short-unix, syslog (kern.log, messages) and RFC 3339 rsyslog stamps, and
 * nohang's own log file.  journalctl and dmesg -T print the month and
 * weekday with strftime's %b and %a, so they follow LC_TIME: "12月 17",
 * "мая 26", "Dez 17", "déc. 17", "[火 12月 17 10:04:41 2023]".
 *
 * A line as users have it may carry more in front: a quote or list marker,
 * a shell prompt, grep's "file:" or "file:123:", indentation.  The prefix
 * is looked for at the start and then at each word boundary near it; what
 * comes before the first understood prefix is dropped, and a prefix whose
 * shape is known but whose month is not keeps no time rather than a wrong
 * one. */
#include "oomlog.h"
#include "textscan.h"

#include <string.h>

/* How far into a line an unrecognised lead-in may reach. */
#define LEAD_MAX 200

int64_t og_days_from_civil(int y, unsigned m, unsigned d)
{
	/* Howard Hinnant's days_from_civil. */
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t mp = (int64_t)m + (m > 2 ? -3 : 9);
	int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t wall(int y, int mo, int d, int h, int mi, int s, long off, long usec)
{
	int64_t t = og_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
		    s - off;
	return t * 1000000 + usec;
}

/* ---------- month names in the locales glibc ships (abmon, ab_alt_mon) ---------- */

/* Lower case, one row per month.  Where two languages share a spelling they
 * agree on the month. */
static const char *const month_names[12] = {
	"jan|janv|ene|gen|sty|led|oca|ian|tammi|янв|січ|",
	"feb|févr|fév|fev|lut|úno|şub|febr|helmi|фев|лют|",
	"mar|mär|mrz|mars|märz|márc|bře|maalis|мар|бер|",
	"apr|avr|abr|kwi|dub|nis|ápr|huhti|апр|кві|",
	"may|mai|mag|mei|maj|kvě|máj|touko|мая|май|тра|",
	"jun|juin|giu|cze|čvn|čer|juni|haz|jún|iun|kesä|июн|чер|",
	"jul|juil|lug|lip|čvc|čec|juli|tem|júl|iul|heinä|июл|лип|",
	"aug|août|ago|sie|srp|ağu|elo|авг|сер|",
	"sep|sept|set|wrz|zář|eyl|szept|syys|сен|вер|",
	"oct|okt|ott|out|paź|říj|eki|loka|окт|жов|",
	"nov|lis|kas|noi|marras|ноя|",
	"dec|déc|dez|dic|gru|pro|ara|joulu|дек|гру|",
};

/* ASCII, Latin-1 and Cyrillic capitals to lower case, into out. */
static size_t fold(const char *s, size_t n, char *out, size_t outsz)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 2 < outsz; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z') {
			out[o++] = (char)(c + 32);
		} else if (i + 1 < n && c == 0xc3 && (unsigned char)s[i + 1] >= 0x80 &&
			   (unsigned char)s[i + 1] <= 0x9e && (unsigned char)s[i + 1] != 0x97) {
			out[o++] = (char)c;
			out[o++] = (char)((unsigned char)s[++i] + 0x20);
		} else if (i + 1 < n && c == 0xd0 && (unsigned char)s[i + 1] >= 0x90 &&
			   (unsigned char)s[i + 1] <= 0xaf) {
			unsigned char d = (unsigned char)s[++i];
			if (d <= 0x9f) {
				out[o++] = (char)0xd0;
				out[o++] = (char)(d + 0x20);
			} else {
				out[o++] = (char)0xd1;
				out[o++] = (char)(d - 0x20);
			}
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return o;
}

/* A month name of any of the tables' languages, or a number followed by
 * 月 (Chinese, Japanese) or 월 (Korean): 1-12, or 0. */
static int month_word(const char *s, size_t n)
{
	char f[24];
	if (n >= 4 && n <= 5 && ts_digit(s[0])) {
		size_t dn = ts_digit(s[1]) ? 2 : 1;
		if (n - dn == 3 &&
		    (!memcmp(s + dn, "\xe6\x9c\x88", 3) || !memcmp(s + dn, "\xec\x9b\x94", 3))) {
			unsigned m = digits(s, (int)dn);
			return m >= 1 && m <= 12 ? (int)m : 0;
		}
		return 0;
	}
	while (n && s[n - 1] == '.')
		n--;
	if (n < 3 || n > 12)
		return 0;
	size_t fl = fold(s, n, f, sizeof(f));
	for (int m = 0; m < 12; m++) {
		for (const char *e = month_names[m]; *e;) {
			const char *bar = strchr(e, '|');
			size_t el = (size_t)(bar - e);
			/* exact, or a longer form that starts with it ("dezember") */
			if (el <= fl && !memcmp(f, e, el) && (el == fl || el >= 3))
				return m + 1;
			e = bar + 1;
		}
	}
	return 0;
}

/* A month word this parser does not know still looks like one: letters
 * (any script) and at most a closing '.', not "kern.log:May". */
static bool plain_word(const char *s, size_t n)
{
	if (n && s[n - 1] == '.')
		n--;
	if (!n || n > 12)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ts_alpha(s[i]) && (unsigned char)s[i] < 0x80)
			return false;
	return true;
}

/* A word: bytes up to a space (or ']'), at most max. */
static size_t word(const struct cur *c, size_t max)
{
	const char *p = c->p;
	while (p < c->end && *p != ' ' && *p != ']' && *p != '\t' && (size_t)(p - c->p) <= max)
		p++;
	return (size_t)(p - c->p);
}

/* ---------- time pieces ---------- */

/* The digits of a decimal fraction at c->p as µs: the first six count, the
 * rest are read past.  False when there is no digit. */
static bool frac_us(struct cur *c, long *us)
{
	const char *p0 = c->p;
	long scale = 100000;

	*us = 0;
	for (; c->p < c->end && ts_digit(*c->p); c->p++) {
		*us += (*c->p - '0') * scale;
		scale /= 10;
	}
	return c->p > p0;
}

/* "HH:MM:SS[.ffffff]" (also ',' as dmesg --time-format=iso prints it) */
static bool hms(struct cur *c, int *h, int *mi, int *s, long *usec)
{
	const char *p = c->p;
	if (c->end - p < 8 || !all_digits(p, c->end, 2) || p[2] != ':' ||
	    !all_digits(p + 3, c->end, 2) || p[5] != ':' || !all_digits(p + 6, c->end, 2))
		return false;
	*h = (int)digits(p, 2);
	*mi = (int)digits(p + 3, 2);
	*s = (int)digits(p + 6, 2);
	if (*h > 23 || *mi > 59 || *s > 60)
		return false;
	p += 8;
	*usec = 0;
	c->p = p;
	if (p + 1 < c->end && (*p == '.' || *p == ',') && ts_digit(p[1])) {
		c->p++;
		frac_us(c, usec);
	}
	return true;
}

/* "+0000", "+00:00", "Z" */
static bool tzoff(struct cur *c, long *off)
{
	const char *p = c->p;
	if (p < c->end && *p == 'Z') {
		*off = 0;
		c->p = p + 1;
		return true;
	}
	if (p >= c->end || (*p != '+' && *p != '-') || !all_digits(p + 1, c->end, 2))
		return false;
	int sign = *p == '-' ? -1 : 1;
	long hh = digits(p + 1, 2), mm = 0;
	p += 3;
	if (p < c->end && *p == ':')
		p++;
	if (all_digits(p, c->end, 2)) {
		mm = digits(p, 2);
		p += 2;
	}
	*off = sign * (hh * 3600 + mm * 60);
	c->p = p;
	return true;
}

/* "YYYY-MM-DD" */
static bool ymd(struct cur *c, int *y, int *mo, int *d)
{
	const char *p = c->p;
	if (c->end - p < 10 || !all_digits(p, c->end, 4) || p[4] != '-' ||
	    !all_digits(p + 5, c->end, 2) || p[7] != '-' || !all_digits(p + 8, c->end, 2))
		return false;
	*y = (int)digits(p, 4);
	*mo = (int)digits(p + 5, 2);
	*d = (int)digits(p + 8, 2);
	if (*mo < 1 || *mo > 12 || *d < 1 || *d > 31)
		return false;
	c->p = p + 10;
	return true;
}

/* "[  522.175496]" -> µs; also dmesg -d "[  522.175496 <    0.000012>]".
 * A relative "[  +0.000012]" is consumed with no time (*us = NONE). */
static bool kstamp(struct cur *c, int64_t *us)
{
	struct cur t = *c;
	long long sec;
	long frac;
	if (!eat(&t, "["))
		return false;
	skip_sp(&t);
	bool rel = eat(&t, "+");
	if (!num(&t, &sec) || sec < 0 || sec > 100000000000LL || !eat(&t, ".") ||
	    !frac_us(&t, &frac))
		return false;
	if (eat(&t, " <")) {
		const char *gt =
			memchr(t.p, '>', (size_t)(t.end - t.p) < 24 ? (size_t)(t.end - t.p) : 24);
		if (!gt)
			return false;
		t.p = gt + 1;
	}
	if (!eat(&t, "]"))
		return false;
	*us = rel ? OG_TIME_NONE : sec * 1000000 + frac;
	*c = t;
	return true;
}

/* printk caller id (CONFIG_PRINTK_CALLER): "[ T1234]", "[    C3]". */
static void caller_id(struct cur *c)
{
	struct cur t = *c;
	skip_sp(&t);
	if (!eat(&t, "["))
		return;
	skip_sp(&t);
	if (t.p >= t.end || (*t.p != 'T' && *t.p != 'C'))
		return;
	t.p++;
	long long v;
	if (!num(&t, &v) || !eat(&t, "]"))
		return;
	*c = t;
}

/* ---------- identifiers ---------- */

/* "ident[pid]:" or "ident:" at c (no spaces inside); ident_pid 0 if none. */
static bool ident_at(struct cur *c, struct og_line *out, bool need_pid_or_known)
{
	struct cur t = *c;
	const char *id = t.p;
	while (t.p < t.end && *t.p != '[' && *t.p != ':' && *t.p != ' ')
		t.p++;
	if (t.p == id || t.p >= t.end || t.p - id > 48)
		return false;
	size_t idlen = (size_t)(t.p - id);
	int pid = 0;
	if (eat(&t, "[")) {
		if (!num_int(&t, &pid) || !eat(&t, "]"))
			return false;
	}
	if (!eat(&t, ":"))
		return false;
	if (t.p < t.end && *t.p != ' ')
		return false;
	if (need_pid_or_known && !pid && !(idlen == 6 && !memcmp(id, "kernel", 6)))
		return false;
	eat(&t, " ");
	cpy(out->ident, sizeof(out->ident), id, idlen);
	out->ident_pid = pid;
	*c = t;
	return true;
}

/* "host ident[pid]: " (or, without a host, "ident[pid]: ") after a stamp.
 * strict: the ident must carry a pid or be "kernel" (where a kernel
 * message could look the same). */
static bool host_ident(struct cur *c, struct og_line *out, bool strict)
{
	struct cur t = *c;
	if (ident_at(&t, out, true)) {
		*c = t;
		return true;
	}
	while (t.p < t.end && *t.p != ' ')
		t.p++;
	if (t.p == c->p || !eat(&t, " "))
		return false;
	if (!ident_at(&t, out, strict))
		return false;
	*c = t;
	return true;
}

/* ---------- stamps ---------- */

/* /dev/kmsg: "PRI,SEQ,TS_USEC,FLAG[,more];MESSAGE" */
static bool kmsg_record(struct cur *c, int64_t boot, struct og_line *out)
{
	struct cur t = *c;
	long long pri, seq, ts;
	if (!(num(&t, &pri) && eat(&t, ",") && num(&t, &seq) && eat(&t, ",") && num(&t, &ts) &&
	      eat(&t, ",") && t.p < t.end))
		return false;
	const char *semi =
		memchr(t.p, ';', (size_t)(t.end - t.p) < 128 ? (size_t)(t.end - t.p) : 128);
	if (!semi || ts < 0 || ts >= (1LL << 60))
		return false;
	out->kmsg_cont = *t.p == 'c';
	out->mono_us = ts;
	if (boot != OG_TIME_NONE)
		out->wall_us = boot + ts;
	cpy(out->ident, sizeof(out->ident), "kernel", 6);
	c->p = semi + 1;
	return true;
}

/* ISO 8601 / RFC 3339: journalctl short-iso(-precise), rsyslog, dmesg
 * --time-format=iso, nohang's log file ("2023-08-10 16:53:26,460: "). */
static bool iso_stamp(struct cur *c, long off, struct og_line *out)
{
	struct cur t = *c;
	int y, mo, d, h, mi, s;
	long usec, o = off;
	if (!ymd(&t, &y, &mo, &d) || !(eat(&t, "T") || eat(&t, " ")) ||
	    !hms(&t, &h, &mi, &s, &usec))
		return false;
	if (!tzoff(&t, &o) && eat(&t, " UTC"))
		o = 0;
	if (!eat(&t, " ") && !eat(&t, ": "))
		return false;
	out->wall_us = wall(y, mo, d, h, mi, s, o, usec);
	host_ident(&t, out, false);
	*c = t;
	return true;
}

/* journalctl short-unix: "1702775081.123456 host ident[pid]: " */
static bool unix_stamp(struct cur *c, struct og_line *out)
{
	struct cur t = *c;
	long long sec;
	if (!all_digits(t.p, t.end, 10) || !num(&t, &sec) || sec > 9999999999LL || !eat(&t, "."))
		return false;
	long usec;
	frac_us(&t, &usec);
	if (!eat(&t, " ") || !host_ident(&t, out, false))
		return false;
	out->wall_us = sec * 1000000 + usec;
	*c = t;
	return true;
}

/* dmesg -T / ctime: "[Thu Nov 26 04:07:36 2026]", weekday and month in any
 * locale ("[Di Aug 12 03:54:03 2025]", "[火 12月 17 10:04:41 2023]"). */
static bool ctime_stamp(struct cur *c, long off, struct og_line *out)
{
	struct cur t = *c;
	int h, mi, s;
	long usec;
	long long dd;
	if (!eat(&t, "["))
		return false;
	size_t wl = word(&t, 16);
	if (!wl || t.p + wl >= t.end || t.p[wl] != ' ')
		return false;
	t.p += wl + 1;
	size_t ml = word(&t, 16);
	int mo = month_word(t.p, ml);
	t.p += ml;
	skip_sp(&t);
	if (!ml || !num(&t, &dd) || dd < 1 || dd > 31 || !eat(&t, " ") ||
	    !hms(&t, &h, &mi, &s, &usec) || !eat(&t, " ") || !all_digits(t.p, t.end, 4))
		return false;
	int y = (int)digits(t.p, 4);
	t.p += 4;
	if (!eat(&t, "]"))
		return false;
	if (mo)
		out->wall_us = wall(y, mo, (int)dd, h, mi, s, off, usec);
	cpy(out->ident, sizeof(out->ident), "kernel", 6);
	eat(&t, " ");
	caller_id(&t);
	eat(&t, " ");
	*c = t;
	return true;
}

/* journalctl short-full: "Thu 2026-11-26 04:07:36 UTC host ...", weekday in
 * any locale. */
static bool full_stamp(struct cur *c, long off, struct og_line *out)
{
	struct cur t = *c;
	int y, mo, d, h, mi, s;
	long usec, o = off;
	size_t wl = word(&t, 16);
	if (!wl || t.p + wl >= t.end || t.p[wl] != ' ')
		return false;
	t.p += wl + 1;
	if (!ymd(&t, &y, &mo, &d) || !eat(&t, " ") || !hms(&t, &h, &mi, &s, &usec) || !eat(&t, " "))
		return false;
	size_t zl = word(&t, 8);
	if (zl == 3 && !memcmp(t.p, "UTC", 3))
		o = 0;
	t.p += zl;
	eat(&t, " ");
	out->wall_us = wall(y, mo, d, h, mi, s, o, usec);
	host_ident(&t, out, false);
	*c = t;
	return true;
}

/* A yearless stamp is dated as syslog readers date it: the year of the
 * reference time (the file's modification, or now), or the year before
 * when that would put it more than a day after the reference. */
static int64_t yearless(const struct og_prefix_ctx *ctx, int mo, int d, int h, int mi, int s,
			long off, long usec)
{
	int yr = ctx && ctx->year ? ctx->year : 1970;
	int64_t w = wall(yr, mo, d, h, mi, s, off, usec);
	if (ctx && ctx->now_us != OG_TIME_NONE && ctx->now_us != 0 &&
	    w > ctx->now_us + 86400LL * 1000000)
		w = wall(yr - 1, mo, d, h, mi, s, off, usec);
	return w;
}

/* syslog / journalctl short(-precise): "Nov 26 04:07:36[.123456] host
 * ident[pid]: ", the month in any locale.  A month word this parser does
 * not know keeps the line's shape (the host and identifier must follow)
 * but no time. */
static bool syslog_stamp(struct cur *c, const struct og_prefix_ctx *ctx, long off,
			 struct og_line *out)
{
	struct cur t = *c;
	int h, mi, s;
	long usec;
	long long dd;
	size_t ml = word(&t, 16);
	if (!ml || t.p + ml >= t.end || t.p[ml] != ' ')
		return false;
	const char *mw = t.p;
	t.p += ml;
	skip_sp(&t);
	/* the cheap shape first: this runs at every word of an unknown lead-in */
	if (!all_digits(t.p, t.end, 1) || !num(&t, &dd) || dd < 1 || dd > 31 || !eat(&t, " ") ||
	    !hms(&t, &h, &mi, &s, &usec) || !eat(&t, " "))
		return false;
	int mo = month_word(mw, ml);
	if (!mo && !plain_word(mw, ml))
		return false;
	if (!host_ident(&t, out, false) && !mo)
		return false;
	if (mo) {
		out->wall_us = yearless(ctx, mo, (int)dd, h, mi, s, off, usec);
		out->year_guess = true;
	}
	*c = t;
	return true;
}

/* "[  12.3] ..." (dmesg) or journalctl short-monotonic "[  12.3] host
 * ident[pid]: ..." */
static bool mono_stamp(struct cur *c, int64_t boot, struct og_line *out)
{
	struct cur t = *c;
	int64_t us;
	if (!kstamp(&t, &us))
		return false;
	out->mono_us = us;
	if (boot != OG_TIME_NONE && us != OG_TIME_NONE)
		out->wall_us = boot + us;
	eat(&t, " ");
	caller_id(&t);
	eat(&t, " ");
	if (!host_ident(&t, out, true))
		cpy(out->ident, sizeof(out->ident), "kernel", 6);
	*c = t;
	return true;
}

/* Any understood prefix at c.  On success c is at the message. */
static bool stamp_at(struct cur *c, const struct og_prefix_ctx *ctx, struct og_line *out)
{
	long off = ctx ? ctx->utc_offset : 0;
	int64_t boot = ctx ? ctx->boot_wall_us : OG_TIME_NONE;
	struct cur t = *c;

	if (t.p >= t.end)
		return false;
	if (*t.p == '<') {
		/* dmesg -r "<3>[  12.3] ...", or a syslog priority before a stamp */
		long long pri;
		t.p++;
		if (!num(&t, &pri) || !eat(&t, ">") || t.p >= t.end)
			return false;
		if (*t.p != '<' && stamp_at(&t, ctx, out)) {
			*c = t;
			return true;
		}
		cpy(out->ident, sizeof(out->ident), "kernel", 6);
		*c = t;
		return true;
	}
	bool ok;
	if (*t.p == '[')
		ok = mono_stamp(&t, boot, out) || ctime_stamp(&t, off, out);
	else if (ts_digit(*t.p))
		ok = kmsg_record(&t, boot, out) || iso_stamp(&t, off, out) || unix_stamp(&t, out) ||
		     syslog_stamp(&t, ctx, off, out);
	else
		ok = full_stamp(&t, off, out) || syslog_stamp(&t, ctx, off, out);
	if (!ok)
		return false;
	/* kern.log with printk times: "kernel: [  522.175496] ..." */
	if (t.p < t.end && *t.p == '[' && (!out->ident[0] || !strcmp(out->ident, "kernel"))) {
		int64_t us;
		if (kstamp(&t, &us)) {
			out->mono_us = us;
			eat(&t, " ");
			caller_id(&t);
			eat(&t, " ");
		}
	}
	*c = t;
	return true;
}

/* ---------- what surrounds a pasted line ---------- */

static bool utf8_at(const struct cur *c, const char *u)
{
	return at(c, u);
}

/* Leading indentation, quote markers, list bullets, fences, quotes. */
static void skip_paste(struct cur *c)
{
	for (int guard = 0; guard < 16 && c->p < c->end; guard++) {
		char ch = *c->p;
		if (ch == ' ' || ch == '\t' || ch == '>' || ch == '`' || ch == '"' || ch == '\'' ||
		    ch == '|') {
			c->p++;
		} else if ((ch == '-' || ch == '*' || ch == '+' || ch == '$' || ch == '#') &&
			   c->p + 1 < c->end && c->p[1] == ' ') {
			c->p += 2;
		} else if (utf8_at(c, "\xc2\xa0")) { /* no-break space from a web page */
			c->p += 2;
		} else if (utf8_at(c, "\xe2\x80\xa2") || utf8_at(c, "\xe2\x80\x9c") ||
			   utf8_at(c, "\xe3\x80\x80") || utf8_at(c, "\xef\xbb\xbf")) {
			c->p += 3; /* bullet, opening quote, ideographic space, a byte-order mark */
		} else {
			break;
		}
	}
}

static void trim_end(struct cur *c)
{
	while (c->end > c->p && (c->end[-1] == '\r' || c->end[-1] == '\n' || c->end[-1] == ' ' ||
				 c->end[-1] == '\t' || c->end[-1] == '`'))
		c->end--;
}

/* A place where a prefix may start after something unrecognised. */
static bool boundary(char prev)
{
	unsigned char u = (unsigned char)prev;
	return u < 0x80 && !ts_digit(prev) && !ts_alpha(prev) && prev != '_' && prev != '.';
}

/* The identifier of a killer or manager somewhere in a line without an
 * understood stamp: "... kernel: msg", "... systemd-oomd[588]: msg". */
static bool ident_inside(struct cur *c, struct og_line *out)
{
	static const char *const known[] = { "kernel",   "systemd-oomd", "systemd",
					     "earlyoom", "nohang",       "nohang-desktop" };
	const char *lim = c->end - c->p > LEAD_MAX ? c->p + LEAD_MAX : c->end;
	for (const char *p = c->p; p < lim; p++) {
		if (p > c->p && p[-1] != ' ' && p[-1] != '>' && p[-1] != ']')
			continue;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
			size_t kl = strlen(known[i]);
			if ((size_t)(c->end - p) <= kl || memcmp(p, known[i], kl) != 0 ||
			    (p[kl] != '[' && p[kl] != ':'))
				continue;
			struct cur t = { p, c->end };
			if (ident_at(&t, out, false)) {
				*c = t;
				return true;
			}
		}
	}
	return false;
}

static void line_reset(struct og_line *out)
{
	memset(out, 0, sizeof(*out));
	out->wall_us = OG_TIME_NONE;
	out->mono_us = OG_TIME_NONE;
}

void og_prefix_parse(const char *line, size_t len, const struct og_prefix_ctx *ctx,
		     struct og_line *out)
{
	struct cur c = { line, line + len };

	line_reset(out);
	trim_end(&c);
	skip_paste(&c);
	out->prefixed = true;
	if (stamp_at(&c, ctx, out))
		goto done;
	const char *lim = c.end - c.p > LEAD_MAX ? c.p + LEAD_MAX : c.end;
	for (const char *p = c.p + 1; p < lim; p++) {
		if (!boundary(p[-1]) || *p == ' ')
			continue;
		struct cur t = { p, c.end };
		line_reset(out);
		out->prefixed = true;
		if (stamp_at(&t, ctx, out)) {
			c = t;
			goto done;
		}
	}
	line_reset(out);
	out->prefixed = ident_inside(&c, out);
done:
	out->msg = c.p;
	out->len = (size_t)(c.end - c.p);
}
