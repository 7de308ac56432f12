/* run: create + start; in the foreground, wait for the container process (vessel is its
 * subreaper), forward signals to it, exit with its status, then delete it, as runc does. */
#include <errno.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "runtime/container.h"
#include "runtime/foreground.h"
#include "runtime/run.h"

/* -d: create, start, done; a start that fails takes the container away again. */
static int run_detached(const struct vsl_ctx *ctx, const struct vsl_create_opts *co,
			struct vsl_err *err)
{
	struct vsl_created cr;
	struct vsl_err ignored;
	int r;

	r = vsl_container_create(ctx, co, &cr, err);
	if (r < 0)
		return r;
	if (cr.pty_master >= 0)
		close(cr.pty_master);
	r = vsl_container_start(ctx, co->id, err);
	if (r < 0)
		vsl_container_delete(ctx, co->id, true, &ignored);
	return r;
}

int vsl_container_run(const struct vsl_ctx *ctx, const struct vsl_run_opts *o, int *exit_code,
		      struct vsl_err *err)
{
	struct vsl_create_opts co = o->create;
	struct vsl_created cr;
	struct vsl_fg fg;
	int r;

	*exit_code = 0;
	co.foreground = !o->detach;
	if (o->detach)
		return run_detached(ctx, &co, err);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return vsl_fail(err, errno, "become child subreaper");
	r = vsl_container_create(ctx, &co, &cr, err);
	if (r < 0)
		return r;
	r = vsl_fg_begin(&fg, cr.pty_master, err);
	if (r == 0)
		r = vsl_container_start(ctx, co.id, err);
	if (r == 0)
		r = vsl_fg_wait(&fg, cr.pid, exit_code, err);
	vsl_fg_end(&fg);
	if (cr.pty_master >= 0)
		close(cr.pty_master);
	if (!o->keep) {
		struct vsl_err derr;
		int d = vsl_container_delete(ctx, co.id, true, &derr);
		if (r == 0 && d < 0) {
			*err = derr;
			r = d;
		}
	}
	return r;
}
