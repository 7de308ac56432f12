/* What a start prepares: the bundle's config.json from the definition and the host's facts,
 * and, once the layers are mounted, the VPS's own /etc files (its private layer, never the
 * template). Every path inside the VPS is resolved in its root (openat2 RESOLVE_IN_ROOT),
 * files are replaced by rename, never written through a tenant's symlink or fifo, and
 * every read is bounded. Also which init a template has, read the same careful way. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/overlay.h"
#include "runtime/paths.h"
#include "spec/json.h"
#include "vps/internal.h"

#define HOSTS_MAX (4 << 20)	/* block lists make big hosts files */
#define INIT_HEAD_MAX (8 << 20)

int vps_bundle_write(const struct vsl_vps_ctx *v, const struct vsl_vps_def *d,
		     struct vsl_err *err)
{
	cleanup_free char *bundle = vps_path(v->ctx->store, d->name, "bundle");
	cleanup_free char *rootfs = xasprintf("%s/rootfs", bundle);
	cleanup_free char *cfg = xasprintf("%s/config.json", bundle), *json = NULL;
	cleanup_strv char **caps = NULL;
	struct vsl_vps_host h = { 0 };
	unsigned ma = 0, mi = 0;
	int r;

	r = vps_host_caps(&caps, err);
	if (r < 0)
		return r;
	h.caps = caps;
	if (v->lxcfs && vps_lxcfs_usable(v->lxcfs, &h.lxcfs_cpu))
		h.lxcfs = v->lxcfs;
	if (d->limits.io_bps || d->limits.io_iops) {
		r = vsl_ovl_store_device(v->ctx->store, &ma, &mi, err);
		if (r < 0)
			return vsl_wrap(err, "VPS %s: --io-bps/--io-iops", d->name);
		h.io_dev = true;
		h.io_major = ma;
		h.io_minor = mi;
	}
	r = vsl_mkdir_p(bundle, 0700, err);
	if (r == 0)
		r = vsl_mkdir_p(rootfs, 0755, err);
	if (r < 0)
		return r;
	json = vsl_vps_bundle_config(d, &h);
	return vsl_write_file_atomic(cfg, json, strlen(json), 0600, err);
}

/* A regular file under dirfd, at most max bytes; *out NULL when absent. Never follows a
 * symlink nor blocks on a fifo. */
static int read_small(int dirfd, const char *name, size_t max, char **out, struct vsl_err *err)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
						   O_NOCTTY | O_CLOEXEC);
	struct stat st;
	char *buf;
	ssize_t n;

	*out = NULL;
	if (fd < 0 && (errno == ENOENT || errno == ELOOP))
		return 0;	/* absent, or a symlink: replaced below */
	if (fd < 0)
		return vsl_fail(err, errno, "/etc/%s", name);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return vsl_fail(err, EINVAL, "/etc/%s: not a regular file", name);
	if ((size_t)st.st_size > max)
		return vsl_fail(err, EFBIG, "/etc/%s: larger than %zu bytes", name, max);
	buf = xmalloc((size_t)st.st_size + 1);
	n = vsl_read_all(fd, buf, (size_t)st.st_size);
	if (n < 0) {
		free(buf);
		return vsl_fail(err, (int)-n, "/etc/%s: read", name);
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

/* Replace dirfd/name with data: a new file renamed over it. */
static int replace(int dirfd, const char *name, const char *data, struct vsl_err *err)
{
	cleanup_free char *tmp = xasprintf(".%s.vessel-new", name);
	cleanup_close int fd = -1;
	int r;

	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return vsl_fail(err, errno, "/etc/%s: create", name);
	r = vsl_write_all(fd, data, strlen(data));
	if (r == 0 && fchmod(fd, 0644) < 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dirfd, tmp, 0);
		return vsl_fail(err, -r, "/etc/%s: write", name);
	}
	return 0;
}

static int write_hostname(int etc, const char *hostname, struct vsl_err *err)
{
	cleanup_free char *old = NULL, *want = xasprintf("%s\n", hostname);
	int r = read_small(etc, "hostname", 4096, &old, err);

	if (r < 0 || (old && strcmp(old, want) == 0))
		return r;
	return replace(etc, "hostname", want, err);
}

