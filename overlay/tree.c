/* Tree walks over directory fds (never following symlinks, never leaving the file system):
 * disk usage, OCI whiteouts turned into deletions or overlay whiteouts, and applying one
 * unpacked OCI layer onto the layers below it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define OVL_OPAQUE_XATTR "trusted.overlay.opaque"

static int open_dir_at(int dfd, const char *name)
{
	return openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Names in an open directory (no . and ..); the fd is not consumed. */
static char **dir_names(int dfd)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **v = xzalloc(sizeof(char *));
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return v;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			vsl_strv_push(&v, e->d_name);
	closedir(d);
	return v;
}

struct du {
	uint64_t blocks, apparent;
	dev_t dev;
	struct {
		dev_t dev;
		ino_t ino;
	} * seen;
	size_t n_seen, cap;
};

static bool du_seen(struct du *du, const struct stat *st)
{
	for (size_t i = 0; i < du->n_seen; i++)
		if (du->seen[i].ino == st->st_ino && du->seen[i].dev == st->st_dev)
			return true;
	if (du->n_seen == du->cap) {
		du->cap = du->cap ? du->cap * 2 : 64;
		du->seen = xrealloc(du->seen, du->cap * sizeof(*du->seen));
	}
	du->seen[du->n_seen].dev = st->st_dev;
	du->seen[du->n_seen++].ino = st->st_ino;
	return false;
}

static void du_dir(int dfd, struct du *du)
{
	cleanup_strv char **names = dir_names(dfd);

	for (char **n = names; *n; n++) {
		struct stat st;

		if (fstatat(dfd, *n, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != du->dev)
			continue;
		if (st.st_nlink > 1 && !S_ISDIR(st.st_mode) && du_seen(du, &st))
			continue;
		du->blocks += (uint64_t)st.st_blocks * 512;
		if (S_ISREG(st.st_mode))
			du->apparent += (uint64_t)st.st_size;
		if (S_ISDIR(st.st_mode)) {
			cleanup_close int fd = open_dir_at(dfd, *n);
			if (fd >= 0)
				du_dir(fd, du);
		}
	}
}

static struct du du_path(const char *path)
{
	struct du du = {0};
	cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (fd >= 0 && fstat(fd, &st) == 0) {
		du.dev = st.st_dev;
		du.blocks = (uint64_t)st.st_blocks * 512;
		du_dir(fd, &du);
	}
	free(du.seen);
	return du;
}

uint64_t ovl_du(const char *path)
{
	return du_path(path).blocks;
}

uint64_t ovl_apparent_size(const char *path)
{
	return du_path(path).apparent;
}

/* rm -rf of dfd/name. */
static int rm_at(int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode)) {
		cleanup_close int fd = open_dir_at(dfd, name);
		cleanup_strv char **names = NULL;

		if (fd < 0)
			return -errno;
		names = dir_names(fd);
		for (char **n = names; *n; n++) {
			int r = rm_at(fd, *n);
			if (r < 0)
				return r;
		}
		return unlinkat(dfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
	}
	return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
}

