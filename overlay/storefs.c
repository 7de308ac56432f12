/* The store's own filesystem (`vessel store init`): one XFS (or ext4) made on a block device or
 * on one sparse file attached to one loop device, mounted on the store directory with project
 * quotas. Its record store.json is written twice: into the directory under the mount (shadowed
 * once mounted) and into the new filesystem, so a command that finds the store unmounted after
 * a reboot mounts it again from the record (vsl_ovl_store_ensure). Mounting is serialised by a
 * flock on the backing file or device, and a file already held by a loop device is mounted
 * through that device: one image is never attached twice. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"

#define RECORD "store.json"

static int read_record(const char *store, struct ovl_storefs *out, struct vsl_err *err)
{
	cleanup_free char *path = xasprintf("%s/" RECORD, store);
	cleanup_free char *text = NULL;
	int r;

	r = vsl_read_file(path, &text, NULL, err);
	if (r == 0 && (r = ovl_storefs_parse(text, out, err)) < 0)
		return vsl_wrap(err, "%s", path);
	return r;
}

static int write_record(const char *dir, const struct ovl_storefs *s, struct vsl_err *err)
{
	cleanup_free char *path = xasprintf("%s/" RECORD, dir);
	cleanup_free char *text = ovl_storefs_format(s);

	return vsl_write_file_atomic(path, text, strlen(text), 0644, err);
}

/* Mount dev on store with project quotas. A kernel whose XFS has no quota support cannot: the
 * store is then mounted without, and disk limits fall back to an image per container. */
static int mount_quota(const char *dev, const char *store, const char *fs, bool first,
		       const struct vsl_log *log, struct vsl_err *err)
{
	int e;

	if (mount(dev, store, fs, MS_NOATIME, "prjquota") == 0)
		return 0;
	e = errno;
	if (e == EINVAL && strcmp(fs, "xfs") == 0 && !ovl_kernel_has_prjquota()) {
		vsl_log(log, first ? VSL_LOG_WARN : VSL_LOG_DEBUG,
			"store %s: this kernel's XFS has no quota support (CONFIG_XFS_QUOTA): "
			"mounted without project quotas; disk limits use an image per container",
			store);
		if (mount(dev, store, fs, MS_NOATIME, NULL) == 0)
			return 0;
		e = errno;
	}
	if (e == EINVAL && strcmp(fs, "ext4") == 0)
		return vsl_fail(err, e,
				"mount %s on %s (ext4, prjquota): a kernel without quota formats "
				"(CONFIG_QFMT_V2) cannot mount ext4 with quotas; use --fs xfs",
				dev, store);
	return vsl_fail(err, e, "mount %s (%s) on %s", dev, fs, store);
}

/* Mount the recorded filesystem: through the loop device already holding the file, or a new
 * one. The caller holds the flock on the backing (bfd). */
static int mount_record(const char *store, const struct ovl_storefs *s, int bfd, bool first,
			const struct vsl_log *log, struct vsl_err *err)
{
	cleanup_close int loop = -1; /* closed after the mount: autoclear then follows it */
	char dev[64];

	if (s->device)
		snprintf(dev, sizeof(dev), "%s", s->backing);
	else if (!ovl_loop_find(s->backing, dev, sizeof(dev)) &&
		 (loop = ovl_loop_attach(bfd, s->backing, dev, sizeof(dev), err)) < 0)
		return loop;
	if (mount_quota(dev, store, s->fs, first, log, err) < 0)
		return -err->code;
	vsl_debug(log, "store %s: mounted %s (%s on %s)", store, s->backing, s->fs, dev);
	return 0;
}

