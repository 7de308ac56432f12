/* The layered rootfs: a private layer per container (plain upper/work, or inside a sized
 * ext4 image) under the template chain, mounted as overlayfs on the container's root.path.
 * Whatever a failed mount made is undone before it returns. */
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
static int make_upper(const char *upper, const char *work, const char *top_lower,
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

/* Mount a container's existing private layer (its disk first) and the overlay on target. */
int ovl_layer_attach(const char *store, const char *id, const struct ovl_layer *l,
		     const char *target, struct vsl_err *err)
{
	cleanup_free char *dir = ovl_layer_dir(store, id);
	cleanup_free char *img = xasprintf("%s/disk.img", dir);
	cleanup_free char *mnt = xasprintf("%s/disk", dir);
	cleanup_free char *upper = NULL, *work = NULL;
	cleanup_strv char **lowers = NULL;
	bool disk = access(img, F_OK) == 0;
	struct vsl_err tmp;
	int r;

	r = ovl_chain(store, l->template_name, &lowers, err);
	if (r < 0)
		return r;
	if (ovl_is_mountpoint(target))
		return vsl_fail(err, EBUSY, "%s: already a mount point", target);
	upper = xasprintf("%s%s/upper", dir, disk ? "/disk" : "");
	work = xasprintf("%s%s/work", dir, disk ? "/disk" : "");
	if (disk) {
		if ((mkdir(mnt, 0700) < 0 && errno != EEXIST))
			return vsl_fail(err, errno, "mkdir %s", mnt);
		if ((r = ovl_disk_mount(img, mnt, err)) < 0)
			return r;
	}
	r = make_upper(upper, work, lowers[0], err);
	if (r == 0)
		r = mount_overlay(lowers, upper, work, target, err);
	if (r < 0 && disk)
		ovl_disk_umount(mnt, NULL, &tmp);
	return r;
}

/* Unmount the overlay on target and the container's disk; not mounted = ok. */
int ovl_layer_detach(const char *store, const char *id, const char *target,
		     const struct vsl_log *log, struct vsl_err *err)
{
	cleanup_free char *dir = ovl_layer_dir(store, id);
	cleanup_free char *mnt = xasprintf("%s/disk", dir);
	int r;

	if (target && ovl_is_mountpoint(target) && umount2(target, UMOUNT_NOFOLLOW) < 0) {
		if (errno != EBUSY)
			return vsl_fail(err, errno, "unmount %s", target);
		vsl_warn(log, "%s busy: detached lazily", target);
		if (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
			return vsl_fail(err, errno, "unmount %s", target);
	}
	r = ovl_disk_umount(mnt, log, err);
	if (r == 0)
		rmdir(mnt);
	return r;
}

/* mkdir -p target; *out_top = the topmost directory it made (NULL: it existed). */
static int make_target(const char *target, char **out_top, struct vsl_err *err)
{
	cleanup_free char *p = xstrdup(target);
	struct stat st;

	*out_top = NULL;
	if (stat(target, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : vsl_fail(err, ENOTDIR, "target %s", target);
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = '\0';
		if (stat(p, &st) < 0) {
			*out_top = xstrdup(p);
			break;
		}
		if (!c)
			break;
		*s = c;
	}
	if (vsl_mkdir_p(target, 0755, err) < 0) {
		free(vsl_steal_ptr(out_top));
		return -err->code;
	}
	return 0;
}

/* rmdir target and its parents up to top (made by make_target); non-empty ones stay. */
static void remove_target(const char *target, const char *top)
{
	cleanup_free char *p = xstrdup(target);
	size_t top_len = top ? strlen(top) : 0;

	if (!top || strncmp(p, top, top_len) || (p[top_len] && p[top_len] != '/'))
		return;
	while (strlen(p) >= top_len) {
		char *slash;

		if (rmdir(p) < 0)
			return;
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			return;
		*slash = '\0';
	}
}

/* A new private layer: made as .new-<id>.<pid>, renamed to <id> when complete. */
static int layer_create(const struct vsl_ovl_req *req, const char *dir, struct vsl_err *err)
{
	cleanup_free char *stage =
	    xasprintf("%s/containers/.new-%s.%d", req->store, req->id, (int)getpid());
	cleanup_free char *img = xasprintf("%s/disk.img", stage);
	struct ovl_layer l = {.template_name = (char *)req->template_name,
			      .disk_limit = req->disk_limit,
			      .keep = req->keep_layer};
	struct vsl_err tmp;
	int r = 0;

	if (req->disk_limit && (r = ovl_disk_check_limit(req->disk_limit, err)) < 0)
		return r;
	if (mkdir(stage, 0700) < 0)
		return vsl_fail(err, errno, "mkdir %s", stage);
	if (req->disk_limit)
		r = ovl_disk_create(img, req->disk_limit, err);
	if (r == 0)
		r = ovl_layer_write(stage, &l, err);
	if (r == 0 && renameat2(AT_FDCWD, stage, AT_FDCWD, dir, RENAME_NOREPLACE) < 0)
		r = vsl_fail(err, errno, "rename %s", stage);
	if (r < 0)
		vsl_rm_rf(stage, &tmp);
	return r;
}

/* Find or make the private layer; *fresh tells whether this call made it. */
static int layer_get(const struct vsl_ovl_req *req, const char *dir, struct ovl_layer *l,
		     bool *fresh, struct vsl_err *err)
{
	int r;

	*fresh = access(dir, F_OK) < 0;
	if (*fresh && (r = layer_create(req, dir, err)) < 0)
		return r;
	if ((r = ovl_layer_read(dir, l, err)) < 0)
		return r;
	if (strcmp(l->template_name, req->template_name))
		return vsl_fail(err, EEXIST, "private layer %s is for template %s, not %s", dir,
				l->template_name, req->template_name);
	if (!*fresh && req->disk_limit != l->disk_limit)
		vsl_warn(req->log,
			 "container %s: kept layer has disk limit %llu, not %llu "
			 "(vessel disk changes it)",
			 req->id, (unsigned long long)l->disk_limit,
			 (unsigned long long)req->disk_limit);
	return 0;
}

static int check_req(const struct vsl_ovl_req *req, struct vsl_err *err)
{
	int r;

	if ((r = vsl_ovl_check_name("container", req->id, err)) < 0)
		return r;
	if (req->template_name && (r = vsl_ovl_check_name("template", req->template_name, err)) < 0)
		return r;
	if (req->target && req->target[0] != '/')
		return vsl_fail(err, EINVAL, "rootfs %s: must be an absolute path", req->target);
	return 0;
}

static int do_mount(const struct vsl_ovl_req *req, struct vsl_err *err)
{
	cleanup_free char *dir = ovl_layer_dir(req->store, req->id);
	cleanup_free char *top = NULL;
	cleanup_strv char **chain = NULL;
	cleanup_close int lock = -1;
	struct ovl_layer l = {0};
	struct vsl_err tmp;
	bool fresh = false;
	int r;

	if ((r = ovl_lock(req->store, &lock, err)) < 0)
		return r;
	if ((r = ovl_chain_names(req->store, req->template_name, &chain, err)) < 0)
		return r;
	ovl_stage_sweep(req->store, req->log);
	if ((r = layer_get(req, dir, &l, &fresh, err)) < 0)
		goto out;
	if ((r = make_target(req->target, &top, err)) < 0)
		goto out;
	if ((r = ovl_layer_attach(req->store, req->id, &l, req->target, err)) < 0)
		goto out;
	free(l.target);
	l.target = xstrdup(req->target);
	if (top) {
		free(l.target_top);
		l.target_top = xstrdup(top);
	}
	l.keep = req->keep_layer;
	if ((r = ovl_layer_write(dir, &l, err)) < 0)
		ovl_layer_detach(req->store, req->id, req->target, req->log, &tmp);
out:
	if (r < 0) {
		remove_target(req->target, top);
		if (fresh)
			vsl_rm_rf(dir, &tmp);
	}
	ovl_layer_clear(&l);
	return r;
}

int vsl_ovl_mount(const struct vsl_ovl_req *req, struct vsl_err *err)
{
	int r = check_req(req, err);

	if (r == 0 && (!req->template_name || !req->target))
		r = vsl_fail(err, EINVAL, "layered rootfs needs a template and a target");
	if (r == 0)
		r = do_mount(req, err);
	if (r < 0)
		return vsl_wrap(err, "container %s", req->id ? req->id : "");
	return 0;
}

bool vsl_ovl_has_layer(const char *store, const char *id)
{
	cleanup_free char *dir = NULL;
	struct vsl_err tmp;

	if (vsl_ovl_check_name("container", id, &tmp) < 0)
		return false;
	dir = ovl_layer_dir(store, id);
	return access(dir, F_OK) == 0;
}

int vsl_ovl_unmount(const struct vsl_ovl_req *req, struct vsl_err *err)
{
	cleanup_free char *dir = NULL, *gone = NULL;
	cleanup_close int lock = -1;
	struct ovl_layer l = {0};
	const char *target;
	struct vsl_err tmp;
	int r;

	if ((r = check_req(req, err)) < 0)
		return vsl_wrap(err, "container %s", req->id ? req->id : "");
	dir = ovl_layer_dir(req->store, req->id);
	ovl_layer_read(dir, &l, &tmp); /* absent: only the target may be left */
	/* A layer of another template is not ours to touch (a create refused with EEXIST). */
	if (l.template_name && req->template_name && strcmp(l.template_name, req->template_name)) {
		ovl_layer_clear(&l);
		return 0;
	}
	target = req->target ? req->target : l.target;
	r = ovl_layer_detach(req->store, req->id, target, req->log, err);
	if (r == 0 && target && l.target_top)
		remove_target(target, l.target_top);
	ovl_layer_clear(&l);
	if (r < 0 || req->keep_layer || access(dir, F_OK) < 0)
		return r < 0 ? vsl_wrap(err, "container %s", req->id) : 0;
	if ((r = ovl_lock(req->store, &lock, err)) < 0)
		return vsl_wrap(err, "container %s", req->id);
	gone = xasprintf("%s/containers/.rm-%s.%d", req->store, req->id, (int)getpid());
	if (rename(dir, gone) < 0)
		return errno == ENOENT
			   ? 0
			   : vsl_fail(err, errno, "container %s: rename %s", req->id, dir);
	if ((r = vsl_rm_rf(gone, err)) < 0)
		return vsl_wrap(err, "container %s", req->id);
	return 0;
}
