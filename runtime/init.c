/* Child side of making the container process: stage 1 (namespaces) and the container
 * process itself (rootfs, names, process setup, wait for start, exec). Every failure is
 * sent to the parent as one error message; then the child exits. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/hooks.h"
#include "runtime/hostfds.h"
#include "runtime/paths.h"
#include "runtime/process.h"
#include "runtime/rootfs.h"
#include "runtime/rootless.h"
#include "runtime/seccomp.h"
#include "runtime/spawn.h"
#include "runtime/store.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "runtime/userns.h"

static void __attribute__((noreturn)) child_fail(int sock, const struct vsl_err *err)
{
	vsl_sync_send_err(sock, err);
	_exit(1);
}

/* Open every namespace path first (a joined mount namespace changes what paths mean),
 * then join: user first, so the others are joined with its privileges. */
static int join_namespaces(const struct vsl_config *cfg, struct vsl_err *err)
{
	int fds[VSL_NS_TYPES];
	int r = 0, order[VSL_NS_TYPES], n = 0;

	order[n++] = VSL_NS_USER;
	for (int t = 0; t < VSL_NS_TYPES; t++)
		if (t != VSL_NS_USER)
			order[n++] = t;
	for (int t = 0; t < VSL_NS_TYPES; t++) {
		const char *path = cfg->linux.namespaces[t].path;
		fds[t] = -1;
		if (!path)
			continue;
		fds[t] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[t] < 0) {
			r = vsl_fail(err, errno, "linux.namespaces: %s namespace %s",
				     vsl_ns_name((enum vsl_ns_type)t), path);
			goto out;
		}
	}
	for (int i = 0; i < n; i++) {
		int t = order[i];
		if (fds[t] >= 0 && setns(fds[t], vsl_ns_clone_flag((enum vsl_ns_type)t)) < 0) {
			r = vsl_fail(err, errno, "linux.namespaces: join %s namespace %s",
				     vsl_ns_name((enum vsl_ns_type)t),
				     cfg->linux.namespaces[t].path);
			goto out;
		}
	}
out:
	for (int t = 0; t < VSL_NS_TYPES; t++)
		if (fds[t] >= 0)
			close(fds[t]);
	return r;
}

static int set_time_offsets(const struct vsl_config *cfg, struct vsl_err *err)
{
	const struct vsl_time_offset *m = &cfg->linux.time_monotonic, *b = &cfg->linux.time_boottime;
	char buf[256];
	int n = 0;

	if (m->set)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "monotonic %lld %u\n",
			      (long long)m->secs, m->nanosecs);
	if (b->set)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "boottime %lld %u\n",
			      (long long)b->secs, b->nanosecs);
	if (n == 0)
		return 0;
	return vsl_write_file("/proc/self/timens_offsets", buf, (size_t)n, err);
}

static int become_userns_root(int sock, struct vsl_sync_msg *msg, struct vsl_err *err)
{
	int r;

	if (unshare(CLONE_NEWUSER) < 0)
		return vsl_fail(err, errno, "unshare user namespace");
	r = vsl_sync_send(sock, VSL_SYNC_USERNS, 0, NULL, 0, -1, err);
	if (r == 0)
		r = vsl_sync_expect(sock, VSL_SYNC_GO, msg, err);
	if (r < 0)
		return r;
	/* Root of the new namespace, when the maps give it one (else keep the mapped ids). */
	if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
		return vsl_fail(err, errno, "setresgid 0 in the user namespace");
	if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
		return vsl_fail(err, errno, "setresuid 0 in the user namespace");
	return 0;
}

/* The container starts with default dispositions and nothing blocked, whatever the caller
 * of vessel had (conmon, a shell ignoring SIGPIPE, run's blocked forwarding set). */
static void reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

