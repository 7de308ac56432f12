/* cgroup / cgroup2 entries of config.json mounts. A v1 (or hybrid) host gets a tmpfs with
 * one directory per host hierarchy, each a bind of the container's cgroup (or, with a new
 * cgroup namespace, a new mount of that hierarchy), plus the host's alias symlinks
 * (cpu -> cpu,cpuacct). A v2 host gets a cgroup2 mount with a new cgroup namespace, else a
 * bind of the container's cgroup. Without a known cgroup path the host hierarchy is bound
 * read-only; a writable mount leaves out a hierarchy where the container has no cgroup. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/mount_plan.h"
#include "runtime/paths.h"
#include "runtime/rootfs.h"

#define HOST_CGROUP "/sys/fs/cgroup"

/* Bind host_dir (+ the container's cgroup path when it exists) onto target. */
static int bind_cgroup_dir(const struct vsl_mount_plan *p, const struct vsl_rootfs_opts *o,
			   const char *host_dir, int target, const char *what, struct vsl_err *err)
{
	cleanup_free char *path = NULL;
	cleanup_close int src = -1, tree = -1;
	uint64_t set, clr;
	bool whole = !o->cgroup_path;
	int r;

	if (o->cgroup_path) {
		path = xasprintf("%s/%s", host_dir, o->cgroup_path);
		src = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (src < 0 && errno != ENOENT)
			return vsl_fail(err, errno, "%s: open %s", what, path);
		/* A hierarchy the cgroup manager does not use (name=systemd, ...). */
		whole = src < 0;
		if (whole)
			vsl_debug(o->log, "%s: %s missing, binding %s read-only", what, path,
				  host_dir);
	}
	if (src < 0)
		src = open(host_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (src < 0)
		return vsl_fail(err, errno, "%s: open %s", what, host_dir);
	tree = open_tree(src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		return vsl_fail(err, errno, "%s: open_tree %s", what, path ? path : host_dir);
	vsl_mount_flags_to_attr(p->flags, p->cleared, &set, &clr);
	if (whole) {
		set |= MOUNT_ATTR_RDONLY;
		clr &= ~(uint64_t)MOUNT_ATTR_RDONLY;
	}
	r = vsl_mount_setattr(tree, false, set, clr, 0, what, err);
	if (r == 0)
		r = vsl_mount_move(tree, target, what, err);
	return r;
}

/* Superblock options of a v1 hierarchy as mount data: its controllers and name=, without
 * rw/ro and the per-superblock settings a new mount would conflict on. */
static char *v1_mount_data(const char *superopts)
{
	cleanup_free char *copy = xstrdup(superopts);
	char *out = xzalloc(strlen(superopts) + 1), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "rw") || !strcmp(t, "ro") || !strcmp(t, "xattr") ||
		    !strcmp(t, "clone_children") || !strcmp(t, "noprefix") ||
		    vsl_str_has_prefix(t, "release_agent="))
			continue;
		if (*out)
			strcat(out, ",");
		strcat(out, t);
	}
	return out;
}

/* Has the container no directory of its own in this hierarchy (the cgroup manager does
 * not use it, or could not make one: the unified tree of a hybrid host)? */
static bool own_dir_missing(const struct vsl_rootfs_opts *o, const char *host_dir)
{
	cleanup_free char *path = xasprintf("%s/%s", host_dir, o->cgroup_path);
	struct stat st;

	return stat(path, &st) < 0 && errno == ENOENT;
}

static int mount_hierarchy(const struct vsl_mount_plan *p, const struct vsl_rootfs_opts *o,
			   int tmpfs, const struct vsl_mountinfo *m, struct vsl_err *err)
{
	const char *name = m->mountpoint + strlen(HOST_CGROUP "/");
	cleanup_free char *what = xasprintf("mounts[%zu] (%s/%s)", p->index, p->target, name);
	cleanup_close int target = -1;
	cleanup_free char *data = NULL;
	char proc[64];

	/* A writable /sys/fs/cgroup gets the container's own directory of each hierarchy or
	 * none: never the host's tree (a new mount in a cgroup namespace would be rooted at the
	 * creator's cgroup, writable), and not a read-only stand-in, which makes systemd give
	 * up (exit 255). Left out, as runc does with unified. */
	if (o->cgroup_path && !(p->flags & MS_RDONLY) && own_dir_missing(o, m->mountpoint)) {
		vsl_debug(o->log, "%s: no cgroup of the container there, left out", what);
		return 0;
	}
	target = vsl_path_mkpath(tmpfs, name, VSL_PATH_DIR, err);
	if (target < 0)
		return vsl_wrap(err, "%s", what);
	if (!o->new_cgroupns)
		return bind_cgroup_dir(p, o, m->mountpoint, target, what, err);
	data = strcmp(m->fstype, "cgroup") == 0 ? v1_mount_data(m->superopts) : NULL;
	if (mount(m->fstype, vsl_path_fd_proc(target, proc, sizeof(proc)), m->fstype, p->flags,
		  data) < 0)
		return vsl_fail(err, errno, "%s: mount %s %s", what, m->fstype, data ? data : "");
	return 0;
}

