/* Making the container process. Two stages, so that every namespace can be created new or
 * joined by path (pid and time namespaces only apply to children):
 *   parent (vessel) --fork--> stage 1: enter the cgroup, join namespaces by path, unshare
 *       user (the parent writes the id maps), unshare the rest, set time offsets, fork,
 *       report, exit
 *   stage 1 --fork--> container process: [parent: records the pid] mounts, [parent: createRuntime], hooks, pivot,
 *       names, sysctls, process setup; READY; after COMMIT, block on exec.fifo until
 *       `vessel start`, then exec. The container process is the child of nothing vessel
 *       keeps (daemonless): it is reparented to the caller's subreaper or to init. */
#ifndef VSL_RUNTIME_SPAWN_H
#define VSL_RUNTIME_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/err.h"
#include "cgroup/cgroup.h"
#include "common/log.h"
#include "spec/config.h"

struct vsl_spawn_opts {
	const struct vsl_config *cfg;
	const char *rootfs;	/* absolute host path */
	const char *bundle;	/* absolute */
	/* O_PATH of the container's store dir, where exec.fifo is: the parent sends the
	 * container an O_PATH fd of the fifo with COMMIT. The children close this and every
	 * other fd of vessel's first thing (vsl_fds_close_inherited), the locked store dir
	 * (lock_fd) included, or the waiting container would hold the lock. */
	int state_dirfd;
	int lock_fd;
	bool no_pivot;
	int preserve_fds;
	int listen_fds;
	const char *cgroup_dir;	/* the container's cgroup inside each hierarchy, or NULL */
	/* The container's cgroup, or NULL: stage 1 is forked into it and moves itself
	 * before it unshares anything (cgroup/fork.c), so everything it forks is in it. */
	const struct vsl_cgroup *cg;
	const struct vsl_log *log;
	/* Parent-side steps at the sync points (each may be NULL). */
	void *arg;
	/* the container process exists (host pid): record it (crash safety) */
	int (*on_pid)(void *arg, pid_t pid, struct vsl_err *err);
	/* mounts are done, before pivot_root: network, createRuntime hooks. Returns the state
	 * JSON the container's own hooks get on stdin (malloc'd, handed over). */
	int (*on_mounted)(void *arg, pid_t pid, char **out_state_json, struct vsl_err *err);
};

struct vsl_spawned {
	pid_t pid;		/* container process, host pid */
	int sync_fd;		/* open until commit */
	int pty_master;		/* with process.terminal, else -1 */
	int fifo_fd;		/* O_PATH of exec.fifo, handed over with COMMIT */
};

/* Run both stages up to READY. On failure nothing is left running. */
int vsl_spawn(const struct vsl_spawn_opts *o, struct vsl_spawned *out, struct vsl_err *err);
/* State is saved: let the container wait for start. */
int vsl_spawn_commit(struct vsl_spawned *sp, struct vsl_err *err);
/* Kill the container process (create failed after vsl_spawn). */
void vsl_spawn_abort(struct vsl_spawned *sp);

/* Child side (runtime/init.c). They never return. */
void vsl_init_stage1(const struct vsl_spawn_opts *o, int sock, bool born_in_v2)
	__attribute__((noreturn));
void vsl_init_container(const struct vsl_spawn_opts *o, int sock) __attribute__((noreturn));

#endif
