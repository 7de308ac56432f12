/* Where a container's scope goes under the systemd driver: "slice:prefix:name" parsed as
 * runc does (an empty slice is system.slice, "-.slice" the root slice, "a-b.slice" nested in
 * a.slice, the unit "prefix-name.scope"). Pure; tests/unit/test_cgroup_systemd.c has runc's
 * cases. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/systemd.h"
#include "common/cleanup.h"
#include "common/util.h"

#define SLICE ".slice"
#define UNIT_NAME_MAX 255	/* systemd's limit on a unit name */

/* The characters systemd allows in unit names, without '@' (templates): [A-Za-z0-9:_.\-]. */
static bool unit_chars(const char *s)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789:_.-\\";

	return s[strspn(s, ok)] == '\0';
}

int vsl_sd_expand_slice(const char *slice, char **out, struct vsl_err *err)
{
	size_t len = strlen(slice), n;
	cleanup_free char *name = NULL;
	char *path;

	if (len <= strlen(SLICE) || strcmp(slice + len - strlen(SLICE), SLICE) ||
	    !unit_chars(slice))
		return vsl_fail(err, EINVAL, "invalid slice name \"%s\"", slice);
	name = strndup(slice, len - strlen(SLICE));
	if (!name)
		abort();
	n = strlen(name);
	if (!strcmp(name, "-")) {
		*out = xstrdup("");
		return 0;
	}
	/* "-a", "a-" and "a--b" have an empty component: systemd refuses those names. */
	if (name[0] == '-' || name[n - 1] == '-' || strstr(name, "--"))
		return vsl_fail(err, EINVAL, "invalid slice name \"%s\"", slice);
	/* one level per component: "/a.slice/a-b.slice/a-b-c.slice" */
	path = xstrdup("");
	for (const char *dash = name;; dash++) {
		char *longer;
		dash = strchrnul(dash, '-');
		longer = xasprintf("%s/%.*s" SLICE, path, (int)(dash - name), name);
		free(path);
		path = longer;
		if (!*dash)
			break;
	}
	*out = path;
	return 0;
}

static int split3(const char *p, char **slice, char **prefix, char **name, struct vsl_err *err)
{
	const char *c1 = strchr(p, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	if (!c2 || strchr(c2 + 1, ':'))
		return vsl_fail(err, EINVAL,
				"linux.cgroupsPath: \"%s\": --systemd-cgroup expects slice:prefix:name",
				p);
	*slice = strndup(p, (size_t)(c1 - p));
	*prefix = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
	*name = strdup(c2 + 1);
	if (!*slice || !*prefix || !*name)
		abort();
	return 0;
}

static int check_unit(const char *p, const char *prefix, const char *name, const char *unit,
		      struct vsl_err *err)
{
	size_t n = strlen(name);

	if (!*name)
		return vsl_fail(err, EINVAL, "linux.cgroupsPath: \"%s\": the name is empty", p);
	if (n >= strlen(SLICE) && !strcmp(name + n - strlen(SLICE), SLICE))
		return vsl_fail(err, EINVAL,
				"linux.cgroupsPath: \"%s\": a container gets a scope, not a slice: "
				"the name must not end in .slice", p);
	if (!unit_chars(prefix) || !unit_chars(name))
		return vsl_fail(err, EINVAL,
				"linux.cgroupsPath: \"%s\": systemd allows only A-Z a-z 0-9 : _ . - \\ "
				"in unit names", p);
	if (strlen(unit) > UNIT_NAME_MAX)
		return vsl_fail(err, EINVAL,
				"linux.cgroupsPath: \"%s\": the unit name is longer than %d", p,
				UNIT_NAME_MAX);
	return 0;
}

int vsl_sd_parse_path(const char *id, const char *cgroups_path, struct vsl_sd_unit *out,
		      struct vsl_err *err)
{
	cleanup_free char *dflt = NULL, *slice = NULL, *prefix = NULL, *name = NULL;
	cleanup_free char *expanded = NULL, *unit = NULL;
	const char *p = cgroups_path;
	int r;

	if (!p || !*p) {
		if (!id || !*id || !unit_chars(id))
			return vsl_fail(err, EINVAL, "cgroup: invalid container id \"%s\"",
					id ? id : "");
		p = dflt = xasprintf(":vessel:%s", id);
	}
	r = split3(p, &slice, &prefix, &name, err);
	if (r < 0)
		return r;
	if (!*slice) {
		free(slice);
		slice = xstrdup("system.slice");
	}
	unit = xasprintf("%s-%s.scope", prefix, name);
	r = check_unit(p, prefix, name, unit, err);
	if (r == 0 && vsl_sd_expand_slice(slice, &expanded, err) < 0)
		r = vsl_wrap(err, "linux.cgroupsPath: \"%s\"", p);
	if (r < 0)
		return r;
	out->path = xasprintf("%s/%s", expanded, unit);
	out->slice = vsl_steal_ptr(&slice);
	out->unit = vsl_steal_ptr(&unit);
	return 0;
}

void vsl_sd_unit_clear(struct vsl_sd_unit *u)
{
	free(u->slice);
	free(u->unit);
	free(u->path);
	memset(u, 0, sizeof(*u));
}
