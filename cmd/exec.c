/* vessel exec [options] ID CMD [ARGS...] | vessel exec --process FILE ID: run a process in
 * a running container. Options must come before the id; the command's own follow it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/exec.h"

enum { OPT_CONSOLE = 256, OPT_PIDFILE, OPT_PRESERVE, OPT_CAP, OPT_NNP, OPT_CWD, OPT_IGNORED };

static int parse(const struct vsl_cmd *cmd, int argc, char **argv, struct vsl_exec_opts *o)
{
	static const struct option opts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "env", required_argument, NULL, 'e' },
		{ "cwd", required_argument, NULL, OPT_CWD },
		{ "user", required_argument, NULL, 'u' },
		{ "tty", no_argument, NULL, 't' },
		{ "detach", no_argument, NULL, 'd' },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "pid-file", required_argument, NULL, OPT_PIDFILE },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ "cap", required_argument, NULL, 'c' },
		{ "no-new-privs", no_argument, NULL, OPT_NNP },
		/* runc's SELinux/AppArmor labels and cgroup sub-path: accepted, not applied */
		{ "process-label", required_argument, NULL, OPT_IGNORED },
		{ "apparmor", required_argument, NULL, OPT_IGNORED },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t n;
	int c;

	while ((c = getopt_long(argc, argv, "+p:e:u:tdc:", opts, NULL)) != -1) {
		switch (c) {
		case 'p': o->process_file = optarg; break;
		case 'e': vsl_strv_push(&o->env, optarg); break;
		case OPT_CWD: o->cwd = optarg; break;
		case 'u': o->user = optarg; break;
		case 't': o->tty = true; break;
		case 'd': o->detach = true; break;
		case OPT_CONSOLE: o->console_socket = optarg; break;
		case OPT_PIDFILE: o->pid_file = optarg; break;
		case 'c': vsl_strv_push(&o->caps, optarg); break;
		case OPT_NNP: o->no_new_privs = true; break;
		case OPT_IGNORED: break;
		case OPT_PRESERVE:
			if (vsl_parse_u64(optarg, &n) < 0 || n > 1000)
				return vsl_cmd_usage_error(cmd, "--preserve-fds: expected a count");
			o->preserve_fds = (int)n;
			break;
		default:
			return vsl_cmd_usage_error(cmd, "unknown option");
		}
	}
	if (optind >= argc)
		return vsl_cmd_usage_error(cmd, "expected a container id");
	o->id = argv[optind++];
	if (o->process_file && optind < argc)
		return vsl_cmd_usage_error(cmd, "--process and a command exclude each other");
	if (!o->process_file && optind >= argc)
		return vsl_cmd_usage_error(cmd, "expected a command (or --process FILE)");
	o->args = argv + optind;
	return 0;
}

int vsl_cmd_exec(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_exec_opts o = { 0 };
	struct vsl_err err;
	int r, code = 0;

	r = parse(vsl_cmd_find("exec"), argc, argv, &o);
	if (r == 0 && vsl_container_exec(ctx, &o, &code, &err) < 0)
		r = vsl_cmd_fail(ctx, &err);
	vsl_strv_free(o.env);
	vsl_strv_free(o.caps);
	return r ? r : code;
}
