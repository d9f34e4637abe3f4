/* Lines into the assembler (see episode.h): the hot loop, lines broken by
 * a terminal or a mail client joined again, and journalctl's entry formats
 * (json, json-pretty, export) taken apart into messages. */
#include "episode_int.h"
#include "logjson.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

/* A wrapped record spans at most this many more lines (blank ones count). */
#define MAX_JOINS 6

enum { FMT_TEXT = 0, FMT_PRETTY, FMT_EXPORT };

/* ---------- wrapped lines ---------- */

static bool raw_trailing_space(const char *line, size_t len)
{
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	return len && (line[len - 1] == ' ' || line[len - 1] == '\t');
}

static void hold(struct og_asm *a, const struct og_line *l, int kind, const char *line, size_t len)
{
	a->hold_l = *l;
	memcpy(a->hold, l->msg, l->len);
	a->hold_len = l->len;
	while (a->hold_len && (a->hold[a->hold_len - 1] == ' ' || a->hold[a->hold_len - 1] == '\t'))
		a->hold_len--;
	a->hold_l.msg = a->hold;
	a->hold_l.len = a->hold_len;
	a->hold_kind = kind;
	a->hold_joins = 0;
	a->holding = true;
	a->hold_sp = raw_trailing_space(line, len);
	if (a->dense < 1)
		a->dense = 1; /* the next line is read in full */
}

/* Did the break between the held text and next lose a space?  Yes when
 * the held line ended in one (format=flowed mail, a terminal copy), when
 * the continuation is indented, or between two words of the formats
 * ("Killed" | "process"); no inside a token ("total-vm:7837" | "24kB"). */
static bool join_space(const struct og_asm *a, bool indent, const char *next, size_t nlen)
{
	if (a->hold_sp || indent)
		return true;
	if (!a->hold_len || !nlen || !isalpha((unsigned char)a->hold[a->hold_len - 1]) ||
	    !isalpha((unsigned char)next[0]))
		return false;
	size_t s = a->hold_len;
	while (s > 0 && a->hold[s - 1] != ' ')
		s--;
	size_t n = 0;
	while (n < nlen && next[n] != ' ')
		n++;
	return og_wrap_word(a->hold + s, a->hold_len - s) && og_wrap_word(next, n);
}

static void join(struct og_asm *a, const char *line, size_t len, const struct og_line *l)
{
	bool indent = len && (line[0] == ' ' || line[0] == '\t');
	bool sp = join_space(a, indent, l->msg, l->len);
	size_t need = a->hold_len + (sp ? 1 : 0) + l->len;
	if (need >= sizeof(a->hold))
		return;
	if (sp)
		a->hold[a->hold_len++] = ' ';
	memcpy(a->hold + a->hold_len, l->msg, l->len);
	a->hold_len += l->len;
	while (a->hold_len && (a->hold[a->hold_len - 1] == ' ' || a->hold[a->hold_len - 1] == '\t'))
		a->hold_len--;
	a->hold_l.len = a->hold_len;
	a->hold_sp = raw_trailing_space(line, len);
}

void og_asm_flush(struct og_asm *a)
{
	if (!a->holding)
		return;
	a->holding = false;
	og_asm_msg(a, &a->hold_l);
}

/* One record's line: held while it may go on on the next line. */
static void text_piece(struct og_asm *a, const char *line, size_t len, const struct og_line *lp)
{
	struct og_line l = *lp;
	if (a->holding) {
		if (l.len == 0 &&
		    !l.prefixed) { /* a blank line between the pieces (double-spaced paste) */
			if (++a->hold_joins > MAX_JOINS)
				og_asm_flush(a);
			return;
		}
		if (!l.prefixed && a->hold_joins < MAX_JOINS &&
		    og_wrap_continues(a->hold_kind, l.msg, l.len)) {
			join(a, line, len, &l);
			a->hold_joins++;
			int k = og_wrap_kind(a->hold, a->hold_len);
			if (k == OG_WRAP_NONE)
				og_asm_flush(a);
			else
				a->hold_kind = k;
			return;
		}
		og_asm_flush(a);
	}
	int k = l.len == 0 ? (l.prefixed && (l.mono_us != OG_TIME_NONE || l.wall_us != OG_TIME_NONE)
				      ? OG_WRAP_EMPTY
				      : 0)
			   : og_wrap_kind(l.msg, l.len);
	if (k != OG_WRAP_NONE && l.len < sizeof(a->hold)) {
		hold(a, &l, k, line, len);
		return;
	}
	og_asm_msg(a, &l);
}

