/* vessel create [options] ID: set a container up, its process waiting for start.
 * The option table and parser are shared with run (cmd/run.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/util.h"
#include "runtime/run.h"

enum { OPT_CONSOLE = 256, OPT_PIDFILE, OPT_NOPIVOT, OPT_NOKEYRING, OPT_PRESERVE };

/* create's options; run has these and its own (cmd/run.c). */
const struct vsl_opt vsl_create_opts[] = {
	{ "bundle", 'b', "DIR", "the bundle: config.json and the root filesystem (default: .)" },
	{ "console-socket", OPT_CONSOLE, "PATH",
	  "AF_UNIX socket that receives the terminal's master fd" },
	{ "pid-file", OPT_PIDFILE, "FILE", "write the container process' pid to FILE" },
	{ "no-pivot", OPT_NOPIVOT, NULL, "move the root with MS_MOVE instead of pivot_root" },
	{ "no-new-keyring", OPT_NOKEYRING, NULL,
	  "accepted for runc compatibility: vessel makes no session keyring" },
	{ "preserve-fds", OPT_PRESERVE, "N", "pass N more fds (3 and up) to the container" },
	VSL_OPT_END,
};

/* One of create's options into o; 1 if key is not create's, else 0 or an exit code. */
static int create_opt(const struct vsl_cmd *cmd, struct vsl_create_opts *o, int key,
		      const char *v)
{
	uint64_t n;

	switch (key) {
	case 'b': o->bundle = v; break;
	case OPT_CONSOLE: o->console_socket = v; break;
	case OPT_PIDFILE: o->pid_file = v; break;
	case OPT_NOPIVOT: o->no_pivot = true; break;
	case OPT_NOKEYRING: break;
	case OPT_PRESERVE:
		if (vsl_parse_u64(v, &n) < 0 || n > 1000)
			return vsl_cmd_usage_error(cmd, "--preserve-fds: expected a count, got %s", v);
		o->preserve_fds = (int)n;
		break;
	default: return 1;
	}
	return 0;
}

/* Parse create's options, and run's (cmd->opts) for run. Returns 0, or an exit code. */
int vsl_cmd_parse_create(const struct vsl_cmd *cmd, int argc, char **argv,
			 struct vsl_run_opts *run)
{
	struct vsl_args a;
	const char *v;
	int k, r;

	vsl_args_init(&a, cmd, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0) {
		r = create_opt(cmd, &run->create, k, v);
		if (r == 1)
			r = vsl_cmd_run_opt(run, k);
		if (r)
			return r;
	}
	if (k < 0)
		return a.exit;
	if (a.argc != 1)
		return vsl_cmd_usage_error(cmd, "expected one container id");
	run->create.id = a.argv[0];
	run->create.listen_fds = vsl_cmd_listen_fds();
	return 0;
}

static int create_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_run_opts o = { 0 };
	struct vsl_created created;
	struct vsl_err err;
	int r;

	r = vsl_cmd_parse_create(&vsl_cmd_create, argc, argv, &o);
	if (r)
		return r;
	if (vsl_container_create(ctx, &o.create, &created, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}

const struct vsl_cmd vsl_cmd_create = {
	.name = "create",
	.run = create_run,
	.summary = "create a container; its process waits for start",
	.args = "ID",
	.details = "Sets the container up from the bundle's config.json (namespaces, mounts, "
		   "cgroup, network)\nand stops its process just before it runs process.args; "
		   "`vessel start ID` lets it run.\nA failed create leaves nothing behind.",
	.opts = vsl_create_opts,
	.flags = VSL_CMD_ENTERS_CONTAINER,
};
