/* Disk limits: the private layer lives in a sparse ext4 image of the limit's size, attached
 * to a free loop device (LOOP_CTL_GET_FREE + LOOP_CONFIGURE with autoclear, so the device
 * goes away with the last unmount) and mounted under the container's layer directory.
 * mkfs.ext4 and, to shrink, e2fsck/resize2fs come from e2fsprogs; growing is online. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"

#ifndef EXT4_IOC_RESIZE_FS
#define EXT4_IOC_RESIZE_FS _IOW('f', 16, uint64_t)
#endif

/* discard: blocks freed in the container are punched out of the sparse image, so the store
 * pays for what is in use, not for the high-water mark. */
#define EXT4_MOUNT_DATA "noinit_itable,discard,errors=remount-ro"

int ovl_disk_check_limit(uint64_t size, struct vsl_err *err)
{
	if (size < VSL_OVL_MIN_DISK)
		return vsl_fail(err, EINVAL, "disk limit %llu bytes: at least 16M",
				(unsigned long long)size);
	return 0;
}

int ovl_disk_create(const char *img, uint64_t size, struct vsl_err *err)
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
	int r;

	r = ovl_disk_check_limit(size, err);
	if (r < 0)
		return r;
	size &= ~4095ULL;
	fd = open(img, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return vsl_fail(err, errno, "create %s", img);
	if (ftruncate(fd, (off_t)size) < 0)
		return vsl_fail(err, errno, "truncate %s", img);
	return ovl_run(argv, err);
}

