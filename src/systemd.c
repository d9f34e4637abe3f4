#include "systemd.h"
#include "cgroup.h"
#include "oomd_rule.h"
#include "render.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sdsym.h"

/* ---- cgroup facts (no libsystemd needed) ---------------------------------- */

bool og_sd_running(void)
{
	return access("/run/systemd/system", F_OK) == 0;
}

/* ---- sd-bus ----------------------------------------------------------------- */

#ifdef HAVE_SYSTEMD
struct og_bus {
	sd_bus *bus;
};

bool og_sd_built(void)
{
	return true;
}

/* Before any sd_* call (they go through og_sd(), see sdsym.h).  Every bus we
 * use (scopes, systemd-oomd) needs systemd as the service manager; without it
 * (the sd_booted() test) there is no such bus, and no reason to load
 * libsystemd at all: the start path of `run` stays light. */
static int bus_gate(void)
{
	if (!og_sd_running())
		return -ENOENT;
	return og_sd() ? 0 : -ELIBACC;
}

int og_sd_open(bool system, struct og_bus **out)
{
	struct og_bus *b;
	int r;

	if ((r = bus_gate()) < 0)
		return r;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	r = system ? sd_bus_open_system(&b->bus) : sd_bus_open_user(&b->bus);
	if (r < 0) {
		free(b);
		return r;
	}
	*out = b;
	return 0;
}

void og_sd_close(struct og_bus *b)
{
	if (!b)
		return;
	sd_bus_flush_close_unref(b->bus);
	free(b);
}

int og_sd_manager_version(struct og_bus *b)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char *v = NULL;
	int r = sd_bus_get_property_string(b->bus, "org.freedesktop.systemd1",
					   "/org/freedesktop/systemd1",
					   "org.freedesktop.systemd1.Manager", "Version", &e, &v);
	sd_bus_error_free(&e);
	if (r < 0)
		return r;
	r = og_systemd_version_parse(v, strlen(v));
	free(v);
	return r;
}

struct jobwait {
	char *job;
	char result[32];
	bool done;
};

static int on_job_removed(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct jobwait *w = data;
	const char *path, *unit, *result;
	uint32_t id;

	(void)e;
	if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
		return 0;
	if (w->job && !strcmp(path, w->job)) {
		snprintf(w->result, sizeof(w->result), "%s", result);
		w->done = true;
	}
	return 0;
}

/* MemoryMax=/MemoryHigh=/MemorySwapMax= (bytes, "t"), as systemd-run -p
 * sets them: systemd.resource-control(5). */
static int append_cap_props(sd_bus_message *m, const struct og_memcap_req *c)
{
	int r = 0;

	if (!c)
		return 0;
	if (c->max >= 0 &&
	    (r = sd_bus_message_append(m, "(sv)", "MemoryMax", "t", (uint64_t)c->max)) < 0)
		return r;
	if (c->high >= 0 &&
	    (r = sd_bus_message_append(m, "(sv)", "MemoryHigh", "t", (uint64_t)c->high)) < 0)
		return r;
	if (c->swap >= 0 &&
	    (r = sd_bus_message_append(m, "(sv)", "MemorySwapMax", "t", (uint64_t)c->swap)) < 0)
		return r;
	return 0;
}

