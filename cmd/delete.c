/* vessel delete [--force] ID: remove a container and everything it holds. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "runtime/container.h"

int vsl_cmd_delete(struct vsl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' },
					      { NULL, 0, NULL, 0 } };
	const struct vsl_cmd *cmd = vsl_cmd_find("delete");
	struct vsl_err err;
	bool force = false;
	int c;

	while ((c = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
		if (c != 'f')
			return vsl_cmd_usage_error(cmd, "unknown option");
		force = true;
	}
	if (optind != argc - 1)
		return vsl_cmd_usage_error(cmd, "expected one container id");
	if (vsl_container_delete(ctx, argv[optind], force, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}
