/* The systemd-oomd part of top and doctor: what they print, without the
 * dump parser's types. */
#ifndef OG_OOMD_REPORT_H
#define OG_OOMD_REPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* From systemd-oomd's own dump: each monitored cgroup with its rule, its
 * PSI full avg10 against the limit, whether it reclaimed during the sample,
 * and its candidates in oomd's order with the next victim, from two samples
 * one oomd interval (1 s) apart: the call takes that long when oomd
 * monitors anything.  Text lines after indent, or with json a JSON array.
 * Returns 0, or -errno with the reason in why (not running, no libsystemd,
 * no bus). */
int og_oomd_report(FILE *f, bool json, const char *indent, long long swap_total_bytes, char *why,
		   size_t whysz);

#endif
