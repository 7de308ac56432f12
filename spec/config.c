/* config.json -> struct vsl_config: the top level (ociVersion, root, mounts, hooks,
 * annotations), load/free/serialize, and namespace names. process and linux live in
 * config_process.c and config_linux.c. One yajl tree per parse; strings are moved out of
 * the tree, not copied. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "spec/config_internal.h"

int vsl_cfg_lookup(const struct vsl_cfg_name *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return (int)i;
	return -1;
}

static const char *const ns_names[VSL_NS_TYPES] = {
	[VSL_NS_PID] = "pid",	  [VSL_NS_NET] = "network", [VSL_NS_MNT] = "mount",
	[VSL_NS_IPC] = "ipc",	  [VSL_NS_UTS] = "uts",	    [VSL_NS_USER] = "user",
	[VSL_NS_CGROUP] = "cgroup", [VSL_NS_TIME] = "time",
};

const char *vsl_ns_name(enum vsl_ns_type t)
{
	return (unsigned)t < VSL_NS_TYPES ? ns_names[t] : NULL;
}

int vsl_ns_from_name(const char *name)
{
	for (int i = 0; i < VSL_NS_TYPES; i++)
		if (strcmp(ns_names[i], name) == 0)
			return i;
	return -1;
}

static const char *const hook_names[VSL_HOOK_KINDS] = {
	[VSL_HOOK_PRESTART] = "prestart",
	[VSL_HOOK_CREATE_RUNTIME] = "createRuntime",
	[VSL_HOOK_CREATE_CONTAINER] = "createContainer",
	[VSL_HOOK_START_CONTAINER] = "startContainer",
	[VSL_HOOK_POSTSTART] = "poststart",
	[VSL_HOOK_POSTSTOP] = "poststop",
};

const char *vsl_hook_name(enum vsl_hook_kind k)
{
	return (unsigned)k < VSL_HOOK_KINDS ? hook_names[k] : NULL;
}

/* SemVer 2.0.0: MAJOR.MINOR.PATCH[-pre][+build], numbers without leading zeros. */
static bool semver_num(const char **s)
{
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return false;
	if (*p == '0' && p[1] >= '0' && p[1] <= '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	*s = p;
	return true;
}

static bool is_semver(const char *s)
{
	for (int i = 0; i < 3; i++) {
		if (!semver_num(&s))
			return false;
		if (i < 2 && *s++ != '.')
			return false;
	}
	if (*s == '-' || *s == '+') {
		if (!s[1])
			return false;
		for (s++; *s; s++)
			if (!(*s == '.' || *s == '-' || *s == '+' || (*s >= '0' && *s <= '9') ||
			      (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
				return false;
	}
	return *s == '\0';
}

static int parse_mount(yajl_val o, const struct vsl_jpath *p, void *elem, struct vsl_err *err)
{
	struct vsl_mount *m = elem;
	int r;

	if (vsl_json_take_str(o, p, "destination", VSL_JSON_REQUIRED, &m->destination, err) < 0 ||
	    vsl_json_take_str(o, p, "source", 0, &m->source, err) < 0 ||
	    vsl_json_take_str(o, p, "type", 0, &m->type, err) < 0 ||
	    vsl_json_take_strv(o, p, "options", 0, &m->options, err) < 0)
		return -EINVAL;
	if (!m->destination[0]) {
		struct vsl_jpath kp = VSL_JPATH_KEY(p, "destination");
		return vsl_json_fail(err, &kp, "must not be empty");
	}
	r = vsl_cfg_parse_id_mappings(o, p, "uidMappings", &m->uid_mappings, &m->n_uid_mappings,
				      err);
	if (r >= 0)
		r = vsl_cfg_parse_id_mappings(o, p, "gidMappings", &m->gid_mappings,
					      &m->n_gid_mappings, err);
	if (r < 0)
		return r;
	if (!vsl_json_get(o, "uidMappings") != !vsl_json_get(o, "gidMappings"))
		return vsl_json_fail(err, p, "uidMappings and gidMappings must be set together");
	return 0;
}

static int parse_hook(yajl_val o, const struct vsl_jpath *p, void *elem, struct vsl_err *err)
{
	struct vsl_hook *h = elem;
	int64_t t = 0;
	int r;

	if (vsl_json_take_str(o, p, "path", VSL_JSON_REQUIRED, &h->path, err) < 0 ||
	    vsl_json_take_strv(o, p, "args", 0, &h->args, err) < 0 ||
	    vsl_json_take_strv(o, p, "env", 0, &h->env, err) < 0)
		return -EINVAL;
	if (h->path[0] != '/') {
		struct vsl_jpath kp = VSL_JPATH_KEY(p, "path");
		return vsl_json_fail(err, &kp, "\"%s\" is not an absolute path", h->path);
	}
	r = vsl_json_int(o, p, "timeout", 0, 1, INT32_MAX, &t, err);
	if (r < 0)
		return r;
	h->has_timeout = r;
	h->timeout = (int32_t)t;
	return 0;
}

static int parse_hooks(yajl_val top, const struct vsl_jpath *p, struct vsl_config *c,
		       struct vsl_err *err)
{
	struct vsl_jpath hp = VSL_JPATH_KEY(p, "hooks");
	yajl_val o = NULL;
	int r = vsl_json_obj(top, p, "hooks", 0, &o, err);

	if (r <= 0)
		return r;
	for (int k = 0; k < VSL_HOOK_KINDS; k++) {
		r = vsl_json_objects(o, &hp, hook_names[k], sizeof(struct vsl_hook), parse_hook,
				     (void **)&c->hooks[k].hooks, &c->hooks[k].n, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_root(yajl_val top, const struct vsl_jpath *p, struct vsl_config *c,
		      struct vsl_err *err)
{
	struct vsl_jpath rp = VSL_JPATH_KEY(p, "root");
	yajl_val o = NULL;
	int r = vsl_json_obj(top, p, "root", 0, &o, err);

	if (r <= 0)
		return r;
	if (vsl_json_take_str(o, &rp, "path", VSL_JSON_REQUIRED, &c->root_path, err) < 0 ||
	    vsl_json_bool(o, &rp, "readonly", 0, &c->root_readonly, err) < 0)
		return -EINVAL;
	if (!c->root_path[0]) {
		struct vsl_jpath kp = VSL_JPATH_KEY(&rp, "path");
		return vsl_json_fail(err, &kp, "must not be empty");
	}
	return 0;
}

static int parse_top(yajl_val top, const struct vsl_jpath *p, struct vsl_config *c,
		     struct vsl_err *err)
{
	yajl_val o = NULL;
	int r;

	if (vsl_json_want(top, yajl_t_object, p, err) < 0 ||
	    vsl_json_take_str(top, p, "ociVersion", VSL_JSON_REQUIRED, &c->oci_version, err) < 0)
		return -EINVAL;
	if (!is_semver(c->oci_version)) {
		struct vsl_jpath kp = VSL_JPATH_KEY(p, "ociVersion");
		return vsl_json_fail(err, &kp, "\"%s\" is not a SemVer version", c->oci_version);
	}
	if (parse_root(top, p, c, err) < 0 ||
	    vsl_json_take_str(top, p, "hostname", 0, &c->hostname, err) < 0 ||
	    vsl_json_take_str(top, p, "domainname", 0, &c->domainname, err) < 0 ||
	    vsl_json_objects(top, p, "mounts", sizeof(struct vsl_mount), parse_mount,
			     (void **)&c->mounts, &c->n_mounts, err) < 0 ||
	    parse_hooks(top, p, c, err) < 0 ||
	    vsl_cfg_parse_kv(top, p, "annotations", &c->annotations, &c->n_annotations, err) < 0)
		return -EINVAL;
	r = vsl_json_obj(top, p, "process", 0, &o, err);
	if (r > 0) {
		struct vsl_jpath pp = VSL_JPATH_KEY(p, "process");
		c->has_process = true;
		r = vsl_cfg_parse_process(o, &pp, &c->process, err);
	}
	if (r < 0)
		return r;
	r = vsl_json_obj(top, p, "linux", 0, &o, err);
	if (r > 0) {
		struct vsl_jpath lp = VSL_JPATH_KEY(p, "linux");
		c->has_linux = true;
		r = vsl_cfg_parse_linux(o, &lp, &c->linux, err);
	}
	return r < 0 ? r : 0;
}

struct vsl_config *vsl_config_parse(const char *json, size_t len, const char *name,
				    struct vsl_err *err)
{
	struct vsl_jpath root = VSL_JPATH_ROOT(name);
	cleanup_config struct vsl_config *c = NULL;
	cleanup_json yajl_val tree = vsl_json_parse(json, len, name, err);

	if (!tree)
		return NULL;
	c = xzalloc(sizeof(*c));
	if (parse_top(tree, &root, c, err) < 0)
		return NULL;
	return vsl_steal_ptr(&c);
}

struct vsl_config *vsl_config_load(const char *path, struct vsl_err *err)
{
	cleanup_free char *buf = NULL;
	const char *base = strrchr(path, '/');
	size_t len = 0;

	if (vsl_read_file(path, &buf, &len, err) < 0)
		return NULL;
	return vsl_config_parse(buf, len, base ? base + 1 : path, err);
}

const char *vsl_config_annotation(const struct vsl_config *cfg, const char *key)
{
	for (size_t i = 0; i < cfg->n_annotations; i++)
		if (strcmp(cfg->annotations[i].key, key) == 0)
			return cfg->annotations[i].value;
	return NULL;
}

static void mount_clear(struct vsl_mount *m)
{
	free(m->destination);
	free(m->source);
	free(m->type);
	vsl_strv_free(m->options);
	free(m->uid_mappings);
	free(m->gid_mappings);
}

void vsl_config_free(struct vsl_config *c)
{
	if (!c)
		return;
	free(c->oci_version);
	vsl_process_clear(&c->process);
	free(c->root_path);
	free(c->hostname);
	free(c->domainname);
	for (size_t i = 0; i < c->n_mounts; i++)
		mount_clear(&c->mounts[i]);
	free(c->mounts);
	for (int k = 0; k < VSL_HOOK_KINDS; k++) {
		for (size_t i = 0; i < c->hooks[k].n; i++) {
			free(c->hooks[k].hooks[i].path);
			vsl_strv_free(c->hooks[k].hooks[i].args);
			vsl_strv_free(c->hooks[k].hooks[i].env);
		}
		free(c->hooks[k].hooks);
	}
	vsl_cfg_kv_free(c->annotations, c->n_annotations);
	vsl_cfg_linux_clear(&c->linux);
	free(c);
}

/* --- serialization --- */

static void gen_mounts(yajl_gen g, const struct vsl_config *c)
{
	if (!c->n_mounts)
		return;
	vsl_jgen_arr_open(g, "mounts");
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct vsl_mount *m = &c->mounts[i];
		vsl_jgen_map_open(g, NULL);
		vsl_jgen_str(g, "destination", m->destination);
		vsl_jgen_str(g, "type", m->type);
		vsl_jgen_str(g, "source", m->source);
		vsl_jgen_strv(g, "options", m->options);
		vsl_cfg_gen_id_mappings(g, "uidMappings", m->uid_mappings, m->n_uid_mappings);
		vsl_cfg_gen_id_mappings(g, "gidMappings", m->gid_mappings, m->n_gid_mappings);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_arr_close(g);
}

static void gen_hooks(yajl_gen g, const struct vsl_config *c)
{
	bool any = false;

	for (int k = 0; k < VSL_HOOK_KINDS; k++)
		any |= c->hooks[k].n > 0;
	if (!any)
		return;
	vsl_jgen_map_open(g, "hooks");
	for (int k = 0; k < VSL_HOOK_KINDS; k++) {
		if (!c->hooks[k].n)
			continue;
		vsl_jgen_arr_open(g, hook_names[k]);
		for (size_t i = 0; i < c->hooks[k].n; i++) {
			const struct vsl_hook *h = &c->hooks[k].hooks[i];
			vsl_jgen_map_open(g, NULL);
			vsl_jgen_str(g, "path", h->path);
			vsl_jgen_strv(g, "args", h->args);
			vsl_jgen_strv(g, "env", h->env);
			if (h->has_timeout)
				vsl_jgen_int(g, "timeout", h->timeout);
			vsl_jgen_map_close(g);
		}
		vsl_jgen_arr_close(g);
	}
	vsl_jgen_map_close(g);
}

char *vsl_config_to_json(const struct vsl_config *c, bool pretty)
{
	yajl_gen g = vsl_jgen_new(pretty);

	vsl_jgen_map_open(g, NULL);
	vsl_jgen_str(g, "ociVersion", c->oci_version);
	if (c->has_process)
		vsl_cfg_gen_process(g, &c->process);
	if (c->root_path) {
		vsl_jgen_map_open(g, "root");
		vsl_jgen_str(g, "path", c->root_path);
		if (c->root_readonly)
			vsl_jgen_bool(g, "readonly", true);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_str(g, "hostname", c->hostname);
	vsl_jgen_str(g, "domainname", c->domainname);
	gen_mounts(g, c);
	gen_hooks(g, c);
	if (c->n_annotations)
		vsl_cfg_gen_kv(g, "annotations", c->annotations, c->n_annotations);
	if (c->has_linux)
		vsl_cfg_gen_linux(g, &c->linux);
	vsl_jgen_map_close(g);
	return vsl_jgen_finish(g);
}
