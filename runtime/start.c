/* start: release the container process blocked on exec.fifo. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/container.h"

/* Open the fifo for reading without blocking, then wait for the byte the container
 * writes once its blocked open returns; give up if the process dies meanwhile. */
static int release(struct vsl_container *c, struct vsl_err *err)
{
	cleanup_close int fd = openat(c->dirfd, VSL_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	char byte;

	if (fd < 0)
		return vsl_fail(err, errno, "container %s: open exec fifo", c->id);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, 100);
		if (n < 0 && errno != EINTR)
			return vsl_fail(err, errno, "container %s: wait on exec fifo", c->id);
		if (n > 0 && read(fd, &byte, 1) == 1)
			break;
		if (!vsl_container_alive(c))
			return vsl_refuse(err, ESRCH, "container %s: process exited before start",
					c->id);
	}
	if (unlinkat(c->dirfd, VSL_EXEC_FIFO, 0) < 0)
		return vsl_fail(err, errno, "container %s: remove exec fifo", c->id);
	return 0;
}

int vsl_container_start(const struct vsl_ctx *ctx, const char *id, struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	enum vsl_status s;
	int r;

	r = vsl_store_open(ctx, id, false, &c, err);
	if (r < 0)
		return r;
	s = vsl_container_status(c);
	if (!vsl_status_allows(s, VSL_OP_START))
		return vsl_status_refuse(c, s, VSL_OP_START, err);
	r = release(c, err);
	if (r < 0)
		return r;
	c->state.status = VSL_STATUS_RUNNING;
	return vsl_store_save(c, err);
}