static int append_scope_props(sd_bus_message *m, const char *slice, const char *desc,
			      const struct og_scope_req *req)
{
	uint32_t u[256];
	size_t npids = req->npids;
	enum og_oomd_pref pref = req->pref;
	int r;

	if (npids == 0 || npids > OG_ARRAY_LEN(u))
		return -EINVAL;
	for (size_t i = 0; i < npids; i++)
		u[i] = (uint32_t)req->pids[i];
	if ((r = sd_bus_message_open_container(m, 'a', "(sv)")) < 0 ||
	    (r = sd_bus_message_append(m, "(sv)", "Description", "s", desc)) < 0 ||
	    (r = sd_bus_message_append(m, "(sv)", "Slice", "s", slice)) < 0 ||
	    (r = sd_bus_message_append(m, "(sv)", "CollectMode", "s", "inactive-or-failed")) < 0)
		return r;
	/* Set at creation: a later set-property does not re-apply the xattr
	 * (src/core/cgroup.c: cgroup_oomd_xattr_apply runs when the unit's cgroup
	 * is realized, and a set-property finds it realized already). */
	if (pref != OG_OOMD_PREF_NONE &&
	    (r = sd_bus_message_append(m, "(sv)", "ManagedOOMPreference", "s",
				       og_oomd_pref_name(pref))) < 0)
		return r;
	if ((r = append_cap_props(m, req->cap)) < 0)
		return r;
	if ((r = sd_bus_message_open_container(m, 'r', "sv")) < 0 ||
	    (r = sd_bus_message_append(m, "s", "PIDs")) < 0 ||
	    (r = sd_bus_message_open_container(m, 'v', "au")) < 0 ||
	    (r = sd_bus_message_append_array(m, 'u', u, npids * sizeof(u[0]))) < 0 ||
	    (r = sd_bus_message_close_container(m)) < 0 ||
	    (r = sd_bus_message_close_container(m)) < 0 ||
	    (r = sd_bus_message_close_container(m)) < 0)
		return r;
	return sd_bus_message_append(m, "a(sa(sv))", 0);
}

/* Create a transient scope NAME (".scope") in SLICE holding req's PIDS, with
 * ManagedOOMPreference and the memory cap set at creation, and wait for its
 * start job.  Returns 0 or -errno with the bus error's text in err. */
/* StartTransientUnit for the scope; the job's object path into w->job.
 * Returns 0 or -errno (-EEXIST for a unit that exists) with err. */
static int start_call(struct og_bus *b, const char *name, const char *slice, const char *desc,
		      const struct og_scope_req *req, struct jobwait *w, char *err, size_t errsz)
{
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	const char *job;
	int r;

	r = sd_bus_message_new_method_call(
		b->bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
		"org.freedesktop.systemd1.Manager", "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", name, "fail");
	if (r >= 0)
		r = append_scope_props(m, slice, desc, req);
	if (r < 0)
		snprintf(err, errsz, "cannot build the request: %s", strerror(-r));
	else if ((r = sd_bus_call(b->bus, m, 0, &e, &reply)) < 0) {
		snprintf(err, errsz, "%s", e.message ? e.message : strerror(-r));
		if (sd_bus_error_has_name(&e, "org.freedesktop.systemd1.UnitExists"))
			r = -EEXIST;
	} else if ((r = sd_bus_message_read(reply, "o", &job)) < 0 || !(w->job = strdup(job))) {
		snprintf(err, errsz, "unexpected reply to StartTransientUnit");
		r = r < 0 ? r : -ENOMEM;
	}
	sd_bus_message_unref(m);
	sd_bus_message_unref(reply);
	sd_bus_error_free(&e);
	return r < 0 ? r : 0;
}

/* Until the start job's JobRemoved (30 s at most), then its result. */
static int job_wait(struct og_bus *b, struct jobwait *w, char *err, size_t errsz)
{
	int r;

	for (int waited = 0; !w->done;) {
		if ((r = sd_bus_process(b->bus, NULL)) < 0) {
			snprintf(err, errsz, "bus: %s", strerror(-r));
			return r;
		}
		if (r > 0)
			continue;
		if (waited >= 30000) {
			snprintf(err, errsz, "the scope's start job did not finish within 30 s");
			return -ETIMEDOUT;
		}
		sd_bus_wait(b->bus, 100000);
		waited += 100;
	}
	if (strcmp(w->result, "done")) {
		snprintf(err, errsz, "the scope's start job ended with '%s'", w->result);
		return -EIO;
	}
	return 0;
}

static int sd_start_scope(struct og_bus *b, const char *name, const char *slice, const char *desc,
			  const struct og_scope_req *req, char *err, size_t errsz)
{
	sd_bus_slot *slot = NULL;
	struct jobwait w = { 0 };
	int r;

	err[0] = '\0';
	/* The match goes in before the call so the JobRemoved cannot slip by. */
	r = sd_bus_match_signal(b->bus, &slot, "org.freedesktop.systemd1",
				"/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
				"JobRemoved", on_job_removed, &w);
	if (r < 0)
		snprintf(err, errsz, "cannot watch for the job: %s", strerror(-r));
	else if ((r = start_call(b, name, slice, desc, req, &w, err, errsz)) == 0)
		r = job_wait(b, &w, err, errsz);
	free(w.job);
	sd_bus_slot_unref(slot);
	return r;
}

