/* The linux object of config.json: namespaces, id mappings, time offsets, devices, sysctl,
 * propagation, masked/readonly paths, personality, intelRdt, netDevices; resources and
 * seccomp are delegated to config_resources.c and config_seccomp.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "spec/config_internal.h"

/* The spec lists the first four; the recursive forms are accepted as runc and crun do. */
static const char *const propagations[] = { "private",	"shared",  "slave",  "unbindable",
					    "rprivate", "rshared", "rslave", "runbindable" };

/* Both ranges of a mapping stay inside 0..VSL_ID_MAX: first + size - 1 may not pass it. */
static int parse_mapping(yajl_val o, const struct vsl_jpath *p, void *elem, struct vsl_err *err)
{
	struct vsl_jpath sp = VSL_JPATH_KEY(p, "size");
	struct vsl_id_mapping *m = elem;
	uint64_t size = 0;

	if (vsl_json_id(o, p, "containerID", VSL_JSON_REQUIRED, &m->container_id, err) < 0 ||
	    vsl_json_id(o, p, "hostID", VSL_JSON_REQUIRED, &m->host_id, err) < 0 ||
	    vsl_json_uint(o, p, "size", VSL_JSON_REQUIRED, (uint64_t)VSL_ID_MAX + 1, &size,
			  err) < 0)
		return -EINVAL;
	m->size = (uint32_t)size;
	if (m->size == 0)
		return vsl_json_fail(err, &sp, "must be at least 1");
	if (size - 1 > VSL_ID_MAX - m->container_id)
		return vsl_json_fail(err, &sp, "%u ids from containerID %u go past %u", m->size,
				     m->container_id, VSL_ID_MAX);
	if (size - 1 > VSL_ID_MAX - m->host_id)
		return vsl_json_fail(err, &sp, "%u ids from hostID %u go past %u", m->size,
				     m->host_id, VSL_ID_MAX);
	return 0;
}

int vsl_cfg_parse_id_mappings(yajl_val obj, const struct vsl_jpath *p, const char *key,
			      struct vsl_id_mapping **out, size_t *n, struct vsl_err *err)
{
	return vsl_json_objects(obj, p, key, sizeof(**out), parse_mapping, (void **)out, n, err);
}

int vsl_cfg_parse_kv(yajl_val obj, const struct vsl_jpath *p, const char *key,
		     struct vsl_kv **out, size_t *n, struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, key);
	yajl_val o = NULL;
	size_t len;
	int r = vsl_json_obj(obj, p, key, 0, &o, err);

	if (r <= 0)
		return r;
	len = o->u.object.len;
	*out = xzalloc(len * sizeof(**out));
	*n = len;
	for (size_t i = 0; i < len; i++) {
		const char *k = o->u.object.keys[i];
		struct vsl_jpath ep = VSL_JPATH_KEY(&kp, k);
		yajl_val v = o->u.object.values[i];
		if (!k[0])
			return vsl_json_fail(err, &kp, "keys must not be empty");
		if (vsl_json_want(v, yajl_t_string, &ep, err) < 0)
			return -EINVAL;
		(*out)[i].key = xstrdup(k);
		(*out)[i].value = vsl_json_take(v);
	}
	return 1;
}

void vsl_cfg_kv_free(struct vsl_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

int vsl_cfg_check_abs(char *const *v, const struct vsl_jpath *p, const char *key,
		      struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, key);

	for (size_t i = 0; v && v[i]; i++)
		if (v[i][0] != '/') {
			struct vsl_jpath ip = VSL_JPATH_IDX(&kp, i);
			return vsl_json_fail(err, &ip, "\"%s\" is not an absolute path", v[i]);
		}
	return 0;
}

static int parse_namespaces(yajl_val lo, const struct vsl_jpath *p, struct vsl_linux *l,
			    struct vsl_err *err)
{
	struct vsl_jpath np = VSL_JPATH_KEY(p, "namespaces");
	yajl_val a = NULL;
	int r = vsl_json_arr(lo, p, "namespaces", 0, &a, err);

