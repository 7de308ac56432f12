/* struct vsl_ctx: everything a library call needs from the global command line, built
 * once by cmd/main.c and passed down by pointer. No global mutable state anywhere. */
#ifndef VSL_RUNTIME_CTX_H
#define VSL_RUNTIME_CTX_H

#include <stdbool.h>

#include "common/log.h"

#define VSL_DEFAULT_ROOT "/run/vessel"
#define VSL_DEFAULT_STORE "/var/lib/vessel"

struct vsl_ctx {
	const char *root;	/* --root: state dirs, one per container; NULL: a rootless
				 * vessel found none (runtime/rootless.h) */
	const char *store;	/* --store / VESSEL_STORE: templates, layers, leases */
	struct vsl_log log;	/* --log, --log-format, --debug */
	bool systemd_cgroup;	/* --systemd-cgroup */
	bool rootless;		/* --rootless, or auto: no privilege on the host */
	const char *criu;	/* --criu: the CRIU binary (NULL: "criu" on PATH) */
};

#endif
