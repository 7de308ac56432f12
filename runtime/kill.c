/* kill: signal the container process (or, with all, every process in its cgroup). */
#include <errno.h>

#include "common/cleanup.h"
#include "runtime/container.h"
#include "runtime/pidfd.h"

int vsl_container_kill(const struct vsl_ctx *ctx, const char *id, int sig, bool all,
		       struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	cleanup_close int pidfd = -1;
	int r;

	r = vsl_container_open_for(ctx, id, VSL_OP_KILL, &c, err);
	if (r < 0)
		return r;
	pidfd = vsl_pidfd_open(c->state.pid, c->state.start_time, err);
	if (pidfd < 0)
		return vsl_refuse(err, ESRCH, "cannot kill container %s: it is stopped", id);
	r = vsl_pidfd_signal(pidfd, sig, err);
	if (r < 0)
		return vsl_wrap(err, "kill container %s", id);
	return 0;
}
