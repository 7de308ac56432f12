/* vessel disk: a private layer's use and limit, and changing the limit. With a project (the
 * store has project quotas) both come from the quota, so they are the same whether the layer
 * is mounted or not, and a resize is one quotactl: instant, live, nothing remounted. The image
 * fallback (image.c) serves kernels without project quotas. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"

int ovl_disk_check_limit(uint64_t size, struct vsl_err *err)
{
	if (size < VSL_OVL_MIN_DISK)
		return vsl_refuse(err, EINVAL, "disk limit %llu bytes: at least 16M",
				  (unsigned long long)size);
	return 0;
}

static int quota_info(const char *store, const struct ovl_layer *l, struct vsl_ovl_disk *out,
		      struct vsl_err *err)
{
	cleanup_close int fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct ovl_quota q;

	if (fd < 0)
		return vsl_fail(err, errno, "open %s", store);
	if (ovl_quota_get(fd, l->project, &q, err) < 0)
		return -err->code;
	out->limit = q.limit;
	out->used = q.used;
	out->inode_limit = q.ilimit;
	out->inodes = q.inodes;
	out->project = l->project;
	out->backend = "quota";
	return 0;
}

int vsl_ovl_disk_info(const char *store, const char *id, struct vsl_ovl_disk *out,
		      struct vsl_err *err)
{
	cleanup_free char *dir = NULL, *img = NULL, *mnt = NULL, *upper = NULL;
	struct ovl_layer l;
	int r;

	if ((r = vsl_ovl_check_name("container", id, err)) < 0)
		return r;
	dir = ovl_layer_dir(store, id);
	if ((r = ovl_layer_read(dir, &l, err)) < 0)
		return vsl_refuse(err, r == -ENOENT ? ENOENT : -r,
				  "container %s: no private layer in %s", id, store);
	memset(out, 0, sizeof(*out));
	out->mounted = l.target && ovl_is_mountpoint(l.target);
	img = xasprintf("%s/disk.img", dir);
	mnt = xasprintf("%s/disk", dir);
	if (l.project) {
		r = quota_info(store, &l, out, err);
	} else if (access(img, F_OK) == 0) {
		/* The record's limit, not the image's size: the two only differ while a resize
		 * runs, and the record is what a finished one leaves. */
		out->limit = l.disk_limit;
		out->backend = "image";
		ovl_image_usage(img, mnt, out);
	} else {
		upper = xasprintf("%s/upper", dir);
		out->used = ovl_du(upper);
		out->backend = "none";
	}
	ovl_layer_clear(&l);
	return r < 0 ? vsl_wrap(err, "container %s: disk", id) : 0;
}

/* Refuse a limit below the use. Blocks of files just removed may still be counted for a
 * moment (XFS frees them from a background worker): a refusal is only given once the use
 * has stayed above the limit for a second. */
static int settled_check(int fd, uint32_t proj, uint64_t limit, struct ovl_quota *q,
			 struct vsl_err *err)
{
	for (int i = 0;; i++) {
		if (ovl_quota_get(fd, proj, q, err) < 0)
			return -err->code;
		if (ovl_quota_check_limit(q, limit, err) == 0)
			return 0;
		if (i == 10)
			return -err->code;
		if (i == 0)
			syncfs(fd);
		usleep(100000);
	}
}

/* The quota's limit, then the record; a limit below what is in use is refused with both
 * numbers, and checked again after it is set (a writer may have got there meanwhile). */
static int quota_resize(const char *store, const char *dir, struct ovl_layer *l, uint64_t limit,
			struct vsl_err *err)
{
	cleanup_close int fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct ovl_quota q, after;
	struct vsl_err tmp;
	int r;

	if (fd < 0)
		return vsl_fail(err, errno, "open %s", store);
	if ((r = settled_check(fd, l->project, limit, &q, err)) < 0)
		return r;
	if ((r = ovl_quota_set(fd, l->project, limit, err)) < 0)
		return r;
	r = ovl_quota_get(fd, l->project, &after, err);
	if (r == 0)
		r = ovl_quota_check_limit(&after, limit, err);
	if (r == 0) {
		l->disk_limit = limit;
		r = ovl_layer_write(dir, l, err);
	}
	if (r < 0)
		ovl_quota_set(fd, l->project, q.limit, &tmp); /* back to what it was */
	return r;
}

static int resize_locked(const char *store, const char *id, uint64_t limit, bool in_use,
			 const struct vsl_log *log, struct vsl_err *err)
{
	cleanup_free char *dir = ovl_layer_dir(store, id);
	cleanup_free char *img = xasprintf("%s/disk.img", dir);
	struct ovl_layer l;
	int r;

	if ((r = ovl_layer_read(dir, &l, err)) < 0)
		return vsl_refuse(err, -r, "no private layer in %s", store);
	if (l.project) {
		r = quota_resize(store, dir, &l, limit, err);
	} else if (access(img, F_OK) == 0) {
		if (limit != l.disk_limit)
			r = ovl_image_resize(store, id, &l, limit, in_use, log, err);
		l.disk_limit = limit;
		if (r == 0)
			r = ovl_layer_write(dir, &l, err);
	} else {
		r = ovl_refuse_no_quota(store, err);
	}
	ovl_layer_clear(&l);
	return r;
}

int vsl_ovl_disk_resize(const char *store, const char *id, uint64_t limit, bool in_use,
			const struct vsl_log *log, struct vsl_err *err)
{
	cleanup_close int lock = -1;
	int r;

	if ((r = vsl_ovl_check_name("container", id, err)) < 0)
		return r;
	if ((r = ovl_disk_check_limit(limit, err)) < 0)
		return vsl_wrap(err, "container %s", id);
	if ((r = ovl_lock(store, &lock, err)) < 0)
		return r;
	r = resize_locked(store, id, limit & ~4095ULL, in_use, log, err);
	return r < 0 ? vsl_wrap(err, "container %s: disk", id) : 0;
}
