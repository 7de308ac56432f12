/* What the container's mounts need from the host before it mounts anything. In a user
 * namespace the container process has only the credentials of its mapped ids: it cannot
 * reach a bind source below a directory that only root of the host may enter, nor make
 * device nodes. So vessel does both with its own credentials, in a helper process, and
 * passes the fds to the container over the sync socket before its first GO:
 *   - bind sources, opened O_PATH inside the container's mount namespace (setns), as the
 *     host sees them, so that the container clones mounts of its own namespace, with the
 *     locks the kernel put on them (runc's way);
 *   - linux.devices, made on a tmpfs of the host in a private mount namespace and cloned
 *     one node at a time with open_tree (crun's way): a node on a tmpfs the container
 *     mounted would not open (nodev).
 * The container closes them all once its mounts are made. */
#ifndef VSL_RUNTIME_HOSTFDS_H
#define VSL_RUNTIME_HOSTFDS_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/err.h"
#include "runtime/sync.h"
#include "spec/config.h"

/* Is there anything to open or make on the host for cfg? Pure. */
bool vsl_hostfds_needed(const struct vsl_config *cfg);

/* Parent side, while the container process pid waits for its first GO on sync_fd: fork the
 * helper, forward each fd it sends (VSL_SYNC_SOURCE or VSL_SYNC_DEVICE, code = index) to
 * the container. bundle: relative bind sources are relative to it; rootfs: a directory the
 * helper mounts its tmpfs on, in its private mount namespace. No-op unless needed. */
int vsl_hostfds_send(const struct vsl_config *cfg, const char *bundle, const char *rootfs,
		     pid_t pid, int sync_fd, struct vsl_err *err);

/* Container side: receive until GO, storing each fd at its index in src_fds (n_mounts
 * entries) or dev_fds (n_devices entries), which start as -1. */
int vsl_hostfds_receive(const struct vsl_config *cfg, int sock, struct vsl_sync_msg *msg,
			int *src_fds, int *dev_fds, struct vsl_err *err);

#endif
