/* vps enter: a shell, or a command, in a running VPS: the runtime's exec, with a tty when
 * stdin is one. The shell is root's login shell from the VPS's own /etc/passwd, read
 * inside its root and bounded; a tenant's odd value falls back to /bin/sh. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/exec.h"
#include "runtime/paths.h"
#include "runtime/store.h"
#include "vps/internal.h"

#define PASSWD_MAX (1 << 20)

/* The 7th field of root's line, if it is a plain absolute path that exists in the root. */
static char *root_shell(int root)
{
	cleanup_close int fd = -1, sh = -1;
	cleanup_free char *buf = xmalloc(PASSWD_MAX + 1);
	struct vsl_err tmp;
	ssize_t n;

	fd = vsl_path_open(root, "/etc/passwd", O_RDONLY | O_NONBLOCK | O_NOCTTY, &tmp);
	if (fd < 0)
		return NULL;
	n = vsl_read_all(fd, buf, PASSWD_MAX);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	for (char *line = buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, "root:", 5) != 0)
			continue;
		char *shell = strrchr(line, ':') + 1;
		size_t len = strlen(shell);
		if (len < 2 || len > 255 || shell[0] != '/' ||
		    strspn(shell, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-") != len)
			return NULL;
		sh = vsl_path_open(root, shell, O_PATH, &tmp);
		return sh >= 0 ? xstrdup(shell) : NULL;
	}
	return NULL;
}

int vsl_vps_enter(const struct vsl_vps_ctx *v, const char *name, char **argv, int *exit_code,
		  struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	cleanup_free char *shell = NULL, *term = NULL;
	cleanup_close int root = -1;
	char *shell_argv[3] = { NULL, "-l", NULL };
	char *env[4] = { NULL };
	struct vsl_exec_opts eo = { .id = name, .tty = isatty(0) };
	struct vps_run run;
	size_t ne = 0;

	vps_run_get(v->ctx, name, &run);
	if (!run.alive || !run.ours)
		return vsl_refuse(err, ESRCH, "VPS %s is not running", name);
	if (!argv || !argv[0]) {
		if (vsl_store_peek(v->ctx, name, &c, err) < 0)
			return -err->code;
		root = open(c->state.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		shell = root >= 0 ? root_shell(root) : NULL;
		shell_argv[0] = shell ? shell : "/bin/sh";
		argv = shell_argv;
	}
	if (eo.tty && getenv("TERM")) {
		term = xasprintf("TERM=%s", getenv("TERM"));
		env[ne++] = term;
	}
	env[ne++] = "HOME=/root";
	eo.args = argv;
	eo.env = env;
	return vsl_container_exec(v->ctx, &eo, exit_code, err);
}
