/* Applies config mounts (runtime/mount_plan.h) under the rootfs. Targets are resolved and
 * created inside the root (runtime/paths.h); binds go through open_tree (of the source fd
 * opened before any mount, with the host's credentials) + move_mount onto the resolved fd,
 * new filesystems through mount(2) onto /proc/self/fd/N of it, and later attribute and
 * propagation changes through mount_setattr, which changes only what the options asked
 * for (so locked flags of a source in a user namespace are kept). */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/lsm.h"
#include "runtime/mount_plan.h"
#include "runtime/paths.h"
#include "runtime/rootfs.h"

static void plan_clearp(struct vsl_mount_plan *p)
{
	vsl_mount_plan_clear(p);
}

int vsl_mount_move(int tree, int target, const char *what, struct vsl_err *err)
{
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return vsl_fail(err, errno, "%s: move_mount", what);
	return 0;
}

int vsl_mount_setattr(int fd, bool recursive, uint64_t set, uint64_t clr, unsigned long prop,
		      const char *what, struct vsl_err *err)
{
	struct mount_attr attr = { .attr_set = set, .attr_clr = clr, .propagation = prop };
	unsigned int flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);

	if (!set && !clr && !prop)
		return 0;
	if (mount_setattr(fd, "", flags, &attr, sizeof(attr)) < 0)
		return vsl_fail(err, errno, "%s: mount_setattr", what);
	return 0;
}

/* Propagation flags from the plan (MS_SHARED|MS_REC...) on an attached mount. */
static int set_propagation(int fd, unsigned long prop, const char *what, struct vsl_err *err)
{
	if (!prop)
		return 0;
	return vsl_mount_setattr(fd, prop & MS_REC, 0, 0, prop & ~MS_REC, what, err);
}

int vsl_mount_bind_fd(int src_fd, int target, bool recursive, const char *what,
		      struct vsl_err *err)
{
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
	cleanup_close int tree = open_tree(src_fd, "", flags | (recursive ? AT_RECURSIVE : 0));

	if (tree < 0)
		return vsl_fail(err, errno, "%s: open_tree", what);
	return vsl_mount_move(tree, target, what, err);
}

/* A bind mount may only cover something under /proc when it comes from procfs itself or
 * is one of the files lxcfs-like tools replace (runc's rule): binding a host file over
 * /proc/self/attr/... would defeat the LSM. */
static int check_proc_target(const struct vsl_mount_plan *p, int src_fd, const char *what,
			     struct vsl_err *err)
{
	static const char *const allowed[] = {
		"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",
		"/proc/swaps",   "/proc/uptime",    "/proc/loadavg", "/proc/slabinfo",
		"/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
	};
	struct statfs sfs;

	if (!vsl_str_has_prefix(p->target, "/proc/"))
		return 0;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcmp(p->target, allowed[i]) == 0)
			return 0;
	if (fstatfs(src_fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC)
		return 0;
	return vsl_fail(err, EPERM, "%s: a bind mount over %s is not allowed", what, p->target);
}

