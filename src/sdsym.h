/* libsystemd, loaded on first use instead of at exec.
 *
 * Linking libsystemd pulls libgcrypt, liblzma, libzstd, liblz4 and
 * libgpg-error into every start of oomguard: about 1.5M cycles in the dynamic
 * loader (LD_DEBUG=statistics), most of `run`'s start-up overhead over choom.
 * Only sd-bus (scopes, systemd-oomd) and sd-journal (why) need it, so it is
 * dlopen()ed there.  Files that call sd_* include this header after the
 * libsystemd headers; every sd_* call then goes through og_sd(), whose table
 * is filled once.  Callers must check og_sd() != NULL at their entry point
 * (og_sd_open, og_src_journal) before any other sd_* call. */
#ifndef OG_SDSYM_H
#define OG_SDSYM_H
#ifdef HAVE_SYSTEMD
#include <systemd/sd-bus.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#define OG_SD_SYMS(X)                                                                                           \
	X(sd_bus_call)                                                                                          \
	X(sd_bus_call_method) X(sd_bus_error_free) X(sd_bus_error_has_name) X(sd_bus_flush_close_unref) X(      \
		sd_bus_get_property_string) X(sd_bus_match_signal) X(sd_bus_message_append)                     \
		X(sd_bus_message_append_array) X(sd_bus_message_close_container) X(                             \
			sd_bus_message_new_method_call) X(sd_bus_message_open_container) X(sd_bus_message_read) \
			X(sd_bus_message_set_auto_start) X(sd_bus_message_unref) X(sd_bus_open_system) X(       \
				sd_bus_open_user) X(sd_bus_process) X(sd_bus_slot_unref)                        \
				X(sd_bus_wait) X(sd_id128_get_boot) X(sd_id128_to_string) X(                    \
					sd_journal_add_conjunction) X(sd_journal_add_disjunction)               \
					X(sd_journal_add_match) X(sd_journal_close) X(                          \
						sd_journal_flush_matches) X(sd_journal_get_data)                \
						X(sd_journal_get_realtime_usec) X(sd_journal_next) X(           \
							sd_journal_open) X(sd_journal_open_directory)           \
							X(sd_journal_query_unique) X(                           \
								sd_journal_seek_head)                           \
								X(sd_journal_seek_realtime_usec) X(             \
									sd_journal_restart_unique)              \
									X(sd_journal_enumerate_available_unique) /* SD_JOURNAL_FOREACH_UNIQUE */

struct og_sd_syms {
#define OG_SD_PTR(f) __typeof__(f) *f;
	OG_SD_SYMS(OG_SD_PTR)
#undef OG_SD_PTR
};

/* The table, or NULL when libsystemd.so.0 or one of its symbols is missing. */
const struct og_sd_syms *og_sd(void);

#ifndef OG_SDSYM_IMPL
#define sd_bus_call (og_sd()->sd_bus_call)
#define sd_bus_call_method (og_sd()->sd_bus_call_method)
#define sd_bus_error_free (og_sd()->sd_bus_error_free)
#define sd_bus_error_has_name (og_sd()->sd_bus_error_has_name)
#define sd_bus_flush_close_unref (og_sd()->sd_bus_flush_close_unref)
#define sd_bus_get_property_string (og_sd()->sd_bus_get_property_string)
#define sd_bus_match_signal (og_sd()->sd_bus_match_signal)
#define sd_bus_message_append (og_sd()->sd_bus_message_append)
#define sd_bus_message_append_array (og_sd()->sd_bus_message_append_array)
#define sd_bus_message_close_container (og_sd()->sd_bus_message_close_container)
#define sd_bus_message_new_method_call (og_sd()->sd_bus_message_new_method_call)
#define sd_bus_message_open_container (og_sd()->sd_bus_message_open_container)
#define sd_bus_message_read (og_sd()->sd_bus_message_read)
#define sd_bus_message_set_auto_start (og_sd()->sd_bus_message_set_auto_start)
#define sd_bus_message_unref (og_sd()->sd_bus_message_unref)
#define sd_bus_open_system (og_sd()->sd_bus_open_system)
#define sd_bus_open_user (og_sd()->sd_bus_open_user)
#define sd_bus_process (og_sd()->sd_bus_process)
#define sd_bus_slot_unref (og_sd()->sd_bus_slot_unref)
#define sd_bus_wait (og_sd()->sd_bus_wait)
#define sd_id128_get_boot (og_sd()->sd_id128_get_boot)
#define sd_id128_to_string (og_sd()->sd_id128_to_string)
#define sd_journal_add_conjunction (og_sd()->sd_journal_add_conjunction)
#define sd_journal_add_disjunction (og_sd()->sd_journal_add_disjunction)
#define sd_journal_add_match (og_sd()->sd_journal_add_match)
#define sd_journal_close (og_sd()->sd_journal_close)
#define sd_journal_flush_matches (og_sd()->sd_journal_flush_matches)
#define sd_journal_get_data (og_sd()->sd_journal_get_data)
#define sd_journal_get_realtime_usec (og_sd()->sd_journal_get_realtime_usec)
#define sd_journal_next (og_sd()->sd_journal_next)
#define sd_journal_open (og_sd()->sd_journal_open)
#define sd_journal_open_directory (og_sd()->sd_journal_open_directory)
#define sd_journal_query_unique (og_sd()->sd_journal_query_unique)
#define sd_journal_seek_head (og_sd()->sd_journal_seek_head)
#define sd_journal_seek_realtime_usec (og_sd()->sd_journal_seek_realtime_usec)
#define sd_journal_restart_unique (og_sd()->sd_journal_restart_unique)
#define sd_journal_enumerate_available_unique (og_sd()->sd_journal_enumerate_available_unique)
#endif /* OG_SDSYM_IMPL */
#endif /* HAVE_SYSTEMD */
#endif
