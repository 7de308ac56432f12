/* Unpacking and copying trees with Debian's tar (it knows every corner of the format:
 * hard links, sparse files, xattrs, devices, unsafe member names). We feed it through a
 * pipe so we can count bytes for the progress line, and keep its stderr for the error. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"

#define TAR "/usr/bin/tar"

extern char **environ;

struct child {
	pid_t pid;
	int in, out, err; /* our ends of its pipes; -1 when not piped */
};

static void child_close(struct child *c)
{
	vsl_closep(&c->in);
	vsl_closep(&c->out);
	vsl_closep(&c->err);
}

/* Spawn argv; stdin from in_fd (-1: a pipe whose write end is c->in), stdout to a pipe
 * (c->out) when want_out, else /dev/null; stderr always to a pipe (c->err). */
static int spawn(char *const argv[], int in_fd, bool want_out, struct child *c, struct vsl_err *err)
{
	int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
	posix_spawn_file_actions_t fa;
	char *env[] = {"LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	int r;

	c->pid = -1;
	c->in = c->out = c->err = -1;
	if ((in_fd < 0 && pipe2(pin, O_CLOEXEC) < 0) || (want_out && pipe2(pout, O_CLOEXEC) < 0) ||
	    pipe2(perr, O_CLOEXEC) < 0) {
		r = errno;
		for (int i = 0; i < 2; i++) {
			vsl_closep(&pin[i]);
			vsl_closep(&pout[i]);
			vsl_closep(&perr[i]);
		}
		return vsl_fail(err, r, "%s: pipe", argv[0]);
	}
	posix_spawn_file_actions_init(&fa);
	if (in_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	else
		posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
	if (want_out)
		posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	r = posix_spawn(&c->pid, argv[0], &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	vsl_closep(&pin[0]);
	vsl_closep(&pout[1]);
	vsl_closep(&perr[1]);
	c->in = pin[1];
	c->out = pout[0];
	c->err = perr[0];
	if (r != 0) {
		child_close(c);
		return vsl_fail(err, r, "run %s", argv[0]);
	}
	return 0;
}

/* Keep the first meaningful line of a child's stderr. */
static void keep_line(char *dst, size_t cap, const char *buf, size_t len)
{
	size_t have = strlen(dst);

	if (have + len >= cap)
		len = cap - have - 1;
	memcpy(dst + have, buf, len);
	dst[have + len] = '\0';
}

static void first_line(const char *all, char *out, size_t cap)
{
	const char *p = all;

	snprintf(out, cap, "exited with an error");
	while (*p) {
		size_t n = strcspn(p, "\n");

		/* Skip tar's trailers and e2fsprogs' version banners ("resize2fs 1.47.0 (...)"). */
		bool noise = !strncmp(p, "tar: Exiting", 12) ||
			     !strncmp(p, "tar: Child returned", 19) ||
			     !strncmp(p, "tar: Error is not recoverable", 29) ||
			     (strstr(p, " 1.") && strstr(p, " 1.") < p + n && p[n - 1] == ')' &&
			      !memchr(p, ':', n));

		if (n > 0 && !noise) {
			snprintf(out, cap, "%.*s", (int)n, p);
			return;
		}
		p += n + (p[n] == '\n');
	}
}

/* Wait for a child; 0 if it exited 0, else -1 with a description in why. */
static int reap(struct child *c, char *why, size_t cap)
{
	int st;

	if (c->pid <= 0)
		return 0;
	while (waitpid(c->pid, &st, 0) < 0)
		if (errno != EINTR) {
			snprintf(why, cap, "wait: %s", strerror(errno));
			return -1;
		}
	c->pid = -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFSIGNALED(st))
		snprintf(why, cap, "killed by signal %d", WTERMSIG(st));
	return -1;
}

struct pump {
	int src, dst; /* copy src -> dst; both closed by the pump */
	int errs[2];  /* stderr pipes drained into text */
	char text[2048];
	struct ovl_progress *p;
};

static void progress(struct ovl_progress *p, size_t n)
{
	if (!p)
		return;
	p->done += n;
	if (p->fn)
		p->fn(p->arg, p->total && p->done > p->total ? p->total : p->done, p->total);
}

/* Poll until src is exhausted into dst and both stderr pipes are at EOF. */
static int pump_loop(struct pump *pu);

/* SIGPIPE is blocked while we write to tar, so a tar that quits early gives EPIPE (its
 * stderr says why) instead of killing us; a pending one is consumed before unblocking. */
static int pump_run(struct pump *pu)
{
	sigset_t pipe_set, old;
	struct timespec zero = {0, 0};
	int r;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	r = pump_loop(pu);
	while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
		;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

static int pump_loop(struct pump *pu)
{
	char buf[65536], ebuf[1024];
	size_t have = 0, off = 0;

	while (pu->src >= 0 || pu->dst >= 0 || pu->errs[0] >= 0 || pu->errs[1] >= 0) {
		struct pollfd fds[4] = {
		    {.fd = have == 0 ? pu->src : -1, .events = POLLIN},
		    {.fd = have > 0 ? pu->dst : -1, .events = POLLOUT},
		    {.fd = pu->errs[0], .events = POLLIN},
		    {.fd = pu->errs[1], .events = POLLIN},
		};
		ssize_t n;

		if (have == 0 && pu->src < 0 && pu->dst >= 0) {
			/* All written: tar sees EOF. Loop again: this may have been the last fd,
			 * and poll on nothing would wait forever. */
			vsl_closep(&pu->dst);
			continue;
		}
		if (poll(fds, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < 2; i++) {
			if (!fds[2 + i].revents)
				continue;
			n = read(pu->errs[i], ebuf, sizeof(ebuf));
			if (n <= 0)
				vsl_closep(&pu->errs[i]);
			else
				keep_line(pu->text, sizeof(pu->text), ebuf, (size_t)n);
		}
		if (fds[0].revents) {
			n = read(pu->src, buf, sizeof(buf));
			if (n <= 0)
				vsl_closep(&pu->src);
			have = n > 0 ? (size_t)n : 0;
			off = 0;
		}
		if (fds[1].revents) {
			n = write(pu->dst, buf + off, have - off);
			if (n < 0) {
				/* tar quit early (EPIPE): its stderr says why. */
				vsl_closep(&pu->dst);
				vsl_closep(&pu->src);
				have = 0;
				continue;
			}
			progress(pu->p, (size_t)n);
			off += (size_t)n;
			if (off == have)
				have = off = 0;
		}
	}
	return 0;
}

static const char *compress_flag(int fd)
{
	unsigned char m[512];
	ssize_t n = pread(fd, m, sizeof(m), 0);

	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return "--gzip";
	if (n >= 6 && memcmp(m,
			     "\xfd"
			     "7zXZ\0",
			     6) == 0)
		return "--xz";
	if (n >= 4 && memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0)
		return "--zstd";
	if (n >= 262 && memcmp(m + 257, "ustar", 5) == 0)
		return "";
	return NULL;
}

#define TAR_X_ARGS                                                                                 \
	"--numeric-owner", "--same-owner", "--same-permissions", "--xattrs", "--xattrs-include=*"

int ovl_tar_unpack(const char *archive, const char *dir, struct ovl_progress *p,
		   struct vsl_err *err)
{
	cleanup_close int fd = open(archive, O_RDONLY | O_CLOEXEC);
	struct pump pu = {.src = -1, .dst = -1, .errs = {-1, -1}, .p = p};
	struct child tar;
	const char *z;
	char why[512] = "";
	struct stat st;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return vsl_fail(err, errno, "open %s", archive);
	z = compress_flag(fd);
	if (!z)
		return vsl_fail(err, EINVAL, "%s: not a tar archive (plain, gzip, xz or zstd)",
				archive);
	if (p && !p->total_known)
		p->total += (uint64_t)st.st_size;
	{
		char *argv[] = {TAR,  "-x",	   "-f",       "-",
				"-C", (char *)dir, TAR_X_ARGS, *z ? (char *)z : NULL,
				NULL};
		r = spawn(argv, -1, false, &tar, err);
	}
	if (r < 0)
		return r;
	pu.src = vsl_steal_fd(&fd);
	pu.dst = vsl_steal_fd(&tar.in);
	pu.errs[0] = vsl_steal_fd(&tar.err);
	r = pump_run(&pu);
	if (reap(&tar, why, sizeof(why)) < 0 || r < 0) {
		if (!why[0])
			first_line(pu.text, why, sizeof(why));
		return vsl_fail(err, EINVAL, "%s: %s", archive, why);
	}
	return 0;
}

int ovl_tar_copy(const char *src, const char *dst, bool strip_overlay, struct ovl_progress *p,
		 struct vsl_err *err)
{
	char *cargv[] = {TAR,
			 "-c",
			 "-f",
			 "-",
			 "-C",
			 (char *)src,
			 "--numeric-owner",
			 "--xattrs",
			 "--xattrs-include=*",
			 "--sparse",
			 ".",
			 NULL};
	/* A layer keeps only overlay's opaque mark: origin, impure, redirect... describe
	 * the container's own upper and would mislead as a lower layer. */
	char *xargv[] = {TAR,
			 "-x",
			 "-f",
			 "-",
			 "-C",
			 (char *)dst,
			 TAR_X_ARGS,
			 "--xattrs-exclude=trusted.overlay.[!o]*",
			 "--xattrs-exclude=trusted.overlay.origin",
			 NULL};
	cleanup_close int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct pump pu = {.src = -1, .dst = -1, .errs = {-1, -1}, .p = p};
	struct child c, x;
	char why[512] = "";
	int r, rc, rx;

	if (p && !p->total_known)
		p->total += ovl_apparent_size(src);
	if (!strip_overlay)
		xargv[11] = NULL;
	r = spawn(cargv, null, true, &c, err);
	if (r < 0)
		return r;
	r = spawn(xargv, -1, false, &x, err);
	if (r < 0) {
		child_close(&c);
		reap(&c, why, sizeof(why));
		return r;
	}
	pu.src = vsl_steal_fd(&c.out);
	pu.dst = vsl_steal_fd(&x.in);
	pu.errs[0] = vsl_steal_fd(&c.err);
	pu.errs[1] = vsl_steal_fd(&x.err);
	r = pump_run(&pu);
	rc = reap(&c, why, sizeof(why));
	rx = reap(&x, why, sizeof(why));
	if (r < 0 || rc < 0 || rx < 0) {
		if (!why[0])
			first_line(pu.text, why, sizeof(why));
		return vsl_fail(err, EIO, "copy %s: %s", src, why);
	}
	return 0;
}

int ovl_run(char *const argv[], struct vsl_err *err)
{
	struct pump pu = {.src = -1, .dst = -1, .errs = {-1, -1}};
	cleanup_close int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct child c;
	char why[512] = "";
	int r;

	r = spawn(argv, null, false, &c, err);
	if (r < 0)
		return r;
	pu.errs[0] = vsl_steal_fd(&c.err);
	pump_run(&pu);
	if (reap(&c, why, sizeof(why)) < 0) {
		if (!why[0])
			first_line(pu.text, why, sizeof(why));
		const char *base = strrchr(argv[0], '/');

		if (!strncmp(why, base + 1, strlen(base + 1)))
			return vsl_fail(err, EIO, "%s", why);
		return vsl_fail(err, EIO, "%s: %s", base + 1, why);
	}
	return 0;
}
