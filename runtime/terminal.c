/* Terminals: the container's pty, SCM_RIGHTS fd passing (sync socket, --console-socket)
 * and the foreground proxy of `run -t`. Only the pty setup runs inside the container. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/terminal.h"

/* What runc puts in the console socket message: the name of the master it opened. */
#define CONSOLE_PAYLOAD "/dev/ptmx"
#define MAX_RECV_FDS 8

static int open_ptmx(int *out_fd, struct vsl_err *err)
{
	int fd = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int first;

	if (fd >= 0) {
		*out_fd = fd;
		return 0;
	}
	/* /dev/pts/ptmx is mode 0 unless devpts was mounted with ptmxmode=: then the
	 * /dev/ptmx node or symlink the rootfs setup made is the way in. */
	first = errno;
	fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return vsl_fail(err, errno, "open /dev/ptmx (and /dev/pts/ptmx: %s)",
				strerror(first));
	*out_fd = fd;
	return 0;
}

int vsl_tty_slave_path(int master, char *buf, size_t len, struct vsl_err *err)
{
	unsigned n;

	if (ioctl(master, TIOCGPTN, &n) < 0)
		return vsl_fail(err, errno, "pty: TIOCGPTN");
	if ((size_t)snprintf(buf, len, "/dev/pts/%u", n) >= len)
		return vsl_fail(err, ENAMETOOLONG, "pty: name of /dev/pts/%u", n);
	return 0;
}

static int open_slave(int master, int *out_fd, struct vsl_err *err)
{
	char path[64];
	int fd, r;

	/* TIOCGPTPEER opens the peer of this very master, with no path lookup that a
	 * hostile rootfs could redirect; the path is the fallback for kernels before 4.13. */
	fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && (errno == EINVAL || errno == ENOTTY)) {
		r = vsl_tty_slave_path(master, path, sizeof(path), err);
		if (r < 0)
			return r;
		fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			return vsl_fail(err, errno, "pty: open %s", path);
	}
	if (fd < 0)
		return vsl_fail(err, errno, "pty: open the slave (TIOCGPTPEER)");
	*out_fd = fd;
	return 0;
}

/* Become the leader of a new session; fine if we already lead one. */
static int new_session(struct vsl_err *err)
{
	if (setsid() >= 0)
		return 0;
	if (errno == EPERM && getsid(0) == getpid())
		return 0;
	return vsl_fail(err, errno, "pty: setsid");
}

int vsl_tty_setup_in_container(unsigned rows, unsigned cols, int *out_master, struct vsl_err *err)
{
	cleanup_close int master = -1, slave = -1;
	int unlock = 0, r;

	r = open_ptmx(&master, err);
	if (r < 0)
		return r;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return vsl_fail(err, errno, "pty: unlock");
	r = open_slave(master, &slave, err);
	if (r < 0)
		return r;
	if (rows > 0 && cols > 0) {
		struct winsize ws = { .ws_row = (unsigned short)rows,
				      .ws_col = (unsigned short)cols };

		if (ioctl(master, TIOCSWINSZ, &ws) < 0)
			return vsl_fail(err, errno, "pty: set window size %ux%u", cols, rows);
	}
	r = new_session(err);
	if (r < 0)
		return r;
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return vsl_fail(err, errno, "pty: make it the controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return vsl_fail(err, errno, "pty: dup the slave onto fd %d", i);
	if (slave <= 2)
		slave = -1;	/* it is one of 0-2 now: keep it open */
	*out_master = vsl_steal_fd(&master);
	return 0;
}

int vsl_fd_send(int sock, int fd, const void *data, size_t len, struct vsl_err *err)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char nul = '\0';
	struct iovec iov = { .iov_base = len ? (void *)data : &nul, .iov_len = len ? len : 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n;
	int r;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return vsl_fail(err, errno, "send fd %d over socket %d", fd, sock);
	if ((size_t)n < iov.iov_len) {
		/* A stream socket may take part of the data; the fd went with the first byte. */
		for (size_t off = (size_t)n; off < iov.iov_len; off += (size_t)n) {
			n = send(sock, (char *)iov.iov_base + off, iov.iov_len - off, MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n < 0) {
				r = errno;
				return vsl_fail(err, r, "send fd %d over socket %d", fd, sock);
			}
		}
	}
	return 0;
}

/* Take the fds out of a received message: the first in *out_fd, the rest closed. */
static int take_fds(struct msghdr *msg, int *out_fd)
{
	int got = 0;

	*out_fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*out_fd < 0)
				*out_fd = fd;
			else
				close(fd);
			got++;
		}
	}
	return got;
}

