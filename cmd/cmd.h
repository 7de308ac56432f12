/* The subcommands. Each cmd/<name>.c defines one struct vsl_cmd (its name, option table,
 * arguments and run function), parses its argv over that table, makes one library call and
 * prints; cmd/ is the only code that prints or chooses an exit code.
 *
 * One option table per command. A command's options are one static array of struct vsl_opt
 * ending in VSL_OPT_END. That array alone drives getopt_long (vsl_args_next), the text of
 * `vessel NAME --help` and the man page vessel-NAME(1) (cmd/help.c, `make man`): no other
 * list of options exists. -h/--help is added to every command by the parser. A command:
 *
 *	enum { OPT_WAIT = 256 };
 *	static const struct vsl_opt opts[] = {
 *		{ "force", 'f', NULL, "kill the container first if it is running" },
 *		{ "wait", OPT_WAIT, "SECS", "wait this long for it to stop (default 10)" },
 *		VSL_OPT_END,
 *	};
 *
 *	static int run(struct vsl_ctx *ctx, int argc, char **argv)
 *	{
 *		struct vsl_args a;
 *		const char *v;
 *		int k;
 *
 *		vsl_args_init(&a, &vsl_cmd_stop, argc, argv);
 *		while ((k = vsl_args_next(&a, &v)) > 0) {
 *			switch (k) {
 *			case 'f': ...; break;
 *			case OPT_WAIT: ... v ...; break;
 *			}
 *		}
 *		if (k < 0)
 *			return a.exit;	// a usage error was printed: 2
 *		if (a.argc != 1)
 *			return vsl_cmd_usage_error(&vsl_cmd_stop, "expected one container id");
 *		... a.argv[0] ...
 *	}
 *
 *	const struct vsl_cmd vsl_cmd_stop = {
 *		.name = "stop", .run = run, .opts = opts, .args = "ID",
 *		.summary = "stop a container",
 *	};
 *
 * plus VSL_CMD(stop) below and one line in main.c's command list; `make man` then writes
 * vessel-stop.1 too. Keys: a letter or digit is also the short option (-f); long-only
 * options use values >= 256; 'h' is help's (it prints and exits 0). A command that takes
 * no option but --help parses with vsl_args_exactly. A command with verbs (template
 * import, network create) lists them in .verbs and runs vsl_cmd_run_verb; each verb is a
 * struct vsl_cmd of its own, with .parent set, documented in its command's man page.
 *
 * Where options end, as runc's urfave/cli decides it: options may come anywhere before
 * "--" (getopt permutes argv, as urfave/cli reorders flags), so `delete ID --force` works;
 * with VSL_CMD_STOP_AT_ARG options end at the first argument (the container id) and the
 * rest is the container's command line (exec ID df -h /, ps ID -ef), a first "--" right
 * after the id being dropped (exec ID -- cmd). Global options come only before the command.
 */
#ifndef VSL_CMD_CMD_H
#define VSL_CMD_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "common/err.h"
#include "runtime/ctx.h"

#define VSL_VERSION "0.1.0"

struct vsl_opt {
	const char *name;	/* the long option, without "--" */
	int key;		/* what vsl_args_next returns; a printable char is also -key */
	const char *arg;	/* the value's name in help ("FILE"); NULL: a flag, no value */
	const char *help;	/* one line, lower case, no final period */
};
#define VSL_OPT_END { NULL, 0, NULL, NULL }

enum {
	VSL_CMD_ENTERS_CONTAINER = 1 << 0, /* forks vessel's code into a container: runs from a
					    * sealed copy (runtime/cloned_binary.h) */
	VSL_CMD_STOP_AT_ARG = 1 << 1,	   /* options end at the first argument (see above) */
	VSL_CMD_USES_STORE = 1 << 2,	   /* works on the store itself: its own filesystem is
					    * mounted again first if a reboot took it away */
};

struct vsl_cmd {
	const char *name;
	const char *parent;	/* a verb's command ("template"); NULL for a command */
	int (*run)(struct vsl_ctx *ctx, int argc, char **argv);	/* argv[0] is the name */
	const char *summary;	/* one line: the command list, the man page's NAME */
	const char *args;	/* the synopsis after [OPTIONS]; alternatives split by '\n' */
	const char *details;	/* NULL or paragraphs (split by "\n\n") for --help and man */
	const struct vsl_opt *opts;	/* NULL or ending in VSL_OPT_END */
	const struct vsl_opt *more_opts; /* a second table shared with another command */
	const struct vsl_cmd *const *verbs; /* NULL or NULL-terminated */
	const char *alias;	/* another name the verb answers to ("ls") */
	unsigned flags;
};

