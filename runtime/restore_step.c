/* The step of create that restore runs in place of the spawn: the network namespace made
 * (and the container's network attached to it, with the recorded address) before CRIU
 * runs, so restored sockets find their address; CRIU run in the container's cgroup with
 * the rootfs bound for it; the restored pid read back. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/checkpoint_internal.h"
#include "runtime/userns.h"

/* A process holding a new network namespace until CRIU has put the restored tasks in it. */
struct netns_hold {
	pid_t pid;
	int fd;		/* the namespace, for CRIU */
	int hold;	/* closing it lets the holder exit */
};

static void hold_stop(struct netns_hold *h)
{
	if (h->hold >= 0)
		close(h->hold);
	if (h->pid > 0)
		while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
			;
	if (h->fd >= 0)
		close(h->fd);
	*h = (struct netns_hold){ .pid = -1, .fd = -1, .hold = -1 };
}

static void __attribute__((noreturn)) holder(int ready, int hold)
{
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (unshare(CLONE_NEWNET) < 0)
		_exit(1);
	if (write(ready, "x", 1) != 1)
		_exit(1);
	while (read(hold, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static int hold_start(struct netns_hold *h, struct vsl_err *err)
{
	int ready[2], hold[2];
	char path[64], c;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return vsl_fail(err, errno, "pipe");
	if (pipe2(hold, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return vsl_fail(err, errno, "pipe");
	}
	h->pid = fork();
	if (h->pid == 0)
		holder(ready[1], hold[0]);
	close(ready[1]);
	close(hold[0]);
	h->hold = hold[1];
	if (h->pid < 0 || read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		return vsl_fail(err, h->pid < 0 ? errno : EIO, "make a network namespace");
	}
	close(ready[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)h->pid);
	h->fd = open(path, O_RDONLY | O_CLOEXEC);
	return h->fd < 0 ? vsl_fail(err, errno, "open %s", path) : 0;
}

/* The namespace the restored tasks go into: config.json's path, or a new one with the
 * container's network attached (create's step). None: the host's. */
static int netns_prepare(const struct vsl_restore_step *s, struct netns_hold *h,
			 struct vsl_err *err)
{
	const struct vsl_namespace *ns = &s->cfg->linux.namespaces[VSL_NS_NET];
	int r;

	if (!ns->present)
		return 0;
	if (ns->path) {
		h->fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		return h->fd < 0 ? vsl_fail(err, errno, "linux.namespaces: network %s", ns->path)
				 : 0;
	}
	r = hold_start(h, err);
	if (r == 0)
		r = s->attach_net(s->arg, h->pid, err);
	return r;
}

/* --inherit-fd: the namespace, and the pipes fds 0-2 were (runc's descriptors.json), now
 * the pipes vessel got as its own fds 0-2. */
static char **inherit_fds(const struct vsl_restore_image *img, bool netns)
{
	char **v = NULL;

	if (netns) {
		cleanup_free char *e = xasprintf("fd[%d]:%s", VSL_CRIU_NETNS_FD,
						 VSL_CRIU_NETNS_KEY);
		vsl_strv_push(&v, e);
	}
	for (int i = 0; i < 3; i++) {
		if (!img->fds[i] || !vsl_str_has_prefix(img->fds[i], "pipe:"))
			continue;
		cleanup_free char *e = xasprintf("fd[%d]:%s", VSL_CRIU_STDIO_FD + i,
						 img->fds[i]);
		vsl_strv_push(&v, e);
	}
	return v;
}

static int read_pid(struct vsl_container *c, const char *name, pid_t *out,
		    struct vsl_err *err)
{
	cleanup_free char *buf = NULL;
	uint64_t pid;
	size_t len;
	int r;

	r = vsl_read_file_at(c->dirfd, name, &buf, &len, err);
	unlinkat(c->dirfd, name, 0);
	if (r < 0)
		return vsl_wrap(err, "container %s: the restored pid", c->id);
	buf[strcspn(buf, "\n")] = '\0';
	if (vsl_parse_u64(buf, &pid) < 0 || pid == 0 || pid > INT32_MAX)
		return vsl_refuse(err, EINVAL, "container %s: criu wrote a bad pid \"%s\"", c->id,
				  buf);
	*out = (pid_t)pid;
	return 0;
}

static int run_criu(const struct vsl_restore_step *s, struct netns_hold *h, const char *root,
		    int *status, struct vsl_err *err)
{
	const struct vsl_restore_image *img = s->o->image;
	cleanup_free char *pidfile = xasprintf("%s/criu.pid", s->c->dir);
	cleanup_strv char **ext = vsl_criu_mount_externals(s->cfg, s->c->state.bundle);
	cleanup_strv char **inh = inherit_fds(img, h->fd >= 0);
	struct vsl_criu_req req = {
		.action = VSL_CRIU_RESTORE, .cr = &s->o->cr, .images_dir = img->images,
		.work_dir = img->work, .root = root, .status_fd = -1, .pidfile = pidfile,
		.cgroup_root = s->cg ? vsl_cg_dir(s->cg) : NULL, .externals = ext,
		.inherit_fds = inh,
	};
	struct vsl_criu_child ch = {
		.cg = s->cg, .bind_src = s->c->state.rootfs, .bind_dst = root,
		.netns_fd = h->fd, .pass_stdio = true,
	};
	cleanup_strv char **argv = vsl_criu_argv(s->ctx->criu, &req, err);

	if (!argv)
		return -err->code;
	return vsl_criu_exec(argv, &ch, status, err);
}

int vsl_restore_step(const struct vsl_restore_step *s, pid_t *out_pid, struct vsl_err *err)
{
	struct netns_hold h = { .pid = -1, .fd = -1, .hold = -1 };
	cleanup_free char *root = xasprintf("%s/criu-root", s->c->dir);
	cleanup_free char *log = NULL, *what = NULL;
	int status = 0, r;

	r = netns_prepare(s, &h, err);
	if (r == 0 && mkdir(root, 0700) < 0)
		r = vsl_fail(err, errno, "container %s: mkdir %s", s->c->id, root);
	if (r == 0)
		r = run_criu(s, &h, root, &status, err);
	rmdir(root);
	hold_stop(&h);
	if (r < 0)
		return r;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		unlinkat(s->c->dirfd, "criu.pid", 0);
		log = xasprintf("%s/%s", s->o->image->work, vsl_criu_log_name(VSL_CRIU_RESTORE));
		what = xasprintf("restore of container %s failed", s->c->id);
		return vsl_criu_fail(what, log, status, err);
	}
	return read_pid(s->c, "criu.pid", out_pid, err);
}
