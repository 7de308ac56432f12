/* linux.resources of config.json: device rules, memory, cpu, blockIO, hugepage limits,
 * network, pids, rdma and unified. Values are checked against the spec's types and the
 * ranges it states; converting them for cgroup v1/v2 is cgroup/'s job. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "spec/config_internal.h"

#define REQ VSL_JSON_REQUIRED

static int parse_dev_rule(yajl_val o, const struct vsl_jpath *p, void *elem,
			  struct vsl_err *err)
{
	struct vsl_jpath tp = VSL_JPATH_KEY(p, "type");
	struct vsl_jpath ap = VSL_JPATH_KEY(p, "access");
	struct vsl_device_rule *d = elem;
	int r;

	if (vsl_json_bool(o, p, "allow", REQ, &d->allow, err) < 0 ||
	    vsl_json_take_str(o, p, "type", 0, &d->type, err) < 0 ||
	    vsl_json_take_str(o, p, "access", 0, &d->access, err) < 0)
		return -EINVAL;
	if (d->type && (strlen(d->type) != 1 || !strchr("acb", d->type[0])))
		return vsl_json_fail(err, &tp, "unknown device type \"%s\" (a, c or b)", d->type);
	if (d->access && d->access[strspn(d->access, "rwm")])
		return vsl_json_fail(err, &ap, "\"%s\" is not a combination of r, w and m",
				     d->access);
	r = vsl_json_int(o, p, "major", 0, INT64_MIN, INT64_MAX, &d->major, err);
	if (r < 0)
		return r;
	d->has_major = r;
	r = vsl_json_int(o, p, "minor", 0, INT64_MIN, INT64_MAX, &d->minor, err);
	if (r < 0)
		return r;
	d->has_minor = r;
	return 0;
}

/* An optional int64 member with its has_ flag; memory values are bytes or -1. */
static int opt_i64(yajl_val o, const struct vsl_jpath *p, const char *key, int64_t min,
		   bool *has, int64_t *out, struct vsl_err *err)
{
	int r = vsl_json_int(o, p, key, 0, min, INT64_MAX, out, err);
	if (r >= 0)
		*has = r;
	return r;
}

static int opt_u64(yajl_val o, const struct vsl_jpath *p, const char *key, uint64_t max,
		   bool *has, uint64_t *out, struct vsl_err *err)
{
	int r = vsl_json_uint(o, p, key, 0, max, out, err);
	if (r >= 0)
		*has = r;
	return r;
}

static int opt_bool(yajl_val o, const struct vsl_jpath *p, const char *key, bool *has,
		    bool *out, struct vsl_err *err)
{
	int r = vsl_json_bool(o, p, key, 0, out, err);
	if (r >= 0)
		*has = r;
	return r;
}

static int parse_memory(yajl_val o, const struct vsl_jpath *p, struct vsl_memory *m,
			struct vsl_err *err)
{
	if (opt_i64(o, p, "limit", -1, &m->has_limit, &m->limit, err) < 0 ||
	    opt_i64(o, p, "reservation", -1, &m->has_reservation, &m->reservation, err) < 0 ||
	    opt_i64(o, p, "swap", -1, &m->has_swap, &m->swap, err) < 0 ||
	    opt_i64(o, p, "kernel", -1, &m->has_kernel, &m->kernel, err) < 0 ||
	    opt_i64(o, p, "kernelTCP", -1, &m->has_kernel_tcp, &m->kernel_tcp, err) < 0 ||
	    opt_u64(o, p, "swappiness", 100, &m->has_swappiness, &m->swappiness, err) < 0 ||
	    opt_bool(o, p, "disableOOMKiller", &m->has_disable_oom_killer,
		     &m->disable_oom_killer, err) < 0 ||
	    opt_bool(o, p, "useHierarchy", &m->has_use_hierarchy, &m->use_hierarchy, err) < 0 ||
	    opt_bool(o, p, "checkBeforeUpdate", &m->has_check_before_update,
		     &m->check_before_update, err) < 0)
		return -EINVAL;
	return 0;
}

