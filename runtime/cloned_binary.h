/* Protection of the vessel binary from the containers it starts (the runc CVE-2019-5736
 * class): the processes vessel forks into a container run vessel's code until they exec,
 * and /proc/<pid>/exe of such a process (or of a container program that re-executes
 * /proc/self/exe) would lead to the host's binary. So the commands that enter containers
 * re-execute themselves from a sealed copy: the binary seen through a private read-only
 * overlayfs that has no upper layer (as runc 1.2 does; no copy, the page cache is shared),
 * or, where overlayfs cannot be used (no privilege, an odd layout), a sealed memfd copy.
 * Writes through /proc/<pid>/exe fail either way. */
#ifndef VSL_RUNTIME_CLONED_BINARY_H
#define VSL_RUNTIME_CLONED_BINARY_H

#include "common/err.h"

/* If this process does not run from a sealed copy yet, make one and re-execute it with the
 * same argv and environment (returns only on failure). DUMMY is a directory of vessel's own
 * (the state root; made if missing) that serves as the overlay's second, lower layer.
 * Returns 0 when already running from the sealed copy. */
int vsl_ensure_cloned_binary(char **argv, const char *dummy, struct vsl_err *err);

#endif
