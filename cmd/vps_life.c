/* vessel vps start|stop|restart|rm|boot. */
#include <stdio.h>
#include <string.h>

#include "cmd/vps_cmd.h"
#include "common/util.h"

enum { OPT_TIMEOUT = 't', OPT_ALL = 'a', OPT_FORCE = 'f' };

static const struct vsl_opt stop_opts[] = {
	{ "timeout", OPT_TIMEOUT, "S", "seconds to wait for the init (default: its stop timeout)" },
	{ "all", OPT_ALL, NULL, "every running VPS, together (what a host shutdown runs)" },
	VSL_OPT_END,
};

static const struct vsl_opt restart_opts[] = {
	{ "timeout", OPT_TIMEOUT, "S", "seconds to wait for the init (default: its stop timeout)" },
	VSL_OPT_END,
};

static const struct vsl_opt rm_opts[] = {
	{ "force", OPT_FORCE, NULL, "kill it first if it runs; remove a broken one too" },
	VSL_OPT_END,
};

static int start_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_vps_ctx v = vps_ctx(ctx);
	struct vsl_vps_info info;
	struct vsl_args a;
	struct vsl_err err;
	int r;

	r = vsl_args_exactly(&a, &vps_start_cmd, argc, argv, 1, "expected one VPS name");
	if (r)
		return r;
	if (vsl_vps_start(&v, a.argv[0], &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	if (vsl_vps_info_get(&v, a.argv[0], &info, &err) == 0) {
		printf("%s: running%s%s\n", a.argv[0], info.addr4 ? ", address " : "",
		       info.addr4 ? info.addr4 : "");
		vsl_vps_info_clear(&info);
	}
	return 0;
}

/* stop's, restart's and rm's options; 0 with a->argv the names, or an exit code. */
static int parse(const struct vsl_cmd *cmd, struct vsl_args *a, int argc, char **argv,
		 int *timeout, bool *all, bool *force)
{
	const char *v;
	uint64_t n;
	int k;

	vsl_args_init(a, cmd, argc, argv);
	while ((k = vsl_args_next(a, &v)) > 0) {
		if (k == OPT_TIMEOUT && (vsl_parse_u64(v, &n) < 0 || n > VSL_VPS_STOP_TIMEOUT_MAX))
			return vsl_cmd_usage_error(cmd, "--timeout: expected seconds (0-%d)",
						   VSL_VPS_STOP_TIMEOUT_MAX);
		if (k == OPT_TIMEOUT)
			*timeout = (int)n;
		else if (k == OPT_ALL)
			*all = true;
		else if (k == OPT_FORCE)
			*force = true;
	}
	if (k < 0)
		return a->exit;
	if (all && *all)
		return a->argc == 0 ? 0 : vsl_cmd_usage_error(cmd, "--all takes no name");
	return a->argc == 1 ? 0 : vsl_cmd_usage_error(cmd, "expected one VPS name");
}

static void report(void *arg, const char *name, const char *what, const struct vsl_err *err)
{
	char buf[VSL_ERR_MSG + 128];

	(void)arg;
	if (err)
		fprintf(stderr, "vessel: %s: %s\n", name, vsl_err_str(err, buf, sizeof(buf)));
	else
		printf("%s: %s\n", name, what);
	fflush(stdout);
}

static int stop_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_vps_ctx v = vps_ctx(ctx);
	struct vsl_vps_stopped st;
	struct vsl_args a;
	struct vsl_err err;
	int timeout = -1, r;
	bool all = false;

	r = parse(&vps_stop_cmd, &a, argc, argv, &timeout, &all, NULL);
	if (r)
		return r;
	if (all)
		return vsl_vps_stop_all(&v, timeout, report, NULL, &err) < 0 ? vsl_cmd_fail(ctx, &err)
									     : 0;
	if (vsl_vps_stop(&v, a.argv[0], timeout, &st, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	if (st.killed)
		printf("%s: killed: the init did not halt in time (%u.%01u s)\n", a.argv[0],
		       st.ms / 1000, st.ms % 1000 / 100);
	else
		printf("%s: halted in %u.%01u s\n", a.argv[0], st.ms / 1000, st.ms % 1000 / 100);
	return 0;
}

static int restart_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_vps_ctx v = vps_ctx(ctx);
	struct vsl_args a;
	struct vsl_err err;
	int timeout = -1, r;

	r = parse(&vps_restart_cmd, &a, argc, argv, &timeout, NULL, NULL);
	if (r)
		return r;
	if (vsl_vps_restart(&v, a.argv[0], timeout, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	printf("%s: running\n", a.argv[0]);
	return 0;
}

static int rm_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_vps_ctx v = vps_ctx(ctx);
	struct vsl_args a;
	struct vsl_err err;
	bool force = false;
	int r, timeout = -1;

	r = parse(&vps_rm_cmd, &a, argc, argv, &timeout, NULL, &force);
	if (r)
		return r;
	if (vsl_vps_rm(&v, a.argv[0], force, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}

static int boot_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_vps_ctx v = vps_ctx(ctx);
	struct vsl_args a;
	struct vsl_err err;
	int r;

	r = vsl_args_exactly(&a, &vps_boot_cmd, argc, argv, 0, "takes no arguments");
	if (r)
		return r;
	if (vsl_vps_boot(&v, report, NULL, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}

const struct vsl_cmd vps_start_cmd = {
	.name = "start",
	.parent = "vps",
	.run = start_run,
	.summary = "start a stopped VPS",
	.args = "NAME",
	.details = "Its bundle is generated again from the definition, a keeper process takes its "
		   "console and\nstarts its container; a container an init left behind is cleaned "
		   "first.",
};

const struct vsl_cmd vps_stop_cmd = {
	.name = "stop",
	.parent = "vps",
	.run = stop_run,
	.summary = "halt a VPS by its init's own halt signal, SIGKILL after the timeout",
	.args = "NAME\n--all",
	.details = "The halt signal is the init's (SIGRTMIN+3 systemd, SIGUSR1 busybox, SIGPWR "
		   "sysvinit, SIGTERM\nother), or --halt-signal's. The disk and the address are kept.",
	.opts = stop_opts,
};

const struct vsl_cmd vps_restart_cmd = {
	.name = "restart",
	.parent = "vps",
	.run = restart_run,
	.summary = "stop a VPS (if it runs), then start it",
	.args = "NAME",
	.opts = restart_opts,
};

const struct vsl_cmd vps_rm_cmd = {
	.name = "rm",
	.parent = "vps",
	.run = rm_run,
	.summary = "remove a VPS and its disk, for good",
	.args = "NAME",
	.details = "A running VPS is refused unless --force, which kills it first.",
	.opts = rm_opts,
};

const struct vsl_cmd vps_boot_cmd = {
	.name = "boot",
	.parent = "vps",
	.run = boot_run,
	.summary = "at host startup: clean what the reboot left, start every autostart VPS",
	.details = "What the unit and the init script `make install` puts in place run. One line "
		   "per VPS;\nrunning it twice is harmless.",
};
