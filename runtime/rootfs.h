/* Building the container's root filesystem in its mount namespace. */
#ifndef VSL_RUNTIME_ROOTFS_H
#define VSL_RUNTIME_ROOTFS_H

#include <stdbool.h>

#include "common/err.h"
#include "common/log.h"
#include "spec/config.h"

struct vsl_rootfs_opts {
	const struct vsl_config *cfg;
	const char *rootfs;	/* absolute host path of the root filesystem */
	const char *bundle;	/* absolute; relative mount sources are relative to it */
	bool no_pivot;		/* --no-pivot: MS_MOVE + chroot instead of pivot_root */
	bool new_userns;
	bool new_netns;
	bool new_cgroupns;
	const struct vsl_log *log;
};

int vsl_rootfs_prepare(const struct vsl_rootfs_opts *o, struct vsl_err *err);
int vsl_rootfs_enter(const struct vsl_rootfs_opts *o, struct vsl_err *err);
int vsl_rootfs_set_names(const struct vsl_config *cfg, struct vsl_err *err);
int vsl_sysctl_apply(const struct vsl_config *cfg, struct vsl_err *err);

#endif
