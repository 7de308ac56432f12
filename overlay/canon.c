/* A template's content digest: sha256 (Nettle) over a canonical listing of its layer, so that
 * restore and migration can check a template by what it holds, not by its name. The listing
 * has one line per entry, depth first, each directory's entries in byte order of their names
 * (never the order readdir happens to give):
 *
 *     PATH TYPE MODE UID GID DETAIL[ x:NAME=HEXVALUE...]\n
 *
 * PATH is "/" plus the path from the layer's root, with every byte outside [A-Za-z0-9._+@/-]
 * written %XX; TYPE one of d f l c b p s; MODE four octal digits (permissions, setuid,
 * setgid, sticky); DETAIL "SIZE:SHA256" of a regular file's data, the escaped target of a
 * symlink, "MAJOR,MINOR" of a device, "-" otherwise; then the extended attributes sorted by
 * name (security.selinux, a host's own label, left out). Times and inode numbers are not
 * content; each hard link is listed with its data. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"

struct buf {
	char *s;
	size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void putf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct buf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	put(b, tmp, (size_t)n);
}

static void put_escaped(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || strchr("._+@/-", c);

		if (plain && c) {
			put(b, (const char *)&c, 1);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			put(b, e, 3);
		}
	}
}

char *ovl_canon_line(const struct ovl_canon_entry *e)
{
	struct buf b = {0};

	put(&b, "/", 1);
	put_escaped(&b, e->path, strlen(e->path));
	putf(&b, " %c %04o %u %u ", e->type, e->mode & 07777, e->uid, e->gid);
	if (e->type == 'f')
		putf(&b, "%llu:%s", (unsigned long long)e->size, e->content ? e->content : "");
	else if (e->type == 'l')
		put_escaped(&b, e->target ? e->target : "", e->target ? strlen(e->target) : 0);
	else if (e->type == 'c' || e->type == 'b')
		putf(&b, "%u,%u", e->rdev_major, e->rdev_minor);
	else
		put(&b, "-", 1);
	for (const char *const *x = e->xattrs; x && x[0] && x[1]; x += 2) {
		put(&b, " x:", 3);
		put_escaped(&b, x[0], strlen(x[0]));
		put(&b, "=", 1);
		put(&b, x[1], strlen(x[1]));
	}
	put(&b, "\n", 1);
	return b.s;
}

static void hex_of(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* sha256 hex of a regular file's data (opened without following a link). */
static int file_sum(const char *path, char out[2 * SHA256_DIGEST_SIZE + 1], struct vsl_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	struct sha256_ctx ctx;
	uint8_t buf[65536], sum[SHA256_DIGEST_SIZE];
	ssize_t n;

	if (fd < 0)
		return vsl_fail(err, errno, "open %s", path);
	sha256_init(&ctx);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vsl_fail(err, errno, "read %s", path);
		sha256_update(&ctx, (size_t)n, buf);
	}
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, sum);
	hex_of(sum, SHA256_DIGEST_SIZE, out);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The extended attributes of path as sorted "name", "hexvalue" pairs (NULL-terminated). */
static int xattrs_of(const char *path, char ***out, struct vsl_err *err)
{
	cleanup_free char *names = NULL;
	cleanup_free char **sorted = NULL;
	char **v = xzalloc(sizeof(char *));
	ssize_t len = llistxattr(path, NULL, 0);
	size_t n = 0;

	*out = v;
	if (len <= 0)
		return len < 0 && errno != ENOTSUP ? vsl_fail(err, errno, "list xattrs %s", path)
						   : 0;
	names = xzalloc((size_t)len + 1);
	if ((len = llistxattr(path, names, (size_t)len)) < 0)
		return vsl_fail(err, errno, "list xattrs %s", path);
	sorted = xzalloc(((size_t)len + 1) * sizeof(char *));
	for (char *p = names; p < names + len; p += strlen(p) + 1)
		if (strcmp(p, "security.selinux"))
			sorted[n++] = p;
	qsort(sorted, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++) {
		ssize_t vl = lgetxattr(path, sorted[i], NULL, 0);
		cleanup_free uint8_t *val = xzalloc(vl > 0 ? (size_t)vl : 1);
		cleanup_free char *hex = NULL;

		if (vl < 0 || (vl = lgetxattr(path, sorted[i], val, (size_t)vl)) < 0)
			return vsl_fail(err, errno, "get xattr %s of %s", sorted[i], path);
		hex = xzalloc(2 * (size_t)vl + 1);
		hex_of(val, (size_t)vl, hex);
		vsl_strv_push(out, sorted[i]);
		vsl_strv_push(out, hex);
	}
	return 0;
}

