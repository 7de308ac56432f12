/* kill: signal the container process (or, with all, every process in its cgroup). */
#include <errno.h>

#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "runtime/container.h"
#include "runtime/pidfd.h"

/* kill --all: every process of the cgroup, forked-away ones included. */
static int kill_all(struct vsl_container *c, int sig, struct vsl_err *err)
{
	const char *rec = vsl_state_get(&c->state, VSL_CG_STATE_KEY);
	cleanup_cgroup struct vsl_cgroup *cg = NULL;

	if (!rec)
		return vsl_fail(err, ENOENT, "cannot kill --all in container %s: it has no cgroup",
				c->id);
	if (vsl_cg_open(rec, &c->ctx->log, &cg, err) < 0 || vsl_cg_kill_all(cg, sig, err) < 0)
		return vsl_wrap(err, "kill --all container %s", c->id);
	return 0;
}

int vsl_container_kill(const struct vsl_ctx *ctx, const char *id, int sig, bool all,
		       struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	cleanup_close int pidfd = -1;
	int r;

	r = vsl_container_open_for(ctx, id, VSL_OP_KILL, &c, err);
	if (r < 0)
		return r;
	if (all)
		return kill_all(c, sig, err);
	pidfd = vsl_pidfd_open(c->state.pid, c->state.start_time, err);
	if (pidfd < 0)
		return vsl_refuse(err, ESRCH, "cannot kill container %s: it is stopped", id);
	r = vsl_pidfd_signal(pidfd, sig, err);
	if (r < 0)
		return vsl_wrap(err, "kill container %s", id);
	return 0;
}
