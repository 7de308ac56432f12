/* What the option tables print: `vessel NAME --help`, the one-line usage of a usage error,
 * and the man pages vessel(1) and vessel-NAME(1) in roff (`vessel help --man NAME`, which
 * `make man` runs). Every line about an option comes from its struct vsl_opt row. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

static const char *full_name(const struct vsl_cmd *c, char *buf, size_t len)
{
	if (c == &vsl_cmd_global)
		return "vessel";
	snprintf(buf, len, "vessel %s%s%s", c->parent ? c->parent : "", c->parent ? " " : "",
		 c->name);
	return buf;
}

/* Every row of c's tables, --help last; returns how many. */
static size_t all_opts(const struct vsl_cmd *c, const struct vsl_opt **out)
{
	const struct vsl_opt *tables[] = { c->opts, c->more_opts };
	size_t n = 0;

	for (size_t i = 0; i < 2; i++)
		for (const struct vsl_opt *o = tables[i]; o && o->name && n < VSL_OPT_MAX; o++)
			out[n++] = o;
	out[n++] = &vsl_opt_help;
	return n;
}

static bool has_short(const struct vsl_opt *o)
{
	return o->key > 0 && o->key < 128 && isalnum(o->key);
}

/* usage line i of c (alternatives of .args are split by '\n'); false past the last. */
static bool usage_line(const struct vsl_cmd *c, int i, char *buf, size_t len)
{
	const char *args = c->args, *end, *opts = "[OPTIONS]";
	char name[64];
	int n;

	if (c == &vsl_cmd_global)
		opts = "[GLOBAL OPTIONS]";
	else if (c->verbs && !c->args)
		opts = NULL;	/* the verb's options follow it */
	if (!args)
		args = c->verbs ? "VERB [OPTIONS] [ARGS...]" : "";
	for (; i > 0; i--) {
		args = strchr(args, '\n');
		if (!args)
			return false;
		args++;
	}
	end = strchr(args, '\n');
	n = (int)(end ? end - args : (long)strlen(args));
	snprintf(buf, len, "%s%s%s%s%.*s", full_name(c, name, sizeof(name)), opts ? " " : "",
		 opts ? opts : "", n ? " " : "", n, args);
	return true;
}

int vsl_cmd_usage_error(const struct vsl_cmd *cmd, const char *fmt, ...)
{
	char name[64], line[512];
	va_list ap;

	fprintf(stderr, "%s: ", full_name(cmd, name, sizeof(name)));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (usage:");
	for (int i = 0; usage_line(cmd, i, line, sizeof(line)); i++)
		fprintf(stderr, "%s %s", i ? " |" : "", line);
	fprintf(stderr, ")\n");
	return 2;
}

/* "-e, --env K=V" or "    --cwd DIR" */
static void opt_label(const struct vsl_opt *o, char *buf, size_t len)
{
	snprintf(buf, len, "%s%c%s--%s%s%s", has_short(o) ? "-" : " ",
		 has_short(o) ? o->key : ' ', has_short(o) ? ", " : "  ", o->name,
		 o->arg ? " " : "", o->arg ? o->arg : "");
}

static void print_options(const struct vsl_cmd *c, FILE *f)
{
	const struct vsl_opt *v[VSL_OPT_MAX + 1];
	size_t n = all_opts(c, v);
	int width = 0;
	char label[96];

	for (size_t i = 0; i < n; i++) {
		opt_label(v[i], label, sizeof(label));
		if ((int)strlen(label) > width)
			width = (int)strlen(label);
	}
	fprintf(f, "\n%s:\n", c == &vsl_cmd_global ? "global options (before the command)"
						    : "options");
	for (size_t i = 0; i < n; i++) {
		opt_label(v[i], label, sizeof(label));
		fprintf(f, "  %-*s  %s\n", width, label, v[i]->help);
	}
}

static void print_list(const struct vsl_cmd *const *v, const char *title, FILE *f)
{
	int width = 0;

	for (size_t i = 0; v[i]; i++)
		if ((int)strlen(v[i]->name) > width)
			width = (int)strlen(v[i]->name);
	fprintf(f, "\n%s:\n", title);
	for (size_t i = 0; v[i]; i++)
		fprintf(f, "  %-*s  %s\n", width, v[i]->name, v[i]->summary);
}

void vsl_cmd_print_help(const struct vsl_cmd *cmd, FILE *f)
{
	char line[512];

	if (cmd == &vsl_cmd_global)
		fprintf(f, "vessel %s - %s\n\n", VSL_VERSION, cmd->summary);
	for (int i = 0; usage_line(cmd, i, line, sizeof(line)); i++)
		fprintf(f, "%s %s\n", i ? "   or:" : "usage:", line);
	if (cmd != &vsl_cmd_global)
		fprintf(f, "\n%s\n", cmd->summary);
	if (cmd->details)
		fprintf(f, "\n%s\n", cmd->details);
	print_options(cmd, f);
	if (cmd == &vsl_cmd_global) {
		print_list(vsl_commands, "commands", f);
		fprintf(f, "\n`vessel COMMAND --help` shows a command's options, "
			   "`man vessel-COMMAND` its manual page.\n");
	} else if (cmd->verbs) {
		print_list(cmd->verbs, "verbs", f);
		fprintf(f, "\n`vessel %s VERB --help` shows a verb's options.\n", cmd->name);
	}
}

int vsl_cmd_run_verb(struct vsl_ctx *ctx, const struct vsl_cmd *cmd, int argc, char **argv)
{
	char names[256] = "";

	for (size_t i = 0; cmd->verbs[i]; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? ", " : "", cmd->verbs[i]->name);
	if (argc < 2)
		return vsl_cmd_usage_error(cmd, "expected a verb: %s", names);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		vsl_cmd_print_help(cmd, stdout);
		return 0;
	}
	for (size_t i = 0; cmd->verbs[i]; i++) {
		const struct vsl_cmd *v = cmd->verbs[i];
		if (strcmp(argv[1], v->name) == 0 || (v->alias && strcmp(argv[1], v->alias) == 0))
			return v->run(ctx, argc - 1, argv + 1);
	}
	return vsl_cmd_usage_error(cmd, "unknown verb %s (expected %s)", argv[1], names);
}

