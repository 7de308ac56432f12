/* Serialization of linux.resources and linux.seccomp (the rest of vsl_config_to_json is
 * next to each parser). Writes exactly what was parsed, so parse -> to_json -> parse ->
 * to_json is stable. */
#include "spec/config_internal.h"

static void gen_dev_rules(yajl_gen g, const struct vsl_resources *r)
{
	if (!r->n_devices)
		return;
	vsl_jgen_arr_open(g, "devices");
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct vsl_device_rule *d = &r->devices[i];
		vsl_jgen_map_open(g, NULL);
		vsl_jgen_bool(g, "allow", d->allow);
		vsl_jgen_str(g, "type", d->type);
		if (d->has_major)
			vsl_jgen_int(g, "major", d->major);
		if (d->has_minor)
			vsl_jgen_int(g, "minor", d->minor);
		vsl_jgen_str(g, "access", d->access);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_arr_close(g);
}

static void gen_memory(yajl_gen g, const struct vsl_memory *m)
{
	vsl_jgen_map_open(g, "memory");
	if (m->has_limit)
		vsl_jgen_int(g, "limit", m->limit);
	if (m->has_reservation)
		vsl_jgen_int(g, "reservation", m->reservation);
	if (m->has_swap)
		vsl_jgen_int(g, "swap", m->swap);
	if (m->has_kernel)
		vsl_jgen_int(g, "kernel", m->kernel);
	if (m->has_kernel_tcp)
		vsl_jgen_int(g, "kernelTCP", m->kernel_tcp);
	if (m->has_swappiness)
		vsl_jgen_uint(g, "swappiness", m->swappiness);
	if (m->has_disable_oom_killer)
		vsl_jgen_bool(g, "disableOOMKiller", m->disable_oom_killer);
	if (m->has_use_hierarchy)
		vsl_jgen_bool(g, "useHierarchy", m->use_hierarchy);
	if (m->has_check_before_update)
		vsl_jgen_bool(g, "checkBeforeUpdate", m->check_before_update);
	vsl_jgen_map_close(g);
}

static void gen_cpu(yajl_gen g, const struct vsl_cpu *c)
{
	vsl_jgen_map_open(g, "cpu");
	if (c->has_shares)
		vsl_jgen_uint(g, "shares", c->shares);
	if (c->has_quota)
		vsl_jgen_int(g, "quota", c->quota);
	if (c->has_burst)
		vsl_jgen_uint(g, "burst", c->burst);
	if (c->has_period)
		vsl_jgen_uint(g, "period", c->period);
	if (c->has_rt_runtime)
		vsl_jgen_int(g, "realtimeRuntime", c->rt_runtime);
	if (c->has_rt_period)
		vsl_jgen_uint(g, "realtimePeriod", c->rt_period);
	vsl_jgen_str(g, "cpus", c->cpus);
	vsl_jgen_str(g, "mems", c->mems);
	if (c->has_idle)
		vsl_jgen_int(g, "idle", c->idle);
	vsl_jgen_map_close(g);
}

