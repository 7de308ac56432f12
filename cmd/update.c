/* vessel update [options] ID: change the cgroup limits of a created, running or paused
 * container, with runc's flags or -r resources.json (linux.resources; "-" reads stdin).
 * Flags given together with -r override the file's fields. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cgroup_cmd.h"
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "spec/config.h"

enum {
	OPT_MEMORY = 256, OPT_SWAP, OPT_RESERVATION, OPT_KMEM, OPT_KMEM_TCP, OPT_SHARES,
	OPT_QUOTA, OPT_PERIOD, OPT_RT_PERIOD, OPT_RT_RUNTIME, OPT_CPUS, OPT_MEMS, OPT_PIDS,
	OPT_BLKIO, OPT_L3, OPT_MBW,
};

static const struct vsl_opt opts[] = {
	{ "resources", 'r', "FILE", "a linux.resources JSON object to apply (-: read stdin)" },
	{ "memory", OPT_MEMORY, "N", "memory limit in bytes, or with a unit (512m, 1G); -1: none" },
	{ "memory-swap", OPT_SWAP, "N", "memory plus swap limit; -1: none" },
	{ "memory-reservation", OPT_RESERVATION, "N", "soft memory limit" },
	{ "kernel-memory", OPT_KMEM, "N", "kernel memory limit (cgroup v1)" },
	{ "kernel-memory-tcp", OPT_KMEM_TCP, "N", "kernel TCP buffer limit (cgroup v1)" },
	{ "cpu-shares", OPT_SHARES, "N", "relative CPU weight" },
	{ "cpu-quota", OPT_QUOTA, "N", "CPU time per period, in microseconds; -1: none" },
	{ "cpu-period", OPT_PERIOD, "N", "CPU quota period, in microseconds" },
	{ "cpu-rt-period", OPT_RT_PERIOD, "N", "real-time scheduling period, in microseconds" },
	{ "cpu-rt-runtime", OPT_RT_RUNTIME, "N", "real-time runtime per period, in microseconds" },
	{ "cpuset-cpus", OPT_CPUS, "LIST", "the CPUs the container may use (0-3,7)" },
	{ "cpuset-mems", OPT_MEMS, "LIST", "the memory nodes the container may use" },
	{ "pids-limit", OPT_PIDS, "N", "most processes the container may hold" },
	{ "blkio-weight", OPT_BLKIO, "N", "block I/O weight, 10 to 1000" },
	{ "l3-cache-schema", OPT_L3, "SCHEMA", "Intel RDT: refused, vessel does not support it" },
	{ "mem-bw-schema", OPT_MBW, "SCHEMA", "Intel RDT: refused, vessel does not support it" },
	VSL_OPT_END,
};

static const char *opt_name(int key)
{
	for (const struct vsl_opt *o = opts; o->name; o++)
		if (o->key == key)
			return o->name;
	return "?";
}

/* "-1" (unlimited) or a size with an optional unit (512m, 1G). */
static int parse_mem(const char *s, int64_t *out)
{
	uint64_t v;

	if (!strcmp(s, "-1")) {
		*out = -1;
		return 0;
	}
	if (vsl_parse_size(s, &v) < 0 || v > INT64_MAX)
		return -EINVAL;
	*out = (int64_t)v;
	return 0;
}

/* -r FILE: the linux.resources object, parsed by spec/ inside a minimal config. */
static int load_resources(const char *path, struct vsl_config **out, struct vsl_err *err)
{
	cleanup_free char *text = NULL, *wrapped = NULL;
	size_t len = 0;
	int r;

	/* "-" is stdin, any stream (bounded); a named file must be a regular file. */
	r = strcmp(path, "-") ? vsl_read_file(path, &text, &len, err)
			      : vsl_read_fd(0, "stdin", &text, &len, err);
	if (r < 0)
		return r;
	wrapped = xasprintf("{\"ociVersion\":\"1.2.0\",\"linux\":{\"resources\":%s}}", text);
	*out = vsl_config_parse(wrapped, strlen(wrapped), path, err);
	return *out ? 0 : -err->code;
}

