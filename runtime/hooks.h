/* OCI hooks: run one list of hooks (prestart, createRuntime, ...) in order, in whatever
 * namespace the caller is in. Where each kind runs and whether its failure is fatal is the
 * lifecycle's decision (runtime/create.c, start.c, delete.c), not this module's. */
#ifndef VSL_RUNTIME_HOOKS_H
#define VSL_RUNTIME_HOOKS_H

#include "common/err.h"
#include "common/log.h"
#include "spec/config.h"
#include "spec/state.h"

/* Run each hook of the list in order: fork, exec hook->path with hook->args as argv
 * (args[0] is argv[0]; no args -> argv[0] = path) and hook->env as the environment (env
 * absent -> vessel's own environment, as runc does; present but empty -> an empty one).
 * The hook gets state_json on stdin (NULL: empty stdin), no fd of vessel's but 0, 1, 2,
 * default signal dispositions and an empty signal mask, and its own process group.
 *
 * Its stdout and stderr are captured: each line goes to the log sink at debug level, and
 * the last one is quoted in the error. A hook with hook->timeout is killed (its whole
 * process group, SIGKILL) when the timeout passes.
 *
 * The first hook that cannot be started, exits non-zero, dies of a signal or times out
 * stops the list. err then holds one line naming it, e.g.
 *   "hooks.createRuntime[1] /path: exited with status 3: <last line of its output>"
 * with code EINVAL for a hook that ran and failed (so no strerror text is appended), or
 * the errno of the failing call (fork, exec, ...). kind_name is used in messages only. */
int vsl_hooks_run(const struct vsl_hook_list *list, const char *kind_name,
		  const char *state_json, const struct vsl_log *log, struct vsl_err *err);

/* For poststart and poststop, whose failures the spec makes warnings: run every hook of
 * the list even after one fails, each failure one "warning: hooks.poststop[0] ..." line on
 * the log sink. Returns how many failed. */
size_t vsl_hooks_run_warn(const struct vsl_hook_list *list, const char *kind_name,
			  const char *state_json, const struct vsl_log *log);

/* For hooks run from inside the container (createContainer, startContainer): the OCI
 * state made on the runtime side (state_json) with the pid as this process sees itself
 * (the spec: "the pid as seen by the container") and the given status. Malloc'd. */
char *vsl_hooks_state_here(const char *state_json, enum vsl_status status, struct vsl_err *err);


#endif
