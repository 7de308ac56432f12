/* Hostname, domainname and linux.sysctl, in the container's namespaces. A sysctl is only
 * allowed when the namespace it belongs to is the container's own (runc's rules), so a
 * container can never change a host-wide setting. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/rootfs.h"

int vsl_rootfs_set_names(const struct vsl_config *cfg, struct vsl_err *err)
{
	bool uts = cfg->linux.namespaces[VSL_NS_UTS].present;

	if ((cfg->hostname && *cfg->hostname) || (cfg->domainname && *cfg->domainname)) {
		if (!uts)
			return vsl_fail(err, EINVAL, "hostname/domainname need a uts namespace "
					"in linux.namespaces");
	}
	if (cfg->hostname && *cfg->hostname &&
	    sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
		return vsl_fail(err, errno, "set hostname %s", cfg->hostname);
	if (cfg->domainname && *cfg->domainname &&
	    setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
		return vsl_fail(err, errno, "set domainname %s", cfg->domainname);
	return 0;
}

char *vsl_sysctl_path(const char *key)
{
	char *path = xstrdup(key);
	bool slashes = strchr(key, '/') != NULL;
	char *c = path;

	if (!slashes)
		for (char *p = path; *p; p++)
			if (*p == '.')
				*p = '/';
	/* Every component: non-empty, not "." or "..". */
	while (*c) {
		char *end = strchrnul(c, '/');
		size_t n = (size_t)(end - c);

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			goto bad;
		c = *end ? end + 1 : end;
		if (*end && !*c)
			goto bad;
	}
	if (*path)
		return path;
bad:
	free(path);
	return NULL;
}

static const char *const ipc_sysctls[] = {
	"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
	"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

/* Which namespace a sysctl belongs to; -1: none (host-wide). Keys are normalized to dots. */
static int sysctl_namespace(const char *key, const char **ns_name)
{
	cleanup_free char *k = xstrdup(key);

	for (char *p = k; *p; p++)
		if (*p == '/')
			*p = '.';
	*ns_name = "ipc";
	for (size_t i = 0; i < sizeof(ipc_sysctls) / sizeof(ipc_sysctls[0]); i++)
		if (strcmp(k, ipc_sysctls[i]) == 0)
			return VSL_NS_IPC;
	if (vsl_str_has_prefix(k, "fs.mqueue."))
		return VSL_NS_IPC;
	*ns_name = "network";
	if (vsl_str_has_prefix(k, "net."))
		return VSL_NS_NET;
	*ns_name = "uts";
	if (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0)
		return VSL_NS_UTS;
	return -1;
}

/* The uts sysctls must not undo the hostname and domainname fields (runc and crun refuse
 * the same): kernel.hostname always (hostname is the field for it), kernel.domainname when
 * the domainname field says otherwise. path is the key as a path ("kernel/hostname"). */
static int check_names(const struct vsl_config *cfg, const struct vsl_kv *kv, const char *path,
		       struct vsl_err *err)
{
	const char *v = kv->value ? kv->value : "";

	if (strcmp(path, "kernel/hostname") == 0)
		return vsl_refuse(err, EINVAL, "linux.sysctl: %s is not allowed: set the "
				  "hostname field instead", kv->key);
	if (strcmp(path, "kernel/domainname") == 0 && cfg->domainname && *cfg->domainname &&
	    !vsl_sysctl_value_eq(v, cfg->domainname))
		return vsl_refuse(err, EINVAL, "linux.sysctl: %s \"%s\" conflicts with domainname "
				  "\"%s\"", kv->key, v, cfg->domainname);
	return 0;
}

int vsl_sysctl_validate(const struct vsl_config *cfg, struct vsl_err *err)
{
	for (size_t i = 0; i < cfg->linux.n_sysctl; i++) {
		const char *key = cfg->linux.sysctl[i].key;
		cleanup_free char *path = vsl_sysctl_path(key);
		const char *name = NULL;
		int ns = sysctl_namespace(key, &name);

		if (!path)
			return vsl_fail(err, EINVAL, "linux.sysctl: invalid key %s", key);
		if (check_names(cfg, &cfg->linux.sysctl[i], path, err) < 0)
			return -EINVAL;
		if (ns < 0)
			return vsl_fail(err, EINVAL, "linux.sysctl: %s is not in a separate kernel "
					"namespace", key);
		if (!cfg->linux.namespaces[ns].present)
			return vsl_fail(err, EINVAL, "linux.sysctl: %s needs a %s namespace in "
					"linux.namespaces", key, name);
	}
	return 0;
}

/* "a  b\tc\n" and "a b c" are the same value. Pure. */
bool vsl_sysctl_value_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '\t' || *a == '\n')
			a++;
		while (*b == ' ' || *b == '\t' || *b == '\n')
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		while (*a && *a == *b && *a != ' ' && *a != '\t' && *a != '\n') {
			a++;
			b++;
		}
		if (*a && *a != ' ' && *a != '\t' && *a != '\n')
			return false;
		if (*b && *b != ' ' && *b != '\t' && *b != '\n')
			return false;
	}
}

/* Writing only what differs makes apply idempotent: a second call after readonlyPaths
 * made /proc/sys read-only still succeeds. */
static bool already_set(int dir, const char *path, const char *want)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV,
	};
	cleanup_close int fd = (int)syscall(SYS_openat2, dir, path, &how, sizeof(how));
	char buf[4096];
	ssize_t n;

	if (fd < 0)
		return false;
	n = vsl_read_all(fd, buf, sizeof(buf) - 1);
	if (n < 0 || n == (ssize_t)sizeof(buf) - 1)
		return false;
	buf[n] = '\0';
	return vsl_sysctl_value_eq(buf, want);
}

int vsl_sysctl_apply(const struct vsl_config *cfg, struct vsl_err *err)
{
	cleanup_close int dir = -1;
	struct statfs sfs;
	int r;

	if (cfg->linux.n_sysctl == 0)
		return 0;
	r = vsl_sysctl_validate(cfg, err);
	if (r < 0)
		return r;
	dir = open("/proc/sys", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return vsl_fail(err, errno, "linux.sysctl: open /proc/sys");
	/* Never write into a look-alike file of the rootfs. */
	if (fstatfs(dir, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return vsl_fail(err, EINVAL, "linux.sysctl: /proc/sys is not a procfs");
	for (size_t i = 0; i < cfg->linux.n_sysctl; i++) {
		const struct vsl_kv *kv = &cfg->linux.sysctl[i];
		cleanup_free char *path = vsl_sysctl_path(kv->key);
		struct open_how how = {
			.flags = O_WRONLY | O_CLOEXEC,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV,
		};
		cleanup_close int fd = -1;
		const char *v = kv->value ? kv->value : "";

		if (already_set(dir, path, v))
			continue;
		fd = (int)syscall(SYS_openat2, dir, path, &how, sizeof(how));
		if (fd < 0)
			return vsl_fail(err, errno, "linux.sysctl: open %s", kv->key);
		r = vsl_write_all(fd, v, strlen(v));
		if (r < 0)
			return vsl_fail(err, -r, "linux.sysctl: write %s = %s", kv->key, v);
	}
	return 0;
}