static int set_opt(struct vsl_resources *res, int c, const char *v)
{
	int64_t i = 0;
	uint64_t u = 0;
	int r = 0;

	switch (c) {
	case OPT_MEMORY: r = parse_mem(v, &res->memory.limit); res->memory.has_limit = true; break;
	case OPT_SWAP: r = parse_mem(v, &res->memory.swap); res->memory.has_swap = true; break;
	case OPT_RESERVATION:
		r = parse_mem(v, &res->memory.reservation);
		res->memory.has_reservation = true;
		break;
	case OPT_KMEM: r = parse_mem(v, &res->memory.kernel); res->memory.has_kernel = true; break;
	case OPT_KMEM_TCP:
		r = parse_mem(v, &res->memory.kernel_tcp);
		res->memory.has_kernel_tcp = true;
		break;
	case OPT_SHARES: r = vsl_parse_u64(v, &res->cpu.shares); res->cpu.has_shares = true; break;
	case OPT_QUOTA: r = vsl_parse_i64(v, &res->cpu.quota); res->cpu.has_quota = true; break;
	case OPT_PERIOD: r = vsl_parse_u64(v, &res->cpu.period); res->cpu.has_period = true; break;
	case OPT_RT_PERIOD:
		r = vsl_parse_u64(v, &res->cpu.rt_period);
		res->cpu.has_rt_period = true;
		break;
	case OPT_RT_RUNTIME:
		r = vsl_parse_i64(v, &res->cpu.rt_runtime);
		res->cpu.has_rt_runtime = true;
		break;
	case OPT_CPUS: free(res->cpu.cpus); res->cpu.cpus = xstrdup(v); break;
	case OPT_MEMS: free(res->cpu.mems); res->cpu.mems = xstrdup(v); break;
	case OPT_PIDS: r = vsl_parse_i64(v, &i); res->pids_limit = i; res->has_pids = true; break;
	case OPT_BLKIO:
		r = vsl_parse_u64(v, &u);
		if (r == 0 && (u < 10 || u > 1000))
			r = -ERANGE;
		res->block_io.weight = (uint16_t)u;
		res->block_io.has_weight = res->has_block_io = true;
		break;
	default: return -ENOTSUP;
	}
	if (c >= OPT_MEMORY && c <= OPT_KMEM_TCP)
		res->has_memory = true;
	if (c >= OPT_SHARES && c <= OPT_MEMS)
		res->has_cpu = true;
	return r;
}

static int update(struct vsl_ctx *ctx, const char *id, const struct vsl_resources *res,
		  struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	cleanup_cgroup struct vsl_cgroup *cg = NULL;
	int r;

	r = vsl_cmd_open_cgroup(ctx, id, "update", &c, &cg, err);
	if (r < 0)
		return r;
	r = vsl_cg_update(cg, res, err);
	if (r == 0) {
		/* Recorded too, as runc does, so that what the container is recreated or
		 * restored from holds the limits it runs with now. */
		cleanup_free char *patch = vsl_resources_patch_json(res);
		r = vsl_store_patch_config(c, patch, err);
	}
	return r < 0 ? vsl_wrap(err, "update container %s", id) : 0;
}

static int update_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	const struct vsl_cmd *cmd = &vsl_cmd_update;
	cleanup_config struct vsl_config *file = NULL;
	struct vsl_resources flags = { 0 }, *res = &flags;
	int k, n_set = 0, vals[32];
	const char *args[32], *rfile = NULL, *v;
	struct vsl_args a;
	struct vsl_err err;

	vsl_args_init(&a, cmd, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0) {
		if (k == 'r')
			rfile = v;
		else if (k == OPT_L3 || k == OPT_MBW)
			return vsl_cmd_usage_error(cmd, "Intel RDT is not supported by vessel");
		else if (n_set == 32)
			return vsl_cmd_usage_error(cmd, "too many options");
		else {
			vals[n_set] = k;
			args[n_set++] = v;
		}
	}
	if (k < 0)
		return a.exit;
	if (a.argc != 1)
		return vsl_cmd_usage_error(cmd, "expected one container id");
	if (rfile) {
		if (load_resources(rfile, &file, &err) < 0)
			return vsl_cmd_fail(ctx, &err);
		res = &file->linux.resources;
	}
	for (int i = 0; i < n_set; i++) {
		int r = set_opt(res, vals[i], args[i]);
		if (r < 0)
			return vsl_cmd_usage_error(cmd, "--%s: invalid value \"%s\"",
						   opt_name(vals[i]), args[i]);
	}
	k = update(ctx, a.argv[0], res, &err);
	if (res == &flags) {
		free(flags.cpu.cpus);
		free(flags.cpu.mems);
	}
	return k < 0 ? vsl_cmd_fail(ctx, &err) : 0;
}

const struct vsl_cmd vsl_cmd_update = {
	.name = "update",
	.run = update_run,
	.summary = "change the cgroup limits of a container",
	.args = "ID",
	.details = "Changes the limits of a created, running or paused container with runc's "
		   "flags or -r (flags\ngiven with -r override the file's fields), and records them "
		   "in the container's stored\nconfig.json, as runc does.",
	.opts = opts,
};
