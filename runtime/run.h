/* run = create + start (+ wait in the foreground). */
#ifndef VSL_RUNTIME_RUN_H
#define VSL_RUNTIME_RUN_H

#include "runtime/container.h"

struct vsl_run_opts {
	struct vsl_create_opts create;
	bool detach;		/* -d: return once started */
	bool keep;		/* --keep: do not delete after the process exits */
};

/* exit_code: the container process' status (128+signal when killed). */
int vsl_container_run(const struct vsl_ctx *ctx, const struct vsl_run_opts *o, int *exit_code,
		      struct vsl_err *err);

#endif
