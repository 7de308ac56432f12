/* Terminals: the container's pty (made inside the container, from its own devpts), fd
 * passing over unix sockets (the sync socket and runc's --console-socket protocol), and the
 * foreground proxy of `vessel run -t`. No namespaces, no lifecycle decisions here. */
#ifndef VSL_RUNTIME_TERMINAL_H
#define VSL_RUNTIME_TERMINAL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/signalfd.h>
#include <termios.h>

#include "common/err.h"

/* In the container, after pivot_root and after the container's devpts (newinstance) is
 * mounted on /dev/pts: open a new pty pair from /dev/pts/ptmx (or /dev/ptmx), set the
 * window size if rows and cols are both > 0, make the slave the controlling terminal of a
 * new session (setsid, TIOCSCTTY) and dup it onto 0, 1, 2. The slave is owned by root: a
 * caller that switches to another uid should fchown(0, uid, -1) first, as runc does.
 * Returns the master fd (O_CLOEXEC, blocking) in *out_master. */
int vsl_tty_setup_in_container(unsigned rows, unsigned cols, int *out_master, struct vsl_err *err);

/* "/dev/pts/N" of the slave of a pty master, e.g. to bind it on /dev/console. */
int vsl_tty_slave_path(int master, char *buf, size_t len, struct vsl_err *err);

/* Connect to the unix socket at path and send fd with SCM_RIGHTS, as runc does for
 * --console-socket: one sendmsg, payload the pty's name ("/dev/ptmx", runc's bytes, no
 * NUL), one fd in one SCM_RIGHTS control message. conmon and containerd's shim read this. */
int vsl_console_socket_send(const char *path, int fd, struct vsl_err *err);

/* SCM_RIGHTS over an already-connected unix socket (stream or seqpacket): one sendmsg
 * carrying len bytes of data (len 0: one NUL byte, since a stream socket cannot carry a
 * control message alone) and one fd. The receiver should use a buffer at least as long as
 * what was sent. vsl_fd_recv returns the number of data bytes received (>= 0) and the fd
 * in *out_fd (O_CLOEXEC); it fails with EPIPE if the peer closed without sending, and
 * with EBADMSG if the message carried no fd (any extra fds are closed). */
int vsl_fd_send(int sock, int fd, const void *data, size_t len, struct vsl_err *err);
int vsl_fd_recv(int sock, int *out_fd, void *data, size_t len, struct vsl_err *err);

/* Put the terminal fd in raw mode (cfmakeraw), saving the old settings in *saved. */
int vsl_tty_raw(int fd, struct termios *saved, struct vsl_err *err);
/* Put back what vsl_tty_raw saved (after output has drained). Best effort. */
void vsl_tty_restore(int fd, const struct termios *saved);
/* Copy the window size of from_fd to to_fd. 0 or -errno (-ENOTTY if from_fd is none). */
int vsl_tty_copy_size(int from_fd, int to_fd);

/* The foreground proxy of `run -t`: in (the caller's stdin) -> master, master -> out.
 *
 * Why this shape: `vessel run` must at the same time copy bytes, follow SIGWINCH, forward
 * signals to the container and reap it. So the proxy never owns the loop's blocking
 * point: it is a state machine that says which fds it wants polled and then moves what
 * poll() reported. The caller builds one poll set of its own fds (signalfd, pidfd, ...)
 * plus the proxy's. vsl_tty_proxy_run() is that loop for the common case, on a signalfd:
 * it follows SIGWINCH itself and hands every other signal to a callback (SIGCHLD: reap;
 * SIGINT, SIGTERM, ...: forward), which also decides when the loop is over.
 *
 * The master is made non-blocking (it is ours); in and out are left alone, since they are
 * the user's terminal, shared with the shell. When in reaches EOF (not a terminal, e.g. a
 * pipe) the master's EOF character is sent once, so a shell in the container sees EOF. */
struct vsl_tty_pump {
	int src, dst;
	char buf[8192];
	size_t off, len;	/* pending bytes are buf[off..len) */
	bool eof;		/* src is done (EOF or error) */
};

struct vsl_tty_proxy {
	int in, out, master;
	struct vsl_tty_pump up;		/* in -> master */
	struct vsl_tty_pump down;	/* master -> out */
	bool hup;			/* the master hung up: every slave fd is closed */
	bool mid_line;			/* the last byte sent up was not a newline */
};

#define VSL_TTY_PROXY_NFDS 2	/* at most this many pollfds come from the proxy */

/* in may be -1 (nothing to send). Sets the master O_NONBLOCK. */
int vsl_tty_proxy_init(struct vsl_tty_proxy *p, int in, int out, int master,
		       struct vsl_err *err);
/* Fill fds[0..n) with what the proxy waits for now; returns n (0 once it is done). */
unsigned vsl_tty_proxy_pollfds(const struct vsl_tty_proxy *p, struct pollfd *fds);
/* Move data for the revents of the fds vsl_tty_proxy_pollfds just gave. Returns 1 while
 * the master is open or output is pending, 0 when the master hung up and everything it
 * sent was written out, -errno if writing to out failed. */
int vsl_tty_proxy_handle(struct vsl_tty_proxy *p, const struct pollfd *fds, unsigned n,
			 struct vsl_err *err);
/* Without blocking: read whatever the master still holds and write it to out (after the
 * container's exit, before the caller returns). */
void vsl_tty_proxy_drain(struct vsl_tty_proxy *p);

/* on_signal returns 1 to keep going, 0 to stop (e.g. the container was reaped), or a
 * negative errno with err filled. */
typedef int (*vsl_tty_signal_fn)(void *opaque, const struct signalfd_siginfo *si,
				 struct vsl_err *err);
/* Run the proxy and read sigfd (a signalfd; SIGWINCH, if in it, resizes the master from
 * in) until on_signal returns 0 or an error. When the master hangs up first, the loop
 * keeps reading sigfd only. On a stop, the master is drained. 0 or -errno. */
int vsl_tty_proxy_run(struct vsl_tty_proxy *p, int sigfd, vsl_tty_signal_fn on_signal,
		      void *opaque, struct vsl_err *err);

#endif
