/* delete: remove a stopped (or created) container; --force kills a running one first and
 * also cleans what a runtime killed halfway through create left behind, and succeeds when
 * there is nothing left. */
#include <errno.h>

#include "common/cleanup.h"
#include "runtime/container.h"

int vsl_container_delete(const struct vsl_ctx *ctx, const char *id, bool force,
			 struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	enum vsl_status s;
	int r;

	r = vsl_store_open(ctx, id, force, &c, err);
	/* As runc and crun: a forced delete of a container that is not there is done (podman
	 * and containerd's shim clean up with it after a failed or finished create). */
	if (r == -ENOENT && force)
		return 0;
	if (r < 0)
		return r;
	s = vsl_container_status(c);
	if (!force && !vsl_status_allows(s, VSL_OP_DELETE))
		return vsl_status_refuse(c, s, VSL_OP_DELETE, err);
	r = vsl_container_teardown(c, true, err);
	if (r < 0)
		return vsl_wrap(err, "delete container %s", id);
	return 0;
}
