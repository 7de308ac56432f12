/* vessel run [options] ID: create + start; in the foreground wait and exit with the
 * container's status (128+signal when it was killed). */
#include "cmd/cmd.h"
#include "runtime/run.h"

int vsl_cmd_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_run_opts o = { 0 };
	struct vsl_err err;
	int r, code = 0;

	r = vsl_cmd_parse_create(vsl_cmd_find("run"), argc, argv, &o);
	if (r)
		return r;
	if (vsl_container_run(ctx, &o, &code, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return code;
}
