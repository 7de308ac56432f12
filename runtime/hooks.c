/* OCI hooks: fork + exec one hook at a time with the state on stdin, capture its output,
 * enforce its timeout. Knows nothing of namespaces or of which kind is fatal. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/hooks.h"

extern char **environ;

#define LINE_MAX_KEPT 240

/* One running hook: its pid, the pipe its output comes back on, and the last line. */
struct hook_run {
	const char *name;		/* "hooks.prestart[0] /path" */
	const struct vsl_log *log;
	pid_t pid;
	int out_fd;
	char line[LINE_MAX_KEPT + 1];	/* the line being read */
	size_t len;
	char last[LINE_MAX_KEPT + 1];	/* the last non-empty line seen */
};

static void line_end(struct hook_run *h)
{
	h->line[h->len] = '\0';
	if (h->len > 0) {
		vsl_debug(h->log, "%s: %s", h->name, h->line);
		memcpy(h->last, h->line, h->len + 1);
	}
	h->len = 0;
}

static void feed_output(struct hook_run *h, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n') {
			line_end(h);
			continue;
		}
		if (c == '\r')
			continue;
		/* Keep the error and the log one line each: no control characters. */
		if (h->len < LINE_MAX_KEPT)
			h->line[h->len++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
}

/* Read what the hook wrote; returns false once the pipe is at EOF (or broken). */
static bool read_output(struct hook_run *h)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(h->out_fd, buf, sizeof(buf));

		if (n > 0) {
			feed_output(h, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN;
	}
}

/* A pipe already holding the whole state, to be the hook's stdin. Writing it before the
 * fork means a hook that never reads stdin can neither block us nor raise SIGPIPE. A state
 * larger than a pipe holds (big annotations) is a sealed memfd instead: no pipe-max-size
 * limit, and the same end of file after the last byte. */
static int stdin_memfd(const char *json, size_t len, int *out_fd, struct vsl_err *err)
{
	cleanup_close int fd = memfd_create("vessel-hook-state", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int r;

	if (fd < 0)
		return vsl_fail(err, errno, "hooks: memfd for a state of %zu bytes", len);
	r = vsl_write_all(fd, json, len);
	if (r == 0 && (lseek(fd, 0, SEEK_SET) < 0 ||
		       fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW |
					       F_SEAL_WRITE) < 0))
		r = -errno;
	if (r < 0)
		return vsl_fail(err, -r, "hooks: write the state to a memfd");
	*out_fd = vsl_steal_fd(&fd);
	return 0;
}

static int stdin_pipe(const char *json, int *out_fd, struct vsl_err *err)
{
	size_t len = json ? strlen(json) : 0;
	int p[2], r;

	if (len > 65536)
		return stdin_memfd(json, len, out_fd, err);
	if (pipe2(p, O_CLOEXEC) < 0)
		return vsl_fail(err, errno, "hooks: pipe for the state");
	r = vsl_write_all(p[1], json ? json : "", len);
	close(p[1]);
	if (r < 0) {
		close(p[0]);
		return vsl_fail(err, -r, "hooks: write the state to the pipe");
	}
	*out_fd = p[0];
	return 0;
}

/* In the forked child: become the hook. Only async-signal-safe calls from here on. */
static void __attribute__((noreturn))
child_exec(const struct vsl_hook *hook, char *const *argv, int in_fd, int out_fd, int err_fd)
{
	sigset_t none;
	int e;

	setpgid(0, 0);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Lift both pipe ends above 2 first: if vessel ran with 0-2 closed, they may sit
	 * there, and dup2() onto themselves would keep their close-on-exec flag. */
	in_fd = fcntl(in_fd, F_DUPFD_CLOEXEC, 3);
	out_fd = fcntl(out_fd, F_DUPFD_CLOEXEC, 3);
	if (in_fd < 0 || out_fd < 0 || dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
	    dup2(out_fd, 2) < 0)
		goto fail;
	/* Every fd vessel opens is O_CLOEXEC already; this covers anything inherited. */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	execve(hook->path, argv, hook->env ? hook->env : environ);
fail:
	e = errno;
	if (write(err_fd, &e, sizeof(e)) < 0) {
	}
	_exit(127);
}

/* Fork the hook. On success h->pid and h->out_fd are set; a failed exec is reported here
 * (the child writes its errno on a close-on-exec pipe, which reads EOF after execve). */
static int spawn(struct hook_run *h, const struct vsl_hook *hook, const char *state_json,
		 struct vsl_err *err)
{
	char *fallback[] = { hook->path, NULL };
	char *const *argv = hook->args && hook->args[0] ? hook->args : fallback;
	cleanup_close int in_fd = -1, out_r = -1, out_w = -1, err_r = -1, err_w = -1;
	int p[2], e = 0, r;
	ssize_t n;

	r = stdin_pipe(state_json, &in_fd, err);
	if (r < 0)
		return r;
	if (pipe2(p, O_CLOEXEC) < 0)
		return vsl_fail(err, errno, "%s: pipe", h->name);
	out_r = p[0], out_w = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		return vsl_fail(err, errno, "%s: pipe", h->name);
	err_r = p[0], err_w = p[1];

