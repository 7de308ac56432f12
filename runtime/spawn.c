/* Parent side of making the container process: fork stage 1, answer its requests (cgroup,
 * id maps), learn the container pid, run the parent-side steps at the sync points. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/hostfds.h"
#include "runtime/spawn.h"
#include "runtime/store.h"
#include "runtime/sync.h"
#include "runtime/userns.h"

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Talk to stage 1 until it reports the container pid; stage 1 then exits. */
static int run_stage1(const struct vsl_spawn_opts *o, pid_t s1, int sock,
		      struct vsl_sync_msg *msg, pid_t *out_pid, struct vsl_err *err)
{
	int r;

	for (;;) {
		r = vsl_sync_recv(sock, msg, err);
		if (r < 0)
			return r;
		if (msg->type == VSL_SYNC_PID)
			break;
		if (msg->type != VSL_SYNC_USERNS)
			return vsl_fail(err, EPROTO, "sync: unexpected message %u", msg->type);
		r = vsl_userns_write_maps(o->cfg, s1, err);
		if (r < 0)
			return r;
		r = vsl_sync_send(sock, VSL_SYNC_GO, 0, NULL, 0, -1, err);
		if (r < 0)
			return r;
	}
	if (msg->len != sizeof(pid_t))
		return vsl_fail(err, EPROTO, "sync: bad pid message");
	memcpy(out_pid, msg->data, sizeof(pid_t));
	return 0;
}

static int run_container(const struct vsl_spawn_opts *o, struct vsl_spawned *sp,
			 struct vsl_sync_msg *msg, struct vsl_err *err)
{
	cleanup_free char *state_json = NULL;
	int r;

	if (o->on_pid) {
		r = o->on_pid(o->arg, sp->pid, err);
		if (r < 0)
			return r;
	}
	/* Bind sources and device nodes a user namespace cannot reach or make. */
	r = vsl_hostfds_send(o->cfg, o->bundle, o->rootfs, sp->pid, sp->sync_fd, err);
	if (r < 0)
		return r;
	/* The container process waits for this: before it, stage 1 may still be sending. */
	r = vsl_sync_send(sp->sync_fd, VSL_SYNC_GO, 0, NULL, 0, -1, err);
	if (r == 0)
		r = vsl_sync_expect(sp->sync_fd, VSL_SYNC_MOUNTED, msg, err);
	if (r < 0)
		return r;
	if (o->on_mounted) {
		r = o->on_mounted(o->arg, sp->pid, &state_json, err);
		if (r < 0)
			return r;
	}
	r = vsl_sync_send(sp->sync_fd, VSL_SYNC_GO, 0, state_json,
			  state_json ? strlen(state_json) + 1 : 0, -1, err);
	if (r < 0)
		return r;
	r = vsl_sync_expect(sp->sync_fd, VSL_SYNC_READY, msg, err);
	if (r < 0)
		return r;
	sp->pty_master = msg->fd;
	return 0;
}

int vsl_spawn(const struct vsl_spawn_opts *o, struct vsl_spawned *out, struct vsl_err *err)
{
	struct vsl_spawned sp = { .pid = 0, .sync_fd = -1, .pty_master = -1, .fifo_fd = -1 };
	cleanup_sync_msg struct vsl_sync_msg *msg = vsl_sync_msg_new();
	int sv[2];
	bool born_in_v2;
	pid_t s1;
	int r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return vsl_fail(err, errno, "socketpair");
	s1 = vsl_cg_fork(o->cg, &born_in_v2);
	if (s1 < 0) {
		r = errno;
		close(sv[0]);
		close(sv[1]);
		return vsl_fail(err, r, "fork");
	}
	if (s1 == 0) {
		close(sv[0]);
		vsl_init_stage1(o, sv[1], born_in_v2);
	}
	close(sv[1]);
	sp.sync_fd = sv[0];
	r = run_stage1(o, s1, sp.sync_fd, msg, &sp.pid, err);
	if (r < 0) {
		kill(s1, SIGKILL);
		reap(s1);
		close(sp.sync_fd);
		return r;
	}
	reap(s1);
	r = run_container(o, &sp, msg, err);
	if (r == 0) {
		sp.fifo_fd = openat(o->state_dirfd, VSL_EXEC_FIFO, O_PATH | O_CLOEXEC);
		if (sp.fifo_fd < 0)
			r = vsl_fail(err, errno, "open exec fifo");
	}
	if (r < 0) {
		vsl_spawn_abort(&sp);
		return r;
	}
	*out = sp;
	return 0;
}

int vsl_spawn_commit(struct vsl_spawned *sp, struct vsl_err *err)
{
	int r = vsl_sync_send(sp->sync_fd, VSL_SYNC_COMMIT, 0, NULL, 0, sp->fifo_fd, err);

	close(sp->sync_fd);
	close(sp->fifo_fd);
	sp->sync_fd = sp->fifo_fd = -1;
	return r;
}

void vsl_spawn_abort(struct vsl_spawned *sp)
{
	if (sp->pid > 0) {
		kill(sp->pid, SIGKILL);
		/* Ours to reap only when we are its subreaper (run): otherwise ECHILD at once
		 * and init reaps it. */
		reap(sp->pid);
		sp->pid = 0;
	}
	if (sp->sync_fd >= 0)
		close(sp->sync_fd);
	if (sp->pty_master >= 0)
		close(sp->pty_master);
	if (sp->fifo_fd >= 0)
		close(sp->fifo_fd);
	sp->sync_fd = sp->pty_master = sp->fifo_fd = -1;
}
