/* Small shared helpers: strict number parsing, file reads relative to a dirfd,
 * and the one way oomguard prints errors. */
#ifndef OG_UTIL_H
#define OG_UTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define OG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes shared by every command (oomguard(1), EXIT STATUS). */
enum { OG_EXIT_OK = 0, OG_EXIT_FAIL = 1, OG_EXIT_USAGE = 2 };

/* Parse a whole decimal integer in [min, max]: no empty string, no trailing
 * garbage, no silent overflow.  Returns 0, -EINVAL (not a number) or -ERANGE. */
int og_parse_long(const char *s, long min, long max, long *out);
/* The leading decimal digits of s[0..len) as a value <= max, for parsers of
 * text that goes on after the number: no sign, no blank, at least one digit.
 * *used (optional) gets the number of digits read.  Returns 0, -EINVAL (no
 * digit first) or -ERANGE (above max; *out untouched). */
int og_scan_ull(const char *s, size_t len, unsigned long long max, unsigned long long *out,
		size_t *used);
/* The whole of s[0..len) as one decimal number <= max (og_scan_ull with
 * nothing after the digits).  Returns 0, -EINVAL or -ERANGE. */
int og_parse_ull(const char *s, size_t len, unsigned long long max, unsigned long long *out);
/* Same for a PID: 1..PID_MAX_LIMIT (4194304). */
int og_parse_pid(const char *s, pid_t *out);

/* Read a whole small file under dfd into buf (NUL-terminated).  Returns the
 * length or -errno; -EFBIG when it does not fit. */
ssize_t og_read_at(int dfd, const char *path, char *buf, size_t size);
/* open + one read + close, for /proc and /sys files: their seq files hand
 * over the whole text in the first read when the buffer is large enough, so
 * a second read for EOF is a wasted syscall per file (thousands per scan).
 * Returns the length (NUL-terminated) or -errno; -EFBIG when it does not fit. */
ssize_t og_read_once(int dfd, const char *path, char *buf, size_t size);
/* Write a whole string to a file under dfd.  Returns 0 or -errno. */
int og_write_at(int dfd, const char *path, const char *s);

/* "oomguard: <message>\n" on stderr. */
void og_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The one-line message for getopt_long's ':' (missing value) or any other
 * unexpected result (unknown option) into err.  Returns -1 for the parser. */
int og_opt_error(int c, char *const argv[], int prev, char *err, size_t errsz);

/* Should a signal oomguard received (si_code from its siginfo) be passed on
 * to the job?  Not one the terminal sent (^C, ^\, hangup: SI_KERNEL) when the
 * job shares oomguard's process group: it has had it already, and a second
 * copy can break its handler (a second KeyboardInterrupt mid-checkpoint).
 * sudo relays signals by the same rule. */
bool og_should_forward(int si_code, pid_t job);

/* Prefix of a line up to '\n' or end, for the line-oriented parsers. */
const char *og_next_line(const char *p, const char *end, size_t *len);

#endif