static int read_all_fd(int fd, char **text)
{
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len + 1 == cap) {
			char *nb = cap < (16u << 20) ? realloc(buf, cap * 2) : NULL;
			if (!nb) {
				free(buf);
				return -EFBIG;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;
			free(buf);
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*text = buf;
	return 0;
}

/* `oomctl dump` (oomctl reads the same call, so this only helps where the
 * bus policy refused us but oomctl is privileged or differently allowed). */
static int oomctl_dump(char **text)
{
	int p[2], st, r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		dup2(p[1], 1);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 2);
		}
		execlp("oomctl", "oomctl", "dump", "--no-pager", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	r = read_all_fd(p[0], text);
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			break;
	if (r == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		free(*text);
		r = -EIO;
	}
	return r;
}

/* Does anything own org.freedesktop.oom1?  Asking the bus first keeps us
 * from activating oomd by calling it.  Returns 0, or -ESRCH with why. */
static int oomd_owned(sd_bus *bus, char *why, size_t whysz)
{
	sd_bus_message *reply = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r, has = 0;

	r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			       "org.freedesktop.DBus", "NameHasOwner", &e, &reply, "s",
			       "org.freedesktop.oom1");
	if (r >= 0)
		r = sd_bus_message_read(reply, "b", &has);
	sd_bus_message_unref(reply);
	sd_bus_error_free(&e);
	if (r < 0)
		snprintf(why, whysz, "cannot ask the system bus: %s", strerror(-r));
	else if (!has)
		snprintf(why, whysz, "nothing owns org.freedesktop.oom1 on the system bus");
	return r < 0 || !has ? -ESRCH : 0;
}

/* DumpByFileDescriptor, or oomctl where the bus refuses us the call. */
static int oomd_dump_call(sd_bus *bus, char **text, char *why, size_t whysz)
{
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r, fd;

	r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.oom1", "/org/freedesktop/oom1",
					   "org.freedesktop.oom1.Manager", "DumpByFileDescriptor");
	if (r >= 0)
		r = sd_bus_message_set_auto_start(m, 0);
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, &e, &reply);
	if (r < 0 && (sd_bus_error_has_name(&e, SD_BUS_ERROR_ACCESS_DENIED) ||
		      sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_METHOD) ||
		      sd_bus_error_has_name(&e, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED))) {
		if ((r = oomctl_dump(text)) < 0)
			snprintf(why, whysz, "DumpByFileDescriptor refused (%s) and oomctl failed",
				 e.message ? e.message : "");
	} else if (r < 0) {
		snprintf(why, whysz, "DumpByFileDescriptor: %s",
			 e.message ? e.message : strerror(-r));
	} else {
		r = sd_bus_message_read(reply, "h", &fd);
		if (r >= 0)
			r = read_all_fd(fd, text); /* the fd belongs to the message */
		if (r < 0)
			snprintf(why, whysz, "cannot read the dump: %s", strerror(-r));
	}
	sd_bus_message_unref(m);
	sd_bus_message_unref(reply);
	sd_bus_error_free(&e);
	return r;
}

int og_sd_oomd_dump(char **text, char *why, size_t whysz)
{
	sd_bus *bus = NULL;
	int r;

	why[0] = '\0';
	r = bus_gate();
	if (r == 0)
		r = sd_bus_open_system(&bus);
	if (r < 0) {
		snprintf(why, whysz, "no system bus: %s", strerror(-r));
		return -ESRCH;
	}
	if ((r = oomd_owned(bus, why, whysz)) == 0)
		r = oomd_dump_call(bus, text, why, whysz);
	sd_bus_flush_close_unref(bus);
	return r;
}

#else /* !HAVE_SYSTEMD */

struct og_bus {
	int unused;
};
bool og_sd_built(void)
{
	return false;
}
int og_sd_open(bool system, struct og_bus **out)
{
	(void)system;
	*out = NULL;
	return -ENOTSUP;
}
void og_sd_close(struct og_bus *b)
{
	(void)b;
}
int og_sd_manager_version(struct og_bus *b)
{
	(void)b;
	return -ENOTSUP;
}
/* Create a transient scope NAME (".scope") in SLICE holding req's PIDS, with
 * ManagedOOMPreference and the memory cap set at creation, and wait for its
 * start job.  Returns 0 or -errno with the bus error's text in err. */