static int lock_backing(const char *path, int *out_fd, struct vsl_err *err)
{
	cleanup_close int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return vsl_fail(err, errno, "open %s", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return vsl_fail(err, errno, "lock %s", path);
	*out_fd = vsl_steal_fd(&fd);
	return 0;
}

int vsl_ovl_store_ensure(const char *store, const struct vsl_log *log, struct vsl_err *err)
{
	struct ovl_storefs s = {0};
	cleanup_close int bfd = -1;
	int r;

	if (ovl_is_mountpoint(store))
		return 0;
	r = read_record(store, &s, err);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0; /* a plain directory store (or none yet) */
	if (r < 0)
		return vsl_wrap(err, "store %s", store);
	r = lock_backing(s.backing, &bfd, err);
	/* Another command may have mounted it while this one waited for the lock. */
	if (r == 0 && !ovl_is_mountpoint(store))
		r = mount_record(store, &s, bfd, false, log, err);
	ovl_storefs_clear(&s);
	return r < 0 ? vsl_wrap(err, "store %s (store.json)", store) : 0;
}

int vsl_ovl_store_open(const char *store, char **out_abs, const struct vsl_log *log,
		       struct vsl_err *err)
{
	char *abs;
	int r;

	if ((r = vsl_mkdir_p(store, 0755, err)) < 0 ||
	    (r = vsl_ovl_store_ensure(store, log, err)) < 0)
		return r;
	abs = realpath(store, NULL);
	if (!abs)
		return vsl_fail(err, errno, "store %s", store);
	*out_abs = abs;
	return 0;
}

/* ---- store init ---- */

static bool skip_name(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..");
}

static bool empty_dir(const char *path)
{
	cleanup_dir DIR *d = opendir(path);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (!skip_name(e->d_name))
			return false;
	return d != NULL;
}

/* Nothing but empty directories and the lock file: the new filesystem would hide the rest. */
static int check_empty(const char *store, struct vsl_err *err)
{
	cleanup_dir DIR *d = opendir(store);
	struct dirent *e;

	if (!d)
		return vsl_fail(err, errno, "open %s", store);
	while ((e = readdir(d))) {
		cleanup_free char *path = NULL;

		if (skip_name(e->d_name) || !strcmp(e->d_name, ".lock"))
			continue;
		path = xasprintf("%s/%s", store, e->d_name);
		if (empty_dir(path))
			continue;
		return vsl_refuse(err, ENOTEMPTY,
				  "store %s is not empty (%s): the new filesystem would hide what "
				  "is there; move it away first",
				  store, e->d_name);
	}
	return 0;
}

/* The backing: an unused block device, or a new sparse file of the size asked for (default:
 * the free space where it is made). */
static int make_backing(const struct vsl_ovl_store_init_req *req, struct ovl_storefs *s,
			bool *created, struct vsl_err *err)
{
	cleanup_close int fd = -1;
	struct statvfs sv;
	struct stat st;

	if (stat(s->backing, &st) == 0) {
		if (!S_ISBLK(st.st_mode))
			return vsl_refuse(err, EEXIST,
					  "%s exists: give a block device or a new file",
					  s->backing);
		if (req->size)
			return vsl_refuse(err, EINVAL, "--size is for a new file, not device %s",
					  s->backing);
		/* O_EXCL on a block device: EBUSY while it is mounted or held. */
		fd = open(s->backing, O_RDONLY | O_EXCL | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, BLKGETSIZE64, &s->size) < 0)
			return vsl_fail(err, errno, "device %s", s->backing);
		s->device = true;
		return 0;
	}
	s->size = req->size;
	if (!s->size) {
		cleanup_free char *copy = xstrdup(s->backing);
		char *slash = strrchr(copy, '/');

		*slash = '\0';
		if (statvfs(copy[0] ? copy : "/", &sv) < 0)
			return vsl_fail(err, errno, "statvfs %s", copy);
		s->size = ((uint64_t)sv.f_bavail * sv.f_frsize) & ~((1ULL << 30) - 1);
	}
	s->size &= ~4095ULL;
	fd = open(s->backing, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return vsl_fail(err, errno, "create %s", s->backing);
	*created = true;
	if (ftruncate(fd, (off_t)s->size) < 0)
		return vsl_fail(err, errno, "size %s", s->backing);
	return 0;
}

static int run_mkfs(const struct ovl_storefs *s, struct vsl_err *err)
{
	/* No -f / -F: mkfs refuses a device that already holds a filesystem. */
	char *xfs[] = {"/usr/sbin/mkfs.xfs", "-q",	 "-L", "vessel", "-m",
		       "reflink=1",	     s->backing, NULL};
	char *ext4[] = {"/usr/sbin/mkfs.ext4",
			"-q",
			"-L",
			"vessel",
			"-m",
			"0",
			"-O",
			"quota,project",
			"-E",
			"quotatype=prjquota,lazy_itable_init=1,lazy_journal_init=1",
			s->backing,
			NULL};

	return ovl_run(strcmp(s->fs, "xfs") == 0 ? xfs : ext4, err);
}

/* The new filesystem's root: the owner and mode of the directory it covers, the store's
 * folders, and the second copy of the record. */
static int fill_root(const char *store, const struct stat *under, const struct ovl_storefs *s,
		     struct vsl_err *err)
{
	static const char *const dirs[] = {"templates", "containers", "projects"};

	if (chown(store, under->st_uid, under->st_gid) < 0 ||
	    chmod(store, under->st_mode & 07777) < 0)
		return vsl_fail(err, errno, "chown %s", store);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		cleanup_free char *d = xasprintf("%s/%s", store, dirs[i]);

		if (mkdir(d, i == 0 ? 0755 : 0700) < 0 && errno != EEXIST)
			return vsl_fail(err, errno, "mkdir %s", d);
	}
	return write_record(store, s, err);
}