int vsl_mounts_open_sources(const struct vsl_config *cfg, const char *bundle,
			    int (*got)(void *arg, size_t i, int fd, struct vsl_err *err), void *arg,
			    struct vsl_err *err)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		cleanup_with(plan_clearp) struct vsl_mount_plan p = { 0 };
		int r = vsl_mount_plan_build(&cfg->mounts[i], i, bundle, &p, err);
		int fd;

		if (r < 0)
			return r;
		if (p.kind != VSL_MOUNT_BIND)
			continue;
		fd = open(p.source, O_PATH | O_CLOEXEC);
		if (fd < 0)
			return vsl_fail(err, errno, "mounts[%zu] (%s): source %s", i, p.target,
					p.source);
		r = got(arg, i, fd, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* src: the source's fd from vsl_mounts_open_sources. */
static int mount_bind(const struct vsl_mount_plan *p, int src, int rootfd, const char *what,
		      struct vsl_err *err)
{
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
	cleanup_close int target = -1, tree = -1;
	struct stat sst, tst;
	int r;

	if (src < 0)
		return vsl_fail(err, EPROTO, "%s: source %s was not opened", what, p->source);
	if (fstat(src, &sst) < 0)
		return vsl_fail(err, errno, "%s: source %s", what, p->source);
	r = check_proc_target(p, src, what, err);
	if (r < 0)
		return r;
	target = vsl_path_mkpath(rootfd, p->target, S_ISDIR(sst.st_mode) ? VSL_PATH_DIR :
				 VSL_PATH_FILE, err);
	if (target < 0)
		return vsl_wrap(err, "%s", what);
	if (fstat(target, &tst) < 0)
		return vsl_fail(err, errno, "%s: stat target", what);
	if (S_ISDIR(sst.st_mode) != S_ISDIR(tst.st_mode))
		return vsl_fail(err, S_ISDIR(sst.st_mode) ? ENOTDIR : EISDIR,
				"%s: source %s is %sa directory but the target is %s", what,
				p->source, S_ISDIR(sst.st_mode) ? "" : "not ",
				S_ISDIR(tst.st_mode) ? "one" : "not");
	tree = open_tree(src, "", flags | (p->recursive ? AT_RECURSIVE : 0));
	if (tree < 0)
		return vsl_fail(err, errno, "%s: open_tree %s", what, p->source);
	/* Attributes go on the detached tree: the mount never appears with the wrong ones. */
	r = vsl_mount_setattr(tree, false, p->attr_set, p->attr_clr, 0, what, err);
	if (r == 0)
		r = vsl_mount_setattr(tree, true, p->rec_attr_set, p->rec_attr_clr, 0, what, err);
	if (r == 0)
		r = vsl_mount_move(tree, target, what, err);
	if (r == 0)
		r = set_propagation(tree, p->propagation, what, err);
	return r;
}

/* sysfs without a network namespace of our own (or in a user namespace that does not own
 * the network namespace) cannot be mounted fresh: bind the host's /sys, as runc does. */
static int bind_host_sys(const struct vsl_mount_plan *p, int target, const char *what,
			 struct vsl_err *err)
{
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE;
	cleanup_close int tree = open_tree(AT_FDCWD, "/sys", flags);
	uint64_t set, clr;
	int r;

	if (tree < 0)
		return vsl_fail(err, errno, "%s: open_tree /sys", what);
	vsl_mount_flags_to_attr(p->flags, p->cleared, &set, &clr);
	r = vsl_mount_setattr(tree, true, set, clr, 0, what, err);
	if (r == 0)
		r = vsl_mount_move(tree, target, what, err);
	return r;
}

/* data without the options starting with prefix (malloc'd). */
static char *drop_option(const char *data, const char *prefix)
{
	cleanup_free char *copy = xstrdup(data);
	char *out = xzalloc(strlen(data) + 1), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (vsl_str_has_prefix(t, prefix))
			continue;
		if (*out)
			strcat(out, ",");
		strcat(out, t);
	}
	return out;
}

/* mount(2) onto the resolved target. In a user namespace where gid 5 (tty) is not mapped
 * devpts refuses gid=5: mount it without, as runc and crun do. */
static int mount_at(const struct vsl_mount_plan *p, int target)
{
	cleanup_free char *data = NULL;
	char proc[64];

	vsl_path_fd_proc(target, proc, sizeof(proc));
	if (mount(p->source, proc, p->fstype, p->flags, p->data) == 0)
		return 0;
	if (errno != EINVAL || strcmp(p->fstype, "devpts") != 0 || !p->data ||
	    !strstr(p->data, "gid="))
		return -errno;
	data = drop_option(p->data, "gid=");
	return mount(p->source, proc, p->fstype, p->flags, data) < 0 ? -errno : 0;
}

