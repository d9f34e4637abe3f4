/* oomguard protect: show or set oom_score_adj of running processes (and,
 * with --tree, every descendant alive now), safe against PID reuse. */
#include "adjust.h"
#include "cmd.h"
#include "memcap.h"
#include "privilege.h"
#include "proc.h"
#include "oomd_rule.h"
#include "render.h"
#include "systemd.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char og_protect_help[] =
	"Usage: oomguard protect [OPTIONS] PID...\n"
	"Show (no --adj) or set oom_score_adj of running processes, then read it back.\n"
	"\n"
	"  -a, --adj N    set oom_score_adj to N, -1000..1000\n"
	"  -t, --tree     also every descendant alive now (data-loader workers)\n"
	"  -s, --scope    move them and every descendant into a transient scope of their\n"
	"                 own (system bus as root, else the user bus), then read back\n"
	"      --oomd P   systemd-oomd preference of that scope: omit (default), avoid, none\n"
	"      --memory-max SIZE   cap that scope's memory (MemoryMax=): 512M, 20G or 80% of RAM;\n"
	"                 without systemd (root) a memory cgroup of their own instead\n"
	"      --memory-high SIZE  throttle it above this (MemoryHigh=, cgroup v2)\n"
	"      --swap-max SIZE     its swap (MemorySwapMax=; 0 = none)\n"
	"  -j, --json     machine-readable output\n"
	"  -q, --quiet    print errors only\n"
	"  -h, --help     this help\n";

/* protect's own options (the --memory-* ones go to og_memcap_getopt).
 * Returns 0 when c was one, 1 when it was not, -1 with err. */
static int protect_opt(int c, const char *arg, struct og_protect_opts *o, char *err, size_t errsz)
{
	switch (c) {
	case 'a':
		if (og_adj_opt(arg, &o->adj, err, errsz) < 0)
			return -1;
		o->set = true;
		return 0;
	case 't': o->tree = true; return 0;
	case 's': o->scope = true; return 0;
	case 'O': return og_oomd_opt(arg, &o->oomd, err, errsz) < 0 ? -1 : 0;
	case 'j': o->json = true; return 0;
	case 'q': o->quiet = true; return 0;
	default: return 1;
	}
}

/* What the options say together, then the PIDs after them. */
static int protect_finish(int argc, char **argv, struct og_protect_opts *o, char *err, size_t errsz)
{
	if (og_memcap_check(&o->cap, err, errsz) < 0)
		return -1;
	if (o->set && og_memcap_check_adj(&o->cap, o->adj, err, errsz) < 0)
		return -1;
	if (og_memcap_wanted(&o->cap) && !o->scope) {
		snprintf(
			err, errsz,
			"--memory-max needs --scope: the cap is a property of the scope the processes move into");
		return -1;
	}
	if (optind >= argc) {
		snprintf(err, errsz, "missing PID: oomguard protect [OPTIONS] PID...");
		return -1;
	}
	for (int i = optind; i < argc; i++) {
		pid_t pid;
		if (og_pid_opt(argv[i], &pid, err, errsz) < 0)
			return -1;
		if (o->npids == OG_ARRAY_LEN(o->pids)) {
			snprintf(err, errsz, "too many PIDs (at most %zu)", OG_ARRAY_LEN(o->pids));
			return -1;
		}
		o->pids[o->npids++] = pid;
	}
	return 0;
}

int og_protect_parse(int argc, char **argv, struct og_protect_opts *o, char *err, size_t errsz)
{
	static const struct option longopts[] = {
		{ "adj", required_argument, NULL, 'a' },
		{ "tree", no_argument, NULL, 't' },
		{ "scope", no_argument, NULL, 's' },
		{ "oomd", required_argument, NULL, 'O' },
		{ "json", no_argument, NULL, 'j' },
		OG_MEMCAP_LONGOPTS,
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, prev = 0, r;

	memset(o, 0, sizeof(*o));
	o->oomd = OG_OOMD_PREF_OMIT;
	og_memcap_req_init(&o->cap);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":a:tsjqh", longopts, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if ((r = protect_opt(c, optarg, o, err, errsz)) == 1 &&
		    (r = og_memcap_getopt(c, optarg, &o->cap, err, errsz)) == 1)
			return og_opt_error(c, argv, prev, err, errsz);
		if (r < 0)
			return -1;
		prev = optind;
	}
	return protect_finish(argc, argv, o, err, errsz);
}

