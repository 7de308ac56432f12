/* vessel vps enter NAME [CMD...] and vessel vps console [--detach-key KEY] [--log] NAME. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/vps_cmd.h"

static int enter_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_vps_ctx v = vps_ctx(ctx);
	struct vsl_args a;
	struct vsl_err err;
	const char *val;
	int code = 0, k;

	vsl_args_init(&a, &vps_enter_cmd, argc, argv);
	k = vsl_args_next(&a, &val);
	if (k < 0)
		return a.exit;
	if (a.argc < 1)
		return vsl_cmd_usage_error(&vps_enter_cmd, "expected a VPS name");
	if (vsl_vps_enter(&v, a.argv[0], a.argc > 1 ? a.argv + 1 : NULL, &code, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return code;
}

enum { OPT_DETACH_KEY = 300, OPT_LOG };

static const struct vsl_opt console_opts[] = {
	{ "detach-key", OPT_DETACH_KEY, "KEY", "ctrl-X or ^X (default ctrl-]); none: only the end "
					       "of input" },
	{ "log", OPT_LOG, NULL, "print the console log (also of a stopped VPS) and exit" },
	VSL_OPT_END,
};

/* "^]" / "ctrl-]" / "ctrl-a" -> the control byte; "none" -> -1; -2 for anything else. */
static int parse_key(const char *s)
{
	const char *k = !strncmp(s, "ctrl-", 5) ? s + 5 : s[0] == '^' ? s + 1 : NULL;

	if (!strcmp(s, "none"))
		return -1;
	if (!k || strlen(k) != 1 || k[0] < '@' || k[0] == 0x7f)
		return -2;
	return k[0] & 0x1f;
}

static int console_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_vps_ctx v = vps_ctx(ctx);
	const char *keyname = "ctrl-]", *val;
	bool log = false;
	struct vsl_args a;
	struct vsl_err err;
	int k, key, r;

	vsl_args_init(&a, &vps_console_cmd, argc, argv);
	while ((k = vsl_args_next(&a, &val)) > 0) {
		if (k == OPT_DETACH_KEY)
			keyname = val;
		else
			log = true;
	}
	if (k < 0)
		return a.exit;
	if (a.argc != 1)
		return vsl_cmd_usage_error(&vps_console_cmd, "expected one VPS name");
	key = parse_key(keyname);
	if (key == -2)
		return vsl_cmd_usage_error(&vps_console_cmd,
					   "--detach-key: expected ctrl-X, ^X or none, got %s", keyname);
	if (log)
		return vsl_vps_console_log(&v, a.argv[0], 1, &err) < 0 ? vsl_cmd_fail(ctx, &err) : 0;
	if (isatty(0))
		fprintf(stderr, "Connected to the console of %s; detach with %s.\r\n", a.argv[0],
			keyname);
	r = vsl_vps_console(&v, a.argv[0], key, &err);
	if (r < 0)
		return vsl_cmd_fail(ctx, &err);
	if (isatty(0))
		fprintf(stderr, "\r\n%s\r\n", r == 1 ? "The console closed (the VPS stopped)."
						   : "Detached.");
	return 0;
}

const struct vsl_cmd vps_enter_cmd = {
	.name = "enter",
	.parent = "vps",
	.run = enter_run,
	.summary = "a login shell, or a command, in a running VPS",
	.args = "NAME [--] [COMMAND [ARG...]]",
	.details = "The shell is root's in the VPS's own /etc/passwd (else /bin/sh), started as a "
		   "login shell;\nwith a tty when stdin is one. Options end at the name: what "
		   "follows is the command.",
	.flags = VSL_CMD_STOP_AT_ARG,
};

const struct vsl_cmd vps_console_cmd = {
	.name = "console",
	.parent = "vps",
	.run = console_run,
	.summary = "attach to a VPS's console (its init's /dev/console)",
	.args = "NAME",
	.details = "Detach with the detach key (Ctrl-] unless --detach-key) or at the end of "
		   "input. The console\nis logged to <store>/vps/NAME/console.log (1 MiB, then "
		   "console.log.1), which --log prints.",
	.opts = console_opts,
};
