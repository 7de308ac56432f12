/* vessel checkpoint: dump a running container with CRIU, then (unless it is left running
 * or this is a pre-dump) tear it down as delete does, keeping its private layer. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json_gen.h"
#include "common/util.h"
#include "runtime/checkpoint_internal.h"
#include "runtime/container.h"

/* mkdir (an existing one is fine: a container can be dumped again) and realpath. */
static int image_dir(const char *path, char **out, struct vsl_err *err)
{
	char real[PATH_MAX];

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return vsl_fail(err, errno, "checkpoint image directory %s", path);
	if (!realpath(path, real))
		return vsl_fail(err, errno, "checkpoint image directory %s", path);
	*out = xstrdup(real);
	return 0;
}

/* The container's network namespace as CRIU's external one, if it has its own: restore
 * makes a new one, attaches the network and hands it to CRIU. */
static void netns_external(pid_t pid, char ***ext)
{
	char path[64];
	struct stat mine, its;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat(path, &its) < 0 || stat("/proc/self/ns/net", &mine) < 0 ||
	    its.st_ino == mine.st_ino)
		return;
	cleanup_free char *e = xasprintf("net[%lu]:%s", (unsigned long)its.st_ino,
					 VSL_CRIU_NETNS_KEY);
	vsl_strv_push(ext, e);
}

/* descriptors.json: where fds 0-2 of the container process lead, as runc writes it. */
static int write_descriptors(const char *dir, pid_t pid, struct vsl_err *err)
{
	yajl_gen g = vsl_jgen_new(false);
	cleanup_free char *json = NULL, *path = NULL;

	vsl_jgen_arr_open(g, NULL);
	for (int i = 0; i < 3; i++) {
		char link[64], target[PATH_MAX];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, i);
		n = readlink(link, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		vsl_jgen_str(g, NULL, n < 0 ? "/dev/null" : target);
	}
	vsl_jgen_arr_close(g);
	json = vsl_jgen_finish(g);
	path = xasprintf("%s/%s", dir, VSL_CRIU_DESCRIPTORS);
	return vsl_write_file_atomic(path, json, strlen(json), 0600, err);
}

/* fd n of pid as CRIU's external file key "file[MNT:INO]" (hex, as CRIU prints it) when
 * it is a file on a mount outside the container (the caller's /dev/null, a log file):
 * CRIU cannot reopen it there, so restore hands vessel's own fd n in its place. */
static char *stdio_key(pid_t pid, int n, const char *mountinfo)
{
	char path[64], line[128], target[8];
	cleanup_file FILE *f = NULL;
	unsigned long mnt = 0;
	bool found = false;
	struct stat sb;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, n);
	if (readlink(path, target, sizeof(target)) < 1 || target[0] != '/' || stat(path, &sb) < 0)
		return xstrdup("");
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, n);
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "mnt_id: %lu", &mnt) == 1;
	if (!found || vsl_criu_mountinfo_has(mountinfo, mnt))
		return xstrdup("");
	return xasprintf("file[%lx:%lx]", mnt, (unsigned long)sb.st_ino);
}

/* From the container's own mountinfo: its cgroup binds (vsl_criu_cgroup_mounts) and the
 * keys of its stdio files outside it. */
static int outside(pid_t pid, char ***cg_mounts, char ***stdio, struct vsl_err *err)
{
	char path[64];
	cleanup_free char *info = NULL;
	size_t len;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	r = vsl_read_file(path, &info, &len, err);
	if (r < 0)
		return r;
	*cg_mounts = vsl_criu_cgroup_mounts(info);
	for (int i = 0; i < 3; i++) {
		cleanup_free char *k = stdio_key(pid, i, info);
		vsl_strv_push(stdio, k);
	}
	return 0;
}

/* vessel.json: what restore keeps that config.json does not say: the address, and where
 * the container's cgroup is bound (CRIU's external mounts). */
static int write_vessel_json(const char *dir, const struct vsl_container *c,
			     char *const *cg_mounts, char *const *stdio, struct vsl_err *err)
{
	static const char *const keys[] = { "net.bridge", "net.addr4", "net.addr6" };
	yajl_gen g = vsl_jgen_new(true);
	cleanup_free char *json = NULL, *path = NULL;

	vsl_jgen_map_open(g, NULL);
	vsl_jgen_str(g, "id", c->id);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (vsl_state_get(&c->state, keys[i]))
			vsl_jgen_str(g, keys[i], vsl_state_get(&c->state, keys[i]));
	vsl_jgen_arr_open(g, "cgroupMounts");
	for (size_t i = 0; cg_mounts && cg_mounts[i]; i++)
		vsl_jgen_str(g, NULL, cg_mounts[i]);
	vsl_jgen_arr_close(g);
	vsl_jgen_strv(g, "stdio", stdio);
	vsl_jgen_map_close(g);
	json = vsl_jgen_finish(g);
	path = xasprintf("%s/%s", dir, VSL_CRIU_VESSEL_JSON);
	return vsl_write_file_atomic(path, json, strlen(json), 0600, err);
}

