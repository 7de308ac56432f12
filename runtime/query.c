/* state and ps: what one container is and what runs in it. */
#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "runtime/container.h"

int vsl_container_state_json(const struct vsl_ctx *ctx, const char *id, char **out,
			     struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	int r;

	r = vsl_store_open(ctx, id, false, &c, err);
	if (r < 0)
		return r;
	*out = vsl_state_to_oci_json(&c->state, vsl_container_status(c), true);
	return 0;
}

int vsl_container_pids(const struct vsl_ctx *ctx, const char *id, pid_t **out, size_t *n,
		       struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	cleanup_cgroup struct vsl_cgroup *cg = NULL;
	const char *rec;
	int r;

	r = vsl_store_open(ctx, id, false, &c, err);
	if (r < 0)
		return r;
	*out = NULL;
	*n = 0;
	rec = vsl_state_get(&c->state, VSL_CG_STATE_KEY);
	if (!rec || vsl_container_status(c) == VSL_STATUS_STOPPED)
		return 0;
	r = vsl_cg_open(rec, &ctx->log, &cg, err);
	if (r == 0)
		r = vsl_cg_pids(cg, out, n, err);
	return r < 0 ? vsl_wrap(err, "container %s", id) : 0;
}
