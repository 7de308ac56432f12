/* exec: join the namespaces of a running container and run a process there.
 *   vessel --fork--> joiner: setns into every namespace the container has (user first)
 *       --fork--> the process (pid and time namespaces apply to children): tty, process
 *       setup, READY, exec. The joiner reports its pid and exits; vessel, the subreaper
 *       in the foreground, waits for the process and exits with its status. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "cgroup/cgroup.h"
#include "common/util.h"
#include "runtime/container.h"
#include "runtime/exec_internal.h"
#include "runtime/foreground.h"
#include "runtime/lsm.h"
#include "runtime/process.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "runtime/userns.h"

struct exec_child {
	const struct vsl_config *cfg;
	pid_t target;		/* the container's process */
	int preserve_fds;
	const struct vsl_log *log;
	const struct vsl_cgroup *cg;	/* the container's cgroup, or NULL */
};

static void __attribute__((noreturn)) child_fail(int sock, const struct vsl_err *err)
{
	vsl_sync_send_err(sock, err);
	_exit(1);
}

static bool same_ns(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

/* A container without a mount namespace of its own is chrooted into root.path
 * (runtime/rootfs.c): the exec'd process enters the same root, its process' root. */
static int enter_root_of(pid_t target, struct vsl_err *err)
{
	char path[64];
	int dir, r = 0;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)target);
	dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || fchdir(dir) < 0 || chroot(".") < 0 || chdir("/") < 0)
		r = vsl_fail(err, errno, "enter the container's root (%s)", path);
	if (dir >= 0)
		close(dir);
	return r;
}

/* Join the target's namespaces that differ from ours: user first (its privileges let us
 * join the rest), mount last but one so the paths of the others still resolve... all are
 * opened first anyway. */
static int join_target(pid_t target, struct vsl_err *err)
{
	static const enum vsl_ns_type order[] = { VSL_NS_USER, VSL_NS_IPC, VSL_NS_UTS, VSL_NS_NET,
						  VSL_NS_PID, VSL_NS_CGROUP, VSL_NS_TIME, VSL_NS_MNT };
	static const char *const files[VSL_NS_TYPES] = {
		[VSL_NS_PID] = "pid", [VSL_NS_NET] = "net", [VSL_NS_MNT] = "mnt",
		[VSL_NS_IPC] = "ipc", [VSL_NS_UTS] = "uts", [VSL_NS_USER] = "user",
		[VSL_NS_CGROUP] = "cgroup", [VSL_NS_TIME] = "time",
	};
	int fds[VSL_NS_TYPES], r = 0;

	for (size_t i = 0; i < VSL_NS_TYPES; i++) {
		char path[64], self[64];
		enum vsl_ns_type t = order[i];
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)target, files[t]);
		snprintf(self, sizeof(self), "/proc/self/ns/%s", files[t]);
		fds[i] = same_ns(path, self) ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	}
	for (size_t i = 0; i < VSL_NS_TYPES && r == 0; i++)
		if (fds[i] >= 0 && setns(fds[i], vsl_ns_clone_flag(order[i])) < 0)
			r = vsl_fail(err, errno, "join the container's %s namespace",
				     files[order[i]]);
	/* The mount namespace is last in order: -1 there means the container shares ours. */
	if (r == 0 && fds[VSL_NS_TYPES - 1] < 0)
		r = enter_root_of(target, err);
	for (size_t i = 0; i < VSL_NS_TYPES; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return r;
}

