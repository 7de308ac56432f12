/* recvtty: the other end of --console-socket for the integration tests, like runc's
 * recvtty. Listens on a unix socket, takes one connection, receives the pty master with a
 * plain recvmsg (as conmon does, independent of vessel's own code), optionally types a
 * command into it, and copies everything the pty says to stdout until every slave fd is
 * closed (the container exited) or the timeout passes.
 *
 * usage: recvtty [-t SECONDS] [-c COMMAND] [-n] SOCKET
 *   -c COMMAND  write COMMAND and a newline into the pty once it arrives
 *   -n          print the name sent with the fd on stderr ("recvtty: name /dev/ptmx")
 *   -t SECONDS  give up (exit 1) after this long; default 20
 * The socket appears at SOCKET only once it is listening (bound under a temporary name,
 * then renamed), so a test can wait for the file and then run `vessel create`.
 * Exit: 0 when the pty hung up, 1 on error or timeout, 2 on bad usage. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
	return 1;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char tmp[sizeof(sa.sun_path)];
	int s;

	if (snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, tmp, sizeof(tmp));
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	unlink(tmp);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0 ||
	    rename(tmp, path) < 0) {
		close(s);
		unlink(tmp);
		return -1;
	}
	return s;
}

static int recv_master(int conn, char *name, size_t len)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = name, .iov_len = len - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -1;
	name[n] = '\0';
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int))) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int wait_in(int fd, time_t deadline)
{
	struct pollfd p = { fd, POLLIN, 0 };
	time_t left = deadline - time(NULL);
	int r;

	if (left <= 0)
		return 0;
	r = poll(&p, 1, (int)left * 1000);
	return r;
}

/* Copy the pty to stdout until it hangs up (read gives EIO or 0). */
static int copy_out(int master, time_t deadline)
{
	char buf[4096];

	for (;;) {
		ssize_t n;
		int r = wait_in(master, deadline);

		if (r == 0) {
			fprintf(stderr, "recvtty: timed out\n");
			return 1;
		}
		if (r < 0 && errno != EINTR)
			return die("poll");
		n = read(master, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EIO)
			return die("read the pty");
		if (n <= 0)
			return 0;
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return die("write stdout");
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	const char *cmd = NULL;
	char name[4096];
	int opt, timeout = 20, show_name = 0, s, conn, master;
	time_t deadline;

	while ((opt = getopt(argc, argv, "c:nt:")) != -1) {
		switch (opt) {
		case 'c': cmd = optarg; break;
		case 'n': show_name = 1; break;
		case 't': timeout = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	deadline = time(NULL) + timeout;
	s = listen_on(argv[optind]);
	if (s < 0)
		return die(argv[optind]);
	if (wait_in(s, deadline) <= 0) {
		fprintf(stderr, "recvtty: nobody connected\n");
		return 1;
	}
	conn = accept4(s, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return die("accept");
	master = recv_master(conn, name, sizeof(name));
	if (master < 0)
		return die("receive the pty");
	if (show_name)
		fprintf(stderr, "recvtty: name %s\n", name);
	close(conn);
	close(s);
	unlink(argv[optind]);
	if (cmd && (write(master, cmd, strlen(cmd)) < 0 || write(master, "\n", 1) < 0))
		return die("write the command");
	return copy_out(master, deadline);
usage:
	fprintf(stderr, "usage: recvtty [-t SECONDS] [-c COMMAND] [-n] SOCKET\n");
	return 2;
}
