/* vps.json <-> struct vsl_vps_def. Every member is checked where it is read, with the JSON
 * path in the message, and a member the definition does not know is refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "spec/json.h"
#include "spec/vps.h"

/* Refuse a member of obj that is not in known (NULL-terminated), or one given twice (the
 * tree would silently use the first). */
static int only_keys(yajl_val obj, const struct vsl_jpath *p, const char *const *known,
		     struct vsl_err *err)
{
	for (size_t i = 0; i < obj->u.object.len; i++) {
		const char *k = obj->u.object.keys[i];
		struct vsl_jpath kp = VSL_JPATH_KEY(p, k);
		size_t j = 0;

		while (known[j] && strcmp(known[j], k) != 0)
			j++;
		if (!known[j])
			return vsl_json_fail(err, &kp, "unknown field");
		for (j = 0; j < i; j++)
			if (strcmp(obj->u.object.keys[j], k) == 0)
				return vsl_json_fail(err, &kp, "duplicate field");
	}
	return 0;
}

/* "vps.json: limits.netRate": what the value checkers put before their message. */
static void where(const struct vsl_jpath *p, char *buf, size_t len)
{
	const struct vsl_jpath *root = p;
	char path[200];

	while (root->up)
		root = root->up;
	vsl_jpath_format(p, path, sizeof(path));
	snprintf(buf, len, "%s%s%s", root->key ? root->key : "", root->key ? ": " : "", path);
}

/* A string member checked by fn (what = its path). */
static int take_checked(yajl_val obj, const struct vsl_jpath *p, const char *key,
			unsigned flags, int (*fn)(const char *, const char *, struct vsl_err *),
			char **out, struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, key);
	char w[256];
	int r = vsl_json_take_str(obj, p, key, flags, out, err);

	if (r <= 0 || !fn)
		return r;
	where(&kp, w, sizeof(w));
	return fn(*out, w, err) < 0 ? -EINVAL : r;
}

static int parse_template(yajl_val root, const struct vsl_jpath *p, struct vsl_vps_def *d,
			  struct vsl_err *err)
{
	static const char *const known[] = { "name", "digest", NULL };
	struct vsl_jpath tp = VSL_JPATH_KEY(p, "template");
	yajl_val o = NULL;
	int r = vsl_json_obj(root, p, "template", VSL_JSON_REQUIRED, &o, err);

	if (r < 0 || only_keys(o, &tp, known, err) < 0)
		return -EINVAL;
	r = take_checked(o, &tp, "name", VSL_JSON_REQUIRED, vsl_vps_check_name,
			 &d->template_name, err);
	if (r >= 0)
		r = vsl_json_take_str(o, &tp, "digest", 0, &d->template_digest, err);
	if (r > 0 && strncmp(d->template_digest, "sha256:", 7) != 0) {
		struct vsl_jpath kp = VSL_JPATH_KEY(&tp, "digest");
		return vsl_json_fail(err, &kp, "\"%s\" is not sha256:<hex>", d->template_digest);
	}
	return r < 0 ? r : 0;
}

static int parse_init(yajl_val root, const struct vsl_jpath *p, struct vsl_vps_def *d,
		      struct vsl_err *err)
{
	static const char *const known[] = { "path", "kind", "haltSignal", NULL };
	struct vsl_jpath ip = VSL_JPATH_KEY(p, "init");
	struct vsl_jpath kp = VSL_JPATH_KEY(&ip, "kind");
	const char *kind = NULL;
	yajl_val o = NULL;
	int r = vsl_json_obj(root, p, "init", VSL_JSON_REQUIRED, &o, err);

	if (r < 0 || only_keys(o, &ip, known, err) < 0)
		return -EINVAL;
	r = vsl_json_take_str(o, &ip, "path", VSL_JSON_REQUIRED, &d->init, err);
	if (r > 0 && d->init[0] != '/') {
		struct vsl_jpath pp = VSL_JPATH_KEY(&ip, "path");
		return vsl_json_fail(err, &pp, "\"%s\" is not an absolute path", d->init);
	}
	if (r >= 0)
		r = vsl_json_str(o, &ip, "kind", VSL_JSON_REQUIRED, &kind, err);
	if (r < 0)
		return r;
	if (vsl_vps_init_kind_parse(kind) < 0)
		return vsl_json_fail(err, &kp, "unknown init kind \"%s\" (systemd, sysvinit, "
				     "busybox or other)", kind);
	d->init_kind = (enum vsl_vps_init_kind)vsl_vps_init_kind_parse(kind);
	r = take_checked(o, &ip, "haltSignal", VSL_JSON_REQUIRED, vsl_vps_check_signal,
			 &d->halt_signal, err);
	return r < 0 ? r : 0;
}