struct dump {
	const struct vsl_checkpoint_opts *o;
	struct vsl_container *c;
	char *images, *work;
	char **externals;
};

static int run_criu(const struct vsl_ctx *ctx, struct dump *d, struct vsl_err *err)
{
	const struct vsl_checkpoint_opts *o = d->o;
	struct vsl_criu_req req = {
		.action = o->pre_dump ? VSL_CRIU_PRE_DUMP : VSL_CRIU_DUMP,
		.cr = &o->cr, .images_dir = d->images, .work_dir = d->work,
		.root = d->c->state.rootfs, .pid = d->c->state.pid,
		.parent_path = o->parent_path, .leave_running = o->leave_running,
		.page_server = o->page_server, .status_fd = o->status_fd,
		.externals = d->externals,
	};
	struct vsl_criu_child ch = { .netns_fd = -1 };
	cleanup_strv char **argv = vsl_criu_argv(ctx->criu, &req, err);
	cleanup_free char *log = NULL, *what = NULL;
	int status, r;

	if (!argv)
		return -err->code;
	r = vsl_criu_exec(argv, &ch, &status, err);
	if (r < 0)
		return r;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	log = xasprintf("%s/%s", d->work, vsl_criu_log_name(req.action));
	what = xasprintf("%s of container %s failed", o->pre_dump ? "pre-dump" : "checkpoint",
			 d->c->id);
	return vsl_criu_fail(what, log, status, err);
}

static int prepare(struct dump *d, const struct vsl_config *cfg, struct vsl_err *err)
{
	const struct vsl_checkpoint_opts *o = d->o;
	cleanup_strv char **cg_mounts = NULL, **stdio = NULL;
	int r;

	r = image_dir(o->cr.image_path ? o->cr.image_path : "checkpoint", &d->images, err);
	if (r == 0 && o->cr.work_path)
		r = image_dir(o->cr.work_path, &d->work, err);
	else if (r == 0)
		d->work = xstrdup(d->images);
	if (r < 0 || o->pre_dump)
		return r;
	d->externals = vsl_criu_mount_externals(cfg, NULL);
	netns_external(d->c->state.pid, &d->externals);
	r = outside(d->c->state.pid, &cg_mounts, &stdio, err);
	for (size_t i = 0; r == 0 && cg_mounts && cg_mounts[i]; i++) {
		cleanup_free char *e = xasprintf("mnt[%s]:%s", cg_mounts[i], cg_mounts[i]);
		vsl_strv_push(&d->externals, e);
	}
	for (size_t i = 0; r == 0 && stdio && stdio[i]; i++)
		if (stdio[i][0])
			vsl_strv_push(&d->externals, stdio[i]);
	if (r == 0)
		r = write_descriptors(d->images, d->c->state.pid, err);
	if (r == 0)
		r = write_vessel_json(d->images, d->c, cg_mounts, stdio, err);
	return r;
}

/* The dumped processes are gone (CRIU killed them): the rest goes as delete takes it,
 * except the private layer, which restore mounts again. */
static int finish(struct vsl_container *c, struct vsl_err *err)
{
	int r;

	vsl_state_set(&c->state, "overlay.keep", "true");
	r = vsl_container_teardown(c, true, err);
	return r < 0 ? vsl_wrap(err, "container %s was checkpointed, but tearing it down failed",
				c->id) : 0;
}

int vsl_container_checkpoint(const struct vsl_ctx *ctx, const struct vsl_checkpoint_opts *o,
			     struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	cleanup_config struct vsl_config *cfg = NULL;
	struct dump d = { .o = o };
	enum vsl_status s;
	int r;

	r = vsl_store_open(ctx, o->id, false, &c, err);
	if (r < 0)
		return r;
	s = vsl_container_status(c);
	if (s != VSL_STATUS_RUNNING)
		return vsl_refuse(err, s == VSL_STATUS_STOPPED ? ESRCH : EBUSY,
				  "cannot checkpoint container %s: it is %s", c->id,
				  vsl_status_name(s));
	cfg = vsl_store_load_config(c, err);
	if (!cfg)
		return vsl_wrap(err, "container %s", c->id);
	/* Its pty's master is the caller's (conmon's): restoring it needs CRIU's orphan pts
	 * master, which only its RPC interface offers (docs/checkpoint.md). */
	if (cfg->process.terminal)
		return vsl_refuse(err, EOPNOTSUPP, "cannot checkpoint container %s: it has a "
				  "terminal (process.terminal), which vessel cannot checkpoint yet",
				  c->id);
	d.c = c;
	r = prepare(&d, cfg, err);
	if (r == 0)
		r = run_criu(ctx, &d, err);
	if (r == 0 && !o->leave_running && !o->pre_dump)
		r = finish(c, err);
	free(d.images);
	free(d.work);
	vsl_strv_free(d.externals);
	return r;
}