	for (size_t i = 0; r > 0 && i < a->u.array.len; i++) {
		struct vsl_jpath ip = VSL_JPATH_IDX(&np, i);
		struct vsl_jpath tp = VSL_JPATH_KEY(&ip, "type");
		struct vsl_jpath pp = VSL_JPATH_KEY(&ip, "path");
		yajl_val o = a->u.array.values[i];
		const char *type = NULL;
		char *path = NULL;
		int t;
		if (vsl_json_want(o, yajl_t_object, &ip, err) < 0 ||
		    vsl_json_str(o, &ip, "type", VSL_JSON_REQUIRED, &type, err) < 0)
			return -EINVAL;
		t = vsl_ns_from_name(type);
		if (t < 0)
			return vsl_json_fail(err, &tp, "unknown namespace \"%s\"", type);
		if (l->namespaces[t].present)
			return vsl_json_fail(err, &tp, "duplicate namespace \"%s\"", type);
		l->namespaces[t].present = true;
		if (vsl_json_take_str(o, &ip, "path", 0, &path, err) < 0)
			return -EINVAL;
		l->namespaces[t].path = path;
		if (path && path[0] != '/')
			return vsl_json_fail(err, &pp, "\"%s\" is not an absolute path", path);
	}
	return r < 0 ? r : 0;
}

static int parse_time_offsets(yajl_val lo, const struct vsl_jpath *p, struct vsl_linux *l,
			      struct vsl_err *err)
{
	struct vsl_jpath tp = VSL_JPATH_KEY(p, "timeOffsets");
	yajl_val o = NULL;
	int r = vsl_json_obj(lo, p, "timeOffsets", 0, &o, err);

	for (size_t i = 0; r > 0 && i < o->u.object.len; i++) {
		const char *clock = o->u.object.keys[i];
		struct vsl_jpath cp = VSL_JPATH_KEY(&tp, clock);
		yajl_val v = o->u.object.values[i];
		struct vsl_time_offset *t;
		if (strcmp(clock, "monotonic") == 0)
			t = &l->time_monotonic;
		else if (strcmp(clock, "boottime") == 0)
			t = &l->time_boottime;
		else
			return vsl_json_fail(err, &cp, "unknown clock (monotonic or boottime)");
		if (vsl_json_want(v, yajl_t_object, &cp, err) < 0 ||
		    vsl_json_int(v, &cp, "secs", 0, INT64_MIN, INT64_MAX, &t->secs, err) < 0 ||
		    vsl_json_u32(v, &cp, "nanosecs", 0, &t->nanosecs, err) < 0)
			return -EINVAL;
		if (t->nanosecs >= 1000000000u) {
			struct vsl_jpath np = VSL_JPATH_KEY(&cp, "nanosecs");
			return vsl_json_fail(err, &np, "must be below 1000000000");
		}
		t->set = true;
	}
	return r < 0 ? r : 0;
}

static int parse_device(yajl_val o, const struct vsl_jpath *p, void *elem, struct vsl_err *err)
{
	struct vsl_jpath tp = VSL_JPATH_KEY(p, "type");
	struct vsl_jpath pp = VSL_JPATH_KEY(p, "path");
	struct vsl_device *d = elem;
	unsigned need;
	int r;

	if (vsl_json_take_str(o, p, "type", VSL_JSON_REQUIRED, &d->type, err) < 0 ||
	    vsl_json_take_str(o, p, "path", VSL_JSON_REQUIRED, &d->path, err) < 0)
		return -EINVAL;
	if (strlen(d->type) != 1 || !strchr("cbup", d->type[0]))
		return vsl_json_fail(err, &tp, "unknown device type \"%s\" (c, b, u or p)",
				     d->type);
	if (d->path[0] != '/')
		return vsl_json_fail(err, &pp, "\"%s\" is not an absolute path", d->path);
	need = d->type[0] == 'p' ? 0 : VSL_JSON_REQUIRED;
	if (vsl_json_int(o, p, "major", need, INT64_MIN, INT64_MAX, &d->major, err) < 0 ||
	    vsl_json_int(o, p, "minor", need, INT64_MIN, INT64_MAX, &d->minor, err) < 0)
		return -EINVAL;
	r = vsl_json_u32(o, p, "fileMode", 0, &d->file_mode, err);
	if (r < 0)
		return r;
	d->has_file_mode = r;
	r = vsl_json_id(o, p, "uid", 0, &d->uid, err);
	if (r < 0)
		return r;
	d->has_uid = r;
	r = vsl_json_id(o, p, "gid", 0, &d->gid, err);
	if (r < 0)
		return r;
	d->has_gid = r;
	return 0;
}