static int parse_cpus(yajl_val o, const struct vsl_jpath *p, uint32_t *out, struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, "cpus");
	yajl_val v = vsl_json_get(o, "cpus");
	char w[256];

	if (!v)
		return 0;
	if (vsl_json_want(v, yajl_t_number, &kp, err) < 0)
		return -EINVAL;
	where(&kp, w, sizeof(w));
	return vsl_vps_parse_cpus(v->u.number.r, w, out, err);
}

static int parse_limits(yajl_val root, const struct vsl_jpath *p, struct vsl_vps_limits *l,
			struct vsl_err *err)
{
	static const char *const known[] = { "memory", "swap", "cpus", "pids", "disk", "ioWeight",
					     "ioBps", "ioIops", "netRate", NULL };
	struct vsl_jpath lp = VSL_JPATH_KEY(p, "limits");
	yajl_val o = NULL;
	int r = vsl_json_obj(root, p, "limits", 0, &o, err);

	if (r <= 0)
		return r;
	if (only_keys(o, &lp, known, err) < 0)
		return -EINVAL;
	r = vsl_json_uint(o, &lp, "memory", 0, INT64_MAX, &l->memory, err);
	if (r >= 0)
		r = vsl_json_uint(o, &lp, "swap", 0, INT64_MAX, &l->swap, err);
	l->has_swap = r > 0;
	if (r >= 0)
		r = parse_cpus(o, &lp, &l->cpus_milli, err);
	if (r >= 0)
		r = vsl_json_uint(o, &lp, "pids", 0, INT64_MAX, &l->pids, err);
	if (r >= 0)
		r = vsl_json_uint(o, &lp, "disk", 0, INT64_MAX, &l->disk, err);
	if (r >= 0)
		r = vsl_json_u16(o, &lp, "ioWeight", 0, &l->io_weight, err);
	if (r >= 0)
		r = vsl_json_uint(o, &lp, "ioBps", 0, INT64_MAX, &l->io_bps, err);
	if (r >= 0)
		r = vsl_json_uint(o, &lp, "ioIops", 0, INT64_MAX, &l->io_iops, err);
	if (r >= 0) {
		cleanup_free char *rate = NULL;
		r = take_checked(o, &lp, "netRate", 0, NULL, &rate, err);
		if (r > 0) {
			struct vsl_jpath kp = VSL_JPATH_KEY(&lp, "netRate");
			char w[256];
			where(&kp, w, sizeof(w));
			r = vsl_vps_parse_rate(rate, w, &l->net_rate, err);
		}
	}
	return r < 0 ? r : 0;
}

static int parse_ports(yajl_val o, const struct vsl_jpath *np, struct vsl_vps_net *n,
		       struct vsl_err *err)
{
	struct vsl_jpath pp = VSL_JPATH_KEY(np, "ports");
	yajl_val a = NULL;
	int r = vsl_json_arr(o, np, "ports", 0, &a, err);

	if (r <= 0)
		return r;
	if (a->u.array.len > VSL_VPS_MAX_PORTS)
		return vsl_json_fail(err, &pp, "more than %d forwards", VSL_VPS_MAX_PORTS);
	n->ports = xzalloc((a->u.array.len + 1) * sizeof(*n->ports));
	for (size_t i = 0; i < a->u.array.len; i++) {
		struct vsl_jpath ep = VSL_JPATH_IDX(&pp, i);
		yajl_val v = a->u.array.values[i];
		char w[256];

		if (vsl_json_want(v, yajl_t_string, &ep, err) < 0)
			return -EINVAL;
		where(&ep, w, sizeof(w));
		if (vsl_vps_parse_port(v->u.string, w, &n->ports[i], err) < 0)
			return -EINVAL;
		n->n_ports = i + 1;
	}
	return 0;
}

static int parse_net(yajl_val root, const struct vsl_jpath *p, struct vsl_vps_net *n,
		     struct vsl_err *err)
{
	static const char *const known[] = { "name", "address", "ports", NULL };
	struct vsl_jpath np = VSL_JPATH_KEY(p, "network");
	yajl_val o = NULL;
	int r = vsl_json_obj(root, p, "network", 0, &o, err);

