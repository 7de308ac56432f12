/* A rootless container's network: pasta (Debian's passt) gives its new network namespace
 * a tap device with the host's addresses and routes and forwards the ports asked for,
 * without privilege; or nothing but loopback. */
#ifndef VSL_RUNTIME_USERNET_H
#define VSL_RUNTIME_USERNET_H

#include <sys/types.h>

#include "common/err.h"
#include "runtime/container.h"
#include "spec/config.h"

#define VSL_NET_ANN_USER "vessel.net.user" /* "pasta" or "none" */
#define VSL_USERNET_STATE_KEY "net.pasta"   /* "PID STARTTIME" of the pasta process */

/* pasta's command line for the namespaces of pid, ports as vessel.net.ports
 * ("HOST:CONTAINER[/tcp|/udp],..."); NULL and err naming the annotation on bad ports. */
char **vsl_usernet_pasta_argv(pid_t pid, const char *pidfile, const char *ports,
			      struct vsl_err *err);
/* The annotation vessel.net.user of cfg for the container process pid: start pasta and
 * record it in c's state (before it runs: teardown finds it), or nothing for "none". */
int vsl_usernet_attach(struct vsl_container *c, const struct vsl_config *cfg, pid_t pid,
		       struct vsl_err *err);
/* Stop the recorded pasta, if still the same process. Idempotent. */
int vsl_usernet_detach(struct vsl_container *c, struct vsl_err *err);

#endif