static int check_list(const char *s, const struct vsl_jpath *p, const char *key,
		      struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, key);

	if (s && s[strspn(s, "0123456789,-")])
		return vsl_json_fail(err, &kp, "\"%s\" is not a list like 0-3,7", s);
	return 0;
}

static int parse_cpu(yajl_val o, const struct vsl_jpath *p, struct vsl_cpu *c,
		     struct vsl_err *err)
{
	if (opt_u64(o, p, "shares", UINT64_MAX, &c->has_shares, &c->shares, err) < 0 ||
	    opt_i64(o, p, "quota", INT64_MIN, &c->has_quota, &c->quota, err) < 0 ||
	    opt_u64(o, p, "burst", UINT64_MAX, &c->has_burst, &c->burst, err) < 0 ||
	    opt_u64(o, p, "period", UINT64_MAX, &c->has_period, &c->period, err) < 0 ||
	    opt_i64(o, p, "realtimeRuntime", INT64_MIN, &c->has_rt_runtime, &c->rt_runtime,
		    err) < 0 ||
	    opt_u64(o, p, "realtimePeriod", UINT64_MAX, &c->has_rt_period, &c->rt_period,
		    err) < 0 ||
	    opt_i64(o, p, "idle", INT64_MIN, &c->has_idle, &c->idle, err) < 0 ||
	    vsl_json_take_str(o, p, "cpus", 0, &c->cpus, err) < 0 ||
	    vsl_json_take_str(o, p, "mems", 0, &c->mems, err) < 0 ||
	    check_list(c->cpus, p, "cpus", err) < 0 || check_list(c->mems, p, "mems", err) < 0)
		return -EINVAL;
	if (c->has_burst && c->has_quota && c->quota > 0 && c->burst > (uint64_t)c->quota) {
		struct vsl_jpath bp = VSL_JPATH_KEY(p, "burst");
		return vsl_json_fail(err, &bp, "%llu is larger than quota %lld",
				     (unsigned long long)c->burst, (long long)c->quota);
	}
	return 0;
}

static int parse_dev_numbers(yajl_val o, const struct vsl_jpath *p, int64_t *major,
			     int64_t *minor, struct vsl_err *err)
{
	if (vsl_json_int(o, p, "major", REQ, INT64_MIN, INT64_MAX, major, err) < 0 ||
	    vsl_json_int(o, p, "minor", REQ, INT64_MIN, INT64_MAX, minor, err) < 0)
		return -EINVAL;
	return 0;
}

static int parse_weight_dev(yajl_val o, const struct vsl_jpath *p, void *elem,
			    struct vsl_err *err)
{
	struct vsl_weight_device *w = elem;
	int r;

	if (parse_dev_numbers(o, p, &w->major, &w->minor, err) < 0)
		return -EINVAL;
	r = vsl_json_u16(o, p, "weight", 0, &w->weight, err);
	if (r < 0)
		return r;
	w->has_weight = r;
	r = vsl_json_u16(o, p, "leafWeight", 0, &w->leaf_weight, err);
	if (r < 0)
		return r;
	w->has_leaf_weight = r;
	if (!w->has_weight && !w->has_leaf_weight)
		return vsl_json_fail(err, p, "needs weight or leafWeight");
	return 0;
}

static int parse_throttle(yajl_val o, const struct vsl_jpath *p, void *elem,
			  struct vsl_err *err)
{
	struct vsl_throttle_device *t = elem;

	if (parse_dev_numbers(o, p, &t->major, &t->minor, err) < 0 ||
	    vsl_json_uint(o, p, "rate", REQ, UINT64_MAX, &t->rate, err) < 0)
		return -EINVAL;
	return 0;
}

static int parse_blkio(yajl_val o, const struct vsl_jpath *p, struct vsl_block_io *b,
		       struct vsl_err *err)
{
	int r = vsl_json_u16(o, p, "weight", 0, &b->weight, err);

