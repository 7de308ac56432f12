/* Where a container's cgroup lives, and the string state.json keeps. Pure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/internal.h"
#include "cgroup/systemd.h"
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

int vsl_cg_resolve_path(const char *id, const char *cgroups_path, bool systemd, char **out,
			struct vsl_err *err)
{
	cleanup_free char *joined = NULL;

	if (systemd) {
		struct vsl_sd_unit u = { 0 };
		int r = vsl_sd_parse_path(id, cgroups_path, &u, err);
		if (r == 0)
			*out = vsl_steal_ptr(&u.path);
		vsl_sd_unit_clear(&u);
		return r;
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

#define SD_MARK "systemd:"

char *vsl_cg_record(const char *path, unsigned owned, bool systemd)
{
	return xasprintf("%s%u:%s", systemd ? SD_MARK : "", owned, path);
}

int vsl_cg_parse_record(const char *rec, char **path, unsigned *owned, bool *systemd,
			struct vsl_err *err)
{
	const char *from = rec, *colon;
	cleanup_free char *num = NULL;
	uint64_t n;

	*systemd = rec && vsl_str_has_prefix(rec, SD_MARK);
	if (*systemd)
		from += strlen(SD_MARK);
	colon = from ? strchr(from, ':') : NULL;
	if (!colon || colon[1] != '/')
		return vsl_fail(err, EINVAL, "cgroup: bad recorded path \"%s\"", rec ? rec : "");
	num = strndup(from, (size_t)(colon - from));
	if (!num || vsl_parse_u64(num, &n) < 0 || n > 64)
		return vsl_fail(err, EINVAL, "cgroup: bad recorded path \"%s\"", rec);
	if (normalize(colon + 1, path, err) < 0)
		return vsl_wrap(err, "cgroup: recorded path");
	*owned = (unsigned)n;
	return 0;
}