int vsl_fd_recv(int sock, int *out_fd, void *data, size_t len, struct vsl_err *err)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * MAX_RECV_FDS)];
	} u;
	char scratch;
	struct iovec iov = { .iov_base = len ? data : &scratch, .iov_len = len ? len : 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	cleanup_close int fd = -1;
	ssize_t n;
	int got;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return vsl_fail(err, errno, "receive fd over socket %d", sock);
	got = take_fds(&msg, &fd);
	if (msg.msg_flags & MSG_CTRUNC)
		return vsl_fail(err, EMSGSIZE,
				"receive fd over socket %d: control message truncated", sock);
	if (got == 0 && n == 0)
		return vsl_fail(err, EPIPE, "receive fd over socket %d: peer closed", sock);
	if (got == 0)
		return vsl_fail(err, EBADMSG, "receive fd over socket %d: message without an fd",
				sock);
	*out_fd = vsl_steal_fd(&fd);
	return len ? (int)n : 0;
}

/* Connect a unix socket to path; a path too long for sun_path goes through
 * /proc/self/fd of an O_PATH fd, as podman does for its own sockets. */
static int connect_unix(const char *path, int type, int *out_sock, struct vsl_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	cleanup_close int sock = -1, pathfd = -1;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		pathfd = open(path, O_PATH | O_CLOEXEC);
		if (pathfd < 0)
			return vsl_fail(err, errno, "console socket %s", path);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d", pathfd);
	} else {
		memcpy(sa.sun_path, path, strlen(path) + 1);
	}
	sock = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return vsl_fail(err, errno, "console socket %s: socket", path);
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return vsl_fail(err, errno, "console socket %s: connect", path);
	*out_sock = vsl_steal_fd(&sock);
	return 0;
}

int vsl_console_socket_send(const char *path, int fd, struct vsl_err *err)
{
	cleanup_close int sock = -1;
	int r;

	r = connect_unix(path, SOCK_STREAM, &sock, err);
	/* runc dials a stream socket; a listener of another type says EPROTOTYPE. */
	if (r == -EPROTOTYPE)
		r = connect_unix(path, SOCK_SEQPACKET, &sock, err);
	if (r < 0)
		return r;
	r = vsl_fd_send(sock, fd, CONSOLE_PAYLOAD, strlen(CONSOLE_PAYLOAD), err);
	if (r < 0)
		return vsl_fail(err, -r, "console socket %s: send the pty", path);
	return 0;
}

int vsl_tty_raw(int fd, struct termios *saved, struct vsl_err *err)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return vsl_fail(err, errno, "terminal fd %d: get attributes", fd);
	*saved = t;
	cfmakeraw(&t);
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return vsl_fail(err, errno, "terminal fd %d: set raw mode", fd);
	return 0;
}

void vsl_tty_restore(int fd, const struct termios *saved)
{
	while (tcsetattr(fd, TCSADRAIN, saved) < 0 && errno == EINTR)
		;
}

int vsl_tty_copy_size(int from_fd, int to_fd)
{
	struct winsize ws;

	if (ioctl(from_fd, TIOCGWINSZ, &ws) < 0)
		return -errno;
	if (ioctl(to_fd, TIOCSWINSZ, &ws) < 0)
		return -errno;
	return 0;
}

int vsl_tty_proxy_init(struct vsl_tty_proxy *p, int in, int out, int master,
		       struct vsl_err *err)
{
	int fl = fcntl(master, F_GETFL);

	if (fl < 0 || fcntl(master, F_SETFL, fl | O_NONBLOCK) < 0)
		return vsl_fail(err, errno, "pty master fd %d: set O_NONBLOCK", master);
	memset(p, 0, sizeof(*p));
	p->in = in;
	p->out = out;
	p->master = master;
	p->up.src = in;
	p->up.dst = master;
	p->up.eof = in < 0;
	p->down.src = master;
	p->down.dst = out;
	if (in >= 0 && isatty(in))
		vsl_tty_copy_size(in, master);
	return 0;
}

static bool pump_pending(const struct vsl_tty_pump *pp)
{
	return pp->off < pp->len;
}

unsigned vsl_tty_proxy_pollfds(const struct vsl_tty_proxy *p, struct pollfd *fds)
{
	const struct vsl_tty_pump *pumps[2] = { &p->up, &p->down };
	unsigned n = 0;

	for (int i = 0; i < 2; i++) {
		const struct vsl_tty_pump *pp = pumps[i];

		if (pump_pending(pp))
			fds[n++] = (struct pollfd){ .fd = pp->dst, .events = POLLOUT };
		else if (!pp->eof)
			fds[n++] = (struct pollfd){ .fd = pp->src, .events = POLLIN };
	}
	return n;
}

/* stdin ended: send the master's EOF character so that a reader in canonical mode sees
 * end of file (twice if a partial line is pending: the first only pushes it out). */
