/* Definitions on disk: <store>/vps/<name>/vps.json, one flock per VPS directory (serializing
 * every vps command on one VPS), and one on <store>/vps for reservations. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "vps/internal.h"

#define DEF_FILE "vps.json"

char *vps_path(const char *store, const char *name, const char *file)
{
	if (!name)
		return xasprintf("%s/vps", store);
	if (!file)
		return xasprintf("%s/vps/%s", store, name);
	return xasprintf("%s/vps/%s/%s", store, name, file);
}

static int lock_fd(int fd, bool wait, const char *what, struct vsl_err *err)
{
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (errno == EWOULDBLOCK && !wait)
			return vsl_refuse(err, EWOULDBLOCK, "%s is busy (another vessel command "
					  "holds it)", what);
		if (errno != EINTR)
			return vsl_fail(err, errno, "%s: lock", what);
	}
	return 0;
}

int vps_lock(const char *store, const char *name, bool wait, struct vsl_err *err)
{
	cleanup_free char *dir = vps_path(store, name, NULL);
	cleanup_free char *what = xasprintf("VPS %s", name);
	cleanup_close int fd = -1;
	struct stat st;
	int r;

	r = vsl_vps_check_name(name, "VPS name", err);
	if (r < 0)
		return r;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return vsl_refuse(err, ENOENT, "VPS %s does not exist", name);
	if (fd < 0)
		return vsl_fail(err, errno, "VPS %s: open %s", name, dir);
	r = lock_fd(fd, wait, what, err);
	if (r < 0)
		return r;
	/* After waiting: an rm may have removed the directory meanwhile. */
	if (fstat(fd, &st) == 0 && st.st_nlink == 0)
		return vsl_refuse(err, ENOENT, "VPS %s does not exist", name);
	return vsl_steal_fd(&fd);
}

int vps_lock_all(const char *store, struct vsl_err *err)
{
	cleanup_free char *dir = vps_path(store, NULL, NULL);
	cleanup_close int fd = -1;
	int r;

	r = vsl_mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return vsl_fail(err, errno, "open %s", dir);
	r = lock_fd(fd, true, dir, err);
	return r < 0 ? r : vsl_steal_fd(&fd);
}

int vps_def_load(const char *store, const char *name, struct vsl_vps_def *out,
		 struct vsl_err *err)
{
	cleanup_free char *path = vps_path(store, name, DEF_FILE);
	cleanup_free char *json = NULL;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	r = vsl_read_file(path, &json, &len, err);
	if (r == -ENOENT)
		return vsl_refuse(err, ENOENT, "VPS %s does not exist (no %s)", name, path);
	if (r < 0)
		return r;
	r = vsl_vps_def_parse(json, len, path, out, err);
	if (r == 0 && strcmp(out->name, name) != 0) {
		vsl_vps_def_clear(out);
		return vsl_fail(err, EINVAL, "%s: name: \"%s\" is not the directory's name %s",
				path, out->name, name);
	}
	return r;
}

int vps_def_save(const char *store, const struct vsl_vps_def *d, struct vsl_err *err)
{
	cleanup_free char *path = vps_path(store, d->name, DEF_FILE);
	cleanup_free char *json = NULL;
	int r;

	r = vsl_vps_def_check(d, "vps.json", err);
	if (r < 0)
		return r;
	json = vsl_vps_def_to_json(d);
	return vsl_write_file_atomic(path, json, strlen(json), 0600, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vps_names(const char *store, char ***out, struct vsl_err *err)
{
	cleanup_free char *dir = vps_path(store, NULL, NULL);
	cleanup_dir DIR *d = opendir(dir);
	char **names = NULL;
	struct dirent *e;

	*out = NULL;
	if (!d && errno != ENOENT)
		return vsl_fail(err, errno, "open %s", dir);
	while (d && (e = readdir(d))) {
		/* .reserved, .lock, and the staging of a create are not VPSes */
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		vsl_strv_push(&names, e->d_name);
	}
	if (!names)
		names = xzalloc(sizeof(char *));
	qsort(names, vsl_strv_len(names), sizeof(char *), cmp_str);
	*out = names;
	return 0;
}
