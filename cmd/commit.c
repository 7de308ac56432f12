/* vessel commit ID NAME: a stopped or paused container's private layer becomes a template
 * on top of the container's own template. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "overlay/overlay.h"
#include "runtime/container.h"

static void show_progress(void *arg, uint64_t done, uint64_t total)
{
	int *last = arg;
	int pct = total ? (int)(done * 100 / total) : 0;

	if (pct == *last)
		return;
	*last = pct;
	fprintf(stderr, "\rcommitting: %3d%%", pct);
}

static int commit_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	cleanup_container struct vsl_container *c = NULL;
	struct vsl_ovl_commit_req req = {.store = ctx->store, .log = &ctx->log};
	enum vsl_status s;
	struct vsl_args a;
	struct vsl_err err;
	int last = -1, r;

	r = vsl_args_exactly(&a, &vsl_cmd_commit, argc, argv, 2,
			     "expected a container id and a template name");
	if (r)
		return r;
	req.id = a.argv[0];
	req.name = a.argv[1];
	/* The container stays locked while its layer is copied: nothing can start it. */
	if (vsl_store_open(ctx, req.id, false, &c, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	s = vsl_container_status(c);
	if (s != VSL_STATUS_STOPPED && s != VSL_STATUS_PAUSED) {
		vsl_fail(&err, EBUSY, "container %s is %s: stop or pause it before commit", req.id,
			 vsl_status_name(s));
		return vsl_cmd_fail(ctx, &err);
	}
	if (isatty(2)) {
		req.progress = show_progress;
		req.progress_arg = &last;
	}
	r = vsl_ovl_commit(&req, &err);
	if (last >= 0)
		fprintf(stderr, "\n");
	return r < 0 ? vsl_cmd_fail(ctx, &err) : 0;
}

const struct vsl_cmd vsl_cmd_commit = {
	.name = "commit",
	.run = commit_run,
	.summary = "snapshot a stopped or paused container as a template",
	.args = "ID NAME",
	.details = "The container's private layer becomes template NAME, on top of the "
		   "container's own template.",
	.flags = VSL_CMD_USES_STORE,
};
