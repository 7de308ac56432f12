/* start: release the container process blocked on exec.fifo. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/container.h"
#include "runtime/hooks.h"

/* What the container wrote to the fifo until it closed its end: "0" (startContainer hooks
 * done), then nothing more if its exec succeeded (the close-on-exec fd closed) or "1" and
 * the error line if it failed; or "1" and the line of a failed hook alone. */
static int verdict(const struct vsl_container *c, char *buf, size_t got, struct vsl_err *err)
{
	buf[got] = '\0';
	if (got == 0)
		return vsl_refuse(err, ESRCH, "container %s: process exited before start", c->id);
	if (buf[0] == '0' && got == 1)
		return 0;
	if (buf[0] == '0' && buf[1] == '1')
		return vsl_fail(err, EINVAL, "container %s: %s", c->id, buf + 2);
	if (buf[0] == '1')
		return vsl_fail(err, EINVAL, "container %s: %s", c->id, buf + 1);
	return vsl_fail(err, EPROTO, "container %s: unexpected bytes on the exec fifo", c->id);
}

/* Open the fifo for reading without blocking (that releases the container's blocked open
 * for writing), then read until the container's end closes: at its exec, so that start
 * returns, and poststart runs, only once the process really started. Give up if the
 * process dies before it opened the fifo. */
static int release(struct vsl_container *c, struct vsl_err *err)
{
	cleanup_close int fd = openat(c->dirfd, VSL_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	char buf[2 + VSL_ERR_MSG];
	size_t got = 0;
	int r;

	if (fd < 0)
		return vsl_fail(err, errno, "container %s: open exec fifo", c->id);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, 100);
		ssize_t k = 0;

		if (n < 0 && errno != EINTR)
			return vsl_fail(err, errno, "container %s: wait on exec fifo", c->id);
		/* Until a writer came, nothing wakes the poll: a read would say end of file. */
		if (n > 0) {
			k = read(fd, buf + got, sizeof(buf) - 1 - got);
			if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
				break;
			if (k > 0 && (got += (size_t)k) == sizeof(buf) - 1)
				break;
		}
		if (n == 0 && !vsl_container_alive(c))
			break;
	}
	r = verdict(c, buf, got, err);
	if (r < 0)
		return r;
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
