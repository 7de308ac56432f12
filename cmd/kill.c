/* vessel kill [--all] ID [SIGNAL]: signal the container (default SIGTERM). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "runtime/container.h"
#include "runtime/signals.h"

int vsl_cmd_kill(struct vsl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' },
					      { NULL, 0, NULL, 0 } };
	const struct vsl_cmd *cmd = vsl_cmd_find("kill");
	struct vsl_err err;
	bool all = false;
	int c, sig = 15;

	while ((c = getopt_long(argc, argv, "a", opts, NULL)) != -1) {
		if (c != 'a')
			return vsl_cmd_usage_error(cmd, "unknown option");
		all = true;
	}
	if (optind >= argc || argc - optind > 2)
		return vsl_cmd_usage_error(cmd, "expected a container id and an optional signal");
	if (argc - optind == 2) {
		sig = vsl_signal_parse(argv[optind + 1]);
		if (sig < 0)
			return vsl_cmd_usage_error(cmd, "unknown signal %s", argv[optind + 1]);
	}
	if (vsl_container_kill(ctx, argv[optind], sig, all, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}
