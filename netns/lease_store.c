/* The store side of IPAM, O(1) per container: nothing here reads the leases of others.
 *   <store>/net/lock                      flock: the short sections that change leases
 *   <store>/net/ids/<id>.json             what a container holds (network, addresses,
 *                                         ports): everything a detach must undo
 *   <store>/net/<network>.addrs/<address> a symlink whose target is the holder's id: taking
 *                                         an address is one symlink(2), checking one is one
 *                                         readlink(2); both are atomic
 *   <store>/net/<network>.addrs/.next     where the next-fit search starts (a hint)
 * Only `network list` and `network rm` read a whole .addrs directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "common/cleanup.h"
#include "common/json_gen.h"
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

/* ---- the container's record ---- */

static char *rec_path(const char *store, const char *id)
{
	return xasprintf("%s/net/ids/%s.json", store, id);
}

void vsl_lease_rec_clear(struct vsl_lease_rec *rec)
{
	free(rec->ports);
	memset(rec, 0, sizeof(*rec));
}

int vsl_lease_rec_save(const char *store, const char *id, const struct vsl_lease_rec *rec,
		       struct vsl_err *err)
{
	cleanup_free char *dir = xasprintf("%s/net/ids", store);
	cleanup_free char *path = rec_path(store, id);
	cleanup_free char *text = NULL;
	char s[VSL_IP_STRLEN];
	yajl_gen g = vsl_jgen_new(false);
	int r;

	vsl_jgen_map_open(g, NULL);
	vsl_jgen_str(g, "network", rec->network);
	if (rec->ip4.family)
		vsl_jgen_str(g, "addr4", vsl_ip_str(&rec->ip4, s));
	if (rec->ip6.family)
		vsl_jgen_str(g, "addr6", vsl_ip_str(&rec->ip6, s));
	vsl_jgen_str(g, "ports", rec->ports ? rec->ports : "");
	vsl_jgen_map_close(g);
	text = vsl_jgen_finish(g);
	r = vsl_mkdir_p(dir, 0700, err);
	if (r == 0)
		r = vsl_write_file_atomic(path, text, strlen(text), 0600, err);
	return r;
}

static const char *rec_str(yajl_val root, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(root, path, yajl_t_string);

	return v ? YAJL_GET_STRING(v) : NULL;
}

static int rec_parse(yajl_val root, struct vsl_lease_rec *rec)
{
	const char *nw = rec_str(root, "network"), *a4 = rec_str(root, "addr4");
	const char *a6 = rec_str(root, "addr6"), *ports = rec_str(root, "ports");

	if (!nw || strlen(nw) >= sizeof(rec->network))
		return -EINVAL;
	snprintf(rec->network, sizeof(rec->network), "%s", nw);
	if ((a4 && vsl_ip_parse(a4, &rec->ip4) < 0) || (a6 && vsl_ip_parse(a6, &rec->ip6) < 0))
		return -EINVAL;
	rec->ports = xstrdup(ports ? ports : "");
	return 0;
}

int vsl_lease_rec_load(const char *store, const char *id, struct vsl_lease_rec *out,
		       struct vsl_err *err)
{
	cleanup_free char *path = rec_path(store, id);
	cleanup_free char *text = NULL;
	char ebuf[128];
	yajl_val root;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	r = vsl_read_file(path, &text, &len, err);
	if (r < 0)
		return r;
	root = yajl_tree_parse(text, ebuf, sizeof(ebuf));
	r = root ? rec_parse(root, out) : -EINVAL;
	yajl_tree_free(root);
	if (r < 0) {
		vsl_lease_rec_clear(out);
		return vsl_fail(err, EINVAL, "network record of container %s (%s): invalid", id, path);
	}
	return 0;
}

int vsl_lease_rec_remove(const char *store, const char *id, struct vsl_err *err)
{
	cleanup_free char *path = rec_path(store, id);
	cleanup_free char *dir = xasprintf("%s/net/ids", store);

	if (unlink(path) < 0 && errno != ENOENT)
		return vsl_fail(err, errno, "container %s: remove %s", id, path);
	rmdir(dir);	/* the last one: nothing left behind (ENOTEMPTY otherwise) */
	return 0;
}

/* ---- one symlink per leased address ---- */

static char *addrs_dir(const char *store, const char *network)
{
	return xasprintf("%s/net/%s.addrs", store, network);
}

static char *addr_path(const char *store, const char *network, const struct vsl_ip *ip)
{
	char s[VSL_IP_STRLEN];

	return xasprintf("%s/net/%s.addrs/%s", store, network, vsl_ip_str(ip, s));
}