static int parse_personality(yajl_val lo, const struct vsl_jpath *p, struct vsl_linux *l,
			     struct vsl_err *err)
{
	struct vsl_jpath pp = VSL_JPATH_KEY(p, "personality");
	struct vsl_jpath dp = VSL_JPATH_KEY(&pp, "domain");
	struct vsl_jpath fp = VSL_JPATH_KEY(&pp, "flags");
	yajl_val o = NULL;
	int r = vsl_json_obj(lo, p, "personality", 0, &o, err);

	if (r <= 0)
		return r;
	l->has_personality = true;
	if (vsl_json_take_str(o, &pp, "domain", VSL_JSON_REQUIRED, &l->personality_domain,
			      err) < 0 ||
	    vsl_json_take_strv(o, &pp, "flags", 0, &l->personality_flags, err) < 0)
		return -EINVAL;
	if (strcmp(l->personality_domain, "LINUX") && strcmp(l->personality_domain, "LINUX32"))
		return vsl_json_fail(err, &dp, "unknown domain \"%s\" (LINUX or LINUX32)",
				     l->personality_domain);
	if (l->personality_flags && l->personality_flags[0]) {
		struct vsl_jpath ip = VSL_JPATH_IDX(&fp, 0);
		return vsl_json_fail(err, &ip, "unsupported flag \"%s\"", l->personality_flags[0]);
	}
	return 0;
}

static int parse_intel_rdt(yajl_val lo, const struct vsl_jpath *p, struct vsl_linux *l,
			   struct vsl_err *err)
{
	struct vsl_jpath ip = VSL_JPATH_KEY(p, "intelRdt");
	struct vsl_jpath mp = VSL_JPATH_KEY(&ip, "memBwSchema");
	struct vsl_intel_rdt *rdt = &l->intel_rdt;
	yajl_val o = NULL;
	int r = vsl_json_obj(lo, p, "intelRdt", 0, &o, err);

	if (r <= 0)
		return r;
	l->has_intel_rdt = true;
	if (vsl_json_take_str(o, &ip, "closID", 0, &rdt->clos_id, err) < 0 ||
	    vsl_json_take_str(o, &ip, "l3CacheSchema", 0, &rdt->l3_cache_schema, err) < 0 ||
	    vsl_json_take_str(o, &ip, "memBwSchema", 0, &rdt->mem_bw_schema, err) < 0 ||
	    vsl_json_bool(o, &ip, "enableCMT", 0, &rdt->enable_cmt, err) < 0 ||
	    vsl_json_bool(o, &ip, "enableMBM", 0, &rdt->enable_mbm, err) < 0)
		return -EINVAL;
	if (rdt->mem_bw_schema &&
	    (!vsl_str_has_prefix(rdt->mem_bw_schema, "MB:") || strchr(rdt->mem_bw_schema, '\n')))
		return vsl_json_fail(err, &mp, "must start with \"MB:\" and hold one line");
	return 0;
}

static bool ifname_ok(const char *s)
{
	return s[0] && strlen(s) < 16 && !strpbrk(s, "/: \t\n") && strcmp(s, ".") &&
	       strcmp(s, "..");
}

