/* exec's pieces, shared by runtime/exec*.c only. */
#ifndef VSL_RUNTIME_EXEC_INTERNAL_H
#define VSL_RUNTIME_EXEC_INTERNAL_H

#include "runtime/exec.h"
#include "spec/config.h"

/* Turn the container's config into exec's: --process JSON (if given) or args, then the
 * overrides of o. */
int vsl_exec_build_process(struct vsl_config *cfg, const struct vsl_exec_opts *o,
			   const char *process_json, size_t len, struct vsl_err *err);

#endif
