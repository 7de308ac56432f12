/* runtime/process.c for real, as root: a forked child runs vsl_process_prepare and
 * vsl_process_exec into /bin/sh, which reports what the kernel says about it (caps,
 * no_new_privs, seccomp, ids, umask, rlimit, oom score, fds, personality, scheduler) into a
 * pipe. Also: a missing executable fails in prepare, process.cwd is entered only inside the
 * root (never through /proc/self/fd/N) and never created there, a close-on-exec fd (vessel's
 * own) in the preserved range does not pass, and SCMP_ACT_NOTIFY hands the listener fd to a
 * socket this test serves. Everything lives under /tmp/vsltest-proc-XXXXXX. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/process.h"
#include "runtime/seccomp.h"
#include "tests/unit/tap.h"

#define NAMES(...) ((char *[]){__VA_ARGS__, NULL})

static char tmpdir[] = "/tmp/vsltest-proc-XXXXXX";

struct child_out {
	char buf[16384];
	int status;
};

/* In the child: fds as a caller would leave them, then prepare + exec. */
static void child(struct vsl_proc_opts *o, int out_fd, const char *listener_path)
{
	struct vsl_log log = {.fd = -1};
	struct vsl_proc_prepared *p = NULL;
	struct vsl_err err = {0};
	int fd;

	dup2(out_fd, 1);
	dup2(out_fd, 2);
	fd = open("/dev/null", O_RDONLY); /* becomes the preserved/listen fd 3 */
	if (fd != 3)
		dup2(fd, 3);
	dup2(1, 9); /* a stray fd without CLOEXEC: must not reach the program */
	o->log = &log;
	if (listener_path &&
	    vsl_seccomp_listener_connect(listener_path, &o->seccomp_listener_fd, &err) < 0)
		goto fail;
	if (vsl_process_prepare(o, &p, &err) < 0)
		goto fail;
	vsl_process_exec(p, -1, &err);
fail:
	dprintf(1, "ERR:%s:%d\n", err.msg, err.code);
	_exit(90);
}

/* Fork a child for o and collect its output (10 s limit). serve, if set, runs in the
 * parent while the child runs. */