static int make_whiteout(int dfd, const char *name)
{
	if (mknodat(dfd, name, S_IFCHR | 0000, makedev(0, 0)) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int set_opaque(int dfd)
{
	return fsetxattr(dfd, OVL_OPAQUE_XATTR, "y", 1, 0) < 0 ? -errno : 0;
}

static int convert_dir(int dfd, bool has_below)
{
	cleanup_strv char **names = dir_names(dfd);
	int r = 0;

	for (char **n = names; *n && r == 0; n++) {
		struct stat st;

		if (strcmp(*n, WH_OPAQUE) == 0) {
			r = unlinkat(dfd, *n, 0) < 0 ? -errno : 0;
			if (r == 0 && has_below)
				r = set_opaque(dfd);
		} else if (vsl_str_has_prefix(*n, WH_PREFIX)) {
			const char *victim = *n + strlen(WH_PREFIX);

			r = unlinkat(dfd, *n, 0) < 0 ? -errno : 0;
			if (r == 0 && has_below &&
			    fstatat(dfd, victim, &st, AT_SYMLINK_NOFOLLOW) < 0)
				r = make_whiteout(dfd, victim);
		} else if (fstatat(dfd, *n, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
			cleanup_close int fd = open_dir_at(dfd, *n);

			r = fd < 0 ? -errno : convert_dir(fd, has_below);
		}
	}
	return r;
}

int ovl_whiteouts_convert(const char *dir, bool has_below, struct vsl_err *err)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return vsl_fail(err, errno, "open %s", dir);
	r = convert_dir(fd, has_below);
	if (r < 0)
		return vsl_fail(err, -r, "%s: apply whiteouts", dir);
	return 0;
}

/* The directory entry of the new layer carries the metadata: copy it onto the merged dir. */
static void copy_dir_meta(int sfd, int dfd)
{
	struct stat st;
	struct timespec ts[2];

	if (fstat(sfd, &st) < 0)
		return;
	if (fchown(dfd, st.st_uid, st.st_gid) < 0 || fchmod(dfd, st.st_mode & 07777) < 0)
		return;
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	futimens(dfd, ts);
}

static int merge_dir(int sfd, int dfd, bool has_below);

/* Move one ordinary entry of the new layer onto the merged tree. */
static int merge_entry(int sfd, int dfd, const char *name, bool has_below)
{
	struct stat ss, ds;
	bool was_whiteout;
	int r;

	if (fstatat(sfd, name, &ss, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (fstatat(dfd, name, &ds, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return -errno;
		return renameat(sfd, name, dfd, name) < 0 ? -errno : 0;
	}
	if (S_ISDIR(ss.st_mode) && S_ISDIR(ds.st_mode)) {
		cleanup_close int s = open_dir_at(sfd, name);
		cleanup_close int d = open_dir_at(dfd, name);

		if (s < 0 || d < 0)
			return -errno;
		r = merge_dir(s, d, has_below);
		if (r == 0)
			copy_dir_meta(s, d);
		return r;
	}
	was_whiteout = S_ISCHR(ds.st_mode) && ds.st_rdev == makedev(0, 0);
	if (S_ISDIR(ds.st_mode) || S_ISDIR(ss.st_mode)) {
		r = rm_at(dfd, name);
		if (r < 0)
			return r;
	}
	if (renameat(sfd, name, dfd, name) < 0)
		return -errno;
	/* A directory replacing a deleted one must not show the parent template's below. */
	if (was_whiteout && has_below && S_ISDIR(ss.st_mode)) {
		cleanup_close int d = open_dir_at(dfd, name);
		return d < 0 ? -errno : set_opaque(d);
	}
	return 0;
}

static int merge_dir(int sfd, int dfd, bool has_below)
{
	cleanup_strv char **names = dir_names(sfd);
	int r = 0;

	/* Whiteouts first: they delete what is below, never what this layer adds. */
	for (char **n = names; *n && r == 0; n++) {
		if (strcmp(*n, WH_OPAQUE) == 0) {
			cleanup_strv char **old = dir_names(dfd);

			for (char **o = old; *o && r == 0; o++)
				r = rm_at(dfd, *o);
			if (r == 0 && has_below)
				r = set_opaque(dfd);
		} else if (vsl_str_has_prefix(*n, WH_PREFIX)) {
			const char *victim = *n + strlen(WH_PREFIX);

			r = rm_at(dfd, victim);
			if (r == 0 && has_below)
				r = make_whiteout(dfd, victim);
		}
	}
	for (char **n = names; *n && r == 0; n++)
		if (!vsl_str_has_prefix(*n, WH_PREFIX))
			r = merge_entry(sfd, dfd, *n, has_below);
	return r;
}

int ovl_layer_merge(const char *src, const char *dst, bool has_below, struct vsl_err *err)
{
	cleanup_close int s = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int d = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (s < 0)
		return vsl_fail(err, errno, "open %s", src);
	if (d < 0)
		return vsl_fail(err, errno, "open %s", dst);
	r = merge_dir(s, d, has_below);
	if (r < 0)
		return vsl_fail(err, -r, "apply layer %s", src);
	return 0;
}
