#include "privilege.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

static bool cap_permitted(cap_value_t v)
{
	cap_t c = cap_get_proc();
	cap_flag_value_t f = CAP_CLEAR;

	if (!c)
		return false;
	if (cap_get_flag(c, v, CAP_PERMITTED, &f) < 0)
		f = CAP_CLEAR;
	cap_free(c);
	return f == CAP_SET;
}

int og_priv_detect(struct og_priv *pv)
{
	const char *su = getenv("SUDO_UID");
	struct passwd *pw;

	memset(pv, 0, sizeof(*pv));
	pv->ruid = getuid();
	pv->rgid = getgid();
	pv->has_cap = cap_permitted(CAP_SYS_RESOURCE);
	if (geteuid() == 0) {
		pv->route = OG_ROUTE_ROOT;
		if (su && *su) {
			long uid, gid;
			const char *sg = getenv("SUDO_GID");
			if (og_parse_long(su, 0, 0x7fffffff, &uid) < 0)
				return -EINVAL;
			if (uid != 0) {
				pw = getpwuid((uid_t)uid);
				if (!pw)
					return -ENOENT;
				if (sg && *sg) {
					if (og_parse_long(sg, 0, 0x7fffffff, &gid) < 0)
						return -EINVAL;
				} else {
					gid = (long)pw->pw_gid;
				}
				pv->route = OG_ROUTE_SUDO;
				pv->ruid = (uid_t)uid;
				pv->rgid = (gid_t)gid;
				snprintf(pv->user, sizeof(pv->user), "%s", pw->pw_name);
			}
		}
	} else {
		pv->route = pv->has_cap ? OG_ROUTE_CAP : OG_ROUTE_NONE;
	}
	/* No passwd lookup on the other routes: NSS set-up (nsswitch.conf,
	 * nscd probes, /etc/passwd) was a measurable part of `run`'s start. */
	return 0;
}

const char *og_route_name(enum og_route r)
{
	switch (r) {
	case OG_ROUTE_ROOT: return "root";
	case OG_ROUTE_SUDO: return "sudo";
	case OG_ROUTE_CAP: return "capability";
	case OG_ROUTE_NONE: return "unprivileged";
	}
	return "?";
}

static int set_effective(cap_flag_value_t val)
{
	cap_value_t v = CAP_SYS_RESOURCE;
	cap_t c;
	int r = 0;

	if (!cap_permitted(CAP_SYS_RESOURCE))
		return 0;
	c = cap_get_proc();
	if (!c)
		return -errno;
	if (cap_set_flag(c, CAP_EFFECTIVE, 1, &v, val) < 0 || cap_set_proc(c) < 0)
		r = -errno;
	cap_free(c);
	return r;
}

bool og_priv_bounding_lacks_resource(void)
{
	/* 0: dropped from the bounding set (a container started without it);
	 * -1 (EINVAL): a kernel that does not know the capability. */
	return prctl(PR_CAPBSET_READ, CAP_SYS_RESOURCE, 0, 0, 0) == 0;
}

int og_priv_raise(void)
{
	return set_effective(CAP_SET);
}
int og_priv_lower(void)
{
	return set_effective(CAP_CLEAR);
}

int og_priv_clear_caps(void)
{
	cap_t c = cap_init(); /* all sets empty */
	int r = 0;

	if (!c)
		return -errno;
	if (cap_set_proc(c) < 0)
		r = -errno;
	cap_free(c);
	if (r == 0 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		r = -errno;
	if (r == 0) {
		c = cap_get_proc();
		if (!c)
			return -errno;
		cap_t empty = cap_init();
		if (!empty || cap_compare(c, empty) != 0)
			r = -EPERM;
		cap_free(empty);
		cap_free(c);
	}
	return r;
}

int og_priv_drop_to_user(const struct og_priv *pv)
{
	struct passwd *pw = getpwuid(pv->ruid);

	if (!pw)
		return -ENOENT;
	if (initgroups(pw->pw_name, pv->rgid) < 0)
		return -errno;
	if (setresgid(pv->rgid, pv->rgid, pv->rgid) < 0)
		return -errno;
	/* setresuid from root to non-root clears permitted/effective caps
	 * (unless SECBIT_KEEP_CAPS, which we never set) and all three uids, so
	 * nothing in the job can switch back. */
	if (setresuid(pv->ruid, pv->ruid, pv->ruid) < 0)
		return -errno;
	if (setuid(0) == 0 || seteuid(0) == 0)
		return -EPERM;
	setenv("HOME", pw->pw_dir, 1);
	setenv("USER", pw->pw_name, 1);
	setenv("LOGNAME", pw->pw_name, 1);
	setenv("SHELL", pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh", 1);
	return 0;
}

bool og_priv_may_touch(const struct og_priv *pv, long uid)
{
	if (geteuid() == 0 && pv->route != OG_ROUTE_CAP)
		return true;
	return uid == (long)getuid();
}

char **og_priv_caller_environ(void)
{
	size_t cap = 1 << 16, len = 0, n = 0;
	char *buf;
	char **env;

	if (!getauxval(AT_SECURE))
		return NULL;
	buf = malloc(cap);
	if (!buf)
		return NULL;
	/* The kernel keeps the original block on the stack; glibc only dropped
	 * pointers to it from environ. */
	for (;;) {
		ssize_t r = og_read_at(AT_FDCWD, "/proc/self/environ", buf, cap);
		if (r >= 0) {
			len = (size_t)r;
			break;
		}
		if (r != -EFBIG || cap >= (16u << 20)) {
			free(buf);
			return NULL;
		}
		cap *= 4;
		char *nb = realloc(buf, cap);
		if (!nb) {
			free(buf);
			return NULL;
		}
		buf = nb;
	}
	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\0';
	env = calloc(n + 2, sizeof(*env));
	if (!env) {
		free(buf);
		return NULL;
	}
	n = 0;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		if (buf[i])
			env[n++] = buf + i;
	env[n] = NULL;
	return env; /* buf lives as long as the process image: until exec */
}
