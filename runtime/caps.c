/* Capabilities: the name table is libcap's; the decisions (what to keep, what to warn
 * about) are pure and separate from the three kernel steps that apply them. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/caps.h"

#define CAP_BIT(c) (UINT64_C(1) << (c))

int vsl_cap_from_name(const char *name)
{
	cap_value_t v;

	if (!name || strncmp(name, "CAP_", 4) != 0 || !name[4])
		return -1;
	if (cap_from_name(name, &v) < 0 || v < 0 || v > 63)
		return -1;
	return (int)v;
}

/* Why a name of the config is skipped. */
enum skip_why { SKIP_UNKNOWN, SKIP_KERNEL, SKIP_NOT_HELD, SKIP_NOT_PERMITTED, SKIP_AMBIENT };

/* The names skipped so far, each with the sets that asked for it: they are reported in one
 * line at the end, not one line per name and set (a cap vessel lacks is in three sets of
 * most configs, and every exec would repeat them). */
struct skipped {
	struct { const char *name; enum skip_why why; unsigned sets; } *v;
	size_t n;
};

static const char *const set_names[] = { "bounding", "permitted", "inheritable", "effective",
					 "ambient" };

static void skip_add(struct skipped *sk, const char *name, enum skip_why why, unsigned set)
{
	for (size_t i = 0; i < sk->n; i++)
		if (sk->v[i].why == why && strcmp(sk->v[i].name, name) == 0) {
			sk->v[i].sets |= 1U << set;
			return;
		}
	sk->v = xrealloc(sk->v, (sk->n + 1) * sizeof(*sk->v));
	sk->v[sk->n].name = name;
	sk->v[sk->n].why = why;
	sk->v[sk->n].sets = 1U << set;
	sk->n++;
}

/* One set: names -> mask. allowed: what this set may hold; a name outside it is skipped
 * for lacking (bit set in held: why_outside) or not being held by vessel at all. */
static uint64_t resolve_set(char **names, unsigned set, uint64_t allowed, uint64_t held,
			    enum skip_why why_outside, const struct vsl_cap_limits *lim,
			    struct skipped *sk)
{
	uint64_t mask = 0;

	for (char **n = names; n && *n; n++) {
		int c = vsl_cap_from_name(*n);

		if (c < 0)
			skip_add(sk, *n, SKIP_UNKNOWN, set);
		else if ((unsigned)c > lim->last_cap)
			skip_add(sk, *n, SKIP_KERNEL, set);
		else if (!(held & CAP_BIT(c)))
			skip_add(sk, *n, SKIP_NOT_HELD, set);
		else if (!(allowed & CAP_BIT(c)))
			skip_add(sk, *n, why_outside, set);
		else
			mask |= CAP_BIT(c);
	}
	return mask;
}

/* "CAP_X in bounding, permitted (why); CAP_Y in ..." for the skipped names of one level. */
static void report_skipped(const struct skipped *sk, bool ambient, const struct vsl_cap_limits *lim,
			   const struct vsl_log *log)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	bool any = false;

	if (!f)
		return;
	for (size_t i = 0; i < sk->n; i++) {
		if ((sk->v[i].why == SKIP_AMBIENT) != ambient)
			continue;
		fprintf(f, "%s%s in", any ? "; " : "", sk->v[i].name);
		for (unsigned s = 0, first = 1; s < 5; s++)
			if (sk->v[i].sets & (1U << s)) {
				fprintf(f, "%s %s", first ? "" : ",", set_names[s]);
				first = 0;
			}
		switch (sk->v[i].why) {
		case SKIP_UNKNOWN: fputs(" (not a known capability)", f); break;
		case SKIP_KERNEL:
			fprintf(f, " (not supported by the running kernel, last capability %u)",
				lim->last_cap);
			break;
		case SKIP_NOT_HELD: fputs(" (vessel does not hold it)", f); break;
		case SKIP_NOT_PERMITTED: fputs(" (not in the permitted set)", f); break;
		case SKIP_AMBIENT: fputs(" (not both permitted and inheritable)", f); break;
		}
		any = true;
	}
	fclose(f);
	if (any && ambient)
		vsl_debug(log, "capabilities: skipped %s", line);
	else if (any)
		vsl_warn(log, "capabilities: cannot grant, skipped: %s", line);
	free(line);
}

void vsl_caps_resolve(const struct vsl_caps *caps, const struct vsl_cap_limits *lim,
		      struct vsl_cap_sets *out, const struct vsl_log *log)
{
	struct skipped sk = { 0 };

