/* journalctl's entry formats, as users paste them: -o json (one object per
 * line), -o json-pretty (one field per line between "{" and "}") and
 * -o export (KEY=value lines, entries separated by a blank line).  Pure
 * parsers of one line into the entry being collected; the fields read are
 * MESSAGE, the realtime and kernel monotonic stamps, SYSLOG_IDENTIFIER,
 * _PID/SYSLOG_PID and _TRANSPORT.  Sources: systemd's
 * docs/JOURNAL_EXPORT_FORMATS.md (field names, binary export fields, byte
 * arrays for MESSAGE that is not UTF-8). */
#ifndef OG_LOGJSON_H
#define OG_LOGJSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OG_JMSG 8192

struct og_jentry {
	char msg[OG_JMSG];
	size_t msg_len;
	bool have_msg;
	char ident[32];
	int pid;
	bool kernel;          /* _TRANSPORT=kernel */
	int64_t realtime_us;  /* _SOURCE_REALTIME_TIMESTAMP, else __REALTIME_TIMESTAMP; INT64_MIN */
	int64_t mono_us;      /* _SOURCE_MONOTONIC_TIMESTAMP (the kernel's stamp); INT64_MIN */
	bool source_rt;       /* realtime_us came from _SOURCE_REALTIME_TIMESTAMP */
	char pending_key[32]; /* export: a binary field's name, its value on the next line */
};

void og_jentry_reset(struct og_jentry *e);
/* A whole -o json object on one line: true when it was one. */
bool og_json_entry(const char *line, size_t len, struct og_jentry *e);
/* One "KEY" : value line of -o json-pretty: true when it was one. */
bool og_json_field_line(const char *line, size_t len, struct og_jentry *e);
/* One KEY=value line of -o export (or a binary field's name / value). */
bool og_export_line(const char *line, size_t len, struct og_jentry *e);

#endif
