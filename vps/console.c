/* vps console: the client end of the keeper's console.sock. stdin goes to the console in
 * frames (and the window size with it when stdin is a terminal, put in raw mode for the
 * time), the console comes back as it is, until the detach key, the end of stdin, or the
 * keeper closing (the VPS stopped). Also the console log, for a VPS that is not running. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/helper.h"
#include "vps/internal.h"

static int send_frame(int sock, unsigned type, const void *p, size_t n)
{
	unsigned char hdr[3] = { (unsigned char)type, (unsigned char)(n & 0xff),
				 (unsigned char)(n >> 8) };
	int r = vsl_write_all(sock, hdr, sizeof(hdr));

	return r == 0 && n ? vsl_write_all(sock, p, n) : r;
}

static void send_winsize(int sock)
{
	struct winsize ws;
	unsigned char p[4];

	if (ioctl(0, TIOCGWINSZ, &ws) < 0)
		return;
	p[0] = (unsigned char)(ws.ws_row & 0xff);
	p[1] = (unsigned char)(ws.ws_row >> 8);
	p[2] = (unsigned char)(ws.ws_col & 0xff);
	p[3] = (unsigned char)(ws.ws_col >> 8);
	send_frame(sock, VPS_FRAME_WINSIZE, p, sizeof(p));
}

static int connect_console(const struct vsl_ctx *ctx, const char *name, struct vsl_err *err)
{
	cleanup_free char *dir = xasprintf("%s/%s", ctx->root, name);
	cleanup_close int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s;

	if (dfd < 0)
		return vsl_refuse(err, ESRCH, "VPS %s is not running", name);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" VSL_HELPER_SOCKET, dfd);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return vsl_fail(err, errno, "VPS %s: console socket", name);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(s);
		return vsl_refuse(err, e, "VPS %s: its console is not served (%s/%s: %s)", name,
				  dir, VSL_HELPER_SOCKET, strerror(e));
	}
	return s;
}

/* Copy what the console says to stdout: 0, or 1 when the keeper closed. */
static int from_console(int sock)
{
	char buf[8192];
	ssize_t n = read(sock, buf, sizeof(buf));

	if (n <= 0)
		return n < 0 && errno == EINTR ? 0 : 1;
	return vsl_write_all(1, buf, (size_t)n) < 0 ? 1 : 0;
}

/* Send stdin on: 0, or 1 to detach (the key, or the end of input). */
static int to_console(int sock, int key)
{
	char buf[VPS_FRAME_MAX];
	ssize_t n = read(0, buf, sizeof(buf));
	char *k;

	if (n <= 0)
		return n < 0 && errno == EINTR ? 0 : 1;
	k = key >= 0 ? memchr(buf, key, (size_t)n) : NULL;
	if (k)
		n = k - buf;
	if (n > 0 && send_frame(sock, VPS_FRAME_DATA, buf, (size_t)n) < 0)
		return 1;
	return k ? 1 : 0;
}

static int relay(int sock, int key, int sig)
{
	for (;;) {
		struct pollfd p[3] = { { .fd = 0, .events = POLLIN },
				       { .fd = sock, .events = POLLIN },
				       { .fd = sig, .events = POLLIN } };
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			return -errno;
		if (p[1].revents && from_console(sock))
			return 1;	/* the keeper closed: the VPS stopped */
		if (p[0].revents && to_console(sock, key))
			return 0;
		if (p[2].revents) {
			struct signalfd_siginfo si;
			while (read(sig, &si, sizeof(si)) == sizeof(si))
				;
			send_winsize(sock);
		}
	}
}

int vsl_vps_console(const struct vsl_vps_ctx *v, const char *name, int detach_key,
		    struct vsl_err *err)
{
	cleanup_close int sock = -1, sig = -1;
	struct termios old, raw;
	bool tty = isatty(0) && tcgetattr(0, &old) == 0;
	sigset_t mask, oldmask;
	int r;

	sock = connect_console(v->ctx, name, err);
	if (sock < 0)
		return sock;
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	sig = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (tty) {
		raw = old;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
		send_winsize(sock);
	}
	r = relay(sock, detach_key, sig);
	if (tty)
		tcsetattr(0, TCSANOW, &old);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	if (r < 0)
		return vsl_fail(err, -r, "VPS %s: console", name);
	return r;	/* 0 detached, 1 the console closed */
}

static int copy_file(const char *path, int fd, struct vsl_err *err)
{
	cleanup_close int in = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return errno == ENOENT ? 0 : vsl_fail(err, errno, "open %s", path);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (vsl_write_all(fd, buf, (size_t)n) < 0)
			return vsl_fail(err, errno, "write the console log");
	return n < 0 ? vsl_fail(err, errno, "read %s", path) : 0;
}

int vsl_vps_console_log(const struct vsl_vps_ctx *v, const char *name, int fd,
			struct vsl_err *err)
{
	cleanup_free char *dir = vps_path(v->ctx->store, name, NULL);
	cleanup_free char *log = vps_path(v->ctx->store, name, VPS_CONSOLE_LOG);
	cleanup_free char *old = xasprintf("%s.1", log);
	int r;

	r = vsl_vps_check_name(name, "VPS name", err);
	if (r < 0)
		return r;
	if (access(dir, F_OK) < 0)
		return vsl_refuse(err, ENOENT, "VPS %s does not exist", name);
	r = copy_file(old, fd, err);
	return r < 0 ? r : copy_file(log, fd, err);
}