static int mount_fs(const struct vsl_mount_plan *p, const struct vsl_rootfs_opts *o,
		    int rootfd, const char *what, struct vsl_err *err)
{
	cleanup_close int target = vsl_path_mkpath(rootfd, p->target, VSL_PATH_DIR, err);
	cleanup_close int mnt = -1, below = -1;
	bool sysfs = strcmp(p->fstype, "sysfs") == 0;
	struct stat st;
	int r;

	if (target < 0)
		return vsl_wrap(err, "%s", what);
	/* proc and sysfs only ever go on a real directory (a file or device target has
	 * been a way to confuse runtimes before). */
	if ((sysfs || strcmp(p->fstype, "proc") == 0) &&
	    (fstat(target, &st) < 0 || !S_ISDIR(st.st_mode)))
		return vsl_fail(err, ENOTDIR, "%s: %s must be a directory", what, p->target);
	if (p->tmpcopyup) {
		if (strcmp(p->fstype, "tmpfs") != 0)
			return vsl_fail(err, EINVAL, "%s: tmpcopyup needs type tmpfs", what);
		/* The directory the tmpfs will cover, held open to copy from. */
		below = openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (below < 0)
			return vsl_fail(err, errno, "%s: open %s", what, p->target);
	}
	r = mount_at(p, target);
	if (r < 0) {
		if (sysfs && (r == -EPERM || r == -EBUSY) && !o->new_netns)
			return bind_host_sys(p, target, what, err);
		return vsl_fail(err, -r, "%s: mount %s type %s%s%s", what, p->source, p->fstype,
				p->data ? " with " : "", p->data ? p->data : "");
	}
	if (!p->propagation && below < 0)
		return 0;
	mnt = vsl_path_open(rootfd, p->target, O_RDONLY | O_DIRECTORY, err);
	if (mnt < 0)
		return vsl_wrap(err, "%s", what);
	if (below >= 0) {
		r = vsl_tmpcopyup(below, mnt, what, err);
		if (r < 0)
			return r;
	}
	return set_propagation(mnt, p->propagation, what, err);
}

static int mount_one(const struct vsl_mount_plan *p, const struct vsl_rootfs_opts *o,
		     int rootfd, struct vsl_err *err)
{
	cleanup_free char *what = xasprintf("mounts[%zu] (%s)", p->index, p->target);

	if (strcmp(p->target, "/") == 0)
		return vsl_fail(err, EINVAL, "%s: a mount over the container root is not allowed",
				what);
	if (p->idmap || p->ridmap)
		return vsl_fail(err, EOPNOTSUPP, "%s: idmapped mounts (idmap, ridmap, "
				"uidMappings) are not supported by vessel", what);
	switch (p->kind) {
	case VSL_MOUNT_BIND:
		return mount_bind(p, o->src_fds ? o->src_fds[p->index] : -1, rootfd, what, err);
	case VSL_MOUNT_CGROUP:
		return vsl_cgroup_mount(p, o, rootfd, what, err);
	case VSL_MOUNT_FS:
		break;
	}
	return mount_fs(p, o, rootfd, what, err);
}

/* linux.mountLabel, as context= of a new filesystem that takes one (runtime/lsm.h). */
static void add_mount_label(struct vsl_mount_plan *p, const char *label)
{
	char *data = p->kind == VSL_MOUNT_FS && vsl_lsm_labels_fs(p->fstype) ?
			     vsl_lsm_mount_data(p->data, label) : NULL;

	if (!data)
		return;
	free(p->data);
	p->data = data;
}

