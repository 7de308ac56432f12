/* run: create + start; in the foreground, wait for the container process (vessel is its
 * subreaper), forward signals to it, exit with its status, then delete it, as runc does. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/container.h"
#include "runtime/run.h"
#include "runtime/terminal.h"

static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
				  SIGWINCH, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU };

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

/* Reap everything reparented to us; return true once pid itself has been reaped. */
static bool reap_children(pid_t pid, int *code)
{
	bool done = false;
	int status;
	pid_t p;

	while ((p = waitpid(-1, &status, WNOHANG)) > 0)
		if (p == pid) {
			*code = exit_code_of(status);
			done = true;
		}
	return done;
}

static int wait_forwarding(pid_t pid, int sfd, int *code, struct vsl_err *err)
{
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(si))
			return vsl_fail(err, errno ? errno : EIO, "read signalfd");
		if (si.ssi_signo == SIGCHLD) {
			if (reap_children(pid, code))
				return 0;
			continue;
		}
		kill(pid, (int)si.ssi_signo);
	}
}

struct waiter {
	pid_t pid;
	int *code;
};

/* The proxy hands us every signal but SIGWINCH (it resizes the pty itself, and the kernel
 * then signals the container's foreground group). */
static int on_signal(void *opaque, const struct signalfd_siginfo *si, struct vsl_err *err)
{
	struct waiter *w = opaque;

	if (si->ssi_signo == SIGCHLD)
		return reap_children(w->pid, w->code) ? 0 : 1;
	kill(w->pid, (int)si->ssi_signo);
	return 1;
}

/* run with process.terminal in the foreground: the caller's terminal (if stdin is one) in
 * raw mode and its size on the pty before start, so that the process sees the right size
 * from its first instruction; then the pty proxied to stdin/stdout until the container is
 * reaped, and the terminal restored. */
struct fg_tty {
	struct vsl_tty_proxy proxy;
	struct termios saved;
	bool raw;
};

static int tty_begin(struct fg_tty *t, int master, struct vsl_err *err)
{
	t->raw = isatty(STDIN_FILENO);
	if (t->raw && vsl_tty_raw(STDIN_FILENO, &t->saved, err) < 0) {
		t->raw = false;
		return -err->code;
	}
	return vsl_tty_proxy_init(&t->proxy, STDIN_FILENO, STDOUT_FILENO, master, err);
}

static void tty_end(struct fg_tty *t)
{
	if (t->raw)
		vsl_tty_restore(STDIN_FILENO, &t->saved);
	t->raw = false;
}

int vsl_container_run(const struct vsl_ctx *ctx, const struct vsl_run_opts *o, int *exit_code,
		      struct vsl_err *err)
{
	struct vsl_create_opts co = o->create;
	struct vsl_created cr;
	struct fg_tty tty = { .raw = false };
	cleanup_close int sfd = -1;
	sigset_t mask, old;
	int r;

	co.foreground = !o->detach;
	if (co.foreground && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return vsl_fail(err, errno, "become child subreaper");
	r = vsl_container_create(ctx, &co, &cr, err);
	if (r < 0)
		return r;
	/* Block the signals before start so none is lost between start and the read loop. */
	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&mask, forwarded[i]);
	sigaddset(&mask, SIGCHLD);
	if (co.foreground)
		sigprocmask(SIG_BLOCK, &mask, &old);
	if (co.foreground && cr.pty_master >= 0)
		r = tty_begin(&tty, cr.pty_master, err);
	if (r == 0)
		r = vsl_container_start(ctx, co.id, err);
	if (r == 0 && o->detach) {
		*exit_code = 0;
		return 0;
	}
	if (r == 0) {
		sfd = signalfd(-1, &mask, SFD_CLOEXEC);
		if (sfd < 0)
			r = vsl_fail(err, errno, "signalfd");
	}
	if (r == 0 && cr.pty_master >= 0) {
		struct waiter w = { .pid = cr.pid, .code = exit_code };
		r = vsl_tty_proxy_run(&tty.proxy, sfd, on_signal, &w, err);
	} else if (r == 0) {
		r = wait_forwarding(cr.pid, sfd, exit_code, err);
	}
	tty_end(&tty);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (cr.pty_master >= 0)
		close(cr.pty_master);
	if (!o->keep) {
		struct vsl_err derr;
		int d = vsl_container_delete(ctx, co.id, true, &derr);
		if (r == 0 && d < 0) {
			*err = derr;
			r = d;
		}
	}
	return r;
}
