/* Shared by the root tests of netns/ (test_netns_*.c; this file is not named test_*, which
 * the Makefile would build as a test). The test moves itself into a private network
 * namespace, so its bridges, veths, nftables table and ip_forward never touch the machine's;
 * "containers" are children parked in their own new network namespaces; the store is a
 * private directory under /tmp. Everything dies with the test process. */
#ifndef VSL_TESTS_UNIT_NETNS_TEST_H
#define VSL_TESTS_UNIT_NETNS_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "netns/net.h"
#include "tests/unit/tap.h"

#define TN_MAX_KIDS 256

struct tn {
	char store[64];
	char bridge[16];
	pid_t kids[TN_MAX_KIDS];
	int nkids;
	struct vsl_log log;
};

/* Root and a private netns, or exit 77 with the reason (a skip, not a pass). */
static inline void tn_setup(struct tn *t, const char *tag)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		printf("1..0 # SKIP netns tests need root (CAP_NET_ADMIN)\n");
		exit(0);
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("1..0 # SKIP unshare(CLONE_NEWNET): %s\n", strerror(errno));
		exit(0);
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	snprintf(t->store, sizeof(t->store), "/tmp/vsltest-net-%s-XXXXXX", tag);
	if (!mkdtemp(t->store))
		abort();
	snprintf(t->bridge, sizeof(t->bridge), "vtn%d", (int)getpid() % 10000000);
	t->nkids = 0;
	t->log = (struct vsl_log)VSL_LOG_INIT;
	if (system("ip link set lo up") != 0)
		abort();
}

static inline int tn_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int tn_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* First line of a command's output (trailing newline dropped). */
static inline char *tn_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *tn_out(const char *fmt, ...)
{
	static char line[512];
	char cmd[1024];
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	line[0] = '\0';
	f = popen(cmd, "r");
	if (!f)
		return line;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	pclose(f);
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/* A "container": a child parked in a new network namespace. */
static inline pid_t tn_spawn(struct tn *t)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		close(p[1]);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &c, 1) != 1)
		abort();
	close(p[0]);
	if (t->nkids < TN_MAX_KIDS)
		t->kids[t->nkids++] = pid;
	return pid;
}

static inline double tn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline struct vsl_net_req tn_req(struct tn *t, const char *id, pid_t pid,
					const char *bridge, const char *address, const char *ports)
{
	return (struct vsl_net_req){ .store = t->store, .id = id, .bridge = bridge,
				     .address = address, .ports = ports, .pid = pid,
				     .log = &t->log };
}

/* Does an interface exist in the test's namespace? */
static inline int tn_link_exists(const char *name)
{
	return tn_sh("ip link show dev %s >/dev/null 2>&1", name) == 0;
}

static inline void tn_teardown(struct tn *t)
{
	for (int i = 0; i < t->nkids; i++)
		kill(t->kids[i], SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	tn_sh("rm -rf %s", t->store);
}

#endif
