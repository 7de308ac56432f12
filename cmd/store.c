/* vessel store [info] | store init [--size SIZE] [--fs xfs|ext4] [DEVICE|FILE]: the store's
 * own filesystem with project quotas (disk limits), made once and mounted again after a
 * reboot by whichever command needs the store first. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/util.h"
#include "overlay/overlay.h"

static const struct vsl_cmd info_cmd, init_cmd;

static const struct vsl_opt init_opts[] = {
	{ "size", 's', "SIZE", "size of a new file (default: the free space where it is made)" },
	{ "fs", 'f', "FS", "xfs (default: reflinks, quotas that hold for root) or ext4" },
	VSL_OPT_END,
};

static int do_init(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_ovl_store_init_req req = {.store = ctx->store, .log = &ctx->log};
	struct vsl_args a;
	struct vsl_err err;
	const char *v;
	int k;

	vsl_args_init(&a, &init_cmd, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0) {
		if (k == 'f')
			req.fs = v;
		else if (vsl_parse_size(v, &req.size) < 0 || !req.size)
			return vsl_cmd_usage_error(&init_cmd, "bad --size %s (e.g. 20G)", v);
	}
	if (k < 0)
		return a.exit;
	if (a.argc > 1)
		return vsl_cmd_usage_error(&init_cmd, "at most one DEVICE or FILE");
	req.backing = a.argc ? a.argv[0] : NULL;
	if (vsl_ovl_store_init(&req, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}

static const char *limits_kind(const struct vsl_ovl_store_info *in)
{
	if (in->quota)
		return "quota (a project per layer)";
	if (in->image_fallback)
		return "image (this kernel has no project quotas: one disk image per container)";
	return "none (`vessel store init` makes a store with project quotas)";
}

static int show(struct vsl_ctx *ctx)
{
	struct vsl_ovl_store_info in;
	struct vsl_err err;

	if (vsl_ovl_store_ensure(ctx->store, &ctx->log, &err) < 0 ||
	    vsl_ovl_store_info(ctx->store, &in, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	printf("path %s\nfs %s\nmounted %s\n", in.path, in.fstype, in.mounted ? "true" : "false");
	if (in.recorded)
		printf("backing %s\nkind %s\nsize %llu\ncreated %s\ndevice %s\ndio %s\n",
		       in.backing, in.device ? "device" : "file", (unsigned long long)in.size,
		       in.created ? in.created : "-", in.dev[0] ? in.dev : "-",
		       in.dio ? "true" : "false");
	printf("quota %s\nlimits %s\ntotal %llu\navail %llu\n", in.quota ? "true" : "false",
	       limits_kind(&in), (unsigned long long)in.total, (unsigned long long)in.avail);
	if (in.has_io)
		printf("io_device %u:%u\n", in.io_major, in.io_minor);
	vsl_ovl_store_info_clear(&in);
	return 0;
}

static int do_info(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_args a;
	int r;

	r = vsl_args_exactly(&a, &info_cmd, argc, argv, 0, "takes no arguments");
	return r ? r : show(ctx);
}

static const struct vsl_cmd info_cmd = {
	.name = "info",
	.parent = "store",
	.run = do_info,
	.summary = "show the store (what `vessel store` alone prints)",
	.details = "One \"key value\" line each: path, fs, mounted; for a store made by init its "
		   "backing, kind,\nsize, created, loop device and whether it does direct I/O; "
		   "then whether project\nquotas are enforced, how disk limits are made, the "
		   "space, and io_device, the block\ndevice that really does the store's I/O "
		   "(for io limits).",
};

static const struct vsl_cmd init_cmd = {
	.name = "init",
	.parent = "store",
	.run = do_init,
	.summary = "give the store a filesystem of its own with project quotas",
	.args = "[DEVICE|FILE]",
	.details = "Makes XFS (or ext4 with the quota and project features) on a block device, "
		   "or on a new\nsparse FILE (default <store>.img) attached to one loop device "
		   "for the whole store,\nmounts it on the store with prjquota and records it in "
		   "<store>/store.json (under the\nmount too), so the next command after a reboot "
		   "mounts it again. The store must be empty.",
	.opts = init_opts,
};

static const struct vsl_cmd *const verbs[] = { &info_cmd, &init_cmd, NULL };

static int store_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		return show(ctx);
	return vsl_cmd_run_verb(ctx, &vsl_cmd_store, argc, argv);
}

const struct vsl_cmd vsl_cmd_store = {
	.name = "store",
	.run = store_run,
	.summary = "show the store, or give it a filesystem with project quotas",
	.args = "[info | init [--size SIZE] [--fs xfs|ext4] [DEVICE|FILE]]",
	.details = "Disk limits (vessel.disk.limit) are project quotas on the store's "
		   "filesystem\n(docs/templates.md).",
	.verbs = verbs,
};
