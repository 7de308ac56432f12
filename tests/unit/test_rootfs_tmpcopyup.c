/* vsl_tmpcopyup: the copy a tmpcopyup tmpfs starts with (files with their data and mode,
 * directories, symlinks not followed, fifos, owners, times), between two temp dirs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "runtime/rootfs.h"
#include "tap.h"

static char *read_at(int dfd, const char *name)
{
	static char buf[256];
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static mode_t mode_at(int dfd, const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ? 0 : st.st_mode;
}

static void make_source(int s)
{
	int fd = openat(s, "file", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};

	vsl_write_all(fd, "hello\n", 6);
	close(fd);
	fchownat(s, "file", 1000, 1001, 0);
	fchmodat(s, "file", 04750, 0);
	utimensat(s, "file", old, 0);
	mkdirat(s, "dir", 0700);
	mkdirat(s, "dir/sub", 0755);
	fd = openat(s, "dir/sub/deep", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	vsl_write_all(fd, "deep", 4);
	close(fd);
	symlinkat("/etc/passwd", s, "abs-link"); /* must stay a link, not its target */
	symlinkat("dir/sub", s, "rel-link");
	mkfifoat(s, "fifo", 0620);
	fchmodat(s, "fifo", 0620, 0);
}

int main(void)
{
	char src[] = "/tmp/vsltest-orch-copyup-src.XXXXXX";
	char dst[] = "/tmp/vsltest-orch-copyup-dst.XXXXXX";
	char link[64] = "";
	struct vsl_err err;
	struct stat st;
	int s, d, r;

	if (!mkdtemp(src) || !mkdtemp(dst))
		return 1;
	s = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	make_source(s);

	r = vsl_tmpcopyup(s, d, "mounts[0] (/tmp)", &err);
	ok(r == 0, "copy succeeds");
	is_str(read_at(d, "file"), "hello\n", "file data");
	ok((mode_at(d, "file") & 07777) == 04750, "file mode, set-uid kept after chown");
	ok(fstatat(d, "file", &st, 0) == 0 && st.st_uid == 1000 && st.st_gid == 1001, "file owner");
	ok(st.st_mtim.tv_sec == 1000000000, "file mtime");
	ok(S_ISDIR(mode_at(d, "dir")) && (mode_at(d, "dir") & 0777) == 0700, "directory mode");
	is_str(read_at(d, "dir/sub/deep"), "deep", "nested file");
	ok(S_ISLNK(mode_at(d, "abs-link")), "absolute symlink copied as a link");
	ok(readlinkat(d, "abs-link", link, sizeof(link) - 1) == 11 &&
	       strncmp(link, "/etc/passwd", 11) == 0,
	   "its target text is kept");
	ok(S_ISLNK(mode_at(d, "rel-link")), "relative symlink copied as a link");
	ok(S_ISFIFO(mode_at(d, "fifo")) && (mode_at(d, "fifo") & 0777) == 0620, "fifo");

	/* Copying again onto the same target: every entry exists, so it fails naming one. */
	r = vsl_tmpcopyup(s, d, "mounts[0] (/tmp)", &err);
	ok(r == -EEXIST && strstr(err.msg, "mounts[0] (/tmp): tmpcopyup: copy "),
	   "a second copy fails with EEXIST naming the mount (%d: %s)", r, err.msg);

	close(s);
	close(d);
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s %s", src, dst);
		if (system(cmd) != 0)
			return 1;
	}
	return tap_done();
}
