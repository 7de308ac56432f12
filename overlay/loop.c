/* Loop devices: attaching a file through /dev/loop-control and LOOP_CONFIGURE (autoclear, so
 * the device goes with the last unmount; direct I/O where the backing filesystem has it), and
 * finding the device that already holds a file, so that a filesystem image is never attached
 * twice (two loop devices on one image are two writers of one filesystem: corruption). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"

/* One LOOP_CONFIGURE on a free device; EBUSY when another process took it first. */
static int configure(int ctl, const struct loop_config *cfg, const char *img, char *dev,
		     size_t devlen, struct vsl_err *err)
{
	int n = ioctl(ctl, LOOP_CTL_GET_FREE);
	int fd;

	if (n < 0)
		return vsl_fail(err, errno, "loop-control: get free device");
	snprintf(dev, devlen, "/dev/loop%d", n);
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return vsl_fail(err, errno, "open %s", dev);
	if (ioctl(fd, LOOP_CONFIGURE, cfg) == 0)
		return fd;
	vsl_fail(err, errno, "%s: attach %s", dev, img);
	close(fd);
	return -err->code;
}

int ovl_loop_attach(int img_fd, const char *img, char *dev, size_t devlen, struct vsl_err *err)
{
	cleanup_close int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	struct loop_config cfg = {.fd = (uint32_t)img_fd};

	if (ctl < 0)
		return vsl_fail(err, errno, "open /dev/loop-control");
	/* Direct I/O: no second copy of the data in the page cache of the backing file, and
	 * the loop worker's I/O is issued at once in the cgroup it charges. */
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO;
	snprintf((char *)cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s", img);
	for (int tries = 0; tries < 64; tries++) {
		int fd = configure(ctl, &cfg, img, dev, devlen, err);

		/* Older kernels refuse direct I/O on a backing filesystem without it (tmpfs on
		 * 6.1) instead of falling back to buffered I/O: ask again without. */
		if (fd == -EINVAL && (cfg.info.lo_flags & LO_FLAGS_DIRECT_IO)) {
			cfg.info.lo_flags &= ~LO_FLAGS_DIRECT_IO;
			continue;
		}
		if (fd != -EBUSY)
			return fd;
	}
	return vsl_fail(err, EBUSY, "attach %s: no free loop device", img);
}

bool ovl_loop_find(const char *path, char *dev, size_t len)
{
	cleanup_dir DIR *d = opendir("/sys/block");
	struct stat want;
	struct dirent *e;

	dev[0] = '\0';
	if (!d || stat(path, &want) < 0)
		return false;
	while ((e = readdir(d))) {
		cleanup_free char *sys = NULL, *back = NULL;
		struct vsl_err tmp;
		struct stat st;

		if (strncmp(e->d_name, "loop", 4))
			continue;
		sys = xasprintf("/sys/block/%s/loop/backing_file", e->d_name);
		if (vsl_read_file(sys, &back, NULL, &tmp) < 0)
			continue; /* not attached */
		back[strcspn(back, "\n")] = '\0';
		/* Compared by inode: the same file under another name is the same image. */
		if (stat(back, &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino) {
			snprintf(dev, len, "/dev/%s", e->d_name);
			return true;
		}
	}
	return false;
}

bool ovl_loop_dio(const char *dev)
{
	cleanup_free char *sys = NULL, *v = NULL;
	const char *base = strrchr(dev, '/');
	struct vsl_err tmp;

	sys = xasprintf("/sys/block/%s/loop/dio", base ? base + 1 : dev);
	return vsl_read_file(sys, &v, NULL, &tmp) == 0 && v[0] == '1';
}