/* --- roff */

/* Text in roff: backslashes and minus signs escaped, no line starting with a control
 * character, paragraphs ("\n\n") as .PP. No newline at the end. */
static void roff_text(FILE *f, const char *s)
{
	bool bol = true;

	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		bol = false;
		if (*s == '\\') {
			fputs("\\e", f);
		} else if (*s == '-') {
			fputs("\\-", f);
		} else if (*s == '\n' && s[1] == '\n') {
			fputs("\n.PP\n", f);
			s++;
			bol = true;
		} else {
			fputc(*s, f);
			bol = *s == '\n';
		}
	}
}

/* roff_text on lines of its own */
static void roff(FILE *f, const char *s)
{
	roff_text(f, s);
	fputc('\n', f);
}

static void man_synopsis(const struct vsl_cmd *c, FILE *f)
{
	char line[512], buf[64];
	const char *name = full_name(c, buf, sizeof(buf));

	for (int i = 0; usage_line(c, i, line, sizeof(line)); i++) {
		fprintf(f, "%s\\fB", i ? ".br\n" : "");
		roff_text(f, name);
		fputs("\\fR", f);
		roff(f, line + strlen(name));
	}
}

static void man_options(const struct vsl_cmd *c, FILE *f)
{
	const struct vsl_opt *v[VSL_OPT_MAX + 1];
	size_t n = all_opts(c, v);

	for (size_t i = 0; i < n; i++) {
		fputs(".TP\n", f);
		if (has_short(v[i]))
			fprintf(f, "\\fB\\-%c\\fR, ", v[i]->key);
		fputs("\\fB\\-\\-", f);
		fputs(v[i]->name, f);
		fputs("\\fR", f);
		if (v[i]->arg)
			fprintf(f, " \\fI%s\\fR", v[i]->arg);
		fputc('\n', f);
		roff(f, v[i]->help);
	}
}

static void put_upper(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(toupper((unsigned char)*s), f);
}

static void man_header(FILE *f, const char *page, const char *summary)
{
	fputs(".TH \"", f);
	put_upper(f, page);
	fprintf(f, "\" \"1\" \"\" \"vessel %s\" \"vessel manual\"\n.SH NAME\n", VSL_VERSION);
	roff_text(f, page);
	fputs(" \\- ", f);
	roff(f, summary);
}

