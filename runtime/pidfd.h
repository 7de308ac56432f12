/* Signalling and waiting for the container process by pidfd: no race with pid reuse, and a
 * process that is not our child can still be waited for (poll on the pidfd). */
#ifndef VSL_RUNTIME_PIDFD_H
#define VSL_RUNTIME_PIDFD_H

#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

/* pidfd of pid if it is still the process that started at start_time; -ESRCH if not. */
int vsl_pidfd_open(pid_t pid, uint64_t start_time, struct vsl_err *err);
int vsl_pidfd_signal(int pidfd, int sig, struct vsl_err *err);
/* Wait until the process has exited (zombie counts), up to timeout_ms (-1: forever).
 * Returns 0, or -ETIMEDOUT. */
int vsl_pidfd_wait(int pidfd, int timeout_ms);

#endif
