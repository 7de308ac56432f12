/* vessel state ID: the OCI state JSON with the live status. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "runtime/container.h"

int vsl_cmd_state(struct vsl_ctx *ctx, int argc, char **argv)
{
	const char *id = vsl_cmd_only_id(vsl_cmd_find("state"), argc, argv);
	cleanup_free char *json = NULL;
	struct vsl_err err;

	if (!id)
		return 2;
	if (vsl_container_state_json(ctx, id, &json, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	printf("%s\n", json);
	return 0;
}
