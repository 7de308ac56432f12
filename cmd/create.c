/* vessel create [options] ID: set a container up, its process waiting for start.
 * The option parser is shared with run (cmd/run.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/util.h"
#include "runtime/run.h"

enum { OPT_CONSOLE = 256, OPT_PIDFILE, OPT_NOPIVOT, OPT_NOKEYRING, OPT_PRESERVE, OPT_KEEP,
       OPT_NOSUBREAPER };

/* Parse create's options (and run's, when run != NULL). Returns 0, or an exit code. */
int vsl_cmd_parse_create(const struct vsl_cmd *cmd, int argc, char **argv,
			 struct vsl_run_opts *run)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "pid-file", required_argument, NULL, OPT_PIDFILE },
		{ "no-pivot", no_argument, NULL, OPT_NOPIVOT },
		{ "no-new-keyring", no_argument, NULL, OPT_NOKEYRING },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ "detach", no_argument, NULL, 'd' },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "no-subreaper", no_argument, NULL, OPT_NOSUBREAPER },
		{ NULL, 0, NULL, 0 },
	};
	struct vsl_create_opts *o = &run->create;
	bool is_run = strcmp(cmd->name, "run") == 0;
	uint64_t n;
	int c;

	while ((c = getopt_long(argc, argv, is_run ? "b:d" : "b:", opts, NULL)) != -1) {
		switch (c) {
		case 'b': o->bundle = optarg; break;
		case OPT_CONSOLE: o->console_socket = optarg; break;
		case OPT_PIDFILE: o->pid_file = optarg; break;
		case OPT_NOPIVOT: o->no_pivot = true; break;
		case OPT_NOKEYRING: break; /* vessel makes no session keyring: nothing to skip */
		case OPT_NOSUBREAPER: break;
		case OPT_PRESERVE:
			if (vsl_parse_u64(optarg, &n) < 0 || n > 1000)
				return vsl_cmd_usage_error(cmd, "--preserve-fds: expected a count, got %s",
							   optarg);
			o->preserve_fds = (int)n;
			break;
		case 'd':
		case OPT_KEEP:
			if (!is_run)
				return vsl_cmd_usage_error(cmd, "unknown option");
			if (c == 'd')
				run->detach = true;
			else
				run->keep = true;
			break;
		default:
			return vsl_cmd_usage_error(cmd, "unknown option");
		}
	}
	if (optind != argc - 1)
		return vsl_cmd_usage_error(cmd, "expected one container id");
	o->id = argv[optind];
	o->listen_fds = vsl_cmd_listen_fds();
	return 0;
}

int vsl_cmd_create(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_run_opts o = { 0 };
	struct vsl_created created;
	struct vsl_err err;
	int r;

	r = vsl_cmd_parse_create(vsl_cmd_find("create"), argc, argv, &o);
	if (r)
		return r;
	if (vsl_container_create(ctx, &o.create, &created, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}