/* Bad targets of one call, for --json: each one's error in the array. */
struct failures {
	size_t n;
	pid_t pid[64];
	char msg[64][160];
};

__attribute__((format(printf, 3, 4))) static void fail_add(struct failures *f, pid_t pid,
							   const char *fmt, ...)
{
	va_list ap;
	if (f->n == OG_ARRAY_LEN(f->pid))
		return;
	f->pid[f->n] = pid;
	va_start(ap, fmt);
	vsnprintf(f->msg[f->n], sizeof(f->msg[0]), fmt, ap);
	va_end(ap);
	f->n++;
}

static const char *fail_of(const struct failures *f, pid_t pid)
{
	for (size_t i = 0; f && i < f->n; i++)
		if (f->pid[i] == pid)
			return f->msg[i];
	return NULL;
}

struct target {
	struct og_proc p;
	long uid;
	long before;
};

static int add_target(struct target **t, size_t *n, size_t *cap, pid_t pid, struct failures *must)
{
	struct og_proc p;
	int r = og_proc_open("/proc", pid, &p);

	if (r < 0) {
		if (must) {
			og_err("protect: no process %d: %s", (int)pid,
			       r == -ESRCH ? "not found" : strerror(-r));
			fail_add(must, pid, "no process %d: %s", (int)pid,
				 r == -ESRCH ? "not found" : strerror(-r));
		}
		return must ? r : 0;
	}
	for (size_t i = 0; i < *n; i++)
		if ((*t)[i].p.pid == pid) {
			og_proc_close(&p);
			return 0;
		}
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct target *nt = realloc(*t, nc * sizeof(**t));
		if (!nt) {
			og_proc_close(&p);
			return -ENOMEM;
		}
		*t = nt;
		*cap = nc;
	}
	struct target *x = &(*t)[(*n)++];
	struct og_status st;
	x->p = p;
	x->uid = og_proc_status(&p, &st) == 0 ? st.uid[0] : -1;
	if (og_proc_read_long(&p, "oom_score_adj", &x->before) < 0)
		x->before = 0;
	return 0;
}

static void close_all(struct target *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		og_proc_close(&t[i].p);
	free(t);
}

/* fails: NULL on success; else the call failed as a whole (all or nothing),
 * and each object says changed:false and its own error, if any.  cap: add
 * the memory_cap member (--memory-max). */
static void show_obj(const struct target *x, bool json, bool first, const struct failures *fails,
		     bool cap)
{
	char esc[4 * OG_COMM_MAX + 1];
	long score = -1, adj = x->before;

	og_proc_read_long(&x->p, "oom_score", &score);
	og_proc_read_long(&x->p, "oom_score_adj", &adj);
	if (json) {
		printf("%s{\"pid\":%d,\"comm\":", first ? "" : ",", (int)x->p.pid);
		og_json_str(stdout, x->p.stat.comm);
		printf(",\"uid\":%ld,\"oom_score\":%ld,\"oom_score_adj\":%ld", x->uid, score, adj);
		if (fails) {
			const char *e = fail_of(fails, x->p.pid);
			fputs(",\"changed\":false,\"error\":", stdout);
			if (e)
				og_json_str(stdout, e);
			else
				fputs("null", stdout);
		}
		if (cap)
			og_memcap_json_pid(stdout, "memory_cap", "/proc", x->p.pid);
		putchar('}');
	} else {
		printf("pid %d (%s): oom_score %ld, oom_score_adj %ld\n", (int)x->p.pid,
		       og_esc(x->p.stat.comm, esc, sizeof(esc)), score, adj);
	}
}

