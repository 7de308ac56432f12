/* What the store is: its record and mount (`vessel store`), and the block device that really
 * does its I/O (the VPS layer's io limits): the store's own device, or, through any loop
 * devices, the disk under the file backing them; a partition gives its whole disk, as the io
 * controllers take only whole disks. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"

#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif

static const char *fs_name(long type)
{
	switch (type) {
	case XFS_SUPER_MAGIC:
		return "xfs";
	case EXT4_SUPER_MAGIC:
		return "ext4";
	case TMPFS_MAGIC:
		return "tmpfs";
	case BTRFS_SUPER_MAGIC:
		return "btrfs";
	case OVERLAYFS_SUPER_MAGIC:
		return "overlay";
	default:
		return "other";
	}
}

/* The file backing loop device maj:min, malloc'd; NULL when it is not a loop device. */
static char *loop_backing(unsigned maj, unsigned min)
{
	cleanup_free char *sys = xasprintf("/sys/dev/block/%u:%u/loop/backing_file", maj, min);
	struct vsl_err tmp;
	char *back = NULL;

	if (vsl_read_file(sys, &back, NULL, &tmp) < 0)
		return NULL;
	back[strcspn(back, "\n")] = '\0';
	return back;
}

/* A partition's whole disk (the io controllers refuse partitions). */
static void whole_disk(unsigned *maj, unsigned *min)
{
	cleanup_free char *sys = xasprintf("/sys/dev/block/%u:%u", *maj, *min);
	cleanup_free char *part = xasprintf("%s/partition", sys);
	cleanup_free char *text = NULL, *parent = NULL;
	char real[PATH_MAX];
	struct vsl_err tmp;
	unsigned a, b;

	if (access(part, F_OK) < 0 || !realpath(sys, real))
		return;
	parent = xasprintf("%s/dev", dirname(real));
	if (vsl_read_file(parent, &text, NULL, &tmp) == 0 && sscanf(text, "%u:%u", &a, &b) == 2) {
		*maj = a;
		*min = b;
	}
}

int vsl_ovl_store_device(const char *store, unsigned *out_major, unsigned *out_minor,
			 struct vsl_err *err)
{
	struct statfs sf;
	struct stat st;
	unsigned maj, min;

	if (stat(store, &st) < 0)
		return vsl_fail(err, errno, "store %s", store);
	for (int depth = 0; depth < 8; depth++) {
		cleanup_free char *back = NULL;

		maj = major(st.st_dev);
		min = minor(st.st_dev);
		if (maj == 0) {
			statfs(store, &sf);
			return vsl_refuse(err, ENODEV,
					  "store %s: its filesystem (%s) has no block device",
					  store, fs_name(sf.f_type));
		}
		back = loop_backing(maj, min);
		if (!back)
			break;
		/* The loop worker does the I/O on the file's own filesystem, in the cgroup of
		 * whoever issued it: that filesystem's disk is the one to limit. */
		if (stat(back, &st) < 0)
			return vsl_fail(err, errno, "store %s: loop %u:%u backing %s", store, maj,
					min, back);
	}
	whole_disk(&maj, &min);
	*out_major = maj;
	*out_minor = min;
	return 0;
}

int vsl_ovl_disk_device(const char *store, const char *id, unsigned *out_major, unsigned *out_minor,
			struct vsl_err *err)
{
	cleanup_free char *img = NULL;
	struct stat st;
	char dev[64];
	int r;

	if ((r = vsl_ovl_check_name("container", id, err)) < 0)
		return r;
	img = xasprintf("%s/containers/%s/disk.img", store, id);
	if (access(img, F_OK) < 0)
		return vsl_ovl_store_device(store, out_major, out_minor, err);
	/* The image fallback: the container's writes are issued to its own loop device; below
	 * it they are split across the loop workers of the layers underneath. */
	if (!ovl_loop_find(img, dev, sizeof(dev)))
		return vsl_refuse(err, ENODEV, "container %s: its disk image is not attached", id);
	if (stat(dev, &st) < 0)
		return vsl_fail(err, errno, "stat %s", dev);
	*out_major = major(st.st_rdev);
	*out_minor = minor(st.st_rdev);
	return 0;
}

void vsl_ovl_store_info_clear(struct vsl_ovl_store_info *in)
{
	free(in->path);
	free(in->fs);
	free(in->backing);
	free(in->created);
	memset(in, 0, sizeof(*in));
}

static void info_record(const char *store, struct vsl_ovl_store_info *out)
{
	cleanup_free char *path = xasprintf("%s/store.json", store);
	cleanup_free char *text = NULL;
	struct ovl_storefs s = {0};
	struct vsl_err tmp;

	if (vsl_read_file(path, &text, NULL, &tmp) < 0 || ovl_storefs_parse(text, &s, &tmp) < 0)
		return;
	out->recorded = true;
	out->fs = vsl_steal_ptr(&s.fs);
	out->backing = vsl_steal_ptr(&s.backing);
	out->created = vsl_steal_ptr(&s.created);
	out->device = s.device;
	out->size = s.size;
	ovl_storefs_clear(&s);
	if (out->device)
		snprintf(out->dev, sizeof(out->dev), "%s", out->backing);
	else if (ovl_loop_find(out->backing, out->dev, sizeof(out->dev)))
		out->dio = ovl_loop_dio(out->dev);
}

int vsl_ovl_store_info(const char *store, struct vsl_ovl_store_info *out, struct vsl_err *err)
{
	cleanup_close int fd = -1;
	struct statfs sf;
	struct vsl_err tmp;

	memset(out, 0, sizeof(*out));
	out->path = realpath(store, NULL);
	if (!out->path)
		return vsl_fail(err, errno, "store %s", store);
	fd = open(out->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstatfs(fd, &sf) < 0) {
		vsl_ovl_store_info_clear(out);
		return vsl_fail(err, errno, "store %s", store);
	}
	snprintf(out->fstype, sizeof(out->fstype), "%s", fs_name(sf.f_type));
	out->total = (uint64_t)sf.f_blocks * (uint64_t)sf.f_frsize;
	out->avail = (uint64_t)sf.f_bavail * (uint64_t)sf.f_frsize;
	out->mounted = ovl_is_mountpoint(out->path);
	out->quota = ovl_quota_enforced(fd);
	out->image_fallback = !out->quota && !ovl_kernel_has_prjquota();
	info_record(out->path, out);
	out->has_io = vsl_ovl_store_device(out->path, &out->io_major, &out->io_minor, &tmp) == 0;
	return 0;
}
