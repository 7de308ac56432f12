/* Process setup of the container process, applied as runc and crun do: after the rootfs is
 * ready and before exec. Two leaf calls for the lifecycle code: prepare (at `create`, so a
 * bad process fails there and the costly seccomp compile is done early) and exec (after
 * `start`). Runs in the container's child process only; never prints (warnings go to log). */
#ifndef VSL_RUNTIME_PROCESS_H
#define VSL_RUNTIME_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/err.h"
#include "common/log.h"
#include "spec/config.h"

struct vsl_proc_opts {
	const struct vsl_process *proc; /* process of config.json, or of exec */
	const struct vsl_config *cfg;	/* linux.seccomp, linux.personality, namespaces */
	bool in_userns;
	int preserve_fds; /* keep fds 3 .. 3+listen_fds+preserve_fds-1 */
	/* Socket-activation fds vessel itself got (LISTEN_FDS in its environment, as runc
	 * reads it): passed first, at 3 .. 3+listen_fds-1, with LISTEN_FDS=listen_fds and
	 * LISTEN_PID=1 added to its environment (as runc and crun give it, also without a
	 * pid namespace). 0: none. */
	int listen_fds;
	const struct vsl_log *log;
	/* For SCMP_ACT_NOTIFY: a socket connected to linux.seccomp.listenerPath before the
	 * rootfs was entered (vsl_seccomp_listener_connect); below 3 (-1, or 0 in a zeroed
	 * struct) means none. prepare takes ownership, also when it fails. state_json is the
	 * container's OCI state (with the host pid) sent with the listener fd. */
	int seccomp_listener_fd;
	const char *state_json;
};

struct vsl_proc_prepared; /* opaque: what prepare computed */

/* In the container after vsl_rootfs_enter, BEFORE it waits for `vessel start`: resolve
 * args[0] with the PATH of process.env inside the container (a missing executable fails
 * here, so `create` reports it), cwd (created if missing, as runc does), HOME (from
 * /etc/passwd when process.env has none, as runc), rlimits, oom_score_adj, ioPriority,
 * scheduler, personality, umask, capability names (warnings for the ones that cannot be
 * applied), and the seccomp filter compiled to BPF in memory. *out is the caller's. */
int vsl_process_prepare(const struct vsl_proc_opts *o, struct vsl_proc_prepared **out,
			struct vsl_err *err);

/* After start was requested: close every fd but 0,1,2, the preserved ones and keep_fd
 * (close_range), setgroups/setgid/setuid (keeping caps across the switch), capabilities
 * (bounding dropped before the switch, the other four after), no_new_privs, the seccomp
 * filter (last, just before execve, when no_new_privs is set or CAP_SYS_ADMIN stays
 * effective; otherwise before the capabilities are dropped, as runc does; with NOTIFY the
 * listener fd goes to listenerPath), execve. Returns only on failure (err filled; the
 * caller reports it). keep_fd: one fd the caller still needs until exec (e.g. its error
 * pipe, CLOEXEC), -1 if none. */
int vsl_process_exec(struct vsl_proc_prepared *p, int keep_fd, struct vsl_err *err);

void vsl_process_prepared_free(struct vsl_proc_prepared *p);

/* First thing in a child that becomes a container process (stage 1, exec's joiner): close
 * every fd but 0-2, the caller's fds in 3..kept_end-1 and the (at most 4) fds in keep, so
 * that nothing of vessel's (its state dir, lock, cgroup or log files) is open while the
 * child resolves paths from the config. An fd in 3..kept_end-1 that is close-on-exec is
 * vessel's own, not the caller's (vessel opens every fd close-on-exec; what it inherited
 * survived an exec), and is closed too. */
int vsl_fds_close_inherited(int kept_end, const int *keep, size_t n_keep, struct vsl_err *err);

#endif
