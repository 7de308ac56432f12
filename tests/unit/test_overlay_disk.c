/* overlay/ disk limits against the kernel (root only): the store's own filesystem (store
 * init on a sparse file under a temp dir, its record, mounted again after an unmount through
 * one loop device), then limits on it: by project quota where the kernel has project quotas
 * (each layer its own id, ENOSPC at the limit, live grow and shrink, a shrink below the use
 * refused with nothing changed, use the same mounted or not, id and limit freed at removal, a
 * killed create's stage purged), else by the image fallback (kernels without quotas, this
 * host's included). The store is unmounted and its loop device released at the end. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"
#include "overlay/overlay.h"
#include "tests/unit/tap.h"

static const struct vsl_log quiet = {.fd = -1};

static const char *W(struct vsl_err *err)
{
	static char buf[VSL_ERR_MSG + 64];

	return err->code ? vsl_err_str(err, buf, sizeof(buf)) : "";
}

static struct vsl_err *E(struct vsl_err *err)
{
	vsl_err_clear(err);
	return err;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	cleanup_free char *cmd = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

static bool exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool exists(const char *fmt, ...)
{
	char path[4096];
	struct stat st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return lstat(path, &st) == 0;
}

/* How many loop devices hold files under t. */
static int loops_of(const char *t)
{
	return sh("exit $(cat /sys/block/loop*/loop/backing_file 2>/dev/null | grep -c '^%s')", t);
}

/* Write 1M chunks until the write fails; the bytes written. */
static uint64_t fill(const char *path, uint64_t max, int *out_errno)
{
	static char buf[1 << 20];
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	uint64_t done = 0;

	*out_errno = fd < 0 ? errno : 0;
	memset(buf, 'x', sizeof(buf));
	while (fd >= 0 && done < max) {
		ssize_t n = write(fd, buf, sizeof(buf));
		if (n < 0) {
			*out_errno = errno;
			break;
		}
		done += (uint64_t)n;
	}
	if (fd >= 0 && fsync(fd) < 0 && !*out_errno)
		*out_errno = errno;
	return done;
}

static struct vsl_ovl_req req(const char *store, const char *id, const char *target, uint64_t limit)
{
	return (struct vsl_ovl_req){.store = store,
				    .id = id,
				    .template_name = "base",
				    .target = target,
				    .disk_limit = limit,
				    .log = &quiet};
}

static void store_init(const char *t, const char *store)
{
	struct vsl_ovl_store_init_req in = {.store = store, .size = 600 << 20, .log = &quiet};
	struct vsl_ovl_store_info info;
	struct vsl_err err;

	in.fs = "zfs";
	ok(vsl_ovl_store_init(&in, E(&err)) == -EINVAL && strstr(err.msg, "--fs zfs"),
	   "--fs zfs refused: %s", W(&err));
	in.fs = NULL;
	sh("mkdir -p '%s/templates/x' && touch '%s/templates/x/f'", store, store);
	ok(vsl_ovl_store_init(&in, E(&err)) == -ENOTEMPTY && !exists("%s.img", store),
	   "a store with content refused, no image made: %s", W(&err));
	sh("rm -rf '%s/templates/x'; touch '%s/taken.img'", store, t);
	in.backing = xasprintf("%s/taken.img", t);
	ok(vsl_ovl_store_init(&in, E(&err)) == -EEXIST && exists("%s/taken.img", t),
	   "an existing file refused and kept: %s", W(&err));
	free((char *)in.backing);
	in.backing = NULL;
	ok(vsl_ovl_store_init(&in, E(&err)) == 0, "store init on a sparse file: %s", W(&err));
	ok(ovl_is_mountpoint(store) && exists("%s/store.json", store) && loops_of(t) == 1,
	   "mounted through one loop device, with its record");
	ok(vsl_ovl_store_init(&in, E(&err)) == -EEXIST, "init again refused: %s", W(&err));
	ok(vsl_ovl_store_info(store, &info, E(&err)) == 0 && info.recorded && info.mounted &&
	       !strcmp(info.fstype, "xfs") && !info.device && info.size == 600 << 20 &&
	       !strncmp(info.dev, "/dev/loop", 9) &&
	       (info.has_io || sh("stat -f -c %%T %s | grep -q tmpfs", t) == 0),
	   "store info: xfs on %s, io device %u:%u, quota %d", info.dev, info.io_major,
	   info.io_minor, info.quota);
	vsl_ovl_store_info_clear(&info);
	/* A reboot: the mount and the loop device are gone, the record under it stays. */
	ok(umount2(store, 0) == 0 && loops_of(t) == 0 && exists("%s/store.json", store),
	   "unmounted: loop device gone, the record under the mount point stays");
	ok(vsl_ovl_store_ensure(store, &quiet, E(&err)) == 0 && ovl_is_mountpoint(store) &&
	       loops_of(t) == 1,
	   "ensure mounts it again through one loop device: %s", W(&err));
	ok(vsl_ovl_store_ensure(store, &quiet, E(&err)) == 0 && loops_of(t) == 1,
	   "ensure again: nothing attached twice");
}