static int sd_start_scope(struct og_bus *b, const char *name, const char *slice, const char *desc,
			  const struct og_scope_req *req, char *err, size_t errsz)
{
	(void)b, (void)name, (void)slice, (void)desc, (void)req;
	snprintf(err, errsz, "built without libsystemd");
	return -ENOTSUP;
}
int og_sd_oomd_dump(char **text, char *why, size_t whysz)
{
	*text = NULL;
	snprintf(why, whysz, "built without libsystemd");
	return -ENOTSUP;
}
#endif

/* ---- the layer -------------------------------------------------------------- */

int og_scope_create(const struct og_scope_req *req, char *route, size_t routesz, char *err,
		    size_t errsz)
{
	struct og_bus *b;
	char desc[128], unit[96];
	size_t unitsz = sizeof(unit);
	int r;

	r = og_sd_open(req->system, &b);
	if (r < 0) {
		snprintf(err, errsz, "%s", r == -ENOTSUP ? "built without libsystemd" : "");
		if (r != -ENOTSUP)
			snprintf(err, errsz, "cannot reach the %s bus: %s",
				 req->system ? "system" : "user", strerror(-r));
		return r;
	}
	snprintf(desc, sizeof(desc), "oomguard job %d", (int)req->pids[0]);
	snprintf(unit, unitsz, "oomguard-%d.scope", (int)req->pids[0]);
	r = sd_start_scope(b, unit, OG_SCOPE_SLICE, desc, req, err, errsz);
	if (r == -EEXIST) {
		/* A scope of an earlier job with this PID still holds processes. */
		snprintf(unit, unitsz, "oomguard-%d-%lld.scope", (int)req->pids[0],
			 (long long)time(NULL));
		r = sd_start_scope(b, unit, OG_SCOPE_SLICE, desc, req, err, errsz);
	}
	og_sd_close(b);
	if (r == 0 && req->system)
		snprintf(route, routesz, "system bus, root-owned %s in %s", unit, OG_SCOPE_SLICE);
	else if (r == 0)
		snprintf(route, routesz, "user bus, uid %u's own %s", (unsigned)getuid(), unit);
	return r;
}

int og_sd_user_memory_delegated(unsigned uid, char *dir, size_t dirsz)
{
	char root[OG_CG_PATH_MAX], p[OG_CG_PATH_MAX + 64], buf[512];
	ssize_t n;
	int r = og_cg2_mount("/proc", root, sizeof(root));

	if (r < 0)
		return r;
	snprintf(dir, dirsz, "%s/user.slice/user-%u.slice/user@%u.service", root, uid, uid);
	snprintf(p, sizeof(p), "%s/cgroup.controllers", dir);
	if ((n = og_read_at(AT_FDCWD, p, buf, sizeof(buf))) < 0)
		return (int)n;
	for (char *save = NULL, *t = strtok_r(buf, " \n", &save); t;
	     t = strtok_r(NULL, " \n", &save))
		if (!strcmp(t, "memory"))
			return 1;
	return 0;
}

static int deeper_first(const void *a, const void *b)
{
	size_t la = strlen(((const struct og_oomd_anc *)a)->path),
	       lb = strlen(((const struct og_oomd_anc *)b)->path);
	return la > lb ? -1 : la < lb;
}

static int systemd_version(void)
{
	struct og_bus *b;
	int v = -ENOENT;

	/* systemd-oomd ships with the system manager: its version decides. */
	if (og_sd_open(true, &b) == 0) {
		v = og_sd_manager_version(b);
		og_sd_close(b);
	}
	if (v < 0 && og_sd_open(false, &b) == 0) {
		v = og_sd_manager_version(b);
		og_sd_close(b);
	}
	return v;
}

/* What oomd would see of the job's own cgroup c2: owner, avoid/omit
 * xattrs, leaf, memory.oom.group.  s->cgroup points into c2. */
