/* vessel disk ID [SIZE]: show a container's private layer use, or change its disk limit. */
#include <stdio.h>

#include "cmd/cmd.h"
#include "common/util.h"
#include "overlay/overlay.h"

static int disk_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	const struct vsl_cmd *cmd = &vsl_cmd_disk;
	struct vsl_ovl_disk d;
	struct vsl_args a;
	struct vsl_err err;
	uint64_t size;
	const char *v;
	int k;

	vsl_args_init(&a, cmd, argc, argv);
	k = vsl_args_next(&a, &v);
	if (k < 0)
		return a.exit;
	if (a.argc != 1 && a.argc != 2)
		return vsl_cmd_usage_error(cmd, "needs ID and optionally SIZE");
	if (a.argc == 2) {
		if (vsl_parse_size(a.argv[1], &size) < 0)
			return vsl_cmd_usage_error(cmd, "bad size %s (e.g. 512M, 10G)", a.argv[1]);
		if (vsl_ovl_disk_resize(ctx->store, a.argv[0], size, &ctx->log, &err) < 0)
			return vsl_cmd_fail(ctx, &err);
	}
	if (vsl_ovl_disk_info(ctx->store, a.argv[0], &d, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	printf("limit %llu\nused %llu\nimage %llu\nmounted %s\n", (unsigned long long)d.limit,
	       (unsigned long long)d.used, (unsigned long long)d.image,
	       d.mounted ? "true" : "false");
	return 0;
}

const struct vsl_cmd vsl_cmd_disk = {
	.name = "disk",
	.run = disk_run,
	.summary = "show or change a container's disk limit",
	.args = "ID [SIZE]",
	.details = "Without SIZE: the limit, the space used, the image size and whether the "
		   "layer is mounted.\nSIZE (512M, 10G) grows or shrinks the private layer's quota.",
};