int vsl_lease_owner(const char *store, const char *network, const struct vsl_ip *ip, char *id,
		    size_t len, struct vsl_err *err)
{
	cleanup_free char *path = addr_path(store, network, ip);
	ssize_t n = readlink(path, id, len - 1);

	if (n < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (n < 0)
		return vsl_fail(err, errno, "lease %s: read", path);
	id[n] = '\0';
	return 1;
}

int vsl_net_addr_holder(const char *store, const char *network, const struct vsl_ip *ip,
			char *id, size_t len, struct vsl_err *err)
{
	return vsl_lease_owner(store, network, ip, id, len, err);
}

int vsl_lease_take(const char *store, const char *network, const struct vsl_ip *ip,
		   const char *id, struct vsl_err *err)
{
	cleanup_free char *dir = addrs_dir(store, network);
	cleanup_free char *path = addr_path(store, network, ip);
	char owner[VSL_LEASE_ID_MAX + 2], s[VSL_IP_STRLEN];
	int r;

	if (symlink(id, path) == 0)
		return 0;
	if (errno == ENOENT) {
		r = vsl_mkdir_p(dir, 0700, err);
		if (r < 0)
			return r;
		if (symlink(id, path) == 0)
			return 0;
	}
	if (errno != EEXIST)
		return vsl_fail(err, errno, "lease %s: create", path);
	r = vsl_lease_owner(store, network, ip, owner, sizeof(owner), err);
	if (r < 0)
		return r;
	if (r == 1 && strcmp(owner, id) == 0)
		return 0;
	return vsl_fail(err, EADDRINUSE, "network %s: address %s is already leased to %s", network,
			vsl_ip_str(ip, s), owner);
}

int vsl_lease_drop(const char *store, const char *network, const struct vsl_ip *ip,
		   const char *id, struct vsl_err *err)
{
	cleanup_free char *path = addr_path(store, network, ip);
	char owner[VSL_LEASE_ID_MAX + 2];
	int r = vsl_lease_owner(store, network, ip, owner, sizeof(owner), err);

	if (r <= 0 || strcmp(owner, id) != 0)
		return r < 0 ? r : 0;	/* free, or someone else's since */
	if (unlink(path) < 0 && errno != ENOENT)
		return vsl_fail(err, errno, "lease %s: remove", path);
	return 0;
}

int vsl_lease_list(const char *store, const char *network, struct vsl_leases *out,
		   struct vsl_err *err)
{
	cleanup_free char *dir = addrs_dir(store, network);
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *e;

	memset(out, 0, sizeof(*out));
	if (!d)
		return errno == ENOENT ? 0 : vsl_fail(err, errno, "leases %s: open", dir);
	while ((e = readdir(d))) {
		char id[VSL_LEASE_ID_MAX + 2];
		struct vsl_ip ip;
		ssize_t n;

		if (e->d_name[0] == '.' || vsl_ip_parse(e->d_name, &ip) < 0)
			continue;
		n = readlinkat(dirfd(d), e->d_name, id, sizeof(id) - 1);
		if (n <= 0)
			continue;
		id[n] = '\0';
		vsl_leases_add(out, id, &ip);
	}
	return 0;
}

int vsl_lease_dir_remove(const char *store, const char *network, struct vsl_err *err)
{
	cleanup_free char *dir = addrs_dir(store, network);

	return vsl_rm_rf(dir, err);
}

/* ---- where the next-fit search starts: a hint, any value is correct ----
 * One file, two fixed-width slots (IPv4, IPv6) rewritten in place: no temporary file, no
 * rename, no fsync (metadata operations are what a create pays most for here). A torn or
 * missing slot reads as 1, the start of the subnet. */

#define NEXT_SLOT 21	/* "%20llu\n" */

static char *next_path(const char *store, const char *network)
{
	return xasprintf("%s/net/%s.addrs/.next", store, network);
}

uint64_t vsl_lease_next_load(const char *store, const char *network, int family)
{
	cleanup_free char *path = next_path(store, network);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[NEXT_SLOT + 1] = { 0 };
	const char *p = buf;
	uint64_t v;

	if (fd < 0 || pread(fd, buf, NEXT_SLOT, family == AF_INET ? 0 : NEXT_SLOT) != NEXT_SLOT)
		return 1;
	buf[NEXT_SLOT - 1] = '\0';
	while (*p == ' ')
		p++;
	return vsl_parse_u64(p, &v) == 0 ? v : 1;
}

void vsl_lease_next_save(const char *store, const char *network, int family, uint64_t next)
{
	cleanup_free char *path = next_path(store, network);
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	char buf[NEXT_SLOT + 1];

	snprintf(buf, sizeof(buf), "%20llu\n", (unsigned long long)next);
	if (fd >= 0 && pwrite(fd, buf, NEXT_SLOT, family == AF_INET ? 0 : NEXT_SLOT) < 0)
		return;	/* a hint: the next pick starts elsewhere, that is all */
}

int vsl_lease_check_format(const char *store, const char *network, struct vsl_err *err)
{
	cleanup_free char *old = xasprintf("%s/net/%s.leases", store, network);

	if (access(old, F_OK) == 0)
		return vsl_refuse(err, EINVAL, "network %s: its leases are in the single-file format "
				  "of an older vessel (%s); delete its containers with that vessel "
				  "first", network, old);
	return 0;
}
