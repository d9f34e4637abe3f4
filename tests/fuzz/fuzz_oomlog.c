/* libFuzzer target: OOM log prefixes, record parsers, the anchor prefilter
 * the episode assembler and its advice on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "episode.h"
#include "oomlog.h"
#include "oomlog_slurm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct og_prefix_ctx ctx = { .year = 2026, .utc_offset = 3600, .boot_wall_us = 1700000000000000LL, .now_us = OG_TIME_NONE };
	struct og_line l;
	struct og_rec r;
	struct og_tbl_layout lay = { 4, { OG_COL_UID, OG_COL_RSS, OG_COL_PGTABLES_BYTES, OG_COL_ADJ } };

	/* Each record parser sees the input as one message, with and without an
	 * identifier, and the prefix parser sees it as one line. */
	og_prefix_parse(s, size, &ctx, &l);
	if (l.msg < s || l.msg + l.len > s + size)
		__builtin_trap();
	og_parse_msg(l.msg, l.len, l.ident, &lay, &r);
	og_parse_msg(s, size, "", &lay, &r);
	og_parse_msg(s, size, "nohang", NULL, &r);
	if (strnlen(r.t.comm, sizeof(r.t.comm)) >= sizeof(r.t.comm) || strnlen(r.path, sizeof(r.path)) >= sizeof(r.path))
		__builtin_trap();
	og_parse_msg(s, size, "earlyoom", NULL, &r);
	og_parse_msg(s, size, "systemd-oomd", NULL, &r);

	/* The tolerant paths: wrapped-line detection and joining words, a
	 * second record inside a line, the prefix found inside a line. */
	int wk = og_wrap_kind(s, size);
	if (wk < OG_WRAP_NONE || wk > OG_WRAP_EARLYOOM)
		__builtin_trap();
	og_wrap_continues(wk ? wk : OG_WRAP_KILLED, s, size);
	og_wrap_word(s, size < 16 ? size : 16);
	struct og_slurm_oom so;
	if (og_slurm_oom_parse(s, size, &so) && (so.count < 1 || strnlen(so.step, sizeof(so.step)) >= sizeof(so.step)))
		__builtin_trap();
	size_t emb = og_embedded_stamp(s, size);
	if (emb > size)
		__builtin_trap();
	if (emb < size) {
		og_prefix_parse(s + emb, size - emb, &ctx, &l);
		if (l.msg < s + emb || l.msg + l.len > s + size)
			__builtin_trap();
	}
	if (l.wall_us == OG_TIME_NONE && l.year_guess)
		__builtin_trap();

	/* The whole input as a log, fed in two uneven pieces (the assembler holds
	 * wrapped lines, reads journal json/json-pretty/export entries). */
	/* one assembler for the whole run: a fresh 200 KiB allocation per input
	 * would cost more under ASan than the parsing */
	static struct og_asm *a;
	if (!a && !(a = malloc(sizeof(*a))))
		return 0;
	og_asm_init(a, "fuzz", &ctx);
	size_t cut = size ? data[0] % (size + 1) : 0;
	size_t used = og_asm_feed(a, s, cut, false);
	if (used > cut)
		__builtin_trap();
	og_asm_feed(a, s + used, size - used, true);
	og_asm_finish(a);
	/* The advice reads the logged cgroups again, by systemd version (the
	 * assembler explains with the version unknown; why passes one). */
	static const int versions[] = { 0, 247, 249, 252, 253 };
	for (size_t i = 0; i < a->nev; i++)
		for (size_t k = 0; k < sizeof(versions) / sizeof(versions[0]); k++) {
			og_event_explain(&a->ev[i], versions[k]);
			if (strnlen(a->ev[i].why, sizeof(a->ev[i].why)) >= sizeof(a->ev[i].why))
				__builtin_trap();
		}
	og_events_sort(a->ev, a->nev);
	og_asm_free(a);
	return 0;
}
