/* System memory: /proc/meminfo and PSI files (pure parsers + readers). */
#ifndef OG_MEMINFO_H
#define OG_MEMINFO_H
#include <stdbool.h>
#include <stddef.h>

/* kB; -1 when the kernel does not report the field. */
struct og_meminfo {
	long long mem_total, mem_free, mem_available, buffers, cached;
	long long swap_total, swap_free, anon_pages, shmem, page_tables;
};
int og_parse_meminfo(const char *buf, size_t len, struct og_meminfo *m);
int og_read_meminfo(const char *procroot, struct og_meminfo *m);

/* /proc/pressure/memory or a cgroup's memory.pressure:
 *   some avg10=0.00 avg60=0.00 avg300=0.00 total=0
 *   full avg10=0.00 avg60=0.00 avg300=0.00 total=0   (absent before 5.13 for cpu) */
struct og_psi_line {
	bool present;
	double avg10, avg60, avg300;
	unsigned long long total_us;
};
struct og_psi {
	struct og_psi_line some, full;
};
int og_parse_psi(const char *buf, size_t len, struct og_psi *p);
/* path absolute, e.g. "/proc/pressure/memory".  -ENOENT without PSI. */
int og_read_psi(const char *path, struct og_psi *p);

#endif
