/* The store's plumbing: names, paths, the lock, and its records (a template's meta.json, a
 * container's layer.json, the store's own store.json) read and written with yajl. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "common/cleanup.h"
#include "common/json_gen.h"
#include "common/util.h"
#include "overlay/internal.h"

int vsl_ovl_check_name(const char *kind, const char *name, struct vsl_err *err)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0)
		return vsl_fail(err, EINVAL, "%s name is empty", kind);
	if (strchr(name, '/'))
		return vsl_fail(err, EINVAL, "%s name %s: must not contain '/'", kind, name);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strstr(name, ".."))
		return vsl_fail(err, EINVAL, "%s name %s: must not contain '..'", kind, name);
	if (len > 128)
		return vsl_fail(err, EINVAL, "%s name %.32s...: longer than 128 bytes", kind, name);
	for (const char *p = name; *p; p++) {
		bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9');

		if (!alnum && (p == name || (*p != '.' && *p != '_' && *p != '-')))
			return vsl_fail(err, EINVAL,
					"%s name %s: use letters, digits and . _ - (not first)",
					kind, name);
	}
	return 0;
}

char *ovl_tpl_dir(const char *store, const char *name)
{
	return xasprintf("%s/templates/%s", store, name);
}

char *ovl_layer_dir(const char *store, const char *id)
{
	return xasprintf("%s/containers/%s", store, id);
}

char *ovl_stage_layer(const char *store, const char *id)
{
	return xasprintf("%s/containers/.new-%s", store, id);
}

char *ovl_gone_layer(const char *store, const char *id)
{
	return xasprintf("%s/containers/.rm-%s", store, id);
}

int ovl_lock(const char *store, int *out_fd, struct vsl_err *err)
{
	cleanup_free char *tpl = xasprintf("%s/templates", store);
	cleanup_free char *ctr = xasprintf("%s/containers", store);
	cleanup_free char *prj = xasprintf("%s/projects", store);
	cleanup_free char *path = xasprintf("%s/.lock", store);
	cleanup_close int fd = -1;
	int r;

	/* Before anything is made in it: the directory may be the mount point of the store's
	 * own filesystem, not mounted since a reboot. */
	if ((r = vsl_ovl_store_ensure(store, NULL, err)) < 0)
		return r;
	if ((r = vsl_mkdir_p(tpl, 0755, err)) < 0 || (r = vsl_mkdir_p(ctr, 0700, err)) < 0 ||
	    (r = vsl_mkdir_p(prj, 0700, err)) < 0)
		return vsl_wrap(err, "store %s", store);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return vsl_fail(err, errno, "store %s: open lock", store);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return vsl_fail(err, errno, "store %s: lock", store);
	*out_fd = vsl_steal_fd(&fd);
	return 0;
}

char *ovl_now(void)
{
	char buf[64];
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

/* Write a record (an object vsl_jgen_new opened) to dir/file atomically. */
static int gen_write(yajl_gen g, const char *dir, const char *file, struct vsl_err *err)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, file);
	cleanup_free char *text = NULL;

	vsl_jgen_map_close(g);
	text = vsl_jgen_finish(g);
	return vsl_write_file_atomic(path, text, strlen(text), 0644, err);
}

static yajl_gen gen_open(void)
{
	yajl_gen g = vsl_jgen_new(true);

	vsl_jgen_map_open(g, NULL);
	return g;
}

/* Parse a JSON object from path; NULL with err filled on failure. */
yajl_val ovl_json_load(const char *path, struct vsl_err *err)
{
	cleanup_free char *text = NULL;
	char ebuf[256];
	yajl_val v;

	if (vsl_read_file(path, &text, NULL, err) < 0)
		return NULL;
	v = yajl_tree_parse(text, ebuf, sizeof(ebuf));
	if (!v || !YAJL_IS_OBJECT(v)) {
		yajl_tree_free(v);
		vsl_fail(err, EINVAL, "%s: not a JSON object", path);
		return NULL;
	}
	return v;
}

static yajl_val read_json(const char *dir, const char *file, struct vsl_err *err)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, file);

	return ovl_json_load(path, err);
}

static char *get_str(yajl_val root, const char *key)
{
	const char *path[] = {key, NULL};
	yajl_val v = yajl_tree_get(root, path, yajl_t_string);

	return v ? xstrdup(YAJL_GET_STRING(v)) : NULL;
}

static uint64_t get_u64(yajl_val root, const char *key)
{
	const char *path[] = {key, NULL};
	yajl_val v = yajl_tree_get(root, path, yajl_t_number);
	uint64_t n = 0;

	if (v && YAJL_GET_NUMBER(v))
		vsl_parse_u64(YAJL_GET_NUMBER(v), &n);
	return n;
}

static bool get_bool(yajl_val root, const char *key)
{
	const char *path[] = {key, NULL};
	yajl_val v = yajl_tree_get(root, path, yajl_t_any);

	return v && YAJL_IS_TRUE(v);
}

void ovl_layer_clear(struct ovl_layer *l)
{
	free(l->template_name);
	free(l->target);
	free(l->target_top);
	free(l->state);
	memset(l, 0, sizeof(*l));
}

bool ovl_layer_is_garbage(const struct ovl_layer *l)
{
	struct stat st;

	return !l->keep && l->state && l->state[0] == '/' && lstat(l->state, &st) < 0 &&
	       errno == ENOENT;
}