	if (r <= 0)
		return r;
	if (only_keys(o, &np, known, err) < 0)
		return -EINVAL;
	r = vsl_json_take_str(o, &np, "name", VSL_JSON_REQUIRED, &n->name, err);
	if (r >= 0)
		r = vsl_json_take_str(o, &np, "address", VSL_JSON_REQUIRED, &n->address, err);
	if (r >= 0)
		r = parse_ports(o, &np, n, err);
	return r < 0 ? r : 0;
}

static int parse_idmap(yajl_val root, const struct vsl_jpath *p, struct vsl_vps_idmap *m,
		       struct vsl_err *err)
{
	static const char *const known[] = { "hostUid", "hostGid", "size", NULL };
	struct vsl_jpath mp = VSL_JPATH_KEY(p, "idmap");
	yajl_val o = NULL;
	int r = vsl_json_obj(root, p, "idmap", 0, &o, err);

	if (r <= 0)
		return r;
	if (only_keys(o, &mp, known, err) < 0)
		return -EINVAL;
	r = vsl_json_u32(o, &mp, "hostUid", VSL_JSON_REQUIRED, &m->host_uid, err);
	if (r >= 0)
		r = vsl_json_u32(o, &mp, "hostGid", VSL_JSON_REQUIRED, &m->host_gid, err);
	if (r >= 0)
		r = vsl_json_u32(o, &mp, "size", VSL_JSON_REQUIRED, &m->size, err);
	return r < 0 ? r : 0;
}

static int parse_top(yajl_val root, const struct vsl_jpath *p, struct vsl_vps_def *d,
		     struct vsl_err *err)
{
	static const char *const known[] = { "vpsVersion", "name", "created", "uuid", "template",
					     "hostname", "init", "stopTimeout", "autostart",
					     "limits", "network", "idmap", NULL };
	uint64_t version = 0, timeout = VSL_VPS_STOP_TIMEOUT;
	int r;

	if (vsl_json_want(root, yajl_t_object, p, err) < 0 || only_keys(root, p, known, err) < 0)
		return -EINVAL;
	r = vsl_json_uint(root, p, "vpsVersion", VSL_JSON_REQUIRED, UINT32_MAX, &version, err);
	if (r > 0 && version != VSL_VPS_VERSION) {
		struct vsl_jpath kp = VSL_JPATH_KEY(p, "vpsVersion");
		return vsl_json_fail(err, &kp, "version %llu is not %d (a newer vessel wrote it?)",
				     (unsigned long long)version, VSL_VPS_VERSION);
	}
	if (r >= 0)
		r = take_checked(root, p, "name", VSL_JSON_REQUIRED, vsl_vps_check_name, &d->name,
				 err);
	if (r >= 0)
		r = vsl_json_take_str(root, p, "created", VSL_JSON_REQUIRED, &d->created, err);
	if (r >= 0)
		r = vsl_json_take_str(root, p, "uuid", VSL_JSON_REQUIRED, &d->uuid, err);
	if (r >= 0)
		r = parse_template(root, p, d, err);
	if (r >= 0)
		r = take_checked(root, p, "hostname", VSL_JSON_REQUIRED, vsl_vps_check_hostname,
				 &d->hostname, err);
	if (r >= 0)
		r = parse_init(root, p, d, err);
	if (r >= 0)
		r = vsl_json_uint(root, p, "stopTimeout", 0, VSL_VPS_STOP_TIMEOUT_MAX, &timeout,
				  err);
	d->stop_timeout = (uint32_t)timeout;
	if (r >= 0)
		r = vsl_json_bool(root, p, "autostart", 0, &d->autostart, err);
	if (r >= 0)
		r = parse_limits(root, p, &d->limits, err);
	if (r >= 0)
		r = parse_net(root, p, &d->net, err);
	if (r >= 0)
		r = parse_idmap(root, p, &d->idmap, err);
	return r < 0 ? r : 0;
}

int vsl_vps_def_parse(const char *json, size_t len, const char *name, struct vsl_vps_def *out,
		      struct vsl_err *err)
{
	struct vsl_jpath root = VSL_JPATH_ROOT(name);
	cleanup_json yajl_val tree = vsl_json_parse(json, len, name, err);
	int r;

	memset(out, 0, sizeof(*out));
	if (!tree)
		return -EINVAL;
	r = parse_top(tree, &root, out, err);
	if (r == 0)
		r = vsl_vps_def_check(out, name, err);
	if (r < 0)
		vsl_vps_def_clear(out);
	return r;
}
