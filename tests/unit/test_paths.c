/* runtime/paths.c on a temporary directory used as a root: symlinks to "/", "../../.."
 * and absolute host paths must resolve inside it, and creating mount targets through them
 * must never touch the host. No root needed. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/paths.h"
#include "tests/unit/tap.h"

static char root[] = "/tmp/vsltest-rootfs-paths-XXXXXX";

static bool same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static bool exists_in_root(const char *rel, mode_t type)
{
	cleanup_free char *p = xasprintf("%s/%s", root, rel);
	struct stat st;

	return lstat(p, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

static void test_clean(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "/", "/" },	      { "", "/" },	     { "a/b", "/a/b" },
		{ "//a//b/", "/a/b" }, { "/a/./b/.", "/a/b" }, { "/a/../b", "/a/../b" },
		{ "./x", "/x" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *c = vsl_path_clean(cases[i].in);

		is_str(c, cases[i].out, "clean \"%s\" -> \"%s\"", cases[i].in, c);
	}
}

static void setup(void)
{
	cleanup_free char *etc = xasprintf("%s/etc", root);
	cleanup_free char *passwd = xasprintf("%s/etc/passwd", root);
	static const struct {
		const char *target, *name;
	} links[] = {
		{ "/", "evil" },	{ "../../..", "up" },	      { "/etc", "etc-link" },
		{ "/nonexistent-vsltest", "dangling" }, { "/proc/self/root", "magic" },
		{ "x/rel-target", "reldangle" }, { "loop2", "loop1" }, { "/loop1", "loop2" },
	};
	int fd;

	mkdir(etc, 0755);
	fd = open(passwd, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		vsl_write_all(fd, "inside\n", 7);
		close(fd);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		cleanup_free char *p = xasprintf("%s/%s", root, links[i].name);

		if (symlink(links[i].target, p) < 0)
			printf("# symlink %s: %s\n", p, strerror(errno));
	}
}

static void test_open(int rootfd)
{
	struct vsl_err err;
	cleanup_free char *inside = xasprintf("%s/etc/passwd", root);
	int fd;

	fd = vsl_path_open(rootfd, "/evil", O_PATH, &err);
	ok(fd >= 0 && same_file(fd, root), "/evil -> / resolves to the root");
	vsl_closep(&fd);
	fd = vsl_path_open(rootfd, "up", O_PATH, &err);
	ok(fd >= 0 && same_file(fd, root), "up -> ../../.. resolves to the root");
	vsl_closep(&fd);
	fd = vsl_path_open(rootfd, "/../../../etc/passwd", O_RDONLY, &err);
	ok(fd >= 0 && same_file(fd, inside), "/../../../etc/passwd stays in the root");
	vsl_closep(&fd);
	fd = vsl_path_open(rootfd, "/etc-link/passwd", O_RDONLY, &err);
	ok(fd >= 0 && same_file(fd, inside), "absolute symlink /etc resolves in the root");
	vsl_closep(&fd);
	fd = vsl_path_open(rootfd, "/evil/up/evil/etc/passwd", O_RDONLY, &err);
	ok(fd >= 0 && same_file(fd, inside), "chained escapes stay in the root");
	vsl_closep(&fd);
	fd = vsl_path_open(rootfd, "/magic/etc/passwd", O_RDONLY, &err);
	ok(fd == -ENOENT, "a /proc/self/root symlink resolves in the root (no proc there): %d",
	   fd);
	ok(fd < 0 && strstr(err.msg, "/magic/etc/passwd"), "error names the path (%s)",
	   err.msg);
	vsl_closep(&fd);
}

static void test_mkpath(int rootfd)
{
	struct vsl_err err;
	struct stat st;
	cleanup_free char *probe_name = NULL;
	cleanup_free char *probe_path = NULL;
	int fd;

	/* A unique name, so a failure could never be blamed on someone else's file. */
	probe_name = xstrdup(strrchr(root, '-') + 1);
	probe_path = xasprintf("/evil/vsltest-escape-%s/sub", probe_name);
	fd = vsl_path_mkpath(rootfd, probe_path, VSL_PATH_DIR, &err);
	ok(fd >= 0, "mkpath through /evil: %s", fd < 0 ? err.msg : "ok");
	vsl_closep(&fd);
	{
		cleanup_free char *in = xasprintf("vsltest-escape-%s/sub", probe_name);
		cleanup_free char *host = xasprintf("/vsltest-escape-%s", probe_name);

		ok(exists_in_root(in, S_IFDIR), "created inside the root");
		ok(lstat(host, &st) < 0 && errno == ENOENT, "nothing created on the host at %s",
		   host);
	}
	fd = vsl_path_mkpath(rootfd, "/up/up/x/y/file", VSL_PATH_FILE, &err);
	ok(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode), "mkpath file through ../..");
	vsl_closep(&fd);
	ok(exists_in_root("x/y/file", S_IFREG), "file made inside the root");
	fd = vsl_path_mkpath(rootfd, "/x/y/file", VSL_PATH_DIR, &err);
	ok(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode),
	   "existing file returned as is (caller checks the kind)");
	vsl_closep(&fd);
	fd = vsl_path_mkpath(rootfd, "/dangling/sub", VSL_PATH_DIR, &err);
	ok(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode),
	   "dangling symlink: its target is made (%s)", fd < 0 ? err.msg : "ok");
	vsl_closep(&fd);
	ok(exists_in_root("nonexistent-vsltest/sub", S_IFDIR), "... inside the root");
	ok(lstat("/nonexistent-vsltest", &st) < 0, "dangling target not created on the host");
	fd = vsl_path_mkpath(rootfd, "/reldangle/f", VSL_PATH_FILE, &err);
	ok(fd >= 0 && exists_in_root("x/rel-target/f", S_IFREG),
	   "relative dangling symlink made from its parent (%s)", fd < 0 ? err.msg : "ok");
	vsl_closep(&fd);
	fd = vsl_path_mkpath(rootfd, "/loop1/x", VSL_PATH_DIR, &err);
	ok(fd == -ELOOP, "symlink loop is ELOOP (%d: %s)", fd, err.msg);
	fd = vsl_path_mkpath(rootfd, "/etc/passwd/sub", VSL_PATH_DIR, &err);
	ok(fd == -ENOTDIR, "a file in the middle is ENOTDIR (%d)", fd);
	fd = vsl_path_mkpath(rootfd, "/", VSL_PATH_DIR, &err);
	ok(fd >= 0 && same_file(fd, root), "mkpath / is the root");
	vsl_closep(&fd);
}

int main(void)
{
	cleanup_close int rootfd = -1;
	struct vsl_err err;

	test_clean();
	if (!mkdtemp(root)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return tap_done();
	}
	setup();
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ok(rootfd >= 0, "open temp root %s", root);
	test_open(rootfd);
	test_mkpath(rootfd);
	ok(vsl_rm_rf(root, &err) == 0, "temp root removed");
	return tap_done();
}
