/* Slurm's "Detected N oom-kill event(s)" line (see oomlog_slurm.h). */
#include "oomlog_slurm.h"
#include "textscan.h"

bool og_slurm_oom_parse(const char *msg, size_t len, struct og_slurm_oom *r)
{
	static const char *const words[] = { " oom-kill event(s) in ", " oom_kill event(s) in ",
					     " oom_kill events in ", " oom_kill event in " };
	struct cur c = { msg, msg + len };
	const char *h = find(c.p, c.end, "Detected ");
	long long v;

	r->count = r->job = -1;
	r->step[0] = '\0';
	if (!h)
		return false;
	c.p = h + 9;
	if (!num(&c, &v) || v < 1 || v > 1000000)
		return false;
	r->count = (long)v;
	size_t i;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (eat(&c, words[i]))
			break;
	if (i == sizeof(words) / sizeof(words[0]) || !(eat(&c, "StepId=") || eat(&c, "step ")))
		return false;
	if (num(&c, &v)) {
		if (v < 0 || v > 0xfffffffeLL)
			return false; /* Slurm's job ids are uint32_t */
		r->job = (long)v;
	} else
		while (c.p < c.end && ((*c.p >= 'A' && *c.p <= 'Z') || *c.p == '_'))
			c.p++; /* "StepId=JOBID.13": the user hid the id */
	if (!eat(&c, "."))
		return false;
	const char *s = c.p;
	while (c.p < c.end && (ts_alpha(*c.p) || ts_digit(*c.p) || *c.p == '_'))
		c.p++;
	if (c.p == s || (size_t)(c.p - s) >= sizeof(r->step))
		return false; /* a step name cut short would join the wrong step */
	cpy(r->step, sizeof(r->step), s, (size_t)(c.p - s));
	return true;
}
