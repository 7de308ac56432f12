/* vessel kill [--all] ID [SIGNAL]: signal the container (default SIGTERM). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "runtime/container.h"
#include "runtime/signals.h"

static const struct vsl_opt opts[] = {
	{ "all", 'a', NULL, "signal every process in the container's cgroup, not only its init" },
	VSL_OPT_END,
};

static int kill_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	const struct vsl_cmd *cmd = &vsl_cmd_kill;
	struct vsl_args a;
	struct vsl_err err;
	bool all = false;
	const char *v;
	int k, sig = 15;

	vsl_args_init(&a, cmd, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0)
		all = true;
	if (k < 0)
		return a.exit;
	if (a.argc < 1 || a.argc > 2)
		return vsl_cmd_usage_error(cmd, "expected a container id and an optional signal");
	if (a.argc == 2) {
		sig = vsl_signal_parse(a.argv[1]);
		if (sig < 0)
			return vsl_cmd_usage_error(cmd, "unknown signal %s", a.argv[1]);
	}
	if (vsl_container_kill(ctx, a.argv[0], sig, all, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}

const struct vsl_cmd vsl_cmd_kill = {
	.name = "kill",
	.run = kill_run,
	.summary = "send a signal to a container (default TERM)",
	.args = "ID [SIGNAL]",
	.details = "SIGNAL is a name (TERM, SIGKILL) or a number.",
	.opts = opts,
};
