/* Leaf helpers: allocation that aborts on OOM (a runtime cannot do better), files,
 * strings, numbers. libc only. */
#ifndef VSL_COMMON_UTIL_H
#define VSL_COMMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);		/* NULL stays NULL */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

size_t vsl_strv_len(char *const *v);
char **vsl_strv_dup(char *const *v);	/* NULL stays NULL */
/* Append a copy of s to the NULL-terminated vector *v (which may be NULL). */
void vsl_strv_push(char ***v, const char *s);
bool vsl_str_has_prefix(const char *s, const char *prefix);

/* Whole-buffer I/O that retries on EINTR and short counts. Return 0 or -errno. */
int vsl_write_all(int fd, const void *buf, size_t len);
ssize_t vsl_read_all(int fd, void *buf, size_t len);

/* The most vessel reads from one file or stream: far above any real config, state or
 * process file, and a stop for /dev/zero, /dev/urandom or a huge file. */
#define VSL_READ_MAX ((size_t)16 << 20)
/* Read a whole regular file, NUL-terminated (*out_len without the NUL). Symlinks are
 * followed; the opened fd must be a regular file (procfs, sysfs and cgroupfs files are),
 * else "PATH: not a regular file" (EINVAL; a FIFO is refused without blocking, a device
 * without being read), and more than VSL_READ_MAX bytes fail "PATH: larger than 16 MiB"
 * (EFBIG). Both are complete messages. */
int vsl_read_file(const char *path, char **out, size_t *out_len, struct vsl_err *err);
int vsl_read_file_at(int dirfd, const char *path, char **out, size_t *out_len,
		     struct vsl_err *err);
/* Read an open stream (stdin, a pipe) to its end with the same bound; name is for errors. */
int vsl_read_fd(int fd, const char *name, char **out, size_t *out_len, struct vsl_err *err);
/* Write data to an existing file (cgroupfs, procfs, sysctl). */
int vsl_write_file(const char *path, const char *data, size_t len, struct vsl_err *err);
/* Write path.tmp, fsync, rename over path: readers see the old or the new file. */
int vsl_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
			  struct vsl_err *err);
/* The same without fsync: readers still see the old or the new file, but a power cut may
 * lose both. For the state dir under /run (tmpfs, gone at reboot anyway) and pid files. */
int vsl_write_file_replace(const char *path, const char *data, size_t len, mode_t mode,
			   struct vsl_err *err);
/* mkdir -p; existing directories are fine. */
int vsl_mkdir_p(const char *path, mode_t mode, struct vsl_err *err);
/* rm -rf that does not cross mount points (returns 0 if path is absent). */
int vsl_rm_rf(const char *path, struct vsl_err *err);

/* Strict number parsing: the whole string, in range. Return 0 or -EINVAL/-ERANGE. */
int vsl_parse_u64(const char *s, uint64_t *out);
int vsl_parse_i64(const char *s, int64_t *out);
/* "512M", "10G", "4096", "1.5G" -> bytes (binary units). */
int vsl_parse_size(const char *s, uint64_t *out);

/* Start time of a process (field 22 of /proc/PID/stat), 0 if it does not exist. */
uint64_t vsl_proc_start_time(pid_t pid);
/* Is the process a zombie (state Z or X in /proc/PID/stat)? */
bool vsl_proc_is_zombie(pid_t pid);

#endif
