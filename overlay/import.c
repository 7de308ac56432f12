/* vessel template import: a directory, a tar archive (plain, gzip, xz, zstd) or an OCI
 * image layout (its layers applied in order, whiteouts honoured) becomes a template. All
 * work happens in a hidden staging directory renamed into place at the end. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"

static void yajl_freep(yajl_val *v)
{
	yajl_tree_free(*v);
}
#define cleanup_yajl __attribute__((cleanup(yajl_freep)))

static const char *jstr(yajl_val v, const char *key)
{
	const char *path[] = {key, NULL};
	yajl_val s = yajl_tree_get(v, path, yajl_t_string);

	return s ? YAJL_GET_STRING(s) : NULL;
}

static const char *vstr(yajl_val v)
{
	const char *s = v ? YAJL_GET_STRING(v) : NULL;

	return s ? s : "";
}

/* "sha256:abc..." -> layout/blobs/sha256/abc..., once the blob there is known to hash to
 * that digest (the digest's form is checked first, so the path cannot escape). */
static char *verified_blob(const char *layout, const char *digest, struct vsl_err *err)
{
	char *path;

	if (ovl_digest_check(digest, err) < 0) {
		vsl_wrap(err, "%s", layout);
		return NULL;
	}
	path = xasprintf("%s/blobs/%.*s/%s", layout, (int)(strchr(digest, ':') - digest), digest,
			 strchr(digest, ':') + 1);
	if (ovl_digest_verify(path, digest, err) < 0) {
		vsl_wrap(err, "%s", layout);
		free(path);
		return NULL;
	}
	return path;
}

