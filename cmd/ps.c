/* vessel ps [--format table|json] ID [PS_ARGS...]: the container's processes. json is the
 * pid array (containerd's shim reads it); table runs ps(1) with PS_ARGS (default -ef) and
 * keeps the header and the container's lines, as runc does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/container.h"

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Column of "PID" in ps's header; -1 if none. */
static int pid_column(const char *header)
{
	cleanup_free char *h = xstrdup(header);
	char *save = NULL;
	int col = 0;

	for (char *t = strtok_r(h, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save), col++)
		if (strcmp(t, "PID") == 0)
			return col;
	return -1;
}

static long field(const char *line, int col)
{
	cleanup_free char *l = xstrdup(line);
	char *save = NULL, *t = strtok_r(l, " \t\n", &save);

	while (t && col-- > 0)
		t = strtok_r(NULL, " \t\n", &save);
	return t ? strtol(t, NULL, 10) : -1;
}

/* ps(1) with args (no shell) on a pipe. */
static FILE *run_ps(char **ps_args, pid_t *out_pid)
{
	static char *const dflt[] = { "ps", "-ef", NULL };
	cleanup_free char **argv = NULL;
	size_t n = vsl_strv_len(ps_args);
	int fds[2];
	pid_t pid;

	argv = xzalloc((n + 2) * sizeof(*argv));
	argv[0] = "ps";
	memcpy(argv + 1, ps_args, n * sizeof(*argv));
	if (pipe2(fds, O_CLOEXEC) < 0)
		return NULL;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		execvp("ps", n ? argv : dflt);
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return NULL;
	}
	*out_pid = pid;
	return fdopen(fds[0], "r");
}

static int print_table(char **ps_args, const pid_t *pids, size_t n)
{
	cleanup_free char *line = NULL;
	size_t cap = 0;
	int col = -2, status = 1;
	pid_t ps;
	FILE *f = run_ps(ps_args, &ps);

	if (!f) {
		fprintf(stderr, "vessel ps: cannot run ps\n");
		return 1;
	}
	while (getline(&line, &cap, f) > 0) {
		if (col == -2) {
			col = pid_column(line);
			if (col < 0)
				break;
			fputs(line, stdout);
		} else if (has_pid(pids, n, field(line, col))) {
			fputs(line, stdout);
		}
	}
	fclose(f);
	waitpid(ps, &status, 0);
	if (col < 0) {
		fprintf(stderr, "vessel ps: no PID column in the output of ps\n");
		return 1;
	}
	return status == 0 ? 0 : 1;
}

static const struct vsl_opt opts[] = {
	{ "format", 'f', "FMT", "table (default: ps(1) output) or json: the array of pids" },
	VSL_OPT_END,
};

static int ps_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	const struct vsl_cmd *cmd = &vsl_cmd_ps;
	cleanup_free pid_t *pids = NULL;
	const char *format = "table", *v;
	struct vsl_args a;
	struct vsl_err err;
	size_t n = 0;
	int k;

	vsl_args_init(&a, cmd, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0) {
		if (strcmp(v, "table") && strcmp(v, "json"))
			return vsl_cmd_usage_error(cmd, "--format: expected table or json, got %s", v);
		format = v;
	}
	if (k < 0)
		return a.exit;
	if (a.argc < 1)
		return vsl_cmd_usage_error(cmd, "expected a container id");
	if (vsl_container_pids(ctx, a.argv[0], &pids, &n, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	if (strcmp(format, "json") == 0) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
		return 0;
	}
	fflush(stdout);
	return print_table(a.argv + 1, pids, n);
}

const struct vsl_cmd vsl_cmd_ps = {
	.name = "ps",
	.run = ps_run,
	.summary = "list the processes of a container",
	.args = "ID [--] [PS_ARGS...]",
	.details = "The table is ps(1) run with PS_ARGS (default -ef), keeping its header and the "
		   "container's\nlines. Options come before the id; everything after it is ps(1)'s "
		   "(`ps ID -o pid,comm`).",
	.opts = opts,
	.flags = VSL_CMD_STOP_AT_ARG,
};
