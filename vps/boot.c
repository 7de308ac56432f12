/* vps boot: what the host runs at startup. The definitions in the store are the only
 * input: every VPS is cleaned of what the reboot left (a state directory whose processes
 * are gone, a lease, port rules, an empty cgroup, an overlay mount), then exactly the
 * autostart ones are started, each with its disk, address and limits. One VPS failing
 * does not keep the others down. */
#include <errno.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "vps/internal.h"

static int boot_one(const struct vsl_vps_ctx *v, const char *name, const char **what,
		    struct vsl_err *err)
{
	cleanup_close int lock = vps_lock(v->ctx->store, name, true, err);
	struct vsl_vps_def d;
	struct vps_run run;
	int r;

	*what = NULL;
	if (lock < 0)
		return lock;
	r = vps_def_load(v->ctx->store, name, &d, err);
	if (r < 0)
		return r;
	vps_run_get(v->ctx, name, &run);
	if (run.alive && run.ours) {
		*what = "already running";
	} else {
		r = vps_clean_stale(v, &d, err);
		if (r == 0 && d.autostart) {
			r = vps_start_locked(v, &d, lock, err);
			*what = "started";
		} else if (r == 0) {
			*what = "not autostart: left stopped";
		}
	}
	vsl_vps_def_clear(&d);
	return r;
}

int vsl_vps_boot(const struct vsl_vps_ctx *v, vsl_vps_report_fn fn, void *arg,
		 struct vsl_err *err)
{
	cleanup_strv char **names = NULL;
	int failed = 0, r;

	r = vps_names(v->ctx->store, &names, err);
	if (r < 0)
		return r;
	for (size_t i = 0; names[i]; i++) {
		struct vsl_err e;
		const char *what;

		if (boot_one(v, names[i], &what, &e) < 0) {
			fn(arg, names[i], NULL, &e);
			failed++;
		} else {
			fn(arg, names[i], what, NULL);
		}
	}
	return failed ? vsl_refuse(err, EIO, "%d VPS(es) failed to boot", failed) : 0;
}