	if (r < 0)
		return r;
	b->has_weight = r;
	r = vsl_json_u16(o, p, "leafWeight", 0, &b->leaf_weight, err);
	if (r < 0)
		return r;
	b->has_leaf_weight = r;
	if (vsl_json_objects(o, p, "weightDevice", sizeof(*b->weight_device), parse_weight_dev,
			     (void **)&b->weight_device, &b->n_weight_device, err) < 0 ||
	    vsl_json_objects(o, p, "throttleReadBpsDevice", sizeof(struct vsl_throttle_device),
			     parse_throttle, (void **)&b->throttle_read_bps,
			     &b->n_throttle_read_bps, err) < 0 ||
	    vsl_json_objects(o, p, "throttleWriteBpsDevice", sizeof(struct vsl_throttle_device),
			     parse_throttle, (void **)&b->throttle_write_bps,
			     &b->n_throttle_write_bps, err) < 0 ||
	    vsl_json_objects(o, p, "throttleReadIOPSDevice", sizeof(struct vsl_throttle_device),
			     parse_throttle, (void **)&b->throttle_read_iops,
			     &b->n_throttle_read_iops, err) < 0 ||
	    vsl_json_objects(o, p, "throttleWriteIOPSDevice", sizeof(struct vsl_throttle_device),
			     parse_throttle, (void **)&b->throttle_write_iops,
			     &b->n_throttle_write_iops, err) < 0)
		return -EINVAL;
	return 0;
}

/* pageSize: ^[1-9][0-9]*[KMG]B$ */
static bool page_size_ok(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return s[0] >= '1' && s[0] <= '9' && s[n] && strchr("KMG", s[n]) && s[n + 1] == 'B' &&
	       s[n + 2] == '\0';
}

static int parse_hugepage(yajl_val o, const struct vsl_jpath *p, void *elem,
			  struct vsl_err *err)
{
	struct vsl_jpath sp = VSL_JPATH_KEY(p, "pageSize");
	struct vsl_hugepage_limit *h = elem;

	if (vsl_json_take_str(o, p, "pageSize", REQ, &h->page_size, err) < 0 ||
	    vsl_json_uint(o, p, "limit", REQ, UINT64_MAX, &h->limit, err) < 0)
		return -EINVAL;
	if (!page_size_ok(h->page_size))
		return vsl_json_fail(err, &sp, "\"%s\" is not a page size like 2MB",
				     h->page_size);
	return 0;
}

static int parse_prio(yajl_val o, const struct vsl_jpath *p, void *elem, struct vsl_err *err)
{
	struct vsl_net_priority *n = elem;

	if (vsl_json_take_str(o, p, "name", REQ, &n->name, err) < 0 ||
	    vsl_json_u32(o, p, "priority", REQ, &n->priority, err) < 0)
		return -EINVAL;
	return 0;
}

static int parse_rdma(yajl_val ro, const struct vsl_jpath *p, struct vsl_resources *res,
		      struct vsl_err *err)
{
	struct vsl_jpath rp = VSL_JPATH_KEY(p, "rdma");
	yajl_val o = NULL;
	int r = vsl_json_obj(ro, p, "rdma", 0, &o, err);

	if (r <= 0)
		return r;
	res->rdma = xzalloc(o->u.object.len * sizeof(*res->rdma));
	res->n_rdma = o->u.object.len;
	for (size_t i = 0; i < o->u.object.len; i++) {
		struct vsl_rdma_limit *l = &res->rdma[i];
		struct vsl_jpath dp = VSL_JPATH_KEY(&rp, o->u.object.keys[i]);
		yajl_val v = o->u.object.values[i];
		l->device = xstrdup(o->u.object.keys[i]);
		if (vsl_json_want(v, yajl_t_object, &dp, err) < 0)
			return -EINVAL;
		r = vsl_json_u32(v, &dp, "hcaHandles", 0, &l->hca_handles, err);
		if (r < 0)
			return r;
		l->has_hca_handles = r;
		r = vsl_json_u32(v, &dp, "hcaObjects", 0, &l->hca_objects, err);
		if (r < 0)
			return r;
		l->has_hca_objects = r;
		if (!l->has_hca_handles && !l->has_hca_objects)
			return vsl_json_fail(err, &dp, "needs hcaHandles or hcaObjects");
	}
	return 0;
}

