/* Disk limits without project quotas, for kernels that have none (this is the one case the
 * per-container image is kept for: an XFS without CONFIG_XFS_QUOTA and an ext4 without
 * CONFIG_QFMT_V2 cannot enforce a project limit). The private layer then lives in a sparse
 * ext4 image of the limit's size, attached to a loop device (autoclear) and mounted under the
 * layer's directory. Safety rules: an image is never attached twice (a mount goes through the
 * loop device already holding it), and a resize either happens completely or changes nothing
 * (file size, record, mounts). mkfs.ext4, e2fsck and resize2fs come from e2fsprogs. */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"

#ifndef EXT4_IOC_RESIZE_FS
#define EXT4_IOC_RESIZE_FS _IOW('f', 16, uint64_t)
#endif

/* discard: blocks freed in the container are punched out of the sparse image, so the store
 * pays for what is in use, not for the high-water mark. minixdf: statfs counts every block,
 * metadata included, as the superblock does, so "used" reads the same mounted or not. */
#define EXT4_MOUNT_DATA "noinit_itable,discard,errors=remount-ro,minixdf"

int ovl_image_create(const char *img, uint64_t size, struct vsl_err *err)
{
	cleanup_close int fd = -1;
	/* -T default: 4K blocks and an inode per 16K even on a small image, so metadata stays
	 * small and resize2fs can shrink close to the data. */
	char *argv[] = {"/usr/sbin/mkfs.ext4",
			"-q",
			"-F",
			"-m",
			"0",
			"-T",
			"default",
			"-L",
			"vessel",
			"-E",
			"lazy_itable_init=1,lazy_journal_init=1,nodiscard",
			(char *)img,
			NULL};

	fd = open(img, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return vsl_fail(err, errno, "create %s", img);
	if (ftruncate(fd, (off_t)(size & ~4095ULL)) < 0)
		return vsl_fail(err, errno, "truncate %s", img);
	return ovl_run(argv, err);
}

int ovl_image_mount(const char *img, const char *mnt, struct vsl_err *err)
{
	cleanup_close int img_fd = open(img, O_RDWR | O_CLOEXEC);
	cleanup_close int loop = -1;
	char dev[64];

	if (img_fd < 0)
		return vsl_fail(err, errno, "open %s", img);
	if (mkdir(mnt, 0700) < 0 && errno != EEXIST)
		return vsl_fail(err, errno, "mkdir %s", mnt);
	/* Still attached (a process of the container's mount namespace holds it): mount that
	 * very device again, the same filesystem, rather than a second writer of the image. */
	if (!ovl_loop_find(img, dev, sizeof(dev)) &&
	    (loop = ovl_loop_attach(img_fd, img, dev, sizeof(dev), err)) < 0)
		return loop;
	if (mount(dev, mnt, "ext4", MS_NOATIME, EXT4_MOUNT_DATA) < 0)
		return vsl_fail(err, errno, "mount %s (%s) on %s", dev, img, mnt);
	return 0; /* loop is closed here: autoclear now ties the device's life to the mount */
}

int ovl_image_umount(const char *mnt, bool lazy, const struct vsl_log *log, struct vsl_err *err)
{
	if (!ovl_is_mountpoint(mnt))
		return 0;
	if (umount2(mnt, UMOUNT_NOFOLLOW) == 0)
		return 0;
	if (errno != EBUSY || !lazy)
		return vsl_fail(err, errno, "unmount %s", mnt);
	vsl_warn(log, "%s busy: detached lazily, its loop device goes when the last user does",
		 mnt);
	if (umount2(mnt, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return vsl_fail(err, errno, "unmount %s", mnt);
	return 0;
}

/* Used blocks and inodes of an unmounted ext4 image, from its superblock. */
static void sb_usage(const char *img, struct vsl_ovl_disk *out)
{
	cleanup_close int fd = open(img, O_RDONLY | O_CLOEXEC);
	unsigned char sb[1024];
	uint64_t blocks, freeb, bsize;

	if (fd < 0 || pread(fd, sb, sizeof(sb), 1024) != (ssize_t)sizeof(sb) || sb[56] != 0x53 ||
	    sb[57] != 0xef)
		return;
#define LE32(o)                                                                                    \
	((uint64_t)sb[o] | (uint64_t)sb[o + 1] << 8 | (uint64_t)sb[o + 2] << 16 |                  \
	 (uint64_t)sb[o + 3] << 24)
	blocks = LE32(4) | LE32(0x150) << 32;
	freeb = LE32(12) | LE32(0x158) << 32;
	bsize = 1024ULL << LE32(24);
	out->used = freeb <= blocks ? (blocks - freeb) * bsize : 0;
	out->inode_limit = LE32(0);
	out->inodes = LE32(0) - LE32(16);
#undef LE32
}

void ovl_image_usage(const char *img, const char *mnt, struct vsl_ovl_disk *out)
{
	struct statvfs sv;

	if (ovl_is_mountpoint(mnt) && statvfs(mnt, &sv) == 0) {
		out->used = (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
		out->inode_limit = sv.f_files;
		out->inodes = sv.f_files - sv.f_ffree;
	} else {
		sb_usage(img, out);
	}
}

static int set_capacity(const char *dev, struct vsl_err *err)
{
	cleanup_close int fd = open(dev, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, LOOP_SET_CAPACITY, 0) < 0)
		return vsl_fail(err, errno, "%s: set capacity", dev);
	return 0;
}

/* Grow the mounted ext4 on mnt online: the file, the loop device, the filesystem. A failure
 * puts the file and the device back to the old size: the filesystem did not grow. */
static int grow_online(const char *img, const char *dev, const char *mnt, uint64_t old,
		       uint64_t size, struct vsl_err *err)
{
	cleanup_close int fd = open(img, O_WRONLY | O_CLOEXEC);
	cleanup_close int dfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct statvfs sv;
	struct vsl_err tmp;
	uint64_t blocks;
	int r;

	if (fd < 0 || dfd < 0 || fstatvfs(dfd, &sv) < 0)
		return vsl_fail(err, errno, "open %s", fd < 0 ? img : mnt);
	if (ftruncate(fd, (off_t)size) < 0)
		return vsl_fail(err, errno, "grow %s", img);
	blocks = size / sv.f_frsize;
	r = set_capacity(dev, err);
	if (r == 0 && ioctl(dfd, EXT4_IOC_RESIZE_FS, &blocks) < 0)
		r = vsl_fail(err, errno, "%s: resize ext4 to %llu blocks", mnt,
			     (unsigned long long)blocks);
	if (r < 0 && (ftruncate(fd, (off_t)old) < 0 || set_capacity(dev, &tmp) < 0))
		return vsl_fail(err, err->code, "%s (and %s stays at the new size)", err->msg, img);
	return r;
}

/* Resize an image nothing holds: grow the file first, shrink it last. resize2fs checks that
 * the data fits before it changes anything; a refusal leaves the file as it was. */
static int resize_offline(const char *img, uint64_t old, uint64_t size, struct vsl_err *err)
{
	char kb[32], why[VSL_ERR_MSG];
	char *fsck[] = {"/usr/sbin/e2fsck", "-f", "-p", (char *)img, NULL};
	char *rs[] = {"/usr/sbin/resize2fs", (char *)img, kb, NULL};
	int r;

	snprintf(kb, sizeof(kb), "%lluK", (unsigned long long)(size >> 10));
	if (size > old && truncate(img, (off_t)size) < 0)
		return vsl_fail(err, errno, "grow %s", img);
	r = ovl_run(fsck, err);
	if (r == 0 && (r = ovl_run(rs, err)) < 0) {
		snprintf(why, sizeof(why), "%s", err->msg);
		r = vsl_fail(err, size < old ? ENOSPC : EIO, "cannot resize to %s (%s)", kb, why);
	}
	if (r < 0 && size > old)
		truncate(img, (off_t)old);
	if (r == 0 && size < old && truncate(img, (off_t)size) < 0)
		return vsl_fail(err, errno, "truncate %s", img);
	return r;
}

/* A shrink (or a grow without CAP_SYS_RESOURCE) of a mounted image: everything comes down
 * without lazy unmounts, the image is resized offline, and what was mounted goes up again.
 * The caller has made sure no container process holds it; if something still does, it is
 * found before the image is touched and everything is mounted again as it was. */
static int resize_cycle(const char *store, const char *id, const struct ovl_layer *l,
			const char *img, uint64_t cur, uint64_t limit, const struct vsl_log *log,
			struct vsl_err *err)
{
	cleanup_free char *mnt = xasprintf("%s/containers/%s/disk", store, id);
	bool ovl_on = l->target && ovl_is_mountpoint(l->target);
	struct vsl_err tmp;
	char dev[64];
	int r, r2 = 0;

	r = ovl_layer_detach(store, id, ovl_on ? l->target : NULL, false, log, err);
	if (r == 0 && ovl_loop_find(img, dev, sizeof(dev)))
		r = vsl_refuse(err, EBUSY,
			       "%s is still held through %s (a process of the container's mount "
			       "namespace): stop the container to shrink its disk",
			       img, dev);
	if (r == 0)
		r = resize_offline(img, cur, limit, err);
	if (ovl_on && !ovl_is_mountpoint(l->target))
		r2 = ovl_layer_attach(store, id, l, l->target, &tmp);
	else if (!ovl_is_mountpoint(mnt))
		r2 = ovl_image_mount(img, mnt, &tmp);
	if (r2 < 0)
		return vsl_fail(err, tmp.code, "%s (mounting again: %s)",
				r < 0 ? err->msg : "resized", tmp.msg);
	return r;
}

int ovl_image_resize(const char *store, const char *id, const struct ovl_layer *l, uint64_t limit,
		     bool in_use, const struct vsl_log *log, struct vsl_err *err)
{
	cleanup_free char *img = xasprintf("%s/containers/%s/disk.img", store, id);
	cleanup_free char *mnt = xasprintf("%s/containers/%s/disk", store, id);
	struct vsl_ovl_disk use = {0};
	struct ovl_quota q = {0};
	struct stat st;
	char dev[64];
	int r;

	if (stat(img, &st) < 0)
		return vsl_fail(err, errno, "stat %s", img);
	ovl_image_usage(img, mnt, &use);
	q.used = use.used;
	q.inodes = use.inodes;
	if (ovl_quota_check_limit(&q, limit, err) < 0)
		return -err->code;
	if (!ovl_loop_find(img, dev, sizeof(dev)))
		return resize_offline(img, (uint64_t)st.st_size, limit, err);
	if (!ovl_is_mountpoint(mnt))
		return vsl_refuse(err, EBUSY,
				  "%s is held through %s but not mounted on %s: stop the container "
				  "first",
				  img, dev, mnt);
	if (limit < (uint64_t)st.st_size && in_use)
		return vsl_refuse(err, EBUSY,
				  "the container is running: its disk image can grow but not "
				  "shrink (stop it first)");
	if (limit < (uint64_t)st.st_size)
		return resize_cycle(store, id, l, img, (uint64_t)st.st_size, limit, log, err);
	/* Growing a mounted ext4 is online, even under a running container; the ioctl needs
	 * CAP_SYS_RESOURCE, so without it a stopped container's image is resized offline. */
	r = grow_online(img, dev, mnt, (uint64_t)st.st_size, limit, err);
	if ((r == -EPERM || r == -ENOTTY || r == -EOPNOTSUPP) && !in_use) {
		vsl_debug(log, "online grow: %s; resizing offline", err->msg);
		r = resize_cycle(store, id, l, img, (uint64_t)st.st_size, limit, log, err);
	} else if (r == -EPERM) {
		r = vsl_refuse(
		    err, EPERM,
		    "the container is running and its disk image cannot grow online "
		    "here (the ext4 resize needs CAP_SYS_RESOURCE): nothing changed; stop "
		    "it first");
	}
	return r;
}