/* Limits by project quota: the kernel and the store have them. */
static void quota_limits(const char *t, const char *store)
{
	cleanup_free char *r1 = xasprintf("%s/q1", t), *r2 = xasprintf("%s/q2", t);
	cleanup_free char *big = xasprintf("%s/q1/big", t), *other = xasprintf("%s/q2/f", t);
	struct vsl_ovl_req a = req(store, "q1", r1, 32 << 20), b = req(store, "q2", r2, 0);
	struct vsl_ovl_disk d, d2;
	struct vsl_err err;
	uint32_t proj;
	int e;

	ok(vsl_ovl_mount(&a, E(&err)) == 0 && vsl_ovl_mount(&b, E(&err)) == 0,
	   "mount q1 (32M) and q2 (no limit): %s", W(&err));
	ok(vsl_ovl_disk_info(store, "q1", &d, E(&err)) == 0 &&
	       vsl_ovl_disk_info(store, "q2", &d2, E(&err)) == 0 && d.project && d2.project &&
	       d.project != d2.project && !strcmp(d.backend, "quota") && d.limit == 32 << 20 &&
	       d.inode_limit == 2048 && d2.limit == 0,
	   "each layer its own project (%u, %u), limits from the quota", d.project, d2.project);
	proj = d.project;
	ok(fill(big, 64 << 20, &e) <= 32 << 20 && (e == ENOSPC || e == EDQUOT),
	   "writing 64M stops at the limit: %s", strerror(e));
	ok(fill(other, 8 << 20, &e) == 8 << 20 && e == 0, "another layer keeps writing");
	ok(vsl_ovl_disk_resize(store, "q1", 16 << 20, true, &quiet, E(&err)) == -ENOSPC &&
	       strstr(err.msg, "in use") && strstr(err.msg, "16.0M") &&
	       vsl_ovl_disk_info(store, "q1", &d, E(&err)) == 0 && d.limit == 32 << 20 &&
	       sh("grep -q '\"disk_limit\": 33554432' '%s/containers/q1/layer.json'", store) == 0,
	   "a shrink below the use refused, quota and record unchanged: %s", W(&err));
	ok(vsl_ovl_disk_resize(store, "q1", 64 << 20, true, &quiet, E(&err)) == 0 &&
	       fill(big, 48 << 20, &e) == 48 << 20 && e == 0,
	   "grown live to 64M: 48M fit: %s", W(&err));
	unlink(big);
	ok(vsl_ovl_disk_resize(store, "q1", 20 << 20, true, &quiet, E(&err)) == 0 &&
	       fill(big, 32 << 20, &e) <= 20 << 20 && e != 0,
	   "shrunk live to 20M: enforced: %s", W(&err));
	a.keep_layer = true;
	ok(vsl_ovl_disk_info(store, "q1", &d, E(&err)) == 0 && vsl_ovl_unmount(&a, E(&err)) == 0 &&
	       vsl_ovl_disk_info(store, "q1", &d2, E(&err)) == 0 && !d2.mounted && d.mounted &&
	       d2.used == d.used && d2.inodes == d.inodes && d2.limit == 20 << 20 &&
	       d2.used > (16 << 20),
	   "kept and unmounted: the same use (%llu, mounted %llu bytes), limit %llu: %s",
	   (unsigned long long)d2.used, (unsigned long long)d.used, (unsigned long long)d2.limit,
	   W(&err));
	a.keep_layer = false;
	ok(vsl_ovl_unmount(&a, E(&err)) == 0 && !exists("%s/projects/%u", store, proj) &&
	       !exists("%s/containers/q1", store),
	   "removed: its project claim is gone: %s", W(&err));
	ok(vsl_ovl_unmount(&b, E(&err)) == 0 && !exists("%s/containers/q2", store), "unmount q2");
}

