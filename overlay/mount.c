/* Mounting a layered rootfs: overlayfs of the template chain with a private upper layer on
 * the container's root.path (mount(2) data within a page, else the new mount API), the
 * upper's directories, and the image of the fallback disk limit under it. The layer's
 * lifecycle (create, reuse, remove) is layer.c's. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"

/* Renamed directories and metadata-only copy-ups stay out of the upper layer, so that it
 * is a self-contained layer a commit can stack on the chain. */
#define OVL_EXTRA "redirect_dir=off,metacopy=off"

static int fs_error(int fd, int code, const char *what, struct vsl_err *err)
{
	char msg[512];
	ssize_t n = read(fd, msg, sizeof(msg) - 1); /* the fs context's own message */

	if (n > 2) {
		msg[n] = '\0';
		msg[strcspn(msg, "\n")] = '\0';
		return vsl_fail(err, code, "%s: %s", what, msg + 2);
	}
	return vsl_fail(err, code, "%s", what);
}

/* The new mount API takes each lower as its own "lowerdir+" value (Linux 6.8), so the
 * one-page limit of mount(2) data does not apply. ENOSYS/EINVAL: kernel too old. */
static int mount_fsconfig(char *const *lowers, size_t n, const char *upper, const char *work,
			  const char *target, struct vsl_err *err)
{
	cleanup_close int fs = fsopen("overlay", FSOPEN_CLOEXEC);
	cleanup_close int mnt = -1;
	/* Overlay unescapes upperdir and workdir even here; "lowerdir+" is taken verbatim. */
	cleanup_free char *eupper = vsl_ovl_escape(upper), *ework = vsl_ovl_escape(work);

	if (fs < 0)
		return vsl_fail(err, errno, "overlay: fsopen");
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", "overlay", 0) < 0)
		return fs_error(fs, errno, "overlay: source", err);
	for (size_t i = 0; i < n; i++)
		if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0) < 0)
			return fs_error(fs, errno, "overlay: lowerdir+", err);
	if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", eupper, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "workdir", ework, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "redirect_dir", "off", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "metacopy", "off", 0) < 0)
		return fs_error(fs, errno, "overlay: upperdir/workdir", err);
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fs_error(fs, errno, "overlay: create", err);
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		return vsl_fail(err, errno, "overlay: fsmount");
	if (move_mount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return vsl_fail(err, errno, "overlay: attach on %s", target);
	return 0;
}

/* Older kernels: the lowers as /proc/self/fd/N, about 18 bytes each whatever their path. */
static int mount_fdpaths(char *const *lowers, size_t n, const char *upper, const char *work,
			 const char *target, struct vsl_err *err)
{
	cleanup_strv char **paths = xzalloc((n + 1) * sizeof(char *));
	cleanup_free int *fds = xmalloc(n * sizeof(int));
	cleanup_free char *data = NULL;
	int r = 0;

	for (size_t i = 0; i < n; i++)
		fds[i] = -1;
	for (size_t i = 0; i < n && r == 0; i++) {
		fds[i] = open(lowers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fds[i] < 0)
			r = vsl_fail(err, errno, "overlay: open %s", lowers[i]);
		else
			paths[i] = xasprintf("/proc/self/fd/%d", fds[i]);
	}
	if (r == 0)
		r = vsl_ovl_opts_build(paths, n, upper, work, OVL_EXTRA, &data, err);
	if (r == 0 && mount("overlay", target, "overlay", 0, data) < 0)
		r = vsl_fail(err, errno, "mount overlay on %s", target);
	for (size_t i = 0; i < n; i++)
		vsl_closep(&fds[i]);
	return r;
}

