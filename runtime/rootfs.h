/* The container's root filesystem, built inside its mount namespace: config mounts,
 * devices, /dev symlinks, pivot_root, masked and read-only paths, hostname and sysctls.
 * Everything here runs in the container process (the child of spawn.c). Paths coming from
 * the container (mount destinations, device paths, masked paths) are resolved inside the
 * rootfs with runtime/paths.h, so a symlink in the rootfs can never redirect a mount to
 * the host. */
#ifndef VSL_RUNTIME_ROOTFS_H
#define VSL_RUNTIME_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/log.h"
#include "spec/config.h"

struct vsl_rootfs_opts {
	const struct vsl_config *cfg;
	const char *rootfs;	/* absolute host path of the root filesystem */
	const char *bundle;	/* absolute; relative mount sources and root.path are relative to it */
	bool no_pivot;		/* --no-pivot: MS_MOVE + chroot instead of pivot_root */
	bool new_userns;	/* in a new user namespace: bind-mount devices from the host, no mknod */
	/* One entry per mounts[i]: for a bind, an O_PATH fd of its source, opened before any
	 * mount (vsl_mounts_open_sources) with the host's credentials; else -1. */
	const int *src_fds;
	/* One entry per linux.devices[i]: in a user namespace, a detached mount of the node
	 * made on the host (runtime/hostfds.h); else -1. */
	const int *dev_fds;
	bool new_netns;		/* false: a new sysfs may be refused; then /sys is rbind-mounted */
	bool new_cgroupns;
	/* The container's cgroup, relative to each hierarchy's root ("/vessel/web1"), used
	 * for cgroup mounts without a new cgroup namespace. NULL: bind the host hierarchies
	 * read-only. */
	const char *cgroup_path;
	const struct vsl_log *log;
};

/* Does the container have a mount namespace (new or joined)? Without one it shares the
 * caller's mount table, and vessel changes nothing in it. */
bool vsl_rootfs_has_mntns(const struct vsl_config *cfg);
/* Before anything is made: what needs a mount namespace (maskedPaths, readonlyPaths, a
 * template rootfs) is refused without one, as runc does (mounts, root.readonly,
 * rootfsPropagation and devices are then ignored, as runc ignores them); then
 * vsl_sysctl_validate. */
int vsl_rootfs_validate(const struct vsl_config *cfg, struct vsl_err *err);

/* Runs in the container process, already inside its new mount namespace (and the other
 * new namespaces), still seeing the host's paths. Makes / MS_REC|MS_SLAVE (or as
 * rootfsPropagation asks), bind-mounts the rootfs onto itself, performs config mounts in
 * order, creates the default devices and /dev symlinks of config-linux.md plus
 * linux.devices, /dev/ptmx -> pts/ptmx (and an empty /dev/console when process.terminal).
 * linux.sysctl and rootfsPropagation are validated first, before anything is mounted.
 * Without a mount namespace (vsl_rootfs_has_mntns) it only validates. Does not pivot.
 * Errors name the mount ("mounts[3] (/data): ..."). Nothing is undone on failure: the
 * mount namespace dies with the process. */
int vsl_rootfs_prepare(const struct vsl_rootfs_opts *o, struct vsl_err *err);

/* Called after the createRuntime/createContainer hooks: pivot_root into the rootfs (or
 * move + chroot with no_pivot), detach the old root, then, in runc's order: hostname and
 * domainname (vsl_rootfs_set_names), linux.sysctl (vsl_sysctl_apply) -- these must come
 * before readonlyPaths, which usually makes /proc/sys read-only -- then a missing
 * process.cwd made inside the root, readonlyPaths, maskedPaths, root.readonly and
 * chdir("/"). Without a mount namespace: names and sysctls, then chroot into the rootfs
 * (as runc and crun; no mount changes) and a missing cwd made inside it.
 * Calling vsl_rootfs_set_names / vsl_sysctl_apply again afterwards is redundant but
 * harmless: both are idempotent (a sysctl already at its value is not written). */
int vsl_rootfs_enter(const struct vsl_rootfs_opts *o, struct vsl_err *err);

/* After vsl_rootfs_enter and the last bind into the root (the console): the final
 * rootfsPropagation on the container's "/" (recursively for the r* values, then each
 * mount's own propagation option again). Until then an unbindable root is private, so
 * that it can be bound onto itself and masked paths and the console bound into it. No-op
 * without a mount namespace. */
int vsl_rootfs_propagate(const struct vsl_rootfs_opts *o, struct vsl_err *err);

/* In the container's namespaces: hostname and domainname (needs a uts namespace in the
 * config, else EINVAL). */
int vsl_rootfs_set_names(const struct vsl_config *cfg, struct vsl_err *err);

/* linux.sysctl written under /proc/sys (which must be a procfs), validated like runc
 * (the validation runs first, so nothing is written for a config with a bad key):
 * net.* needs a network namespace, the ipc sysctls (kernel.msg*, kernel.sem, kernel.shm*,
 * fs.mqueue.*) an ipc namespace, kernel.domainname a uts namespace; anything else is
 * refused (EINVAL), and so are the ones that would undo a field: kernel.hostname (use
 * hostname) and a kernel.domainname other than domainname. Keys with '/' are taken as
 * paths, else '.' separates. */
