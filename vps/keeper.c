/* The keeper: one small process per running VPS, because vessel has no daemon and a console
 * needs someone to hold it. It creates and starts the container itself (as its subreaper,
 * so the init becomes its child and its end is seen with its cause), holds the pty master
 * and one slave fd (an init that closes and reopens /dev/console, as systemd does, would
 * otherwise hang the pty up), copies the console to console.log (bounded, rotated once)
 * and to the clients on console.sock, and, when the init ends, takes the container down,
 * or brings it up again when the init asked for a reboot. It is recorded as the
 * container's helper, so delete --force ends it too. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/container.h"
#include "runtime/helper.h"
#include "runtime/signals.h"
#include "vps/internal.h"

#define MAX_CLIENTS 16

struct client {
	int fd;
	unsigned char buf[VPS_FRAME_MAX + 3];
	size_t len;
};

struct keeper {
	struct vsl_vps_ctx v;
	struct vsl_ctx ctx;		/* the caller's, logging into console.log */
	struct vsl_vps_def def;
	int master, peer, listen, sig, log;
	uint64_t log_size;
	char *log_path;
	pid_t init;
	struct client clients[MAX_CLIENTS];
	size_t n_clients;
};

struct report {
	int code;
	int complete;
	char msg[VSL_ERR_MSG];
};

/* ---- the console log ---- */