/* netDevices: {"eth0": {"name": "ctr0"}} -> kv host name -> container name ("" = same). */
static int parse_net_devices(yajl_val lo, const struct vsl_jpath *p, struct vsl_linux *l,
			     struct vsl_err *err)
{
	struct vsl_jpath np = VSL_JPATH_KEY(p, "netDevices");
	yajl_val o = NULL;
	int r = vsl_json_obj(lo, p, "netDevices", 0, &o, err);

	if (r <= 0)
		return r;
	l->net_devices = xzalloc(o->u.object.len * sizeof(struct vsl_kv));
	l->n_net_devices = o->u.object.len;
	for (size_t i = 0; i < o->u.object.len; i++) {
		const char *host = o->u.object.keys[i];
		struct vsl_jpath dp = VSL_JPATH_KEY(&np, host);
		struct vsl_jpath namep = VSL_JPATH_KEY(&dp, "name");
		struct vsl_kv *kv = &l->net_devices[i];
		yajl_val v = o->u.object.values[i];
		kv->key = xstrdup(host);
		if (!ifname_ok(host))
			return vsl_json_fail(err, &dp, "not a valid interface name");
		if (vsl_json_want(v, yajl_t_object, &dp, err) < 0 ||
		    vsl_json_take_str(v, &dp, "name", 0, &kv->value, err) < 0)
			return -EINVAL;
		if (!kv->value)
			kv->value = xstrdup("");
		else if (!ifname_ok(kv->value))
			return vsl_json_fail(err, &namep, "\"%s\" is not a valid interface name",
					     kv->value);
	}
	return 0;
}

static int parse_sub(yajl_val lo, const struct vsl_jpath *p, struct vsl_linux *l,
		     struct vsl_err *err)
{
	struct vsl_jpath rp = VSL_JPATH_KEY(p, "resources");
	struct vsl_jpath sp = VSL_JPATH_KEY(p, "seccomp");
	yajl_val o = NULL;
	int r = vsl_json_obj(lo, p, "resources", 0, &o, err);

	if (r > 0) {
		l->has_resources = true;
		r = vsl_cfg_parse_resources(o, &rp, &l->resources, err);
	}
	if (r < 0)
		return r;
	r = vsl_json_obj(lo, p, "seccomp", 0, &o, err);
	if (r > 0) {
		l->has_seccomp = true;
		r = vsl_cfg_parse_seccomp(o, &sp, &l->seccomp, err);
	}
	return r < 0 ? r : 0;
}

int vsl_cfg_parse_linux(yajl_val o, const struct vsl_jpath *p, struct vsl_linux *l,
			struct vsl_err *err)
{
	struct vsl_jpath pp = VSL_JPATH_KEY(p, "rootfsPropagation");
	size_t i;

	if (parse_namespaces(o, p, l, err) < 0 ||
	    vsl_cfg_parse_id_mappings(o, p, "uidMappings", &l->uid_mappings, &l->n_uid_mappings,
				      err) < 0 ||
	    vsl_cfg_parse_id_mappings(o, p, "gidMappings", &l->gid_mappings, &l->n_gid_mappings,
				      err) < 0 ||
	    parse_time_offsets(o, p, l, err) < 0 ||
	    vsl_json_objects(o, p, "devices", sizeof(struct vsl_device), parse_device,
			     (void **)&l->devices, &l->n_devices, err) < 0 ||
	    vsl_json_take_str(o, p, "cgroupsPath", 0, &l->cgroups_path, err) < 0 ||
	    parse_sub(o, p, l, err) < 0 ||
	    vsl_cfg_parse_kv(o, p, "sysctl", &l->sysctl, &l->n_sysctl, err) < 0 ||
	    vsl_json_take_str(o, p, "rootfsPropagation", 0, &l->rootfs_propagation, err) < 0 ||
	    vsl_json_take_strv(o, p, "maskedPaths", 0, &l->masked_paths, err) < 0 ||
	    vsl_cfg_check_abs(l->masked_paths, p, "maskedPaths", err) < 0 ||
	    vsl_json_take_strv(o, p, "readonlyPaths", 0, &l->readonly_paths, err) < 0 ||
	    vsl_cfg_check_abs(l->readonly_paths, p, "readonlyPaths", err) < 0 ||
	    vsl_json_take_str(o, p, "mountLabel", 0, &l->mount_label, err) < 0 ||
	    parse_personality(o, p, l, err) < 0 || parse_intel_rdt(o, p, l, err) < 0 ||
	    parse_net_devices(o, p, l, err) < 0)
		return -EINVAL;
	for (i = 0; l->rootfs_propagation && i < ARRAY_SIZE(propagations); i++)
		if (strcmp(l->rootfs_propagation, propagations[i]) == 0)
			break;
	if (i == ARRAY_SIZE(propagations))
		return vsl_json_fail(err, &pp,
				     "unknown propagation \"%s\" (private, shared, slave or "
				     "unbindable)",
				     l->rootfs_propagation);
	return 0;
}