static void queue_eof(struct vsl_tty_proxy *p)
{
	struct termios t;

	if (isatty(p->in) || tcgetattr(p->master, &t) < 0 || !(t.c_lflag & ICANON))
		return;
	p->up.off = 0;
	p->up.len = 0;
	p->up.buf[p->up.len++] = (char)t.c_cc[VEOF];
	if (p->mid_line)
		p->up.buf[p->up.len++] = (char)t.c_cc[VEOF];
}

/* The master reads EIO (or EOF) once every slave fd is closed. */
static void master_gone(struct vsl_tty_proxy *p)
{
	p->hup = true;
	p->down.eof = true;
	p->up.eof = true;
	p->up.off = p->up.len = 0;
}

static void pump_read(struct vsl_tty_proxy *p, struct vsl_tty_pump *pp)
{
	ssize_t n = read(pp->src, pp->buf, sizeof(pp->buf));

	if (n > 0) {
		pp->off = 0;
		pp->len = (size_t)n;
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (pp == &p->down) {
		master_gone(p);
		return;
	}
	pp->eof = true;
	queue_eof(p);
}

static int pump_write(struct vsl_tty_proxy *p, struct vsl_tty_pump *pp, struct vsl_err *err)
{
	ssize_t n = write(pp->dst, pp->buf + pp->off, pp->len - pp->off);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0 && pp == &p->up) {
		master_gone(p);		/* EIO: nobody is left to read it */
		return 0;
	}
	if (n < 0)
		return vsl_fail(err, errno, "terminal proxy: write to fd %d", pp->dst);
	if (pp == &p->up)
		p->mid_line = pp->buf[pp->off + (size_t)n - 1] != '\n' &&
			      pp->buf[pp->off + (size_t)n - 1] != '\r';
	pp->off += (size_t)n;
	if (pp->off == pp->len)
		pp->off = pp->len = 0;
	return 0;
}

int vsl_tty_proxy_handle(struct vsl_tty_proxy *p, const struct pollfd *fds, unsigned n,
			 struct vsl_err *err)
{
	struct vsl_tty_pump *pumps[2] = { &p->up, &p->down };

	/* Entries are matched by (fd, events): in and out may even be the same fd, but a
	 * pump reads with POLLIN and writes with POLLOUT. */
	for (unsigned i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		for (int k = 0; k < 2; k++) {
			struct vsl_tty_pump *pp = pumps[k];
			int r;

			if (fds[i].events == POLLOUT && fds[i].fd == pp->dst && pump_pending(pp)) {
				r = pump_write(p, pp, err);
				if (r < 0)
					return r;
				break;
			}
			if (fds[i].events == POLLIN && fds[i].fd == pp->src && !pp->eof &&
			    !pump_pending(pp)) {
				pump_read(p, pp);
				break;
			}
		}
	}
	return p->hup && !pump_pending(&p->down) ? 0 : 1;
}

void vsl_tty_proxy_drain(struct vsl_tty_proxy *p)
{
	struct vsl_tty_pump *pp = &p->down;

	for (;;) {
		if (pump_pending(pp) && vsl_write_all(pp->dst, pp->buf + pp->off,
						      pp->len - pp->off) < 0)
			return;
		pp->off = pp->len = 0;
		if (pp->eof)
			return;
		pump_read(p, pp);
		if (!pump_pending(pp))
			return;
	}
}

int vsl_tty_proxy_run(struct vsl_tty_proxy *p, int sigfd, vsl_tty_signal_fn on_signal,
		      void *opaque, struct vsl_err *err)
{
	for (;;) {
		struct pollfd fds[1 + VSL_TTY_PROXY_NFDS] = { { .fd = sigfd, .events = POLLIN } };
		unsigned n = vsl_tty_proxy_pollfds(p, fds + 1);
		struct signalfd_siginfo si;
		ssize_t got;
		int r;

		if (poll(fds, 1 + n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return vsl_fail(err, errno, "terminal proxy: poll");
		}
		/* Data first: output the container wrote before it exited goes out before
		 * the SIGCHLD that ends the loop. */
		if (n > 0) {
			r = vsl_tty_proxy_handle(p, fds + 1, n, err);
			if (r < 0)
				return r;
		}
		if (!(fds[0].revents & POLLIN))
			continue;
		got = read(sigfd, &si, sizeof(si));
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got != (ssize_t)sizeof(si))
			return vsl_fail(err, got < 0 ? errno : EIO,
					"terminal proxy: read signalfd");
		if (si.ssi_signo == SIGWINCH) {
			if (p->in >= 0)
				vsl_tty_copy_size(p->in, p->master);
			continue;
		}
		r = on_signal(opaque, &si, err);
		if (r <= 0) {
			if (r == 0)
				vsl_tty_proxy_drain(p);
			return r;
		}
	}
}