int vsl_mounts_apply(const struct vsl_rootfs_opts *o, int rootfd, struct vsl_err *err)
{
	const struct vsl_config *cfg = o->cfg;

	for (size_t i = 0; i < cfg->n_mounts; i++) {
		cleanup_with(plan_clearp) struct vsl_mount_plan p = { 0 };
		int r = vsl_mount_plan_build(&cfg->mounts[i], i, o->bundle, &p, err);

		if (r == 0)
			add_mount_label(&p, cfg->linux.mount_label);
		if (r == 0)
			r = mount_one(&p, o, rootfd, err);
		if (r < 0)
			return r;
		vsl_debug(o->log, "mounted mounts[%zu] at %s", i, p.target);
	}
	return 0;
}

int vsl_mounts_repropagate(const struct vsl_config *cfg, int rootfd, struct vsl_err *err)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		cleanup_with(plan_clearp) struct vsl_mount_plan p = { 0 };
		cleanup_free char *what = NULL;
		cleanup_close int fd = -1;
		int r = vsl_mount_plan_build(&cfg->mounts[i], i, NULL, &p, err);

		if (r < 0)
			return r;
		if (!p.propagation)
			continue;
		what = xasprintf("mounts[%zu] (%s)", i, p.target);
		fd = vsl_path_open(rootfd, p.target, O_PATH, err);
		if (fd < 0)
			return vsl_wrap(err, "%s", what);
		r = set_propagation(fd, p.propagation, what, err);
		if (r < 0)
			return r;
	}
	return 0;
}

bool vsl_mounts_bind_dev(const struct vsl_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct vsl_mount *m = &cfg->mounts[i];
		cleanup_free char *dst = NULL;
		bool bind = m->type && strcmp(m->type, "bind") == 0;

		for (char **opt = m->options; opt && *opt && !bind; opt++)
			bind = strcmp(*opt, "bind") == 0 || strcmp(*opt, "rbind") == 0;
		if (!bind || !m->destination)
			continue;
		dst = vsl_path_clean(m->destination);
		if (strcmp(dst, "/dev") == 0)
			return true;
	}
	return false;
}

/* Decode the octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
static char *unescape(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

/* "id parent maj:min root mountpoint opts [optional...] - fstype source superopts" */
static int parse_mountinfo_line(char *line, struct vsl_mountinfo *m)
{
	char *f[6] = { 0 }, *sep, *save = NULL, *tok;
	int i = 0;

	sep = strstr(line, " - ");
	if (!sep)
		return -EINVAL;
	*sep = '\0';
	for (tok = line; i < 6; i++) {
		f[i] = strtok_r(i ? NULL : tok, " ", &save);
		if (!f[i])
			return -EINVAL;
	}
	m->root = unescape(f[3]);
	m->mountpoint = unescape(f[4]);
	m->optional = xstrdup(save ? save : "");
	save = NULL;
	tok = strtok_r(sep + 3, " \n", &save);
	m->fstype = xstrdup(tok ? tok : "");
	tok = strtok_r(NULL, " \n", &save);
	m->source = unescape(tok ? tok : "");
	tok = strtok_r(NULL, " \n", &save);
	m->superopts = xstrdup(tok ? tok : "");
	return 0;
}

int vsl_mountinfo_read(struct vsl_mountinfo **out, size_t *n, struct vsl_err *err)
{
	cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
	cleanup_free char *line = NULL;
	struct vsl_mountinfo *v = NULL;
	size_t cap = 0, len = 0;

	if (!f)
		return vsl_fail(err, errno, "open /proc/self/mountinfo");
	*n = 0;
	while (getline(&line, &cap, f) > 0) {
		struct vsl_mountinfo m = { 0 };

		if (parse_mountinfo_line(line, &m) < 0)
			continue;
		v = xrealloc(v, (len + 1) * sizeof(*v));
		v[len++] = m;
	}
	*out = v;
	*n = len;
	return 0;
}

void vsl_mountinfo_free(struct vsl_mountinfo *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].root);
		free(m[i].mountpoint);
		free(m[i].optional);
		free(m[i].fstype);
		free(m[i].source);
		free(m[i].superopts);
	}
	free(m);
}
