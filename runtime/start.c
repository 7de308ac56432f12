/* start: release the container process blocked on exec.fifo. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/container.h"
#include "runtime/hooks.h"

/* Open the fifo for reading without blocking, then wait for the byte the container
 * writes once its blocked open returns; give up if the process dies meanwhile. */
static int release(struct vsl_container *c, struct vsl_err *err)
{
	cleanup_close int fd = openat(c->dirfd, VSL_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	char buf[1 + VSL_ERR_MSG];
	ssize_t got = 0;

	if (fd < 0)
		return vsl_fail(err, errno, "container %s: open exec fifo", c->id);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, 100);
		if (n < 0 && errno != EINTR)
			return vsl_fail(err, errno, "container %s: wait on exec fifo", c->id);
		/* "0", or "1" and why the container gave up (a startContainer hook). */
		if (n > 0 && (got = read(fd, buf, sizeof(buf) - 1)) > 0)
			break;
		if (!vsl_container_alive(c))
			return vsl_refuse(err, ESRCH, "container %s: process exited before start",
					c->id);
	}
	if (buf[0] != '0') {
		buf[got] = '\0';
		return vsl_fail(err, EINVAL, "container %s: %s", c->id, buf + 1);
	}
	if (unlinkat(c->dirfd, VSL_EXEC_FIFO, 0) < 0)
		return vsl_fail(err, errno, "container %s: remove exec fifo", c->id);
	return 0;
}

/* The spec makes poststart failures warnings: start has succeeded either way. */
static void poststart(const struct vsl_container *c)
{
	const struct vsl_log *log = &c->ctx->log;
	cleanup_config struct vsl_config *cfg = NULL;
	cleanup_free char *json = NULL;
	char line[VSL_ERR_MSG + 128];
	struct vsl_err err;

	cfg = vsl_store_load_config(c, &err);
	if (!cfg) {
		vsl_warn(log, "poststart hooks not run: %s", vsl_err_str(&err, line, sizeof(line)));
		return;
	}
	if (!cfg->hooks[VSL_HOOK_POSTSTART].n)
		return;
	json = vsl_state_to_oci_json(&c->state, VSL_STATUS_RUNNING, false);
	vsl_hooks_run_warn(&cfg->hooks[VSL_HOOK_POSTSTART], "poststart", json, log);
}

int vsl_container_start(const struct vsl_ctx *ctx, const char *id, struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	int r;

	r = vsl_container_open_for(ctx, id, VSL_OP_START, &c, err);
	if (r < 0)
		return r;
	r = release(c, err);
	if (r < 0)
		return r;
	c->state.status = VSL_STATUS_RUNNING;
	r = vsl_store_save(c, err);
	if (r == 0)
		poststart(c);
	return r;
}
