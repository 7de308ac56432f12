/* A helper: a process outside the container that serves it for as long as it runs (the
 * console keeper of a VPS holds its pty and listens on <root>/<id>/console.sock). It is
 * recorded in the container's state ("helper.pid" = "PID STARTTIME") so that teardown -
 * delete, delete --force, a failed create - ends it and removes its socket like every
 * other thing the container owns, even when the helper itself is gone or stuck. */
#ifndef VSL_RUNTIME_HELPER_H
#define VSL_RUNTIME_HELPER_H

#include <sys/types.h>

#include "common/err.h"
#include "runtime/ctx.h"
#include "runtime/store.h"

#define VSL_HELPER_STATE_KEY "helper.pid"
#define VSL_HELPER_SOCKET "console.sock"

/* Record pid (with its start time) as container id's helper. ENOENT: no such container. */
int vsl_helper_record(const struct vsl_ctx *ctx, const char *id, pid_t pid, struct vsl_err *err);
/* Teardown's step: SIGKILL the recorded helper unless it is the calling process (a helper
 * tearing its own container down), wait for it, and remove its socket. Idempotent. */
int vsl_helper_stop(struct vsl_container *c, struct vsl_err *err);

#endif
