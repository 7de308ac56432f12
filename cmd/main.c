/* vessel: global options, then dispatch to one subcommand. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "common/util.h"
#include "overlay/overlay.h"
#include "runtime/cloned_binary.h"
#include "runtime/rootless.h"

const struct vsl_cmd *const vsl_commands[] = {
	&vsl_cmd_create, &vsl_cmd_start, &vsl_cmd_run, &vsl_cmd_kill, &vsl_cmd_delete,
	&vsl_cmd_state, &vsl_cmd_exec, &vsl_cmd_ps, &vsl_cmd_list, &vsl_cmd_spec,
	&vsl_cmd_pause, &vsl_cmd_resume, &vsl_cmd_update, &vsl_cmd_events, &vsl_cmd_network,
	&vsl_cmd_template, &vsl_cmd_commit, &vsl_cmd_disk, &vsl_cmd_store, &vsl_cmd_checkpoint,
	&vsl_cmd_restore, &vsl_cmd_vps, &vsl_cmd_features, &vsl_cmd_help,
	NULL,
};

enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_STORE,
       OPT_ROOTLESS, OPT_CRIU, OPT_CGMANAGER };

static const struct vsl_opt global_opts[] = {
	{ "root", OPT_ROOT, "DIR", "state directory, one per container (default " VSL_DEFAULT_ROOT ")" },
	{ "store", OPT_STORE, "DIR", "templates, layers, leases (default " VSL_DEFAULT_STORE
				     ", env VESSEL_STORE)" },
	{ "log", OPT_LOG, "FILE", "write errors and warnings to FILE, as runc does (conmon reads it)" },
	{ "log-format", OPT_LOG_FORMAT, "FMT", "the log's format: text (default) or json" },
	{ "debug", OPT_DEBUG, NULL, "log debug lines too" },
	{ "systemd-cgroup", OPT_SYSTEMD, NULL, "a systemd scope over D-Bus as the cgroup (slice:prefix:name)" },
	{ "cgroup-manager", OPT_CGMANAGER, "MGR", "cgroupfs (default) or systemd (--systemd-cgroup)" },
	{ "rootless", OPT_ROOTLESS, "BOOL", "true, false or auto (default: euid != 0 or in a user namespace)" },
	{ "criu", OPT_CRIU, "PATH", "the CRIU binary checkpoint and restore run (default: criu on PATH)" },
	{ "version", 'v', NULL, "print the version" },
	VSL_OPT_END,
};

const struct vsl_cmd vsl_cmd_global = {
	.name = "vessel",
	.summary = "a daemonless OCI container runtime",
	.args = "COMMAND [OPTIONS] [ARGS...]",
	.details = "vessel follows runc's command line: global options come before the command, "
		   "the command's\noptions before its arguments. It runs OCI bundles (create, "
		   "start, run, exec, kill,\ndelete, state, ...) and adds what hosting needs: "
		   "templates layered with overlayfs,\nper-container disk limits, and bridge "
		   "networking with address management.",
	.opts = global_opts,
	.flags = VSL_CMD_STOP_AT_ARG,
};

const struct vsl_cmd *vsl_cmd_find(const char *name)
{
	for (size_t i = 0; vsl_commands[i]; i++)
		if (strcmp(vsl_commands[i]->name, name) == 0)
			return vsl_commands[i];
	return NULL;
}

int vsl_cmd_fail(const struct vsl_ctx *ctx, const struct vsl_err *err)
{
	char buf[VSL_ERR_MSG + 128];

	vsl_err_str(err, buf, sizeof(buf));
	vsl_log(&ctx->log, VSL_LOG_ERROR, "%s", buf);
	/* With --log, conmon reads the file; a person at a terminal still wants the line. */
	if (ctx->log.fd != 2)
		fprintf(stderr, "vessel: %s\n", buf);
	return 1;
}

int vsl_cmd_listen_fds(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	uint64_t n, p;

	if (!fds || !pid || vsl_parse_u64(fds, &n) < 0 || vsl_parse_u64(pid, &p) < 0 ||
	    p != (uint64_t)getpid() || n > 1000)
		return 0;
	return (int)n;
}

/* What the global options asked for beyond the ctx itself. */
struct globals {
	struct vsl_ctx *ctx;
	enum vsl_rootless_mode rootless;
	bool root_set, store_set;
};

