/* Orchestration of the container's root filesystem: propagation of / and the rootfs bind
 * (prepare), then pivot_root or move + chroot, readonly and masked paths, root.readonly
 * and the final propagation (enter). The mounts themselves: mounts.c, devices.c. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/overlay.h"
#include "runtime/mount_plan.h"
#include "runtime/paths.h"
#include "runtime/rootfs.h"

static int root_propagation(const struct vsl_config *cfg, unsigned long *out,
			    struct vsl_err *err)
{
	if (vsl_mount_propagation_parse(cfg->linux.rootfs_propagation, out) < 0)
		return vsl_fail(err, EINVAL, "linux.rootfsPropagation: unknown value %s",
				cfg->linux.rootfs_propagation);
	return 0;
}

static bool path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* pivot_root refuses a rootfs whose parent mount is shared: make that mount private (in
 * our namespace only), as runc does when rootfsPropagation asked for shared. */
static int parent_mount_private(const char *rootfs, struct vsl_err *err)
{
	struct vsl_mountinfo *mi = NULL;
	const struct vsl_mountinfo *best = NULL;
	size_t n = 0;
	int r = vsl_mountinfo_read(&mi, &n, err);

	for (size_t i = 0; r == 0 && i < n; i++)
		if (path_within(rootfs, mi[i].mountpoint) &&
		    (!best || strlen(mi[i].mountpoint) >= strlen(best->mountpoint)))
			best = &mi[i];
	if (best && strstr(best->optional, "shared:") &&
	    mount(NULL, best->mountpoint, NULL, MS_PRIVATE, NULL) < 0)
		r = vsl_fail(err, errno, "make %s private", best->mountpoint);
	vsl_mountinfo_free(mi, n);
	return r;
}

bool vsl_rootfs_has_mntns(const struct vsl_config *cfg)
{
	return cfg->linux.namespaces[VSL_NS_MNT].present;
}

/* What only a mount namespace of the container's own can give, as runc refuses it. */
static int check_mntns(const struct vsl_config *cfg, struct vsl_err *err)
{
	static const char need[] = "needs a mount namespace (linux.namespaces has no \"mount\")";

	if (vsl_rootfs_has_mntns(cfg))
		return 0;
	if (cfg->linux.masked_paths && cfg->linux.masked_paths[0])
		return vsl_refuse(err, EINVAL, "config.json: linux.maskedPaths: %s", need);
	if (cfg->linux.readonly_paths && cfg->linux.readonly_paths[0])
		return vsl_refuse(err, EINVAL, "config.json: linux.readonlyPaths: %s", need);
	if (vsl_config_annotation(cfg, VSL_OVL_ANN_TEMPLATE))
		return vsl_refuse(err, EINVAL, "config.json: annotation %s: %s",
				  VSL_OVL_ANN_TEMPLATE, need);
	return 0;
}

int vsl_rootfs_validate(const struct vsl_config *cfg, struct vsl_err *err)
{
	int r = check_mntns(cfg, err);

	return r < 0 ? r : vsl_sysctl_validate(cfg, err);
}

int vsl_rootfs_prepare(const struct vsl_rootfs_opts *o, struct vsl_err *err)
{
	cleanup_close int rootfd = -1;
	unsigned long prop = 0;
	int r;

	/* Refuse a bad sysctl before anything is mounted, not after the pivot. */
	r = vsl_rootfs_validate(o->cfg, err);
	/* Without a mount namespace of its own the container shares the caller's mount
	 * table: nothing in it may change (no propagation, mounts, devices or pivot), as
	 * runc skips its rootfs setup then. */
	if (r < 0 || !vsl_rootfs_has_mntns(o->cfg))
		return r;
	r = root_propagation(o->cfg, &prop, err);
	if (r < 0)
		return r;
	/* An unbindable root could not be bound onto itself, nor anything in it bound
	 * elsewhere (masked paths, the console): it is private until vsl_rootfs_propagate,
	 * after the last bind. */
	if (prop & MS_UNBINDABLE)
		prop = MS_PRIVATE | MS_REC;
	/* Nothing we mount may reach the host: / becomes a slave (or as asked) first. */
	if (mount(NULL, "/", NULL, prop ? prop : MS_SLAVE | MS_REC, NULL) < 0)
		return vsl_fail(err, errno, "rootfs: set the propagation of /");
	r = parent_mount_private(o->rootfs, err);
	if (r < 0)
		return vsl_wrap(err, "rootfs %s", o->rootfs);
	if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return vsl_fail(err, errno, "rootfs %s: bind onto itself", o->rootfs);
	rootfd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return vsl_fail(err, errno, "rootfs %s: open", o->rootfs);
	r = vsl_mounts_apply(o, rootfd, err);
	if (r < 0)
		return r;
	if (vsl_mounts_bind_dev(o->cfg)) {
		vsl_debug(o->log, "/dev is a bind mount: no devices created");
		return 0;
	}
	return vsl_devices_create(o, rootfd, err);
}