static void run(struct vsl_proc_opts *o, struct child_out *res, const char *listener_path,
		void (*serve)(int listen_sock), int listen_sock)
{
	int pfd[2];
	size_t got = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe2(pfd, O_CLOEXEC) < 0)
		abort();
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		child(o, pfd[1], listener_path);
	close(pfd[1]);
	if (serve)
		serve(listen_sock);
	for (;;) {
		struct pollfd pf = {.fd = pfd[0], .events = POLLIN};
		ssize_t n;

		if (poll(&pf, 1, 10000) <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		n = read(pfd[0], res->buf + got, sizeof(res->buf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(pfd[0]);
	waitpid(pid, &res->status, 0);
}

/* Value of "Key:\t..." in /proc/self/status text, or of "KEY=..." lines of the script. */
static const char *field(const char *buf, const char *key, char *val, size_t len)
{
	const char *p = buf;
	size_t klen = strlen(key);

	while ((p = strstr(p, key))) {
		if (p == buf || p[-1] == '\n') {
			p += klen;
			while (*p == '\t' || *p == ' ')
				p++;
			snprintf(val, len, "%.*s", (int)strcspn(p, "\n"), p);
			return val;
		}
		p += klen;
	}
	snprintf(val, len, "(none)");
	return val;
}

#define is_field(out, key, want, what)                                                             \
	do {                                                                                       \
		char v_[256];                                                                      \
		is_str(field((out)->buf, key, v_, sizeof(v_)), want, "%s: %s is \"%s\"", what,     \
		       key, v_);                                                                   \
	} while (0)

static const char script[] =
    "cat /proc/self/status; echo \"ID=$(id -u):$(id -g):$(id -G)\"; echo \"UMASK=$(umask)\";"
    "echo \"NOFILE=$(ulimit -Sn):$(ulimit -Hn)\"; echo \"OOM=$(cat /proc/self/oom_score_adj)\";"
    "mkdir d 2>&1; echo \"MKDIR=$?\"; echo \"PWD=$(pwd)\";"
    "echo \"FDS=$(ls /proc/self/fd | tr '\\n' ' ')\"; echo \"LISTEN=$LISTEN_FDS:$LISTEN_PID:$$\";"
    "echo \"HOME=$HOME\"; echo \"FOO=$FOO\"; echo \"UNAME=$(uname -m)\";"
    "echo \"SCHED=$(cut -d' ' -f19,41 /proc/self/stat)\"";

static struct vsl_seccomp_rule deny_mkdir[] = {
    {.names = NAMES("mkdir", "mkdirat"), .action = "SCMP_ACT_ERRNO"},
};

/* uid 1000 with ambient caps, no_new_privs: seccomp loaded last. */
static void test_unprivileged(void)
{
	struct vsl_rlimit rl[] = {{"RLIMIT_NOFILE", RLIMIT_NOFILE, 1000, 2000}};
	uint32_t gids[] = {10, 20};
	cleanup_free char *cwd = xasprintf("%s/work/sub", tmpdir);
	char *args[] = {"sh", "-c", (char *)script, NULL};
	struct vsl_config cfg = {.has_linux = true};
	struct vsl_process proc = {
	    .user = {.uid = 1000,
		     .gid = 1000,
		     .has_umask = true,
		     .umask = 027,
		     .additional_gids = gids,
		     .n_additional_gids = 2},
	    .args = args,
	    .env = NAMES("PATH=/usr/bin:/bin", "FOO=bar"),
	    .cwd = cwd,
	    .has_capabilities = true,
	    .capabilities = {.bounding = NAMES("CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"),
			     .permitted = NAMES("CAP_KILL", "CAP_NET_BIND_SERVICE"),
			     .effective = NAMES("CAP_KILL", "CAP_NET_BIND_SERVICE"),
			     .inheritable = NAMES("CAP_KILL", "CAP_NET_BIND_SERVICE"),
			     .ambient = NAMES("CAP_NET_BIND_SERVICE")},
	    .rlimits = rl,
	    .n_rlimits = 1,
	    .no_new_privileges = true,
	    .has_oom_score_adj = true,
	    .oom_score_adj = 500,
	};
	struct vsl_proc_opts o = {.proc = &proc, .cfg = &cfg, .listen_fds = 1};
	struct child_out out;
	char want[64];
	struct vsl_err err;

	cfg.linux.has_seccomp = true;
	cfg.linux.seccomp = (struct vsl_seccomp){
	    .default_action = "SCMP_ACT_ALLOW", .syscalls = deny_mkdir, .n_syscalls = 1};
	/* prepare enters the cwd; making a missing one is vsl_rootfs_enter's */
	if (vsl_mkdir_p(cwd, 0755, &err) < 0)
		abort();
	run(&o, &out, NULL, NULL, -1);
	ok(WIFEXITED(out.status) && WEXITSTATUS(out.status) == 0, "uid 1000: program ran (%s)",
	   strstr(out.buf, "ERR:") ? strstr(out.buf, "ERR:") : "exit");
	/* Non-root exec: permitted and effective become the ambient set. */
	is_field(&out, "CapBnd:", "0000000000000421", "uid 1000");
	is_field(&out, "CapInh:", "0000000000000420", "uid 1000");
	is_field(&out, "CapPrm:", "0000000000000400", "uid 1000");
	is_field(&out, "CapEff:", "0000000000000400", "uid 1000");
	is_field(&out, "CapAmb:", "0000000000000400", "uid 1000");
	is_field(&out, "NoNewPrivs:", "1", "uid 1000");
	is_field(&out, "Seccomp:", "2", "uid 1000");
	is_field(&out, "ID=", "1000:1000:1000 10 20", "uid 1000");
	is_field(&out, "UMASK=", "0027", "uid 1000");
	is_field(&out, "NOFILE=", "1000:2000", "uid 1000");
	is_field(&out, "OOM=", "500", "uid 1000");
	is_field(&out, "MKDIR=", "1", "uid 1000");
	ok(strstr(out.buf, "Operation not permitted") != NULL, "mkdir failed with EPERM");
	is_field(&out, "PWD=", cwd, "cwd entered");
	is_field(&out, "FDS=", "0 1 2 3 4 ", "only 0-2, the listen fd 3 and ls's own dir fd");
	field(out.buf, "LISTEN=", want, sizeof(want));
	/* LISTEN_PID is 1, as runc and crun give it, also without a pid namespace. */
	ok(strncmp(want, "1:1:", 4) == 0, "LISTEN_FDS=1 and LISTEN_PID=1 (%s)", want);
	ok(strcmp(field(out.buf, "HOME=", want, sizeof(want)), "") != 0, "HOME set (%s)", want);
	is_field(&out, "FOO=", "bar", "uid 1000");
}

/* uid 0 without CAP_SYS_ADMIN and without no_new_privs: the filter must go in before the
 * capabilities are dropped; personality and scheduler apply. */
static void test_root_early_seccomp(void)
{
	char *args[] = {"sh", "-c", (char *)script, NULL};
	char *keep[] = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_SETUID", "CAP_SETGID", NULL};
	struct vsl_config cfg = {.has_linux = true};
	struct vsl_process proc = {
	    .args = args,
	    .env = NAMES("PATH=/usr/bin:/bin", "HOME=/nowhere"),
	    .cwd = tmpdir,
	    .has_capabilities = true,
	    .capabilities = {.bounding = keep,
			     .permitted = keep,
			     .effective = keep,
			     .inheritable = NAMES("CAP_NOT_A_CAP")},
	    .has_scheduler = true,
	    .scheduler = {.policy = "SCHED_BATCH", .policy_id = 3, .nice = 5},
	};
	struct vsl_proc_opts o = {.proc = &proc, .cfg = &cfg};
	struct child_out out;

	cfg.linux.has_seccomp = true;
	cfg.linux.seccomp = (struct vsl_seccomp){
	    .default_action = "SCMP_ACT_ALLOW", .syscalls = deny_mkdir, .n_syscalls = 1};
	cfg.linux.has_personality = true;
	cfg.linux.personality_domain = "LINUX32";
	run(&o, &out, NULL, NULL, -1);
	ok(WIFEXITED(out.status) && WEXITSTATUS(out.status) == 0, "uid 0: program ran (%s)",
	   strstr(out.buf, "ERR:") ? strstr(out.buf, "ERR:") : "exit");
	is_field(&out, "CapBnd:", "00000000000000c3", "uid 0");
	is_field(&out, "CapEff:", "00000000000000c3", "uid 0");
	is_field(&out, "CapPrm:", "00000000000000c3", "uid 0");
	is_field(&out, "CapInh:", "0000000000000000", "uid 0 (unknown name skipped)");
	is_field(&out, "NoNewPrivs:", "0", "uid 0");
	is_field(&out, "Seccomp:", "2", "uid 0, loaded before the caps drop");
	is_field(&out, "ID=", "0:0:0", "uid 0 (supplementary groups cleared)");
	is_field(&out, "MKDIR=", "1", "uid 0");
	is_field(&out, "HOME=", "/nowhere", "HOME from process.env kept");
	is_field(&out, "UNAME=", "i686", "personality LINUX32");
	is_field(&out, "SCHED=", "5 3", "SCHED_BATCH with nice 5");
	is_field(&out, "FDS=", "0 1 2 3 ", "no preserved fds: only ls's own fd 3 beyond 0-2");
	{
		char v[64];

		ok(strncmp(field(out.buf, "LISTEN=", v, sizeof(v)), "::", 2) == 0,
		   "no LISTEN_FDS/LISTEN_PID without socket activation (%s)", v);
	}
}

static void test_missing_exec(void)
{
	struct vsl_config cfg = {0};
	struct vsl_process proc = {
	    .args = NAMES("vsl-no-such-program"), .env = NAMES("PATH=/usr/bin:/bin"), .cwd = "/"};
	struct vsl_proc_opts o = {.proc = &proc, .cfg = &cfg};
	struct child_out out;

	run(&o, &out, NULL, NULL, -1);
	out.buf[strcspn(out.buf, "\n")] = '\0';
	ok(WIFEXITED(out.status) && WEXITSTATUS(out.status) == 90 &&
	       strstr(out.buf, "ERR:process.args[0]: executable \"vsl-no-such-program\" not found "
			       "in PATH /usr/bin:/bin:2"),
	   "missing executable fails in prepare: %s", out.buf);
}

/* A cwd that is missing, or that leads through a magic link to whatever an fd points at,
 * fails in prepare naming process.cwd, and nothing is created. */
static void test_cwd_refused(void)
{
	cleanup_free char *missing = xasprintf("%s/not-there", tmpdir);
	cleanup_free char *via_fd = xasprintf("/proc/self/fd/3/../%s", "escaped");
	const char *cwds[] = { missing, "/proc/self/fd/3", via_fd, "/proc/self/cwd",
			       "/proc/1/cwd/tmp" };
	/* the error code after the message: ENOENT, else ELOOP for the magic link (another
	 * process' cwd may already be refused to look at: EACCES) */
	const char *want[] = { ":2", ":40", ":40", ":40", ":40" };
	struct stat st;

	for (size_t i = 0; i < sizeof(cwds) / sizeof(cwds[0]); i++) {
		struct vsl_config cfg = {0};
		struct vsl_process proc = {
		    .args = NAMES("true"), .env = NAMES("PATH=/usr/bin:/bin"), .cwd = (char *)cwds[i]};
		struct vsl_proc_opts o = {.proc = &proc, .cfg = &cfg, .preserve_fds = 1};
		struct child_out out;

		run(&o, &out, NULL, NULL, -1);
		out.buf[strcspn(out.buf, "\n")] = '\0';
		ok(WIFEXITED(out.status) && WEXITSTATUS(out.status) == 90 &&
		       strstr(out.buf, "ERR:process.cwd: ") &&
		       (strstr(out.buf, want[i]) || (i == 4 && strstr(out.buf, ":13"))),
		   "cwd %s refused: %s", cwds[i], out.buf);
	}
	ok(stat(missing, &st) < 0 && errno == ENOENT, "a missing cwd is not made by prepare");
}

/* An fd in the preserved range that is close-on-exec was opened by vessel itself (the
 * caller's fds survived an exec into vessel, so they are not): it must not pass. */
static void test_own_fd_not_preserved(void)
{
	cleanup_free char *own = xasprintf("%s/vessel-own-fd", tmpdir);
	cleanup_free char *cmd = xasprintf("ls -l /proc/self/fd/ > %s/fds.txt; cat %s/fds.txt",
					   tmpdir, tmpdir);
	struct vsl_config cfg = {0};
	struct vsl_process proc = {
	    .args = NAMES("sh", "-c", cmd), .env = NAMES("PATH=/usr/bin:/bin"), .cwd = "/"};
	struct vsl_proc_opts o = {.proc = &proc, .cfg = &cfg, .preserve_fds = 2};
	struct child_out out;
	int fd = open(own, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	/* fd 4 (after the preserved fd 3 of child()) is close-on-exec, as vessel's are */
	if (fd < 0 || (fd != 4 && dup3(fd, 4, O_CLOEXEC) < 0))
		abort();
	run(&o, &out, NULL, NULL, -1);
	if (fd != 4)
		close(fd);
	close(4);
	ok(WIFEXITED(out.status) && WEXITSTATUS(out.status) == 0, "preserve-fds 2: program ran");
	ok(strstr(out.buf, " 3 -> /dev/null") != NULL, "the caller's fd 3 passes");
	ok(strstr(out.buf, "vessel-own-fd") == NULL, "vessel's close-on-exec fd 4 does not");
}

static struct {
	char state[4096];
	int got_fd;
	int notified;
	char nr_name[32];
} agent;

/* A seccomp agent: take the state and listener fd, answer every notification EROFS. */
static void serve_agent(int lsock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = agent.state, .iov_len = sizeof(agent.state) - 1};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct pollfd pf = {.fd = lsock, .events = POLLIN};
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	struct cmsghdr *c;
	int conn, fd = -1;
	ssize_t n;

	memset(&agent, 0, sizeof(agent));
	if (poll(&pf, 1, 10000) <= 0 || (conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return;
	n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	agent.got_fd = fd >= 0;
	/* The state may come in more than one piece; the connection is closed after it. */
	while (n > 0 && (size_t)n < sizeof(agent.state) - 1) {
		ssize_t m = read(conn, agent.state + n, sizeof(agent.state) - 1 - (size_t)n);
		if (m <= 0)
			break;
		n += m;
	}
	close(conn);
	for (pf.fd = fd; fd >= 0 && poll(&pf, 1, 10000) > 0 && (pf.revents & POLLIN);) {
		memset(&req, 0, sizeof(req));
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
			break;
		char *name = seccomp_syscall_resolve_num_arch(req.data.arch, req.data.nr);
		snprintf(agent.nr_name, sizeof(agent.nr_name), "%s", name ? name : "?");
		free(name);
		resp = (struct seccomp_notif_resp){.id = req.id, .error = -EROFS};
		ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
		agent.notified++;
	}
	if (fd >= 0)
		close(fd);
}

static void test_notify(void)
{
	cleanup_free char *sock = xasprintf("%s/agent.sock", tmpdir);
	cleanup_free char *target = xasprintf("%s/notified", tmpdir);
	cleanup_free char *cmd = xasprintf("mkdir %s 2>&1; echo MKDIR=$?", target);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct vsl_seccomp_rule notify_mkdir[] = {
	    {.names = NAMES("mkdir", "mkdirat"), .action = "SCMP_ACT_NOTIFY"},
	};
	struct vsl_config cfg = {.has_linux = true, .oci_version = "1.2.0"};
	struct vsl_process proc = {.args = NAMES("sh", "-c", cmd),
				   .env = NAMES("A=b"),
				   .cwd = "/",
				   .no_new_privileges = true};
	struct vsl_proc_opts o = {
	    .proc = &proc,
	    .cfg = &cfg,
	    .state_json = "{\"ociVersion\":\"1.2.0\",\"id\":\"vsltest-proc-n\",\"pid\":4242}",
	};
	struct child_out out;
	struct stat st;
	int lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (lsock < 0 || bind(lsock, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lsock, 1) < 0) {
		ok(0, "agent socket %s: %s", sock, strerror(errno));
		return;
	}
	cfg.linux.has_seccomp = true;
	cfg.linux.seccomp = (struct vsl_seccomp){
	    .default_action = "SCMP_ACT_ALLOW",
	    .listener_path = sock,
	    .listener_metadata = "m1",
	    .flags = NAMES("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
	    .syscalls = notify_mkdir,
	    .n_syscalls = 1};
	run(&o, &out, sock, serve_agent, lsock);
	close(lsock);
	ok(WIFEXITED(out.status) && WEXITSTATUS(out.status) == 0, "notify: program ran");
	ok(agent.got_fd, "agent got the listener fd over SCM_RIGHTS");
	ok(strstr(agent.state, "\"fds\":[\"seccompFd\"],\"pid\":4242,\"metadata\":\"m1\"") &&
	       strstr(agent.state, "\"id\":\"vsltest-proc-n\""),
	   "agent got the container process state: %s", agent.state);
	ok(agent.notified >= 1 && strncmp(agent.nr_name, "mkdir", 5) == 0,
	   "agent was asked about %s", agent.nr_name);
	ok(strstr(out.buf, "Read-only file system") && strstr(out.buf, "MKDIR=1"),
	   "the agent's answer reached the program");
	ok(stat(target, &st) < 0 && errno == ENOENT, "the directory was not made");
}

int main(void)
{
	struct vsl_err err;

	if (geteuid() != 0) {
		printf(
		    "1..0 # SKIP needs root (forks children that switch uid and load filters)\n");
		return 0;
	}
	if (!mkdtemp(tmpdir))
		return 1;
	chmod(tmpdir, 0755);
	test_unprivileged();
	test_root_early_seccomp();
	test_missing_exec();
	test_cwd_refused();
	test_own_fd_not_preserved();
	test_notify();
	vsl_rm_rf(tmpdir, &err);
	return tap_done();
}
