/* vessel pause ID: freeze every process of the container (v1 freezer, v2 cgroup.freeze);
 * `state` shows "paused" while the cgroup is frozen. */
#include "cmd/cgroup_cmd.h"
#include "cmd/cmd.h"

static int pause_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	return vsl_cmd_freeze(ctx, argc, argv, true);
}

const struct vsl_cmd vsl_cmd_pause = {
	.name = "pause",
	.run = pause_run,
	.summary = "freeze every process of a container",
	.args = "ID",
	.details = "`vessel state` shows the container paused while its cgroup is frozen; "
		   "`vessel resume` thaws it.",
};