/* One global option; 0, or -1 after printing why it is refused. */
static int global_opt(struct globals *g, int k, const char *v)
{
	struct vsl_ctx *ctx = g->ctx;

	switch (k) {
	case OPT_ROOT: ctx->root = v; g->root_set = true; break;
	case OPT_STORE: ctx->store = v; g->store_set = true; break;
	case OPT_LOG: {
		int fd = open(v, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0) {
			fprintf(stderr, "vessel: --log %s: %s\n", v, strerror(errno));
			return -1;
		}
		ctx->log.fd = fd;
		break;
	}
	case OPT_LOG_FORMAT:
		if (strcmp(v, "json") && strcmp(v, "text")) {
			fprintf(stderr, "vessel: --log-format: expected text or json, got %s\n", v);
			return -1;
		}
		ctx->log.json = strcmp(v, "json") == 0;
		break;
	case OPT_DEBUG: ctx->log.level = VSL_LOG_DEBUG; break;
	case OPT_SYSTEMD: ctx->systemd_cgroup = true; break;
	case OPT_CGMANAGER:
		if (strcmp(v, "systemd") && strcmp(v, "cgroupfs")) {
			fprintf(stderr, "vessel: --cgroup-manager: expected cgroupfs or systemd\n");
			return -1;
		}
		ctx->systemd_cgroup = strcmp(v, "systemd") == 0;
		break;
	case OPT_ROOTLESS:
		if (vsl_rootless_parse(v, &g->rootless) < 0) {
			fprintf(stderr, "vessel: --rootless: expected true, false or auto, got %s\n",
				v);
			return -1;
		}
		break;
	case OPT_CRIU: ctx->criu = v; break;
	case 'v':
		printf("vessel version %s\nspec: 1.2.0\n", VSL_VERSION);
		exit(0);
	}
	return 0;
}

/* A rootless vessel keeps its state and store in the user's directories, as runc does
 * (runtime/rootless.h); what was given on the command line or in VESSEL_STORE stays. */
static void rootless_defaults(struct globals *g)
{
	struct vsl_ctx *ctx = g->ctx;

	ctx->rootless = vsl_rootless_detect(g->rootless);
	/* Root in a user namespace (rootless podman) keeps the defaults unless XDG says. */
	if (!ctx->rootless || (geteuid() == 0 && !getenv("XDG_RUNTIME_DIR")))
		return;
	if (!g->root_set)
		ctx->root = vsl_rootless_default_root();
	if (!g->store_set && !getenv("VESSEL_STORE")) {
		char *store = vsl_rootless_default_store();
		if (store)
			ctx->store = store;
	}
}

/* The global options; the index of the command in argv, or -(exit code + 1). */
static int parse_global(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct globals g = { .ctx = ctx, .rootless = VSL_ROOTLESS_AUTO };
	struct vsl_args a;
	const char *v;
	int k;

	vsl_args_init(&a, &vsl_cmd_global, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0)
		if (global_opt(&g, k, v) < 0)
			return -3;
	rootless_defaults(&g);
	if (k < 0)
		return -(a.exit + 1);
	if (a.argc == 0) {
		vsl_cmd_print_help(&vsl_cmd_global, stderr);
		return -3;
	}
	return argc - a.argc;
}

int main(int argc, char **argv)
{
	struct vsl_ctx ctx = {
		.root = VSL_DEFAULT_ROOT,
		.store = getenv("VESSEL_STORE") ? getenv("VESSEL_STORE") : VSL_DEFAULT_STORE,
		.log = VSL_LOG_INIT,
	};
	const struct vsl_cmd *cmd;
	int first;

	first = parse_global(&ctx, argc, argv);
	if (first < 0)
		return -first - 1;
	cmd = vsl_cmd_find(argv[first]);
	if (!cmd) {
		/* Through the log too: containerd and conmon read the error from --log. */
		vsl_log(&ctx.log, VSL_LOG_ERROR, "unknown command %s", argv[first]);
		if (ctx.log.fd != 2)
			fprintf(stderr, "vessel: unknown command %s (see vessel --help)\n",
				argv[first]);
		return 2;
	}
	/* Commands that put vessel's code into a container run from a sealed copy of it. */
	if (cmd->flags & VSL_CMD_ENTERS_CONTAINER) {
		struct vsl_err err;
		if (vsl_ensure_cloned_binary(argv, ctx.root, &err) < 0)
			return vsl_cmd_fail(&ctx, &err);
	}
	/* create, run and delete do it themselves when the container uses the store. */
	if (cmd->flags & VSL_CMD_USES_STORE) {
		struct vsl_err err;
		if (vsl_ovl_store_ensure(ctx.store, &ctx.log, &err) < 0)
			return vsl_cmd_fail(&ctx, &err);
	}
	return cmd->run(&ctx, argc - first, argv + first);
}
