/* Safe path resolution inside a container's root filesystem. Every lookup goes through
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from an fd of the root, so a symlink in
 * the rootfs ("/evil -> /", "-> ../../..") resolves inside it and never reaches a host
 * path. Missing mount targets are made one component at a time with *at() calls on
 * resolved parent fds. Mounts then go onto the returned fd, never onto a path string. */
#ifndef VSL_RUNTIME_PATHS_H
#define VSL_RUNTIME_PATHS_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/err.h"

enum vsl_path_kind {
	VSL_PATH_DIR,		/* create missing components and the last as directories */
	VSL_PATH_FILE,		/* ... the last as an empty regular file */
};

/* Clean a path inside the container: collapse "//" and "/./", drop a trailing "/", make
 * a relative one absolute ("a/b" -> "/a/b"). ".." is kept: resolution in the root clamps
 * it. Returns a malloc'd string. Pure. */
char *vsl_path_clean(const char *path);

/* Open path (absolute or relative, always taken inside the root) below rootfd with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS). flags are open(2) flags; O_CLOEXEC is
 * added. Returns the fd or -errno (ENOENT when a component is missing). */
int vsl_path_open(int rootfd, const char *path, int flags, struct vsl_err *err);

/* Resolve path inside rootfd, creating what is missing (directories with mode 0755; the
 * last component as kind says, a file with mode 0644). A symlink met on the way is
 * followed inside the root; a dangling one has its target created inside the root
 * ("/var/run -> /run" makes <root>/run); ELOOP after 40 links.
 * Returns an O_PATH|O_CLOEXEC fd of the result or -errno. */
int vsl_path_mkpath(int rootfd, const char *path, enum vsl_path_kind kind, struct vsl_err *err);

/* "/proc/self/fd/<fd>" into buf (for the legacy mount(2) target of a resolved fd). */
const char *vsl_path_fd_proc(int fd, char *buf, size_t len);

#endif