void vsl_init_stage1(const struct vsl_spawn_opts *o, int sock, bool born_in_v2)
{
	cleanup_sync_msg struct vsl_sync_msg *msg = vsl_sync_msg_new();
	const int keep[] = { sock, o->log ? o->log->fd : -1 };
	struct vsl_err err;
	int flags = vsl_ns_new_flags(o->cfg);
	pid_t pid;

	/* Stage 1 lives only while vessel waits for it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* None of vessel's fds may reach the container or be open while it resolves paths
	 * (process.cwd): the locked state dir above all, or the waiting container would also
	 * hold the lock until exec. */
	if (vsl_fds_close_inherited(3 + o->listen_fds + o->preserve_fds, keep, 2, &err) < 0)
		child_fail(sock, &err);
	reset_signals();
	/* Into the cgroup first: a new cgroup namespace is rooted there, and everything
	 * forked from here on inherits it. */
	if (o->cg && vsl_cg_enter_self(o->cg, born_in_v2, &err) < 0)
		child_fail(sock, &err);
	if (join_namespaces(o->cfg, &err) < 0)
		child_fail(sock, &err);
	if ((flags & CLONE_NEWUSER) && become_userns_root(sock, msg, &err) < 0)
		child_fail(sock, &err);
	if (unshare(flags & ~CLONE_NEWUSER) < 0) {
		vsl_fail(&err, errno, "unshare namespaces (flags 0x%x)", flags & ~CLONE_NEWUSER);
		child_fail(sock, &err);
	}
	if (vsl_ns_is_new(o->cfg, VSL_NS_TIME) && set_time_offsets(o->cfg, &err) < 0)
		child_fail(sock, &err);
	pid = fork();
	if (pid < 0) {
		vsl_fail(&err, errno, "fork the container process");
		child_fail(sock, &err);
	}
	if (pid == 0)
		vsl_init_container(o, sock);
	if (vsl_sync_send(sock, VSL_SYNC_PID, 0, &pid, sizeof(pid), -1, &err) < 0)
		_exit(1);
	_exit(0);
}

/* What the container process keeps from its setup until it execs. */
struct prepared {
	struct vsl_proc_prepared *proc;
	char *state_json;	/* the OCI state from the runtime side (GO's payload) */
	int pty_master;		/* process.terminal: handed to vessel with READY */
	/* Without a mount namespace the root becomes root.path, whose /proc is a plain
	 * directory: the caller's /proc (O_PATH), to reopen exec.fifo through; else -1. */
	int proc_fd;
};

/* In the container's namespaces, before pivot_root: createContainer hooks. The state from
 * the runtime side is kept for startContainer. */
static int create_container_hooks(const struct vsl_spawn_opts *o, const struct vsl_sync_msg *msg,
				  struct prepared *out, struct vsl_err *err)
{
	cleanup_free char *json = NULL;

	out->state_json = msg->len ? xstrdup(msg->data) : NULL;
	if (!o->cfg->hooks[VSL_HOOK_CREATE_CONTAINER].n)
		return 0;
	json = vsl_hooks_state_here(out->state_json, VSL_STATUS_CREATING, err);
	if (!json)
		return -err->code;
	return vsl_hooks_run(&o->cfg->hooks[VSL_HOOK_CREATE_CONTAINER], "createContainer", json,
			     o->log, err);
}

/* After pivot_root, /dev/pts is the container's own devpts: the pty comes from there. */
static int setup_terminal(const struct vsl_config *cfg, struct prepared *out,
			  struct vsl_err *err)
{
	const struct vsl_process *p = &cfg->process;
	char slave[64];
	int r;

	/* Its own session, as runc's init: without it the session leader is a process
	 * outside the container, which CRIU cannot checkpoint. */
	if (!p->terminal)
		return setsid() < 0 && getsid(0) != getpid() ? vsl_fail(err, errno, "setsid") : 0;
	r = vsl_tty_setup_in_container(p->has_console_size ? p->console_height : 0,
				       p->has_console_size ? p->console_width : 0,
				       &out->pty_master, err);
	if (r < 0)
		return r;
	/* The process may run as another user, who must be able to reopen its tty. */
	if (fchown(0, p->user.uid, (gid_t)-1) < 0)
		return vsl_fail(err, errno, "pty: chown to uid %u", p->user.uid);
	/* As runc: the pty is the container's /dev/console too (a mount: not without a
	 * mount namespace of the container's own). */
	if (!vsl_rootfs_has_mntns(cfg))
		return 0;
	r = vsl_tty_slave_path(out->pty_master, slave, sizeof(slave), err);
	if (r == 0)
		r = vsl_rootfs_console(slave, err);
	return r;
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}

static int *fds_new(size_t n)
{
	int *fds = xmalloc((n ? n : 1) * sizeof(int));

	for (size_t i = 0; i < n; i++)
		fds[i] = -1;
	return fds;
}

