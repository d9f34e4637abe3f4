/* Log sources for `oomguard why` (see logsrc.h). */
#include "logsrc.h"
#include "systemd.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef HAVE_SYSTEMD
#include "sdsym.h"
#endif

/* Big reads keep the hot loop in og_asm_feed and out of the kernel. */
#define READ_BUF (4u << 20)

/* Wall clock at boot in µs (CLOCK_REALTIME - CLOCK_MONOTONIC, which is the
 * clock printk stamps follow), for turning kmsg stamps into times. */
static int64_t boot_wall_us(void)
{
	struct timespec rt, mono;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return ((int64_t)rt.tv_sec - (int64_t)mono.tv_sec) * 1000000 +
	       ((int64_t)rt.tv_nsec - (int64_t)mono.tv_nsec) / 1000;
}

/* Prefix context for text read on this machine now: this year, the local
 * UTC offset, and the boot time when the text is this boot's kernel log. */
static struct og_prefix_ctx local_ctx(bool this_boot)
{
	struct og_prefix_ctx c;
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	c.year = tm.tm_year + 1900;
	c.utc_offset = tm.tm_gmtoff;
	c.boot_wall_us = this_boot ? boot_wall_us() : OG_TIME_NONE;
	c.now_us = (int64_t)now * 1000000;
	return c;
}

/* Stamps without a year in a file are dated from the file's modification
 * time (logrotate and syslog readers do the same): a log is not newer than
 * its last write. */
static void ctx_at(struct og_prefix_ctx *c, time_t ref)
{
	struct tm tm;
	localtime_r(&ref, &tm);
	c->year = tm.tm_year + 1900;
	c->now_us = (int64_t)ref * 1000000;
}

int og_src_kmsg(struct og_asm *a, size_t *nrec)
{
	char rec[8192];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct og_prefix_ctx ctx = local_ctx(true);

	*nrec = 0;
	if (fd < 0)
		return -errno;
	og_asm_set_source(a, "/dev/kmsg", &ctx);
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec));
		if (n < 0) {
			if (errno == EINTR ||
			    errno == EPIPE) /* EPIPE: overwritten records skipped */
				continue;
			if (errno == EAGAIN)
				break;
			int e = -errno;
			close(fd);
			og_asm_finish(a);
			return e;
		}
		if (n == 0)
			break;
		/* Only the first line: the rest are " KEY=value" dictionary lines. */
		const char *nl = memchr(rec, '\n', (size_t)n);
		og_asm_line(a, rec, nl ? (size_t)(nl - rec) : (size_t)n);
		(*nrec)++;
	}
	close(fd);
	og_asm_finish(a);
	return 0;
}

void og_kmsg_reason(int err, char *buf, size_t size)
{
	char v[16];
	ssize_t n = og_read_at(AT_FDCWD, "/proc/sys/kernel/dmesg_restrict", v, sizeof(v));

	if ((err == -EPERM || err == -EACCES) && n > 0 && v[0] == '1')
		snprintf(
			buf, size,
			"%s: kernel.dmesg_restrict=1, so reading the kernel log needs CAP_SYSLOG (run as root)",
			strerror(-err));
	else if (err == -EPERM || err == -EACCES)
		snprintf(buf, size,
			 "%s: reading the kernel log needs CAP_SYSLOG or read access to /dev/kmsg",
			 strerror(-err));
	else
		snprintf(buf, size, "%s", strerror(-err));
}

/* Hand buf to the assembler; keep the unconsumed tail at the front. */
static size_t feed(struct og_asm *a, char *buf, size_t have, bool eof)
{
	size_t used = og_asm_feed(a, buf, have, eof);
	if (!eof && used == 0 && have == READ_BUF) {
		/* a single line longer than the buffer: not a log line we read */
		return 0;
	}
	memmove(buf, buf + used, have - used);
	return have - used;
}

static int read_plain(struct og_asm *a, int fd, char *buf, size_t have, unsigned long long *nbytes)
{
	for (;;) {
		ssize_t n = read(fd, buf + have, READ_BUF - have);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		*nbytes += (unsigned long long)n;
		have += (size_t)n;
		if (n == 0) {
			feed(a, buf, have, true);
			return 0;
		}
		have = feed(a, buf, have, false);
	}
}

