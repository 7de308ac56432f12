/* INTERIM, replaced by the rootfs helper's runtime/rootfs.c, mounts.c, paths.c: delete this
 * file when those land. A minimal but real rootfs: bind, config mounts with the basic
 * flags, pivot_root, hostname. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/rootfs.h"

static unsigned long basic_flags(char **opts, unsigned long flags)
{
	for (char **o = opts; o && *o; o++) {
		if (!strcmp(*o, "nosuid"))
			flags |= MS_NOSUID;
		else if (!strcmp(*o, "nodev"))
			flags |= MS_NODEV;
		else if (!strcmp(*o, "noexec"))
			flags |= MS_NOEXEC;
		else if (!strcmp(*o, "ro"))
			flags |= MS_RDONLY;
		else if (!strcmp(*o, "bind") || !strcmp(*o, "rbind"))
			flags |= MS_BIND | MS_REC;
	}
	return flags;
}

int vsl_rootfs_prepare(const struct vsl_rootfs_opts *o, struct vsl_err *err)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return vsl_fail(err, errno, "make / rslave");
	if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return vsl_fail(err, errno, "bind rootfs %s", o->rootfs);
	for (size_t i = 0; i < o->cfg->n_mounts; i++) {
		const struct vsl_mount *m = &o->cfg->mounts[i];
		cleanup_free char *dst = xasprintf("%s%s", o->rootfs, m->destination);
		unsigned long flags = basic_flags(m->options, 0);
		if (vsl_mkdir_p(dst, 0755, err) < 0)
			return vsl_wrap(err, "mounts[%zu]", i);
		if (mount(m->source, dst, m->type, flags & ~MS_RDONLY, NULL) < 0)
			return vsl_fail(err, errno, "mounts[%zu]: mount %s on %s", i,
					m->source ? m->source : "none", m->destination);
	}
	return 0;
}

int vsl_rootfs_enter(const struct vsl_rootfs_opts *o, struct vsl_err *err)
{
	if (chdir(o->rootfs) < 0)
		return vsl_fail(err, errno, "chdir %s", o->rootfs);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return vsl_fail(err, errno, "pivot_root %s", o->rootfs);
	if (umount2(".", MNT_DETACH) < 0)
		return vsl_fail(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return vsl_fail(err, errno, "chdir /");
	return 0;
}

int vsl_rootfs_set_names(const struct vsl_config *cfg, struct vsl_err *err)
{
	if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
		return vsl_fail(err, errno, "hostname %s", cfg->hostname);
	return 0;
}

int vsl_sysctl_apply(const struct vsl_config *cfg, struct vsl_err *err)
{
	return 0;
}
