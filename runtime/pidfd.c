/* pidfd helpers. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/util.h"
#include "runtime/pidfd.h"

int vsl_pidfd_open(pid_t pid, uint64_t start_time, struct vsl_err *err)
{
	int fd;

	if (pid <= 0)
		return vsl_fail(err, ESRCH, "no process");
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return vsl_fail(err, errno, "pidfd_open %d", (int)pid);
	/* Opened first, checked second: the fd pins this process, so the check holds. */
	if (vsl_proc_start_time(pid) != start_time) {
		close(fd);
		return vsl_fail(err, ESRCH, "process %d has exited", (int)pid);
	}
	return fd;
}

int vsl_pidfd_signal(int pidfd, int sig, struct vsl_err *err)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return vsl_fail(err, errno, "send signal %d", sig);
	return 0;
}

int vsl_pidfd_wait(int pidfd, int timeout_ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -ETIMEDOUT;
}