int ovl_layer_read(const char *dir, struct ovl_layer *out, struct vsl_err *err)
{
	yajl_val v = read_json(dir, "layer.json", err);
	uint64_t n;

	if (!v)
		return -err->code;
	memset(out, 0, sizeof(*out));
	out->template_name = get_str(v, "template");
	out->target = get_str(v, "target");
	out->disk_limit = get_u64(v, "disk_limit");
	out->keep = get_bool(v, "keep");
	out->target_top = get_str(v, "target_top");
	out->state = get_str(v, "state");
	n = get_u64(v, "project");
	out->project = n <= UINT32_MAX ? (uint32_t)n : 0;
	yajl_tree_free(v);
	if (!out->template_name) {
		ovl_layer_clear(out);
		return vsl_fail(err, EINVAL, "%s/layer.json: no template", dir);
	}
	return 0;
}

int ovl_layer_write(const char *dir, const struct ovl_layer *l, struct vsl_err *err)
{
	yajl_gen g = gen_open();

	vsl_jgen_str(g, "template", l->template_name);
	vsl_jgen_str(g, "target", l->target);
	vsl_jgen_uint(g, "disk_limit", l->disk_limit);
	vsl_jgen_bool(g, "keep", l->keep);
	vsl_jgen_uint(g, "project", l->project);
	vsl_jgen_str(g, "state", l->state);
	vsl_jgen_str(g, "target_top", l->target_top);
	return gen_write(g, dir, "layer.json", err);
}

void ovl_storefs_clear(struct ovl_storefs *s)
{
	free(s->fs);
	free(s->backing);
	free(s->created);
	memset(s, 0, sizeof(*s));
}

char *ovl_storefs_format(const struct ovl_storefs *s)
{
	yajl_gen g = gen_open();

	vsl_jgen_uint(g, "version", 1);
	vsl_jgen_str(g, "fs", s->fs);
	vsl_jgen_str(g, "backing", s->backing);
	vsl_jgen_str(g, "kind", s->device ? "device" : "file");
	vsl_jgen_uint(g, "size", s->size);
	vsl_jgen_str(g, "created", s->created);
	vsl_jgen_map_close(g);
	return vsl_jgen_finish(g);
}

int ovl_storefs_parse(const char *text, struct ovl_storefs *out, struct vsl_err *err)
{
	char ebuf[256];
	yajl_val v = yajl_tree_parse(text, ebuf, sizeof(ebuf));
	cleanup_free char *kind = NULL;
	uint64_t version;

	memset(out, 0, sizeof(*out));
	if (!v || !YAJL_IS_OBJECT(v)) {
		yajl_tree_free(v);
		return vsl_refuse(err, EINVAL, "not a JSON object");
	}
	version = get_u64(v, "version");
	out->fs = get_str(v, "fs");
	out->backing = get_str(v, "backing");
	kind = get_str(v, "kind");
	out->size = get_u64(v, "size");
	out->created = get_str(v, "created");
	yajl_tree_free(v);
	if (version != 1 || !out->fs || (strcmp(out->fs, "xfs") && strcmp(out->fs, "ext4")) ||
	    !out->backing || out->backing[0] != '/' || !kind ||
	    (strcmp(kind, "file") && strcmp(kind, "device"))) {
		ovl_storefs_clear(out);
		return vsl_refuse(err, EINVAL,
				  "want version 1, fs xfs|ext4, an absolute backing, kind "
				  "file|device");
	}
	out->device = strcmp(kind, "device") == 0;
	return 0;
}

int ovl_meta_write(const char *dir, const struct vsl_ovl_template *t, struct vsl_err *err)
{
	yajl_gen g = gen_open();

	vsl_jgen_str(g, "name", t->name);
	vsl_jgen_str(g, "parent", t->parent);
	vsl_jgen_str(g, "created", t->created);
	vsl_jgen_str(g, "source", t->source);
	vsl_jgen_uint(g, "size", t->size);
	vsl_jgen_str(g, "digest", t->digest);
	return gen_write(g, dir, "meta.json", err);
}

/* Read a template's meta.json (users and children are left empty). */
int ovl_meta_read(const char *store, const char *name, struct vsl_ovl_template *out,
		  struct vsl_err *err)
{
	cleanup_free char *dir = ovl_tpl_dir(store, name);
	struct stat st;
	yajl_val v;

	memset(out, 0, sizeof(*out));
	if (stat(dir, &st) < 0) {
		if (errno == ENOENT)
			return vsl_fail(err, ENOENT, "template %s: not found in %s/templates", name,
					store);
		return vsl_fail(err, errno, "template %s: stat %s", name, dir);
	}
	v = read_json(dir, "meta.json", err);
	if (!v)
		return vsl_wrap(err, "template %s", name);
	out->name = xstrdup(name);
	out->parent = get_str(v, "parent");
	out->created = get_str(v, "created");
	out->source = get_str(v, "source");
	out->size = get_u64(v, "size");
	out->digest = get_str(v, "digest");
	out->users = xzalloc(sizeof(char *));
	out->children = xzalloc(sizeof(char *));
	yajl_tree_free(v);
	return 0;
}

void vsl_ovl_template_clear(struct vsl_ovl_template *t)
{
	free(t->name);
	free(t->parent);
	free(t->created);
	free(t->source);
	free(t->digest);
	vsl_strv_free(t->users);
	vsl_strv_free(t->children);
	memset(t, 0, sizeof(*t));
}
