/* state.json <-> struct vsl_state (yajl). Pure: the store does the file I/O. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "common/util.h"
#include "common/cleanup.h"
#include "spec/state.h"

static const char *const status_names[] = {
	[VSL_STATUS_CREATING] = "creating", [VSL_STATUS_CREATED] = "created",
	[VSL_STATUS_RUNNING] = "running",   [VSL_STATUS_STOPPED] = "stopped",
	[VSL_STATUS_PAUSED] = "paused",
};

const char *vsl_status_name(enum vsl_status s)
{
	return (unsigned)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s]
									      : "unknown";
}

static int status_from_name(const char *s)
{
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (strcmp(status_names[i], s) == 0)
			return (int)i;
	return -1;
}

static void gstr(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gkv(yajl_gen g, const char *k, const char *v)
{
	if (!v)
		return;
	gstr(g, k);
	gstr(g, v);
}

static void gmap(yajl_gen g, const char *k, const struct vsl_kv *kv, size_t n)
{
	gstr(g, k);
	yajl_gen_map_open(g);
	for (size_t i = 0; i < n; i++)
		gkv(g, kv[i].key, kv[i].value);
	yajl_gen_map_close(g);
}

static char *gen_finish(yajl_gen g)
{
	const unsigned char *buf;
	size_t len;
	char *out;

	yajl_gen_get_buf(g, &buf, &len);
	out = xmalloc(len + 1);
	memcpy(out, buf, len);
	out[len] = '\0';
	yajl_gen_free(g);
	return out;
}

static void gen_oci(yajl_gen g, const struct vsl_state *st, enum vsl_status status)
{
	gkv(g, "ociVersion", st->oci_version ? st->oci_version : "1.2.0");
	gkv(g, "id", st->id);
	gkv(g, "status", vsl_status_name(status));
	gstr(g, "pid");
	/* The spec: pid is required while created or running; a stopped process has none. */
	yajl_gen_integer(g, status == VSL_STATUS_STOPPED ? 0 : st->pid);
	gkv(g, "bundle", st->bundle);
	gkv(g, "rootfs", st->rootfs);
	gkv(g, "created", st->created);
	gkv(g, "owner", st->owner ? st->owner : "");
	if (st->n_annotations)
		gmap(g, "annotations", st->annotations, st->n_annotations);
}

char *vsl_state_to_oci_json(const struct vsl_state *st, enum vsl_status status, bool pretty)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	yajl_gen_config(g, yajl_gen_beautify, pretty ? 1 : 0);
	yajl_gen_config(g, yajl_gen_indent_string, "  ");
	yajl_gen_map_open(g);
	gen_oci(g, st, status);
	yajl_gen_map_close(g);
	return gen_finish(g);
}

char *vsl_state_to_json(const struct vsl_state *st)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	yajl_gen_map_open(g);
	gen_oci(g, st, st->status);
	gstr(g, "vessel");
	yajl_gen_map_open(g);
	gstr(g, "startTime");
	yajl_gen_integer(g, (long long)st->start_time);
	gmap(g, "resources", st->extra, st->n_extra);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	return gen_finish(g);
}

static char *get_str(yajl_val root, const char *const *path)
{
	yajl_val v = yajl_tree_get(root, (const char **)path, yajl_t_string);
	return v ? xstrdup(YAJL_GET_STRING(v)) : NULL;
}

static void get_map(yajl_val root, const char *const *path, struct vsl_kv **out, size_t *n)
{
	yajl_val v = yajl_tree_get(root, (const char **)path, yajl_t_object);

	*out = NULL;
	*n = 0;
	if (!v || !v->u.object.len)
		return;
	*out = xzalloc(v->u.object.len * sizeof(**out));
	for (size_t i = 0; i < v->u.object.len; i++) {
		if (!YAJL_IS_STRING(v->u.object.values[i]))
			continue;
		(*out)[*n].key = xstrdup(v->u.object.keys[i]);
		(*out)[*n].value = xstrdup(YAJL_GET_STRING(v->u.object.values[i]));
		(*n)++;
	}
}

