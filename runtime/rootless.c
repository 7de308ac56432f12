/* Rootless vessel: detection, default state root and store, the user's subordinate ids.
 * libsubid (shadow's, the library newuidmap itself uses) is loaded only by the commands
 * that need the ranges, so no other command pays for its dynamic loading. */
#include <dlfcn.h>
#include <linux/magic.h>
#include <errno.h>
#include <pwd.h>
#include <shadow/subid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/rootless.h"

#define LIBSUBID "libsubid.so.4"

int vsl_rootless_parse(const char *s, enum vsl_rootless_mode *out)
{
	if (strcmp(s, "true") == 0)
		*out = VSL_ROOTLESS_TRUE;
	else if (strcmp(s, "false") == 0)
		*out = VSL_ROOTLESS_FALSE;
	else if (strcmp(s, "auto") == 0)
		*out = VSL_ROOTLESS_AUTO;
	else
		return -EINVAL;
	return 0;
}

bool vsl_uid_map_is_initial(const char *uid_map)
{
	unsigned long a, b, c;
	char extra;

	return sscanf(uid_map, " %lu %lu %lu %c", &a, &b, &c, &extra) == 3 && a == 0 && b == 0 &&
	       c == 4294967295UL;
}

bool vsl_in_userns(void)
{
	cleanup_free char *map = NULL;
	struct vsl_err tmp;

	if (vsl_read_file("/proc/self/uid_map", &map, NULL, &tmp) < 0)
		return false;
	return !vsl_uid_map_is_initial(map);
}

bool vsl_rootless_detect(enum vsl_rootless_mode mode)
{
	if (mode != VSL_ROOTLESS_AUTO)
		return mode == VSL_ROOTLESS_TRUE;
	return geteuid() != 0 || vsl_in_userns();
}

/* dir/vessel when dir is set and absolute. */
static char *below(const char *dir, const char *sub)
{
	return dir && dir[0] == '/' ? xasprintf("%s/%s", dir, sub) : NULL;
}

char *vsl_rootless_default_root(void)
{
	char run[64];
	struct stat st;

	if (getenv("XDG_RUNTIME_DIR") && getenv("XDG_RUNTIME_DIR")[0])
		return below(getenv("XDG_RUNTIME_DIR"), "vessel");
	snprintf(run, sizeof(run), "/run/user/%u", (unsigned)geteuid());
	if (stat(run, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid())
		return below(run, "vessel");
	return NULL;
}

char *vsl_rootless_default_store(void)
{
	const char *data = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (data && data[0])
		return below(data, "vessel");
	return below(home, ".local/share/vessel");
}

typedef int (*get_ranges_fn)(const char *owner, struct subid_range **ranges);
typedef bool (*init_fn)(const char *progname, FILE *logfd);

int vsl_subid_ranges(bool gid, struct vsl_subid_range *out, struct vsl_err *err)
{
	const char *sym = gid ? "subid_get_gid_ranges" : "subid_get_uid_ranges";
	struct passwd *pw = getpwuid(getuid());
	struct subid_range *ranges = NULL;
	get_ranges_fn get;
	init_fn init;
	void *lib;
	int n;

	if (!pw)
		return vsl_refuse(err, ENOENT, "uid %u has no user name (/etc/passwd)",
				  (unsigned)getuid());
	lib = dlopen(LIBSUBID, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return vsl_refuse(err, ENOENT, "cannot load %s (Debian's libsubid4): %s", LIBSUBID,
				  dlerror());
	init = (init_fn)dlsym(lib, "subid_init");
	get = (get_ranges_fn)dlsym(lib, sym);
	if (!get) {
		dlclose(lib);
		return vsl_refuse(err, ENOENT, "%s has no %s", LIBSUBID, sym);
	}
	/* Its messages would go to stderr: only cmd/ prints (NULL logs to /dev/null). */
	if (init)
		init("vessel", NULL);
	n = get(pw->pw_name, &ranges);
	if (n < 0) {
		dlclose(lib);
		return vsl_fail(err, EIO, "%s: cannot read the ranges of %s",
				gid ? "/etc/subgid" : "/etc/subuid", pw->pw_name);
	}
	if (n > VSL_SUBID_MAX)
		n = VSL_SUBID_MAX;
	for (int i = 0; i < n; i++) {
		out[i].start = ranges[i].start > UINT32_MAX ? UINT32_MAX : (uint32_t)ranges[i].start;
		out[i].count = ranges[i].count > UINT32_MAX ? UINT32_MAX : (uint32_t)ranges[i].count;
	}
	free(ranges);
	dlclose(lib);
	return n;
}

bool vsl_subid_covers(const struct vsl_subid_range *r, size_t n, uint32_t own, uint32_t host,
		      uint32_t size)
{
	uint64_t end = (uint64_t)host + size;

	if (size == 0)
		return false;
	if (host == own && size == 1)
		return true;
	for (size_t i = 0; i < n; i++)
		if (host >= r[i].start && end <= (uint64_t)r[i].start + r[i].count)
			return true;
	return false;
}

char *vsl_rootless_cgroup_path(const char *proc_self_cgroup, const char *id)
{
	const char *line = proc_self_cgroup, *slash;
	size_t len;

	while (line && strncmp(line, "0::/", 4) != 0) {
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	if (!line)
		return NULL;
	line += 3;
	len = strcspn(line, "\n");
	slash = memrchr(line, '/', len);
	if (!slash || slash == line)
		return NULL;
	return xasprintf("%.*s/vessel-%s", (int)(slash - line), line, id);
}

bool vsl_cgroup_unified(void)
{
	struct statfs fs;

	return statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

size_t vsl_rootless_mappings(uint32_t own, const struct vsl_subid_range *r, size_t n,
			     struct vsl_id_mapping *out, size_t max)
{
	uint64_t next = 1;
	size_t k = 0;

	if (max == 0)
		return 0;
	out[k++] = (struct vsl_id_mapping){ 0, own, 1 };
	for (size_t i = 0; i < n && k < max; i++) {
		uint64_t size = r[i].count;
		if (size == 0 || (uint64_t)r[i].start + size > UINT32_MAX)
			continue;
		if (next + size > UINT32_MAX)
			size = UINT32_MAX - next;
		if (size == 0)
			break;
		out[k++] = (struct vsl_id_mapping){ (uint32_t)next, r[i].start, (uint32_t)size };
		next += size;
	}
	return k;
}

int vsl_rootless_spec_ids(struct vsl_id_mapping *uid, size_t *n_uid, struct vsl_id_mapping *gid,
			  size_t *n_gid, struct vsl_err *err)
{
	struct vsl_subid_range ru[VSL_SUBID_MAX], rg[VSL_SUBID_MAX];
	int nu, ng;

	nu = vsl_subid_ranges(false, ru, err);
	if (nu < 0)
		return nu;
	ng = vsl_subid_ranges(true, rg, err);
	if (ng < 0)
		return ng;
	*n_uid = vsl_rootless_mappings((uint32_t)geteuid(), ru, (size_t)nu, uid, VSL_SUBID_MAX + 1);
	*n_gid = vsl_rootless_mappings((uint32_t)getegid(), rg, (size_t)ng, gid, VSL_SUBID_MAX + 1);
	return 0;
}
