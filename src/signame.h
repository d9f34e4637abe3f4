/* Signals by name: the few a user names for a warning (HUP INT QUIT KILL
 * USR1 USR2 TERM CONT STOP TSTP ALRM PWR WINCH URG), any by number. */
#ifndef OG_SIGNAME_H
#define OG_SIGNAME_H
#include <stddef.h>

/* "USR1", "SIGUSR1", "10", "none"/"0" -> signal number (0 = none).  -EINVAL otherwise. */
int og_signal_parse(const char *s, int *sig);
/* --warn-signal: og_signal_parse, and only a signal the job can catch (KILL
 * and STOP refused).  -EINVAL with the option's error line in err. */
int og_warn_signal_parse(const char *s, int *sig, char *err, size_t errsz);
/* "SIGUSR1", or "signal N" in buf. */
const char *og_signal_name(int sig, char *buf, size_t size);

#endif
