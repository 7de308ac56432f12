/* state: the OCI state of one container with its live status. */
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
