/* The container lifecycle: the library calls behind create, start, run, kill, delete,
 * state and list. Each opens and locks the container, checks the live status allows the
 * operation, acts, and records what it did. */
#ifndef VSL_RUNTIME_CONTAINER_H
#define VSL_RUNTIME_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/err.h"
#include "runtime/ctx.h"
#include "runtime/store.h"

struct vsl_create_opts {
	const char *id;
	const char *bundle;		/* NULL: current directory */
	const char *pid_file;
	const char *console_socket;
	bool no_pivot;
	int preserve_fds;
	int listen_fds;			/* socket activation: LISTEN_FDS vessel got */
	bool foreground;		/* run without -d: the caller stays and waits */
	const char *net_address;	/* NULL, or in place of vessel.net.address (restore:
					 * the address the container had) */
	/* restore (runtime/checkpoint.h): CRIU brings the process back instead of a spawn */
	const struct vsl_restore_opts *restore;
	/* Called once the root filesystem is mounted (template layers included), before the
	 * container process exists: a VPS writes its hostname into its own layer here.
	 * rootfs is the absolute host path. May be NULL. */
	int (*prepare_rootfs)(void *arg, const char *rootfs, struct vsl_err *err);
	void *prepare_arg;
};

/* After create: what `run` in the foreground needs. */
struct vsl_created {
	pid_t pid;
	int pty_master;			/* terminal:true without console socket, else -1 */
};

int vsl_container_create(const struct vsl_ctx *ctx, const struct vsl_create_opts *o,
			 struct vsl_created *out, struct vsl_err *err);
int vsl_container_start(const struct vsl_ctx *ctx, const char *id, struct vsl_err *err);
/* all: every process in the container's cgroup. */
int vsl_container_kill(const struct vsl_ctx *ctx, const char *id, int sig, bool all,
		       struct vsl_err *err);
int vsl_container_delete(const struct vsl_ctx *ctx, const char *id, bool force,
			 struct vsl_err *err);
/* Remove a network (netns/net.h), releasing first the leases of containers that no longer
 * exist (no state dir under ctx->root, no host veth): they are not "in use". */
int vsl_network_remove(const struct vsl_ctx *ctx, const char *name, struct vsl_err *err);
/* Undo everything the state records (process, cgroup, network, layers, state dir); each
 * step is idempotent. Used by delete and by a failed create. */
int vsl_container_teardown(struct vsl_container *c, bool run_poststop, struct vsl_err *err);
/* OCI state JSON with the live status (malloc'd). */
int vsl_container_state_json(const struct vsl_ctx *ctx, const char *id, char **out,
			     struct vsl_err *err);

/* The processes in the container's cgroup (host pids, malloc'd; none once stopped). */
int vsl_container_pids(const struct vsl_ctx *ctx, const char *id, pid_t **out, size_t *n,
		       struct vsl_err *err);

/* Which operations a status allows (pure). */
enum vsl_op { VSL_OP_START, VSL_OP_KILL, VSL_OP_DELETE, VSL_OP_EXEC, VSL_OP_PAUSE,
	      VSL_OP_RESUME };
bool vsl_status_allows(enum vsl_status s, enum vsl_op op);
/* The one-line refusal for op in status s ("cannot start container web1: it is running"). */
int vsl_status_refuse(const struct vsl_container *c, enum vsl_status s, enum vsl_op op,
		      struct vsl_err *err);

/* Open and lock container id for op: refused unless its live status allows op. */
int vsl_container_open_for(const struct vsl_ctx *ctx, const char *id, enum vsl_op op,
			   struct vsl_container **out, struct vsl_err *err);

#endif