int vsl_sysctl_validate(const struct vsl_config *cfg, struct vsl_err *err);
int vsl_sysctl_apply(const struct vsl_config *cfg, struct vsl_err *err);
/* "net.ipv4.ip_forward" -> "net/ipv4/ip_forward" (malloc'd); NULL for an unsafe key
 * ("..", empty components, leading '/'). Pure. */
char *vsl_sysctl_path(const char *key);
/* Equal up to runs of blanks ("250\t32000" == "250 32000"). Pure. */
bool vsl_sysctl_value_eq(const char *a, const char *b);

/* After vsl_rootfs_enter, with process.terminal: bind the pty slave (a path in the
 * container, e.g. "/dev/pts/0") onto /dev/console. */
int vsl_rootfs_console(const char *pty_slave, struct vsl_err *err);

/* --- Below: shared by runtime/rootfs.c, mounts.c, devices.c only. --- */

/* Open the source of every bind mount of cfg (relative ones joined to bundle) as an O_PATH
 * fd, close-on-exec, following symlinks as the caller sees them, and hand each to got
 * (which owns it from then on) with its index in mounts[]. Errors name the mount
 * ("mounts[6] (/data): source /x: No such file or directory"). */
int vsl_mounts_open_sources(const struct vsl_config *cfg, const char *bundle,
			    int (*got)(void *arg, size_t i, int fd, struct vsl_err *err), void *arg,
			    struct vsl_err *err);
/* Perform config mounts in order under rootfd (an fd of the rootfs, bind-mounted onto
 * itself); binds from o->src_fds. */
int vsl_mounts_apply(const struct vsl_rootfs_opts *o, int rootfd, struct vsl_err *err);
/* tmpcopyup: copy the contents of src_dir (the directory a new tmpfs covers) into dst_dir
 * (the tmpfs), with owners, modes and times; symlinks are copied, never followed. */
int vsl_tmpcopyup(int src_dir, int dst_dir, const char *what, struct vsl_err *err);
/* After the final rootfsPropagation on /: set each mount's own propagation option again,
 * so that it wins over the rootfs default. rootfd: an fd of the new "/". */
int vsl_mounts_repropagate(const struct vsl_config *cfg, int rootfd, struct vsl_err *err);
/* Does the config mount something over /dev by binding (then devices are not created)? */
bool vsl_mounts_bind_dev(const struct vsl_config *cfg);
/* Mount a detached tree (open_tree / fsmount fd) onto the resolved fd target. */
int vsl_mount_move(int tree, int target, const char *what, struct vsl_err *err);
/* Bind src_fd (any fd, O_PATH fine) onto target; attributes set after; recursive: rbind. */
int vsl_mount_bind_fd(int src_fd, int target, bool recursive, const char *what,
		      struct vsl_err *err);
/* mount_setattr on the mount at fd (AT_EMPTY_PATH) */
int vsl_mount_setattr(int fd, bool recursive, uint64_t set, uint64_t clr, unsigned long prop,
		      const char *what, struct vsl_err *err);

/* A cgroup or cgroup2 mount (runtime/cgroup_mounts.c): on a v1 host a tmpfs with one
 * bind (or, with a new cgroup namespace, one new mount) per hierarchy; on a v2 host a
 * cgroup2 mount with a new cgroup namespace, else a bind of the container's cgroup. */
struct vsl_mount_plan;
int vsl_cgroup_mount(const struct vsl_mount_plan *p, const struct vsl_rootfs_opts *o,
		     int rootfd, const char *what, struct vsl_err *err);

/* One line of /proc/self/mountinfo (escapes decoded). */
struct vsl_mountinfo {
	char *root, *mountpoint, *optional, *fstype, *source, *superopts;
};
/* Parse /proc/self/mountinfo; *out is an array of *n entries. */
int vsl_mountinfo_read(struct vsl_mountinfo **out, size_t *n, struct vsl_err *err);
void vsl_mountinfo_free(struct vsl_mountinfo *m, size_t n);

/* Does the container get its linux.devices from vsl_devices_make_host (a user namespace,
 * a mount namespace, no /dev bind, a char or block device listed)? Pure. */
bool vsl_devices_made_on_host(const struct vsl_config *cfg);
/* On the host, before the container mounts anything: make each char and block device of
 * linux.devices under dir (a tmpfs of the host, mounted in a private mount namespace)
 * with its mode and its owner mapped to host ids, and hand a detached mount of that one
 * node (open_tree clone, close-on-exec) to got with its index. Errors name the device. */
int vsl_devices_make_host(const struct vsl_config *cfg, int dir,
			  int (*got)(void *arg, size_t i, int fd, struct vsl_err *err), void *arg,
			  struct vsl_err *err);
/* linux.devices (in a user namespace from o->dev_fds) then the default devices (skipped
 * when linux.devices names the path), the /dev symlinks and /dev/ptmx. */
int vsl_devices_create(const struct vsl_rootfs_opts *o, int rootfd, struct vsl_err *err);

/* readonlyPaths and maskedPaths after the pivot (rootfd: an fd of "/"). */
int vsl_paths_readonly(int rootfd, char *const *paths, struct vsl_err *err);
int vsl_paths_mask(int rootfd, char *const *paths, struct vsl_err *err);

#endif