static const char *host_arch(void)
{
	struct utsname u;

	uname(&u);
	if (strcmp(u.machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "arm64";
	return "";
}

/* From an index, the manifest descriptor for linux on this machine (or the only one). */
static yajl_val pick_manifest(yajl_val index)
{
	const char *mpath[] = {"manifests", NULL}, *os[] = {"platform", "os", NULL},
		   *arch[] = {"platform", "architecture", NULL};
	yajl_val list = yajl_tree_get(index, mpath, yajl_t_array);

	if (!list || YAJL_GET_ARRAY(list)->len == 0)
		return NULL;
	for (size_t i = 0; i < YAJL_GET_ARRAY(list)->len; i++) {
		yajl_val m = YAJL_GET_ARRAY(list)->values[i];
		const char *o = vstr(yajl_tree_get(m, os, yajl_t_string));
		const char *a = vstr(yajl_tree_get(m, arch, yajl_t_string));

		if (!*o || (strcmp(o, "linux") == 0 && strcmp(a, host_arch()) == 0))
			return m;
	}
	return YAJL_GET_ARRAY(list)->values[0];
}

/* Resolve index.json (and one nested index) to the image manifest's layer blob paths. */
static int oci_layers(const char *layout, char ***out, struct vsl_err *err)
{
	cleanup_free char *ipath = xasprintf("%s/index.json", layout);
	cleanup_yajl yajl_val index = ovl_json_load(ipath, err);
	cleanup_yajl yajl_val manifest = NULL;
	const char *lpath[] = {"layers", NULL};
	cleanup_strv char **blobs = xzalloc(sizeof(char *));
	yajl_val layers;

	if (!index)
		return -err->code;
	for (int depth = 0; depth < 3; depth++) {
		yajl_val desc = pick_manifest(manifest ? manifest : index);
		const char *mt = desc ? jstr(desc, "mediaType") : NULL;
		cleanup_free char *path =
		    desc ? verified_blob(layout, jstr(desc, "digest"), err) : NULL;
		yajl_val next;

		if (!desc)
			return vsl_fail(err, EINVAL, "%s: index.json lists no manifest", layout);
		if (!path)
			return -err->code;
		next = ovl_json_load(path, err);
		if (!next)
			return -err->code;
		yajl_tree_free(manifest);
		manifest = next;
		if (!mt || !strstr(mt, "index"))
			break;
	}
	layers = yajl_tree_get(manifest, lpath, yajl_t_array);
	if (!layers || YAJL_GET_ARRAY(layers)->len == 0)
		return vsl_fail(err, EINVAL, "%s: image manifest has no layers", layout);
	for (size_t i = 0; i < YAJL_GET_ARRAY(layers)->len; i++) {
		char *p = verified_blob(layout, jstr(YAJL_GET_ARRAY(layers)->values[i], "digest"), err);

		if (!p)
			return -err->code;
		vsl_strv_push(&blobs, p);
		free(p);
	}
	*out = vsl_steal_ptr(&blobs);
	return 0;
}

static int import_oci(const char *layout, const char *stage, bool has_parent,
		      struct ovl_progress *p, struct vsl_err *err)
{
	cleanup_free char *rootfs = xasprintf("%s/rootfs", stage);
	cleanup_free char *tmp = xasprintf("%s/layer", stage);
	cleanup_strv char **blobs = NULL;
	int r = oci_layers(layout, &blobs, err);

	if (r < 0)
		return r;
	for (char **b = blobs; *b; b++) {
		struct stat st;

		if (stat(*b, &st) < 0)
			return vsl_fail(err, errno, "%s: layer %s", layout, *b);
		p->total += (uint64_t)st.st_size;
	}
	p->total_known = true;
	for (char **b = blobs; *b; b++) {
		/* The first layer is unpacked in place; later ones beside it, then applied. */
		if (b == blobs) {
			r = ovl_tar_unpack(*b, rootfs, p, err);
			if (r == 0)
				r = ovl_whiteouts_convert(rootfs, has_parent, err);
		} else {
			r = mkdir(tmp, 0755) < 0 ? vsl_fail(err, errno, "mkdir %s", tmp) : 0;
			if (r == 0)
				r = ovl_tar_unpack(*b, tmp, p, err);
			if (r == 0)
				r = ovl_layer_merge(tmp, rootfs, has_parent, err);
			if (r == 0)
				r = vsl_rm_rf(tmp, err);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int import_into(const struct vsl_ovl_import_req *req, const char *stage, struct vsl_err *err)
{
	cleanup_free char *rootfs = xasprintf("%s/rootfs", stage);
	cleanup_free char *oci = xasprintf("%s/oci-layout", req->source);
	struct ovl_progress p = {.fn = req->progress, .arg = req->progress_arg};
	struct stat st;
	int r;

	if (stat(req->source, &st) < 0)
		return vsl_fail(err, errno, "source %s", req->source);
	if (mkdir(rootfs, 0755) < 0)
		return vsl_fail(err, errno, "mkdir %s", rootfs);
	if (S_ISDIR(st.st_mode) && access(oci, F_OK) == 0)
		return import_oci(req->source, stage, req->parent != NULL, &p, err);
	if (S_ISDIR(st.st_mode))
		return ovl_tar_copy(req->source, rootfs, false, &p, err);
	if (!S_ISREG(st.st_mode))
		return vsl_fail(err, EINVAL, "source %s: not a directory or an archive",
				req->source);
	r = ovl_tar_unpack(req->source, rootfs, &p, err);
	if (r == 0)
		r = ovl_whiteouts_convert(rootfs, req->parent != NULL, err);
	return r;
}

/* meta.json, then everything on disk before the rename makes it visible. */
static int finish_stage(const char *stage, struct vsl_ovl_template *meta, struct vsl_err *err)
{
	cleanup_free char *rootfs = xasprintf("%s/rootfs", stage);
	cleanup_close int fd = -1;
	int r;

	meta->size = ovl_du(rootfs);
	r = ovl_tree_digest(rootfs, &meta->digest, err);
	if (r < 0)
		return r;
	meta->created = ovl_now();
	r = ovl_meta_write(stage, meta, err);
	free(vsl_steal_ptr(&meta->created));
	free(vsl_steal_ptr(&meta->digest));
	if (r < 0)
		return r;
	fd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0)
		return vsl_fail(err, errno, "sync %s", stage);
	return 0;
}

/* Shared by import and commit: stage, fill through fill(), publish. */
int ovl_publish(const char *store, const char *name, const char *parent, const char *source,
		int (*fill)(const void *arg, const char *stage, struct vsl_err *err),
		const void *arg, const struct vsl_log *log, struct vsl_err *err)
{
	cleanup_free char *stage = NULL, *dir = NULL;
	struct vsl_ovl_template meta = {
	    .name = (char *)name, .parent = (char *)parent, .source = (char *)source};
	struct vsl_ovl_template ptpl;
	struct vsl_err tmp;
	int r;

	if ((r = vsl_ovl_check_name("template", name, err)) < 0 ||
	    (parent && (r = vsl_ovl_check_name("template", parent, err)) < 0))
		return r;
	dir = ovl_tpl_dir(store, name);
	if (access(dir, F_OK) == 0)
		return vsl_fail(err, EEXIST, "template %s: already exists", name);
	if (parent) {
		if ((r = ovl_meta_read(store, parent, &ptpl, err)) < 0)
			return vsl_wrap(err, "parent of %s", name);
		vsl_ovl_template_clear(&ptpl);
	}
	ovl_stage_sweep(store, log);
	stage = ovl_stage_dir(store, name);
	if (vsl_mkdir_p(stage, 0755, err) < 0)
		return vsl_wrap(err, "template %s", name);
	r = fill(arg, stage, err);
	if (r == 0)
		r = finish_stage(stage, &meta, err);
	if (r == 0)
		r = ovl_stage_commit(store, stage, name, parent, err);
	if (r < 0) {
		if (vsl_rm_rf(stage, &tmp) < 0)
			vsl_warn(log, "template %s: %s", name, tmp.msg);
		return vsl_wrap(err, "template %s", name);
	}
	return 0;
}

static int import_fill(const void *arg, const char *stage, struct vsl_err *err)
{
	return import_into(arg, stage, err);
}

int vsl_ovl_import(const struct vsl_ovl_import_req *req, struct vsl_err *err)
{
	cleanup_free char *abs = realpath(req->source, NULL);

	return ovl_publish(req->store, req->name, req->parent, abs ? abs : req->source, import_fill,
			   req, req->log, err);
}
