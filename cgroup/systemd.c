/* The systemd driver (--systemd-cgroup): the container's cgroup is a transient scope that
 * systemd makes on request over D-Bus (StartTransientUnit, Delegate=yes), with the limits
 * systemd owns set as unit properties (systemd_props.c) and the rest written to the
 * scope's cgroup by vessel, as with the v2 driver, whose files it shares otherwise (freeze,
 * stats, pids, the device program). cgroup v2 only.
 *
 * systemd makes a scope only around processes that exist (the PIDs property), but the
 * container's first process is forked later, straight into its cgroup (fork.c: clone3 with
 * CLONE_INTO_CGROUP, which needs the directory to exist). So create forks a holder that
 * systemd moves into the new scope, and vsl_cg_fork lets it go once the container's first
 * process is in: the scope is never empty, which would make systemd stop it. runc and crun
 * instead start the scope around their already forked init and make it wait. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/systemd.h"
#include "common/cleanup.h"
#include "common/util.h"

#define CG_ROOT "/sys/fs/cgroup"
#define PROC_DEVICES_MAX (64 << 10)

static void props_clearp(struct vsl_sd_props *p)
{
	vsl_sd_props_clear(p);
}
#define cleanup_props cleanup_with(props_clearp)

static void bus_closep(struct vsl_sd_bus **b)
{
	vsl_sd_bus_close(*b);
}
#define cleanup_bus cleanup_with(bus_closep)

int vsl_cg_sd_setup(struct vsl_cgroup *cg, struct vsl_err *err)
{
	const char *slash;

	/* Reopening a scope needs no systemd (delete cleans up after one that died); making
	 * one does, and says so first. */
	if (!cg->path && vsl_sd_require(err) < 0)
		return -err->code;
	if (!vsl_cg_unified_host())
		return vsl_refuse(err, EOPNOTSUPP,
				  "cgroup: --systemd-cgroup: vessel's systemd driver needs cgroup v2 "
				  "(the unified hierarchy); this host has cgroup v1");
	cg->mode = VSL_CG_V2;
	cg->ops = &vsl_cg_systemd_ops;
	cg->unified_mount = xstrdup(CG_ROOT);
	if (cg->path) {
		slash = strrchr(cg->path, '/');
		cg->unit = xstrdup(slash ? slash + 1 : cg->path);
	}
	return 0;
}

/* ---- the holder ---- */

