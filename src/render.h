/* Output: terminal-safe escaping of text taken from processes, JSON strings,
 * and colour policy.  Anything read from a process (comm, cmdline, cgroup
 * path) goes through og_escape() before it reaches a terminal. */
#ifndef OG_RENDER_H
#define OG_RENDER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Escape len bytes of s into out (always NUL-terminated, truncated to fit):
 * backslash, control bytes, DEL and bytes >= 0x80 become \\, \n, \t, \xNN.
 * Returns the length the full escape would have needed (like snprintf). */
size_t og_escape(const char *s, size_t len, char *out, size_t outsz);

/* Convenience for NUL-terminated input into a caller buffer; returns out. */
const char *og_esc(const char *s, char *out, size_t outsz);

/* Like og_esc, but valid printable UTF-8 stays text when the locale's
 * character set is UTF-8 (og_utf8_locale), as ps and journalctl show it;
 * control characters (C0, C1, bidirectional overrides), escape sequences
 * and invalid bytes are still escaped. */
const char *og_esc_text(const char *s, char *out, size_t outsz);
/* LC_ALL, else LC_CTYPE, else LANG names a UTF-8 character set. */
bool og_utf8_locale(void);

/* Write s as a JSON string literal (with quotes).  Invalid UTF-8 and control
 * bytes are escaped as \u00XX so the output always parses. */
void og_json_str(FILE *f, const char *s);

/* Human size from KiB: "512K", "1.5M", "12.0G". */
const char *og_fmt_kib(unsigned long long kib, char *buf, size_t size);

#endif
