/* vessel delete [--force] ID: remove a container and everything it holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "runtime/container.h"

static const struct vsl_opt opts[] = {
	{ "force", 'f', NULL, "kill a running container first; also clean up a half-made one" },
	VSL_OPT_END,
};

static int delete_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	const struct vsl_cmd *cmd = &vsl_cmd_delete;
	struct vsl_args a;
	struct vsl_err err;
	bool force = false;
	const char *v;
	int k;

	vsl_args_init(&a, cmd, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0)
		force = true;
	if (k < 0)
		return a.exit;
	if (a.argc != 1)
		return vsl_cmd_usage_error(cmd, "expected one container id");
	if (vsl_container_delete(ctx, a.argv[0], force, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}

const struct vsl_cmd vsl_cmd_delete = {
	.name = "delete",
	.run = delete_run,
	.summary = "delete a container (--force: even a running one)",
	.args = "ID",
	.details = "Removes a stopped or created container: its process, cgroup, network, layers "
		   "and state.\nWith --force a running container is killed first, and what a "
		   "runtime killed halfway left\nbehind is cleaned up.",
	.opts = opts,
};
