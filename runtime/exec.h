/* exec: run another process in a running container, in all its namespaces and cgroup,
 * with the container's process settings unless overridden. */
#ifndef VSL_RUNTIME_EXEC_H
#define VSL_RUNTIME_EXEC_H

#include <stdbool.h>

#include "common/err.h"
#include "runtime/ctx.h"

struct vsl_exec_opts {
	const char *id;
	const char *process_file;	/* --process: a process.json replaces the settings */
	char **args;			/* CMD ARGS... (unless --process) */
	char **env;			/* -e KEY=VALUE, added to / replacing the container's */
	const char *cwd;
	const char *user;		/* uid[:gid] */
	char **caps;			/* --cap: added to bounding, effective, permitted */
	bool tty;
	bool no_new_privs;
	const char *apparmor;		/* --apparmor: replaces process.apparmorProfile */
	const char *process_label;	/* --process-label: replaces process.selinuxLabel */
	const char *console_socket;
	bool detach;
	const char *pid_file;
	int preserve_fds;
};

/* Foreground: *exit_code is the process' status (128+signal if killed). */
int vsl_container_exec(const struct vsl_ctx *ctx, const struct vsl_exec_opts *o,
		       int *exit_code, struct vsl_err *err);

#endif
