/* runtime/hooks.c on real processes: shell-script hooks in a temp dir, and this binary
 * itself as a hook (argv[0] "vsltest-hook" or VSLTEST_HOOK_OUT set) to see exactly what
 * argv, environment, stdin and fds a hook gets. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/hooks.h"
#include "tests/unit/tap.h"

extern char **environ;

static char tmpdir[] = "/tmp/vsltest-term-hooks-XXXXXX";

/* Hook mode: write "argv|..." "env|..." "fds N" and stdin to the file, exit 0. */
static int hook_main(int argc, char **argv, const char *out)
{
	FILE *f = fopen(out, "w");
	DIR *d;
	struct dirent *e;
	int extra = 0, c;

	if (!f)
		return 100;
	fprintf(f, "argv");
	for (int i = 0; i < argc; i++)
		fprintf(f, "|%s", argv[i]);
	fprintf(f, "\nenv");
	for (char **v = environ; *v; v++)
		fprintf(f, "|%s", *v);
	d = opendir("/proc/self/fd");
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) > 2 && atoi(e->d_name) != dirfd(d) &&
		    atoi(e->d_name) != fileno(f))
			extra++;
	if (d)
		closedir(d);
	fprintf(f, "\nfds %d\nstdin ", extra);
	while ((c = getchar()) != EOF)
		fputc(c, f);
	fclose(f);
	return 0;
}

