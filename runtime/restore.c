/* vessel restore: check and read the image directory, then create the container from its
 * bundle with CRIU's restore in place of the spawn (runtime/restore_step.c), and in the
 * foreground wait for it as run does. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/checkpoint_internal.h"
#include "runtime/foreground.h"
#include "spec/json.h"

/* The files vessel reads from an image directory are small; a larger one is not ours. */
#define SMALL_FILE (64 << 10)

static int read_small(int dirfd, const char *dir, const char *name, char **out, size_t *len,
		      struct vsl_err *err)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? 0 : vsl_fail(err, errno, "%s/%s", dir, name);
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > SMALL_FILE)
		return vsl_refuse(err, EINVAL, "%s/%s: not a regular file of at most 64 KiB",
				  dir, name);
	buf = xmalloc((size_t)sb.st_size + 1);
	n = vsl_read_all(fd, buf, (size_t)sb.st_size);
	if (n < 0) {
		free(buf);
		return vsl_fail(err, (int)-n, "%s/%s", dir, name);
	}
	buf[n] = '\0';
	*out = buf;
	*len = (size_t)n;
	return 1;
}

/* descriptors.json: an array of up to three strings (runc's). */
static int load_descriptors(int dirfd, struct vsl_restore_image *img, struct vsl_err *err)
{
	cleanup_free char *json = NULL, *name = xasprintf("%s/%s", img->images,
							  VSL_CRIU_DESCRIPTORS);
	cleanup_json yajl_val v = NULL;
	size_t len;
	int r;

	r = read_small(dirfd, img->images, VSL_CRIU_DESCRIPTORS, &json, &len, err);
	if (r <= 0)
		return r;
	v = vsl_json_parse(json, len, name, err);
	if (!v)
		return -err->code;
	if (!YAJL_IS_ARRAY(v) || v->u.array.len > 3)
		return vsl_refuse(err, EINVAL, "%s: expected an array of at most 3 strings", name);
	for (size_t i = 0; i < v->u.array.len; i++) {
		if (!YAJL_IS_STRING(v->u.array.values[i]))
			return vsl_refuse(err, EINVAL, "%s: [%zu]: expected a string", name, i);
		img->fds[i] = xstrdup(YAJL_GET_STRING(v->u.array.values[i]));
	}
	return 0;
}

/* vessel.json: the address the container had. */
static int load_vessel_json(int dirfd, struct vsl_restore_image *img, struct vsl_err *err)
{
	cleanup_free char *json = NULL;
	cleanup_json yajl_val v = NULL;
	struct vsl_jpath root = VSL_JPATH_ROOT(VSL_CRIU_VESSEL_JSON);
	size_t len;
	int r;

	r = read_small(dirfd, img->images, VSL_CRIU_VESSEL_JSON, &json, &len, err);
	if (r <= 0)
		return r;
	v = vsl_json_parse(json, len, VSL_CRIU_VESSEL_JSON, err);
	if (!v)
		return vsl_wrap(err, "%s", img->images);
	if (!YAJL_IS_OBJECT(v))
		return vsl_refuse(err, EINVAL, "%s/%s: expected an object", img->images,
				  VSL_CRIU_VESSEL_JSON);
	r = vsl_json_take_str(v, &root, "net.addr4", 0, &img->addr4, err);
	if (r >= 0)
		r = vsl_json_take_strv(v, &root, "cgroupMounts", 0, &img->cg_mounts, err);
	if (r >= 0)
		r = vsl_json_take_strv(v, &root, "stdio", 0, &img->stdio, err);
	if (r >= 0 && vsl_strv_len(img->stdio) > 3)
		r = vsl_refuse(err, EINVAL, "%s: stdio: more than 3", VSL_CRIU_VESSEL_JSON);
	if (r >= 0 && vsl_strv_len(img->cg_mounts) > 64)
		r = vsl_refuse(err, EINVAL, "%s: cgroupMounts: more than 64", VSL_CRIU_VESSEL_JSON);
	return r < 0 ? vsl_wrap(err, "%s", img->images) : 0;
}

static void image_clear(struct vsl_restore_image *img)
{
	free(img->images);
	free(img->work);
	free(img->addr4);
	vsl_strv_free(img->cg_mounts);
	vsl_strv_free(img->stdio);
	for (int i = 0; i < 3; i++)
		free(img->fds[i]);
}

static int image_load(const struct vsl_cr_opts *cr, struct vsl_restore_image *img,
		      struct vsl_err *err)
{
	const char *path = cr->image_path ? cr->image_path : "checkpoint";
	cleanup_close int dirfd = -1;
	char real[PATH_MAX];
	int r;

	if (!realpath(path, real) ||
	    (dirfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return vsl_fail(err, errno, "checkpoint image directory %s", path);
	img->images = xstrdup(real);
	if (faccessat(dirfd, "inventory.img", R_OK, 0) < 0)
		return vsl_refuse(err, EINVAL, "checkpoint image directory %s: no inventory.img "
				  "(not a CRIU checkpoint)", path);
	if (cr->work_path) {
		if (mkdir(cr->work_path, 0700) < 0 && errno != EEXIST)
			return vsl_fail(err, errno, "--work-path %s", cr->work_path);
		if (!realpath(cr->work_path, real))
			return vsl_fail(err, errno, "--work-path %s", cr->work_path);
	}
	img->work = xstrdup(real);
	r = load_descriptors(dirfd, img, err);
	if (r == 0)
		r = load_vessel_json(dirfd, img, err);
	return r;
}

static int restore_foreground(const struct vsl_ctx *ctx, struct vsl_create_opts *co,
			      int *exit_code, struct vsl_err *err)
{
	struct vsl_created created;
	struct vsl_err derr;
	struct vsl_fg fg;
	int r, d;

	r = vsl_container_create(ctx, co, &created, err);
	if (r < 0)
		return r;
	r = vsl_fg_begin(&fg, -1, err);
	if (r == 0)
		r = vsl_fg_wait(&fg, created.pid, exit_code, err);
	vsl_fg_end(&fg);
	d = vsl_container_delete(ctx, co->id, true, &derr);
	if (r == 0 && d < 0) {
		*err = derr;
		r = d;
	}
	return r;
}

int vsl_container_restore(const struct vsl_ctx *ctx, const struct vsl_restore_opts *o,
			  int *exit_code, struct vsl_err *err)
{
	struct vsl_restore_image img = { 0 };
	struct vsl_restore_opts ro = *o;
	struct vsl_create_opts co = o->create;
	struct vsl_created created;
	int r;

	*exit_code = 0;
	r = vsl_store_check_id(co.id, err);
	if (r == 0)
		r = image_load(&o->cr, &img, err);
	if (r < 0) {
		image_clear(&img);
		return r;
	}
	ro.image = &img;
	co.restore = &ro;
	co.net_address = img.addr4;
	co.foreground = !o->detach;
	if (!o->detach && !o->no_subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		r = vsl_fail(err, errno, "become child subreaper");
	else if (o->detach)
		r = vsl_container_create(ctx, &co, &created, err);
	else
		r = restore_foreground(ctx, &co, exit_code, err);
	image_clear(&img);
	return r;
}
