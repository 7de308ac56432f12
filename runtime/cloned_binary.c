/* Running from a sealed copy of vessel (see cloned_binary.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/cloned_binary.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
/* Set across the re-execution from the overlay copy only: that copy cannot be told from an
 * installed binary on some other read-only overlayfs by the file alone. */
#define SEALED_ENV "_VESSEL_SEALED"

static bool is_sealed_memfd(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	return seals >= 0 && (seals & SEALS) == SEALS;
}

static bool is_sealed_overlay(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && sf.f_type == OVERLAYFS_SUPER_MAGIC &&
	       (sf.f_flags & ST_RDONLY);
}

/* Append PATH to OUT as one overlayfs lowerdir entry (':' and '\' escaped). */
static int add_lower(char *out, size_t cap, size_t *len, const char *path)
{
	for (const char *p = path; *p; p++) {
		if (*len + 3 > cap)
			return -ENAMETOOLONG;
		if (*p == ':' || *p == '\\')
			out[(*len)++] = '\\';
		out[(*len)++] = *p;
	}
	out[*len] = '\0';
	return 0;
}

/* An O_PATH fd of vessel's binary seen through a private, detached overlayfs whose only
 * layers are read-only lowers (the binary's directory on top, DUMMY below: overlayfs needs
 * two lowers to run without an upper). Nothing can be written through it, and, unlike a
 * read-only bind mount, it cannot be unwrapped into a writable view of the host file. The
 * kernel shares the host file's page cache: no copy, nothing faulted in anew. -errno when
 * the kernel or the layout does not allow it. */
static int overlay_copy(const char *dummy)
{
	char exe[PATH_MAX], lower[2 * PATH_MAX + 2];
	cleanup_close int fs = -1, mnt = -1;
	size_t len = 0;
	char *name;
	ssize_t n;
	int fd;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -errno;
	exe[n] = '\0';
	name = strrchr(exe, '/');
	if (exe[0] != '/' || !name || !name[1])
		return -EINVAL;
	*name++ = '\0';
	if (add_lower(lower, sizeof(lower), &len, exe[0] ? exe : "/") < 0)
		return -ENAMETOOLONG;
	if (len + 2 > sizeof(lower))
		return -ENAMETOOLONG;
	lower[len++] = ':';
	if (add_lower(lower, sizeof(lower), &len, dummy) < 0)
		return -ENAMETOOLONG;
	if (mkdir(dummy, 0700) < 0 && errno != EEXIST)
		return -errno;
	fs = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0)
		return -errno;
	(void)fsconfig(fs, FSCONFIG_SET_STRING, "xino", "off", 0);
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
	if (mnt < 0)
		return -errno;
	fd = openat(mnt, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return fd;
}

/* A sealed memfd copy of the binary: the fallback where overlayfs cannot be used. */
static int memfd_copy(int self, struct vsl_err *err)
{
	struct stat sb;
	off_t off = 0;
	int mem;

	if (fstat(self, &sb) < 0)
		return vsl_fail(err, errno, "stat /proc/self/exe");
	mem = memfd_create("vessel", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mem < 0)
		return vsl_fail(err, errno, "memfd_create");
	while (off < sb.st_size) {
		ssize_t n = sendfile(mem, self, &off, (size_t)(sb.st_size - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			close(mem);
			return vsl_fail(err, e, "copy /proc/self/exe to a memfd");
		}
	}
	if (fcntl(mem, F_ADD_SEALS, SEALS) < 0) {
		int e = errno;
		close(mem);
		return vsl_fail(err, e, "seal the vessel memfd");
	}
	return mem;
}

int vsl_ensure_cloned_binary(char **argv, const char *dummy, struct vsl_err *err)
{
	extern char **environ;
	cleanup_close int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	cleanup_close int copy = -1;
	bool marked = getenv(SEALED_ENV) != NULL;

	if (self < 0)
		return vsl_fail(err, errno, "open /proc/self/exe");
	unsetenv(SEALED_ENV);
	if (is_sealed_memfd(self) || (marked && is_sealed_overlay(self)))
		return 0;
	copy = overlay_copy(dummy);
	if (copy >= 0) {
		setenv(SEALED_ENV, "1", 1);
		execveat(copy, "", argv, environ, AT_EMPTY_PATH);
		unsetenv(SEALED_ENV);
		close(copy);
	}
	copy = memfd_copy(self, err);
	if (copy < 0)
		return copy;
	fexecve(copy, argv, environ);
	return vsl_fail(err, errno, "re-execute vessel from its sealed copy");
}
