/* runtime/procattr.c, pure parts: env lookup, PATH search (with a fake file system),
 * HOME from passwd text, scheduler flag and personality tables, rlimit checks. */
#include <errno.h>
#include <linux/sched.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <sys/resource.h>

#include "runtime/procattr.h"
#include "tests/unit/tap.h"

/* The fake file system: these paths are executables, /opt/noexec/tool is not. */
static int fake_check(const char *path, void *data)
{
	static const char *const exe[] = {"/bin/sh",	  "/usr/bin/env", "/usr/local/bin/env",
					  "./local-tool", "rel/dir/tool", NULL};
	int *calls = data;

	(*calls)++;
	for (int i = 0; exe[i]; i++)
		if (strcmp(path, exe[i]) == 0)
			return 0;
	if (strcmp(path, "/opt/noexec/tool") == 0)
		return -EACCES;
	return -ENOENT;
}

static void test_lookup(void)
{
	struct vsl_err err;
	char *out = NULL;
	int calls = 0;

	ok(vsl_path_lookup("env", "/usr/local/bin:/usr/bin", fake_check, &calls, &out, &err) == 0 &&
	       strcmp(out, "/usr/local/bin/env") == 0,
	   "first PATH entry wins");
	free(out);
	ok(vsl_path_lookup("env", "/nope:/usr/bin", fake_check, &calls, &out, &err) == 0 &&
	       strcmp(out, "/usr/bin/env") == 0,
	   "later PATH entry");
	free(out);
	ok(vsl_path_lookup("local-tool", "/usr/bin::/bin", fake_check, &calls, &out, &err) == 0 &&
	       strcmp(out, "./local-tool") == 0,
	   "empty PATH entry is the cwd");
	free(out);
	calls = 0;
	ok(vsl_path_lookup("rel/dir/tool", "/usr/bin", fake_check, &calls, &out, &err) == 0 &&
	       strcmp(out, "rel/dir/tool") == 0 && calls == 1,
	   "a name with '/' is not searched");
	free(out);
	ok(vsl_path_lookup("/bin/missing", "/bin", fake_check, &calls, &out, &err) == -ENOENT &&
	       strstr(err.msg, "/bin/missing"),
	   "missing absolute path: %s", err.msg);
	ok(vsl_path_lookup("missing", "/bin:/usr/bin", fake_check, &calls, &out, &err) == -ENOENT &&
	       strcmp(err.msg,
		      "process.args[0]: executable \"missing\" not found in PATH /bin:/usr/bin") ==
		   0,
	   "not found: %s", err.msg);
	ok(vsl_path_lookup("tool", "/opt/noexec", fake_check, &calls, &out, &err) == -EACCES,
	   "found but not executable is EACCES: %s", err.msg);
	ok(vsl_path_lookup("sh", VSL_DEFAULT_PATH, fake_check, &calls, &out, &err) == 0 &&
	       strcmp(out, "/bin/sh") == 0,
	   "default PATH reaches /bin");
	free(out);
	ok(vsl_path_lookup("", "/bin", fake_check, &calls, &out, &err) == -EINVAL, "empty args[0]");
}

static void test_env_passwd(void)
{
	char *env[] = {"PATHX=no", "PATH=/a:/b", "HOME=", "EMPTY", NULL};
	static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
				     "nohome:x:7:7:::/bin/false\n"
				     "user::1000:1000:A User:/home/user:/bin/sh";
	char *h;

	is_str(vsl_env_get(env, "PATH"), "/a:/b", "PATH found, not PATHX");
	is_str(vsl_env_get(env, "HOME"), "", "empty value");
	ok(vsl_env_get(env, "EMPTY") == NULL, "a bare name is no variable");
	ok(vsl_env_get(NULL, "PATH") == NULL, "NULL env");
	h = vsl_passwd_home(passwd, 0);
	is_str(h, "/root", "root's home");
	free(h);
	h = vsl_passwd_home(passwd, 1000);
	is_str(h, "/home/user", "last line without newline, empty password field");
	free(h);
	h = vsl_passwd_home(passwd, 7);
	is_str(h, "/", "empty home field -> /");
	free(h);
	h = vsl_passwd_home(passwd, 4242);
	is_str(h, "/", "no entry -> /");
	free(h);
	h = vsl_passwd_home(NULL, 0);
	is_str(h, "/", "no passwd -> /");
	free(h);
}

static void test_tables(void)
{
	struct vsl_err err;
	uint64_t fl = 0;
	unsigned long per = 99;

	ok(vsl_sched_flags((char *[]){"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",
				      "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY",
				      "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
				      "SCHED_FLAG_UTIL_CLAMP_MAX", NULL},
			   &fl, &err) == 0 &&
	       fl == SCHED_FLAG_ALL,
	   "every scheduler flag");
	ok(vsl_sched_flags(NULL, &fl, &err) == 0 && fl == 0, "no flags");
	ok(vsl_sched_flags((char *[]){"SCHED_FLAG_NOPE", NULL}, &fl, &err) == -EINVAL &&
	       strstr(err.msg, "process.scheduler.flags: unknown flag \"SCHED_FLAG_NOPE\""),
	   "unknown scheduler flag: %s", err.msg);
	ok(vsl_personality("LINUX", NULL, &per, &err) == 0 && per == PER_LINUX, "LINUX");
	ok(vsl_personality("LINUX32", (char *[]){NULL}, &per, &err) == 0 && per == PER_LINUX32,
	   "LINUX32");
	ok(vsl_personality("LINUX64", NULL, &per, &err) == -EINVAL &&
	       strstr(err.msg, "linux.personality.domain"),
	   "unknown domain: %s", err.msg);
	ok(vsl_personality("LINUX", (char *[]){"SHORT_INODE", NULL}, &per, &err) == -EINVAL &&
	       strstr(err.msg, "linux.personality.flags"),
	   "flags are not supported: %s", err.msg);

	struct vsl_rlimit good[] = {{"RLIMIT_NOFILE", RLIMIT_NOFILE, 100, 200},
				    {"RLIMIT_CORE", RLIMIT_CORE, 0, 0}};
	struct vsl_rlimit dup[] = {{"RLIMIT_NOFILE", RLIMIT_NOFILE, 100, 200},
				   {"RLIMIT_NOFILE", RLIMIT_NOFILE, 1, 2}};
	struct vsl_rlimit inv[] = {{"RLIMIT_NOFILE", RLIMIT_NOFILE, 300, 200}};
	struct vsl_rlimit unk[] = {{"RLIMIT_NOPE", -1, 1, 1}};
	ok(vsl_rlimits_check(good, 2, &err) == 0, "distinct rlimits");
	ok(vsl_rlimits_check(dup, 2, &err) == -EINVAL &&
	       strstr(err.msg, "process.rlimits[1]: RLIMIT_NOFILE given twice"),
	   "duplicate rlimit: %s", err.msg);
	ok(vsl_rlimits_check(inv, 1, &err) == -EINVAL, "soft above hard: %s", err.msg);
	ok(vsl_rlimits_check(unk, 1, &err) == -EINVAL && strstr(err.msg, "RLIMIT_NOPE"),
	   "unresolved type: %s", err.msg);
}

int main(void)
{
	test_lookup();
	test_env_passwd();
	test_tables();
	return tap_done();
}
