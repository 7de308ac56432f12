/* cgroupfs access shared by v1 and v2: one write per value (the kernel parses each write
 * on its own), errors naming the file and the value, pid collection, tree removal. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

int vsl_cg_write(const char *dir, const char *file, const char *value, struct vsl_err *err)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, file);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(value);
	ssize_t n;

	if (fd < 0)
		return vsl_fail(err, errno, "cgroup %s: open %s", dir, file);
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return vsl_fail(err, errno, "cgroup %s: write %s = \"%s\"", dir, file, value);
	if ((size_t)n != len)
		return vsl_fail(err, EIO, "cgroup %s: short write %s = \"%s\"", dir, file, value);
	return 0;
}

int vsl_cg_read(const char *dir, const char *file, char **out, struct vsl_err *err)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, file);
	size_t len;
	int r;

	r = vsl_read_file(path, out, &len, err);
	if (r < 0)
		return vsl_fail(err, -r, "cgroup %s: read %s", dir, file);
	while (len > 0 && (*out)[len - 1] == '\n')
		(*out)[--len] = '\0';
	return 0;
}

int vsl_cg_read_u64(const char *dir, const char *file, uint64_t *out)
{
	cleanup_free char *s = NULL;
	struct vsl_err err;
	int r;

	r = vsl_cg_read(dir, file, &s, &err);
	if (r < 0)
		return r;
	if (!strcmp(s, "max")) {
		*out = UINT64_MAX;
		return 0;
	}
	if (s[0] == '-') {	/* v1 "-1": unlimited */
		*out = UINT64_MAX;
		return 0;
	}
	return vsl_parse_u64(s, out);
}

int vsl_cg_keyed_u64(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
			char *end;
			*out = strtoull(p + klen + 1, &end, 10);
			return 0;
		}
	}
	return -ENOENT;
}