static void man_global(FILE *f)
{
	const struct vsl_cmd *g = &vsl_cmd_global;

	man_header(f, "vessel", g->summary);
	fputs(".SH SYNOPSIS\n", f);
	man_synopsis(g, f);
	fputs(".SH DESCRIPTION\n", f);
	roff(f, g->details);
	fputs(".SH GLOBAL OPTIONS\nThey come before the command.\n", f);
	man_options(g, f);
	fputs(".SH COMMANDS\n", f);
	for (size_t i = 0; vsl_commands[i]; i++) {
		fprintf(f, ".TP\n\\fB%s\\fR\n", vsl_commands[i]->name);
		roff(f, vsl_commands[i]->summary);
		fprintf(f, "(\\fBvessel\\-%s\\fR(1))\n", vsl_commands[i]->name);
	}
	fputs(".SH SEE ALSO\n", f);
	for (size_t i = 0; vsl_commands[i]; i++)
		fprintf(f, "%s\\fBvessel\\-%s\\fR(1)", i ? ",\n" : "", vsl_commands[i]->name);
	fputc('\n', f);
}

static void man_body(const struct vsl_cmd *c, FILE *f)
{
	roff(f, c->summary);
	if (c->details) {
		fputs(".PP\n", f);
		roff(f, c->details);
	}
}

void vsl_cmd_print_man(const struct vsl_cmd *cmd, FILE *f)
{
	char page[64];

	if (cmd == &vsl_cmd_global) {
		man_global(f);
		return;
	}
	snprintf(page, sizeof(page), "vessel-%s", cmd->name);
	man_header(f, page, cmd->summary);
	fputs(".SH SYNOPSIS\n", f);
	man_synopsis(cmd, f);
	for (size_t i = 0; cmd->verbs && cmd->verbs[i]; i++) {
		fputs(".br\n", f);
		man_synopsis(cmd->verbs[i], f);
	}
	fputs(".SH DESCRIPTION\n", f);
	man_body(cmd, f);
	fputs(".SH OPTIONS\n", f);
	man_options(cmd, f);
	for (size_t i = 0; cmd->verbs && cmd->verbs[i]; i++) {
		fputs(".SH ", f);
		put_upper(f, cmd->name);
		fputc(' ', f);
		put_upper(f, cmd->verbs[i]->name);
		fputc('\n', f);
		man_synopsis(cmd->verbs[i], f);
		fputs(".PP\n", f);
		man_body(cmd->verbs[i], f);
		man_options(cmd->verbs[i], f);
	}
	fputs(".SH SEE ALSO\n\\fBvessel\\fR(1)\n", f);
}

/* --- vessel help [--man] [--list] [COMMAND [VERB]] */

enum { OPT_MAN = 256, OPT_LIST };

static const struct vsl_opt help_opts[] = {
	{ "man", OPT_MAN, NULL, "print the manual page (roff) instead of the help text" },
	{ "list", OPT_LIST, NULL, "print the command names, one a line" },
	VSL_OPT_END,
};

static const struct vsl_cmd *find_verb(const struct vsl_cmd *c, const char *name)
{
	for (size_t i = 0; c->verbs && c->verbs[i]; i++)
		if (strcmp(c->verbs[i]->name, name) == 0)
			return c->verbs[i];
	return NULL;
}

static int help_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	const struct vsl_cmd *c = &vsl_cmd_global;
	bool man = false, list = false;
	struct vsl_args a;
	const char *v;
	int k;

	(void)ctx;
	vsl_args_init(&a, &vsl_cmd_help, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0) {
		if (k == OPT_MAN)
			man = true;
		else
			list = true;
	}
	if (k < 0)
		return a.exit;
	if (list) {
		for (size_t i = 0; vsl_commands[i]; i++)
			printf("%s\n", vsl_commands[i]->name);
		return 0;
	}
	if (a.argc > 2)
		return vsl_cmd_usage_error(&vsl_cmd_help, "expected a command and a verb at most");
	if (a.argc >= 1 && !(c = vsl_cmd_find(a.argv[0])))
		return vsl_cmd_usage_error(&vsl_cmd_help, "unknown command %s", a.argv[0]);
	if (a.argc == 2 && !find_verb(c, a.argv[1]))
		return vsl_cmd_usage_error(&vsl_cmd_help, "%s has no verb %s", c->name, a.argv[1]);
	if (man)	/* a verb is a section of its command's page */
		vsl_cmd_print_man(c, stdout);
	else
		vsl_cmd_print_help(a.argc == 2 ? find_verb(c, a.argv[1]) : c, stdout);
	return 0;
}

const struct vsl_cmd vsl_cmd_help = {
	.name = "help",
	.run = help_run,
	.summary = "show the help of vessel or of a command, or its manual page",
	.args = "[COMMAND [VERB]]",
	.details = "`vessel help COMMAND` prints what `vessel COMMAND --help` prints; --man prints "
		   "the manual page\nthat `make install` installs (`vessel help --man exec | man "
		   "-l -`).",
	.opts = help_opts,
};
