/* create: config -> state dir -> (layers, cgroup) -> container process waiting for start.
 * Every resource is recorded in state.json before or as it is made, so that a failure here,
 * or a vessel killed halfway, is undone by the same teardown that delete --force uses. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "netns/net.h"
#include "overlay/overlay.h"
#include "runtime/checkpoint.h"
#include "runtime/container.h"
#include "runtime/hooks.h"
#include "runtime/lsm.h"
#include "runtime/rootfs.h"
#include "runtime/rootless.h"
#include "runtime/spawn.h"
#include "runtime/terminal.h"
#include "runtime/usernet.h"
#include "runtime/userns.h"

struct create {
	const struct vsl_ctx *ctx;
	const struct vsl_create_opts *o;
	struct vsl_config *cfg;
	const char *cfg_json;	/* the bytes of config.json, kept beside the state */
	struct vsl_container *c;
	struct vsl_cgroup *cg;	/* made before the spawn, entered by stage 1 */
	char *store;		/* absolute, recorded in the state; NULL: the store is not used */
	const char *no_cgroup;	/* rootless without a cgroup: why, noted once created */
};

static char *now_rfc3339(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

/* AppArmor and SELinux labels the host cannot apply are refused before anything is made. */
static int check_labels(const struct vsl_config *cfg, struct vsl_err *err)
{
	const struct vsl_lsm_labels l = {
		.apparmor = cfg->process.apparmor_profile,
		.selinux = cfg->process.selinux_label,
		.mount_label = cfg->linux.mount_label,
	};

	return vsl_lsm_check(&l, vsl_lsm_host("/sys"), err);
}

/* bundle/config.json -> cfg, and the checks that only matter for running it. */
static int load_config(const char *bundle, struct vsl_config **out, char **out_json,
		       struct vsl_err *err)
{
	cleanup_free char *path = xasprintf("%s/config.json", bundle);
	cleanup_free char *json = NULL;
	struct vsl_config *cfg;
	size_t len;
	int r;

	r = vsl_read_file(path, &json, &len, err);
	if (r < 0)
		return r;
	cfg = vsl_config_parse(json, len, "config.json", err);
	if (!cfg)
		return -err->code;
	if (!cfg->has_process || !cfg->process.args || !cfg->process.args[0]) {
		vsl_config_free(cfg);
		return vsl_fail(err, EINVAL, "config.json: process.args: required to run a container");
	}
	if (!cfg->root_path) {
		vsl_config_free(cfg);
		return vsl_fail(err, EINVAL, "config.json: root.path: required");
	}
	*out = cfg;
	*out_json = vsl_steal_ptr(&json);
	return 0;
}

static int check_terminal(const struct vsl_config *cfg, const struct vsl_create_opts *o,
			  struct vsl_err *err)
{
	if (o->console_socket && !cfg->process.terminal)
		return vsl_fail(err, EINVAL,
				"--console-socket given but config.json process.terminal is false");
	if (cfg->process.terminal && !o->console_socket && !o->foreground)
		return vsl_fail(err, EINVAL,
				"config.json process.terminal is true: create needs --console-socket "
				"(or use run in the foreground)");
	return 0;
}

static int resolve_rootfs(const char *bundle, const struct vsl_config *cfg, char **out,
			  struct vsl_err *err)
{
	cleanup_free char *joined = cfg->root_path[0] == '/'
					    ? xstrdup(cfg->root_path)
					    : xasprintf("%s/%s", bundle, cfg->root_path);
	char real[PATH_MAX];
	struct stat sb;

	if (!realpath(joined, real) || stat(real, &sb) < 0)
		return vsl_fail(err, errno, "root.path %s", joined);
	if (!S_ISDIR(sb.st_mode))
		return vsl_fail(err, ENOTDIR, "root.path %s", joined);
	*out = xstrdup(real);
	return 0;
}

/* exec.fifo: the container process opens it for writing and blocks until start reads. */
static int make_fifo(struct create *cr, struct vsl_err *err)
{
	const struct vsl_linux *l = &cr->cfg->linux;
	int64_t uid = vsl_userns_host_id(l->uid_mappings, l->n_uid_mappings, 0);
	int64_t gid = vsl_userns_host_id(l->gid_mappings, l->n_gid_mappings, 0);

	if (mkfifoat(cr->c->dirfd, VSL_EXEC_FIFO, 0600) < 0)
		return vsl_fail(err, errno, "container %s: make exec fifo", cr->c->id);
	/* In a user namespace the container's root is another host uid: let it open the fifo. */
	if (uid > 0 && fchownat(cr->c->dirfd, VSL_EXEC_FIFO, (uid_t)uid, gid < 0 ? 0 : (gid_t)gid,
				0) < 0)
		return vsl_fail(err, errno, "container %s: chown exec fifo", cr->c->id);
	return 0;
}

static void init_state(struct create *cr, const char *bundle, const char *rootfs)
{
	struct vsl_state *st = &cr->c->state;

	st->oci_version = xstrdup(cr->cfg->oci_version);
	st->status = VSL_STATUS_CREATING;
	st->bundle = xstrdup(bundle);
	st->rootfs = xstrdup(rootfs);
	st->created = now_rfc3339();
	st->n_annotations = cr->cfg->n_annotations;
	st->annotations = xzalloc((st->n_annotations + 1) * sizeof(*st->annotations));
	for (size_t i = 0; i < st->n_annotations; i++) {
		st->annotations[i].key = xstrdup(cr->cfg->annotations[i].key);
		st->annotations[i].value = xstrdup(cr->cfg->annotations[i].value);
	}
}

/* The cgroup with linux.resources applied. Its path is recorded first (provisionally: a
 * vessel killed meanwhile leaves it for teardown), then for good once it exists. */
static int make_cgroup_at(struct create *cr, const char *path, struct vsl_err *err)
{
	const struct vsl_linux *l = &cr->cfg->linux;
	struct vsl_cg_req req = {
		.id = cr->c->id,
		.cgroups_path = path,
		.systemd = cr->ctx->systemd_cgroup,
		.resources = l->has_resources ? &l->resources : NULL,
		.devices = l->devices,
		.n_devices = l->n_devices,
		.log = &cr->ctx->log,
	};
	cleanup_free char *plan = NULL;
	struct vsl_err tmp;
	int r;

	r = vsl_cg_plan(&req, &plan, err);
	if (r == 0) {
		vsl_state_set(&cr->c->state, VSL_CG_STATE_KEY, plan);
		r = vsl_store_save(cr->c, err);
	}
	if (r == 0)
		r = vsl_cg_create(&req, &cr->cg, err);
	if (r < 0) {
		/* vsl_cg_create undid its own work; the path may be another container's */
		vsl_state_set(&cr->c->state, VSL_CG_STATE_KEY, NULL);
		vsl_store_save(cr->c, &tmp);
		return vsl_wrap(err, "container %s", cr->c->id);
	}
	vsl_state_set(&cr->c->state, VSL_CG_STATE_KEY, vsl_cg_path(cr->cg));
	return vsl_store_save(cr->c, err);
}

/* Rootless, a cgroup exists only in a v2 subtree delegated to the user; elsewhere the
 * container runs in vessel's own cgroup, as runc's rootless mode does, and a note says so. */
static int make_cgroup(struct create *cr, struct vsl_err *err)
{
	const char *path = cr->cfg->linux.cgroups_path;
	cleanup_free char *self = NULL, *beside = NULL;
	struct vsl_err why;
	int r;

	if (!cr->ctx->rootless)
		return make_cgroup_at(cr, path, err);
	if (!vsl_cgroup_unified()) {
		cr->no_cgroup = "/sys/fs/cgroup is not cgroup v2";
		return 0;
	}
	if (!path && vsl_read_file("/proc/self/cgroup", &self, NULL, &why) == 0)
		path = beside = vsl_rootless_cgroup_path(self, cr->c->id);
	r = path ? make_cgroup_at(cr, path, &why) : -EACCES;
	if (r == -EACCES || r == -EPERM || r == -EROFS) {
		cr->no_cgroup = "none writable beside vessel's own cgroup";
		return 0;
	}
	if (r < 0)
		*err = why;
	return r;
}

/* Show a derived value in the state's annotations (`vessel state` prints them). */
static void state_annotate(struct vsl_state *st, const char *key, const char *value)
{
	st->annotations = xrealloc(st->annotations,
				   (st->n_annotations + 2) * sizeof(*st->annotations));
	st->annotations[st->n_annotations].key = xstrdup(key);
	st->annotations[st->n_annotations].value = xstrdup(value);
	st->n_annotations++;
	memset(&st->annotations[st->n_annotations], 0, sizeof(*st->annotations));
}

/* Annotation vessel.net.bridge: the container joins that bridge (netns/net.h). What attach
 * is about to make is recorded first, so a create killed halfway is undone by teardown. */
static int attach_net(struct create *cr, pid_t pid, struct vsl_err *err)
{
	const char *bridge = vsl_config_annotation(cr->cfg, VSL_NET_ANN_BRIDGE);
	const char *ports = vsl_config_annotation(cr->cfg, VSL_NET_ANN_PORTS);
	struct vsl_state *st = &cr->c->state;
	struct vsl_net_req req = {
		.store = cr->store, .id = cr->c->id, .bridge = bridge,
		.address = cr->o->net_address ? cr->o->net_address
					      : vsl_config_annotation(cr->cfg, VSL_NET_ANN_ADDRESS),
		.ports = ports, .rate = vsl_config_annotation(cr->cfg, VSL_NET_ANN_RATE),
		.pid = pid, .log = &cr->ctx->log,
	};
	struct vsl_net_info info;
	int r;

	if (!bridge && req.rate)
		return vsl_fail(err, EINVAL, "annotation %s needs %s (a rate applies to a vessel "
				"network's interface)", VSL_NET_ANN_RATE, VSL_NET_ANN_BRIDGE);
	if (!bridge)
		return vsl_usernet_attach(cr->c, cr->cfg, pid, err);
	if (!vsl_ns_is_new(cr->cfg, VSL_NS_NET))
		return vsl_fail(err, EINVAL, "annotation %s needs a new network namespace "
				"(linux.namespaces: network, without a path)", VSL_NET_ANN_BRIDGE);
	r = vsl_net_check_ifname(bridge[0] ? bridge : VSL_NET_DEFAULT_BRIDGE, "bridge", err);
	if (r < 0)
		return r;
	vsl_state_set(st, "net.bridge", bridge);
	vsl_state_set(st, "net.ports", ports);
	r = vsl_store_save(cr->c, err);
	if (r == 0)
		r = vsl_net_attach(&req, &info, err);
	if (r < 0)
		return r;
	vsl_state_set(st, "net.veth", info.veth);
	vsl_state_set(st, "net.addr4", info.addr4);
	state_annotate(st, "vessel.net.addr4", info.addr4);
	if (info.addr6[0]) {
		vsl_state_set(st, "net.addr6", info.addr6);
		state_annotate(st, "vessel.net.addr6", info.addr6);
	}
	return vsl_store_save(cr->c, err);
}

static int on_pid(void *arg, pid_t pid, struct vsl_err *err)
{
	struct create *cr = arg;
	int r;

	cr->c->state.pid = pid;
	cr->c->state.start_time = vsl_proc_start_time(pid);
	r = vsl_store_save(cr->c, err);
	if (r == 0)
		r = attach_net(cr, pid, err);
	return r;
}

static int on_mounted(void *arg, pid_t pid, char **out_state_json, struct vsl_err *err)
{
	struct create *cr = arg;
	cleanup_free char *json = vsl_state_to_oci_json(&cr->c->state, VSL_STATUS_CREATING, false);
	const struct vsl_hook_list *hooks = cr->cfg->hooks;
	int r;

	/* Runtime namespace, mounts done, before pivot_root: prestart (deprecated) first. */
	r = vsl_hooks_run(&hooks[VSL_HOOK_PRESTART], "prestart", json, &cr->ctx->log, err);
	if (r == 0)
		r = vsl_hooks_run(&hooks[VSL_HOOK_CREATE_RUNTIME], "createRuntime", json,
				  &cr->ctx->log, err);
	if (r < 0)
		return r;
	*out_state_json = vsl_steal_ptr(&json);
	return 0;
}

static int write_pid_file(const char *path, pid_t pid, struct vsl_err *err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	return vsl_write_file_replace(path, buf, (size_t)n, 0644, err);
}

static int spawn_container(struct create *cr, struct vsl_spawned *sp, struct vsl_err *err)
{
	cleanup_close int dirfd = open(cr->c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct vsl_spawn_opts so = {
		.cfg = cr->cfg,
		.rootfs = cr->c->state.rootfs,
		.bundle = cr->c->state.bundle,
		.state_dirfd = dirfd,
		.lock_fd = cr->c->dirfd,
		.no_pivot = cr->o->no_pivot,
		.preserve_fds = cr->o->preserve_fds,
		.listen_fds = cr->o->listen_fds,
		.log = &cr->ctx->log,
		.arg = cr,
		.cgroup_dir = cr->cg ? vsl_cg_dir(cr->cg) : NULL,
		.cg = cr->cg,
		.on_pid = on_pid,
		.on_mounted = on_mounted,
	};
	int r;

	if (dirfd < 0)
		return vsl_fail(err, errno, "container %s: open %s", cr->c->id, cr->c->dir);
	r = vsl_spawn(&so, sp, err);
	if (r < 0)
		return r;
	if (cr->o->console_socket && sp->pty_master >= 0) {
		r = vsl_console_socket_send(cr->o->console_socket, sp->pty_master, err);
		/* The receiver has its own copy now: a master left open here would keep the
		 * pty from ever hanging up. */
		close(vsl_steal_fd(&sp->pty_master));
	}
	cr->c->state.status = VSL_STATUS_CREATED;
	if (r == 0)
		r = vsl_store_save(cr->c, err);
	if (r == 0 && cr->o->pid_file)
		r = write_pid_file(cr->o->pid_file, sp->pid, err);
	if (r == 0)
		r = vsl_spawn_commit(sp, err);
	if (r < 0)
		vsl_spawn_abort(sp);
	return r;
}

static int restore_attach_net(void *arg, pid_t pid, struct vsl_err *err)
{
	return attach_net(arg, pid, err);
}

/* restore: CRIU brings the process back in place of the spawn (runtime/restore.c). */
static int restore_container(struct create *cr, struct vsl_created *out, struct vsl_err *err)
{
	struct vsl_restore_step s = {
		.ctx = cr->ctx, .o = cr->o->restore, .cfg = cr->cfg, .c = cr->c, .cg = cr->cg,
		.arg = cr, .attach_net = restore_attach_net,
	};
	pid_t pid;
	int r;

	r = vsl_restore_step(&s, &pid, err);
	if (r < 0)
		return r;
	cr->c->state.pid = pid;
	cr->c->state.start_time = vsl_proc_start_time(pid);
	cr->c->state.status = VSL_STATUS_RUNNING;
	r = vsl_store_save(cr->c, err);
	if (r == 0 && cr->o->pid_file)
		r = write_pid_file(cr->o->pid_file, pid, err);
	out->pid = pid;
	out->pty_master = -1;
	return r;
}

/* vessel.template: mount the template's layers and a private upper on root.path (made if
 * missing) before resolving it. What is mounted goes into state.json first, so a create
 * killed halfway is undone by delete --force (teardown.c unmounts it). overlay.fresh says
 * whether this create made the private layer: a failed create removes only that one, never
 * a kept layer (a VPS's disk) it found. */
static int mount_layers(struct create *cr, const char *bundle, struct vsl_err *err)
{
	const struct vsl_config *cfg = cr->cfg;
	struct vsl_ovl_req req = { .store = cr->store, .id = cr->c->id, .state = cr->c->dir,
				   .log = &cr->ctx->log };
	cleanup_free char *target = NULL;
	int r;

	r = vsl_ovl_parse_annotations(vsl_config_annotation(cfg, VSL_OVL_ANN_TEMPLATE),
				      vsl_config_annotation(cfg, VSL_OVL_ANN_DISK_LIMIT),
				      vsl_config_annotation(cfg, VSL_OVL_ANN_KEEP_LAYER), &req,
				      err);
	if (r < 0 || !req.template_name)
		return r < 0 ? vsl_wrap(err, "config.json") : 0;
	target = cfg->root_path[0] == '/' ? xstrdup(cfg->root_path)
					  : xasprintf("%s/%s", bundle, cfg->root_path);
	req.target = target;
	vsl_state_set(&cr->c->state, "overlay.template", req.template_name);
	vsl_state_set(&cr->c->state, "overlay.target", target);
	vsl_state_set(&cr->c->state, "overlay.keep", req.keep_layer ? "true" : "false");
	vsl_state_set(&cr->c->state, "overlay.fresh",
		      vsl_ovl_has_layer(req.store, req.id) ? "false" : "true");
	r = vsl_store_save(cr->c, err);
	if (r == 0)
		r = vsl_ovl_mount(&req, err);
	return r;
}

/* A container with a template or a network uses the store: it is mounted if need be (after
 * a reboot), and recorded before anything is made in it, so that delete finds the same store
 * without the option it was created with. */
static int open_store(struct create *cr, struct vsl_err *err)
{
	int r;

	if (!vsl_config_annotation(cr->cfg, VSL_OVL_ANN_TEMPLATE) &&
	    !vsl_config_annotation(cr->cfg, VSL_NET_ANN_BRIDGE))
		return 0;
	r = vsl_ovl_store_open(cr->ctx->store, &cr->store, &cr->ctx->log, err);
	if (r < 0)
		return r;
	vsl_state_set(&cr->c->state, VSL_STORE_STATE_KEY, cr->store);
	return vsl_store_save(cr->c, err);
}

static int create_in_store(struct create *cr, const char *bundle, struct vsl_created *out,
			   struct vsl_err *err)
{
	cleanup_free char *rootfs = NULL;
	struct vsl_spawned sp;
	int r;

	r = open_store(cr, err);
	if (r == 0)
		r = mount_layers(cr, bundle, err);
	if (r == 0)
		r = resolve_rootfs(bundle, cr->cfg, &rootfs, err);
	if (r == 0 && cr->o->prepare_rootfs)
		r = cr->o->prepare_rootfs(cr->o->prepare_arg, rootfs, err);
	if (r < 0)
		return r;
	init_state(cr, bundle, rootfs);
	r = vsl_store_save(cr->c, err);
	if (r == 0)
		r = vsl_store_save_config(cr->c, cr->cfg_json, err);
	if (r == 0 && !cr->o->restore)
		r = make_fifo(cr, err);
	if (r == 0)
		r = make_cgroup(cr, err);
	if (r == 0 && cr->o->restore)
		return restore_container(cr, out, err);
	if (r == 0)
		r = spawn_container(cr, &sp, err);
	if (r < 0)
		return r;
	out->pid = sp.pid;
	out->pty_master = sp.pty_master;
	return 0;
}

int vsl_container_create(const struct vsl_ctx *ctx, const struct vsl_create_opts *o,
			 struct vsl_created *out, struct vsl_err *err)
{
	cleanup_config struct vsl_config *cfg = NULL;
	cleanup_container struct vsl_container *c = NULL;
	cleanup_free char *json = NULL;
	char bundle[PATH_MAX];
	struct create cr = { .ctx = ctx, .o = o };
	int r;

	if (!realpath(o->bundle ? o->bundle : ".", bundle))
		return vsl_fail(err, errno, "bundle %s", o->bundle ? o->bundle : ".");
	r = load_config(bundle, &cfg, &json, err);
	if (r == 0)
		r = check_terminal(cfg, o, err);
	if (r == 0)
		r = check_labels(cfg, err);
	if (r == 0)
		r = vsl_rootfs_validate(cfg, err);
	if (r == 0)
		r = vsl_userns_check_maps(cfg, err);
	if (r == 0)
		r = vsl_store_new(ctx, o->id, &c, err);
	if (r < 0)
		return r;
	cr.cfg = cfg;
	cr.cfg_json = json;
	cr.c = c;
	r = create_in_store(&cr, bundle, out, err);
	vsl_cg_free(cr.cg);
	free(cr.store);
	if (r < 0) {
		struct vsl_err ignored;
		vsl_container_teardown(c, false, &ignored);
	} else if (cr.no_cgroup) {
		vsl_warn(&ctx->log, "rootless: container %s has no cgroup of its own (no "
			 "delegated cgroup v2 subtree: %s)", o->id, cr.no_cgroup);
	}
	return r;
}
