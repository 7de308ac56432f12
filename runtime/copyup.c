/* tmpcopyup: a tmpfs mounted over a directory of the rootfs starts with a copy of what the
 * directory held (podman asks for it on /tmp, /var/tmp and /run under --read-only). The
 * walk works on directory fds and never follows a symlink. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/rootfs.h"

#define MAX_DEPTH 64

static int copy_data(int sfd, int dfd)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		ssize_t c = copy_file_range(sfd, NULL, dfd, NULL, 1 << 30, 0);

		if (c == 0)
			return 0;
		if (c < 0)
			break; /* EXDEV, EINVAL, ENOSYS...: plain reads below */
	}
	while ((n = read(sfd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (vsl_write_all(dfd, buf, (size_t)n) < 0)
			return -errno;
	}
	return 0;
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st)
{
	cleanup_close int sfd = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int dfd = -1;

	if (sfd < 0)
		return -errno;
	dfd = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     st->st_mode & 0777);
	if (dfd < 0)
		return -errno;
	return copy_data(sfd, dfd);
}

static int copy_dir(int sdir, int ddir, int depth, const char *what, struct vsl_err *err);

/* One entry: make it, then give it the source's owner, mode and times. */
static int copy_entry(int sdir, int ddir, const char *name, int depth, const char *what,
		      struct vsl_err *err)
{
	struct stat st;
	char link[4096];
	ssize_t n;
	int r = 0;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return vsl_fail(err, errno, "%s: tmpcopyup: stat %s", what, name);
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		if (mkdirat(ddir, name, 0700) < 0)
			r = -errno;
		break;
	case S_IFREG:
		r = copy_file(sdir, ddir, name, &st);
		break;
	case S_IFLNK:
		n = readlinkat(sdir, name, link, sizeof(link) - 1);
		if (n < 0) {
			r = -errno;
			break;
		}
		link[n] = '\0';
		if (symlinkat(link, ddir, name) < 0)
			r = -errno;
		break;
	default: /* devices, fifos, sockets */
		if (mknodat(ddir, name, st.st_mode, st.st_rdev) < 0)
			r = -errno;
	}
	if (r < 0)
		return vsl_fail(err, -r, "%s: tmpcopyup: copy %s", what, name);
	if (S_ISDIR(st.st_mode)) {
		cleanup_close int s =
		    openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		cleanup_close int d =
		    openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (s < 0 || d < 0)
			return vsl_fail(err, errno, "%s: tmpcopyup: open %s", what, name);
		r = copy_dir(s, d, depth + 1, what, err);
		if (r < 0)
			return r;
	}
	/* chown before chmod: chown clears the set-id bits. */
	if (fchownat(ddir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    (!S_ISLNK(st.st_mode) && fchmodat(ddir, name, st.st_mode & 07777, 0) < 0))
		return vsl_fail(err, errno, "%s: tmpcopyup: owner and mode of %s", what, name);
	utimensat(ddir, name, (struct timespec[2]){st.st_atim, st.st_mtim}, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int copy_dir(int sdir, int ddir, int depth, const char *what, struct vsl_err *err)
{
	int fd = openat(sdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* own offset */
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	int r = 0;

	if (depth > MAX_DEPTH) {
		if (d)
			closedir(d);
		else if (fd >= 0)
			close(fd);
		return vsl_fail(err, ELOOP, "%s: tmpcopyup: deeper than %d levels", what,
				MAX_DEPTH);
	}
	if (!d) {
		r = errno;
		if (fd >= 0)
			close(fd);
		return vsl_fail(err, r, "%s: tmpcopyup: read the directory", what);
	}
	while (r == 0 && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			r = copy_entry(sdir, ddir, e->d_name, depth, what, err);
	closedir(d);
	return r;
}

int vsl_tmpcopyup(int src_dir, int dst_dir, const char *what, struct vsl_err *err)
{
	return copy_dir(src_dir, dst_dir, 0, what, err);
}