/* A create killed after its project was claimed: the stage's record names everything. */
static void killed_stage(const char *t, const char *store)
{
	cleanup_free char *r = xasprintf("%s/k1", t);
	struct vsl_ovl_req c = req(store, "k1", r, 32 << 20);
	struct vsl_err err;
	int n;

	ok(vsl_ovl_mount(&c, E(&err)) == 0, "mount k1: %s", W(&err));
	umount2(r, 0);
	/* What a kill right after the claim leaves: the stage, its record and claim, a target. */
	n = sh("cd '%s/containers' && mv k1 .new-k1", store);
	ok(n == 0 && exists("%s/projects/1", store) + exists("%s/projects/2", store) +
			     exists("%s/projects/3", store) + exists("%s/projects/4", store) >=
			 1,
	   "a stage with a claimed project");
	ok(vsl_ovl_unmount(&c, E(&err)) == 0 && !exists("%s/containers/.new-k1", store) &&
	       !exists("%s", r) && sh("ls '%s/projects' | grep -qv next", store) != 0,
	   "unmount purges the stage, its claim and its target: %s", W(&err));
}

/* Kernels without project quotas: a limit becomes an ext4 image of its own. */
static void image_limits(const char *t, const char *store)
{
	cleanup_free char *r = xasprintf("%s/i1", t), *big = xasprintf("%s/i1/big", t);
	struct vsl_ovl_req c = req(store, "i1", r, 32 << 20);
	struct vsl_ovl_disk d, d2;
	struct vsl_err err;
	int e, rc;

	ok(vsl_ovl_mount(&c, E(&err)) == 0, "mount i1 (32M): %s", W(&err));
	ok(fill(big, 64 << 20, &e) < 32 << 20 && e == ENOSPC, "writing 64M stops with ENOSPC");
	unlink(big);
	/* Online growth needs CAP_SYS_RESOURCE, which some sandboxes drop even for root. */
	rc = vsl_ovl_disk_resize(store, "i1", 64 << 20, true, &quiet, E(&err));
	ok((rc == 0 ||
	    (rc == -EPERM && strstr(err.msg, "nothing changed") &&
	     sh("test $(stat -c %%s '%s/containers/i1/disk.img') = %d", store, 32 << 20) == 0)) &&
	       vsl_ovl_disk_info(store, "i1", &d, E(&err)) == 0 &&
	       d.limit == (rc == 0 ? 64 << 20 : 32 << 20) && !strcmp(d.backend, "image"),
	   "grow while in use: online, or refused with nothing changed: %s", W(&err));
	ok(vsl_ovl_disk_resize(store, "i1", 64 << 20, false, &quiet, E(&err)) == 0 &&
	       vsl_ovl_disk_info(store, "i1", &d, E(&err)) == 0 && d.limit == 64 << 20 &&
	       ovl_is_mountpoint(r),
	   "grown when stopped, mounted again: %s", W(&err));
	ok(vsl_ovl_disk_resize(store, "i1", 32 << 20, true, &quiet, E(&err)) == -EBUSY &&
	       vsl_ovl_disk_info(store, "i1", &d, E(&err)) == 0 && d.limit == 64 << 20 &&
	       sh("test $(stat -c %%s '%s/containers/i1/disk.img') = %d", store, 64 << 20) == 0,
	   "a shrink in use refused, image and record unchanged: %s", W(&err));
	ok(vsl_ovl_disk_resize(store, "i1", 32 << 20, false, &quiet, E(&err)) == 0 &&
	       ovl_is_mountpoint(r) && loops_of(t) == 2,
	   "a stopped container's image shrunk, mounted again, one loop per image: %s", W(&err));
	c.keep_layer = true;
	ok(vsl_ovl_disk_info(store, "i1", &d, E(&err)) == 0 && vsl_ovl_unmount(&c, E(&err)) == 0 &&
	       vsl_ovl_disk_info(store, "i1", &d2, E(&err)) == 0 && d.limit == d2.limit &&
	       d2.used >= d.used * 9 / 10 && d2.used <= d.used * 11 / 10 + 4096,
	   "kept and unmounted: limit %llu, used %llu (mounted: %llu)",
	   (unsigned long long)d2.limit, (unsigned long long)d2.used, (unsigned long long)d.used);
	c.keep_layer = false;
	ok(vsl_ovl_unmount(&c, E(&err)) == 0 && loops_of(t) == 1, "removed: its loop is gone");
}