	out->bounding = resolve_set(caps->bounding, 0, lim->bounding, lim->bounding,
				    SKIP_NOT_HELD, lim, &sk);
	out->permitted = resolve_set(caps->permitted, 1, lim->permitted, lim->permitted,
				     SKIP_NOT_HELD, lim, &sk);
	out->inheritable = resolve_set(caps->inheritable, 2, lim->permitted, lim->permitted,
				       SKIP_NOT_HELD, lim, &sk);
	/* capset refuses an effective capability that is not permitted, and the kernel raises
	 * an ambient one only if it is permitted and inheritable: skip instead of failing. */
	out->effective = resolve_set(caps->effective, 3, out->permitted, lim->permitted,
				     SKIP_NOT_PERMITTED, lim, &sk);
	/* runc's own default spec lists ambient capabilities without inheritable ones, and
	 * runc says nothing: a debug line, not a warning on every container. */
	out->ambient = resolve_set(caps->ambient, 4, out->permitted & out->inheritable,
				   lim->permitted, SKIP_AMBIENT, lim, &sk);
	report_skipped(&sk, false, lim, log);
	report_skipped(&sk, true, lim, log);
	free(sk.v);
}

static void cap_freep(cap_t *c)
{
	int saved = errno;

	if (*c)
		cap_free(*c);
	errno = saved;
}

int vsl_caps_limits(struct vsl_cap_limits *out, struct vsl_err *err)
{
	cleanup_with(cap_freep) cap_t cur = NULL;
	cleanup_free char *text = NULL;
	struct vsl_err ignored;
	uint64_t last = 0;

	/* cap_last_cap is the kernel's own word; libcap probes the same if /proc is absent. */
	if (vsl_read_file("/proc/sys/kernel/cap_last_cap", &text, NULL, &ignored) == 0) {
		text[strcspn(text, "\n")] = '\0';
		if (vsl_parse_u64(text, &last) < 0)
			last = 0;
	}
	if (last == 0)
		last = (uint64_t)cap_max_bits() - 1;
	if (last > 63)
		last = 63;
	out->last_cap = (unsigned)last;
	out->bounding = 0;
	out->permitted = 0;
	cur = cap_get_proc();
	if (!cur)
		return vsl_fail(err, errno, "capabilities: read the current sets");
	for (unsigned c = 0; c <= out->last_cap; c++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_bound((cap_value_t)c) == 1)
			out->bounding |= CAP_BIT(c);
		if (cap_get_flag(cur, (cap_value_t)c, CAP_PERMITTED, &v) == 0 && v == CAP_SET)
			out->permitted |= CAP_BIT(c);
	}
	return 0;
}

const char *vsl_cap_name(unsigned c, char *buf, size_t len)
{
	char *name = cap_to_name((cap_value_t)c);

	snprintf(buf, len, "%s", name ? name : "?");
	if (name)
		cap_free(name);
	for (char *p = buf; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return buf;
}

int vsl_caps_drop_bounding(uint64_t keep, unsigned last_cap, struct vsl_err *err)
{
	for (unsigned c = 0; c <= last_cap && c < 64; c++) {
		char buf[48];

		if (keep & CAP_BIT(c))
			continue;
		if (cap_drop_bound((cap_value_t)c) < 0 && errno != EINVAL)
			return vsl_fail(err, errno, "capabilities: drop %s from the bounding set",
					vsl_cap_name(c, buf, sizeof(buf)));
	}
	return 0;
}

static int set_flag_mask(cap_t c, cap_flag_t flag, uint64_t mask, unsigned last_cap)
{
	for (unsigned v = 0; v <= last_cap && v < 64; v++) {
		cap_value_t one = (cap_value_t)v;

		if ((mask & CAP_BIT(v)) && cap_set_flag(c, flag, 1, &one, CAP_SET) < 0)
			return -errno;
	}
	return 0;
}

int vsl_caps_apply(const struct vsl_cap_sets *s, unsigned last_cap, struct vsl_err *err)
{
	cleanup_with(cap_freep) cap_t c = cap_init();

	if (!c)
		return vsl_fail(err, errno, "capabilities: cap_init");
	if (set_flag_mask(c, CAP_PERMITTED, s->permitted, last_cap) < 0 ||
	    set_flag_mask(c, CAP_EFFECTIVE, s->effective, last_cap) < 0 ||
	    set_flag_mask(c, CAP_INHERITABLE, s->inheritable, last_cap) < 0)
		return vsl_fail(err, errno, "capabilities: build the sets");
	if (cap_set_proc(c) < 0)
		return vsl_fail(err, errno, "capabilities: set permitted/effective/inheritable");
	/* EINVAL from a clear means the kernel has no ambient set (< 4.3): nothing to clear. */
	if (cap_reset_ambient() < 0 && (errno != EINVAL || s->ambient))
		return vsl_fail(err, errno, "capabilities: clear the ambient set");
	for (unsigned v = 0; v <= last_cap && v < 64; v++) {
		char buf[48];

		if ((s->ambient & CAP_BIT(v)) && cap_set_ambient((cap_value_t)v, CAP_SET) < 0)
			return vsl_fail(err, errno, "capabilities: raise %s in the ambient set",
					vsl_cap_name(v, buf, sizeof(buf)));
	}
	return 0;
}
