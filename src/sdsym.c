/* dlopen() of libsystemd on first use; see sdsym.h for why. */
#define OG_SDSYM_IMPL
#include "sdsym.h"

#ifdef HAVE_SYSTEMD
#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>

const struct og_sd_syms *og_sd(void)
{
	/* Filled once and never changed afterwards; oomguard is single-threaded
	 * where it talks to systemd. */
	static struct og_sd_syms t;
	static int state; /* 0 not tried, 1 loaded, -1 unavailable */

	if (state == 0) {
		void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
		bool ok = h != NULL;
#define OG_SD_LOAD(f)                               \
	if (ok && !(*(void **)&t.f = dlsym(h, #f))) \
		ok = false;
		OG_SD_SYMS(OG_SD_LOAD)
#undef OG_SD_LOAD
		state = ok ? 1 : -1;
	}
	return state == 1 ? &t : NULL;
}
#else
/* Keeps the translation unit non-empty (ISO C) without libsystemd. */
typedef int og_sdsym_unused;
#endif
