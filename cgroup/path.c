/* Where a container's cgroup lives, and the string state.json keeps. Pure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

#define DEFAULT_PARENT VSL_CG_DEFAULT_PARENT

/* Join the components of in onto out ("/a/b"), refusing "." and "..". */
static int normalize(const char *in, char **out, struct vsl_err *err)
{
	cleanup_free char *copy = xstrdup(in);
	size_t cap = strlen(in) + 2, len = 0;
	char *res = xzalloc(cap), *save = NULL;

	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (!strcmp(t, ".") || !strcmp(t, "..")) {
			free(res);
			return vsl_fail(err, EINVAL,
					"linux.cgroupsPath: \"%s\": \".\" and \"..\" are not allowed", in);
		}
		len += (size_t)snprintf(res + len, cap - len, "/%s", t);
	}
	if (len == 0) {
		free(res);
		return vsl_fail(err, EINVAL, "linux.cgroupsPath: \"%s\" names the root cgroup", in);
	}
	*out = res;
	return 0;
}

/* "slice:prefix:name" must have three fields, the slice ending in .slice (or empty). */
static int check_systemd(const char *p, struct vsl_err *err)
{
	const char *c1 = p ? strchr(p, ':') : NULL, *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	if (!c1 || !c2 || strchr(c2 + 1, ':') || !c2[1])
		return vsl_fail(err, EINVAL,
				"linux.cgroupsPath: \"%s\": --systemd-cgroup expects slice:prefix:name",
				p ? p : "");
	if (c1 != p && (c1 - p < 7 || strncmp(c1 - 6, ".slice", 6)))
		return vsl_fail(err, EINVAL, "linux.cgroupsPath: \"%s\": slice must end in .slice",
				p);
	return 0;
}

int vsl_cg_resolve_path(const char *id, const char *cgroups_path, bool systemd, char **out,
			struct vsl_err *err)
{
	cleanup_free char *joined = NULL;
	int r;

	if (systemd) {
		r = check_systemd(cgroups_path, err);
		if (r < 0)
			return r;
		/* Placing the cgroup under systemd means asking it over D-Bus for a transient
		 * scope; writing into its tree behind its back would be the silent "something
		 * else" runc users get bitten by. */
		return vsl_fail(err, EOPNOTSUPP,
				"cgroup %s: --systemd-cgroup is not supported by vessel (no D-Bus "
				"driver); use the cgroupfs manager (the default)", cgroups_path);
	}
	if (!cgroups_path || !*cgroups_path) {
		if (!id || !*id || strchr(id, '/'))
			return vsl_fail(err, EINVAL, "cgroup: invalid container id \"%s\"",
					id ? id : "");
		joined = xasprintf("/" DEFAULT_PARENT "/%s", id);
	} else if (cgroups_path[0] == '/') {
		joined = xstrdup(cgroups_path);
	} else {
		joined = xasprintf("/" DEFAULT_PARENT "/%s", cgroups_path);
	}
	return normalize(joined, out, err);
}

char *vsl_cg_record(const char *path, unsigned owned)
{
	return xasprintf("%u:%s", owned, path);
}

int vsl_cg_parse_record(const char *rec, char **path, unsigned *owned, struct vsl_err *err)
{
	const char *colon = rec ? strchr(rec, ':') : NULL;
	cleanup_free char *num = NULL;
	uint64_t n;

	if (!colon || colon[1] != '/')
		return vsl_fail(err, EINVAL, "cgroup: bad recorded path \"%s\"", rec ? rec : "");
	num = strndup(rec, (size_t)(colon - rec));
	if (!num || vsl_parse_u64(num, &n) < 0 || n > 64)
		return vsl_fail(err, EINVAL, "cgroup: bad recorded path \"%s\"", rec);
	if (normalize(colon + 1, path, err) < 0)
		return vsl_wrap(err, "cgroup: recorded path");
	*owned = (unsigned)n;
	return 0;
}