void vsl_cfg_linux_clear(struct vsl_linux *l)
{
	for (int t = 0; t < VSL_NS_TYPES; t++)
		free(l->namespaces[t].path);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; i < l->n_devices; i++) {
		free(l->devices[i].type);
		free(l->devices[i].path);
	}
	free(l->devices);
	free(l->cgroups_path);
	vsl_cfg_resources_clear(&l->resources);
	vsl_cfg_kv_free(l->sysctl, l->n_sysctl);
	vsl_cfg_seccomp_clear(&l->seccomp);
	free(l->rootfs_propagation);
	vsl_strv_free(l->masked_paths);
	vsl_strv_free(l->readonly_paths);
	free(l->mount_label);
	free(l->personality_domain);
	vsl_strv_free(l->personality_flags);
	free(l->intel_rdt.clos_id);
	free(l->intel_rdt.l3_cache_schema);
	free(l->intel_rdt.mem_bw_schema);
	vsl_cfg_kv_free(l->net_devices, l->n_net_devices);
	memset(l, 0, sizeof(*l));
}

/* --- serialization --- */

void vsl_cfg_gen_id_mappings(yajl_gen g, const char *key, const struct vsl_id_mapping *m,
			     size_t n)
{
	if (!n)
		return;
	vsl_jgen_arr_open(g, key);
	for (size_t i = 0; i < n; i++) {
		vsl_jgen_map_open(g, NULL);
		vsl_jgen_uint(g, "containerID", m[i].container_id);
		vsl_jgen_uint(g, "hostID", m[i].host_id);
		vsl_jgen_uint(g, "size", m[i].size);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_arr_close(g);
}

void vsl_cfg_gen_kv(yajl_gen g, const char *key, const struct vsl_kv *kv, size_t n)
{
	vsl_jgen_map_open(g, key);
	for (size_t i = 0; i < n; i++)
		vsl_jgen_str(g, kv[i].key, kv[i].value);
	vsl_jgen_map_close(g);
}

static void gen_namespaces_devices(yajl_gen g, const struct vsl_linux *l)
{
	bool any = false;

	for (int t = 0; t < VSL_NS_TYPES; t++)
		any |= l->namespaces[t].present;
	if (any) {
		vsl_jgen_arr_open(g, "namespaces");
		for (int t = 0; t < VSL_NS_TYPES; t++) {
			if (!l->namespaces[t].present)
				continue;
			vsl_jgen_map_open(g, NULL);
			vsl_jgen_str(g, "type", vsl_ns_name(t));
			vsl_jgen_str(g, "path", l->namespaces[t].path);
			vsl_jgen_map_close(g);
		}
		vsl_jgen_arr_close(g);
	}
	if (!l->n_devices)
		return;
	vsl_jgen_arr_open(g, "devices");
	for (size_t i = 0; i < l->n_devices; i++) {
		const struct vsl_device *d = &l->devices[i];
		vsl_jgen_map_open(g, NULL);
		vsl_jgen_str(g, "path", d->path);
		vsl_jgen_str(g, "type", d->type);
		if (d->type[0] != 'p' || d->major || d->minor) {
			vsl_jgen_int(g, "major", d->major);
			vsl_jgen_int(g, "minor", d->minor);
		}
		if (d->has_file_mode)
			vsl_jgen_uint(g, "fileMode", d->file_mode);
		if (d->has_uid)
			vsl_jgen_uint(g, "uid", d->uid);
		if (d->has_gid)
			vsl_jgen_uint(g, "gid", d->gid);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_arr_close(g);
}

static void gen_time(yajl_gen g, const char *key, const struct vsl_time_offset *t)
{
	if (!t->set)
		return;
	vsl_jgen_map_open(g, key);
	vsl_jgen_int(g, "secs", t->secs);
	vsl_jgen_uint(g, "nanosecs", t->nanosecs);
	vsl_jgen_map_close(g);
}

static void gen_tail(yajl_gen g, const struct vsl_linux *l)
{
	if (l->has_intel_rdt) {
		vsl_jgen_map_open(g, "intelRdt");
		vsl_jgen_str(g, "closID", l->intel_rdt.clos_id);
		vsl_jgen_str(g, "l3CacheSchema", l->intel_rdt.l3_cache_schema);
		vsl_jgen_str(g, "memBwSchema", l->intel_rdt.mem_bw_schema);
		if (l->intel_rdt.enable_cmt)
			vsl_jgen_bool(g, "enableCMT", true);
		if (l->intel_rdt.enable_mbm)
			vsl_jgen_bool(g, "enableMBM", true);
		vsl_jgen_map_close(g);
	}
	if (l->has_personality) {
		vsl_jgen_map_open(g, "personality");
		vsl_jgen_str(g, "domain", l->personality_domain);
		vsl_jgen_strv(g, "flags", l->personality_flags);
		vsl_jgen_map_close(g);
	}
	if (l->time_monotonic.set || l->time_boottime.set) {
		vsl_jgen_map_open(g, "timeOffsets");
		gen_time(g, "monotonic", &l->time_monotonic);
		gen_time(g, "boottime", &l->time_boottime);
		vsl_jgen_map_close(g);
	}
	if (l->n_net_devices) {
		vsl_jgen_map_open(g, "netDevices");
		for (size_t i = 0; i < l->n_net_devices; i++) {
			vsl_jgen_map_open(g, l->net_devices[i].key);
			if (l->net_devices[i].value[0])
				vsl_jgen_str(g, "name", l->net_devices[i].value);
			vsl_jgen_map_close(g);
		}
		vsl_jgen_map_close(g);
	}
}

void vsl_cfg_gen_linux(yajl_gen g, const struct vsl_linux *l)
{
	vsl_jgen_map_open(g, "linux");
	vsl_cfg_gen_id_mappings(g, "uidMappings", l->uid_mappings, l->n_uid_mappings);
	vsl_cfg_gen_id_mappings(g, "gidMappings", l->gid_mappings, l->n_gid_mappings);
	if (l->n_sysctl)
		vsl_cfg_gen_kv(g, "sysctl", l->sysctl, l->n_sysctl);
	if (l->has_resources)
		vsl_cfg_gen_resources(g, &l->resources);
	vsl_jgen_str(g, "cgroupsPath", l->cgroups_path);
	gen_namespaces_devices(g, l);
	if (l->has_seccomp)
		vsl_cfg_gen_seccomp(g, &l->seccomp);
	vsl_jgen_str(g, "rootfsPropagation", l->rootfs_propagation);
	vsl_jgen_strv(g, "maskedPaths", l->masked_paths);
	vsl_jgen_strv(g, "readonlyPaths", l->readonly_paths);
	vsl_jgen_str(g, "mountLabel", l->mount_label);
	gen_tail(g, l);
	vsl_jgen_map_close(g);
}
