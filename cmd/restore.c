/* vessel restore [options] ID: a container from its bundle and a CRIU image directory
 * (runc's flags). */
#include <stdio.h>

#include "cmd/cmd.h"
#include "runtime/checkpoint.h"

enum { OPT_BUNDLE = 'b', OPT_DETACH = 'd' };
enum { OPT_CONSOLE = 280, OPT_PIDFILE, OPT_NOSUBREAPER, OPT_NOPIVOT, OPT_LSM, OPT_LSMMNT };

static const struct vsl_opt opts[] = {
	{ "bundle", OPT_BUNDLE, "DIR", "the bundle the container was created from (default: .)" },
	{ "detach", OPT_DETACH, NULL, "return once restored, instead of waiting for it" },
	{ "pid-file", OPT_PIDFILE, "FILE", "write the restored process' pid to FILE" },
	{ "console-socket", OPT_CONSOLE, "PATH",
	  "unused: a container with a terminal is not checkpointable yet" },
	{ "no-subreaper", OPT_NOSUBREAPER, NULL, "do not become the subreaper in the foreground" },
	{ "no-pivot", OPT_NOPIVOT, NULL, "accepted for runc compatibility: CRIU restores the root" },
	{ "lsm-profile", OPT_LSM, "TYPE:LABEL", "refused: vessel has no AppArmor or SELinux support" },
	{ "lsm-mount-context", OPT_LSMMNT, "CTX", "refused: vessel has no SELinux support" },
	VSL_OPT_END,
};

static int restore_opt(struct vsl_restore_opts *o, int key, const char *v)
{
	switch (key) {
	case OPT_BUNDLE: o->create.bundle = v; break;
	case OPT_DETACH: o->detach = true; break;
	case OPT_PIDFILE: o->create.pid_file = v; break;
	case OPT_CONSOLE: o->create.console_socket = v; break;
	case OPT_NOSUBREAPER: o->no_subreaper = true; break;
	case OPT_NOPIVOT: o->create.no_pivot = true; break;
	case OPT_LSM:
	case OPT_LSMMNT:
		return vsl_cmd_usage_error(&vsl_cmd_restore, "--%s: vessel has no AppArmor or "
					   "SELinux support", key == OPT_LSM ? "lsm-profile"
									     : "lsm-mount-context");
	default: return vsl_cmd_cr_opt(&vsl_cmd_restore, &o->cr, key, v);
	}
	return 0;
}

static int restore_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_restore_opts o = { 0 };
	struct vsl_args a;
	struct vsl_err err;
	const char *v;
	int k, r, code = 0;

	vsl_args_init(&a, &vsl_cmd_restore, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0)
		if ((r = restore_opt(&o, k, v)))
			return r;
	if (k < 0)
		return a.exit;
	if (a.argc != 1)
		return vsl_cmd_usage_error(&vsl_cmd_restore, "expected one container id");
	o.create.id = a.argv[0];
	if (vsl_container_restore(ctx, &o, &code, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return code;
}

const struct vsl_cmd vsl_cmd_restore = {
	.name = "restore",
	.run = restore_run,
	.summary = "restore a container from a CRIU checkpoint",
	.args = "ID",
	.details = "Creates the container from its bundle as create does (layered rootfs, "
		   "cgroup, network with\nthe address it had), with its processes brought back "
		   "by CRIU from the image directory\ninstead of process.args. In the foreground "
		   "it waits for the process, forwards signals,\nexits with its status and "
		   "deletes the container. A failed restore leaves nothing behind.",
	.opts = opts,
	.more_opts = vsl_cr_opts_table,
};
