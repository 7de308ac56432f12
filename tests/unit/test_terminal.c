/* runtime/terminal.c on real ptys and sockets: fd passing, the console socket protocol
 * (read back here with a plain recvmsg, as conmon does), the in-container pty setup in a
 * forked child, raw mode, window sizes and the run -t proxy. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/terminal.h"
#include "tests/unit/tap.h"

static char tmpdir[] = "/tmp/vsltest-term-tty-XXXXXX";

/* Read up to len-1 bytes, waiting at most ms for each chunk, until want shows up. */
static bool read_until(int fd, char *buf, size_t len, const char *want, int ms)
{
	size_t got = 0;

	buf[0] = '\0';
	while (got < len - 1 && !strstr(buf, want)) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, ms) <= 0)
			return false;
		n = read(fd, buf + got, len - 1 - got);
		if (n <= 0)
			return false;
		got += (size_t)n;
		buf[got] = '\0';
	}
	return strstr(buf, want) != NULL;
}

static void test_fd_passing(int type, const char *tname)
{
	int sv[2], p[2], fd = -1;
	char buf[64] = { 0 };
	struct vsl_err err = { 0 };
	int r;

	socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv);
	pipe2(p, O_CLOEXEC);
	r = vsl_fd_send(sv[0], p[1], "name-1", 6, &err);
	ok(r == 0, "%s: send a pipe's write end with 6 bytes (%s)", tname, err.msg);
	r = vsl_fd_recv(sv[1], &fd, buf, sizeof(buf), &err);
	ok(r == 6 && memcmp(buf, "name-1", 6) == 0, "%s: received the 6 bytes (r=%d)", tname, r);
	ok(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "%s: received fd is O_CLOEXEC", tname);
	ok(write(fd, "ping", 4) == 4 && read(p[0], buf, 4) == 4 && memcmp(buf, "ping", 4) == 0,
	   "%s: the received fd is the same pipe", tname);
	close(fd);

	r = vsl_fd_send(sv[1], p[0], NULL, 0, &err);
	r = r < 0 ? r : vsl_fd_recv(sv[0], &fd, NULL, 0, &err);
	ok(r == 0 && fd >= 0, "%s: no data: the fd still goes through", tname);
	close(fd);

	ok(write(sv[0], "x", 1) == 1, "%s: plain byte sent", tname);
	r = vsl_fd_recv(sv[1], &fd, buf, sizeof(buf), &err);
	ok(r == -EBADMSG, "%s: a message without an fd is EBADMSG (%s)", tname, err.msg);
	close(sv[0]);
	r = vsl_fd_recv(sv[1], &fd, buf, sizeof(buf), &err);
	ok(r == -EPIPE && strstr(err.msg, "peer closed"), "%s: closed peer is EPIPE", tname);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

static int listen_at(char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char cwd[4096];

	/* bind() has the same sun_path limit: bind relative to the directory. */
	getcwd(cwd, sizeof(cwd));
	*strrchr(path, '/') = '\0';
	chdir(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path + strlen(path) + 1);
	path[strlen(path)] = '/';
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0) {
		close(s);
		s = -1;
	}
	chdir(cwd);
	return s;
}

/* The "container": make the pty, send it, talk over it, exit. */
static void __attribute__((noreturn)) container_side(const char *sock)
{
	struct vsl_err err;
	int m = -1;
	char line[128];

	if (vsl_tty_setup_in_container(30, 100, &m, &err) < 0)
		_exit(10);
	if (vsl_console_socket_send(sock, m, &err) < 0)
		_exit(11);
	close(m);
	printf("hello-from-slave tty=%d ctty=%d\n", isatty(0) && isatty(1) && isatty(2),
	       open("/dev/tty", O_RDWR | O_CLOEXEC) >= 0);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		_exit(12);
	printf("got: %s", line);
	fflush(stdout);
	_exit(0);
}

static void test_console_socket(const char *sockname)
{
	cleanup_free char *sock = xasprintf("%s/%s", tmpdir, sockname);
	int ls = listen_at(sock), conn = -1, fd = -1, status = 0;
	char buf[512], name[64] = { 0 };
	struct winsize ws = { 0 };
	struct vsl_err err = { 0 };
	pid_t pid;
	int r;

	ok(ls >= 0, "listening on a socket path of %zu chars", strlen(sock));
	pid = fork();
	if (pid == 0)
		container_side(sock);
	{
		struct pollfd pl = { ls, POLLIN, 0 };
		/* A child that failed must not hang the test in accept(). */
		conn = poll(&pl, 1, 5000) == 1 ? accept4(ls, NULL, NULL, SOCK_CLOEXEC) : -1;
	}
	r = vsl_fd_recv(conn, &fd, name, sizeof(name) - 1, &err);
	ok(r > 0 && fd >= 0, "the console socket delivered an fd (%s)", err.msg);
	ok(strcmp(name, "/dev/ptmx") == 0, "payload is the pty name, as runc sends it");
	ok(ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 30 && ws.ws_col == 100,
	   "window size set to 100x30 (got %ux%u)", ws.ws_col, ws.ws_row);
	ok(read_until(fd, buf, sizeof(buf), "tty=1 ctty=1", 5000),
	   "the child's 0-2 are the pty and it is its controlling terminal");
	ok(write(fd, "ping\n", 5) == 5, "wrote a line into the master");
	ok(read_until(fd, buf, sizeof(buf), "got: ping", 5000), "the child read it and answered");
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exited 0 (status %d)", status);
	close(fd);
	close(conn);
	close(ls);
}

