/* Running criu(8): fork, set the child up (cgroup, a private mount namespace with the
 * container's root bound for CRIU, the fds it is to hand over), exec, wait, and on failure
 * CRIU's own reason read back from its log. CRIU's stdout and stderr go to /dev/null: what
 * it says is in its log, and vessel's error is one line. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/checkpoint_internal.h"

/* Only the end of a long -v4 log is read: CRIU's errors are at its end. */
#define LOG_TAIL (1 << 20)

static int read_tail(const char *path, char **out)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	off_t from;
	char *buf;
	ssize_t n;

	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return -1;
	from = sb.st_size > LOG_TAIL ? sb.st_size - LOG_TAIL : 0;
	buf = xmalloc(LOG_TAIL + 1);
	n = pread(fd, buf, LOG_TAIL, from);
	if (n < 0) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

int vsl_criu_fail(const char *what, const char *log_path, int status, struct vsl_err *err)
{
	cleanup_free char *log = NULL;
	char reason[600];

	reason[0] = '\0';
	if (read_tail(log_path, &log) == 0)
		vsl_criu_log_reason(log, reason, sizeof(reason));
	if (!reason[0])
		snprintf(reason, sizeof(reason), "criu %s %d", WIFSIGNALED(status) ?
			 "killed by signal" : "exited with status", WIFSIGNALED(status) ?
			 WTERMSIG(status) : WEXITSTATUS(status));
	return vsl_refuse(err, EIO, "%s: %s (log: %s)", what, reason, log_path);
}

/* In the child: its own mount namespace, not propagating back, with the root bound. */
static int bind_root(const struct vsl_criu_child *ch)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return -1;
	return mount(ch->bind_src, ch->bind_dst, NULL, MS_BIND | MS_REC, NULL);
}

/* In the child: fds 0-2 moved up to VSL_CRIU_STDIO_FD + n (for --inherit-fd), the
 * namespace fd to VSL_CRIU_NETNS_FD, /dev/null as CRIU's own stdio. */
static int child_fds(const struct vsl_criu_child *ch)
{
	int null;

	/* The namespace first: its fd may be one the stdio copies land on. dup2 onto itself
	 * would keep close-on-exec. */
	if (ch->netns_fd == VSL_CRIU_NETNS_FD && fcntl(ch->netns_fd, F_SETFD, 0) < 0)
		return -1;
	if (ch->netns_fd >= 0 && ch->netns_fd != VSL_CRIU_NETNS_FD &&
	    dup2(ch->netns_fd, VSL_CRIU_NETNS_FD) < 0)
		return -1;
	if (ch->pass_stdio)
		for (int i = 0; i < 3; i++)
			if (dup2(i, VSL_CRIU_STDIO_FD + i) < 0)
				return -1;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return -1;
	for (int i = 0; i < 3; i++)
		if (dup2(null, i) < 0)
			return -1;
	return 0;
}

static void __attribute__((noreturn)) child(char **argv, const struct vsl_criu_child *ch,
					    bool born_in_v2)
{
	struct vsl_err err;

	if (ch->cg && vsl_cg_enter_self(ch->cg, born_in_v2, &err) < 0)
		_exit(126);
	if (ch->bind_src && bind_root(ch) < 0)
		_exit(126);
	if (child_fds(ch) < 0)
		_exit(126);
	execvp(argv[0], argv);
	_exit(errno == ENOENT ? 127 : 126);
}

int vsl_criu_exec(char **argv, const struct vsl_criu_child *ch, int *out_status,
		  struct vsl_err *err)
{
	bool born_in_v2 = false;
	int status;
	pid_t pid;

	pid = vsl_cg_fork(ch->cg, &born_in_v2);
	if (pid < 0)
		return vsl_fail(err, errno, "fork for %s", argv[0]);
	if (pid == 0)
		child(argv, ch, born_in_v2);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return vsl_fail(err, errno, "wait for %s", argv[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return vsl_refuse(err, ENOENT, "%s: not found (CRIU is Debian's criu package; "
				  "vessel --criu PATH names another)", argv[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 126)
		return vsl_refuse(err, EIO, "%s: could not be started (cgroup, mount or fd setup "
				  "failed)", argv[0]);
	*out_status = status;
	return 0;
}

bool vsl_checkpoint_supported(const struct vsl_ctx *ctx)
{
	const char *criu = ctx->criu ? ctx->criu : "criu";
	char *argv[] = { (char *)criu, "check", NULL };
	struct vsl_criu_child ch = { .netns_fd = -1 };
	struct vsl_err err;
	int status;

	return vsl_criu_exec(argv, &ch, &status, &err) == 0 && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}
