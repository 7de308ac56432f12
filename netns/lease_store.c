/* The store side of IPAM: <store>/net/lock (flock) and <store>/net/<bridge>.leases, written
 * to a temporary file and renamed so a reader never sees half a file. The choice of address
 * is ipam.c's. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "netns/internal.h"

char *vsl_net_dir(const char *store)
{
	return xasprintf("%s/net", store);
}

int vsl_net_lock(const char *store, struct vsl_err *err)
{
	cleanup_free char *dir = vsl_net_dir(store);
	cleanup_free char *path = xasprintf("%s/lock", dir);
	cleanup_close int fd = -1;
	int r;

	r = vsl_mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return vsl_fail(err, errno, "network lock %s: open", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return vsl_fail(err, errno, "network lock %s: flock", path);
	return vsl_steal_fd(&fd);
}

static char *lease_path(const char *store, const char *bridge)
{
	return xasprintf("%s/net/%s.leases", store, bridge);
}

int vsl_lease_load(const char *store, const char *bridge, struct vsl_leases *out,
		   struct vsl_err *err)
{
	cleanup_free char *path = lease_path(store, bridge);
	cleanup_free char *text = NULL;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	r = vsl_read_file(path, &text, &len, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = vsl_leases_parse(text, out, err);
	if (r < 0)
		return vsl_wrap(err, "leases %s", path);
	return 0;
}

int vsl_lease_save(const char *store, const char *bridge, const struct vsl_leases *l,
		   struct vsl_err *err)
{
	cleanup_free char *path = lease_path(store, bridge);
	cleanup_free char *text = NULL;

	if (l->n == 0) {
		if (unlink(path) < 0 && errno != ENOENT)
			return vsl_fail(err, errno, "leases %s: remove", path);
		return 0;
	}
	text = vsl_leases_format(l);
	return vsl_write_file_atomic(path, text, strlen(text), 0600, err);
}
