/* OOM notification for `events`. v1: an eventfd registered through cgroup.event_control
 * on memory.oom_control (it also fires when the cgroup is removed). v2: inotify on
 * memory.events, whose oom_kill counter is compared with the last value seen. libcgroup has
 * no notification API, so both are cgroupfs directly. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

struct vsl_cg_oom {
	bool v2;
	int fd;			/* eventfd (v1) or inotify (v2) */
	int ctl_fd;		/* v1: memory.oom_control, kept open for the registration */
	char *dir;
	uint64_t seen;		/* v2: oom_kill count already reported */
};

static uint64_t oom_kills(const char *dir, bool v2, bool *gone)
{
	cleanup_free char *text = NULL;
	struct vsl_err tmp;
	uint64_t v = 0;

	*gone = vsl_cg_read(dir, v2 ? "memory.events" : "memory.oom_control", &text, &tmp) < 0;
	if (!*gone)
		vsl_cg_keyed_u64(text, "oom_kill", &v);
	return v;
}

static int open_v1(struct vsl_cg_oom *w, struct vsl_err *err)
{
	cleanup_free char *ctl = xasprintf("%s/memory.oom_control", w->dir);
	char buf[64];

	w->ctl_fd = open(ctl, O_RDONLY | O_CLOEXEC);
	if (w->ctl_fd < 0)
		return vsl_fail(err, errno, "cgroup %s: open memory.oom_control", w->dir);
	w->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->fd < 0)
		return vsl_fail(err, errno, "cgroup %s: eventfd", w->dir);
	snprintf(buf, sizeof(buf), "%d %d", w->fd, w->ctl_fd);
	return vsl_cg_write(w->dir, "cgroup.event_control", buf, err);
}

static int open_v2(struct vsl_cg_oom *w, struct vsl_err *err)
{
	cleanup_free char *ev = xasprintf("%s/memory.events", w->dir);
	bool gone;

	w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w->fd < 0)
		return vsl_fail(err, errno, "cgroup %s: inotify", w->dir);
	if (inotify_add_watch(w->fd, ev, IN_MODIFY) < 0)
		return vsl_fail(err, errno, "cgroup %s: watch memory.events", w->dir);
	w->seen = oom_kills(w->dir, true, &gone);
	return 0;
}

int vsl_cg_oom_open(const struct vsl_cgroup *cg, struct vsl_cg_oom **out, struct vsl_err *err)
{
	struct vsl_cg_oom *w = xzalloc(sizeof(*w));
	const char *dir = cg->ops->dir_for(cg, "memory.events", err);
	int r;

	w->fd = w->ctl_fd = -1;
	w->v2 = cg->mode == VSL_CG_V2;
	if (!dir) {
		vsl_cg_oom_close(w);
		return -err->code;
	}
	w->dir = xstrdup(dir);
	r = w->v2 ? open_v2(w, err) : open_v1(w, err);
	if (r < 0) {
		vsl_cg_oom_close(w);
		return r;
	}
	*out = w;
	return 0;
}

int vsl_cg_oom_fd(const struct vsl_cg_oom *w)
{
	return w->fd;
}

int vsl_cg_oom_read(struct vsl_cg_oom *w, uint64_t *n_new, bool *gone, struct vsl_err *err)
{
	char buf[4096];
	uint64_t now;
	ssize_t n;

	*n_new = 0;
	n = read(w->fd, buf, sizeof(buf));	/* drain: eventfd counter or inotify events */
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		return vsl_fail(err, errno, "cgroup %s: read OOM notification", w->dir);
	now = oom_kills(w->dir, w->v2, gone);
	if (*gone)
		return 0;
	if (!w->v2) {
		/* the eventfd counts OOM events; oom_kill may stay 0 with the killer disabled */
		uint64_t cnt = 0;
		if (n == (ssize_t)sizeof(cnt))
			memcpy(&cnt, buf, sizeof(cnt));
		*n_new = cnt;
		return 0;
	}
	if (now > w->seen)
		*n_new = now - w->seen;
	w->seen = now;
	return 0;
}

void vsl_cg_oom_close(struct vsl_cg_oom *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->ctl_fd >= 0)
		close(w->ctl_fd);
	free(w->dir);
	free(w);
}
