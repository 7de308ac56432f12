/* vessel state ID: the OCI state JSON with the live status. */
#include <stdio.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "runtime/container.h"

static int state_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	cleanup_free char *json = NULL;
	struct vsl_args a;
	struct vsl_err err;
	int r;

	r = vsl_args_exactly(&a, &vsl_cmd_state, argc, argv, 1, "expected one container id");
	if (r)
		return r;
	if (vsl_container_state_json(ctx, a.argv[0], &json, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	printf("%s\n", json);
	return 0;
}

const struct vsl_cmd vsl_cmd_state = {
	.name = "state",
	.run = state_run,
	.summary = "print a container's OCI state JSON",
	.args = "ID",
	.details = "The status is computed from facts: the process alive with the same start "
		   "time, the exec\nfifo present, the cgroup frozen.",
};