int vsl_state_parse(const char *json, size_t len, struct vsl_state *out, struct vsl_err *err)
{
	static const char *const p_id[] = { "id", NULL }, *const p_status[] = { "status", NULL },
				 *const p_pid[] = { "pid", NULL },
				 *const p_start[] = { "vessel", "startTime", NULL },
				 *const p_ver[] = { "ociVersion", NULL },
				 *const p_bundle[] = { "bundle", NULL },
				 *const p_rootfs[] = { "rootfs", NULL },
				 *const p_created[] = { "created", NULL },
				 *const p_owner[] = { "owner", NULL },
				 *const p_ann[] = { "annotations", NULL },
				 *const p_res[] = { "vessel", "resources", NULL };
	char ebuf[256];
	cleanup_free char *copy = xmalloc(len + 1);
	yajl_val root, v;
	int st;

	memcpy(copy, json, len);
	copy[len] = '\0';
	memset(out, 0, sizeof(*out));
	root = yajl_tree_parse(copy, ebuf, sizeof(ebuf));
	if (!root)
		return vsl_fail(err, EINVAL, "state.json: %s", strtok(ebuf, "\n"));
	v = yajl_tree_get(root, (const char **)p_status, yajl_t_string);
	st = v ? status_from_name(YAJL_GET_STRING(v)) : -1;
	out->id = get_str(root, p_id);
	if (st < 0 || !out->id) {
		yajl_tree_free(root);
		vsl_state_clear(out);
		return vsl_fail(err, EINVAL, "state.json: missing id or status");
	}
	out->status = (enum vsl_status)st;
	v = yajl_tree_get(root, (const char **)p_pid, yajl_t_number);
	out->pid = v && YAJL_IS_INTEGER(v) ? (pid_t)YAJL_GET_INTEGER(v) : 0;
	v = yajl_tree_get(root, (const char **)p_start, yajl_t_number);
	out->start_time = v && YAJL_IS_INTEGER(v) ? (uint64_t)YAJL_GET_INTEGER(v) : 0;
	out->oci_version = get_str(root, p_ver);
	out->bundle = get_str(root, p_bundle);
	out->rootfs = get_str(root, p_rootfs);
	out->created = get_str(root, p_created);
	out->owner = get_str(root, p_owner);
	get_map(root, p_ann, &out->annotations, &out->n_annotations);
	get_map(root, p_res, &out->extra, &out->n_extra);
	yajl_tree_free(root);
	return 0;
}

static void kv_free(struct vsl_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void vsl_state_clear(struct vsl_state *st)
{
	free(st->oci_version);
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->owner);
	kv_free(st->annotations, st->n_annotations);
	kv_free(st->extra, st->n_extra);
	memset(st, 0, sizeof(*st));
}

const char *vsl_state_get(const struct vsl_state *st, const char *key)
{
	for (size_t i = 0; i < st->n_extra; i++)
		if (strcmp(st->extra[i].key, key) == 0)
			return st->extra[i].value;
	return NULL;
}

void vsl_state_set(struct vsl_state *st, const char *key, const char *value)
{
	for (size_t i = 0; i < st->n_extra; i++) {
		if (strcmp(st->extra[i].key, key) != 0)
			continue;
		free(st->extra[i].value);
		if (value) {
			st->extra[i].value = xstrdup(value);
			return;
		}
		free(st->extra[i].key);
		st->extra[i] = st->extra[--st->n_extra];
		return;
	}
	if (!value)
		return;
	st->extra = xrealloc(st->extra, (st->n_extra + 1) * sizeof(*st->extra));
	st->extra[st->n_extra].key = xstrdup(key);
	st->extra[st->n_extra].value = xstrdup(value);
	st->n_extra++;
}