#ifdef HAVE_ZLIB
static int read_gzip(struct og_asm *a, int fd, char *buf, unsigned long long *nbytes)
{
	gzFile gz = gzdopen(fd, "rb");
	size_t have = 0;
	if (!gz)
		return -ENOMEM;
	gzbuffer(gz, 256u << 10);
	for (;;) {
		int n = gzread(gz, buf + have, (unsigned)(READ_BUF - have)), zerr = Z_OK;
		if (n > 0) {
			*nbytes += (unsigned long long)n;
			have = feed(a, buf, have + (size_t)n, false);
			continue;
		}
		/* End of input, clean or not: what was read is kept either way.
		 * zlib says Z_BUF_ERROR for a stream that stops early (what zcat
		 * reports as "unexpected end of file"). */
		gzerror(gz, &zerr);
		feed(a, buf, have, true);
		gzclose(gz);
		if (n < 0 || zerr != Z_OK)
			return zerr == Z_BUF_ERROR ? -EPIPE : -EBADMSG;
		return 0;
	}
}
#endif

/* The first two bytes (fewer at end of file) into buf, for the gzip magic.
 * Returns how many were read, or -errno. */
static ssize_t peek2(int fd, char *buf)
{
	size_t have = 0;
	ssize_t n;

	while (have < 2 && (n = read(fd, buf + have, 2 - have)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		have += (size_t)n;
	}
	return (ssize_t)have;
}

/* The rest of fd after the peeked bytes: gzip or plain text.  Takes fd
 * (gzip closes it; the caller closes a plain one). */
static int read_rest(struct og_asm *a, int *fd, bool is_stdin, char *buf, size_t have,
		     unsigned long long *nbytes)
{
	if (have == 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b) {
#ifdef HAVE_ZLIB
		if (is_stdin || lseek(*fd, 0, SEEK_SET) != 0)
			return -ESPIPE; /* gzip on a pipe: zlib needs the magic bytes back */
		int r = read_gzip(a, *fd, buf, nbytes);
		*fd = -1; /* gzclose closed it */
		return r;
#else
		(void)is_stdin;
		return -EPROTONOSUPPORT;
#endif
	}
	*nbytes = have;
	return read_plain(a, *fd, buf, have, nbytes);
}

int og_src_file(struct og_asm *a, const char *path, unsigned long long *nbytes)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	struct og_prefix_ctx ctx = local_ctx(false);
	struct stat st;
	char *buf = NULL;
	ssize_t have;
	int r;

	*nbytes = 0;
	if (fd < 0)
		return -errno;
	memset(&st, 0, sizeof(st)); /* an fstat failure reads as "not a file" */
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		r = -EISDIR;
	else if (!(buf = malloc(READ_BUF)))
		r = -ENOMEM;
	else
		r = 0;
	if (r < 0) {
		if (!is_stdin)
			close(fd);
		return r;
	}
	if (!is_stdin && S_ISREG(st.st_mode))
		ctx_at(&ctx, st.st_mtime);
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	og_asm_set_source(a, is_stdin ? "stdin" : path, &ctx);
	have = peek2(fd, buf);
	r = have < 0 ? (int)have : read_rest(a, &fd, is_stdin, buf, (size_t)have, nbytes);
	free(buf);
	if (fd > 0 && !is_stdin)
		close(fd);
	og_asm_finish(a);
	return r;
}

#ifdef HAVE_SYSTEMD
static int field(sd_journal *j, const char *name, const char **val, size_t *len)
{
	const void *d;
	size_t l, nl = strlen(name);
	int r = sd_journal_get_data(j, name, &d, &l);
	if (r < 0)
		return r;
	if (l <= nl || ((const char *)d)[nl] != '=')
		return -EBADMSG;
	*val = (const char *)d + nl + 1;
	*len = l - nl - 1;
	return 0;
}

struct boot {
	char id[33];
	uint64_t first;
};

static int cmp_boot(const void *x, const void *y)
{
	const struct boot *a = x, *b = y;
	return a->first < b->first ? -1 : a->first > b->first;
}

/* journalctl's numbering: 0 and negatives count back from the newest boot,
 * positives count forward from the oldest. */
