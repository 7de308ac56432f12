/* Protection of the vessel binary from the containers it starts (the runc CVE-2019-5736
 * class): the processes vessel forks into a container run vessel's code until they exec,
 * and /proc/<pid>/exe of such a process (or of a container program that re-executes
 * /proc/self/exe) would lead to the host's binary. So the commands that enter containers
 * run from a sealed in-memory copy: writes to it fail, and the host file is not reachable
 * through /proc/<pid>/exe at all. */
#ifndef VSL_RUNTIME_CLONED_BINARY_H
#define VSL_RUNTIME_CLONED_BINARY_H

#include "common/err.h"

/* If this process does not run from a sealed memfd yet, copy /proc/self/exe into one, seal
 * it and re-execute it with the same argv and environment (returns only on failure).
 * Returns 0 when already running from the sealed copy. */
int vsl_ensure_cloned_binary(char **argv, struct vsl_err *err);

#endif
