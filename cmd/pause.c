/* vessel pause ID: freeze every process of the container (v1 freezer, v2 cgroup.freeze);
 * `state` shows "paused" while the cgroup is frozen. */
#include "cmd/cgroup_cmd.h"
#include "cmd/cmd.h"

int vsl_cmd_pause(struct vsl_ctx *ctx, int argc, char **argv)
{
	return vsl_cmd_freeze(ctx, argc, argv, true);
}
