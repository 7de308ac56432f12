/* vessel exec [options] ID CMD [ARGS...] | vessel exec [options] --process FILE ID: run a
 * process in a running container. Options end at the id: what follows is the command's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/exec.h"

enum { OPT_CONSOLE = 256, OPT_PIDFILE, OPT_PRESERVE, OPT_NNP, OPT_CWD, OPT_LABEL, OPT_APPARMOR };

static const struct vsl_opt opts[] = {
	{ "process", 'p', "FILE", "the process to run: a JSON process object, as in config.json" },
	{ "env", 'e', "K=V", "set an environment variable (repeatable)" },
	{ "cwd", OPT_CWD, "DIR", "working directory in the container" },
	{ "user", 'u', "UID[:GID]", "run as this uid (and gid)" },
	{ "cap", 'c', "CAP", "add CAP to the bounding, effective and permitted sets (repeatable)" },
	{ "tty", 't', NULL, "allocate a pseudo-terminal" },
	{ "detach", 'd', NULL, "return once the process runs, instead of waiting for it" },
	{ "console-socket", OPT_CONSOLE, "PATH",
	  "AF_UNIX socket that receives the terminal's master fd (with --tty)" },
	{ "pid-file", OPT_PIDFILE, "FILE", "write the new process' pid to FILE" },
	{ "preserve-fds", OPT_PRESERVE, "N", "pass N more fds (3 and up) to the process" },
	{ "no-new-privs", OPT_NNP, NULL, "set no_new_privs for the process" },
	{ "process-label", OPT_LABEL, "LABEL", "SELinux label of the process" },
	{ "apparmor", OPT_APPARMOR, "PROFILE", "AppArmor profile of the process" },
	VSL_OPT_END,
};

static int exec_opt(struct vsl_exec_opts *o, int k, const char *v)
{
	uint64_t n;

	switch (k) {
	case 'p': o->process_file = v; break;
	case 'e': vsl_strv_push(&o->env, v); break;
	case OPT_CWD: o->cwd = v; break;
	case 'u': o->user = v; break;
	case 't': o->tty = true; break;
	case 'd': o->detach = true; break;
	case OPT_CONSOLE: o->console_socket = v; break;
	case OPT_PIDFILE: o->pid_file = v; break;
	case 'c': vsl_strv_push(&o->caps, v); break;
	case OPT_NNP: o->no_new_privs = true; break;
	case OPT_LABEL: o->process_label = v; break;
	case OPT_APPARMOR: o->apparmor = v; break;
	case OPT_PRESERVE:
		if (vsl_parse_u64(v, &n) < 0 || n > 1000)
			return vsl_cmd_usage_error(&vsl_cmd_exec, "--preserve-fds: expected a count");
		o->preserve_fds = (int)n;
		break;
	}
	return 0;
}

static int parse(int argc, char **argv, struct vsl_exec_opts *o)
{
	const struct vsl_cmd *cmd = &vsl_cmd_exec;
	struct vsl_args a;
	const char *v;
	int k, r;

	vsl_args_init(&a, cmd, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0)
		if ((r = exec_opt(o, k, v)))
			return r;
	if (k < 0)
		return a.exit;
	if (a.argc < 1)
		return vsl_cmd_usage_error(cmd, "expected a container id");
	o->id = a.argv[0];
	if (o->process_file && a.argc > 1)
		return vsl_cmd_usage_error(cmd, "--process and a command exclude each other");
	if (!o->process_file && a.argc < 2)
		return vsl_cmd_usage_error(cmd, "expected a command (or --process FILE)");
	o->args = a.argv + 1;
	return 0;
}

static int exec_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_exec_opts o = { 0 };
	struct vsl_err err;
	int r, code = 0;

	r = parse(argc, argv, &o);
	if (r == 0 && vsl_container_exec(ctx, &o, &code, &err) < 0)
		r = vsl_cmd_fail(ctx, &err);
	vsl_strv_free(o.env);
	vsl_strv_free(o.caps);
	return r ? r : code;
}

const struct vsl_cmd vsl_cmd_exec = {
	.name = "exec",
	.run = exec_run,
	.summary = "run a process in a running container",
	.args = "ID [--] COMMAND [ARG...]\n--process FILE ID",
	.details = "The process joins every namespace and the cgroup of the container, with the "
		   "settings of\nconfig.json's process (env, cwd, user, capabilities, rlimits...) "
		   "unless options change them.\nOptions come before the id; everything after it is "
		   "the command (`exec ID df -h /`), a\nfirst `--` after the id is dropped. In the "
		   "foreground it exits with the process' status.",
	.opts = opts,
	.flags = VSL_CMD_ENTERS_CONTAINER | VSL_CMD_STOP_AT_ARG,
};
