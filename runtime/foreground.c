/* The foreground wait of run and exec. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "runtime/foreground.h"

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

int vsl_fg_begin(struct vsl_fg *fg, int pty_master, struct vsl_err *err)
{
	memset(fg, 0, sizeof(*fg));
	fg->sfd = -1;
	fg->master = pty_master;
	sigemptyset(&fg->mask);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&fg->mask, forwarded[i]);
	sigaddset(&fg->mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &fg->mask, &fg->old);
	fg->blocked = true;
	fg->sfd = signalfd(-1, &fg->mask, SFD_CLOEXEC);
	if (fg->sfd < 0)
		return vsl_fail(err, errno, "signalfd");
	if (pty_master < 0)
		return 0;
	/* The caller's terminal raw, and its size on the pty before the process starts, so
	 * it sees the right size from its first instruction. */
	fg->raw = isatty(STDIN_FILENO);
	if (fg->raw && vsl_tty_raw(STDIN_FILENO, &fg->saved, err) < 0) {
		fg->raw = false;
		return -err->code;
	}
	return vsl_tty_proxy_init(&fg->proxy, STDIN_FILENO, STDOUT_FILENO, pty_master, err);
}

int vsl_fg_wait(struct vsl_fg *fg, pid_t pid, int *exit_code, struct vsl_err *err)
{
	struct waiter w = { .pid = pid, .code = exit_code };

	/* exec's process may be gone already: its SIGCHLD came before the mask did. */
	if (reap_children(pid, exit_code)) {
		if (fg->master >= 0)
			vsl_tty_proxy_drain(&fg->proxy);
		return 0;
	}
	if (fg->master >= 0)
		return vsl_tty_proxy_run(&fg->proxy, fg->sfd, on_signal, &w, err);
	return wait_forwarding(pid, fg->sfd, exit_code, err);
}

void vsl_fg_end(struct vsl_fg *fg)
{
	if (fg->raw)
		vsl_tty_restore(STDIN_FILENO, &fg->saved);
	fg->raw = false;
	if (fg->sfd >= 0)
		close(fg->sfd);
	fg->sfd = -1;
	if (fg->blocked)
		sigprocmask(SIG_SETMASK, &fg->old, NULL);
	fg->blocked = false;
}
