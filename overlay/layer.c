/* A container's private layer from birth to removal. It is made as containers/.new-<id>
 * (its record layer.json first, then its project and quota or its image), renamed into place
 * when complete, and renamed to containers/.rm-<id> before it is taken apart. All of it runs
 * under the store lock, so both names are fixed: a leftover of a killed command is found by
 * name, never by a scan, and is purged by the next command on that id. Every object is named
 * in layer.json before it is made (the project id, the directories made for root.path), so a
 * purge finds all of it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"

/* The topmost missing directory of target (NULL: target exists); nothing is made. */
static int plan_target(const char *target, char **out_top, struct vsl_err *err)
{
	cleanup_free char *p = xstrdup(target);
	struct stat st;

	*out_top = NULL;
	if (stat(target, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0
					   : vsl_refuse(err, ENOTDIR,
							"rootfs %s: not a "
							"directory",
							target);
	for (char *s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c)
			continue;
		*s = '\0';
		if (stat(p, &st) < 0) {
			*out_top = xstrdup(p);
			return 0;
		}
		if (!c)
			return 0;
		*s = c;
	}
}

void ovl_target_remove(const char *target, const char *top)
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

struct stage_rec {
	const char *stage;
	struct ovl_layer *l;
};

static int record_project(void *arg, uint32_t proj, struct vsl_err *err)
{
	struct stage_rec *s = arg;

	s->l->project = proj;
	return ovl_layer_write(s->stage, s->l, err);
}

static int tag(const char *dir, uint32_t proj, struct vsl_err *err)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return vsl_fail(err, errno, "open %s", dir);
	return ovl_project_tag(fd, proj, err);
}

/* The stage's project: claimed (named in its record first), set with the inherit flag on
 * upper/ and work/ (not on the layer directory: its record must stay writable when the
 * layer is full), and given its limits (none: 0, which clears a stale limit of the id). */
static int give_project(const struct vsl_ovl_req *req, const char *stage, int fsfd,
			struct ovl_layer *l, struct vsl_err *err)
{
	cleanup_free char *upper = xasprintf("%s/upper", stage);
	cleanup_free char *work = xasprintf("%s/work", stage);
	cleanup_free char *top =
	    xasprintf("%s/templates/%s/rootfs", req->store, req->template_name);
	struct stage_rec rec = {stage, l};
	int r;

	r = ovl_project_alloc(req->store, fsfd, req->id, record_project, &rec, &l->project, err);
	if (r == 0)
		r = ovl_make_upper(upper, work, top, err);
	if (r == 0)
		r = tag(upper, l->project, err);
	if (r == 0)
		r = tag(work, l->project, err);
	if (r == 0)
		r = ovl_quota_set(fsfd, l->project, req->disk_limit, err);
	return r;
}

/* A new private layer: staged, then renamed to <id> when complete. A store with project
 * quotas gives every layer a project (a limit can then be set later); without them a limit
 * needs a kernel without project quotas, where it becomes a disk image. */
static int layer_create(const struct vsl_ovl_req *req, const char *dir, const char *top,
			struct vsl_err *err)
{
	cleanup_free char *stage = ovl_stage_layer(req->store, req->id);
	cleanup_free char *img = xasprintf("%s/disk.img", stage);
	cleanup_close int fsfd = open(req->store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct ovl_layer l = {.template_name = (char *)req->template_name,
			      .target = (char *)req->target,
			      .target_top = (char *)top,
			      .disk_limit = req->disk_limit,
			      .keep = req->keep_layer,
			      .state = (char *)req->state};
	bool quota = fsfd >= 0 && ovl_quota_enforced(fsfd);
	struct vsl_err tmp;
	int r = 0;

	if (req->disk_limit && (r = ovl_disk_check_limit(req->disk_limit, err)) < 0)
		return r;
	if (req->disk_limit && !quota && ovl_kernel_has_prjquota())
		return ovl_refuse_no_quota(req->store, err);
	if (mkdir(stage, 0700) < 0)
		return vsl_fail(err, errno, "mkdir %s", stage);
	r = ovl_layer_write(stage, &l, err);
	if (r == 0 && quota)
		r = give_project(req, stage, fsfd, &l, err);
	else if (r == 0 && req->disk_limit)
		r = ovl_image_create(img, req->disk_limit, err);
	if (r == 0 && renameat2(AT_FDCWD, stage, AT_FDCWD, dir, RENAME_NOREPLACE) < 0)
		r = vsl_fail(err, errno, "rename %s", stage);
	if (r < 0)
		ovl_layer_purge(req->store, req->id, stage, req->log, &tmp);
	return r;
}

/* A kept layer found for the id: it must be for the same template; it is now this
 * container's, mounted on req->target (recorded before anything is made for it). */
static int layer_adopt(const struct vsl_ovl_req *req, const char *dir, const char *top,
		       struct ovl_layer *l, struct vsl_err *err)
{
	int r;