/* A plain directory store on a kernel with project quotas: a limit names store init. */
static void plain_store(const char *t)
{
	cleanup_free char *store = xasprintf("%s/plain", t), *r = xasprintf("%s/p1", t);
	cleanup_free char *src = xasprintf("%s/src", t);
	struct vsl_ovl_import_req im = {
	    .store = store, .name = "base", .source = src, .log = &quiet};
	struct vsl_ovl_req c = req(store, "p1", r, 32 << 20);
	struct vsl_err err;

	ok(vsl_ovl_import(&im, E(&err)) == 0, "import into a plain store: %s", W(&err));
	ok(vsl_ovl_mount(&c, E(&err)) == -EOPNOTSUPP && strstr(err.msg, "vessel store init") &&
	       !exists("%s/containers/p1", store) && !exists("%s", r),
	   "a limit refused naming store init, nothing left: %s", W(&err));
}

int main(void)
{
	char tmpl[] = "/tmp/vsltest-disk-XXXXXX";
	cleanup_free char *store = NULL, *src = NULL;
	struct vsl_ovl_import_req im = {.name = "base", .log = &quiet};
	struct vsl_err err;
	const char *t;
	int fd;

	if (geteuid() != 0) {
		skip("needs root", "mounts, loop devices, quotas");
		return tap_done();
	}
	t = mkdtemp(tmpl);
	store = xasprintf("%s/store", t);
	src = xasprintf("%s/src", t);
	sh("mkdir -p %s/bin %s/etc && cp /bin/busybox %s/bin/ && echo keep > %s/etc/keep", src, src,
	   src, src);
	store_init(t, store);
	im.store = store;
	im.source = src;
	ok(vsl_ovl_import(&im, E(&err)) == 0, "import a template: %s", W(&err));
	fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && ovl_quota_enforced(fd)) {
		quota_limits(t, store);
		killed_stage(t, store);
		plain_store(t);
	} else if (!ovl_kernel_has_prjquota()) {
		skip("this kernel's XFS has no quotas (CONFIG_XFS_QUOTA off)",
		     "project quota limits: tests/integration/99-store-vm.sh runs them in the VM");
		image_limits(t, store);
	} else {
		ok(0, "the kernel has XFS quotas but the store does not enforce project quotas");
	}
	close(fd);
	ok(umount2(store, 0) == 0 && loops_of(t) == 0, "store unmounted, no loop device left");
	sh("grep -q '%s' /proc/self/mountinfo && grep '%s' /proc/self/mountinfo | "
	   "awk '{print $5}' | sort -r | xargs -r -n1 umount -l; rm -rf '%s'",
	   t, t, t);
	return tap_done();
}
