/* Before CRIU restores a container: the mount points of config.json's mounts made in the
 * rootfs, as create makes them. A rootfs that is not the one dumped (podman's `restore
 * --import` mounts a fresh one) lacks them, and CRIU cannot mount on a missing path.
 * Those below a tmpfs mount are left alone: CRIU brings the tmpfs back with its contents. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/checkpoint_internal.h"
#include "runtime/paths.h"

/* A bind mount of a file needs a file to mount on; anything else a directory. */
static enum vsl_path_kind kind_of(const struct vsl_mount *m, const char *bundle)
{
	cleanup_free char *src = NULL;
	struct stat sb;

	if (!vsl_criu_is_bind(m) || !m->source)
		return VSL_PATH_DIR;
	src = m->source[0] == '/' ? xstrdup(m->source) : xasprintf("%s/%s", bundle, m->source);
	return stat(src, &sb) == 0 && !S_ISDIR(sb.st_mode) ? VSL_PATH_FILE : VSL_PATH_DIR;
}

int vsl_restore_mountpoints(const struct vsl_config *cfg, const char *rootfs,
			    const char *bundle, struct vsl_err *err)
{
	cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (rootfd < 0)
		return vsl_fail(err, errno, "container root %s", rootfs);
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct vsl_mount *m = &cfg->mounts[i];
		int fd;

		if (vsl_criu_under_tmpfs(cfg, i, m->destination))
			continue;
		fd = vsl_path_mkpath(rootfd, m->destination, kind_of(m, bundle), err);
		if (fd < 0)
			return vsl_wrap(err, "mounts[%zu] (%s): its mount point", i, m->destination);
		close(fd);
	}
	return 0;
}
