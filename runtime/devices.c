/* Device nodes in the container: linux.devices, the default devices of config-linux.md
 * (null zero full random urandom tty), the /dev symlinks of runtime-linux.md, /dev/ptmx
 * and /dev/shm. In a user namespace char and block devices cannot be made with mknod:
 * the default ones are the host's nodes bind-mounted onto an empty file, those of
 * linux.devices are made by vessel on a tmpfs of the host (vsl_devices_make_host, as crun
 * does) with their mode and owners, and moved in. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/paths.h"
#include "runtime/rootfs.h"
#include "runtime/userns.h"

struct dev_req {
	const char *path;	/* in the container */
	mode_t type;		/* S_IFCHR, S_IFBLK, S_IFIFO */
	dev_t rdev;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	bool strict;		/* an existing different file is an error (linux.devices) */
	int tree;		/* a detached mount of the node made on the host, or -1 */
};

static const struct {
	const char *path;
	unsigned int major, minor;
} default_devices[] = {
	{ "/dev/null", 1, 3 },	  { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
	{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static const struct {
	const char *target, *name;
} dev_symlinks[] = {
	{ "/proc/self/fd", "fd" },	 { "/proc/self/fd/0", "stdin" },
	{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
	{ "/proc/kcore", "core" },
};

static bool same_device(const struct stat *st, const struct dev_req *d)
{
	if ((st->st_mode & S_IFMT) != d->type)
		return false;
	return d->type == S_IFIFO || st->st_rdev == d->rdev;
}

/* Split "/a/b/name": resolve (creating) the parent inside the root; *name points into
 * path. */
static int open_parent(int rootfd, const char *path, const char **name, struct vsl_err *err)
{
	cleanup_free char *clean = vsl_path_clean(path);
	char *slash = strrchr(clean, '/');
	const char *base = strrchr(path, '/');

	*name = base ? base + 1 : path;
	if (!**name || !strcmp(*name, ".") || !strcmp(*name, ".."))
		return vsl_fail(err, EINVAL, "device %s: not a file path", path);
	*slash = '\0';
	return vsl_path_mkpath(rootfd, *clean ? clean : "/", VSL_PATH_DIR, err);
}

/* An empty file at name to mount a node onto. */
static int mount_point(int parent, const char *name, const struct dev_req *d,
		       struct vsl_err *err)
{
	int target;

	if (mknodat(parent, name, S_IFREG | 0644, 0) < 0 && errno != EEXIST)
		return vsl_fail(err, errno, "device %s: create mount point", d->path);
	target = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0)
		return vsl_fail(err, errno, "device %s: open mount point", d->path);
	return target;
}

/* Bind the host's node of the same path onto an empty file (user namespaces), or move the
 * node made on the host for it (d->tree) there. */
static int bind_host_device(int parent, const char *name, const struct dev_req *d,
			    const char *host_path, struct vsl_err *err)
{
	cleanup_close int src = -1, target = -1;
	struct stat st;

	if (d->tree >= 0) {
		target = mount_point(parent, name, d, err);
		return target < 0 ? target : vsl_mount_move(d->tree, target, d->path, err);
	}
	src = open(host_path, O_PATH | O_CLOEXEC);
	if (src < 0 || fstat(src, &st) < 0)
		return vsl_fail(err, errno, "device %s: host node %s", d->path, host_path);
	if (!same_device(&st, d))
		return vsl_fail(err, ENODEV, "device %s: host %s is not device %u:%u", d->path,
				host_path, major(d->rdev), minor(d->rdev));
	target = mount_point(parent, name, d, err);
	if (target < 0)
		return target;
	return vsl_mount_bind_fd(src, target, false, d->path, err);
}

static int make_node(int parent, const char *name, const struct dev_req *d, struct vsl_err *err)
{
	if (mknodat(parent, name, d->type | (d->mode & 07777), d->rdev) < 0)
		return vsl_fail(err, errno, "device %s: mknod", d->path);
	/* mknod obeys the umask; the name was just made by us and is not a symlink. */
	if (fchmodat(parent, name, d->mode & 07777, 0) < 0)
		return vsl_fail(err, errno, "device %s: chmod", d->path);
	if (fchownat(parent, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return vsl_fail(err, errno, "device %s: chown", d->path);
	return 0;
}

static int create_device(const struct vsl_rootfs_opts *o, int rootfd, const struct dev_req *d,
			 struct vsl_err *err)
{
	const char *name;
	cleanup_close int parent = open_parent(rootfd, d->path, &name, err);
	struct stat st;
	bool bind = (o->new_userns || d->tree >= 0) && d->type != S_IFIFO;

	if (parent < 0)
		return parent;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (same_device(&st, d))
			return 0;
		if (d->strict || !S_ISREG(st.st_mode))
			return vsl_fail(err, EEXIST, "device %s: a different file exists there",
					d->path);
		/* A placeholder file in the rootfs: cover it with the real node. */
		bind = true;
	} else if (errno != ENOENT) {
		return vsl_fail(err, errno, "device %s: stat", d->path);
	}
	if (bind)
		return bind_host_device(parent, name, d, d->path, err);
	return make_node(parent, name, d, err);
}

static int config_device(const struct vsl_device *dev, struct dev_req *d, struct vsl_err *err)
{
	if (!dev->type || !dev->path || dev->path[0] != '/')
		return vsl_fail(err, EINVAL, "linux.devices: an entry needs a type and an "
				"absolute path");
	switch (dev->type[0]) {
	case 'c':
	case 'u':
		d->type = S_IFCHR;
		break;
	case 'b':
		d->type = S_IFBLK;
		break;
	case 'p':
		d->type = S_IFIFO;
		break;
	default:
		return vsl_fail(err, EINVAL, "device %s: unknown type %s", dev->path, dev->type);
	}
	d->path = dev->path;
	d->rdev = d->type == S_IFIFO ? 0 : makedev(dev->major, dev->minor);
	d->mode = dev->has_file_mode ? dev->file_mode : 0666;
	d->uid = dev->has_uid ? dev->uid : 0;
	d->gid = dev->has_gid ? dev->gid : 0;
	d->strict = true;
	d->tree = -1;
	return 0;
}

/* Container ids of a node's owner -> host ids, through the config's maps. */
static int host_owner(const struct vsl_config *cfg, const struct dev_req *d, uid_t *uid,
		      gid_t *gid, struct vsl_err *err)
{
	const struct vsl_linux *l = &cfg->linux;
	int64_t u = vsl_userns_host_id(l->uid_mappings, l->n_uid_mappings, d->uid);
	int64_t g = vsl_userns_host_id(l->gid_mappings, l->n_gid_mappings, d->gid);

	if (u < 0 || g < 0)
		return vsl_refuse(err, EINVAL, "device %s: %s %u is not mapped in the user "
				  "namespace", d->path, u < 0 ? "uid" : "gid",
				  u < 0 ? d->uid : d->gid);
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 0;
}

/* One node under dir, named by its index, with the exact mode and the host owner. */
static int make_host_node(const struct vsl_config *cfg, int dir, size_t i,
			  const struct dev_req *d, struct vsl_err *err)
{
	char name[24];
	uid_t uid = 0;
	gid_t gid = 0;
	int r = host_owner(cfg, d, &uid, &gid, err);

	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "%zu", i);
	if (mknodat(dir, name, d->type | (d->mode & 07777), d->rdev) < 0)
		return vsl_fail(err, errno, "device %s: mknod", d->path);
	if (fchmodat(dir, name, d->mode & 07777, 0) < 0)
		return vsl_fail(err, errno, "device %s: chmod", d->path);
	if (fchownat(dir, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return vsl_fail(err, errno, "device %s: chown to %u:%u", d->path, uid, gid);
	r = (int)open_tree(dir, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (r < 0)
		return vsl_fail(err, errno, "device %s: open_tree", d->path);
	return r;
}

bool vsl_devices_made_on_host(const struct vsl_config *cfg)
{
	if (!cfg->linux.namespaces[VSL_NS_USER].present || !vsl_rootfs_has_mntns(cfg) ||
	    vsl_mounts_bind_dev(cfg))
		return false;
	for (size_t i = 0; i < cfg->linux.n_devices; i++)
		if (cfg->linux.devices[i].type && cfg->linux.devices[i].type[0] != 'p')
			return true;
	return false;
}

int vsl_devices_make_host(const struct vsl_config *cfg, int dir,
			  int (*got)(void *arg, size_t i, int fd, struct vsl_err *err), void *arg,
			  struct vsl_err *err)
{
	for (size_t i = 0; i < cfg->linux.n_devices; i++) {
		struct dev_req d;
		int r = config_device(&cfg->linux.devices[i], &d, err), tree;

		if (r < 0)
			return vsl_wrap(err, "linux.devices[%zu]", i);
		if (d.type == S_IFIFO)
			continue;
		tree = make_host_node(cfg, dir, i, &d, err);
		if (tree < 0)
			return vsl_wrap(err, "linux.devices[%zu]", i);
		r = got(arg, i, tree, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool listed(const struct vsl_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->linux.n_devices; i++) {
		cleanup_free char *a = vsl_path_clean(cfg->linux.devices[i].path ?: "");
		cleanup_free char *b = vsl_path_clean(path);

		if (strcmp(a, b) == 0)
			return true;
	}
	return false;
}

/* /dev/fd -> /proc/self/fd ... when the source exists after the mounts; /dev/ptmx ->
 * pts/ptmx; /dev/shm. */
static int dev_links(const struct vsl_rootfs_opts *o, int rootfd, struct vsl_err *err)
{
	cleanup_close int dev = vsl_path_mkpath(rootfd, "/dev", VSL_PATH_DIR, err);

	if (dev < 0)
		return dev;
	for (size_t i = 0; i < sizeof(dev_symlinks) / sizeof(dev_symlinks[0]); i++) {
		cleanup_close int src = vsl_path_open(rootfd, dev_symlinks[i].target,
						     O_PATH | O_NOFOLLOW, err);

		if (src < 0)
			continue;
		if (symlinkat(dev_symlinks[i].target, dev, dev_symlinks[i].name) < 0 &&
		    errno != EEXIST)
			return vsl_fail(err, errno, "symlink /dev/%s", dev_symlinks[i].name);
	}
	if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
		return vsl_fail(err, errno, "remove /dev/ptmx");
	if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
		return vsl_fail(err, errno, "symlink /dev/ptmx");
	if (mkdirat(dev, "shm", 01777) == 0) {
		if (fchmodat(dev, "shm", 01777, 0) < 0)
			return vsl_fail(err, errno, "chmod /dev/shm");
	} else if (errno != EEXIST) {
		return vsl_fail(err, errno, "mkdir /dev/shm");
	}
	if (o->cfg->process.terminal &&
	    mknodat(dev, "console", S_IFREG | 0600, 0) < 0 && errno != EEXIST)
		return vsl_fail(err, errno, "create /dev/console");
	return 0;
}

int vsl_devices_create(const struct vsl_rootfs_opts *o, int rootfd, struct vsl_err *err)
{
	const struct vsl_config *cfg = o->cfg;
	int r;

	for (size_t i = 0; i < cfg->linux.n_devices; i++) {
		struct dev_req d;

		r = config_device(&cfg->linux.devices[i], &d, err);
		if (r == 0 && o->dev_fds)
			d.tree = o->dev_fds[i];
		if (r == 0 && d.tree < 0 && o->new_userns && d.type != S_IFIFO)
			r = vsl_fail(err, EPROTO, "device %s: not made on the host", d.path);
		if (r == 0)
			r = create_device(o, rootfd, &d, err);
		if (r < 0)
			return vsl_wrap(err, "linux.devices[%zu]", i);
	}
	for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++) {
		struct dev_req d = {
			.path = default_devices[i].path,
			.type = S_IFCHR,
			.rdev = makedev(default_devices[i].major, default_devices[i].minor),
			.mode = 0666,
			.tree = -1,
		};

		if (listed(cfg, d.path))
			continue;
		r = create_device(o, rootfd, &d, err);
		if (r < 0)
			return r;
	}
	return dev_links(o, rootfd, err);
}
