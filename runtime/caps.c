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

/* One set: names -> mask, warning about each name that cannot be applied. A name outside
 * allowed is skipped with "why" as the reason. */
static uint64_t resolve_set(char **names, const char *set, uint64_t allowed, const char *why,
			    enum vsl_log_level why_level, const struct vsl_cap_limits *lim,
			    const struct vsl_log *log)
{
	uint64_t mask = 0;

	for (char **n = names; n && *n; n++) {
		int c = vsl_cap_from_name(*n);

		if (c < 0)
			vsl_warn(log, "capabilities.%s: %s is not a known capability, skipped", set,
				 *n);
		else if ((unsigned)c > lim->last_cap)
			vsl_warn(log,
				 "capabilities.%s: %s is not supported by the running kernel "
				 "(last capability %u), skipped",
				 set, *n, lim->last_cap);
		else if (!(allowed & CAP_BIT(c)))
			vsl_log(log, why_level, "capabilities.%s: %s %s, skipped", set, *n, why);
		else
			mask |= CAP_BIT(c);
	}
	return mask;
}

void vsl_caps_resolve(const struct vsl_caps *caps, const struct vsl_cap_limits *lim,
		      struct vsl_cap_sets *out, const struct vsl_log *log)
{
	static const char not_held[] = "cannot be granted (vessel does not hold it)";

	out->bounding = resolve_set(caps->bounding, "bounding", lim->bounding, not_held,
				    VSL_LOG_WARN, lim, log);
	out->permitted = resolve_set(caps->permitted, "permitted", lim->permitted, not_held,
				     VSL_LOG_WARN, lim, log);
	out->inheritable = resolve_set(caps->inheritable, "inheritable", lim->permitted, not_held,
				       VSL_LOG_WARN, lim, log);
	/* capset refuses an effective capability that is not permitted, and the kernel raises
	 * an ambient one only if it is permitted and inheritable: warn instead of failing. */
	out->effective = resolve_set(caps->effective, "effective", out->permitted,
				     "is not in the permitted set", VSL_LOG_WARN, lim, log);
	/* runc's own default spec lists ambient capabilities without inheritable ones, and
	 * runc says nothing: a debug line, not a warning on every container. */
	out->ambient = resolve_set(caps->ambient, "ambient", out->permitted & out->inheritable,
				   "is not both permitted and inheritable", VSL_LOG_DEBUG, lim,
				   log);
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