	if ((r = ovl_layer_read(dir, l, err)) < 0)
		return r;
	if (strcmp(l->template_name, req->template_name))
		return vsl_refuse(err, EEXIST, "private layer %s is for template %s, not %s", dir,
				  l->template_name, req->template_name);
	/* Still mounted for a container: the record stays as it is, nothing is touched. */
	if (ovl_is_mountpoint(req->target))
		return vsl_refuse(err, EBUSY, "%s: already a mount point", req->target);
	if (l->target && ovl_is_mountpoint(l->target) && ovl_target_of(l, dir))
		return vsl_refuse(err, EBUSY, "private layer %s is in use (mounted on %s)", dir,
				  l->target);
	if (req->disk_limit != l->disk_limit)
		vsl_warn(req->log,
			 "container %s: kept layer has disk limit %llu, not %llu "
			 "(vessel disk changes it)",
			 req->id, (unsigned long long)l->disk_limit,
			 (unsigned long long)req->disk_limit);
	free(l->target);
	free(l->target_top);
	free(l->state);
	l->target = xstrdup(req->target);
	l->target_top = xstrdup(top);
	l->state = xstrdup(req->state);
	l->keep = req->keep_layer;
	return ovl_layer_write(dir, l, err);
}

static int check_req(const struct vsl_ovl_req *req, struct vsl_err *err)
{
	int r;

	if ((r = vsl_ovl_check_name("container", req->id, err)) < 0)
		return r;
	if (req->template_name && (r = vsl_ovl_check_name("template", req->template_name, err)) < 0)
		return r;
	if (req->target && req->target[0] != '/')
		return vsl_refuse(err, EINVAL, "rootfs %s: must be an absolute path", req->target);
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
	bool fresh;
	int r;

	if ((r = ovl_lock(req->store, &lock, err)) < 0)
		return r;
	if ((r = ovl_chain_names(req->store, req->template_name, &chain, err)) < 0)
		return r;
	if ((r = ovl_leftovers_purge(req->store, req->id, req->log, err)) < 0)
		return r;
	if ((r = plan_target(req->target, &top, err)) < 0)
		return r;
	fresh = access(dir, F_OK) < 0;
	r = fresh ? layer_create(req, dir, top, err) : layer_adopt(req, dir, top, &l, err);
	if (r == 0 && fresh)
		r = ovl_layer_read(dir, &l, err);
	if (r == 0 && (r = vsl_mkdir_p(req->target, 0755, err)) == 0)
		r = ovl_layer_attach(req->store, req->id, &l, req->target, err);
	if (r < 0 && (fresh || (r != -EEXIST && r != -EBUSY))) {
		ovl_layer_detach(req->store, req->id, NULL, true, req->log, &tmp);
		ovl_target_remove(req->target, top);
		if (fresh)
			ovl_layer_purge(req->store, req->id, dir, req->log, &tmp);
	}
	ovl_layer_clear(&l);
	return r;
}

int vsl_ovl_mount(const struct vsl_ovl_req *req, struct vsl_err *err)
{
	int r = check_req(req, err);

	if (r == 0 && (!req->template_name || !req->target))
		r = vsl_refuse(err, EINVAL, "layered rootfs needs a template and a target");
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

/* Unmount a layer and take away what was made for its target; then either keep it (no
 * container uses it now) or remove it. */
static int release(const char *store, const char *id, const char *dir, struct ovl_layer *l,
		   const char *target, bool keep, const struct vsl_log *log, struct vsl_err *err)
{
	cleanup_free char *gone = ovl_gone_layer(store, id);
	int r;

	r = ovl_layer_detach(store, id, target, true, log, err);
	if (r < 0)
		return r;
	if (target)
		ovl_target_remove(target, l->target_top);
	if (keep) {
		free(vsl_steal_ptr(&l->target));
		free(vsl_steal_ptr(&l->target_top));
		free(vsl_steal_ptr(&l->state));
		return ovl_layer_write(dir, l, err);
	}
	/* Renamed first: the name disappears at once, the removal can take its time. */
	if (rename(dir, gone) < 0)
		return vsl_fail(err, errno, "rename %s", dir);
	return ovl_layer_purge(store, id, gone, log, err);
}

int vsl_ovl_unmount(const struct vsl_ovl_req *req, struct vsl_err *err)
{
	cleanup_free char *dir = NULL;
	cleanup_close int lock = -1;
	struct ovl_layer l = {0};
	struct vsl_err tmp;
	int r;

	if ((r = check_req(req, err)) < 0)
		return vsl_wrap(err, "container %s", req->id ? req->id : "");
	dir = ovl_layer_dir(req->store, req->id);
	if ((r = ovl_lock(req->store, &lock, err)) < 0 ||
	    (r = ovl_leftovers_purge(req->store, req->id, req->log, err)) < 0)
		return vsl_wrap(err, "container %s", req->id);
	/* No layer: what a create killed before its layer was complete made went with the
	 * purge of its stage above (its record names the target and its directories). */
	if (ovl_layer_read(dir, &l, &tmp) < 0)
		return 0;
	/* A layer of another template is not ours to touch (a create refused with EEXIST). */
	if (!req->template_name || !strcmp(l.template_name, req->template_name))
		r = release(req->store, req->id, dir, &l, req->target ? req->target : l.target,
			    req->keep_layer, req->log, err);
	ovl_layer_clear(&l);
	return r < 0 ? vsl_wrap(err, "container %s", req->id) : 0;
}

/* Does the store hold a layer of id, or a leftover of one? */
static bool has_anything(const char *store, const char *id)
{
	cleanup_free char *dir = ovl_layer_dir(store, id);
	cleanup_free char *stage = ovl_stage_layer(store, id);
	cleanup_free char *gone = ovl_gone_layer(store, id);

	return access(dir, F_OK) == 0 || access(stage, F_OK) == 0 || access(gone, F_OK) == 0;
}

int vsl_ovl_forget(const char *store, const char *id, const char *state, const struct vsl_log *log,
		   struct vsl_err *err)
{
	cleanup_free char *dir = NULL;
	cleanup_close int lock = -1;
	struct ovl_layer l = {0};
	struct vsl_err tmp;
	int r;

	if ((r = vsl_ovl_check_name("container", id, err)) < 0)
		return r;
	if (!has_anything(store, id))
		return 0; /* the common case (podman cleaning up): no lock, nothing made */
	dir = ovl_layer_dir(store, id);
	if ((r = ovl_lock(store, &lock, err)) < 0 ||
	    (r = ovl_leftovers_purge(store, id, log, err)) < 0)
		return vsl_wrap(err, "container %s", id);
	if (ovl_layer_read(dir, &l, &tmp) < 0)
		return 0;
	/* The layer of a live container of the same id under another state root: not ours. */
	if (l.state && state && strcmp(l.state, state) && access(l.state, F_OK) == 0)
		goto out;
	r = release(store, id, dir, &l, ovl_target_of(&l, dir), l.keep, log, err);
out:
	ovl_layer_clear(&l);
	return r < 0 ? vsl_wrap(err, "container %s", id) : 0;
}