	h->pid = fork();
	if (h->pid < 0)
		return vsl_fail(err, errno, "%s: fork", h->name);
	if (h->pid == 0)
		child_exec(hook, argv, in_fd, out_w, err_w);
	vsl_closep(&err_w);
	do
		n = read(err_r, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(e)) {
		waitpid(h->pid, NULL, 0);
		return vsl_fail(err, e, "%s: exec", h->name);
	}
	/* Non-blocking for us only: the hook's end is a separate file description. */
	fcntl(out_r, F_SETFL, O_NONBLOCK);
	h->out_fd = vsl_steal_fd(&out_r);
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for the hook to exit while draining its output; kill it at the deadline
 * (-1: none). Returns 0 with *status filled, or -ETIMEDOUT after killing it. */
static int wait_hook(struct hook_run *h, int64_t deadline, int *status, struct vsl_err *err)
{
	cleanup_close int pidfd = pidfd_open(h->pid, 0);
	bool out_open = true;

	if (pidfd < 0) {
		int e = errno;
		kill(-h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
		return vsl_fail(err, e, "%s: pidfd_open", h->name);
	}
	for (;;) {
		struct pollfd fds[2] = { { pidfd, POLLIN, 0 }, { h->out_fd, POLLIN, 0 } };
		int64_t left = deadline < 0 ? -1 : deadline - now_ms();
		int n;

		if (deadline >= 0 && left <= 0) {
			/* The whole group: a shell script's children die with it. */
			kill(-h->pid, SIGKILL);
			kill(h->pid, SIGKILL);
			waitpid(h->pid, status, 0);
			read_output(h);
			return -ETIMEDOUT;
		}
		n = poll(fds, out_open ? 2 : 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n < 0 && errno != EINTR)
			return vsl_fail(err, errno, "%s: poll", h->name);
		if (n > 0 && out_open && fds[1].revents)
			out_open = read_output(h);
		if (n > 0 && fds[0].revents) {
			while (waitpid(h->pid, status, 0) < 0 && errno == EINTR)
				;
			/* What is already in the pipe; a daemon it left behind may keep the
			 * write end open, so do not wait for EOF. */
			read_output(h);
			return 0;
		}
	}
}

static int run_one(const struct vsl_hook *hook, const char *name, const char *state_json,
		   const struct vsl_log *log, struct vsl_err *err)
{
	struct hook_run h = { .name = name, .log = log, .pid = -1, .out_fd = -1 };
	cleanup_close int out_fd = -1;
	int64_t deadline = -1;
	int status = 0, r;

	vsl_debug(log, "%s: running", name);
	if (hook->has_timeout && hook->timeout > 0)
		deadline = now_ms() + (int64_t)hook->timeout * 1000;
	r = spawn(&h, hook, state_json, err);
	if (r < 0)
		return r;
	out_fd = h.out_fd;
	r = wait_hook(&h, deadline, &status, err);
	if (r < 0 && r != -ETIMEDOUT)
		return r;
	if (h.len > 0)
		line_end(&h);
	if (r == -ETIMEDOUT)
		return vsl_fail(err, EINVAL, "%s: timed out after %ds (killed)%s%s", name,
				hook->timeout, h.last[0] ? ": " : "", h.last);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return vsl_fail(err, EINVAL, "%s: exited with status %d%s%s", name,
				WEXITSTATUS(status), h.last[0] ? ": " : "", h.last);
	return vsl_fail(err, EINVAL, "%s: killed by signal %d (%s)%s%s", name, WTERMSIG(status),
			sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?",
			h.last[0] ? ": " : "", h.last);
}

/* Run hook i of the list; its name for messages is built here. */
static int run_index(const struct vsl_hook_list *list, size_t i, const char *kind_name,
		     const char *state_json, const struct vsl_log *log, struct vsl_err *err)
{
	const struct vsl_hook *hook = &list->hooks[i];
	cleanup_free char *name = xasprintf("hooks.%s[%zu] %s", kind_name, i,
					    hook->path ? hook->path : "(no path)");

	if (!hook->path || hook->path[0] != '/')
		return vsl_fail(err, EINVAL, "%s: path must be absolute", name);
	return run_one(hook, name, state_json, log, err);
}

int vsl_hooks_run(const struct vsl_hook_list *list, const char *kind_name,
		  const char *state_json, const struct vsl_log *log, struct vsl_err *err)
{
	for (size_t i = 0; list && i < list->n; i++) {
		int r = run_index(list, i, kind_name, state_json, log, err);

		if (r < 0)
			return r;
	}
	return 0;
}

size_t vsl_hooks_run_warn(const struct vsl_hook_list *list, const char *kind_name,
			  const char *state_json, const struct vsl_log *log)
{
	size_t failed = 0;

	for (size_t i = 0; list && i < list->n; i++) {
		struct vsl_err err;
		char line[VSL_ERR_MSG + 128];

		if (run_index(list, i, kind_name, state_json, log, &err) == 0)
			continue;
		failed++;
		vsl_warn(log, "%s", vsl_err_str(&err, line, sizeof(line)));
	}
	return failed;
}

char *vsl_hooks_state_here(const char *state_json, enum vsl_status status, struct vsl_err *err)
{
	struct vsl_state st = { 0 };
	char *json;

	if (!state_json) {
		vsl_fail(err, EINVAL, "hooks: no state to pass on");
		return NULL;
	}
	if (vsl_state_parse(state_json, strlen(state_json), &st, err) < 0)
		return NULL;
	st.pid = getpid();
	json = vsl_state_to_oci_json(&st, status, false);
	vsl_state_clear(&st);
	return json;
}