struct walk {
	const char *root;
	struct sha256_ctx ctx;
};

static char type_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFDIR:
		return 'd';
	case S_IFREG:
		return 'f';
	case S_IFLNK:
		return 'l';
	case S_IFCHR:
		return 'c';
	case S_IFBLK:
		return 'b';
	case S_IFIFO:
		return 'p';
	default:
		return 's';
	}
}

/* The line of rel (relative path, "" for the root) into the hash. */
static int hash_entry(struct walk *w, const char *rel, const struct stat *st, struct vsl_err *err)
{
	cleanup_free char *path = rel[0] ? xasprintf("%s/%s", w->root, rel) : xstrdup(w->root);
	cleanup_free char *target = NULL, *line = NULL;
	cleanup_strv char **xattrs = NULL;
	char sum[2 * SHA256_DIGEST_SIZE + 1] = "";
	struct ovl_canon_entry e = {.path = rel,
				    .type = type_of(st->st_mode),
				    .mode = st->st_mode,
				    .uid = st->st_uid,
				    .gid = st->st_gid,
				    .size = (uint64_t)st->st_size,
				    .rdev_major = major(st->st_rdev),
				    .rdev_minor = minor(st->st_rdev)};
	int r = 0;

	if (e.type == 'f')
		r = file_sum(path, sum, err);
	if (e.type == 'l') {
		target = xzalloc((size_t)st->st_size + 2);
		if (readlink(path, target, (size_t)st->st_size + 1) < 0)
			r = vsl_fail(err, errno, "readlink %s", path);
	}
	if (r == 0)
		r = xattrs_of(path, &xattrs, err);
	if (r < 0)
		return r;
	e.content = sum;
	e.target = target;
	e.xattrs = (const char *const *)xattrs;
	line = ovl_canon_line(&e);
	sha256_update(&w->ctx, strlen(line), (const uint8_t *)line);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dots(const struct dirent *e)
{
	return strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
}

static int walk(struct walk *w, const char *rel, struct vsl_err *err)
{
	cleanup_free char *path = rel[0] ? xasprintf("%s/%s", w->root, rel) : xstrdup(w->root);
	struct dirent **ents = NULL;
	int n, r = 0;
	struct stat st;

	if (lstat(path, &st) < 0)
		return vsl_fail(err, errno, "stat %s", path);
	if ((r = hash_entry(w, rel, &st, err)) < 0 || !S_ISDIR(st.st_mode))
		return r;
	n = scandir(path, &ents, skip_dots, by_name);
	if (n < 0)
		return vsl_fail(err, errno, "list %s", path);
	for (int i = 0; i < n; i++) {
		cleanup_free char *sub =
		    rel[0] ? xasprintf("%s/%s", rel, ents[i]->d_name) : xstrdup(ents[i]->d_name);

		if (r == 0)
			r = walk(w, sub, err);
		free(ents[i]);
	}
	free(ents);
	return r;
}

int ovl_tree_digest(const char *root, char **out, struct vsl_err *err)
{
	struct walk w = {.root = root};
	uint8_t sum[SHA256_DIGEST_SIZE];
	char hex[2 * SHA256_DIGEST_SIZE + 1];
	int r;

	sha256_init(&w.ctx);
	r = walk(&w, "", err);
	if (r < 0)
		return vsl_wrap(err, "digest of %s", root);
	sha256_digest(&w.ctx, SHA256_DIGEST_SIZE, sum);
	hex_of(sum, SHA256_DIGEST_SIZE, hex);
	*out = xasprintf("sha256:%s", hex);
	return 0;
}