static void log_open(struct keeper *k)
{
	struct stat st;
	int fd = open(k->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return;
	if (k->log >= 0) {
		dup2(fd, k->log);	/* keep the number: ctx.log.fd points at it */
		close(fd);
	} else {
		k->log = fd;
	}
	k->log_size = fstat(k->log, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void log_write(struct keeper *k, const char *buf, size_t n)
{
	if (k->log < 0)
		return;
	if (k->log_size + n > VSL_VPS_LOG_MAX) {
		cleanup_free char *old = xasprintf("%s.1", k->log_path);
		rename(k->log_path, old);
		log_open(k);
	}
	if (vsl_write_all(k->log, buf, n) == 0)
		k->log_size += n;
}

/* ---- clients ---- */

static void client_drop(struct keeper *k, size_t i)
{
	close(k->clients[i].fd);
	k->clients[i] = k->clients[--k->n_clients];
}

static void broadcast(struct keeper *k, const char *buf, size_t n)
{
	for (size_t i = 0; i < k->n_clients;) {
		/* A client that cannot keep up is dropped: the console must never block. */
		if (send(k->clients[i].fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)n)
			client_drop(k, i);
		else
			i++;
	}
}

/* A line from vessel itself, on the console and in the log. */
static void say(struct keeper *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct keeper *k, const char *fmt, ...)
{
	char line[VSL_ERR_MSG + 64], msg[VSL_ERR_MSG];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(line, sizeof(line), "\r\n[vessel] %s: %s\r\n", k->def.name, msg);
	log_write(k, line, (size_t)n);
	broadcast(k, line, (size_t)n);
}

static void client_accept(struct keeper *k)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int sndbuf = 1 << 20;
	int fd = accept4(k->listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != geteuid() ||
	    k->n_clients == MAX_CLIENTS) {
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	k->clients[k->n_clients++] = (struct client){ .fd = fd };
}

static void frame(struct keeper *k, unsigned type, const unsigned char *p, size_t n)
{
	if (type == VPS_FRAME_DATA && k->master >= 0) {
		/* Input the tty cannot take now is lost, as on a serial line. */
		if (write(k->master, p, n) < 0 && errno != EAGAIN)
			return;
	} else if (type == VPS_FRAME_WINSIZE && n == 4 && k->master >= 0) {
		struct winsize ws = { .ws_row = (unsigned short)(p[0] | p[1] << 8),
				      .ws_col = (unsigned short)(p[2] | p[3] << 8) };
		ioctl(k->master, TIOCSWINSZ, &ws);
	}
}

/* 0 keep the client, -1 drop it. */
static int client_read(struct keeper *k, struct client *c)
{
	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);

	if (n <= 0)
		return n < 0 && errno == EAGAIN ? 0 : -1;
	c->len += (size_t)n;
	while (c->len >= 3) {
		size_t plen = (size_t)(c->buf[1] | c->buf[2] << 8);
		if (plen > VPS_FRAME_MAX)
			return -1;
		if (c->len < 3 + plen)
			break;
		frame(k, c->buf[0], c->buf + 3, plen);
		memmove(c->buf, c->buf + 3 + plen, c->len - 3 - plen);
		c->len -= 3 + plen;
	}
	return 0;
}

/* ---- the console itself ---- */

static void drain_master(struct keeper *k)
{
	char buf[8192];
	ssize_t n;

	while (k->master >= 0 && (n = read(k->master, buf, sizeof(buf))) > 0) {
		log_write(k, buf, (size_t)n);
		broadcast(k, buf, (size_t)n);
	}
}

static void console_close(struct keeper *k)
{
	drain_master(k);
	if (k->master >= 0)
		close(k->master);
	if (k->peer >= 0)
		close(k->peer);
	k->master = k->peer = -1;
}

static int console_listen(struct keeper *k, struct vsl_err *err)
{
	cleanup_free char *dir = xasprintf("%s/%s", k->ctx.root, k->def.name);
	cleanup_close int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (k->listen >= 0)
		close(k->listen);
	k->listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (dfd < 0 || k->listen < 0)
		return vsl_fail(err, errno, "VPS %s: console socket in %s", k->def.name, dir);
	/* Through the directory's fd: a long state root must not overflow sun_path. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" VSL_HELPER_SOCKET, dfd);
	unlink(sa.sun_path);
	if (bind(k->listen, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(k->listen, 8) < 0)
		return vsl_fail(err, errno, "VPS %s: console socket %s/" VSL_HELPER_SOCKET,
				k->def.name, dir);
	return 0;
}

/* Create and start the container, as this process's child. */
static int bring_up(struct keeper *k, struct vsl_err *err)
{
	cleanup_free char *bundle = vps_path(k->ctx.store, k->def.name, "bundle");
	struct vsl_create_opts co = { .id = k->def.name, .bundle = bundle, .foreground = true,
				      .prepare_rootfs = vps_prepare_rootfs,
				      .prepare_arg = &k->def };
	struct vsl_created cr;
	struct vsl_err tmp;
	int r;

	r = vsl_container_create(&k->ctx, &co, &cr, err);
	if (r < 0)
		return r;
	k->master = cr.pty_master;
	k->init = cr.pid;
	k->peer = ioctl(k->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (k->peer < 0)
		r = vsl_fail(err, errno, "VPS %s: open its console's pty", k->def.name);
	if (r == 0)
		r = fcntl(k->master, F_SETFL, O_NONBLOCK) < 0 ? -errno : 0;
	if (r == 0)
		r = vsl_helper_record(&k->ctx, k->def.name, getpid(), err);
	if (r == 0)
		r = console_listen(k, err);
	if (r == 0)
		r = vsl_container_start(&k->ctx, k->def.name, err);
	if (r < 0) {
		console_close(k);
		vps_container_down(&k->ctx, k->def.name, &tmp);
	}
	return r;
}

/* ---- the end of the init ---- */

static void describe(int status, char *buf, size_t len, bool *reboot)
{
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	const char *name = sig ? vsl_signal_name(sig) : NULL;

	*reboot = sig == SIGHUP;
	if (sig == SIGINT)
		snprintf(buf, len, "the system halted (the init ended by SIGINT after reboot(2))");
	else if (sig == SIGHUP)
		snprintf(buf, len, "the system asked for a reboot (the init ended by SIGHUP)");
	else if (sig)
		snprintf(buf, len, "the init was killed by SIG%s", name ? name : "?");
	else
		snprintf(buf, len, "the init exited with status %d", WEXITSTATUS(status));
}

/* A reboot from inside: up again, unless a vessel command holds the VPS (a stop or rm is
 * under way) or the definition is gone. */
static bool reboot_vps(struct keeper *k)
{
	cleanup_close int lock = -1;
	struct vsl_vps_def def;
	struct vsl_err err;
	char line[VSL_ERR_MSG + 64];

	lock = vps_lock(k->ctx.store, k->def.name, false, &err);
	if (lock < 0)
		return false;
	if (vps_container_down(&k->ctx, k->def.name, &err) < 0 ||
	    vps_def_load(k->ctx.store, k->def.name, &def, &err) < 0)
		goto fail;
	vsl_vps_def_clear(&k->def);
	k->def = def;
	if (vps_bundle_write(&k->v, &k->def, &err) < 0 || bring_up(k, &err) < 0)
		goto fail;
	say(k, "started again");
	return true;
fail:
	say(k, "reboot failed: %s", vsl_err_str(&err, line, sizeof(line)));
	return false;
}

/* The init ended: true to keep serving (it was brought up again). */
static bool init_ended(struct keeper *k, int status)
{
	char what[128];
	struct vsl_err err;
	bool reboot;

	console_close(k);
	describe(status, what, sizeof(what), &reboot);
	say(k, "%s", what);
	k->init = 0;
	if (reboot && reboot_vps(k))
		return true;
	vps_container_down(&k->ctx, k->def.name, &err);
	return false;
}

static bool reap(struct keeper *k)
{
	struct signalfd_siginfo si;
	int status;
	pid_t pid;

	while (read(k->sig, &si, sizeof(si)) == sizeof(si))
		;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (pid == k->init && !init_ended(k, status))
			return false;
	return true;
}

static void serve(struct keeper *k)
{
	for (;;) {
		struct pollfd p[3 + MAX_CLIENTS];
		size_t n = 0, first_client;

		p[n++] = (struct pollfd){ .fd = k->sig, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = k->listen, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = k->master, .events = POLLIN };
		first_client = n;
		for (size_t i = 0; i < k->n_clients; i++)
			p[n++] = (struct pollfd){ .fd = k->clients[i].fd, .events = POLLIN };
		if (poll(p, n, -1) < 0 && errno != EINTR)
			return;
		if (p[0].revents && !reap(k))
			return;
		if (p[2].revents & POLLIN)
			drain_master(k);
		for (size_t i = n; i-- > first_client;)
			if (p[i].revents && client_read(k, &k->clients[i - first_client]) < 0)
				client_drop(k, i - first_client);
		if (p[1].revents & POLLIN)
			client_accept(k);
	}
}

/* ---- becoming the keeper ---- */

/* Close every fd but the ones in keep (ascending, >= 3). */
static void close_all_but(const int *keep, size_t n)
{
	unsigned from = 3;

	for (size_t i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from)
			close_range(from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	close_range(from, ~0U, 0);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int keeper_setup(struct keeper *k, int report, int lock)
{
	bool log_file = k->ctx.log.fd > 2;	/* --log FILE: keep writing there */
	int keep[3] = { report, lock >= 0 ? lock : report, log_file ? k->ctx.log.fd : report };
	int devnull;
	sigset_t mask;

	qsort(keep, 3, sizeof(int), cmp_int);
	close_all_but(keep, 3);
	/* The caller's stdio may be a pipe someone reads to its end ($(vessel vps start)):
	 * the keeper must not hold it open. */
	devnull = open("/dev/null", O_RDWR);
	for (int fd = 0; fd < 3 && devnull >= 0; fd++)
		dup2(devnull, fd);
	if (devnull > 2)
		close(devnull);
	umask(077);
	if (chdir("/") < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return -errno;
	prctl(PR_SET_NAME, "vessel-keeper");
	k->log_path = vps_path(k->ctx.store, k->def.name, VPS_CONSOLE_LOG);
	log_open(k);
	if (!log_file)
		k->ctx.log.fd = k->log >= 0 ? k->log : 2;	/* warnings to the console log */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	k->sig = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return k->sig < 0 ? -errno : 0;
}

static void keeper_main(const struct vsl_vps_ctx *v, const struct vsl_vps_def *d, int report,
			int lock)
{
	struct keeper k = { .ctx = *v->ctx, .master = -1, .peer = -1, .listen = -1, .sig = -1,
			    .log = -1 };
	struct report rep = { 0 };
	struct vsl_err err;
	int r;

	k.v = *v;
	k.v.ctx = &k.ctx;
	vsl_vps_def_copy(&k.def, d);
	r = keeper_setup(&k, report, lock);
	if (r < 0)
		vsl_fail(&err, -r, "VPS %s: keeper setup", d->name);
	else
		r = bring_up(&k, &err);
	if (lock >= 0)
		close(lock);	/* the container runs (or not): the VPS is the caller's again */
	if (r < 0) {
		rep.code = err.code;
		rep.complete = err.complete;
		memcpy(rep.msg, err.msg, sizeof(rep.msg));
	}
	vsl_write_all(report, &rep, sizeof(rep));
	close(report);
	if (r < 0)
		_exit(1);
	serve(&k);
	_exit(0);
}

int vps_keeper_spawn(const struct vsl_vps_ctx *v, const struct vsl_vps_def *d, int lock,
		     struct vsl_err *err)
{
	struct report rep;
	int p[2], status;
	struct vsl_err tmp;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return vsl_fail(err, errno, "VPS %s: pipe", d->name);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return vsl_fail(err, errno, "VPS %s: fork its keeper", d->name);
	}
	if (pid == 0) {
		/* A session of its own and no parent to wait for it: it outlives this command. */
		close(p[0]);
		setsid();
		pid = fork();
		if (pid == 0)
			keeper_main(v, d, p[1], lock);
		_exit(pid < 0);
	}
	close(p[1]);
	waitpid(pid, &status, 0);
	n = vsl_read_all(p[0], &rep, sizeof(rep));
	close(p[0]);
	if (n != (ssize_t)sizeof(rep)) {
		vps_container_down(v->ctx, d->name, &tmp);
		return vsl_fail(err, EIO, "VPS %s: its keeper ended before starting it", d->name);
	}
	if (rep.code == 0)
		return 0;
	err->code = rep.code;
	err->complete = rep.complete;
	memcpy(err->msg, rep.msg, sizeof(err->msg));
	err->msg[sizeof(err->msg) - 1] = '\0';
	return -rep.code;
}