static int keep_fd(void *arg, size_t i, int fd, struct vsl_err *err)
{
	((int *)arg)[i] = fd;
	return 0;
}

/* Bind sources and, in a user namespace, device nodes: from vessel (runtime/hostfds.h)
 * until its GO; without a user namespace the sources are opened here, before any mount,
 * so that they resolve the same way. Then the mounts; the fds are closed right after. */
static int prepare_rootfs(const struct vsl_spawn_opts *o, int sock, struct vsl_sync_msg *msg,
			  struct vsl_rootfs_opts *ro, struct vsl_err *err)
{
	const struct vsl_config *cfg = o->cfg;
	int *src = fds_new(cfg->n_mounts), *dev = fds_new(cfg->linux.n_devices);
	int r = vsl_hostfds_receive(cfg, sock, msg, src, dev, err);

	if (r == 0 && !cfg->linux.namespaces[VSL_NS_USER].present && vsl_rootfs_has_mntns(cfg))
		r = vsl_mounts_open_sources(cfg, o->bundle, keep_fd, src, err);
	ro->src_fds = src;
	ro->dev_fds = dev;
	if (r == 0)
		r = vsl_rootfs_prepare(ro, err);
	ro->src_fds = ro->dev_fds = NULL;
	close_all(src, cfg->n_mounts);
	close_all(dev, cfg->linux.n_devices);
	return r;
}

static int setup_container(const struct vsl_spawn_opts *o, int sock, struct vsl_sync_msg *msg,
			   struct prepared *out, struct vsl_err *err)
{
	const struct vsl_config *cfg = o->cfg;
	struct vsl_rootfs_opts ro = {
		.cfg = cfg,
		.rootfs = o->rootfs,
		.bundle = o->bundle,
		.no_pivot = o->no_pivot,
		/* rootless podman runs vessel in its own user namespace: no mknod there either */
		.new_userns = vsl_ns_is_new(cfg, VSL_NS_USER) || vsl_in_userns(),
		.new_netns = vsl_ns_is_new(cfg, VSL_NS_NET),
		.new_cgroupns = vsl_ns_is_new(cfg, VSL_NS_CGROUP),
		.cgroup_path = o->cgroup_dir,
		.log = o->log,
	};
	struct vsl_proc_opts po = {
		.proc = &cfg->process,
		.cfg = cfg,
		.in_userns = cfg->linux.namespaces[VSL_NS_USER].present,
		.preserve_fds = o->preserve_fds,
		.listen_fds = o->listen_fds,
		.log = o->log,
		.seccomp_listener_fd = -1,
	};
	int r;

	r = prepare_rootfs(o, sock, msg, &ro, err);
	if (r == 0)
		r = vsl_sync_send(sock, VSL_SYNC_MOUNTED, 0, NULL, 0, -1, err);
	if (r == 0)
		r = vsl_sync_expect(sock, VSL_SYNC_GO, msg, err);
	/* The seccomp agent's socket is a host path: connect while it is still reachable. */
	po.state_json = msg->data;
	if (r == 0 && cfg->linux.has_seccomp && cfg->linux.seccomp.listener_path &&
	    vsl_seccomp_uses_notify(&cfg->linux.seccomp))
		r = vsl_seccomp_listener_connect(cfg->linux.seccomp.listener_path,
						 &po.seccomp_listener_fd, err);
	if (r == 0)
		r = create_container_hooks(o, msg, out, err);
	if (r == 0 && !vsl_rootfs_has_mntns(cfg)) {
		out->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (out->proc_fd < 0)
			r = vsl_fail(err, errno, "open /proc");
	}
	if (r == 0)
		r = vsl_rootfs_enter(&ro, err);
	if (r == 0)
		r = setup_terminal(cfg, out, err);
	if (r == 0)
		r = vsl_rootfs_propagate(&ro, err);
	if (r == 0)
		r = vsl_process_prepare(&po, &out->proc, err);
	/* wait_for_start reopens exec.fifo through the container's /proc: say so now. */
	if (r == 0 && out->proc_fd < 0 && access("/proc/self/fd", F_OK) < 0)
		r = vsl_fail(err, errno, "the container has no /proc (mounts): vessel needs "
			     "/proc/self/fd to wait for start");
	return r;
}