static void oomd_job_cgroup(struct og_oomd_state *s, const struct og_cg2 *c2)
{
	char dir[2 * OG_CG_PATH_MAX], ogb[32];
	long og = 0;

	s->cgroup = c2->path;
	snprintf(dir, sizeof(dir), "%s", c2->dir);
	s->owner = og_cg_owner(c2->mnt, c2->path);
	if (og_cg_xattr_true(dir, "user.oomd_omit"))
		s->have = OG_OOMD_PREF_OMIT;
	else if (og_cg_xattr_true(dir, "user.oomd_avoid"))
		s->have = OG_OOMD_PREF_AVOID;
	s->leaf = !og_dir_has_subdirs(dir);
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/memory.oom.group");
	if (og_read_at(AT_FDCWD, dir, ogb, sizeof(ogb)) > 0) {
		ogb[strcspn(ogb, "\n")] = '\0';
		s->oom_group = og_parse_long(ogb, 0, 1, &og) == 0 && og == 1;
	}
}

/* The monitored cgroups at or above the job's, each with its owner and the
 * limit that applies, deepest first (the monitor nearest the job names the
 * rule).  s->anc points to anc. */
static void oomd_monitors(struct og_oomd_state *s, const struct og_cg2 *c2,
			  const struct og_oomd_dump *d, struct og_oomd_anc *anc)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct og_oomd_cg *m = &d->cg[i];
		if (!og_cg_is_under(m->path, c2->path))
			continue;
		anc[s->nanc].path = m->path;
		anc[s->nanc].owner = og_cg_owner(c2->mnt, m->path);
		anc[s->nanc].kind = m->kind;
		anc[s->nanc].limit_pm =
			m->kind == OG_OOMD_KILL_PRESSURE
				? (m->limit_pm >= 0 ? m->limit_pm : d->default_pressure_limit_pm)
				: d->swap_limit_pm;
		s->nanc++;
	}
	qsort(anc, s->nanc, sizeof(anc[0]), deeper_first);
	s->anc = anc;
}

enum og_oomd_verdict og_oomd_readback(FILE *f, const char *prefix, pid_t pid,
				      enum og_oomd_pref want, const char *route)
{
	struct og_oomd_state s = { 0 };
	struct og_oomd_dump *d = NULL;
	struct og_oomd_anc anc[OG_OOMD_MAX_CG];
	char why[512], line[8192];
	char *text = NULL;
	struct og_cg2 c2;
	enum og_oomd_verdict v;
	int r;

	if (!og_sd_built()) {
		fprintf(f, "%ssystemd-oomd: not checked (built without libsystemd)\n", prefix);
		return OG_OOMD_NOT_RUNNING;
	}
	s.owner = -1;
	s.route = route;
	r = og_sd_oomd_dump(&text, why, sizeof(why));
	if (r < 0) {
		s.running = false;
		s.not_running_why = why[0] ? why : NULL;
		if (r != -ESRCH) {
			/* Running, but its state is not readable: judge nothing. */
			og_oomd_judge(&s, want, line, sizeof(line));
			fprintf(f, "%ssystemd-oomd: EXPOSED (cannot read its state: %s)\n", prefix,
				why);
			return OG_OOMD_EXPOSED;
		}
		goto judge;
	}
	s.running = true;
	d = malloc(sizeof(*d));
	if (!d || og_oomd_parse_dump(text, strlen(text), d) < 0) {
		free(text);
		free(d);
		fprintf(f, "%ssystemd-oomd: EXPOSED (its state dump could not be parsed)\n",
			prefix);
		return OG_OOMD_EXPOSED;
	}
	free(text);
	r = systemd_version();
	s.version = r > 0 ? r : 0;
	if (og_cg2_of_pid("/proc", pid, &c2) == 0) {
		oomd_job_cgroup(&s, &c2);
		oomd_monitors(&s, &c2, d, anc);
	}
judge:
	v = og_oomd_judge(&s, want, line, sizeof(line));
	fprintf(f, "%s%s\n", prefix, line);
	free(d);
	return v;
}

int og_sd_local_version(void)
{
	struct og_bus *b;
	int v;

	/* sd_booted()'s test: without it, no bus is even tried (and no
	 * libsystemd loaded). */
	if (access("/run/systemd/system", F_OK) < 0 || og_sd_open(true, &b) < 0)
		return 0;
	v = og_sd_manager_version(b);
	og_sd_close(b);
	return v > 0 ? v : 0;
}
