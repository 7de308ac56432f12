/* vessel resume ID: thaw a paused container. */
#include "cmd/cgroup_cmd.h"
#include "cmd/cmd.h"

int vsl_cmd_resume(struct vsl_ctx *ctx, int argc, char **argv)
{
	return vsl_cmd_freeze(ctx, argc, argv, false);
}