static int resolve_boot(sd_journal *j, int want, char id[33])
{
	struct boot *b = NULL;
	size_t nb = 0, cap = 0;
	const void *d;
	size_t l;
	int r = sd_journal_query_unique(j, "_BOOT_ID");
	if (r < 0)
		return r;
	SD_JOURNAL_FOREACH_UNIQUE(j, d, l)
	{
		if (l != 9 + 32)
			continue;
		if (nb == cap) {
			cap = cap ? cap * 2 : 16;
			struct boot *nbp = realloc(b, cap * sizeof(*b));
			if (!nbp) {
				free(b);
				return -ENOMEM;
			}
			b = nbp;
		}
		memcpy(b[nb].id, (const char *)d + 9, 32);
		b[nb].id[32] = '\0';
		b[nb].first = UINT64_MAX;
		nb++;
	}
	for (size_t i = 0; i < nb; i++) {
		char m[64];
		snprintf(m, sizeof(m), "_BOOT_ID=%s", b[i].id);
		sd_journal_flush_matches(j);
		if (sd_journal_add_match(j, m, 0) < 0 || sd_journal_seek_head(j) < 0 ||
		    sd_journal_next(j) <= 0)
			continue;
		sd_journal_get_realtime_usec(j, &b[i].first);
	}
	sd_journal_flush_matches(j);
	qsort(b, nb, sizeof(*b), cmp_boot);
	long idx = want > 0 ? want - 1 : (long)nb - 1 + want;
	if (idx < 0 || (size_t)idx >= nb) {
		free(b);
		return -ENOENT;
	}
	memcpy(id, b[idx].id, 33);
	free(b);
	return 0;
}

/* The boot o asks for as a 32-hex id (the current one, or -N back). */
static int journal_boot(sd_journal *j, const struct og_journal_opts *o, char boot[33])
{
	sd_id128_t id;
	int r;

	if (o->boot != 0 || o->directory)
		return resolve_boot(j, o->boot, boot);
	if ((r = sd_id128_get_boot(&id)) < 0)
		return r;
	sd_id128_to_string(id, boot);
	return 0;
}

/* (kernel OR the userspace killers and managers) [AND this boot], and the
 * position --since asks for. */
static int journal_filter(sd_journal *j, const struct og_journal_opts *o)
{
	static const char *const idents[] = { "SYSLOG_IDENTIFIER=systemd-oomd",
					      "SYSLOG_IDENTIFIER=systemd",
					      "SYSLOG_IDENTIFIER=earlyoom",
					      "SYSLOG_IDENTIFIER=nohang" };
	char boot[33], m[64];
	int r;

	if (o->boot_set && (r = journal_boot(j, o, boot)) < 0)
		return r;
	if (!o->skip_kernel && ((r = sd_journal_add_match(j, "_TRANSPORT=kernel", 0)) < 0 ||
				(r = sd_journal_add_disjunction(j)) < 0))
		return r;
	for (size_t i = 0; i < sizeof(idents) / sizeof(idents[0]); i++)
		if ((r = sd_journal_add_match(j, idents[i], 0)) < 0)
			return r;
	if (o->boot_set) {
		snprintf(m, sizeof(m), "_BOOT_ID=%s", boot);
		if ((r = sd_journal_add_conjunction(j)) < 0 ||
		    (r = sd_journal_add_match(j, m, 0)) < 0)
			return r;
	}
	return o->since_us != OG_TIME_NONE ? sd_journal_seek_realtime_usec(j, (uint64_t)o->since_us)
					   : sd_journal_seek_head(j);
}

/* The entry j is at, into the assembler.  Returns 1 for an entry with a
 * MESSAGE, 0 for one without, -1 past --until. */
static int journal_entry(sd_journal *j, struct og_asm *a, int64_t until_us)
{
	uint64_t rt;
	const char *msg, *id, *tr;
	size_t ml, il, tl;
	struct og_line l;

	if (sd_journal_get_realtime_usec(j, &rt) < 0)
		return 0;
	if (until_us != OG_TIME_NONE && (int64_t)rt > until_us)
		return -1;
	if (field(j, "MESSAGE", &msg, &ml) < 0)
		return 0;
	memset(&l, 0, sizeof(l));
	l.wall_us = (int64_t)rt;
	l.mono_us = OG_TIME_NONE;
	if (field(j, "_TRANSPORT", &tr, &tl) == 0 && tl == 6 && !memcmp(tr, "kernel", 6))
		snprintf(l.ident, sizeof(l.ident), "kernel");
	else if (field(j, "SYSLOG_IDENTIFIER", &id, &il) == 0)
		snprintf(l.ident, sizeof(l.ident), "%.*s", (int)(il < 31 ? il : 31), id);
	/* oomd's candidate dump may be one entry with embedded newlines */
	og_asm_msg_lines(a, &l, msg, ml);
	return 1;
}