/* The host's alias symlinks (cpu -> cpu,cpuacct) into the new tmpfs. */
static int copy_symlinks(int tmpfs, const char *what, struct vsl_err *err)
{
	cleanup_dir DIR *d = opendir(HOST_CGROUP);
	struct dirent *e;

	if (!d)
		return vsl_fail(err, errno, "%s: open %s", what, HOST_CGROUP);
	while ((e = readdir(d))) {
		char link[NAME_MAX + 1];
		ssize_t n;

		if (e->d_type != DT_LNK)
			continue;
		n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strchr(link, '/'))
			continue;
		if (symlinkat(link, tmpfs, e->d_name) < 0 && errno != EEXIST)
			return vsl_fail(err, errno, "%s: symlink %s", what, e->d_name);
	}
	return 0;
}

static bool is_host_hierarchy(const struct vsl_mountinfo *m)
{
	const char *name;

	if (strcmp(m->fstype, "cgroup") != 0 && strcmp(m->fstype, "cgroup2") != 0)
		return false;
	if (!vsl_str_has_prefix(m->mountpoint, HOST_CGROUP "/"))
		return false;
	name = m->mountpoint + strlen(HOST_CGROUP "/");
	return *name && !strchr(name, '/') && strcmp(name, "..") != 0 && strcmp(name, ".") != 0;
}

static int mount_v1(const struct vsl_mount_plan *p, const struct vsl_rootfs_opts *o,
		    int rootfd, int target, const char *what, struct vsl_err *err)
{
	struct vsl_mountinfo *mi = NULL;
	cleanup_close int tmpfs = -1;
	size_t n = 0;
	char proc[64];
	int r;

	if (mount("tmpfs", vsl_path_fd_proc(target, proc, sizeof(proc)), "tmpfs",
		  p->flags & ~MS_RDONLY, "mode=755") < 0)
		return vsl_fail(err, errno, "%s: mount tmpfs", what);
	tmpfs = vsl_path_open(rootfd, p->target, O_PATH | O_DIRECTORY, err);
	if (tmpfs < 0)
		return vsl_wrap(err, "%s", what);
	r = vsl_mountinfo_read(&mi, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (is_host_hierarchy(&mi[i]))
			r = mount_hierarchy(p, o, tmpfs, &mi[i], err);
	vsl_mountinfo_free(mi, n);
	if (r == 0)
		r = copy_symlinks(tmpfs, what, err);
	if (r == 0 && (p->flags & MS_RDONLY))
		r = vsl_mount_setattr(tmpfs, false, MOUNT_ATTR_RDONLY, 0, 0, what, err);
	if (r == 0 && p->propagation)
		r = vsl_mount_setattr(tmpfs, p->propagation & MS_REC, 0, 0,
				      p->propagation & ~MS_REC, what, err);
	return r;
}

static int mount_v2(const struct vsl_mount_plan *p, const struct vsl_rootfs_opts *o,
		    int rootfd, int target, const char *what, struct vsl_err *err)
{
	cleanup_close int mnt = -1;
	char proc[64];
	int r;

	if (!o->new_cgroupns) {
		r = bind_cgroup_dir(p, o, HOST_CGROUP, target, what, err);
	} else if (mount("cgroup2", vsl_path_fd_proc(target, proc, sizeof(proc)), "cgroup2",
			 p->flags, p->data) < 0) {
		r = vsl_fail(err, errno, "%s: mount cgroup2", what);
	} else {
		r = 0;
	}
	if (r < 0 || !p->propagation)
		return r;
	mnt = vsl_path_open(rootfd, p->target, O_PATH, err);
	if (mnt < 0)
		return vsl_wrap(err, "%s", what);
	return vsl_mount_setattr(mnt, p->propagation & MS_REC, 0, 0, p->propagation & ~MS_REC,
				 what, err);
}

int vsl_cgroup_mount(const struct vsl_mount_plan *p, const struct vsl_rootfs_opts *o,
		     int rootfd, const char *what, struct vsl_err *err)
{
	cleanup_close int target = vsl_path_mkpath(rootfd, p->target, VSL_PATH_DIR, err);
	struct statfs sfs;

	if (target < 0)
		return vsl_wrap(err, "%s", what);
	if (statfs(HOST_CGROUP, &sfs) < 0)
		return vsl_fail(err, errno, "%s: statfs %s", what, HOST_CGROUP);
	if (sfs.f_type == CGROUP2_SUPER_MAGIC)
		return mount_v2(p, o, rootfd, target, what, err);
	return mount_v1(p, o, rootfd, target, what, err);
}
