/* Leaf helpers: allocation, strings, whole-file I/O, numbers. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ftw.h>

#include "common/cleanup.h"
#include "common/util.h"

static void oom(void)
{
	static const char msg[] = "vessel: out of memory\n";
	if (write(2, msg, sizeof(msg) - 1) < 0) {
	}
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xzalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *d;
	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		oom();
	return d;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom();
	return s;
}

void vsl_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t vsl_strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

char **vsl_strv_dup(char *const *v)
{
	size_t n = vsl_strv_len(v);
	char **d;

	if (!v)
		return NULL;
	d = xzalloc((n + 1) * sizeof(*d));
	for (size_t i = 0; i < n; i++)
		d[i] = xstrdup(v[i]);
	return d;
}

void vsl_strv_push(char ***v, const char *s)
{
	size_t n = vsl_strv_len(*v);

	*v = xrealloc(*v, (n + 2) * sizeof(**v));
	(*v)[n] = xstrdup(s);
	(*v)[n + 1] = NULL;
}

bool vsl_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int vsl_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t vsl_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Read fd to its end, at most max bytes (one more is read to notice a longer input). */
static int read_bounded(int fd, const char *name, size_t max, char **out, size_t *out_len,
			struct vsl_err *err)
{
	size_t cap = 4096, len = 0;
	char *buf = xmalloc(cap);

	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = errno;
			free(buf);
			return vsl_fail(err, (int)n, "read %s", name);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			return vsl_refuse(err, EFBIG, "%s: larger than %zu MiB", name, max >> 20);
		}
		if (cap - len < 2)
			buf = xrealloc(buf, cap = cap * 2 > max + 2 ? max + 2 : cap * 2);
	}
	buf[len] = '\0';
	*out = buf;
	if (out_len)
		*out_len = len;
	return 0;
}

int vsl_read_file_at(int dirfd, const char *path, char **out, size_t *out_len,
		     struct vsl_err *err)
{
	/* O_NONBLOCK: a FIFO opens at once (and is refused below) instead of waiting for a
	 * writer; O_NOCTTY: a terminal never becomes ours. Regular files ignore both. */
	cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;

	if (fd < 0)
		return vsl_fail(err, errno, "open %s", path);
	if (fstat(fd, &st) < 0)
		return vsl_fail(err, errno, "stat %s", path);
	if (!S_ISREG(st.st_mode))
		return vsl_refuse(err, EINVAL, "%s: not a regular file", path);
	return read_bounded(fd, path, VSL_READ_MAX, out, out_len, err);
}

int vsl_read_file(const char *path, char **out, size_t *out_len, struct vsl_err *err)
{
	return vsl_read_file_at(AT_FDCWD, path, out, out_len, err);
}

int vsl_read_fd(int fd, const char *name, char **out, size_t *out_len, struct vsl_err *err)
{
	return read_bounded(fd, name, VSL_READ_MAX, out, out_len, err);
}

int vsl_write_file(const char *path, const char *data, size_t len, struct vsl_err *err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return vsl_fail(err, errno, "open %s", path);
	r = vsl_write_all(fd, data, len);
	if (r < 0)
		return vsl_fail(err, -r, "write %s", path);
	return 0;
}

static int write_replace(const char *path, const char *data, size_t len, mode_t mode,
			 bool durable, struct vsl_err *err)
{
	cleanup_free char *tmp = xasprintf("%s.tmp", path);
	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int r;

	if (fd < 0)
		return vsl_fail(err, errno, "create %s", tmp);
	r = vsl_write_all(fd, data, len);
	if (r == 0 && durable && fsync(fd) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return vsl_fail(err, -r, "write %s", tmp);
	}
	if (rename(tmp, path) < 0) {
		r = errno;
		unlink(tmp);
		return vsl_fail(err, r, "rename %s", path);
	}
	return 0;
}

int vsl_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
			  struct vsl_err *err)
{
	return write_replace(path, data, len, mode, true, err);
}

int vsl_write_file_replace(const char *path, const char *data, size_t len, mode_t mode,
			   struct vsl_err *err)
{
	return write_replace(path, data, len, mode, false, err);
}

int vsl_mkdir_p(const char *path, mode_t mode, struct vsl_err *err)
{
	cleanup_free char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return vsl_fail(err, errno, "mkdir %s", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return vsl_fail(err, errno, "mkdir %s", p);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int vsl_rm_rf(const char *path, struct vsl_err *err)
{
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		return vsl_fail(err, errno, "remove %s", path);
	return 0;
}

int vsl_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int vsl_parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int vsl_parse_size(const char *s, uint64_t *out)
{
	static const char digits[] = "0123456789";
	size_t nint = s ? strspn(s, digits) : 0, nfrac = 0;
	const char *p = s ? s + nint : NULL;
	uint64_t mult = 1, whole, frac = 0;

	/* Digits, an optional fraction, an optional unit: nothing strtod would also take
	 * ("nan", "inf", "0x10", "1e3", leading blanks). */
	if (nint == 0)
		return -EINVAL;
	if (*p == '.') {
		nfrac = strspn(p + 1, digits);
		if (nfrac == 0)
			return -EINVAL;
		p += 1 + nfrac;
	}
	switch (*p) {
	case 'k': case 'K': mult = 1ULL << 10; break;
	case 'm': case 'M': mult = 1ULL << 20; break;
	case 'g': case 'G': mult = 1ULL << 30; break;
	case 't': case 'T': mult = 1ULL << 40; break;
	}
	if (mult > 1 && *++p == 'i')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		return -EINVAL;
	errno = 0;
	whole = strtoull(s, NULL, 10);
	if (errno || whole > UINT64_MAX / mult)
		return -ERANGE;
	if (nfrac) /* the fraction of one unit, in bytes, rounded down */
		frac = (uint64_t)(strtod(s + nint, NULL) * (double)mult);
	if (whole * mult > UINT64_MAX - frac)
		return -ERANGE;
	*out = whole * mult + frac;
	return 0;
}

static int proc_stat_fields(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024];
	cleanup_close int fd = -1;
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = vsl_read_all(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* comm may contain spaces and parens: fields resume after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* after ") " come fields 3.. (state first); start time is field 22 */
	if (sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
			  "%*d %*d %llu", state, start) != 2)
		return -1;
	return 0;
}

uint64_t vsl_proc_start_time(pid_t pid)
{
	unsigned long long start;
	char state;

	return proc_stat_fields(pid, &state, &start) == 0 ? start : 0;
}

bool vsl_proc_is_zombie(pid_t pid)
{
	unsigned long long start;
	char state;

	return proc_stat_fields(pid, &state, &start) == 0 && (state == 'Z' || state == 'X');
}