/* --scope: every target (roots and descendants) into one transient scope:
 * root-owned on the system bus when we are root, else on the user bus. */
/* Without systemd, as root, --memory-max: a memory cgroup of their own
 * instead of a scope (og_memcap_adopt). */
static int move_to_own(struct og_memcap_job *capj, const pid_t *pids, size_t np)
{
	char err[1024];
	if (geteuid() != 0) {
		og_err("protect: --memory-max needs a memory cgroup for them, and nothing here can make one: systemd is not "
		       "the service manager (no scope with MemoryMax=) and uid %u is not root; nothing was moved",
		       (unsigned)geteuid());
		return -1;
	}
	if (og_memcap_adopt(capj, pids, np, err, sizeof(err)) < 0) {
		og_err("protect: cannot move %d and %zu descendants into a memory cgroup of their own: %s; nothing was moved",
		       (int)pids[0], np - 1, err);
		return -1;
	}
	return 0;
}

static int move_to_scope(const struct target *t, size_t n, enum og_oomd_pref pref,
			 struct og_memcap_job *capj, char *route, size_t routesz)
{
	const struct og_memcap_req *cap = &capj->req;
	pid_t pids[256];
	char err[512], esc[4 * OG_COMM_MAX + 1];
	size_t np = 0;

	for (size_t i = 0; i < n; i++) {
		if (og_proc_verify(&t[i].p) < 0)
			continue; /* exited since the scan: nothing to move */
		if (np == OG_ARRAY_LEN(pids)) {
			og_err("protect: more than %zu processes to move into one scope",
			       OG_ARRAY_LEN(pids));
			return -1;
		}
		pids[np++] = t[i].p.pid;
	}
	if (np == 0 || pids[0] != t[0].p.pid) {
		og_err("protect: no process %d: it has exited", (int)t[0].p.pid);
		return -1;
	}
	if (capj->wanted && !(og_sd_built() && og_sd_running()))
		return move_to_own(capj, pids, np);
	struct og_scope_req req = { .system = geteuid() == 0,
				    .pref = pref,
				    .pids = pids,
				    .npids = np,
				    .cap = og_memcap_wanted(cap) ? cap : NULL };
	if (og_scope_create(&req, route, routesz, err, sizeof(err)) < 0) {
		og_err("protect: cannot move %d (%s) and %zu descendants into a scope of their own (%s bus): %s",
		       (int)t[0].p.pid, og_esc(t[0].p.stat.comm, esc, sizeof(esc)), np - 1,
		       req.system ? "system" : "user", err);
		return -1;
	}
	return 0;
}

/* What a cgroup of their own means (og_memcap_adopt), said once. */
static void own_note(FILE *f, const struct og_memcap_job *capj)
{
	if (!capj->own.version)
		return;
	/* cgroup-v2.rst "Memory Ownership" (v1 alike, with charge moving
	 * gone): pages stay charged to the cgroup that allocated them. */
	fprintf(f,
		"memory cap: it counts what they allocate from now on: the memory they held before the move stays charged "
		"to the cgroup they came from; a detached oomguard waiter removes %s once they have all ended\n",
		capj->own.path);
}

/* --json when the call fails: nothing was changed (or it was undone), so
 * report every target as it is now and every error, as one valid array. */
static int fail_json(bool json, struct target *t, size_t n, const struct failures *f)
{
	if (json) {
		size_t k = 0;
		putchar('[');
		for (; k < n; k++)
			show_obj(&t[k], true, k == 0, f, false);
		for (size_t i = 0; i < f->n; i++) {
			bool in_t = false;
			for (size_t j = 0; j < n; j++)
				in_t |= t[j].p.pid == f->pid[i];
			if (in_t)
				continue;
			printf("%s{\"pid\":%d,\"changed\":false,\"error\":", k++ ? "," : "",
			       (int)f->pid[i]);
			og_json_str(stdout, f->msg[i]);
			putchar('}');
		}
		puts("]");
	}
	close_all(t, n);
	return OG_EXIT_FAIL;
}