/* The object members memory, cpu, blockIO, network, pids: each optional. */
static int parse_controllers(yajl_val ro, const struct vsl_jpath *p, struct vsl_resources *res,
			     struct vsl_err *err)
{
	struct vsl_jpath mp = VSL_JPATH_KEY(p, "memory"), cp = VSL_JPATH_KEY(p, "cpu");
	struct vsl_jpath bp = VSL_JPATH_KEY(p, "blockIO"), np = VSL_JPATH_KEY(p, "network");
	struct vsl_jpath pp = VSL_JPATH_KEY(p, "pids");
	yajl_val o = NULL;
	int r;

	if ((r = vsl_json_obj(ro, p, "memory", 0, &o, err)) > 0)
		r = parse_memory(o, &mp, &res->memory, err);
	if (r < 0)
		return r;
	res->has_memory = o != NULL;
	o = NULL;
	if ((r = vsl_json_obj(ro, p, "cpu", 0, &o, err)) > 0)
		r = parse_cpu(o, &cp, &res->cpu, err);
	if (r < 0)
		return r;
	res->has_cpu = o != NULL;
	o = NULL;
	if ((r = vsl_json_obj(ro, p, "blockIO", 0, &o, err)) > 0)
		r = parse_blkio(o, &bp, &res->block_io, err);
	if (r < 0)
		return r;
	res->has_block_io = o != NULL;
	o = NULL;
	if ((r = vsl_json_obj(ro, p, "network", 0, &o, err)) > 0) {
		res->has_network = true;
		if ((r = vsl_json_u32(o, &np, "classID", 0, &res->class_id, err)) >= 0) {
			res->has_class_id = r;
			r = vsl_json_objects(o, &np, "priorities", sizeof(*res->net_priorities),
					     parse_prio, (void **)&res->net_priorities,
					     &res->n_net_priorities, err);
		}
	}
	if (r < 0)
		return r;
	o = NULL;
	if ((r = vsl_json_obj(ro, p, "pids", 0, &o, err)) > 0) {
		res->has_pids = true;
		r = vsl_json_int(o, &pp, "limit", REQ, -1, INT64_MAX, &res->pids_limit, err);
	}
	return r < 0 ? r : 0;
}

int vsl_cfg_parse_resources(yajl_val o, const struct vsl_jpath *p, struct vsl_resources *res,
			    struct vsl_err *err)
{
	if (vsl_json_objects(o, p, "devices", sizeof(*res->devices), parse_dev_rule,
			     (void **)&res->devices, &res->n_devices, err) < 0 ||
	    parse_controllers(o, p, res, err) < 0 ||
	    vsl_json_objects(o, p, "hugepageLimits", sizeof(*res->hugepage_limits),
			     parse_hugepage, (void **)&res->hugepage_limits,
			     &res->n_hugepage_limits, err) < 0 ||
	    parse_rdma(o, p, res, err) < 0 ||
	    vsl_cfg_parse_kv(o, p, "unified", &res->unified, &res->n_unified, err) < 0)
		return -EINVAL;
	return 0;
}

void vsl_cfg_resources_clear(struct vsl_resources *r)
{
	struct vsl_block_io *b = &r->block_io;

	for (size_t i = 0; i < r->n_devices; i++) {
		free(r->devices[i].type);
		free(r->devices[i].access);
	}
	free(r->devices);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(b->weight_device);
	free(b->throttle_read_bps);
	free(b->throttle_write_bps);
	free(b->throttle_read_iops);
	free(b->throttle_write_iops);
	for (size_t i = 0; i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	for (size_t i = 0; i < r->n_net_priorities; i++)
		free(r->net_priorities[i].name);
	free(r->net_priorities);
	for (size_t i = 0; i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	vsl_cfg_kv_free(r->unified, r->n_unified);
	memset(r, 0, sizeof(*r));
}
