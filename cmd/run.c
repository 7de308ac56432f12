/* vessel run [options] ID: create + start; in the foreground wait and exit with the
 * container's status (128+signal when it was killed). */
#include "cmd/cmd.h"
#include "runtime/run.h"

enum { OPT_KEEP = 300, OPT_NOSUBREAPER };

static const struct vsl_opt run_opts[] = {
	{ "detach", 'd', NULL, "return once the container runs, instead of waiting for it" },
	{ "keep", OPT_KEEP, NULL, "do not delete the container after its process exits" },
	{ "no-subreaper", OPT_NOSUBREAPER, NULL,
	  "accepted for runc compatibility: vessel waits for its own child only" },
	VSL_OPT_END,
};

int vsl_cmd_run_opt(struct vsl_run_opts *o, int key)
{
	switch (key) {
	case 'd': o->detach = true; break;
	case OPT_KEEP: o->keep = true; break;
	case OPT_NOSUBREAPER: break;
	default: return vsl_cmd_usage_error(&vsl_cmd_run, "unexpected option");
	}
	return 0;
}

static int run_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_run_opts o = { 0 };
	struct vsl_err err;
	int r, code = 0;

	r = vsl_cmd_parse_create(&vsl_cmd_run, argc, argv, &o);
	if (r)
		return r;
	if (vsl_container_run(ctx, &o, &code, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return code;
}

const struct vsl_cmd vsl_cmd_run = {
	.name = "run",
	.run = run_run,
	.summary = "create and start a container (and wait for it, unless -d)",
	.args = "ID",
	.details = "In the foreground it forwards signals (and proxies the terminal), exits with "
		   "the container's\nstatus (128+signal if it was killed) and deletes the "
		   "container afterwards, unless --keep.",
	.opts = run_opts,
	.more_opts = vsl_create_opts,
	.flags = VSL_CMD_ENTERS_CONTAINER,
};
