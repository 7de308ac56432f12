/* Putting processes into the container's cgroup, and starting one there without the global
 * attach lock.
 *
 * Every write of a pid to a cgroup.procs file takes the kernel's one global
 * cgroup_threadgroup_rwsem for writing; unless the hierarchy is mounted with favordynmods,
 * the first writer after a quiet moment waits for a whole RCU grace period first. On the
 * development host that was 5-12 ms, half or more of a whole `vessel create`, and runc and
 * crun pay it on every container. Two ways in skip that lock, and vessel uses them:
 *  - cgroup v2 (and the unified tree of a hybrid host): clone3(CLONE_INTO_CGROUP) makes
 *    the child in its cgroup from the start (Linux 5.7);
 *  - cgroup v1: a single-threaded process moving itself (pid 0) through the per-thread
 *    `tasks` file; the kernel skips the global lock for that case.
 * So the child is forked with vsl_cg_fork() and calls vsl_cg_enter_self() first thing.
 * Under the systemd driver the scope's cgroup exists from create on, kept by a holder
 * process (systemd.c) that goes as soon as the first child is born in it.
 * Where clone3 is refused (older kernel, seccomp), the child writes its v2 cgroup.procs
 * itself, which is correct, only slower. */
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/internal.h"

pid_t vsl_cg_fork(const struct vsl_cgroup *cg, bool *born_in_v2)
{
	int fd = cg && cg->unified_dir ? open(cg->unified_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
				       : -1;
	struct clone_args args = {
	    .flags = CLONE_INTO_CGROUP,
	    .exit_signal = SIGCHLD,
	    .cgroup = (uint64_t)fd,
	};
	pid_t pid = -1;

	*born_in_v2 = false;
	if (fd >= 0) {
		/* Like fork(): no stack given, the child returns here with 0. The callers'
		 * processes are single-threaded, so skipping glibc's fork handlers is safe. */
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (pid == 0) {
			*born_in_v2 = true;
			close(fd);
			return 0;
		}
		close(fd);
		if (pid > 0) {
			/* A new systemd scope has its first process now: its holder can go. */
			vsl_cg_sd_release(cg);
			*born_in_v2 = true;
			return pid;
		}
	}
	return fork();
}

/* Write value into file of every v1 hierarchy, and into the v2 directory's cgroup.procs
 * unless skip_v2. */
static int write_everywhere(const struct vsl_cgroup *cg, const char *v1_file, const char *value,
			    bool skip_v2, struct vsl_err *err)
{
	int r;

	if (cg->mode == VSL_CG_V1)
		for (size_t i = 0; i < cg->n_hier; i++) {
			r = vsl_cg_write(cg->hier[i].dir, v1_file, value, err);
			if (r < 0)
				return r;
		}
	if (cg->unified_dir && !skip_v2)
		return vsl_cg_write(cg->unified_dir, "cgroup.procs", value, err);
	return 0;
}

int vsl_cg_enter(const struct vsl_cgroup *cg, pid_t pid, struct vsl_err *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return write_everywhere(cg, "cgroup.procs", buf, false, err);
}

int vsl_cg_enter_self(const struct vsl_cgroup *cg, bool born_in_v2, struct vsl_err *err)
{
	return write_everywhere(cg, "tasks", "0", born_in_v2, err);
}