bool ovl_is_mountpoint(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
		return false;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* Attach img to a free loop device; returns its fd (closing it detaches unless mounted). */
static int loop_attach(int img_fd, const char *img, char *dev, size_t devlen, struct vsl_err *err)
{
	cleanup_close int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	struct loop_config cfg = {.fd = (uint32_t)img_fd};

	if (ctl < 0)
		return vsl_fail(err, errno, "open /dev/loop-control");
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
	snprintf((char *)cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s", img);
	/* Another process may take the free device between GET_FREE and CONFIGURE. */
	for (int tries = 0; tries < 64; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		int fd;

		if (n < 0)
			return vsl_fail(err, errno, "loop-control: get free device");
		snprintf(dev, devlen, "/dev/loop%d", n);
		fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return vsl_fail(err, errno, "open %s", dev);
		if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0)
			return fd;
		close(fd);
		if (errno != EBUSY)
			return vsl_fail(err, errno, "%s: attach %s", dev, img);
	}
	return vsl_fail(err, EBUSY, "attach %s: no free loop device", img);
}

int ovl_disk_mount(const char *img, const char *mnt, struct vsl_err *err)
{
	cleanup_close int img_fd = open(img, O_RDWR | O_CLOEXEC);
	cleanup_close int loop = -1;
	char dev[64];

	if (img_fd < 0)
		return vsl_fail(err, errno, "open %s", img);
	loop = loop_attach(img_fd, img, dev, sizeof(dev), err);
	if (loop < 0)
		return loop;
	if (mount(dev, mnt, "ext4", MS_NOATIME, EXT4_MOUNT_DATA) < 0)
		return vsl_fail(err, errno, "mount %s (%s) on %s", dev, img, mnt);
	/* loop is closed here: autoclear now ties the device's life to the mount. */
	return 0;
}

int ovl_disk_umount(const char *mnt, const struct vsl_log *log, struct vsl_err *err)
{
	if (!ovl_is_mountpoint(mnt))
		return 0;
	if (umount2(mnt, UMOUNT_NOFOLLOW) == 0)
		return 0;
	if (errno != EBUSY)
		return vsl_fail(err, errno, "unmount %s", mnt);
	vsl_warn(log, "%s busy: detached lazily, its loop device goes when the last user does",
		 mnt);
	if (umount2(mnt, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return vsl_fail(err, errno, "unmount %s", mnt);
	return 0;
}

/* The loop device (/dev/loopN) holding img, if any: "" if none. */
static void loop_of(const char *img, char *dev, size_t len)
{
	cleanup_dir DIR *d = opendir("/sys/block");
	struct dirent *e;

	dev[0] = '\0';
	while (d && (e = readdir(d))) {
		cleanup_free char *path = NULL, *back = NULL;

		if (strncmp(e->d_name, "loop", 4))
			continue;
		path = xasprintf("/sys/block/%s/loop/backing_file", e->d_name);
		struct vsl_err tmp;
		if (vsl_read_file(path, &back, NULL, &tmp) < 0)
			continue;
		back[strcspn(back, "\n")] = '\0';
		if (strcmp(back, img) == 0) {
			snprintf(dev, len, "/dev/%s", e->d_name);
			return;
		}
	}
}

/* Grow the mounted ext4 on mnt (image img) to size: the file, the loop device, the fs. */
static int grow_online(const char *img, const char *mnt, uint64_t size, struct vsl_err *err)
{
	cleanup_close int fd = open(img, O_WRONLY | O_CLOEXEC);
	cleanup_close int dfd = -1, lfd = -1;
	struct statvfs sv;
	uint64_t blocks;
	char dev[64];

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		return vsl_fail(err, errno, "grow %s", img);
	loop_of(img, dev, sizeof(dev));
	if (!dev[0])
		return vsl_fail(err, ENODEV, "%s: no loop device holds it", img);
	lfd = open(dev, O_RDONLY | O_CLOEXEC);
	if (lfd < 0 || ioctl(lfd, LOOP_SET_CAPACITY, 0) < 0)
		return vsl_fail(err, errno, "%s: set capacity", dev);
	dfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstatvfs(dfd, &sv) < 0)
		return vsl_fail(err, errno, "open %s", mnt);
	blocks = size / sv.f_frsize;
	if (ioctl(dfd, EXT4_IOC_RESIZE_FS, &blocks) < 0)
		return vsl_fail(err, errno, "%s: resize ext4 to %llu blocks", mnt,
				(unsigned long long)blocks);
	return 0;
}

/* Resize an unused image offline: grow the file first, shrink it last. */
static int resize_offline(const char *img, uint64_t size, struct vsl_err *err)
{
	char kb[32];
	char *fsck[] = {"/usr/sbin/e2fsck", "-f", "-p", (char *)img, NULL};
	char *rs[] = {"/usr/sbin/resize2fs", (char *)img, kb, NULL};
	struct stat st;
	char dev[64];
	int r;

	loop_of(img, dev, sizeof(dev));
	if (dev[0])
		return vsl_fail(err, EBUSY, "%s: still attached to %s (container running?)", img,
				dev);
	if (stat(img, &st) < 0)
		return vsl_fail(err, errno, "stat %s", img);
	snprintf(kb, sizeof(kb), "%lluK", (unsigned long long)(size >> 10));
	if (size > (uint64_t)st.st_size && truncate(img, (off_t)size) < 0)
		return vsl_fail(err, errno, "grow %s", img);
	if ((r = ovl_run(fsck, err)) < 0)
		return r;
	if ((r = ovl_run(rs, err)) < 0) {
		char why[VSL_ERR_MSG];

		snprintf(why, sizeof(why), "%s", err->msg);
		return vsl_fail(err, size < (uint64_t)st.st_size ? ENOSPC : EIO,
				"%s: cannot resize to %s (%s)", img, kb, why);
	}
	if (size < (uint64_t)st.st_size && truncate(img, (off_t)size) < 0)
		return vsl_fail(err, errno, "truncate %s", img);
	return 0;
}

/* Used bytes of an unmounted ext4 image from its superblock. */
static uint64_t ext4_used(const char *img)
{
	cleanup_close int fd = open(img, O_RDONLY | O_CLOEXEC);
	unsigned char sb[1024];
	uint64_t blocks, freeb, bsize;

	if (fd < 0 || pread(fd, sb, sizeof(sb), 1024) != (ssize_t)sizeof(sb) || sb[56] != 0x53 ||
	    sb[57] != 0xef)
		return 0;
#define LE32(o)                                                                                    \
	((uint64_t)sb[o] | (uint64_t)sb[o + 1] << 8 | (uint64_t)sb[o + 2] << 16 |                  \
	 (uint64_t)sb[o + 3] << 24)
	blocks = LE32(4) | LE32(0x150) << 32;
	freeb = LE32(12) | LE32(0x158) << 32;
	bsize = 1024ULL << LE32(24);
#undef LE32
	return freeb <= blocks ? (blocks - freeb) * bsize : 0;
}

int vsl_ovl_disk_info(const char *store, const char *id, struct vsl_ovl_disk *out,
		      struct vsl_err *err)
{
	cleanup_free char *dir = NULL, *img = NULL, *mnt = NULL, *upper = NULL;
	struct ovl_layer l;
	struct stat st;
	int r;

	if ((r = vsl_ovl_check_name("container", id, err)) < 0)
		return r;
	dir = ovl_layer_dir(store, id);
	if ((r = ovl_layer_read(dir, &l, err)) < 0)
		return vsl_fail(err, r == -ENOENT ? ENOENT : -r,
				"container %s: no private layer "
				"in %s",
				id, store);
	ovl_layer_clear(&l);
	img = xasprintf("%s/disk.img", dir);
	mnt = xasprintf("%s/disk", dir);
	memset(out, 0, sizeof(*out));
	if (stat(img, &st) < 0) {
		upper = xasprintf("%s/upper", dir);
		out->used = ovl_du(upper);
		return 0;
	}
	out->limit = (uint64_t)st.st_size;
	out->image = (uint64_t)st.st_blocks * 512;
	out->mounted = ovl_is_mountpoint(mnt);
	if (out->mounted) {
		struct statvfs sv;

		if (statvfs(mnt, &sv) == 0)
			out->used = (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
	} else {
		out->used = ext4_used(img);
	}
	return 0;
}

/* Offline resize of a mounted layer: the overlay and the disk come down (a stopped
 * container's rootfs), the image is resized, then what was mounted is mounted again. */
static int resize_cycle(const char *store, const char *id, const struct ovl_layer *l,
			const char *img, const char *mnt, uint64_t limit, const struct vsl_log *log,
			struct vsl_err *err)
{
	bool disk_on = ovl_is_mountpoint(mnt);
	bool ovl_on = l->target && ovl_is_mountpoint(l->target);
	struct statvfs sv;
	struct vsl_err tmp;
	int r, r2 = 0;

	if (disk_on && statvfs(mnt, &sv) == 0 &&
	    (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize >= limit)
		return vsl_fail(err, ENOSPC, "%s: %llu bytes in use, more than the new limit", img,
				(unsigned long long)(sv.f_blocks - sv.f_bfree) * sv.f_frsize);
	r = ovl_layer_detach(store, id, ovl_on ? l->target : NULL, log, err);
	if (r == 0)
		r = resize_offline(img, limit, err);
	if (ovl_on)
		r2 = ovl_layer_attach(store, id, l, l->target, &tmp);
	else if (disk_on)
		r2 = (mkdir(mnt, 0700) < 0 && errno != EEXIST)
			 ? vsl_fail(&tmp, errno, "mkdir %s", mnt)
			 : ovl_disk_mount(img, mnt, &tmp);
	if (r2 < 0) {
		char why[VSL_ERR_MSG];

		snprintf(why, sizeof(why), "%s", r < 0 ? err->msg : "resized");
		return vsl_fail(err, tmp.code, "%s (mounting again: %s)", why, tmp.msg);
	}
	return r;
}

static int resize(const char *store, const char *id, const struct ovl_layer *l, const char *img,
		  const char *mnt, uint64_t cur, uint64_t limit, const struct vsl_log *log,
		  struct vsl_err *err)
{
	int r;

	if (!ovl_is_mountpoint(mnt))
		return resize_offline(img, limit, err);
	if (limit < cur)
		return resize_cycle(store, id, l, img, mnt, limit, log, err);
	/* Growing a mounted ext4 is online, even under a running container; the ioctl needs
	 * CAP_SYS_RESOURCE, so without it fall back to the offline cycle. */
	r = grow_online(img, mnt, limit, err);
	if (r == -EPERM || r == -ENOTTY || r == -EOPNOTSUPP) {
		vsl_debug(log, "online grow: %s; resizing offline", err->msg);
		r = resize_cycle(store, id, l, img, mnt, limit, log, err);
	}
	return r;
}

static int resize_locked(const char *store, const char *id, uint64_t limit,
			 const struct vsl_log *log, struct vsl_err *err)
{
	cleanup_free char *dir = ovl_layer_dir(store, id);
	cleanup_free char *img = xasprintf("%s/disk.img", dir);
	cleanup_free char *mnt = xasprintf("%s/disk", dir);
	struct ovl_layer l;
	struct stat st;
	int r;

	if ((r = ovl_layer_read(dir, &l, err)) < 0)
		return vsl_fail(err, -r, "no private layer in %s", store);
	if (stat(img, &st) < 0) {
		ovl_layer_clear(&l);
		return vsl_fail(err, EINVAL, "no disk limit (set %s when creating it)",
				VSL_OVL_ANN_DISK_LIMIT);
	}
	if (limit != (uint64_t)st.st_size)
		r = resize(store, id, &l, img, mnt, (uint64_t)st.st_size, limit, log, err);
	if (r == 0) {
		l.disk_limit = limit;
		r = ovl_layer_write(dir, &l, err);
	}
	ovl_layer_clear(&l);
	return r;
}

int vsl_ovl_disk_resize(const char *store, const char *id, uint64_t limit,
			const struct vsl_log *log, struct vsl_err *err)
{
	cleanup_close int lock = -1;
	int r;

	if ((r = vsl_ovl_check_name("container", id, err)) < 0)
		return r;
	if ((r = ovl_disk_check_limit(limit, err)) < 0)
		return r;
	if ((r = ovl_lock(store, &lock, err)) < 0)
		return r;
	r = resize_locked(store, id, limit & ~4095ULL, log, err);
	return r < 0 ? vsl_wrap(err, "container %s: disk", id) : 0;
}
