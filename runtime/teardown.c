/* Teardown: undo everything a container's state records, in reverse order of making.
 * Every step treats "already gone" as done, so it serves delete, delete --force, a failed
 * create, and a create that was killed halfway. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "netns/net.h"
#include "overlay/overlay.h"
#include "runtime/container.h"
#include "runtime/helper.h"
#include "runtime/hooks.h"
#include "runtime/pidfd.h"
#include "runtime/usernet.h"

/* SIGKILL the container process and wait until it is gone. One that was moved into a
 * frozen cgroup outside the container's cannot die before that cgroup thaws: the signal
 * stays pending and it dies then; nothing of the container is left to wait for. */
static int kill_process(struct vsl_container *c, struct vsl_err *err)
{
	struct vsl_err gone;
	cleanup_close int pidfd = vsl_pidfd_open(c->state.pid, c->state.start_time, &gone);

	if (pidfd < 0)
		return 0; /* not running: nothing to kill */
	if (vsl_pidfd_signal(pidfd, SIGKILL, err) < 0 && err->code != ESRCH)
		return vsl_wrap(err, "container %s", c->id);
	if (vsl_pidfd_wait(pidfd, 100) == 0)
		return 0;
	if (vsl_cg_pid_frozen(c->state.pid)) {
		vsl_warn(&c->ctx->log, "container %s: process %d is frozen in another cgroup: it "
			 "dies of the SIGKILL sent when that cgroup thaws", c->id,
			 (int)c->state.pid);
		return 0;
	}
	if (vsl_pidfd_wait(pidfd, 10000) < 0)
		return vsl_fail(err, ETIMEDOUT, "container %s: process %d did not die", c->id,
				(int)c->state.pid);
	return 0;
}

/* The config of a container being deleted, for its poststop hooks; NULL if it has none or
 * cannot be read (a create killed before saving it leaves nothing to run). */
static struct vsl_config *poststop_config(const struct vsl_container *c)
{
	char line[VSL_ERR_MSG + 128];
	struct vsl_config *cfg;
	struct vsl_err err;

	cfg = vsl_store_load_config(c, &err);
	if (!cfg) {
		if (err.code != ENOENT)
			vsl_warn(&c->ctx->log, "poststop hooks not run: %s",
				 vsl_err_str(&err, line, sizeof(line)));
		return NULL;
	}
	if (!cfg->hooks[VSL_HOOK_POSTSTOP].n) {
		vsl_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* Kill whatever is left in the cgroup (forked-away and frozen processes too) and remove it
 * with the child cgroups the container made. Already gone is done. */
static int destroy_cgroup(struct vsl_container *c, struct vsl_err *err)
{
	const char *rec = vsl_state_get(&c->state, VSL_CG_STATE_KEY);
	cleanup_cgroup struct vsl_cgroup *cg = NULL;

	if (!rec)
		return 0;
	if (vsl_cg_open(rec, &c->ctx->log, &cg, err) < 0 || vsl_cg_destroy(cg, err) < 0)
		return vsl_wrap(err, "container %s", c->id);
	return 0;
}

/* The store the container was created with (recorded), else the one given now. */
static const char *store_of(const struct vsl_container *c)
{
	const char *s = vsl_state_get(&c->state, VSL_STORE_STATE_KEY);

	return s ? s : c->ctx->store;
}

/* What vsl_net_attach made (state "net.*"): lease, host veth, port rules; bridge kept. */
static int detach_net(struct vsl_container *c, struct vsl_err *err)
{
	const char *bridge = vsl_state_get(&c->state, "net.bridge");
	struct vsl_net_req req = {
		.store = store_of(c), .id = c->id, .bridge = bridge,
		.ports = vsl_state_get(&c->state, "net.ports"), .log = &c->ctx->log,
	};

	if (!bridge)
		return 0;
	return vsl_net_detach(&req, err);
}

/* The layered rootfs recorded by create (overlay.*): unmount, drop the private layer unless
 * kept. A create that failed (still "creating") keeps a layer it did not make itself.
 * Idempotent, like every teardown step. */
static int unmount_layers(struct vsl_container *c, struct vsl_err *err)
{
	const char *keep = vsl_state_get(&c->state, "overlay.keep");
	const char *fresh = vsl_state_get(&c->state, "overlay.fresh");
	bool failed_create = c->state.status == VSL_STATUS_CREATING;
	struct vsl_ovl_req req = {
		.store = store_of(c),
		.id = c->id,
		.template_name = vsl_state_get(&c->state, "overlay.template"),
		.target = vsl_state_get(&c->state, "overlay.target"),
		.keep_layer = (keep && strcmp(keep, "true") == 0) ||
			      (failed_create && !(fresh && strcmp(fresh, "true") == 0)),
		.log = &c->ctx->log,
	};

	if (!req.template_name)
		return 0;
	return vsl_ovl_unmount(&req, err);
}

int vsl_container_teardown(struct vsl_container *c, bool run_poststop, struct vsl_err *err)
{
	cleanup_config struct vsl_config *cfg = NULL;
	cleanup_free char *json = NULL;
	int r;

	/* The store's own filesystem is mounted again first if a reboot took it away. */
	if (vsl_state_get(&c->state, VSL_STORE_STATE_KEY) &&
	    vsl_ovl_store_ensure(store_of(c), &c->ctx->log, err) < 0)
		return vsl_wrap(err, "container %s", c->id);
	/* The cgroup first: a frozen process would not die of kill_process's SIGKILL. */
	r = destroy_cgroup(c, err);
	if (r == 0)
		r = kill_process(c, err);
	if (r == 0)
		r = detach_net(c, err);
	if (r == 0)
		r = vsl_usernet_detach(c, err);
	if (r == 0)
		r = unmount_layers(c, err);
	if (r == 0)
		r = vsl_helper_stop(c, err);
	if (r < 0)
		return r;
	/* Read before the state dir goes; run after (the spec: "after the container is
	 * deleted"), and only warn on failure. */
	if (run_poststop && (cfg = poststop_config(c)))
		json = vsl_state_to_oci_json(&c->state, VSL_STATUS_STOPPED, false);
	r = vsl_store_remove(c, err);
	if (r == 0 && cfg)
		vsl_hooks_run_warn(&cfg->hooks[VSL_HOOK_POSTSTOP], "poststop", json, &c->ctx->log);
	return r;
}