static int read_procs(const char *dir, pid_t **pids, size_t *n, struct vsl_err *err)
{
	cleanup_free char *s = NULL;
	char *save = NULL;
	int r;

	struct vsl_err tmp;

	r = vsl_cg_read(dir, "cgroup.procs", &s, &tmp);
	if (r == -ENOENT || r == -ENODEV)
		return 0;	/* removed meanwhile */
	if (r < 0) {
		*err = tmp;
		return r;
	}
	for (char *t = strtok_r(s, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
		int64_t v;
		if (vsl_parse_i64(t, &v) < 0 || v <= 0)
			continue;
		*pids = xrealloc(*pids, (*n + 1) * sizeof(**pids));
		(*pids)[(*n)++] = (pid_t)v;
	}
	return 0;
}

/* fn(child, arg, err) for every child cgroup of dir (none when dir is gone), stopping at
 * the first failure. */
static int each_child(const char *dir, int (*fn)(const char *sub, void *arg, struct vsl_err *err),
		      void *arg, struct vsl_err *err)
{
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *e;
	int r;

	if (!d)
		return errno == ENOENT ? 0 : vsl_fail(err, errno, "cgroup %s: opendir", dir);
	while ((e = readdir(d))) {
		cleanup_free char *sub = NULL;
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		sub = xasprintf("%s/%s", dir, e->d_name);
		r = fn(sub, arg, err);
		if (r < 0)
			return r;
	}
	return 0;
}

struct pid_list {
	pid_t **pids;
	size_t *n;
};

static int collect_into(const char *dir, void *arg, struct vsl_err *err)
{
	struct pid_list *l = arg;

	return vsl_cg_collect_pids(dir, l->pids, l->n, err);
}

int vsl_cg_collect_pids(const char *dir, pid_t **pids, size_t *n, struct vsl_err *err)
{
	struct pid_list l = { pids, n };
	int r = read_procs(dir, pids, n, err);

	return r < 0 ? r : each_child(dir, collect_into, &l, err);
}

static void nap_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int rmdir_into(const char *dir, void *arg, struct vsl_err *err)
{
	return vsl_cg_rmdir_tree(dir, err);
}

int vsl_cg_rmdir_tree(const char *dir, struct vsl_err *err)
{
	int r = each_child(dir, rmdir_into, NULL, err);

	if (r < 0)
		return r;
	/* A killed task leaves its cgroup only once it has fully exited: retry EBUSY for a
	 * while (2 s) instead of failing on a task still in do_exit. */
	for (int i = 0; i < 200; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		nap_ms(10);
	}
	return vsl_fail(err, errno, "cgroup %s: rmdir", dir);
}

void vsl_cg_rmdir_parents(const char *mount, const char *path, unsigned owned)
{
	cleanup_free char *p = xstrdup(path);
	cleanup_free char *top = NULL;

	for (unsigned k = 1; k < owned; k++) {
		char *slash = strrchr(p, '/');
		cleanup_free char *full = NULL;
		if (!slash || slash == p)
			break;
		*slash = '\0';
		full = xasprintf("%s%s", mount, p);
		/* Another container may share the parent: in use is fine, stop there. */
		if (rmdir(full) < 0 && errno != ENOENT)
			return;
	}
	/* /vessel is vessel's own parent, whichever container happened to make it: the last
	 * one out removes it (rmdir fails harmlessly while others are inside). */
	if (vsl_str_has_prefix(path, "/" VSL_CG_DEFAULT_PARENT "/")) {
		top = xasprintf("%s/" VSL_CG_DEFAULT_PARENT, mount);
		rmdir(top);
	}
}

static int mkdir_levels(const char *mount, const char *path, unsigned *made,
			struct vsl_err *err)
{
	cleanup_free char *full = xasprintf("%s%s", mount, path);
	size_t base = strlen(mount);
	unsigned levels = 0, first_new = 0;
	bool created = false;

	for (char *s = full + base + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		levels++;
		if (mkdir(full, 0755) == 0) {
			if (!created)
				first_new = levels;
			created = true;
		} else if (errno != EEXIST) {
			return vsl_fail(err, errno, "cgroup %s: mkdir", full);
		}
		*s = saved;
		if (!saved)
			break;
	}
	*made = created ? levels - first_new + 1 : 0;
	return 0;
}

int vsl_cg_mkdir_path(const char *mount, const char *path, unsigned *made, struct vsl_err *err)
{
	int r = 0;

	/* A parent can vanish between two mkdirs when another container's delete removes an
	 * empty shared parent: start over a few times. */
	for (int i = 0; i < 5; i++) {
		r = mkdir_levels(mount, path, made, err);
		if (r != -ENOENT)
			return r;
	}
	return r;
}

static bool same_number(const char *a, const char *b)
{
	int64_t x, y;

	return vsl_parse_i64(a, &x) == 0 && vsl_parse_i64(b, &y) == 0 ? x == y : !strcmp(a, b);
}

static int keep_first(const char *dir, const struct vsl_cg_setting *s, char **out,
		      struct vsl_err *err)
{
	cleanup_free char *cur = NULL;
	int r = vsl_cg_read(dir, s->file, &cur, err);

	if (r < 0)
		return r;
	cur[strcspn(cur, " ")] = '\0';
	*out = xasprintf("%s %s", cur, s->value);
	return 0;
}

int vsl_cg_apply_one(const char *dir, const struct vsl_cg_setting *s, const struct vsl_log *log,
		     struct vsl_err *err)
{
	cleanup_free char *composed = NULL, *back = NULL;
	const char *value = s->value;
	struct vsl_err tmp;
	int r;

	if (s->flags & VSL_CG_SET_KEEP_FIRST) {
		r = keep_first(dir, s, &composed, err);
		if (r < 0)
			return r;
		value = composed;
	}
	r = vsl_cg_write(dir, s->file, value, err);
	if (r == -ENOENT && s->alt_file)
		r = vsl_cg_write(dir, s->alt_file, s->alt_value, err);
	if ((r == -ENOENT || r == -EOPNOTSUPP) && (s->flags & VSL_CG_SET_OPTIONAL)) {
		vsl_warn(log, "cgroup: this kernel has no %s, \"%s\" ignored", s->file, value);
		return 0;
	}
	if (r < 0 || !(s->flags & VSL_CG_SET_VERIFY))
		return r;
	if (vsl_cg_read(dir, s->file, &back, &tmp) == 0 && same_number(back, value))
		return 0;
	if (s->flags & VSL_CG_SET_OPTIONAL) {
		vsl_warn(log, "cgroup: this kernel ignores %s, \"%s\" has no effect", s->file, value);
		return 0;
	}
	return vsl_fail(err, EIO, "cgroup %s: %s reads back \"%s\" after writing \"%s\"", dir,
			s->file, back ? back : "", value);
}