static void gen_throttle(yajl_gen g, const char *key, const struct vsl_throttle_device *t,
			 size_t n)
{
	if (!n)
		return;
	vsl_jgen_arr_open(g, key);
	for (size_t i = 0; i < n; i++) {
		vsl_jgen_map_open(g, NULL);
		vsl_jgen_int(g, "major", t[i].major);
		vsl_jgen_int(g, "minor", t[i].minor);
		vsl_jgen_uint(g, "rate", t[i].rate);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_arr_close(g);
}

static void gen_blkio(yajl_gen g, const struct vsl_block_io *b)
{
	vsl_jgen_map_open(g, "blockIO");
	if (b->has_weight)
		vsl_jgen_uint(g, "weight", b->weight);
	if (b->has_leaf_weight)
		vsl_jgen_uint(g, "leafWeight", b->leaf_weight);
	if (b->n_weight_device) {
		vsl_jgen_arr_open(g, "weightDevice");
		for (size_t i = 0; i < b->n_weight_device; i++) {
			const struct vsl_weight_device *w = &b->weight_device[i];
			vsl_jgen_map_open(g, NULL);
			vsl_jgen_int(g, "major", w->major);
			vsl_jgen_int(g, "minor", w->minor);
			if (w->has_weight)
				vsl_jgen_uint(g, "weight", w->weight);
			if (w->has_leaf_weight)
				vsl_jgen_uint(g, "leafWeight", w->leaf_weight);
			vsl_jgen_map_close(g);
		}
		vsl_jgen_arr_close(g);
	}
	gen_throttle(g, "throttleReadBpsDevice", b->throttle_read_bps, b->n_throttle_read_bps);
	gen_throttle(g, "throttleWriteBpsDevice", b->throttle_write_bps,
		     b->n_throttle_write_bps);
	gen_throttle(g, "throttleReadIOPSDevice", b->throttle_read_iops,
		     b->n_throttle_read_iops);
	gen_throttle(g, "throttleWriteIOPSDevice", b->throttle_write_iops,
		     b->n_throttle_write_iops);
	vsl_jgen_map_close(g);
}

static void gen_network(yajl_gen g, const struct vsl_resources *r)
{
	vsl_jgen_map_open(g, "network");
	if (r->has_class_id)
		vsl_jgen_uint(g, "classID", r->class_id);
	if (r->n_net_priorities) {
		vsl_jgen_arr_open(g, "priorities");
		for (size_t i = 0; i < r->n_net_priorities; i++) {
			vsl_jgen_map_open(g, NULL);
			vsl_jgen_str(g, "name", r->net_priorities[i].name);
			vsl_jgen_uint(g, "priority", r->net_priorities[i].priority);
			vsl_jgen_map_close(g);
		}
		vsl_jgen_arr_close(g);
	}
	vsl_jgen_map_close(g);
}

static void gen_hugepages_rdma(yajl_gen g, const struct vsl_resources *r)
{
	if (r->n_hugepage_limits) {
		vsl_jgen_arr_open(g, "hugepageLimits");
		for (size_t i = 0; i < r->n_hugepage_limits; i++) {
			vsl_jgen_map_open(g, NULL);
			vsl_jgen_str(g, "pageSize", r->hugepage_limits[i].page_size);
			vsl_jgen_uint(g, "limit", r->hugepage_limits[i].limit);
			vsl_jgen_map_close(g);
		}
		vsl_jgen_arr_close(g);
	}
	if (!r->n_rdma)
		return;
	vsl_jgen_map_open(g, "rdma");
	for (size_t i = 0; i < r->n_rdma; i++) {
		vsl_jgen_map_open(g, r->rdma[i].device);
		if (r->rdma[i].has_hca_handles)
			vsl_jgen_uint(g, "hcaHandles", r->rdma[i].hca_handles);
		if (r->rdma[i].has_hca_objects)
			vsl_jgen_uint(g, "hcaObjects", r->rdma[i].hca_objects);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_map_close(g);
}

void vsl_cfg_gen_resources(yajl_gen g, const struct vsl_resources *r)
{
	vsl_jgen_map_open(g, "resources");
	gen_dev_rules(g, r);
	if (r->has_memory)
		gen_memory(g, &r->memory);
	if (r->has_cpu)
		gen_cpu(g, &r->cpu);
	if (r->has_pids) {
		vsl_jgen_map_open(g, "pids");
		vsl_jgen_int(g, "limit", r->pids_limit);
		vsl_jgen_map_close(g);
	}
	if (r->has_block_io)
		gen_blkio(g, &r->block_io);
	gen_hugepages_rdma(g, r);
	if (r->has_network)
		gen_network(g, r);
	if (r->n_unified)
		vsl_cfg_gen_kv(g, "unified", r->unified, r->n_unified);
	vsl_jgen_map_close(g);
}

static void gen_rule(yajl_gen g, const struct vsl_seccomp_rule *r)
{
	vsl_jgen_map_open(g, NULL);
	vsl_jgen_strv(g, "names", r->names);
	vsl_jgen_str(g, "action", r->action);
	if (r->has_errno_ret)
		vsl_jgen_uint(g, "errnoRet", r->errno_ret);
	if (r->n_args) {
		vsl_jgen_arr_open(g, "args");
		for (size_t i = 0; i < r->n_args; i++) {
			vsl_jgen_map_open(g, NULL);
			vsl_jgen_uint(g, "index", r->args[i].index);
			vsl_jgen_uint(g, "value", r->args[i].value);
			if (r->args[i].value_two)
				vsl_jgen_uint(g, "valueTwo", r->args[i].value_two);
			vsl_jgen_str(g, "op", r->args[i].op);
			vsl_jgen_map_close(g);
		}
		vsl_jgen_arr_close(g);
	}
	vsl_jgen_map_close(g);
}

void vsl_cfg_gen_seccomp(yajl_gen g, const struct vsl_seccomp *s)
{
	vsl_jgen_map_open(g, "seccomp");
	vsl_jgen_str(g, "defaultAction", s->default_action);
	if (s->has_default_errno_ret)
		vsl_jgen_uint(g, "defaultErrnoRet", s->default_errno_ret);
	vsl_jgen_strv(g, "architectures", s->architectures);
	vsl_jgen_strv(g, "flags", s->flags);
	vsl_jgen_str(g, "listenerPath", s->listener_path);
	vsl_jgen_str(g, "listenerMetadata", s->listener_metadata);
	if (s->n_syscalls) {
		vsl_jgen_arr_open(g, "syscalls");
		for (size_t i = 0; i < s->n_syscalls; i++)
			gen_rule(g, &s->syscalls[i]);
		vsl_jgen_arr_close(g);
	}
	vsl_jgen_map_close(g);
}

char *vsl_resources_patch_json(const struct vsl_resources *res)
{
	yajl_gen g = vsl_jgen_new(false);

	vsl_jgen_map_open(g, NULL);
	vsl_jgen_map_open(g, "linux");
	vsl_cfg_gen_resources(g, res);
	vsl_jgen_map_close(g);
	vsl_jgen_map_close(g);
	return vsl_jgen_finish(g);
}
