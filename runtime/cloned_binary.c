/* Running from a sealed memfd copy of vessel (see cloned_binary.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/cloned_binary.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static bool is_sealed(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	return seals >= 0 && (seals & SEALS) == SEALS;
}

static int copy_all(int from, int to, off_t size)
{
	off_t off = 0;

	while (off < size) {
		ssize_t n = sendfile(to, from, &off, (size_t)(size - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
	}
	return 0;
}

int vsl_ensure_cloned_binary(char **argv, struct vsl_err *err)
{
	extern char **environ;
	cleanup_close int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	cleanup_close int mem = -1;
	struct stat sb;
	int r;

	if (self < 0)
		return vsl_fail(err, errno, "open /proc/self/exe");
	if (is_sealed(self))
		return 0;
	if (fstat(self, &sb) < 0)
		return vsl_fail(err, errno, "stat /proc/self/exe");
	mem = memfd_create("vessel", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mem < 0)
		return vsl_fail(err, errno, "memfd_create");
	r = copy_all(self, mem, sb.st_size);
	if (r < 0)
		return vsl_fail(err, -r, "copy /proc/self/exe to a memfd");
	if (fcntl(mem, F_ADD_SEALS, SEALS) < 0)
		return vsl_fail(err, errno, "seal the vessel memfd");
	fexecve(mem, argv, environ);
	return vsl_fail(err, errno, "re-execute vessel from its sealed copy");
}
