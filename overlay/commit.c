/* vessel commit: a container's private layer, whiteouts and opaque directories included,
 * becomes a template on top of the container's template. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"

struct commit_fill {
	const char *upper;
	struct ovl_progress p;
};

static int commit_fill(const void *arg, const char *stage, struct vsl_err *err)
{
	struct commit_fill *c = (struct commit_fill *)arg;
	cleanup_free char *rootfs = xasprintf("%s/rootfs", stage);

	if (mkdir(rootfs, 0755) < 0)
		return vsl_fail(err, errno, "mkdir %s", rootfs);
	return ovl_tar_copy(c->upper, rootfs, true, &c->p, err);
}

static int commit_layer(const struct vsl_ovl_commit_req *req, const char *dir,
			const struct ovl_layer *l, struct vsl_err *err)
{
	cleanup_free char *img = xasprintf("%s/disk.img", dir);
	cleanup_free char *mnt = xasprintf("%s/disk", dir);
	cleanup_free char *upper = NULL, *source = xasprintf("commit %s", req->id);
	struct commit_fill fill = {.p = {.fn = req->progress, .arg = req->progress_arg}};
	bool disk = access(img, F_OK) == 0, mounted_here = false;
	struct vsl_err tmp;
	int r;

	upper = xasprintf("%s%s/upper", dir, disk ? "/disk" : "");
	/* A kept layer of a deleted container has its disk image (the fallback) unmounted. */
	if (disk && !ovl_is_mountpoint(mnt)) {
		if ((r = ovl_image_mount(img, mnt, err)) < 0)
			return r;
		mounted_here = true;
	}
	fill.upper = upper;
	r = ovl_publish(req->store, req->name, l->template_name, source, commit_fill, &fill,
			req->log, err);
	if (mounted_here) {
		ovl_image_umount(mnt, true, req->log, &tmp);
		rmdir(mnt);
	}
	return r;
}

int vsl_ovl_commit(const struct vsl_ovl_commit_req *req, struct vsl_err *err)
{
	cleanup_free char *dir = NULL;
	struct ovl_layer l;
	int r;

	if ((r = vsl_ovl_check_name("container", req->id, err)) < 0 ||
	    (r = vsl_ovl_check_name("template", req->name, err)) < 0)
		return r;
	dir = ovl_layer_dir(req->store, req->id);
	if ((r = ovl_layer_read(dir, &l, err)) < 0)
		return vsl_fail(err, -r,
				"container %s: no private layer in %s (not created from "
				"a template?)",
				req->id, req->store);
	r = commit_layer(req, dir, &l, err);
	ovl_layer_clear(&l);
	return r < 0 ? vsl_wrap(err, "commit %s", req->id) : 0;
}
