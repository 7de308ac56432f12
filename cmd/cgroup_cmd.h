/* Shared by pause, resume, update and events: open a container and its cgroup. */
#ifndef VSL_CMD_CGROUP_CMD_H
#define VSL_CMD_CGROUP_CMD_H

#include <errno.h>

#include "cgroup/cgroup.h"
#include "runtime/container.h"
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "runtime/store.h"


/* Open container id (locked: the caller holds it while acting) and its cgroup. A stopped
 * or half-made container is refused with the status named. */
static inline int vsl_cmd_open_cgroup(const struct vsl_ctx *ctx, const char *id,
				      const char *what, struct vsl_container **out_c,
				      struct vsl_cgroup **out_cg, struct vsl_err *err)
{
	struct vsl_container *c = NULL;
	enum vsl_status s;
	const char *rec;
	int r;

	r = vsl_store_open(ctx, id, false, &c, err);
	if (r < 0)
		return r;
	s = vsl_container_status(c);
	rec = vsl_state_get(&c->state, VSL_CG_STATE_KEY);
	if (s == VSL_STATUS_STOPPED || s == VSL_STATUS_CREATING)
		r = vsl_fail(err, s == VSL_STATUS_STOPPED ? ESRCH : EBUSY,
			     "cannot %s container %s: it is %s", what, id, vsl_status_name(s));
	else if (!rec)
		r = vsl_fail(err, ENOENT, "cannot %s container %s: it has no cgroup recorded", what,
			     id);
	else
		r = vsl_cg_open(rec, &ctx->log, out_cg, err);
	if (r < 0) {
		vsl_container_free(c);
		return r;
	}
	*out_c = c;
	return 0;
}

/* pause and resume: freeze or thaw the container's cgroup, refusing what its status forbids. */
static inline int vsl_cmd_freeze(struct vsl_ctx *ctx, int argc, char **argv, bool frozen)
{
	const char *name = frozen ? "pause" : "resume";
	const struct vsl_cmd *cmd = frozen ? &vsl_cmd_pause : &vsl_cmd_resume;
	cleanup_container struct vsl_container *c = NULL;
	cleanup_cgroup struct vsl_cgroup *cg = NULL;
	struct vsl_args a;
	struct vsl_err err;
	enum vsl_status s;
	int r;

	r = vsl_args_exactly(&a, cmd, argc, argv, 1, "expected one container id");
	if (r)
		return r;
	if (vsl_cmd_open_cgroup(ctx, a.argv[0], name, &c, &cg, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	s = vsl_container_status(c);
	if (!vsl_status_allows(s, frozen ? VSL_OP_PAUSE : VSL_OP_RESUME)) {
		vsl_status_refuse(c, s, frozen ? VSL_OP_PAUSE : VSL_OP_RESUME, &err);
		return vsl_cmd_fail(ctx, &err);
	}
	if (vsl_cg_freeze(cg, frozen, &err) < 0) {
		vsl_wrap(&err, "%s container %s", name, a.argv[0]);
		return vsl_cmd_fail(ctx, &err);
	}
	return 0;
}

#endif