static void mkdir_in_tmp(const char *name)
{
	cleanup_free char *p = xasprintf("%s/%s", tmpdir, name);

	mkdir(p, 0700);
}

static void test_console_socket_errors(void)
{
	struct vsl_err err = { 0 };
	cleanup_free char *missing = xasprintf("%s/none.sock", tmpdir);
	int r = vsl_console_socket_send(missing, 0, &err);

	ok(r == -ENOENT && strstr(err.msg, "none.sock: connect"),
	   "a missing console socket is one clear line: %s", err.msg);
}

static void test_raw_and_size(void)
{
	int m1, s1, m2, s2;
	struct termios saved, now;
	struct winsize ws = { .ws_row = 33, .ws_col = 77 }, got = { 0 };
	struct vsl_err err = { 0 };
	cleanup_close int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	openpty(&m1, &s1, NULL, NULL, NULL);
	openpty(&m2, &s2, NULL, NULL, NULL);
	tcgetattr(s1, &now);
	ok(now.c_lflag & ICANON, "a new pty starts canonical");
	ok(vsl_tty_raw(s1, &saved, &err) == 0, "raw mode set");
	tcgetattr(s1, &now);
	ok(!(now.c_lflag & (ICANON | ECHO | ISIG)) && !(now.c_oflag & OPOST),
	   "raw: no ICANON, ECHO, ISIG, OPOST");
	vsl_tty_restore(s1, &saved);
	tcgetattr(s1, &now);
	ok(now.c_lflag == saved.c_lflag && now.c_iflag == saved.c_iflag &&
		   now.c_oflag == saved.c_oflag && now.c_cflag == saved.c_cflag,
	   "restore puts every flag back");
	ok(vsl_tty_raw(devnull, &saved, &err) == -ENOTTY, "raw mode on a non-terminal is ENOTTY");

	ioctl(s1, TIOCSWINSZ, &ws);
	ok(vsl_tty_copy_size(s1, m2) == 0, "copy the window size");
	ioctl(s2, TIOCGWINSZ, &got);
	ok(got.ws_row == 33 && got.ws_col == 77, "the other pty has 77x33");
	ok(vsl_tty_copy_size(devnull, m2) == -ENOTTY, "copy from a non-terminal is -ENOTTY");
	close(m1), close(s1), close(m2), close(s2);
}

/* Drive poll + handle until want shows up on fd (or the proxy stops). */
static bool pump_until(struct vsl_tty_proxy *p, int fd, const char *want, char *buf, size_t len)
{
	size_t got = 0;
	struct vsl_err err;

	buf[0] = '\0';
	for (int i = 0; i < 200 && !strstr(buf, want); i++) {
		struct pollfd fds[VSL_TTY_PROXY_NFDS + 1];
		unsigned n = vsl_tty_proxy_pollfds(p, fds);
		struct pollfd rd = { fd, POLLIN, 0 };

		if (n && poll(fds, n, 20) > 0 && vsl_tty_proxy_handle(p, fds, n, &err) < 0)
			return false;
		if (poll(&rd, 1, 0) > 0) {
			ssize_t k = read(fd, buf + got, len - 1 - got);
			if (k <= 0)
				break;
			got += (size_t)k;
			buf[got] = '\0';
		}
	}
	return strstr(buf, want) != NULL;
}

