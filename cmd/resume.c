/* vessel resume ID: thaw a paused container. */
#include "cmd/cgroup_cmd.h"
#include "cmd/cmd.h"

static int resume_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	return vsl_cmd_freeze(ctx, argc, argv, false);
}

const struct vsl_cmd vsl_cmd_resume = {
	.name = "resume",
	.run = resume_run,
	.summary = "thaw a paused container",
	.args = "ID",
};