static int hold(struct vsl_cgroup *cg, struct vsl_err *err)
{
	pid_t parent = getpid(), pid = fork();

	if (pid < 0)
		return vsl_fail(err, errno, "cgroup: fork the process that holds the new scope");
	if (pid == 0) {
		/* Dies with vessel, keeps nothing of it open, waits to be killed. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		close_range(3, ~0U, 0);
		for (;;)
			pause();
	}
	cg->holder = xzalloc(sizeof(*cg->holder));
	cg->holder->pid = pid;
	return 0;
}

void vsl_cg_sd_release(const struct vsl_cgroup *cg)
{
	if (!cg || !cg->holder || cg->holder->pid <= 0)
		return;
	kill(cg->holder->pid, SIGKILL);
	while (waitpid(cg->holder->pid, NULL, 0) < 0 && errno == EINTR)
		;
	cg->holder->pid = 0;
}

/* systemd put the holder where vessel computed the scope's cgroup to be. */
static int check_placed(const struct vsl_cgroup *cg, struct vsl_err *err)
{
	cleanup_free char *path = xasprintf("/proc/%d/cgroup", (int)cg->holder->pid);
	cleanup_free char *text = NULL, *want = xasprintf("0::%s", cg->path);
	size_t len;
	int r;

	r = vsl_read_file(path, &text, &len, err);
	if (r < 0)
		return r;
	text[strcspn(text, "\n")] = '\0';
	if (strcmp(text, want))
		return vsl_refuse(err, EIO, "cgroup: systemd started %s at %s, not at %s", cg->unit,
				  text + (vsl_str_has_prefix(text, "0::") ? 3 : 0), cg->path);
	return 0;
}

/* ---- properties ---- */

static char *proc_devices(void)
{
	struct vsl_err tmp;
	char *text = NULL;
	size_t len;

	if (vsl_read_file("/proc/devices", &text, &len, &tmp) < 0 || len > PROC_DEVICES_MAX) {
		free(text);
		return NULL;
	}
	return text;
}

static int device_props(const struct vsl_resources *res, const struct vsl_device *devices,
			size_t n_devices, struct vsl_sd_props *p, struct vsl_err *err)
{
	cleanup_free struct vsl_cg_dev_rule *rules = NULL;
	cleanup_free char *names = proc_devices();
	size_t n = 0;
	int r;

	r = vsl_cg_dev_rules(res, devices, n_devices, &rules, &n, err);
	if (r == 0)
		vsl_sd_props_devices(rules, n, names, p);
	return r;
}

static int scope_props(const struct vsl_cg_req *req, const char *slice,
		       struct vsl_cg_settings *s, struct vsl_sd_props *p, struct vsl_err *err)
{
	cleanup_free char *desc = xasprintf("vessel container %s", req->id ? req->id : "");
	static const char *const accounting[] = { "MemoryAccounting", "CPUAccounting",
						  "IOAccounting", "TasksAccounting" };
	int r;

	vsl_sd_props_add_str(p, "Description", desc);
	vsl_sd_props_add_str(p, "Slice", slice);
	/* the scope's cgroup is the container's to manage below, as with cgroupfs */
	vsl_sd_props_add_bool(p, "Delegate", true);
	for (size_t i = 0; i < sizeof(accounting) / sizeof(accounting[0]); i++)
		vsl_sd_props_add_bool(p, accounting[i], true);
	r = vsl_sd_props_from_settings(s, p, err);
	if (r == 0)
		r = device_props(req->resources, req->devices, req->n_devices, p, err);
	return r;
}

/* Controllers the settings left for vessel need (hugetlb, rdma, misc: systemd knows
 * nothing of them) are enabled down to the scope, as on the v2 driver. */
static int enable_rest(const struct vsl_cgroup *cg, const struct vsl_cg_settings *s,
		       struct vsl_err *err)
{
	cleanup_strv char **need = vsl_cg_settings_ctrls(s);

	if (!need || !need[0])
		return 0;
	return vsl_cg_v2_enable(cg->unified_mount, cg->path, false, need, cg->log, err);
}

static int sd_stop(const struct vsl_cgroup *cg, struct vsl_err *err)
{
	cleanup_bus struct vsl_sd_bus *b = NULL;
	int r;

	vsl_cg_sd_release(cg);
	if (!vsl_sd_booted())
		return 0;	/* no systemd, no unit of it left */
	r = vsl_sd_bus_open(&b, err);
	return r < 0 ? r : vsl_sd_bus_stop(b, cg->unit, err);
}

static int sd_create(struct vsl_cgroup *cg, const struct vsl_cg_req *req,
		     struct vsl_cg_settings *s, struct vsl_err *err)
{
	cleanup_props struct vsl_sd_props p = { 0 };
	cleanup_bus struct vsl_sd_bus *b = NULL;
	struct vsl_sd_unit u = { 0 };
	struct vsl_err tmp;
	int r;

	r = vsl_sd_parse_path(req->id, req->cgroups_path, &u, err);
	if (r == 0) {
		free(cg->unit);
		cg->unit = xstrdup(u.unit);
		r = scope_props(req, u.slice, s, &p, err);
	}
	vsl_sd_unit_clear(&u);
	if (r == 0)
		r = vsl_sd_bus_open(&b, err);
	if (r == 0)
		r = hold(cg, err);
	if (r < 0)
		return r;
	vsl_sd_props_add_pid(&p, "PIDs", cg->holder->pid);
	r = vsl_sd_bus_start(b, cg->unit, &p, err);
	if (r < 0) {
		vsl_cg_sd_release(cg);
		return r;
	}
	cg->owned = 1;
	r = check_placed(cg, err);
	if (r == 0)
		r = enable_rest(cg, s, err);
	if (r < 0 && sd_stop(cg, &tmp) < 0)
		vsl_warn(cg->log, "undo: %s", tmp.msg);
	return r;
}

static int sd_update(const struct vsl_cgroup *cg, const struct vsl_resources *res,
		     struct vsl_cg_settings *s, struct vsl_err *err)
{
	cleanup_props struct vsl_sd_props p = { 0 };
	cleanup_bus struct vsl_sd_bus *b = NULL;
	int r;

	r = vsl_sd_props_from_settings(s, &p, err);
	if (r == 0 && res->n_devices)
		r = device_props(res, NULL, 0, &p, err);
	if (r < 0 || p.n == 0)
		return r;
	r = vsl_sd_bus_open(&b, err);
	return r < 0 ? r : vsl_sd_bus_set(b, cg->unit, &p, err);
}

/* Stop the scope (systemd removes its cgroup and forgets the unit), then remove whatever
 * is left of the tree: sub-cgroups the container made, or all of it if systemd is gone. */
static int sd_remove(const struct vsl_cgroup *cg, struct vsl_err *err)
{
	int r;

	/* Provisional (create was killed before the scope was recorded as started): if systemd
	 * started it, it held only the holder, which died with vessel, and systemd removes an
	 * empty scope on its own. The name may be another container's: leave it. */
	if (cg->owned == 0)
		return 0;
	r = sd_stop(cg, err);
	return r < 0 ? r : vsl_cg_rmdir_tree(cg->unified_dir, err);
}

static const char *sd_dir_for(const struct vsl_cgroup *cg, const char *file,
			      struct vsl_err *err)
{
	return cg->unified_dir;
}

static int sd_devices(const struct vsl_cgroup *cg, const struct vsl_cg_dev_rule *rules,
		      size_t n, struct vsl_err *err)
{
	/* systemd's DeviceAllow (set with the other properties) lets through at least these;
	 * vessel's program beside it applies them exactly. */
	return vsl_cg_bpf_devices(cg->unified_dir, rules, n, err);
}

static int sd_freeze(const struct vsl_cgroup *cg, bool frozen, struct vsl_err *err)
{
	return vsl_cg_v2_freeze(cg->unified_dir, frozen, err);
}

static bool sd_is_frozen(const struct vsl_cgroup *cg)
{
	return vsl_cg_v2_is_frozen(cg->unified_dir);
}

static const char *sd_procs_dir(const struct vsl_cgroup *cg)
{
	return cg->unified_dir;
}

static int sd_stats(const struct vsl_cgroup *cg, struct vsl_cg_stats *out, struct vsl_err *err)
{
	return vsl_cg_stats_v2(cg->unified_dir, out, err);
}

const struct vsl_cg_ops vsl_cg_systemd_ops = {
	.create = sd_create,
	.update = sd_update,
	.dir_for = sd_dir_for,
	.devices = sd_devices,
	.freeze = sd_freeze,
	.is_frozen = sd_is_frozen,
	.procs_dir = sd_procs_dir,
	.remove = sd_remove,
	.stats = sd_stats,
};
