/* vessel disk ID [SIZE]: show a container's private layer use, or change its disk limit. */
#include <stdio.h>

#include "cmd/cmd.h"
#include "common/util.h"
#include "overlay/overlay.h"

static const struct vsl_cmd disk_cmd = {.name = "disk", .usage = "vessel disk ID [SIZE]"};

VSL_CMD(disk)
{
	struct vsl_ovl_disk d;
	struct vsl_err err;
	uint64_t size;

	if (argc != 2 && argc != 3)
		return vsl_cmd_usage_error(&disk_cmd, "needs ID and optionally SIZE");
	if (argc == 3) {
		if (vsl_parse_size(argv[2], &size) < 0)
			return vsl_cmd_usage_error(&disk_cmd, "bad size %s (e.g. 512M, 10G)",
						   argv[2]);
		if (vsl_ovl_disk_resize(ctx->store, argv[1], size, &ctx->log, &err) < 0)
			return vsl_cmd_fail(ctx, &err);
	}
	if (vsl_ovl_disk_info(ctx->store, argv[1], &d, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	printf("limit %llu\nused %llu\nimage %llu\nmounted %s\n", (unsigned long long)d.limit,
	       (unsigned long long)d.used, (unsigned long long)d.image,
	       d.mounted ? "true" : "false");
	return 0;
}