static char *path_in(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static char *script(const char *name, const char *body)
{
	char *p = path_in(name);
	FILE *f = fopen(p, "w");

	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(p, 0755);
	return p;
}

static char *slurp(const char *name)
{
	cleanup_free char *p = path_in(name);
	struct vsl_err err;
	char *s = NULL;

	if (vsl_read_file(p, &s, NULL, &err) < 0)
		return xstrdup("");
	return s;
}

static struct vsl_hook mk(char *path, char **args, char **env, int timeout)
{
	return (struct vsl_hook){ .path = path, .args = args, .env = env,
				  .has_timeout = timeout > 0, .timeout = timeout };
}

static void test_order_and_stop(void)
{
	cleanup_free char *log = path_in("order");
	cleanup_free char *b1 = xasprintf("echo one >> %s", log);
	cleanup_free char *b3 = xasprintf("echo three >> %s", log);
	cleanup_free char *b4 = xasprintf("echo four >> %s", log);
	cleanup_free char *s1 = script("h1", b1);
	cleanup_free char *s2 = script("h2", "echo oops; echo 'it broke' >&2; exit 3");
	cleanup_free char *s3 = script("h3", b3), *s4 = script("h4", b4);
	struct vsl_hook ok_hooks[] = { mk(s1, NULL, NULL, 0), mk(s3, NULL, NULL, 0),
				       mk(s4, NULL, NULL, 0) };
	struct vsl_hook bad_hooks[] = { mk(s1, NULL, NULL, 0), mk(s2, NULL, NULL, 0),
					mk(s3, NULL, NULL, 0) };
	struct vsl_hook_list good = { ok_hooks, 3 }, bad = { bad_hooks, 3 };
	cleanup_free char *want = NULL, *got = NULL;
	struct vsl_err err = { 0 };
	int r;

	r = vsl_hooks_run(&good, "prestart", "{}", NULL, &err);
	got = slurp("order");
	ok(r == 0, "three hooks succeed (%s)", err.msg);
	is_str(got, "one\nthree\nfour\n", "hooks run in the listed order");
	unlink(log);
	free(got);

	r = vsl_hooks_run(&bad, "createRuntime", "{}", NULL, &err);
	got = slurp("order");
	want = xasprintf("hooks.createRuntime[1] %s: exited with status 3: it broke", s2);
	ok(r == -EINVAL && err.code == EINVAL, "a hook exiting 3 fails the list");
	is_str(err.msg, want, "the error names the hook, its status and last output line");
	is_str(got, "one\n", "hooks after the failing one do not run");
}

static void test_self_hook(const char *self)
{
	char *args[] = { "vsltest-hook", NULL, "a", "b c", "", NULL };
	char *env[] = { "A=1", "B=two words", NULL };
	char *empty_env[] = { NULL };
	cleanup_free char *out = path_in("self");
	cleanup_free char *want = NULL, *got = NULL;
	struct vsl_hook h = mk((char *)self, args, env, 5);
	struct vsl_hook_list list = { &h, 1 };
	struct vsl_err err = { 0 };
	int leak = open("/dev/null", O_RDONLY); /* deliberately without O_CLOEXEC */
	const char *state = "{\"ociVersion\":\"1.2.0\",\"id\":\"x\",\"status\":\"creating\"}";

	args[1] = out;
	ok(vsl_hooks_run(&list, "poststart", state, NULL, &err) == 0, "self hook runs (%s)",
	   err.msg);
	got = slurp("self");
	want = xasprintf("argv|vsltest-hook|%s|a|b c|\nenv|A=1|B=two words\nfds 0\nstdin %s", out,
			 state);
	is_str(got, want, "argv, env, state on stdin as given; no fd beyond 0-2 inherited");
	close(leak);

	/* No args: argv[0] is the path. No env: vessel's environment. */
	setenv("VSLTEST_HOOK_OUT", out, 1);
	h = mk((char *)self, NULL, NULL, 0);
	ok(vsl_hooks_run(&list, "poststart", NULL, NULL, &err) == 0, "argless hook runs");
	free(got);
	got = slurp("self");
	free(want);
	want = xasprintf("argv|%s\n", self);
	ok(strncmp(got, want, strlen(want)) == 0, "no args: argv is just the path");
	ok(strstr(got, "|VSLTEST_HOOK_OUT=") != NULL, "no env: the environment is inherited");
	ok(strstr(got, "\nstdin ") && strstr(got, "\nstdin ")[7] == '\0', "no state: empty stdin");

	/* env present but empty: an empty environment; then VSLTEST_HOOK_OUT is gone, so
	 * point at the file through argv. */
	unsetenv("VSLTEST_HOOK_OUT");
	h = mk((char *)self, args, empty_env, 0);
	ok(vsl_hooks_run(&list, "poststart", "{}", NULL, &err) == 0, "empty-env hook runs");
	free(got);
	got = slurp("self");
	ok(strstr(got, "\nenv\nfds") != NULL, "empty env: nothing in the environment");
}

static void test_state_big(void)
{
	/* past the 1 MiB pipe-max-size that only CAP_SYS_RESOURCE may exceed (a 1 MB
	 * annotation in a user namespace): such a state comes in a memfd */
	size_t n = 2 * 1024 * 1024 + 300 * 1024;
	cleanup_free char *state = xmalloc(n + 1);
	cleanup_free char *dst = path_in("big");
	cleanup_free char *body = xasprintf("cat > %s", dst);
	cleanup_free char *cat = script("cat.sh", body), *deaf = script("deaf.sh", "exit 0");
	struct vsl_hook hooks[] = { mk(cat, NULL, NULL, 10), mk(deaf, NULL, NULL, 10) };
	struct vsl_hook_list list = { hooks, 2 };
	struct vsl_err err = { 0 };
	struct stat st = { 0 };

	memset(state, 'x', n);
	state[n] = '\0';
	ok(vsl_hooks_run(&list, "createContainer", state, NULL, &err) == 0,
	   "2.3 MiB of state: read by one hook, ignored by the next (%s)", err.msg);
	stat(dst, &st);
	ok((size_t)st.st_size == n, "the whole state arrived on stdin (%lld bytes)",
	   (long long)st.st_size);
}

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool gone(pid_t pid)
{
	char p[64], buf[512];
	cleanup_close int fd = -1;
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	return strstr(buf, ") Z ") != NULL;
}

static void test_timeout(void)
{
	cleanup_free char *pidf = path_in("sleep.pid");
	cleanup_free char *body = xasprintf("echo started\nsleep 30 & echo $! > %s\nwait", pidf);
	cleanup_free char *s = script("sleeper", body), *want = NULL, *pid_s = NULL;
	struct vsl_hook h = mk(s, NULL, NULL, 1);
	struct vsl_hook_list list = { &h, 1 };
	struct vsl_err err = { 0 };
	int64_t t0 = ms_now(), took;
	int r = vsl_hooks_run(&list, "poststop", "{}", NULL, &err);
	bool dead = false;

	took = ms_now() - t0;
	want = xasprintf("hooks.poststop[0] %s: timed out after 1s (killed): started", s);
	ok(r == -EINVAL, "a hook past its timeout fails");
	ok(took >= 900 && took < 2500, "it is killed after ~1 s (took %lld ms)", (long long)took);
	is_str(err.msg, want, "the error says it timed out");
	pid_s = slurp("sleep.pid");
	for (int i = 0; i < 100 && !dead && atoi(pid_s) > 0; i++) {
		dead = gone(atoi(pid_s));
		if (!dead)
			usleep(10000);
	}
	ok(dead, "the hook's own child (sleep, pid %d) was killed with it", atoi(pid_s));
}

static void test_failures(void)
{
	cleanup_free char *sig = script("sig", "kill -TERM $$");
	cleanup_free char *noexec = path_in("noexec");
	cleanup_free char *want = NULL;
	struct vsl_hook h = mk("/nonexistent/vsltest-hook", NULL, NULL, 0);
	struct vsl_hook_list list = { &h, 1 };
	struct vsl_err err = { 0 };
	int r;

	r = vsl_hooks_run(&list, "prestart", "{}", NULL, &err);
	ok(r == -ENOENT && err.code == ENOENT, "a missing hook fails with ENOENT");
	is_str(err.msg, "hooks.prestart[0] /nonexistent/vsltest-hook: exec",
	       "the error names the hook");

	fclose(fopen(noexec, "w"));
	h = mk(noexec, NULL, NULL, 0);
	r = vsl_hooks_run(&list, "prestart", "{}", NULL, &err);
	ok(r == -EACCES, "a hook that is not executable fails with EACCES (%d)", r);

	h = mk(sig, NULL, NULL, 0);
	r = vsl_hooks_run(&list, "startContainer", "{}", NULL, &err);
	want = xasprintf("hooks.startContainer[0] %s: killed by signal 15 (TERM)", sig);
	is_str(err.msg, want, "a hook killed by a signal says which");

	h = mk("relative/path", NULL, NULL, 0);
	r = vsl_hooks_run(&list, "prestart", "{}", NULL, &err);
	ok(r == -EINVAL && strstr(err.msg, "must be absolute"), "a relative path is refused");

	ok(vsl_hooks_run(NULL, "prestart", "{}", NULL, &err) == 0, "no list: nothing to do");
	is_str(vsl_hook_name(VSL_HOOK_CREATE_RUNTIME), "createRuntime", "kind names");
}

static void test_output_logged(void)
{
	cleanup_free char *s = script("talk", "echo 'hello from hook'; printf 'no newline' >&2");
	cleanup_free char *logp = path_in("log");
	cleanup_free char *got = NULL;
	struct vsl_hook h = mk(s, NULL, NULL, 0);
	struct vsl_hook_list list = { &h, 1 };
	struct vsl_log log = { .fd = open(logp, O_WRONLY | O_CREAT | O_CLOEXEC, 0600),
			       .level = VSL_LOG_DEBUG };
	struct vsl_err err = { 0 };

	ok(vsl_hooks_run(&list, "poststart", "{}", &log, &err) == 0, "talking hook runs");
	close(log.fd);
	got = slurp("log");
	ok(strstr(got, "hooks.poststart[0] ") && strstr(got, "talk: hello from hook\n"),
	   "stdout lines reach the log sink at debug level");
	ok(strstr(got, "talk: no newline\n") != NULL, "so does stderr, and a last partial line");
}

static void test_warn_and_state(void)
{
	cleanup_free char *log = path_in("warnorder");
	cleanup_free char *b = xasprintf("echo ran >> %s", log);
	cleanup_free char *good = script("good", b), *bad = script("bad", "echo nope; exit 1");
	cleanup_free char *logp = path_in("warnlog"), *got = NULL, *want = NULL, *st = NULL;
	struct vsl_hook hooks[] = { mk(bad, NULL, NULL, 0), mk("/nonexistent/x", NULL, NULL, 0),
				    mk(good, NULL, NULL, 0) };
	struct vsl_hook_list list = { hooks, 3 };
	struct vsl_log sink = { .fd = open(logp, O_WRONLY | O_CREAT | O_CLOEXEC, 0600),
				.level = VSL_LOG_WARN };
	struct vsl_err err = { 0 };
	size_t failed = vsl_hooks_run_warn(&list, "poststop", "{}", &sink);

	close(sink.fd);
	ok(failed == 2, "run_warn counts the two failures (%zu)", failed);
	free(got);
	got = slurp("warnorder");
	is_str(got, "ran\n", "run_warn goes on to the hooks after a failure");
	free(got);
	got = slurp("warnlog");
	want = xasprintf("vessel: warning: hooks.poststop[0] %s: exited with status 1: nope\n"
			 "vessel: warning: hooks.poststop[1] /nonexistent/x: exec: "
			 "No such file or directory\n", bad);
	is_str(got, want, "each failure is one warning line");

	st = vsl_hooks_state_here("{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\","
				  "\"pid\":4242,\"bundle\":\"/b\",\"annotations\":{\"k\":\"v\"}}",
				  VSL_STATUS_CREATED, &err);
	free(want);
	want = xasprintf("\"id\":\"c1\",\"status\":\"created\",\"pid\":%d,\"bundle\":\"/b\"",
			 (int)getpid());
	ok(st && strstr(st, want), "state_here: own pid and the new status: %s", st ? st : err.msg);
	ok(st && strstr(st, "\"annotations\":{\"k\":\"v\"}"), "state_here keeps the annotations");
	ok(vsl_hooks_state_here("{nope", VSL_STATUS_CREATED, &err) == NULL && err.code == EINVAL,
	   "state_here refuses bad JSON");
}

int main(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t n;
	struct vsl_err err;

	if (argc >= 2 && strcmp(argv[0], "vsltest-hook") == 0)
		return hook_main(argc, argv, argv[1]);
	if (getenv("VSLTEST_HOOK_OUT"))
		return hook_main(argc, argv, getenv("VSLTEST_HOOK_OUT"));
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0 || !mkdtemp(tmpdir))
		return 1;
	self[n] = '\0';

	test_order_and_stop();
	test_self_hook(self);
	test_state_big();
	test_timeout();
	test_failures();
	test_output_logged();
	test_warn_and_state();
	vsl_rm_rf(tmpdir, &err);
	return tap_done();
}
