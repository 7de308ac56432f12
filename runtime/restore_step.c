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
#include "runtime/paths.h"
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
	if (h->pid == 0) {
		close(hold[1]);
		holder(ready[1], hold[0]);
	}
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
		const char *key = img->fds[i];

		if (!key || !vsl_str_has_prefix(key, "pipe:"))
			key = i < (int)vsl_strv_len(img->stdio) && vsl_str_has_prefix(
				img->stdio[i], "file[") ? img->stdio[i] : NULL;
		if (!key)
			continue;
		cleanup_free char *e = xasprintf("fd[%d]:%s", VSL_CRIU_STDIO_FD + i, key);
		vsl_strv_push(&v, e);
	}
	return v;
}

/* The cgroup binds the dump recorded, now of the new cgroup: config.json's cgroup mount
 * the mount point is below says which part is the hierarchy. */
static int cgroup_externals(const struct vsl_restore_step *s, char ***ext, struct vsl_err *err)
{
	char **mps = s->o->image->cg_mounts;

	for (size_t i = 0; mps && mps[i]; i++) {
		cleanup_free char *src = NULL, *e = NULL;

		for (size_t k = 0; !src && s->cg && k < s->cfg->n_mounts; k++) {
			const struct vsl_mount *m = &s->cfg->mounts[k];
			cleanup_free char *dest = NULL;

			if (!m->type || (strcmp(m->type, "cgroup") && strcmp(m->type, "cgroup2")))
				continue;
			dest = vsl_path_clean(m->destination);
			src = vsl_criu_cgroup_source(mps[i], dest, vsl_cg_dir(s->cg));
		}
		if (!src)
			return vsl_refuse(err, EINVAL, "%s: cgroupMounts: %s is below no cgroup "
					  "mount of config.json", VSL_CRIU_VESSEL_JSON, mps[i]);
		e = xasprintf("mnt[%s]:%s", mps[i], src);
		vsl_strv_push(ext, e);
	}
	return 0;
}

static int read_pid(struct vsl_container *c, const char *path, pid_t *out,
		    struct vsl_err *err)
{
	cleanup_free char *buf = NULL;
	uint64_t pid;
	size_t len;
	int r;

	r = vsl_read_file(path, &buf, &len, err);
	unlink(path);
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
		    const char *pidfile, int *status, struct vsl_err *err)
{
	const struct vsl_restore_image *img = s->o->image;
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
	cleanup_strv char **argv = NULL;
	int r;

	r = cgroup_externals(s, &ext, err);
	if (r < 0)
		return r;
	req.externals = ext;
	argv = vsl_criu_argv(s->ctx->criu, &req, err);
	if (!argv)
		return -err->code;
	return vsl_criu_exec(argv, &ch, status, err);
}

/* CRIU's root (a mount point only in its own mount namespace) and pid file live in the
 * work directory, not the state dir: a restore killed halfway leaves the state dir as
 * teardown knows it. */
int vsl_restore_step(const struct vsl_restore_step *s, pid_t *out_pid, struct vsl_err *err)
{
	struct netns_hold h = { .pid = -1, .fd = -1, .hold = -1 };
	const char *work = s->o->image->work;
	cleanup_free char *root = xasprintf("%s/.vessel-root.%s", work, s->c->id);
	cleanup_free char *pidfile = xasprintf("%s/.vessel-restore.%s.pid", work, s->c->id);
	cleanup_free char *log = NULL, *what = NULL;
	int status = 0, r;

	r = vsl_restore_mountpoints(s->cfg, s->c->state.rootfs, s->c->state.bundle, err);
	if (r == 0)
		r = netns_prepare(s, &h, err);
	if (r == 0 && mkdir(root, 0700) < 0 && errno != EEXIST)
		r = vsl_fail(err, errno, "container %s: mkdir %s", s->c->id, root);
	if (r == 0)
		r = run_criu(s, &h, root, pidfile, &status, err);
	rmdir(root);
	hold_stop(&h);
	if (r < 0)
		return r;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		unlink(pidfile);
		log = xasprintf("%s/%s", s->o->image->work, vsl_criu_log_name(VSL_CRIU_RESTORE));
		what = xasprintf("restore of container %s failed", s->c->id);
		return vsl_criu_fail(what, log, status, err);
	}
	return read_pid(s->c, pidfile, out_pid, err);
}