static int write_hosts(int etc, const char *hostname, struct vsl_err *err)
{
	cleanup_free char *old = NULL, *want = NULL;
	int r = read_small(etc, "hosts", HOSTS_MAX, &old, err);

	if (r < 0)
		return r;
	want = vsl_vps_hosts_update(old, hostname);
	if (old && strcmp(old, want) == 0)
		return 0;
	return replace(etc, "hosts", want, err);
}

static int write_inittab(int etc, struct vsl_err *err)
{
	cleanup_free char *old = NULL, *want = NULL;
	int r = read_small(etc, "inittab", 1 << 20, &old, err);

	if (r < 0 || !old)
		return r;	/* no inittab: nothing to add a powerfail entry to */
	want = vsl_vps_inittab_update(old);
	return strcmp(old, want) == 0 ? 0 : replace(etc, "inittab", want, err);
}

int vps_prepare_rootfs(void *arg, const char *rootfs, struct vsl_err *err)
{
	const struct vsl_vps_def *d = arg;
	cleanup_close int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int etc = -1;
	int r;

	if (root < 0)
		return vsl_fail(err, errno, "VPS %s: open %s", d->name, rootfs);
	etc = vsl_path_mkpath(root, "/etc", VSL_PATH_DIR, err);
	if (etc < 0)
		return vsl_wrap(err, "VPS %s", d->name);
	r = write_hostname(etc, d->hostname, err);
	if (r == 0)
		r = write_hosts(etc, d->hostname, err);
	if (r == 0 && d->init_kind == VSL_VPS_INIT_SYSVINIT)
		r = write_inittab(etc, err);
	return r < 0 ? vsl_wrap(err, "VPS %s", d->name) : 0;
}

/* The parent of a template from its meta.json (store-layout.md), NULL for a base one. */
static int template_parent(const char *store, const char *tpl, char **out, struct vsl_err *err)
{
	cleanup_free char *path = xasprintf("%s/templates/%s/meta.json", store, tpl);
	cleanup_free char *text = NULL;
	cleanup_json yajl_val root = NULL;
	yajl_val p;
	size_t len;
	int r;

	*out = NULL;
	r = vsl_read_file(path, &text, &len, err);
	if (r == -ENOENT)
		return vsl_refuse(err, ENOENT, "template %s does not exist (see vessel template "
				  "list)", tpl);
	if (r < 0)
		return r;
	root = vsl_json_parse(text, len, path, err);
	if (!root)
		return -EINVAL;
	p = vsl_json_get(root, "parent");
	if (p && YAJL_IS_STRING(p))
		*out = xstrdup(YAJL_GET_STRING(p));
	return 0;
}

/* path inside one layer: 1 found (kind in *out), 0 not in this layer. */
static int detect_in(const char *layer, const char *path, enum vsl_vps_init_kind *out,
		     struct vsl_err *err)
{
	cleanup_close int root = open(layer, O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -1;
	cleanup_free char *head = NULL;
	char proc[64], real[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (root < 0)
		return vsl_fail(err, errno, "open %s", layer);
	fd = vsl_path_open(root, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, err);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return vsl_refuse(err, ENOEXEC, "%s is not an executable file", path);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, real, sizeof(real) - 1);
	real[n > 0 ? n : 0] = '\0';
	head = xmalloc(INIT_HEAD_MAX);
	n = vsl_read_all(fd, head, INIT_HEAD_MAX);
	*out = vsl_vps_init_guess(strrchr(real, '/') ? strrchr(real, '/') + 1 : real, head,
				  n > 0 ? (size_t)n : 0);
	return 1;
}

int vps_detect_init(const char *store, const char *tpl, const char *path,
		    enum vsl_vps_init_kind *out, struct vsl_err *err)
{
	cleanup_free char *name = xstrdup(tpl);

	for (int depth = 0; name && depth < 500; depth++) {
		cleanup_free char *layer = xasprintf("%s/templates/%s/rootfs", store, name);
		cleanup_free char *parent = NULL;
		int r = template_parent(store, name, &parent, err);

		if (r < 0)
			return r;
		r = detect_in(layer, path, out, err);
		if (r < 0)
			return vsl_wrap(err, "template %s: init", tpl);
		if (r > 0)
			return 0;
		free(name);
		name = vsl_steal_ptr(&parent);
	}
	return vsl_refuse(err, ENOENT, "template %s has no %s (give the init with --init PATH)",
			  tpl, path);
}