static void test_proxy_steps(void)
{
	int in[2], out[2], m, s, r = 1;
	struct vsl_tty_proxy p;
	struct vsl_err err = { 0 };
	char buf[256];

	pipe2(in, O_CLOEXEC);
	pipe2(out, O_CLOEXEC);
	openpty(&m, &s, NULL, NULL, NULL);
	ok(vsl_tty_proxy_init(&p, in[0], out[1], m, &err) == 0, "proxy set up");
	ok(write(in[1], "abc\n", 4) == 4, "user typed abc");
	ok(pump_until(&p, s, "abc\n", buf, sizeof(buf)), "stdin reached the container's pty");
	ok(write(s, "xyz", 3) == 3, "container wrote xyz");
	ok(pump_until(&p, out[0], "xyz", buf, sizeof(buf)), "the pty's output reached stdout");
	close(in[1]);
	for (int i = 0; i < 100 && !(p.up.eof && !p.up.len); i++) {
		struct pollfd fds[VSL_TTY_PROXY_NFDS];
		unsigned n = vsl_tty_proxy_pollfds(&p, fds);

		if (n && poll(fds, n, 20) > 0)
			vsl_tty_proxy_handle(&p, fds, n, &err);
	}
	ok(p.up.eof && !p.up.len, "stdin EOF seen and the EOF character sent");
	{
		struct pollfd rd = { s, POLLIN, 0 };
		ok(poll(&rd, 1, 1000) == 1 && read(s, buf, sizeof(buf)) == 0,
		   "stdin EOF became end-of-file for the container's reader");
	}
	ok(write(s, "last words", 10) == 10, "container wrote its last words");
	close(s);
	for (int i = 0; i < 200 && r == 1; i++) {
		struct pollfd fds[VSL_TTY_PROXY_NFDS];
		unsigned n = vsl_tty_proxy_pollfds(&p, fds);

		if (n && poll(fds, n, 20) > 0)
			r = vsl_tty_proxy_handle(&p, fds, n, &err);
	}
	ok(r == 0 && p.hup, "the slave's close ends the proxy");
	ok(read_until(out[0], buf, sizeof(buf), "last words", 1000),
	   "output written before the hangup was delivered");
	ok(vsl_tty_proxy_pollfds(&p, (struct pollfd[2]){ 0 }) == 0, "nothing left to poll");
	close(in[0]), close(out[0]), close(out[1]), close(m);
}

static int stop_on_rt(void *opaque, const struct signalfd_siginfo *si, struct vsl_err *err)
{
	int *seen = opaque;

	seen[0]++;
	seen[1] = (int)si->ssi_signo;
	return si->ssi_signo == (unsigned)SIGRTMIN ? 0 : 1;
}

static void test_proxy_run(void)
{
	int um, us, m, s, out[2], sfd, seen[2] = { 0, 0 };
	struct winsize ws = { .ws_row = 50, .ws_col = 150 }, got = { 0 };
	struct vsl_tty_proxy p;
	struct vsl_err err = { 0 };
	sigset_t set, old;
	char buf[128];

	openpty(&um, &us, NULL, NULL, &(struct winsize){ .ws_row = 40, .ws_col = 120 });
	openpty(&m, &s, NULL, NULL, NULL);
	pipe2(out, O_CLOEXEC);
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, &old);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	ok(vsl_tty_proxy_init(&p, us, out[1], m, &err) == 0, "proxy on a terminal stdin");
	ioctl(s, TIOCGWINSZ, &got);
	ok(got.ws_row == 40 && got.ws_col == 120, "init copied the user's 120x40 to the pty");
	ioctl(us, TIOCSWINSZ, &ws);
	ok(write(s, "tail", 4) == 4, "container output pending");
	raise(SIGWINCH);
	raise(SIGRTMIN);
	ok(vsl_tty_proxy_run(&p, sfd, stop_on_rt, seen, &err) == 0, "run returns on the stop");
	ok(seen[0] == 1 && seen[1] == SIGRTMIN, "SIGWINCH handled inside, the other one given to "
	   "the callback (calls %d, last %d)", seen[0], seen[1]);
	ioctl(s, TIOCGWINSZ, &got);
	ok(got.ws_row == 50 && got.ws_col == 150, "SIGWINCH resized the pty to 150x50");
	ok(read_until(out[0], buf, sizeof(buf), "tail", 1000), "output was drained on stop");
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sfd), close(um), close(us), close(m), close(s), close(out[0]), close(out[1]);
}

int main(void)
{
	struct vsl_err err;
	char longname[200];

	/* Line-buffered: the forked child must not inherit TAP output waiting in a buffer. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(tmpdir))
		return 1;
	test_fd_passing(SOCK_STREAM, "stream");
	test_fd_passing(SOCK_SEQPACKET, "seqpacket");
	test_console_socket("console.sock");
	/* A path longer than sun_path (108), with a short last component to bind to. */
	memset(longname, 'x', 100);
	longname[100] = '\0';
	mkdir_in_tmp(longname);
	strcpy(longname + 100, "/console.sock");
	test_console_socket(longname);
	test_console_socket_errors();
	test_raw_and_size();
	test_proxy_steps();
	test_proxy_run();
	vsl_rm_rf(tmpdir, &err);
	return tap_done();
}
