/* Between the files of checkpoint and restore (runtime/checkpoint*.c, restore*.c). */
#ifndef VSL_RUNTIME_CHECKPOINT_INTERNAL_H
#define VSL_RUNTIME_CHECKPOINT_INTERNAL_H

#include <stdbool.h>

#include "cgroup/cgroup.h"
#include "runtime/checkpoint.h"

/* Where the child puts what CRIU is to hand to the restored process (--inherit-fd). */
#define VSL_CRIU_NETNS_FD 3
#define VSL_CRIU_STDIO_FD 10

/* How criu's process is set up before exec. */
struct vsl_criu_child {
	const struct vsl_cgroup *cg;	/* enter it first (restore: the restored tasks' cgroup) */
	const char *bind_src;		/* bind (recursively) onto bind_dst in a private mount */
	const char *bind_dst;		/* namespace: CRIU wants its --root to be a mount point */
	int netns_fd;			/* -1, or placed at VSL_CRIU_NETNS_FD */
	bool pass_stdio;		/* vessel's fds 0-2 placed at VSL_CRIU_STDIO_FD + 0..2 */
};

/* Run criu with argv; *out_status is its wait status. ENOENT: criu not installed. */
int vsl_criu_exec(char **argv, const struct vsl_criu_child *ch, int *out_status,
		  struct vsl_err *err);
/* The one-line error for a criu run that failed: "what: CRIU's reason (log: PATH)". */
int vsl_criu_fail(const char *what, const char *log_path, int status, struct vsl_err *err);

#endif
