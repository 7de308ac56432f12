/* The container's helper process: recorded in state.json, ended by teardown. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/helper.h"
#include "runtime/pidfd.h"

int vsl_helper_record(const struct vsl_ctx *ctx, const char *id, pid_t pid, struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	char rec[64];
	int r;

	r = vsl_store_open(ctx, id, false, &c, err);
	if (r < 0)
		return r;
	snprintf(rec, sizeof(rec), "%d %" PRIu64, (int)pid, vsl_proc_start_time(pid));
	vsl_state_set(&c->state, VSL_HELPER_STATE_KEY, rec);
	return vsl_store_save(c, err);
}

int vsl_helper_stop(struct vsl_container *c, struct vsl_err *err)
{
	const char *rec = vsl_state_get(&c->state, VSL_HELPER_STATE_KEY);
	cleanup_close int pidfd = -1;
	struct vsl_err gone;
	uint64_t start = 0;
	int pid = 0;

	if (rec && sscanf(rec, "%d %" SCNu64, &pid, &start) == 2 && pid > 0 && pid != getpid()) {
		pidfd = vsl_pidfd_open(pid, start, &gone);
		if (pidfd >= 0 && vsl_pidfd_signal(pidfd, SIGKILL, err) < 0 && err->code != ESRCH)
			return vsl_wrap(err, "container %s: helper %d", c->id, pid);
		if (pidfd >= 0 && vsl_pidfd_wait(pidfd, 5000) < 0)
			return vsl_fail(err, ETIMEDOUT, "container %s: helper %d did not die", c->id,
					pid);
	}
	if (unlinkat(c->dirfd, VSL_HELPER_SOCKET, 0) < 0 && errno != ENOENT)
		return vsl_fail(err, errno, "container %s: remove %s", c->id, VSL_HELPER_SOCKET);
	return 0;
}