/* Everything after the backing exists: mkfs, the record underneath, the mount, the root. */
static int init_fs(const char *store, const struct ovl_storefs *s, const struct vsl_log *log,
		   struct vsl_err *err)
{
	cleanup_free char *under = xasprintf("%s/" RECORD, store);
	cleanup_close int bfd = -1;
	struct vsl_err tmp;
	struct stat st;
	int r;

	if (stat(store, &st) < 0)
		return vsl_fail(err, errno, "stat %s", store);
	r = lock_backing(s->backing, &bfd, err);
	if (r == 0)
		r = run_mkfs(s, err);
	if (r == 0)
		r = write_record(store, s, err);
	if (r == 0 && (r = mount_record(store, s, bfd, true, log, err)) < 0)
		unlink(under);
	if (r == 0 && (r = fill_root(store, &st, s, err)) < 0) {
		if (umount2(store, UMOUNT_NOFOLLOW) < 0)
			vsl_fail(&tmp, errno, "unmount %s", store);
		unlink(under);
	}
	return r;
}

/* An absolute path for p, which need not exist. */
static char *abs_path(const char *p)
{
	char cwd[4096];

	if (p[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return xstrdup(p);
	return xasprintf("%s/%s", cwd, p);
}

static bool has_record(const char *store)
{
	struct ovl_storefs s = {0};
	struct vsl_err tmp;
	int r = read_record(store, &s, &tmp);

	ovl_storefs_clear(&s);
	return r != -ENOENT;
}

int vsl_ovl_store_init(const struct vsl_ovl_store_init_req *req, struct vsl_err *err)
{
	cleanup_free char *store = NULL;
	struct ovl_storefs s = {0};
	bool created = false;
	int r;

	s.fs = xstrdup(req->fs ? req->fs : "xfs");
	if (strcmp(s.fs, "xfs") && strcmp(s.fs, "ext4")) {
		r = vsl_refuse(err, EINVAL, "--fs %s: xfs or ext4", s.fs);
		goto out;
	}
	if ((r = vsl_mkdir_p(req->store, 0755, err)) < 0)
		goto out;
	store = realpath(req->store, NULL);
	if (!store) {
		r = vsl_fail(err, errno, "store %s", req->store);
		goto out;
	}
	if (ovl_is_mountpoint(store) || has_record(store)) {
		r = vsl_refuse(err, EEXIST, "store %s: already has a filesystem of its own", store);
		goto out;
	}
	if ((r = check_empty(store, err)) < 0)
		goto out;
	s.backing = req->backing ? realpath(req->backing, NULL) : NULL;
	if (!s.backing)
		s.backing = req->backing ? abs_path(req->backing) : xasprintf("%s.img", store);
	s.created = ovl_now();
	r = make_backing(req, &s, &created, err);
	if (r == 0)
		r = init_fs(store, &s, req->log, err);
	if (r < 0 && created)
		unlink(s.backing);
out:
	ovl_storefs_clear(&s);
	return r < 0 ? vsl_wrap(err, "store init") : 0;
}