/* start has opened the fifo, before the user's process: startContainer hooks, in here. */
static int start_container_hooks(const struct vsl_spawn_opts *o, const struct prepared *prep,
				 struct vsl_err *err)
{
	cleanup_free char *json = NULL;

	if (!o->cfg->hooks[VSL_HOOK_START_CONTAINER].n)
		return 0;
	json = vsl_hooks_state_here(prep->state_json, VSL_STATUS_CREATED, err);
	if (!json)
		return -err->code;
	return vsl_hooks_run(&o->cfg->hooks[VSL_HOOK_START_CONTAINER], "startContainer", json,
			     o->log, err);
}

/* "1" and the error line (with its strerror) to start, in one write of at most PIPE_BUF
 * bytes: start reads it whole. */
static int tell_start(int fifo, const struct vsl_err *err)
{
	char buf[1 + VSL_ERR_MSG], line[VSL_ERR_MSG];
	int n = snprintf(buf, sizeof(buf), "1%s", vsl_err_str(err, line, sizeof(line)));

	return vsl_write_all(fifo, buf, (size_t)n) < 0 ? -1 : 0;
}

/* Block until `vessel start` opens the fifo for reading, run the startContainer hooks, and
 * tell start how they went: "0", or "1" and the error line (-EALREADY: start has it).
 * fifo is an O_PATH fd of it (from COMMIT), reopened for writing through the container's
 * /proc, as runc does: the container never holds a directory of the host. After "0",
 * *out_fd is the open fifo: close-on-exec, it closes when the exec succeeds, which is how
 * start knows the process really started (poststart hooks run only then). */
static int wait_for_start(const struct vsl_spawn_opts *o, const struct prepared *prep,
			  int fifo, int *out_fd, struct vsl_err *err)
{
	cleanup_close int fd = -1;
	char path[64];
	int r;

	if (fifo < 0)
		return vsl_fail(err, EPROTO, "sync: no exec fifo with the commit");
	vsl_path_fd_proc(fifo, path, sizeof(path));
	/* Without a mount namespace through the caller's /proc (prep->proc_fd). */
	do
		fd = prep->proc_fd >= 0 ? openat(prep->proc_fd, path + strlen("/proc/"),
						 O_WRONLY | O_CLOEXEC)
					: open(path, O_WRONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	close(fifo);
	if (fd < 0)
		return vsl_fail(err, errno, "open exec fifo through %s (the container needs /proc)",
				path);
	r = start_container_hooks(o, prep, err);
	if (r < 0)
		return tell_start(fd, err) == 0 ? -EALREADY : r;
	if (vsl_write_all(fd, "0", 1) < 0)
		return vsl_fail(err, errno, "write exec fifo");
	*out_fd = vsl_steal_fd(&fd);
	return 0;
}

void vsl_init_container(const struct vsl_spawn_opts *o, int sock)
{
	cleanup_sync_msg struct vsl_sync_msg *msg = vsl_sync_msg_new();
	struct prepared prep = { .pty_master = -1, .proc_fd = -1 };
	struct vsl_err err;
	int fifo = -1, r;

	if (setup_container(o, sock, msg, &prep, &err) < 0)
		child_fail(sock, &err);
	if (vsl_sync_send(sock, VSL_SYNC_READY, 0, NULL, 0, prep.pty_master, &err) < 0)
		_exit(1);
	if (prep.pty_master >= 0)
		close(prep.pty_master);
	/* No commit (vessel died or gave up): nobody will ever start us. */
	if (vsl_sync_expect(sock, VSL_SYNC_COMMIT, msg, &err) < 0)
		_exit(1);
	close(sock);
	r = wait_for_start(o, &prep, msg->fd, &fifo, &err);
	if (prep.proc_fd >= 0)
		close(prep.proc_fd);
	if (r == 0)
		vsl_process_exec(prep.proc, fifo, &err);
	/* Start has the error, or is still reading the fifo and gets it now (the exec
	 * failed); else nobody waits for our messages past commit: the container's stderr
	 * gets the line. */
	if (r == -EALREADY || (fifo >= 0 && tell_start(fifo, &err) == 0))
		_exit(127);
	dprintf(2, "vessel: %s\n", err.msg);
	_exit(127);
}
