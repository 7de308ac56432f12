/* Helpers for the cgroup tests that need root and a kernel: child processes that wait to be
 * put into a cgroup, then run a function and report an int, and a shared counter. */
#ifndef VSL_TESTS_CGROUP_TESTLIB_H
#define VSL_TESTS_CGROUP_TESTLIB_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct kid {
	pid_t pid;
	int go_w, res_r;
};

/* A page shared between the test and its children. */
static inline volatile uint64_t *shared_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Fork a child that waits for kid_go, runs fn(arg), writes its int result, then sleeps. */
static inline int kid_spawn(struct kid *k, int (*fn)(void *), void *arg)
{
	int go[2], res[2];

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0)
		return -errno;
	k->pid = fork();
	if (k->pid < 0)
		return -errno;
	if (k->pid == 0) {
		char c;
		int r;
		close(go[1]);
		close(res[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		r = fn(arg);
		if (write(res[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		for (;;)
			pause();
	}
	close(go[0]);
	close(res[1]);
	k->go_w = go[1];
	k->res_r = res[0];
	return 0;
}

static inline void kid_go(struct kid *k)
{
	if (write(k->go_w, "g", 1) != 1)
		perror("kid_go");
}

/* The child's result, or INT32_MIN on timeout / death. */
static inline int kid_result(struct kid *k, int timeout_ms)
{
	struct pollfd p = { .fd = k->res_r, .events = POLLIN };
	int r;

	if (poll(&p, 1, timeout_ms) != 1 || read(k->res_r, &r, sizeof(r)) != sizeof(r))
		return INT32_MIN;
	return r;
}

/* Kill (if still there) and reap; returns the wait status. */
static inline int kid_reap(struct kid *k)
{
	int st = 0;

	if (k->pid <= 0)
		return 0;
	kill(k->pid, SIGKILL);
	waitpid(k->pid, &st, 0);
	close(k->go_w);
	close(k->res_r);
	k->pid = 0;
	return st;
}

static inline void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static inline int fn_count(void *arg)
{
	volatile uint64_t *c = arg;
	for (;;)
		(*c)++;
	return 0;
}

/* Does the counter advance over ms milliseconds? */
static inline bool counter_moves(volatile uint64_t *c, long ms)
{
	uint64_t a = *c;
	msleep(ms);
	return *c != a;
}

#endif
