/* The container process: setup before start, then exec. */
#ifndef VSL_RUNTIME_PROCESS_H
#define VSL_RUNTIME_PROCESS_H

#include <stdbool.h>

#include "common/err.h"
#include "common/log.h"
#include "spec/config.h"

struct vsl_proc_opts {
	const struct vsl_process *proc;
	const struct vsl_config *cfg;
	bool in_userns;
	int preserve_fds;
	const struct vsl_log *log;
};
struct vsl_proc_prepared;

int vsl_process_prepare(const struct vsl_proc_opts *o, struct vsl_proc_prepared **out,
			struct vsl_err *err);
int vsl_process_exec(struct vsl_proc_prepared *p, int keep_fd, struct vsl_err *err);
void vsl_process_prepared_free(struct vsl_proc_prepared *p);

#endif
