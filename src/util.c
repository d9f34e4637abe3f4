#include "util.h"
#include "render.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int og_parse_long(const char *s, long min, long max, long *out)
{
	unsigned long long u;
	bool neg;
	long v;

	if (!s)
		return -EINVAL;
	/* No leading blank and no '+' (strtol takes both): a user typing " 5"
	 * or "+5" into --adj is more likely a mistake than intent. */
	neg = *s == '-';
	int r = og_parse_ull(s + neg, strlen(s + neg),
			     neg ? (unsigned long long)LONG_MAX + 1 : LONG_MAX, &u);
	if (r < 0)
		return r;
	v = !neg ? (long)u : u > LONG_MAX ? LONG_MIN : -(long)u;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int og_scan_ull(const char *s, size_t len, unsigned long long max, unsigned long long *out,
		size_t *used)
{
	unsigned long long v = 0;
	size_t i = 0;

	if (!len || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (d > max || v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	if (used)
		*used = i;
	return 0;
}

int og_parse_ull(const char *s, size_t len, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	size_t used;
	int r = og_scan_ull(s, len, max, &v, &used);

	if (r < 0)
		return r;
	if (used != len)
		return -EINVAL;
	*out = v;
	return 0;
}

int og_parse_pid(const char *s, pid_t *out)
{
	long v;
	int r = og_parse_long(s, 1, 4194304, &v);

	if (r < 0)
		return r;
	*out = (pid_t)v;
	return 0;
}

ssize_t og_read_once(int dfd, const char *path, char *buf, size_t size)
{
	int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	int e = n < 0 ? errno : 0;
	close(fd);
	if (n < 0)
		return -e;
	if ((size_t)n == size - 1)
		return og_read_at(dfd, path, buf, size); /* rare: let the careful reader decide */
	buf[n] = '\0';
	return n;
}

ssize_t og_read_at(int dfd, const char *path, char *buf, size_t size)
{
	size_t len = 0;
	int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len + 1 >= size) {
		char c;
		if (read(fd, &c, 1) > 0) {
			close(fd);
			return -EFBIG;
		}
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

int og_write_at(int dfd, const char *path, const char *s)
{
	size_t len = strlen(s);
	int fd = openat(dfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (close(fd) < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

void og_err(const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One write so concurrent writers to the same terminal do not interleave. */
	fprintf(stderr, "oomguard: %s\n", msg);
}

const char *og_next_line(const char *p, const char *end, size_t *len)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	*len = (size_t)((nl ? nl : end) - p);
	return nl ? nl + 1 : end;
}

/* The option getopt_long just rejected ('?' or ':'), as typed: "--name" or
 * "-c" even inside a cluster like "-dx", escaped for a one-line message.
 * prev = optind before that getopt_long call. */
static const char *bad_option(char *const argv[], int prev, char *buf, size_t size)
{
	const char *el = optind > 0 ? argv[optind - 1] : "";
	char c[3] = { '-', (char)optopt, '\0' };

	/* A long option always advances optind past itself; a short one inside
	 * a cluster may not, and argv[optind - 1] is then an earlier word. */
	if (optopt == 0 || (optind - 1 >= (prev > 0 ? prev : 1) && !strncmp(el, "--", 2)))
		return og_esc(el, buf, size);
	return og_esc(c, buf, size);
}

int og_opt_error(int c, char *const argv[], int prev, char *err, size_t errsz)
{
	char bad[256];

	snprintf(err, errsz, c == ':' ? "option '%s' needs a value" : "unknown option '%s'",
		 bad_option(argv, prev, bad, sizeof(bad)));
	return -1;
}

bool og_should_forward(int si_code, pid_t job)
{
	return !(si_code == SI_KERNEL && getpgid(job) == getpgrp());
}
