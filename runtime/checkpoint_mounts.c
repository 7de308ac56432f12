/* The container's cgroup mounts, which CRIU must be told are external: vessel binds the
 * container's own cgroup directory there (no cgroup namespace), a mount whose root is not
 * its filesystem's and that CRIU cannot make again by itself. Pure. */
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/checkpoint.h"

/* Field n (0-based) of a mountinfo line, up to the next space, into buf. */
static bool field(const char *line, int n, char *buf, size_t len)
{
	const char *p = line;
	size_t k;

	for (int i = 0; i < n; i++) {
		p = strchr(p, ' ');
		if (!p)
			return false;
		p++;
	}
	k = strcspn(p, " \n");
	if (k >= len)
		return false;
	memcpy(buf, p, k);
	buf[k] = '\0';
	return true;
}

/* The filesystem type: the first field after " - ". */
static bool fstype(const char *line, const char *end, char *buf, size_t len)
{
	const char *sep = strstr(line, " - ");

	if (!sep || sep >= end)
		return false;
	return field(sep + 3, 0, buf, len);
}

char **vsl_criu_cgroup_mounts(const char *mountinfo)
{
	char **v = NULL;

	for (const char *p = mountinfo; p && *p;) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		char root[4096], mp[4096], type[32];

		if (field(p, 3, root, sizeof(root)) && field(p, 4, mp, sizeof(mp)) &&
		    fstype(p, end, type, sizeof(type)) &&
		    (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) &&
		    strcmp(root, "/") != 0)
			vsl_strv_push(&v, mp);
		p = nl ? nl + 1 : NULL;
	}
	return v;
}

char *vsl_criu_cgroup_source(const char *mountpoint, const char *cg_dest, const char *cg_dir)
{
	const char *rel = mountpoint + strlen(cg_dest);

	if (!vsl_str_has_prefix(mountpoint, cg_dest) || (*rel && *rel != '/') || strstr(rel, ".."))
		return NULL;
	return xasprintf("/sys/fs/cgroup%s%s", rel, cg_dir);
}

bool vsl_criu_mountinfo_has(const char *mountinfo, unsigned long id)
{
	for (const char *p = mountinfo; p && *p;) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);

		if (end != p && *end == ' ' && v == id)
			return true;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return false;
}