/* A line of text; records joined on one line ("...uid=0 [ 35105.264752] Out
 * of memory: ...", a web page's lost line break) each on its own. */
static void text_line(struct og_asm *a, const char *line, size_t len)
{
	struct og_line l;
	for (;;) {
		og_prefix_parse(line, len, &a->ctx, &l);
		size_t cut = og_embedded_stamp(l.msg, l.len);
		if (cut >= l.len)
			break;
		size_t first = (size_t)(l.msg + cut - line);
		og_prefix_parse(line, first, &a->ctx, &l);
		text_piece(a, line, first, &l);
		line += first;
		len -= first;
	}
	text_piece(a, line, len, &l);
}

/* ---------- journal entries ---------- */

static struct og_jentry *jent(struct og_asm *a)
{
	if (!a->jent) {
		if (!(a->jent = malloc(sizeof(*a->jent)))) {
			a->oom = -ENOMEM;
			return NULL;
		}
		og_jentry_reset(a->jent);
	}
	return a->jent;
}

/* One entry's MESSAGE, line by line (oomd's candidate dump may be one entry). */
static void entry_msg(struct og_asm *a, const struct og_jentry *e)
{
	struct og_line l;
	memset(&l, 0, sizeof(l));
	l.wall_us = e->realtime_us == INT64_MIN ? OG_TIME_NONE : e->realtime_us;
	l.mono_us = e->kernel && e->mono_us != INT64_MIN ? e->mono_us : OG_TIME_NONE;
	l.prefixed = true;
	l.ident_pid = e->pid;
	og_ep_cpys(l.ident, sizeof(l.ident), e->kernel ? "kernel" : e->ident);
	og_asm_msg_lines(a, &l, e->msg, e->msg_len);
}

void og_asm_msg_lines(struct og_asm *a, struct og_line *l, const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len;
	while (p <= end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		l->msg = p;
		l->len = (size_t)((nl ? nl : end) - p);
		og_asm_msg(a, l);
		if (!nl)
			break;
		p = nl + 1;
	}
}

static bool blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return false;
	return true;
}