static void __attribute__((noreturn)) run_process(const struct exec_child *ec, int sock)
{
	cleanup_sync_msg struct vsl_sync_msg *msg = vsl_sync_msg_new();
	const struct vsl_config *cfg = ec->cfg;
	struct vsl_proc_opts po = {
		.proc = &cfg->process,
		.cfg = cfg,
		.in_userns = cfg->linux.namespaces[VSL_NS_USER].present,
		.preserve_fds = ec->preserve_fds,
		.log = ec->log,
	};
	struct vsl_proc_prepared *prep = NULL;
	struct vsl_err err;
	int master = -1;

	/* Wait until the joiner has reported our pid: nothing may overtake it. */
	if (vsl_sync_expect(sock, VSL_SYNC_GO, msg, &err) < 0)
		_exit(1);
	if (cfg->process.terminal) {
		const struct vsl_process *p = &cfg->process;
		if (vsl_tty_setup_in_container(p->console_height, p->console_width, &master,
					       &err) < 0)
			child_fail(sock, &err);
		/* The process may switch to another user: let it own its terminal. */
		if (fchown(0, p->user.uid, (gid_t)-1) < 0) {
			vsl_fail(&err, errno, "chown the terminal to uid %u", p->user.uid);
			child_fail(sock, &err);
		}
	}
	if (vsl_process_prepare(&po, &prep, &err) < 0)
		child_fail(sock, &err);
	if (vsl_sync_send(sock, VSL_SYNC_READY, 0, NULL, 0, master, &err) < 0)
		_exit(1);
	if (master >= 0)
		close(master);
	vsl_process_exec(prep, sock, &err);
	child_fail(sock, &err);
}

static void __attribute__((noreturn)) joiner(const struct exec_child *ec, int sock,
					      bool born_in_v2)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	const int keep[] = { sock, ec->log ? ec->log->fd : -1 };
	struct vsl_err err;
	sigset_t none;
	pid_t pid;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Nothing of vessel's (the locked state dir first) stays open in what becomes a
	 * process of the container, least of all while it resolves process.cwd. */
	if (vsl_fds_close_inherited(3 + ec->preserve_fds, keep, 2, &err) < 0)
		child_fail(sock, &err);
	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Into the container's cgroup first, while we may still write the host's cgroupfs;
	 * our child inherits it. */
	if (ec->cg && vsl_cg_enter_self(ec->cg, born_in_v2, &err) < 0)
		child_fail(sock, &err);
	if (join_target(ec->target, &err) < 0)
		child_fail(sock, &err);
	pid = fork();
	if (pid < 0) {
		vsl_fail(&err, errno, "fork");
		child_fail(sock, &err);
	}
	if (pid == 0)
		run_process(ec, sock);
	vsl_sync_send(sock, VSL_SYNC_PID, 0, &pid, sizeof(pid), -1, &err);
	_exit(0);
}

/* Parent side: start the joiner, learn the process' pid (and its pty master), wait until
 * it exec'd. */
static int start_process(const struct exec_child *ec, pid_t *out_pid, int *out_master,
			 struct vsl_err *err)
{
	cleanup_sync_msg struct vsl_sync_msg *msg = vsl_sync_msg_new();
	cleanup_close int sock = -1;
	bool born_in_v2;
	pid_t j, pid = 0;
	int sv[2], r;

	*out_master = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return vsl_fail(err, errno, "socketpair");
	j = vsl_cg_fork(ec->cg, &born_in_v2);
	if (j < 0) {
		r = -errno;
		close(sv[0]);
		close(sv[1]);
		return vsl_fail(err, -r, "fork");
	}
	if (j == 0) {
		close(sv[0]);
		joiner(ec, sv[1], born_in_v2);
	}
	close(sv[1]);
	sock = sv[0];
	r = vsl_sync_expect(sock, VSL_SYNC_PID, msg, err);
	if (r == 0 && msg->len == sizeof(pid))
		memcpy(&pid, msg->data, sizeof(pid));
	if (r < 0)
		kill(j, SIGKILL);
	while (waitpid(j, NULL, 0) < 0 && errno == EINTR)
		;
	if (r == 0)
		r = vsl_sync_send(sock, VSL_SYNC_GO, 0, NULL, 0, -1, err);
	if (r == 0)
		r = vsl_sync_expect(sock, VSL_SYNC_READY, msg, err);
	if (r == 0)
		*out_master = msg->fd;
	/* After READY only an error can come: end of file means the exec went through. */
	if (r == 0 && vsl_sync_recv(sock, msg, err) == 0)
		r = vsl_fail(err, EPROTO, "sync: unexpected message %u", msg->type);
	else if (r == 0 && err->code == EPIPE)
		r = 0;
	else if (r == 0)
		r = -err->code;
	if (r < 0 && pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (r < 0 && *out_master >= 0) {
		close(*out_master);
		*out_master = -1;
	}
	*out_pid = pid;
	return r;
}

static int check_terminal(const struct vsl_config *cfg, const struct vsl_exec_opts *o,
			  struct vsl_err *err)
{
	if (o->console_socket && !cfg->process.terminal)
		return vsl_refuse(err, EINVAL, "--console-socket needs a terminal (-t)");
	if (cfg->process.terminal && o->detach && !o->console_socket)
		return vsl_refuse(err, EINVAL, "exec -d with a terminal needs --console-socket");
	return 0;
}

/* --pid-file, and the pty master to --console-socket. */
static int hand_over(const struct vsl_exec_opts *o, pid_t pid, int *master, struct vsl_err *err)
{
	int r;

	if (o->pid_file) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
		r = vsl_write_file_replace(o->pid_file, buf, (size_t)n, 0644, err);
		if (r < 0)
			return r;
	}
	if (*master >= 0 && o->console_socket) {
		r = vsl_console_socket_send(o->console_socket, *master, err);
		close(*master);
		*master = -1;
		return r;
	}
	return 0;
}