static int mount_overlay(char *const *lowers, const char *upper, const char *work,
			 const char *target, struct vsl_err *err)
{
	cleanup_free char *data = NULL;
	size_t n = vsl_strv_len(lowers);
	int r;

	r = vsl_ovl_opts_build(lowers, n, upper, work, OVL_EXTRA, &data, err);
	if (r == 0) {
		if (mount("overlay", target, "overlay", 0, data) < 0)
			return vsl_fail(err, errno, "mount overlay on %s", target);
		return 0;
	}
	if (r != -E2BIG)
		return r;
	r = mount_fsconfig(lowers, n, upper, work, target, err);
	if (r == -EINVAL || r == -ENOSYS)
		r = mount_fdpaths(lowers, n, upper, work, target, err);
	return r;
}

/* The upper's root is the merged root: it starts with the owner and mode of the template's. */
int ovl_make_upper(const char *upper, const char *work, const char *top_lower,
		   struct vsl_err *err)
{
	struct stat st;

	if (mkdir(upper, 0755) == 0) {
		if (stat(top_lower, &st) < 0)
			return vsl_fail(err, errno, "stat %s", top_lower);
		if (chown(upper, st.st_uid, st.st_gid) < 0 || chmod(upper, st.st_mode & 07777) < 0)
			return vsl_fail(err, errno, "chown %s", upper);
	} else if (errno != EEXIST) {
		return vsl_fail(err, errno, "mkdir %s", upper);
	}
	if (mkdir(work, 0700) < 0 && errno != EEXIST)
		return vsl_fail(err, errno, "mkdir %s", work);
	return 0;
}

bool ovl_is_mountpoint(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
		return false;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* Mount a container's existing private layer (its disk image first, for the fallback) and
 * the overlay on target. */
int ovl_layer_attach(const char *store, const char *id, const struct ovl_layer *l,
		     const char *target, struct vsl_err *err)
{
	cleanup_free char *dir = ovl_layer_dir(store, id);
	cleanup_free char *img = xasprintf("%s/disk.img", dir);
	cleanup_free char *mnt = xasprintf("%s/disk", dir);
	cleanup_free char *upper = NULL, *work = NULL;
	cleanup_strv char **lowers = NULL;
	bool image = access(img, F_OK) == 0;
	struct vsl_err tmp;
	int r;

	r = ovl_chain(store, l->template_name, &lowers, err);
	if (r < 0)
		return r;
	if (ovl_is_mountpoint(target))
		return vsl_refuse(err, EBUSY, "%s: already a mount point", target);
	upper = xasprintf("%s%s/upper", dir, image ? "/disk" : "");
	work = xasprintf("%s%s/work", dir, image ? "/disk" : "");
	if (image && !ovl_is_mountpoint(mnt) && (r = ovl_image_mount(img, mnt, err)) < 0)
		return r;
	r = ovl_make_upper(upper, work, lowers[0], err);
	if (r == 0)
		r = mount_overlay(lowers, upper, work, target, err);
	if (r < 0 && image)
		ovl_image_umount(mnt, true, NULL, &tmp);
	return r;
}

static int umount_one(const char *path, bool lazy, const struct vsl_log *log, struct vsl_err *err)
{
	if (!ovl_is_mountpoint(path) || umount2(path, UMOUNT_NOFOLLOW) == 0)
		return 0;
	if (errno != EBUSY || !lazy)
		return vsl_fail(err, errno, "unmount %s", path);
	vsl_warn(log, "%s busy: detached lazily", path);
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return vsl_fail(err, errno, "unmount %s", path);
	return 0;
}

int ovl_layer_detach(const char *store, const char *id, const char *target, bool lazy,
		     const struct vsl_log *log, struct vsl_err *err)
{
	cleanup_free char *dir = ovl_layer_dir(store, id);
	cleanup_free char *mnt = xasprintf("%s/disk", dir);
	int r = 0;

	if (target)
		r = umount_one(target, lazy, log, err);
	if (r == 0 && access(mnt, F_OK) == 0 && (r = ovl_image_umount(mnt, lazy, log, err)) == 0)
		rmdir(mnt);
	return r;
}

