/* Waiting in the foreground for a process vessel is the subreaper of (run, exec): forward
 * signals to it, proxy its pty to the caller's terminal, reap it, return its status. */
#ifndef VSL_RUNTIME_FOREGROUND_H
#define VSL_RUNTIME_FOREGROUND_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

#include "common/err.h"
#include "runtime/terminal.h"

struct vsl_fg {
	sigset_t mask, old;
	bool blocked;
	int sfd;		/* signalfd of mask */
	int master;		/* pty master to proxy, or -1 */
	struct vsl_tty_proxy proxy;
	struct termios saved;
	bool raw;		/* the caller's terminal was put in raw mode */
};

/* Block the forwarded signals (so none is lost before the wait) and, with a pty master,
 * put the caller's terminal in raw mode with its window size copied to the pty. */
int vsl_fg_begin(struct vsl_fg *fg, int pty_master, struct vsl_err *err);
/* Until pid is reaped: forward signals to it, proxy the pty. *exit_code: its status, or
 * 128+signal. */
int vsl_fg_wait(struct vsl_fg *fg, pid_t pid, int *exit_code, struct vsl_err *err);
/* Restore the terminal and the signal mask. Safe after a failed begin. */
void vsl_fg_end(struct vsl_fg *fg);

#endif