int og_src_journal(struct og_asm *a, const struct og_journal_opts *o, size_t *nent)
{
	sd_journal *j = NULL;
	int r, e;

	*nent = 0;
	if (!og_sd())
		return -ELIBACC; /* libsystemd.so.0 not loadable: no journal */
	r = o->directory ? sd_journal_open_directory(&j, o->directory, 0)
			 : sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
	if (r < 0)
		return r;
	if ((r = journal_filter(j, o)) >= 0) {
		struct og_prefix_ctx ctx = local_ctx(false);
		og_asm_set_source(a, o->directory ? o->directory : "journal", &ctx);
		while ((r = sd_journal_next(j)) > 0 && (e = journal_entry(j, a, o->until_us)) >= 0)
			*nent += (size_t)e;
	}
	og_asm_finish(a);
	sd_journal_close(j);
	return r < 0 ? r : 0;
}
#else
int og_src_journal(struct og_asm *a, const struct og_journal_opts *o, size_t *nent)
{
	(void)a;
	(void)o;
	*nent = 0;
	return -ENOTSUP;
}
#endif

static const struct og_event *match_pid(const struct og_asm *a, pid_t pid, const char *cgroups,
					int64_t since_us)
{
	for (size_t i = a->nev; i-- > 0;) {
		const struct og_event *e = &a->ev[i];
		int64_t t = e->wall_us;
		if ((t == OG_TIME_NONE || t >= since_us) && og_event_matches(e, pid, cgroups))
			return e;
	}
	return NULL;
}

/* One look at the logs: /dev/kmsg, then the journal (with the kernel's
 * lines too when /dev/kmsg could not be read).  *kmsg_err gets /dev/kmsg's
 * error, 0 when it was read. */
static const struct og_event *diagnose_once(struct og_asm *a, pid_t pid, const char *cgroups,
					    int64_t since_us, int *kmsg_err)
{
	size_t n, ne;
	a->nev = 0;
	*kmsg_err = og_src_kmsg(a, &n);
	const struct og_event *e = *kmsg_err == 0 ? match_pid(a, pid, cgroups, since_us) : NULL;
	if (e)
		return e;
	struct og_journal_opts o = { .boot_set = true,
				     .boot = 0,
				     .since_us = since_us,
				     .until_us = OG_TIME_NONE,
				     .skip_kernel = *kmsg_err == 0 };
	return og_src_journal(a, &o, &ne) == 0 ? match_pid(a, pid, cgroups, since_us) : NULL;
}

int og_why_diagnose(pid_t pid, const char *cgroups, time_t since, char *line, size_t size)
{
	struct og_asm *a = malloc(sizeof(*a));
	int64_t since_us = ((int64_t)since - 2) * 1000000;
	int kerr = 0;

	if (!a)
		return -ENOMEM;
	og_asm_init(a, "/dev/kmsg", NULL);
	/* The kernel prints "Killed process" right after sending SIGKILL, so
	 * it is normally there before we reap the job; allow for a slow log. */
	for (int tries = 0; tries < 10; tries++) {
		const struct og_event *e = diagnose_once(a, pid, cgroups, since_us, &kerr);
		if (e) {
			struct og_event ev = *e;
			/* systemd-oomd advice follows the rule of this machine's version. */
			if (ev.killer == OG_K_OOMD || ev.killer == OG_K_OOMD_PRESSURE ||
			    ev.killer == OG_K_OOMD_SWAP)
				og_event_explain(&ev, og_sd_local_version());
			if (ev.victim.pid == pid)
				snprintf(line, size, "pid %d (%s) was killed by %s: %s", (int)pid,
					 ev.victim.comm, og_killer_name(ev.killer), ev.why);
			else
				snprintf(line, size,
					 "pid %d was killed with its cgroup %s by %s: %s", (int)pid,
					 ev.cgroup, og_killer_name(ev.killer), ev.why);
			og_asm_free(a);
			free(a);
			return 0;
		}
		usleep(100000);
	}
	og_asm_free(a);
	free(a);
	/* Not found is only "nobody logged it" when the kernel's log was read:
	 * an unreadable one (dmesg_restrict) proves nothing. */
	return kerr < 0 ? kerr : -ENOENT;
}
