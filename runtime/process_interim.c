/* INTERIM, replaced by the proc helper's runtime/process.c: delete this file when it lands.
 * Minimal but real: cwd, then execvpe with the config's env. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/util.h"
#include "runtime/process.h"

struct vsl_proc_prepared {
	const struct vsl_process *proc;
};

int vsl_process_prepare(const struct vsl_proc_opts *o, struct vsl_proc_prepared **out,
			struct vsl_err *err)
{
	struct vsl_proc_prepared *p = xzalloc(sizeof(*p));

	p->proc = o->proc;
	*out = p;
	return 0;
}

int vsl_process_exec(struct vsl_proc_prepared *p, int keep_fd, struct vsl_err *err)
{
	const struct vsl_process *proc = p->proc;
	char *const empty[] = { NULL };

	if (!proc->args || !proc->args[0])
		return vsl_fail(err, EINVAL, "process.args: empty");
	if (proc->cwd && chdir(proc->cwd) < 0)
		return vsl_fail(err, errno, "process.cwd %s", proc->cwd);
	/* execvp searches the PATH of environ: the container's, not vessel's. */
	environ = proc->env ? proc->env : (char **)empty;
	execvp(proc->args[0], proc->args);
	return vsl_fail(err, errno, "exec %s", proc->args[0]);
}

void vsl_process_prepared_free(struct vsl_proc_prepared *p)
{
	free(p);
}