/* Write the value to every target; on the first refusal undo what was
 * written (nothing half-done) and record why.  Returns 0 or -1. */
static int set_all(const struct og_protect_opts *o, struct target *t, size_t n,
		   struct failures *fails)
{
	char esc[4 * OG_COMM_MAX + 1];

	for (size_t i = 0; i < n; i++) {
		int r = og_adjust(&t[i].p, o->adj);
		if (r == -ESRCH && i >= o->npids)
			continue; /* a worker that exited is not a failure */
		if (r < 0) {
			const char *how = o->adj < t[i].before ? "lower" : "set";
			og_err("protect: cannot %s oom_score_adj of %d (%s) to %d: %s", how,
			       (int)t[i].p.pid, og_esc(t[i].p.stat.comm, esc, sizeof(esc)), o->adj,
			       og_adjust_reason(r));
			for (size_t k = 0; k < i; k++)
				og_adjust(&t[k].p, (int)t[k].before);
			fail_add(fails, t[i].p.pid, "cannot %s oom_score_adj to %d: %s", how,
				 o->adj, og_adjust_reason(r));
			return -1;
		}
	}
	return 0;
}

/* Resolve and check every target before changing any, so a bad PID in the
 * list leaves everything as it was; then --tree and --scope add each one's
 * descendants alive now.  Returns 0, -1 with the failure in fails, or -2
 * when the process list cannot be read (reported). */
static int resolve(const struct og_protect_opts *o, struct target **t, size_t *n, size_t *cap,
		   struct failures *fails)
{
	char esc[4 * OG_COMM_MAX + 1];

	for (size_t i = 0; i < o->npids; i++)
		if (add_target(t, n, cap, o->pids[i], fails) == -ENOMEM)
			return -1;
	for (size_t i = 0; i < *n; i++) {
		if (og_proc_is_kthread(&(*t)[i].p)) {
			og_err("protect: %d (%s) is a kernel thread; the OOM killer never picks it",
			       (int)(*t)[i].p.pid, og_esc((*t)[i].p.stat.comm, esc, sizeof(esc)));
			fail_add(fails, (*t)[i].p.pid,
				 "a kernel thread: the OOM killer never picks it");
		}
	}
	if (fails->n)
		return -1;
	if (!o->tree && !o->scope)
		return 0;
	struct og_pslot *ps;
	ssize_t np = og_proc_scan("/proc", &ps);
	if (np < 0) {
		og_err("protect: cannot list processes: %s", strerror((int)-np));
		return -2;
	}
	size_t roots = *n;
	for (size_t i = 0; i < roots; i++) {
		pid_t desc[4096];
		size_t nd = og_tree_descendants(ps, (size_t)np, (*t)[i].p.pid, desc,
						OG_ARRAY_LEN(desc));
		for (size_t k = 0; k < nd && k < OG_ARRAY_LEN(desc); k++)
			add_target(t, n, cap, desc[k],
				   NULL); /* exited meanwhile: nothing to protect */
	}
	free(ps);
	return 0;
}

/* A change (--adj, --scope) only to processes the asker may touch.
 * Returns 0, or -1 with the first refusal in fails. */
static int check_owners(const struct og_protect_opts *o, const struct og_priv *pv,
			const struct target *t, size_t n, struct failures *fails)
{
	char esc[4 * OG_COMM_MAX + 1];

	if (!o->set && !o->scope)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!og_priv_may_touch(pv, t[i].uid)) {
			og_err("protect: %d (%s) belongs to uid %ld; without root you may only change your own processes",
			       (int)t[i].p.pid, og_esc(t[i].p.stat.comm, esc, sizeof(esc)),
			       t[i].uid);
			fail_add(
				fails, t[i].p.pid,
				"belongs to uid %ld; without root you may only change your own processes",
				t[i].uid);
			return -1;
		}
	return 0;
}

/* --scope (and its memory cap): every target into a scope of their own,
 * the cap read back from it.  Returns 0, or -1 with the failure in fails. */
