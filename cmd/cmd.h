/* The subcommands. Each cmd/<name>.c parses its own options into a local struct, makes one
 * library call and prints; they are the only code that prints or chooses an exit code. */
#ifndef VSL_CMD_CMD_H
#define VSL_CMD_CMD_H

#include <stdbool.h>

#include "common/err.h"
#include "runtime/ctx.h"

#define VSL_VERSION "0.1.0"

struct vsl_cmd {
	const char *name;
	int (*run)(struct vsl_ctx *ctx, int argc, char **argv);
	const char *summary;
	const char *usage;	/* printed by `vessel NAME --help` */
	bool enters_container;	/* forks vessel's code into a container: run from a sealed copy */
};

/* Print err once, in the log format asked for, and return the exit code (1). */
int vsl_cmd_fail(const struct vsl_ctx *ctx, const struct vsl_err *err);
/* "vessel NAME: usage..." on stderr; returns 2 (bad usage). */
int vsl_cmd_usage_error(const struct vsl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* If argv asks for --help / -h, print the usage and return true. */
bool vsl_cmd_wants_help(const struct vsl_cmd *cmd, int argc, char **argv);
const struct vsl_cmd *vsl_cmd_find(const char *name);
/* The lone container id of commands that take nothing else; NULL after a usage error. */
const char *vsl_cmd_only_id(const struct vsl_cmd *cmd, int argc, char **argv);
/* Socket activation, as runc reads it: LISTEN_FDS when LISTEN_PID is this process. */
int vsl_cmd_listen_fds(void);
struct vsl_run_opts;
/* create's and run's options; 0 or an exit code. */
int vsl_cmd_parse_create(const struct vsl_cmd *cmd, int argc, char **argv,
			 struct vsl_run_opts *run);

#define VSL_CMD(n) int vsl_cmd_##n(struct vsl_ctx *ctx, int argc, char **argv)
VSL_CMD(create);
VSL_CMD(start);
VSL_CMD(run);
VSL_CMD(kill);
VSL_CMD(delete);
VSL_CMD(state);
VSL_CMD(list);
VSL_CMD(exec);
VSL_CMD(ps);

VSL_CMD(spec);
VSL_CMD(pause);
VSL_CMD(resume);
VSL_CMD(update);
VSL_CMD(events);
VSL_CMD(network);

VSL_CMD(template);
VSL_CMD(commit);
VSL_CMD(disk);

VSL_CMD(features);

#endif
