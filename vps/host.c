/* The host's facts a VPS's config depends on, read at each start: which capabilities vessel
 * can grant, whether lxcfs serves its files, which block device holds the store (where the
 * I/O limits apply). Observations only (stat, statfs, sysfs); nothing is changed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/caps.h"
#include "vps/internal.h"

#define FUSE_MAGIC 0x65735546

int vps_host_caps(char ***out, struct vsl_err *err)
{
	struct vsl_cap_limits lim;
	char **caps = NULL;
	char name[64];
	int r;

	r = vsl_caps_limits(&lim, err);
	if (r < 0)
		return r;
	for (unsigned c = 0; c <= lim.last_cap && c < 64; c++) {
		uint64_t bit = UINT64_C(1) << c;
		vsl_cap_name(c, name, sizeof(name));
		if (!(lim.bounding & lim.permitted & bit))
			continue;	/* vessel cannot hand on what it does not hold */
		char key[70];
		snprintf(key, sizeof(key), " %s ", name);
		if (strstr(" " VSL_VPS_CAPS_DROPPED " ", key))
			continue;
		vsl_strv_push(&caps, name);
	}
	if (!caps)
		caps = xzalloc(sizeof(char *));
	*out = caps;
	return 0;
}

bool vps_lxcfs_usable(const char *dir, bool *has_cpu)
{
	cleanup_free char *meminfo = xasprintf("%s/proc/meminfo", dir);
	cleanup_free char *cpu = xasprintf("%s/sys/devices/system/cpu", dir);
	cleanup_close int fd = -1;
	struct statfs sfs;
	struct stat st;
	char buf[16];

	*has_cpu = false;
	if (statfs(dir, &sfs) < 0 || sfs.f_type != FUSE_MAGIC)
		return false;
	/* A mount whose daemon died answers ENOTCONN: such binds would break /proc/meminfo. */
	fd = open(meminfo, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
		return false;
	*has_cpu = stat(cpu, &st) == 0 && S_ISDIR(st.st_mode);
	return true;
}

