/* vessel start ID: let a created container exec its process. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "runtime/container.h"

int vsl_cmd_start(struct vsl_ctx *ctx, int argc, char **argv)
{
	const char *id = vsl_cmd_only_id(vsl_cmd_find("start"), argc, argv);
	struct vsl_err err;

	if (!id)
		return 2;
	return vsl_container_start(ctx, id, &err) < 0 ? vsl_cmd_fail(ctx, &err) : 0;
}
