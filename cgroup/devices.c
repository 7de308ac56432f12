/* linux.resources.devices -> the ordered rule list both device backends apply (v1
 * devices.allow/deny lines, v2 an eBPF program). Pure. Like runc, the list starts from
 * deny-all and the default devices every container needs are allowed after the config's
 * rules, then every device linux.devices creates. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/internal.h"
#include "common/util.h"

static const struct vsl_cg_dev_rule default_rules[] = {
	{ true, 'c', -1, -1, VSL_CG_DEV_MKNOD },	/* mknod of any device; open is checked */
	{ true, 'b', -1, -1, VSL_CG_DEV_MKNOD },
	{ true, 'c', 1, 3, 7 },		/* /dev/null */
	{ true, 'c', 1, 5, 7 },		/* /dev/zero */
	{ true, 'c', 1, 7, 7 },		/* /dev/full */
	{ true, 'c', 1, 8, 7 },		/* /dev/random */
	{ true, 'c', 1, 9, 7 },		/* /dev/urandom */
	{ true, 'c', 5, 0, 7 },		/* /dev/tty */
	{ true, 'c', 5, 1, 7 },		/* /dev/console */
	{ true, 'c', 5, 2, 7 },		/* /dev/ptmx */
	{ true, 'c', 136, -1, 7 },	/* /dev/pts/N */
};

static int parse_access(const char *s, unsigned *out)
{
	unsigned a = 0;

	if (!s) {
		*out = 7;
		return 0;
	}
	for (; *s; s++) {
		switch (*s) {
		case 'r': a |= VSL_CG_DEV_READ; break;
		case 'w': a |= VSL_CG_DEV_WRITE; break;
		case 'm': a |= VSL_CG_DEV_MKNOD; break;
		default: return -EINVAL;
		}
	}
	*out = a;
	return 0;
}

static void push(struct vsl_cg_dev_rule **v, size_t *n, const struct vsl_cg_dev_rule *r)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = *r;
}

static int from_resource(const struct vsl_device_rule *d, size_t i, struct vsl_cg_dev_rule *r,
			 struct vsl_err *err)
{
	r->allow = d->allow;
	r->type = d->type ? d->type[0] : 'a';
	if (d->type && (strlen(d->type) != 1 || !strchr("abc", d->type[0])))
		return vsl_fail(err, EINVAL,
				"linux.resources.devices[%zu].type: expected a, b or c, got \"%s\"", i,
				d->type);
	r->major = d->has_major ? d->major : -1;
	r->minor = d->has_minor ? d->minor : -1;
	if (r->major < -1 || r->minor < -1)
		return vsl_fail(err, EINVAL, "linux.resources.devices[%zu]: negative major/minor", i);
	if (parse_access(d->access, &r->access) < 0)
		return vsl_fail(err, EINVAL,
				"linux.resources.devices[%zu].access: expected a subset of rwm, got "
				"\"%s\"", i, d->access);
	return 0;
}

int vsl_cg_dev_rules(const struct vsl_resources *res, const struct vsl_device *devices,
		     size_t n_devices, struct vsl_cg_dev_rule **out, size_t *n,
		     struct vsl_err *err)
{
	static const struct vsl_cg_dev_rule deny_all = { false, 'a', -1, -1, 7 };
	struct vsl_cg_dev_rule *v = NULL, r;
	size_t cnt = 0;

	push(&v, &cnt, &deny_all);
	for (size_t i = 0; res && i < res->n_devices; i++) {
		if (from_resource(&res->devices[i], i, &r, err) < 0) {
			free(v);
			return -err->code;
		}
		push(&v, &cnt, &r);
	}
	for (size_t i = 0; i < sizeof(default_rules) / sizeof(default_rules[0]); i++)
		push(&v, &cnt, &default_rules[i]);
	for (size_t i = 0; i < n_devices; i++) {
		const struct vsl_device *d = &devices[i];
		if (!d->type || d->type[0] == 'p')
			continue;	/* fifos are not device-controlled */
		r = (struct vsl_cg_dev_rule){ true, d->type[0] == 'b' ? 'b' : 'c', d->major,
					      d->minor, 7 };
		push(&v, &cnt, &r);
	}
	*out = v;
	*n = cnt;
	return 0;
}

void vsl_cg_dev_rule_line(const struct vsl_cg_dev_rule *r, char *buf, size_t len)
{
	char maj[24] = "*", min[24] = "*", acc[4];
	size_t k = 0;

	if (r->major >= 0)
		snprintf(maj, sizeof(maj), "%" PRId64, r->major);
	if (r->minor >= 0)
		snprintf(min, sizeof(min), "%" PRId64, r->minor);
	if (r->access & VSL_CG_DEV_READ)
		acc[k++] = 'r';
	if (r->access & VSL_CG_DEV_WRITE)
		acc[k++] = 'w';
	if (r->access & VSL_CG_DEV_MKNOD)
		acc[k++] = 'm';
	acc[k] = '\0';
	if (r->type == 'a')
		snprintf(buf, len, "a");
	else
		snprintf(buf, len, "%c %s:%s %s", r->type, maj, min, acc);
}
