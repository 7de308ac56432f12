/* vessel: global options, then dispatch to one subcommand. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "common/util.h"
#include "runtime/cloned_binary.h"

static const struct vsl_cmd commands[] = {
	{ "create", vsl_cmd_create, "create a container; its process waits for start",
	  "vessel create [-b BUNDLE] [--pid-file F] [--console-socket S] [--preserve-fds N] "
	  "[--no-pivot] ID", true },
	{ "start", vsl_cmd_start, "run the process of a created container", "vessel start ID" },
	{ "run", vsl_cmd_run, "create and start a container (and wait, unless -d)",
	  "vessel run [-b BUNDLE] [-d] [--keep] [--pid-file F] [--console-socket S] "
	  "[--preserve-fds N] [--no-pivot] ID", true },
	{ "kill", vsl_cmd_kill, "send a signal to a container (default TERM)",
	  "vessel kill [--all] ID [SIGNAL]" },
	{ "delete", vsl_cmd_delete, "delete a container (--force: even a running one)",
	  "vessel delete [--force] ID" },
	{ "state", vsl_cmd_state, "print a container's OCI state JSON", "vessel state ID" },
	{ "exec", vsl_cmd_exec, "run a process in a running container",
	  "vessel exec [-e K=V] [--cwd DIR] [-u UID[:GID]] [--cap CAP] [-t] [-d] [--pid-file F] "
	  "[--console-socket S] [--preserve-fds N] [--no-new-privs] ID CMD [ARGS...] | "
	  "vessel exec --process FILE ID", true },
	{ "ps", vsl_cmd_ps, "list the processes of a container",
	  "vessel ps [--format table|json] ID [PS_ARGS...]" },
	{ "list", vsl_cmd_list, "list containers", "vessel list [--format table|json] [-q]" },
	{ "spec", vsl_cmd_spec, "write a default config.json into a bundle",
	  "vessel spec [-b|--bundle DIR] [--rootless]" },
	{ "pause", vsl_cmd_pause, "freeze every process of a container", "vessel pause ID" },
	{ "resume", vsl_cmd_resume, "thaw a paused container", "vessel resume ID" },
	{ "update", vsl_cmd_update, "change the cgroup limits of a container",
	  "vessel update [-r resources.json|-] [--memory N] [--memory-swap N] "
	  "[--memory-reservation N] [--kernel-memory N] [--kernel-memory-tcp N] [--cpu-shares N] "
	  "[--cpu-quota N] [--cpu-period N] [--cpu-rt-period N] [--cpu-rt-runtime N] "
	  "[--cpuset-cpus LIST] [--cpuset-mems LIST] [--pids-limit N] [--blkio-weight N] ID" },
	{ "events", vsl_cmd_events, "stream OOM and stats events of a container as JSON lines",
	  "vessel events [--stats] [--interval 5s] ID" },
	{ "network", vsl_cmd_network, "create, list or remove networks (bridge + subnets)",
	  "vessel network create NAME --subnet CIDR [--subnet6 CIDR] | list [--format json] | "
	  "rm NAME" },
	{ "template", vsl_cmd_template, "manage templates: import, list, rm, inspect",
	  "vessel template import [--parent NAME] NAME SOURCE | list [-q] | rm NAME... | "
	  "inspect NAME" },
	{ "commit", vsl_cmd_commit, "snapshot a stopped or paused container as a template",
	  "vessel commit ID NAME" },
	{ "disk", vsl_cmd_disk, "show or change a container's disk limit",
	  "vessel disk ID [SIZE]" },
	{ "features", vsl_cmd_features, "print the OCI features JSON (what vessel supports)",
	  "vessel features" },
};

const struct vsl_cmd *vsl_cmd_find(const char *name)
{
	for (size_t i = 0; i != sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
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

int vsl_cmd_usage_error(const struct vsl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vessel %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (usage: %s)\n", cmd->usage);
	return 2;
}

bool vsl_cmd_wants_help(const struct vsl_cmd *cmd, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: %s\n\n%s\n", cmd->usage, cmd->summary);
			return true;
		}
	}
	return false;
}

const char *vsl_cmd_only_id(const struct vsl_cmd *cmd, int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		vsl_cmd_usage_error(cmd, "expected one container id");
		return NULL;
	}
	return argv[1];
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

static void help(FILE *f)
{
	fprintf(f, "vessel %s - a daemonless OCI container runtime\n\n"
		   "usage: vessel [global options] COMMAND [options] [args]\n\n"
		   "global options:\n"
		   "  --root DIR          state directory (default " VSL_DEFAULT_ROOT ")\n"
		   "  --store DIR         template and layer store (default " VSL_DEFAULT_STORE
		   ", env VESSEL_STORE)\n"
		   "  --log FILE          write errors and warnings to FILE\n"
		   "  --log-format FMT    text or json\n"
		   "  --debug             log debug lines too\n"
		   "  --systemd-cgroup    systemd cgroup driver (slice:prefix:name): not supported yet,\n"
		   "                      refused with a clear error; cgroupfs is the default\n"
		   "  -v, --version       print the version\n"
		   "  -h, --help          this text\n\ncommands:\n",
		VSL_VERSION);
	for (size_t i = 0; i != sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`vessel COMMAND --help` shows a command's options.\n");
}

enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_STORE,
       OPT_ROOTLESS, OPT_CRIU, OPT_CGMANAGER };

static int parse_global(struct vsl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
		{ "cgroup-manager", required_argument, NULL, OPT_CGMANAGER },
		{ "rootless", required_argument, NULL, OPT_ROOTLESS },
		{ "criu", required_argument, NULL, OPT_CRIU },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			ctx->root = optarg;
			break;
		case OPT_STORE:
			ctx->store = optarg;
			break;
		case OPT_LOG: {
			int fd = open(optarg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
			if (fd < 0) {
				fprintf(stderr, "vessel: --log %s: %s\n", optarg, strerror(errno));
				return -1;
			}
			ctx->log.fd = fd;
			break;
		}
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				fprintf(stderr, "vessel: --log-format: expected text or json, got %s\n",
					optarg);
				return -1;
			}
			ctx->log.json = strcmp(optarg, "json") == 0;
			break;
		case OPT_DEBUG:
			ctx->log.level = VSL_LOG_DEBUG;
			break;
		case OPT_SYSTEMD:
			ctx->systemd_cgroup = true;
			break;
		case OPT_CGMANAGER:
			if (strcmp(optarg, "systemd") && strcmp(optarg, "cgroupfs")) {
				fprintf(stderr, "vessel: --cgroup-manager: expected cgroupfs or systemd\n");
				return -1;
			}
			ctx->systemd_cgroup = strcmp(optarg, "systemd") == 0;
			break;
		case OPT_ROOTLESS:
			/* runc's true|false|auto: rootless mode is not built yet, so only
			 * a request for it is refused, not the flag itself. */
			if (strcmp(optarg, "true") == 0) {
				fprintf(stderr, "vessel: --rootless true: rootless mode is not "
						"supported yet (run as root)\n");
				return -1;
			}
			break;
		case OPT_CRIU:
			break; /* the CRIU binary path: accepted for runc compatibility */
		case 'v':
			printf("vessel version %s\nspec: 1.2.0\n", VSL_VERSION);
			exit(0);
		case 'h':
			help(stdout);
			exit(0);
		default:
			help(stderr);
			return -1;
		}
	}
	return optind;
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
		return 2;
	if (first >= argc) {
		help(stderr);
		return 2;
	}
	cmd = vsl_cmd_find(argv[first]);
	if (!cmd) {
		/* Through the log too: containerd and conmon read the error from --log. */
		vsl_log(&ctx.log, VSL_LOG_ERROR, "unknown command %s", argv[first]);
		if (ctx.log.fd != 2)
			fprintf(stderr, "vessel: unknown command %s (see vessel --help)\n",
				argv[first]);
		return 2;
	}
	if (vsl_cmd_wants_help(cmd, argc - first, argv + first))
		return 0;
	/* Commands that put vessel's code into a container run from a sealed copy of it. */
	if (cmd->enters_container) {
		struct vsl_err err;
		if (vsl_ensure_cloned_binary(argv, &err) < 0)
			return vsl_cmd_fail(&ctx, &err);
	}
	/* Subcommands parse their own options with getopt from index 1 of their argv. */
	optind = 1;
	return cmd->run(&ctx, argc - first, argv + first);
}