/* The row every command's parser adds: -h, --help. */
extern const struct vsl_opt vsl_opt_help;

#define VSL_OPT_MAX 40	/* options of one command, help included */

/* One parse of a command's argv over its tables (cmd/opts.c). */
struct vsl_args {
	const struct vsl_cmd *cmd;
	int argc;		/* once vsl_args_next returned 0: the arguments left */
	char **argv;
	int exit;		/* once it returned -1: the exit code (2) */
	int in_argc;
	char **in_argv;
	struct option longs[VSL_OPT_MAX + 1];
	char shorts[3 * VSL_OPT_MAX + 3];
};

void vsl_args_init(struct vsl_args *a, const struct vsl_cmd *cmd, int argc, char **argv);
/* The next option's key (its value, if it takes one, in *out_value); 0 when the options
 * end (a->argc/argv are then the arguments); -1 after a usage error naming the option was
 * printed: the command returns a->exit. -h/--help prints the help and exits 0. */
int vsl_args_next(struct vsl_args *a, const char **out_value);
/* Parse a command that takes no option but --help, and exactly `n` arguments: 0 with
 * a->argv set, else the exit code (2) after a usage error. */
int vsl_args_exactly(struct vsl_args *a, const struct vsl_cmd *cmd, int argc, char **argv,
		     int n, const char *what);

/* Print err once, in the log format asked for, and return the exit code (1). */
int vsl_cmd_fail(const struct vsl_ctx *ctx, const struct vsl_err *err);
/* "vessel NAME: message (usage: ...)" on one line on stderr; returns 2 (bad usage). */
int vsl_cmd_usage_error(const struct vsl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* `vessel NAME --help`: usage, summary, details, one line per option (cmd/help.c);
 * `vessel --help` for &vsl_cmd_global. */
void vsl_cmd_print_help(const struct vsl_cmd *cmd, FILE *f);
/* The man page of cmd in roff: vessel-NAME(1), or vessel(1) for &vsl_cmd_global. */
void vsl_cmd_print_man(const struct vsl_cmd *cmd, FILE *f);
/* A command with verbs: run the verb argv[1] names, or print the command's help. */
int vsl_cmd_run_verb(struct vsl_ctx *ctx, const struct vsl_cmd *cmd, int argc, char **argv);
const struct vsl_cmd *vsl_cmd_find(const char *name);
/* Every command, NULL-terminated, in the order of `vessel --help` (cmd/main.c). */
extern const struct vsl_cmd *const vsl_commands[];
/* vessel's own (global) options, before the command (cmd/main.c). */
extern const struct vsl_cmd vsl_cmd_global;
/* Socket activation, as runc reads it: LISTEN_FDS when LISTEN_PID is this process. */
int vsl_cmd_listen_fds(void);
struct vsl_run_opts;
/* create's options (cmd/create.c), run's more_opts; keys 256-299. */
extern const struct vsl_opt vsl_create_opts[];
/* Parse create's or run's argv into run; 0 or an exit code. */
int vsl_cmd_parse_create(const struct vsl_cmd *cmd, int argc, char **argv,
			 struct vsl_run_opts *run);
/* One of run's own options (cmd/run.c); 0 or an exit code. */
int vsl_cmd_run_opt(struct vsl_run_opts *o, int key);

struct vsl_cr_opts;
/* The options checkpoint and restore share (cmd/checkpoint.c), keys 256-279. */
extern const struct vsl_opt vsl_cr_opts_table[];
/* One of them into o; 1 if key is not one of them, else 0 or an exit code. */
int vsl_cmd_cr_opt(const struct vsl_cmd *cmd, struct vsl_cr_opts *o, int key, const char *v);

#define VSL_CMD(n) extern const struct vsl_cmd vsl_cmd_##n
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
VSL_CMD(store);

VSL_CMD(checkpoint);
VSL_CMD(restore);

VSL_CMD(features);
VSL_CMD(help);
VSL_CMD(vps);

#endif