static int wait_foreground(pid_t pid, int master, int *exit_code, struct vsl_err *err)
{
	struct vsl_fg fg;
	int r;

	r = vsl_fg_begin(&fg, master, err);
	if (r == 0)
		r = vsl_fg_wait(&fg, pid, exit_code, err);
	vsl_fg_end(&fg);
	return r;
}

static int load_process_file(const char *path, char **json, size_t *len, struct vsl_err *err)
{
	if (!path)
		return 0;
	return vsl_read_file(path, json, len, err);
}

int vsl_container_exec(const struct vsl_ctx *ctx, const struct vsl_exec_opts *o,
		       int *exit_code, struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	cleanup_config struct vsl_config *cfg = NULL;
	cleanup_free char *pjson = NULL;
	cleanup_close int master = -1;
	cleanup_cgroup struct vsl_cgroup *cg = NULL;
	const char *rec;
	struct exec_child ec = { .preserve_fds = o->preserve_fds, .log = &ctx->log };
	enum vsl_status s;
	size_t plen = 0;
	pid_t pid = 0;
	int r;

	r = vsl_store_open(ctx, o->id, false, &c, err);
	if (r < 0)
		return r;
	s = vsl_container_status(c);
	if (!vsl_status_allows(s, VSL_OP_EXEC))
		return vsl_status_refuse(c, s, VSL_OP_EXEC, err);
	cfg = vsl_store_load_config(c, err);
	if (!cfg)
		return -err->code;
	r = load_process_file(o->process_file, &pjson, &plen, err);
	if (r == 0)
		r = vsl_exec_build_process(cfg, o, pjson, plen, err);
	if (r == 0)
		r = check_terminal(cfg, o, err);
	if (r == 0)
		r = vsl_lsm_check(&(struct vsl_lsm_labels){ .apparmor = cfg->process.apparmor_profile,
				  .selinux = cfg->process.selinux_label }, vsl_lsm_host("/sys"), err);
	if (r < 0)
		return r;
	if (!o->detach && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return vsl_fail(err, errno, "become child subreaper");
	rec = vsl_state_get(&c->state, VSL_CG_STATE_KEY);
	if (rec && vsl_cg_open(rec, &ctx->log, &cg, err) < 0)
		return vsl_wrap(err, "exec in container %s", o->id);
	ec.cg = cg;
	ec.cfg = cfg;
	ec.target = c->state.pid;
	r = start_process(&ec, &pid, &master, err);
	if (r < 0)
		return vsl_wrap(err, "exec in container %s", o->id);
	r = hand_over(o, pid, &master, err);
	if (r < 0)
		return r;
	/* The process runs: let other commands (kill, delete) at the container meanwhile. */
	vsl_container_free(vsl_steal_ptr(&c));
	*exit_code = 0;
	if (o->detach)
		return 0;
	return wait_foreground(pid, master, exit_code, err);
}
