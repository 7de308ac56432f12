/* What each status allows: one table (pure). */
#include <errno.h>

#include "runtime/container.h"

static const unsigned char allowed[][6] = {
	/*                      start kill delete exec pause resume */
	[VSL_STATUS_CREATING] = { 0, 0, 0, 0, 0, 0 },
	[VSL_STATUS_CREATED] = { 1, 1, 1, 0, 0, 0 },
	[VSL_STATUS_RUNNING] = { 0, 1, 0, 1, 1, 0 },
	[VSL_STATUS_STOPPED] = { 0, 0, 1, 0, 0, 0 },
	[VSL_STATUS_PAUSED] = { 0, 1, 0, 0, 0, 1 },
};

static const char *const op_names[] = { "start", "kill", "delete", "exec into", "pause",
					"resume" };

bool vsl_status_allows(enum vsl_status s, enum vsl_op op)
{
	return allowed[s][op];
}

int vsl_status_refuse(const struct vsl_container *c, enum vsl_status s, enum vsl_op op,
		      struct vsl_err *err)
{
	if (op == VSL_OP_DELETE)
		return vsl_refuse(err, EBUSY, "container %s is %s: stop it or use delete --force",
				c->id, vsl_status_name(s));
	return vsl_refuse(err, s == VSL_STATUS_STOPPED ? ESRCH : EBUSY,
			"cannot %s container %s: it is %s", op_names[op], c->id,
			vsl_status_name(s));
}
