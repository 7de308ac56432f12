/* Bind sources and device nodes made with vessel's credentials for a container in a user
 * namespace: see hostfds.h. The helper is a fork of vessel that never enters the
 * container's user namespace; it only sends fds back, and exits. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/hostfds.h"
#include "runtime/mount_plan.h"
#include "runtime/process.h"
#include "runtime/rootfs.h"

static bool has_binds(const struct vsl_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		struct vsl_mount_plan p = { 0 };
		struct vsl_err ignored;
		bool bind = vsl_mount_plan_build(&cfg->mounts[i], i, NULL, &p, &ignored) == 0 &&
			    p.kind == VSL_MOUNT_BIND;

		vsl_mount_plan_clear(&p);
		/* A bad mount fails in the container, where every mount error is named. */
		if (bind)
			return true;
	}
	return false;
}

bool vsl_hostfds_needed(const struct vsl_config *cfg)
{
	if (!cfg->linux.namespaces[VSL_NS_USER].present || !vsl_rootfs_has_mntns(cfg))
		return false;
	return vsl_devices_made_on_host(cfg) || has_binds(cfg);
}

struct sender {
	int sock;
	uint32_t type;
};

/* got() of the openers: send the fd on, then it is no longer ours. */
static int send_fd(void *arg, size_t i, int fd, struct vsl_err *err)
{
	const struct sender *s = arg;
	int r = vsl_sync_send(s->sock, s->type, (int32_t)i, NULL, 0, fd, err);

	close(fd);
	return r;
}

/* A tmpfs of the host (its superblock belongs to the host's user namespace, so its nodes
 * open in the container), attached in a private mount namespace of the helper: the nodes
 * are cloned from there with open_tree, which takes attached mounts only. */
static int make_devices(const struct vsl_config *cfg, const char *rootfs, int sock,
			struct vsl_err *err)
{
	struct sender s = { sock, VSL_SYNC_DEVICE };
	cleanup_close int fs = -1, mnt = -1, target = -1;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return vsl_fail(err, errno, "linux.devices: a private mount namespace");
	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "source", "vessel-dev", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "size", "64k", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return vsl_fail(err, errno, "linux.devices: create a tmpfs for the nodes");
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	target = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (mnt < 0 || target < 0 || vsl_mount_move(mnt, target, "linux.devices", err) < 0)
		return vsl_fail(err, errno, "linux.devices: mount a tmpfs for the nodes");
	return vsl_devices_make_host(cfg, mnt, send_fd, &s, err);
}

/* In the container's mount namespace, with vessel's credentials: what the container
 * clones is then a mount of its own namespace (locked as the kernel locked it). */
static int open_sources(const struct vsl_config *cfg, const char *bundle, int pidfd, int sock,
			struct vsl_err *err)
{
	struct sender s = { sock, VSL_SYNC_SOURCE };
	/* Rootless, the mount namespace belongs to the container's user namespace, which the
	 * user owns: joining both gives no more than the container's root has. */
	int ns = geteuid() == 0 ? CLONE_NEWNS : CLONE_NEWUSER | CLONE_NEWNS;

	if (setns(pidfd, ns) < 0)
		return vsl_fail(err, errno, "mounts: join the container's mount namespace");
	return vsl_mounts_open_sources(cfg, bundle, send_fd, &s, err);
}

static void __attribute__((noreturn)) helper(const struct vsl_config *cfg, const char *bundle,
					      const char *rootfs, int pidfd, int sock)
{
	const int keep[] = { sock, pidfd };
	struct vsl_err err;
	int r;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	r = vsl_fds_close_inherited(3, keep, 2, &err);
	/* A rootless vessel has no credentials beyond the container's root (its own uid):
	 * the container opens and makes what it can itself. */
	bool privileged = geteuid() == 0;

	if (r == 0 && privileged && vsl_devices_made_on_host(cfg))
		r = make_devices(cfg, rootfs, sock, &err);
	if (r == 0 && has_binds(cfg))
		r = open_sources(cfg, bundle, pidfd, sock, &err);
	if (r == 0)
		r = vsl_sync_send(sock, VSL_SYNC_GO, 0, NULL, 0, -1, &err);
	if (r < 0)
		vsl_sync_send_err(sock, &err);
	_exit(r < 0);
}

/* Pass what the helper sends on to the container, until its GO. */
static int forward(int from, int sync_fd, struct vsl_err *err)
{
	cleanup_sync_msg struct vsl_sync_msg *msg = vsl_sync_msg_new();

	for (;;) {
		int r = vsl_sync_recv(from, msg, err);

		if (r == 0 && msg->type == VSL_SYNC_GO)
			return 0;
		if (r == 0 && msg->type != VSL_SYNC_SOURCE && msg->type != VSL_SYNC_DEVICE)
			r = vsl_fail(err, EPROTO, "sync: unexpected message %u from the helper",
				     msg->type);
		if (r == 0)
			r = vsl_sync_send(sync_fd, msg->type, msg->code, NULL, 0, msg->fd, err);
		if (msg->fd >= 0)
			close(msg->fd);
		msg->fd = -1;
		if (r < 0)
			return r;
	}
}

int vsl_hostfds_send(const struct vsl_config *cfg, const char *bundle, const char *rootfs,
		     pid_t pid, int sync_fd, struct vsl_err *err)
{
	cleanup_close int pidfd = -1, sock = -1;
	int sv[2], r;
	pid_t h;

	if (!vsl_hostfds_needed(cfg))
		return 0;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return vsl_fail(err, errno, "pidfd_open %d", (int)pid);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return vsl_fail(err, errno, "socketpair");
	h = fork();
	if (h == 0) {
		close(sv[0]);
		helper(cfg, bundle, rootfs, pidfd, sv[1]);
	}
	close(sv[1]);
	sock = sv[0];
	if (h < 0)
		return vsl_fail(err, errno, "fork");
	r = forward(sock, sync_fd, err);
	if (r < 0)
		kill(h, SIGKILL);
	while (waitpid(h, NULL, 0) < 0 && errno == EINTR)
		;
	return r;
}

int vsl_hostfds_receive(const struct vsl_config *cfg, int sock, struct vsl_sync_msg *msg,
			int *src_fds, int *dev_fds, struct vsl_err *err)
{
	for (;;) {
		int r = vsl_sync_recv(sock, msg, err);
		size_t i = (size_t)msg->code;
		int *slot = NULL;

		if (r < 0 || msg->type == VSL_SYNC_GO)
			return r;
		if (msg->type == VSL_SYNC_SOURCE && msg->code >= 0 && i < cfg->n_mounts)
			slot = &src_fds[i];
		else if (msg->type == VSL_SYNC_DEVICE && msg->code >= 0 && i < cfg->linux.n_devices)
			slot = &dev_fds[i];
		if (!slot || msg->fd < 0) {
			if (msg->fd >= 0)
				close(msg->fd);
			return vsl_fail(err, EPROTO, "sync: unexpected message %u (%d)", msg->type,
					msg->code);
		}
		if (*slot >= 0)
			close(*slot);
		*slot = msg->fd;
		msg->fd = -1;
	}
}
