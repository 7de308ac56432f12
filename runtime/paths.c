/* Path resolution inside a root: openat2(RESOLVE_IN_ROOT) lookups and component-by-component
 * creation of missing mount targets. Never builds a host path string from container data:
 * a dangling symlink is followed by creating its target inside the root, as securejoin
 * does for runc. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/paths.h"

char *vsl_path_clean(const char *path)
{
	size_t n = strlen(path);
	char *out = xmalloc(n + 2);
	size_t o = 0;
	const char *p = path;

	while (*p) {
		const char *end;
		size_t len;

		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		len = (size_t)(end - p);
		if (len && !(len == 1 && p[0] == '.')) {
			out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p = end;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

/* openat2 in the root; EAGAIN means a rename or mount raced the lookup: try again. */
static int open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = -1;

	for (int i = 0; i < 32; i++) {
		fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd < 0 ? -errno : (int)fd;
}

int vsl_path_open(int rootfd, const char *path, int flags, struct vsl_err *err)
{
	int fd = open_in_root(rootfd, path, flags);

	if (fd < 0)
		return vsl_fail(err, -fd, "open %s in the container root", path);
	return fd;
}

/* Create the missing component name under the resolved parent, without following a
 * symlink (mkdirat and mknodat never do). EEXIST is fine: the caller resolves again. */
static int create_component(int parentfd, const char *name, bool dir)
{
	int r = dir ? mkdirat(parentfd, name, 0755) : mknodat(parentfd, name, S_IFREG | 0644, 0);

	return r < 0 && errno != EEXIST ? -errno : 0;
}

/* A dangling symlink at clean (cut at name): the path to create instead, the link's
 * target (taken in the root: absolute from it, relative from the parent) + the rest. */
static char *follow_dangling(int parent, char *clean, char *name, const char *rest)
{
	char link[PATH_MAX];
	ssize_t n = readlinkat(parent, name, link, sizeof(link) - 1);

	if (n <= 0)
		return NULL;
	link[n] = '\0';
	name[-1] = '\0';	/* clean is now the parent's path */
	if (link[0] == '/')
		return xasprintf("%s/%s", link, rest);
	return xasprintf("%s/%s/%s", clean, link, rest);
}

/* One pass over the components of clean. Returns an fd, -errno, or 1 with *restart set
 * when a dangling symlink sends the walk elsewhere (inside the root). */
static int mkpath_walk(int rootfd, char *clean, enum vsl_path_kind kind, char **restart,
		       struct vsl_err *err)
{
	cleanup_close int parent = open_in_root(rootfd, "/", O_PATH | O_DIRECTORY);
	char *p, *slash;
	int fd, r;

	if (parent < 0)
		return vsl_fail(err, -parent, "open the container root");
	/* Walk the prefixes "/a", "/a/b", ... each resolved from the root, so that ".." and
	 * symlinks in earlier components stay inside it. */
	for (p = clean + 1; *p; p = slash + 1) {
		bool last;

		slash = strchrnul(p, '/');
		last = *slash == '\0';
		*slash = '\0';
		fd = open_in_root(rootfd, clean, O_PATH);
		if (fd == -ENOENT) {
			r = create_component(parent, p, !last || kind == VSL_PATH_DIR);
			if (r < 0)
				return vsl_fail(err, -r, "create %s in the container root", clean);
			fd = open_in_root(rootfd, clean, O_PATH);
		}
		if (fd == -ENOENT) {
			*restart = follow_dangling(parent, clean, p, last ? "" : slash + 1);
			if (*restart)
				return 1;
		}
		if (fd < 0)
			return vsl_fail(err, -fd, "resolve %s in the container root", clean);
		if (last)
			return fd;
		vsl_closep(&parent);
		parent = fd;
		*slash = '/';
	}
	return vsl_steal_fd(&parent);
}

int vsl_path_mkpath(int rootfd, const char *path, enum vsl_path_kind kind, struct vsl_err *err)
{
	cleanup_free char *clean = vsl_path_clean(path);
	int fd;

	fd = open_in_root(rootfd, clean, O_PATH);
	if (fd >= 0 || fd != -ENOENT)
		return fd >= 0 ? fd : vsl_fail(err, -fd, "resolve %s in the container root", clean);
	/* The kernel's own limit on symlinks in one lookup. */
	for (int hops = 0; hops < 40; hops++) {
		char *next = NULL;

		fd = mkpath_walk(rootfd, clean, kind, &next, err);
		if (fd != 1)
			return fd;
		free(clean);
		clean = vsl_path_clean(next);
		free(next);
	}
	return vsl_fail(err, ELOOP, "%s in the container root: too many symlinks", path);
}

const char *vsl_path_fd_proc(int fd, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
	return buf;
}