static int do_pivot(const char *rootfs, struct vsl_err *err)
{
	cleanup_close int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	cleanup_close int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

	if (oldroot < 0 || newroot < 0)
		return vsl_fail(err, errno, "pivot_root: open %s", oldroot < 0 ? "/" : rootfs);
	if (fchdir(newroot) < 0)
		return vsl_fail(err, errno, "pivot_root: chdir %s", rootfs);
	/* pivot_root(".", "."): the old root ends up stacked on the new one, at "/". */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return vsl_fail(err, errno, "pivot_root into %s", rootfs);
	if (fchdir(oldroot) < 0)
		return vsl_fail(err, errno, "pivot_root: chdir to the old root");
	/* Slave first, so that the detach below never propagates to the host. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return vsl_fail(err, errno, "pivot_root: make the old root a slave");
	if (umount2(".", MNT_DETACH) < 0)
		return vsl_fail(err, errno, "pivot_root: detach the old root");
	if (chdir("/") < 0)
		return vsl_fail(err, errno, "chdir /");
	return 0;
}

/* --no-pivot: hide the host's proc and sysfs (a later proc mount in the container must
 * not see them as "fully visible"), move the rootfs onto / and chroot. */
static int do_move_root(const struct vsl_rootfs_opts *o, struct vsl_err *err)
{
	struct vsl_mountinfo *mi = NULL;
	size_t n = 0;
	int r = vsl_mountinfo_read(&mi, &n, err);

	for (size_t i = n; r == 0 && i-- > 0;) {
		if (strcmp(mi[i].fstype, "proc") != 0 && strcmp(mi[i].fstype, "sysfs") != 0)
			continue;
		if (path_within(mi[i].mountpoint, o->rootfs))
			continue;
		/* EINVAL/EPERM: already gone or locked in a user namespace; it stays hidden
		 * outside the chroot. */
		if (umount2(mi[i].mountpoint, MNT_DETACH) < 0 && errno != EINVAL &&
		    errno != EPERM && errno != ENOENT)
			r = vsl_fail(err, errno, "no-pivot: detach %s", mi[i].mountpoint);
	}
	vsl_mountinfo_free(mi, n);
	if (r < 0)
		return r;
	if (chdir(o->rootfs) < 0)
		return vsl_fail(err, errno, "no-pivot: chdir %s", o->rootfs);
	if (mount(o->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return vsl_fail(err, errno, "no-pivot: move %s to /", o->rootfs);
	if (chroot(".") < 0)
		return vsl_fail(err, errno, "no-pivot: chroot %s", o->rootfs);
	if (chdir("/") < 0)
		return vsl_fail(err, errno, "chdir /");
	return 0;
}

int vsl_paths_readonly(int rootfd, char *const *paths, struct vsl_err *err)
{
	for (char *const *p = paths; p && *p; p++) {
		cleanup_close int fd = vsl_path_open(rootfd, *p, O_PATH, err);
		cleanup_close int tree = -1;
		cleanup_free char *what = xasprintf("readonlyPaths (%s)", *p);
		int r;

		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return vsl_wrap(err, "readonlyPaths");
		tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
				 AT_RECURSIVE);
		if (tree < 0)
			return vsl_fail(err, errno, "%s: open_tree", what);
		r = vsl_mount_setattr(tree, true, MOUNT_ATTR_RDONLY, 0, 0, what, err);
		if (r == 0)
			r = vsl_mount_move(tree, fd, what, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A read-only empty tmpfs over a masked directory. */
static int mask_dir(int target, const char *what, struct vsl_err *err)
{
	cleanup_close int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	cleanup_close int mnt = -1;

	if (fs < 0)
		return vsl_fail(err, errno, "%s: fsopen tmpfs", what);
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", "tmpfs", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return vsl_fail(err, errno, "%s: create tmpfs", what);
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
		      MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return vsl_fail(err, errno, "%s: fsmount tmpfs", what);
	return vsl_mount_move(mnt, target, what, err);
}

int vsl_paths_mask(int rootfd, char *const *paths, struct vsl_err *err)
{
	cleanup_close int null = -1;
	struct stat st;

	for (char *const *p = paths; p && *p; p++) {
		cleanup_close int fd = vsl_path_open(rootfd, *p, O_PATH, err);
		cleanup_free char *what = xasprintf("maskedPaths (%s)", *p);
		int r;

		if (fd == -ENOENT)
			continue;
		if (fd < 0 || fstat(fd, &st) < 0)
			return fd < 0 ? vsl_wrap(err, "maskedPaths") :
					vsl_fail(err, errno, "%s: stat", what);
		if (S_ISDIR(st.st_mode)) {
			r = mask_dir(fd, what, err);
		} else {
			if (null < 0) {
				null = vsl_path_open(rootfd, "/dev/null", O_PATH, err);
				if (null < 0)
					return vsl_wrap(err, "%s", what);
				if (fstat(null, &st) < 0 || !S_ISCHR(st.st_mode) ||
				    st.st_rdev != makedev(1, 3))
					return vsl_fail(err, ENODEV, "%s: /dev/null in the "
							"container is not the null device", what);
			}
			r = vsl_mount_bind_fd(null, fd, false, what, err);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int finish_root(const struct vsl_config *cfg, int rootfd, struct vsl_err *err)
{
	int r;

	r = vsl_paths_readonly(rootfd, cfg->linux.readonly_paths, err);
	if (r == 0)
		r = vsl_paths_mask(rootfd, cfg->linux.masked_paths, err);
	if (r == 0 && cfg->root_readonly)
		r = vsl_mount_setattr(rootfd, false, MOUNT_ATTR_RDONLY, 0, 0, "root.readonly",
				      err);
	return r;
}

int vsl_rootfs_propagate(const struct vsl_rootfs_opts *o, struct vsl_err *err)
{
	cleanup_close int rootfd = -1;
	unsigned long prop = 0;
	int r;

	if (!vsl_rootfs_has_mntns(o->cfg))
		return 0;
	r = root_propagation(o->cfg, &prop, err);
	if (r < 0 || !prop)
		return r;
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return vsl_fail(err, errno, "open / of the container");
	r = vsl_mount_setattr(rootfd, prop & MS_REC, 0, 0, prop & ~MS_REC,
			      "linux.rootfsPropagation", err);
	if (r == 0 && (prop & MS_REC))
		r = vsl_mounts_repropagate(o->cfg, rootfd, err);
	return r;
}

/* A missing process.cwd is made inside the root (never through a host path), before
 * root.readonly could forbid it. */
static int make_cwd(const struct vsl_config *cfg, int rootfd, struct vsl_err *err)
{
	cleanup_close int fd = -1;

	if (!cfg->process.cwd)
		return 0;
	fd = vsl_path_mkpath(rootfd, cfg->process.cwd, VSL_PATH_DIR, err);
	if (fd < 0)
		return vsl_wrap(err, "process.cwd");
	return 0;
}

/* No mount namespace: chroot into root.path, as runc and crun do, changing no mount; the
 * names and sysctls first, while /proc is the caller's. A missing cwd is made in the root. */
static int enter_chroot(const struct vsl_rootfs_opts *o, struct vsl_err *err)
{
	cleanup_close int dir = -1, rootfd = -1;
	int r = vsl_rootfs_set_names(o->cfg, err);

	if (r == 0)
		r = vsl_sysctl_apply(o->cfg, err);
	if (r < 0)
		return r;
	dir = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || fchdir(dir) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return vsl_fail(err, errno, "root.path %s: chroot", o->rootfs);
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return vsl_fail(err, errno, "open / of the container");
	return make_cwd(o->cfg, rootfd, err);
}

int vsl_rootfs_enter(const struct vsl_rootfs_opts *o, struct vsl_err *err)
{
	cleanup_close int rootfd = -1;
	int r;

	if (!vsl_rootfs_has_mntns(o->cfg))
		return enter_chroot(o, err);
	r = o->no_pivot ? do_move_root(o, err) : do_pivot(o->rootfs, err);
	if (r < 0)
		return r;
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return vsl_fail(err, errno, "open / of the container");
	/* Before readonlyPaths: /proc/sys is usually among them. */
	r = vsl_rootfs_set_names(o->cfg, err);
	if (r == 0)
		r = vsl_sysctl_apply(o->cfg, err);
	if (r == 0)
		r = make_cwd(o->cfg, rootfd, err);
	if (r == 0)
		r = finish_root(o->cfg, rootfd, err);
	if (r == 0 && chdir("/") < 0)
		r = vsl_fail(err, errno, "chdir /");
	return r;
}

int vsl_rootfs_console(const char *pty_slave, struct vsl_err *err)
{
	cleanup_close int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int src = -1, target = -1;

	if (rootfd < 0)
		return vsl_fail(err, errno, "open /");
	src = vsl_path_open(rootfd, pty_slave, O_PATH, err);
	if (src < 0)
		return vsl_wrap(err, "console");
	target = vsl_path_mkpath(rootfd, "/dev/console", VSL_PATH_FILE, err);
	if (target < 0)
		return vsl_wrap(err, "console");
	return vsl_mount_bind_fd(src, target, false, "/dev/console", err);
}
