/* The option parser over a command's tables (cmd/cmd.h): getopt_long's long and short
 * tables are built from the command's struct vsl_opt rows plus --help; an unknown option
 * or a missing value is one usage line naming the option. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

const struct vsl_opt vsl_opt_help = { "help", 'h', NULL, "show this help" };

static void add(struct vsl_args *a, size_t *nl, size_t *ns, const struct vsl_opt *o)
{
	if (*nl == VSL_OPT_MAX) {
		fprintf(stderr, "vessel %s: more than %d options: raise VSL_OPT_MAX\n",
			a->cmd->name, VSL_OPT_MAX);
		abort();
	}
	a->longs[(*nl)++] = (struct option){ o->name, o->arg ? required_argument : no_argument,
					     NULL, o->key };
	if (o->key > 0 && o->key < 128 && isalnum(o->key)) {
		a->shorts[(*ns)++] = (char)o->key;
		if (o->arg)
			a->shorts[(*ns)++] = ':';
	}
}

static void add_table(struct vsl_args *a, size_t *nl, size_t *ns, const struct vsl_opt *t)
{
	for (; t && t->name; t++)
		add(a, nl, ns, t);
}

void vsl_args_init(struct vsl_args *a, const struct vsl_cmd *cmd, int argc, char **argv)
{
	size_t nl = 0, ns = 0;

	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	a->in_argc = argc;
	a->in_argv = argv;
	if (cmd->flags & VSL_CMD_STOP_AT_ARG)
		a->shorts[ns++] = '+';
	a->shorts[ns++] = ':';	/* a missing value is reported as ':' */
	add_table(a, &nl, &ns, cmd->opts);
	add_table(a, &nl, &ns, cmd->more_opts);
	add(a, &nl, &ns, &vsl_opt_help);
	optind = 0;	/* 0: getopt starts afresh on this argv, at argv[1] */
	opterr = 0;
}

static const struct vsl_opt *find_key(const struct vsl_cmd *cmd, int key)
{
	const struct vsl_opt *tables[] = { cmd->opts, cmd->more_opts };

	for (size_t i = 0; i < 2; i++)
		for (const struct vsl_opt *o = tables[i]; o && o->name; o++)
			if (o->key == key)
				return o;
	return NULL;
}

/* c is '?' (unknown) or ':' (no value); optopt is the short letter or the long key. */
static int bad_option(struct vsl_args *a, int c)
{
	const char *arg = optind > 0 && optind <= a->in_argc ? a->in_argv[optind - 1] : "";
	const struct vsl_opt *o = find_key(a->cmd, optopt);

	if (c == ':' && o)
		return vsl_cmd_usage_error(a->cmd, "option --%s needs a value (%s)", o->name,
					   o->arg);
	if (o && !o->arg && strncmp(arg, "--", 2) == 0 && strchr(arg, '='))
		return vsl_cmd_usage_error(a->cmd, "option --%s takes no value", o->name);
	if (optopt && optopt < 128 && isprint(optopt))
		return vsl_cmd_usage_error(a->cmd, "unknown option -%c", optopt);
	return vsl_cmd_usage_error(a->cmd, "unknown option %.*s", (int)strcspn(arg, "="), arg);
}

/* Options ended: what is left is the arguments. A command whose options stop at the id
 * drops a first "--" right after it, the id being the end of options already. */
static int finish(struct vsl_args *a)
{
	a->argv = a->in_argv + optind;
	a->argc = a->in_argc - optind;
	if ((a->cmd->flags & VSL_CMD_STOP_AT_ARG) && a->cmd != &vsl_cmd_global &&
	    a->argc >= 2 && strcmp(a->argv[1], "--") == 0) {
		a->argv[1] = a->argv[0];
		a->argv++;
		a->argc--;
	}
	return 0;
}

int vsl_args_next(struct vsl_args *a, const char **out_value)
{
	int c;

	optopt = 0;
	c = getopt_long(a->in_argc, a->in_argv, a->shorts, a->longs, NULL);
	*out_value = optarg;
	if (c == -1)
		return finish(a);
	if (c == 'h') {	/* nothing is held yet: help ends the command here */
		vsl_cmd_print_help(a->cmd, stdout);
		exit(0);
	}
	if (c == '?' || c == ':') {
		a->exit = bad_option(a, c);
		return -1;
	}
	return c;
}

int vsl_args_exactly(struct vsl_args *a, const struct vsl_cmd *cmd, int argc, char **argv,
		     int n, const char *what)
{
	const char *v;
	int k;

	vsl_args_init(a, cmd, argc, argv);
	k = vsl_args_next(a, &v);
	if (k < 0)
		return a->exit;
	if (k > 0)	/* cmd's table has an option this parse does not handle */
		return vsl_cmd_usage_error(cmd, "unexpected option");
	if (a->argc != n)
		return vsl_cmd_usage_error(cmd, "%s", what);
	return 0;
}
