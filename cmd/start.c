/* vessel start ID: let a created container exec its process. */
#include "cmd/cmd.h"
#include "runtime/container.h"

static int start_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_args a;
	struct vsl_err err;
	int r;

	r = vsl_args_exactly(&a, &vsl_cmd_start, argc, argv, 1, "expected one container id");
	if (r)
		return r;
	return vsl_container_start(ctx, a.argv[0], &err) < 0 ? vsl_cmd_fail(ctx, &err) : 0;
}

const struct vsl_cmd vsl_cmd_start = {
	.name = "start",
	.run = start_run,
	.summary = "run the process of a created container",
	.args = "ID",
};
