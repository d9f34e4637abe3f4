/* systemd's value syntax, as oomd.conf and oomctl's dump use it: time spans
 * (man systemd.time, "PARSING TIME SPANS") and percentages (man oomd.conf:
 * SwapUsedLimit=, DefaultMemoryPressureLimit=).  One reader for both the
 * configuration files and the dump, so the two cannot disagree. */
#ifndef OG_SDVALUE_H
#define OG_SDVALUE_H
#include <stddef.h>

/* A time span: one or more "<number>[.<fraction>][ ]<unit>" parts summed
 * ("20s", "1min 30s", "1.5s", "2d", "30sec", "500 ms"); a part without a
 * unit is seconds, as systemd's parse_sec() reads it; "infinity" is ~0.
 * Units: usec us µs μs, msec ms, seconds second sec s, minutes minute min m,
 * hours hour hr h, days day d, weeks week w, months month M, years year y.
 * Returns 0 with *usec, -EINVAL, or -ERANGE (negative or beyond 2^64 µs). */
int og_timespan_parse(const char *s, size_t len, unsigned long long *usec);

/* A percentage with up to two decimals ("60%", "60.5%", "95.25%"), or the
 * permille ("60.5‰", one decimal) and permyriad ("6050‱") forms systemd's
 * parse_permyriad() also takes, as permyriad 0..10000.
 * Returns 0, -EINVAL, or -ERANGE (above 100%). */
int og_percent_parse(const char *s, size_t len, int *permyriad);

#endif