static const char *skip_lead(const char *line, size_t len)
{
	const char *p = line;
	while (p < line + len && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* json-pretty: "{", field lines, "}"; export: field lines, a blank line. */
static void entry_line(struct og_asm *a, const char *line, size_t len)
{
	struct og_jentry *e = jent(a);
	if (!e)
		return;
	const char *p = skip_lead(line, len);
	size_t n = len - (size_t)(p - line);
	bool end = a->entry_fmt == FMT_PRETTY ? n && *p == '}'
					      : blank(line, len) && !e->pending_key[0];
	bool start = a->entry_fmt == FMT_PRETTY && n && *p == '{';
	if (end || start) {
		if (e->have_msg)
			entry_msg(a, e);
		og_jentry_reset(e);
		return;
	}
	if (a->entry_fmt == FMT_PRETTY) {
		og_json_field_line(p, n, e);
	} else if (!og_export_line(p, n, e) && p == line && !e->pending_key[0]) {
		/* -o verbose: an unindented stamp line opens each entry */
		struct og_line l;
		if (e->have_msg)
			entry_msg(a, e);
		og_jentry_reset(e);
		og_prefix_parse(line, len, &a->ctx, &l);
		e->realtime_us = l.wall_us == OG_TIME_NONE ? INT64_MIN : l.wall_us;
	}
}

static bool export_start(const char *p, size_t n)
{
	return (n > 9 && !memcmp(p, "__CURSOR=", 9)) ||
	       (n > 21 && !memcmp(p, "__REALTIME_TIMESTAMP=", 21));
}

/* The first line of a source tells an entry format. */
static void detect(struct og_asm *a, const char *line, size_t len)
{
	const char *p = skip_lead(line, len);
	size_t n = len - (size_t)(p - line);
	while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
		n--;
	if (!n)
		return;
	a->at_start = false;
	if (n == 1 && *p == '{')
		a->entry_fmt = FMT_PRETTY;
	else if (export_start(p, n))
		a->entry_fmt = FMT_EXPORT;
}

void og_asm_line(struct og_asm *a, const char *line, size_t len)
{
	if (a->at_start)
		detect(a, line, len);
	if (a->entry_fmt != FMT_TEXT) {
		entry_line(a, line, len);
		return;
	}
	const char *p = skip_lead(line, len);
	size_t n = len - (size_t)(p - line);
	if (n > 12 && *p == '{' && memmem(p, n, "\"MESSAGE\"", 9)) {
		struct og_jentry *e = jent(a);
		if (e && og_json_entry(p, n, e)) {
			og_asm_flush(a);
			entry_msg(a, e);
			return;
		}
	}
	/* an entry format found in the middle (a paste that starts elsewhere) */
	if ((n > 12 && !memcmp(p, "\"MESSAGE\" : ", 12)) || (n > 8 && !memcmp(p, "MESSAGE=", 8))) {
		a->entry_fmt = *p == '"' ? FMT_PRETTY : FMT_EXPORT;
		struct og_jentry *e = jent(a);
		if (e) {
			og_jentry_reset(e);
			/* -o verbose: the entry's stamp line came just before */
			if (a->last_us != OG_TIME_NONE)
				e->realtime_us = a->last_us;
			entry_line(a, line, len);
		}
		return;
	}
	text_line(a, line, len);
}

/* ---------- the hot loop ---------- */

static size_t one_line(struct og_asm *a, const char *buf, size_t off, size_t len, bool eof,
		       bool *stop)
{
	const char *p = buf + off;
	const char *nl = memchr(p, '\n', len - off);
	if (!nl && !eof) {
		*stop = true;
		return off;
	}
	size_t ll = nl ? (size_t)(nl - p) : len - off;
	og_asm_line(a, p, ll);
	return off + ll + (nl ? 1 : 0);
}

size_t og_asm_feed(struct og_asm *a, const char *buf, size_t len, bool eof)
{
	size_t off = 0;
	bool stop = false;

	while (off < len && !stop) {
		const char *p = buf + off;
		size_t rest = len - off;
		if (a->dense > 0 || a->at_start || a->entry_fmt != FMT_TEXT) {
			off = one_line(a, buf, off, len, eof, &stop);
			continue;
		}
		size_t hit = og_anchor_find(&a->anchors, p, rest);
		if (hit >= rest) {
			if (eof)
				return len;
			const char *last = memrchr(p, '\n', rest);
			return last ? (size_t)(last + 1 - buf) : off;
		}
		const char *ls = hit ? memrchr(p, '\n', hit) : NULL;
		ls = ls ? ls + 1 : p;
		if (!memchr(ls, '\n', (size_t)(buf + len - ls)) && !eof)
			return (size_t)(ls - buf);
		/* The line before may hold the first half of a wrapped record. */
		const char *prev = ls > p ? memrchr(p, '\n', (size_t)(ls - 1 - p)) : NULL;
		prev = prev ? prev + 1 : p;
		if (prev < ls) {
			struct og_line l;
			og_prefix_parse(prev, (size_t)(ls - 1 - prev), &a->ctx, &l);
			if (og_wrap_kind(l.msg, l.len) != OG_WRAP_NONE)
				og_asm_line(a, prev, (size_t)(ls - 1 - prev));
		}
		off = one_line(a, buf, (size_t)(ls - buf), len, eof, &stop);
	}
	return off;
}