static int place(const struct og_protect_opts *o, const struct target *t, size_t n,
		 struct og_memcap_job *capj, char *route, size_t routesz, struct failures *fails)
{
	og_memcap_job_init(capj, &o->cap);
	if (og_memcap_scope_precheck(capj, "protect") < 0) {
		fail_add(fails, t[0].p.pid,
			 "its memory cap cannot take here (the reason is on stderr)");
		return -1;
	}
	if (o->scope && move_to_scope(t, n, (enum og_oomd_pref)o->oomd, capj, route, routesz) < 0) {
		fail_add(fails, t[0].p.pid,
			 "cannot move it into a scope of its own (the reason is on stderr)");
		return -1;
	}
	if (og_memcap_place(capj, "protect", t[0].p.pid, true, true, false) < 0) {
		fail_add(fails, t[0].p.pid,
			 "its scope does not carry the memory cap (the reason is on stderr)");
		return -1;
	}
	return 0;
}

/* After --adj: each target's value read back.  Exit 1 when one did not take. */
static int print_set(const struct og_protect_opts *o, const struct target *t, size_t n, bool cap)
{
	int rc = OG_EXIT_OK;
	bool first = true;

	if (o->json)
		putchar('[');
	for (size_t i = 0; i < n; i++) {
		long have;
		if (og_proc_read_long(&t[i].p, "oom_score_adj", &have) < 0)
			continue;
		if (have != o->adj)
			rc = OG_EXIT_FAIL;
		if (o->json) {
			printf("%s{\"pid\":%d,\"comm\":", first ? "" : ",", (int)t[i].p.pid);
			og_json_str(stdout, t[i].p.stat.comm);
			printf(",\"requested\":%d,\"before\":%ld,\"oom_score_adj\":%ld,\"kernel\":\"%s\"",
			       o->adj, t[i].before, have,
			       have == OG_ADJ_MIN ? "protected"
			       : have == o->adj   ? "candidate"
						  : "exposed");
			if (cap)
				og_memcap_json_pid(stdout, "memory_cap", "/proc", t[i].p.pid);
			putchar('}');
			first = false;
		} else if (!o->quiet) {
			og_readback_kernel(stdout, t[i].p.pid, t[i].p.stat.comm, have, o->adj);
		}
	}
	if (o->json)
		puts("]");
	return rc;
}

int cmd_protect(int argc, char **argv)
{
	struct og_protect_opts o;
	struct og_priv pv;
	struct target *t = NULL;
	struct failures fails = { 0 };
	struct og_memcap_job capj;
	size_t n = 0, cap = 0;
	char err[512], route[160] = "";
	int r;

	r = og_cmd_start("protect", og_protect_help,
			 og_protect_parse(argc, argv, &o, err, sizeof(err)), err, &pv);
	if (r != OG_CMD_GO)
		return r;
	if ((r = resolve(&o, &t, &n, &cap, &fails)) == -2) {
		close_all(t, n);
		return OG_EXIT_FAIL;
	}
	if (r < 0 || check_owners(&o, &pv, t, n, &fails) < 0 ||
	    place(&o, t, n, &capj, route, sizeof(route), &fails) < 0)
		return fail_json(o.json, t, n, &fails);
	if (!o.set) {
		if (o.json)
			putchar('[');
		for (size_t i = 0; i < n; i++)
			show_obj(&t[i], o.json, i == 0, NULL, capj.wanted);
		if (o.json)
			puts("]");
		r = OG_EXIT_OK;
	} else if (set_all(&o, t, n, &fails) < 0) {
		return fail_json(o.json, t, n, &fails);
	} else {
		r = print_set(&o, t, n, capj.wanted);
	}
	if (o.scope && !o.quiet) {
		og_oomd_readback(o.json ? stderr : stdout, "", t[0].p.pid,
				 (enum og_oomd_pref)o.oomd, route);
		og_memcap_readback(o.json ? stderr : stdout, "", &capj, t[0].p.pid);
		if (!o.set)
			own_note(o.json ? stderr : stdout, &capj);
	}
	close_all(t, n);
	return r;
}
