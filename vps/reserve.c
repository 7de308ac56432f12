/* Reservations: the address and host ports a VPS definition holds whether it runs or not.
 * netns' leases and port rules exist only while a container runs, so a stopped VPS would
 * otherwise lose its address to the next container; among VPSes these files keep it. One
 * file per held thing (O_CREAT|O_EXCL claims it), so a check costs a lookup, never a scan
 * of every definition. Each names its VPS; one whose VPS is gone is taken over. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "netns/net.h"
#include "vps/internal.h"

static char *res_path(const char *store, const char *key)
{
	return xasprintf("%s/vps/.reserved/%s", store, key);
}

/* Who holds key: malloc'd name, or NULL when nobody (or a VPS that no longer exists). */
static char *holder(const char *store, const char *key)
{
	cleanup_free char *path = res_path(store, key), *text = NULL, *def = NULL;
	struct vsl_err tmp;
	size_t len;

	if (vsl_read_file(path, &text, &len, &tmp) < 0)
		return NULL;
	text[strcspn(text, "\n")] = '\0';
	def = vps_path(store, text, "vps.json");
	if (vsl_vps_check_name(text, "holder", &tmp) < 0 || access(def, F_OK) < 0)
		return NULL;
	return vsl_steal_ptr(&text);
}

/* Claim key for name; EADDRINUSE with what + the holder's name if another VPS has it. */
static int claim(const char *store, const char *name, const char *key, const char *what,
		 struct vsl_err *err)
{
	cleanup_free char *path = res_path(store, key), *dir = res_path(store, "");
	cleanup_free char *owner = holder(store, key);
	int r;

	if (owner && strcmp(owner, name) == 0)
		return 0;
	if (owner)
		return vsl_refuse(err, EADDRINUSE, "%s is already taken by VPS %s", what, owner);
	r = vsl_mkdir_p(dir, 0700, err);
	if (r == 0)
		r = vsl_write_file_atomic(path, name, strlen(name), 0600, err);
	return r;
}

static void unclaim(const char *store, const char *name, const char *key)
{
	cleanup_free char *path = res_path(store, key), *owner = holder(store, key);

	if (!owner || strcmp(owner, name) == 0)
		unlink(path);
}

/* "addr-10.89.0.5" from "10.89.0.5/16" (NULL for auto). */
static char *addr_key(const char *address)
{
	if (!address || strcmp(address, "auto") == 0)
		return NULL;
	return xasprintf("addr-%.*s", (int)strcspn(address, "/"), address);
}

static char *port_key(const struct vsl_vps_port *p)
{
	return xasprintf("port-%s-%u", p->udp ? "udp" : "tcp", p->host);
}

int vps_reserve(const char *store, const struct vsl_vps_def *d, struct vsl_err *err)
{
	cleanup_free char *akey = addr_key(d->net.address);
	char what[64];
	int r = 0;
	size_t i;

	if (!d->net.name)
		return 0;
	if (akey) {
		snprintf(what, sizeof(what), "address %.*s", (int)strcspn(d->net.address, "/"),
			 d->net.address);
		r = claim(store, d->name, akey, what, err);
	}
	for (i = 0; r == 0 && i < d->net.n_ports; i++) {
		cleanup_free char *k = port_key(&d->net.ports[i]);
		snprintf(what, sizeof(what), "host port %u/%s", d->net.ports[i].host,
			 d->net.ports[i].udp ? "udp" : "tcp");
		r = claim(store, d->name, k, what, err);
	}
	if (r < 0)
		vps_release(store, d);
	return r;
}

void vps_release(const char *store, const struct vsl_vps_def *d)
{
	cleanup_free char *akey = addr_key(d->net.address);

	if (akey)
		unclaim(store, d->name, akey);
	for (size_t i = 0; i < d->net.n_ports; i++) {
		cleanup_free char *k = port_key(&d->net.ports[i]);
		unclaim(store, d->name, k);
	}
}

void vps_release_named(const char *store, const char *name)
{
	cleanup_free char *dir = res_path(store, "");
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		cleanup_free char *path = NULL, *text = NULL;
		struct vsl_err tmp;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		path = res_path(store, e->d_name);
		if (vsl_read_file(path, &text, &len, &tmp) == 0 && strcmp(text, name) == 0)
			unlink(path);
	}
}

static int find_network(const char *store, const char *name, struct vsl_network *out,
			struct vsl_err *err)
{
	cleanup_free struct vsl_network *nets = NULL;
	size_t n = 0;
	int r = vsl_net_network_list(store, &nets, &n, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (strcmp(nets[i].name, name) == 0) {
			*out = nets[i];
			return 0;
		}
	if (strcmp(name, VSL_NET_DEFAULT_BRIDGE) == 0)
		return -ENOENT;	/* recorded at its first use */
	return vsl_refuse(err, ENOENT, "network %s does not exist (create it with `vessel network "
			  "create %s --subnet CIDR`)", name, name);
}

/* Is ip free for name: not leased to another container, not reserved by another VPS?
 * -errno if the lease cannot be read. */
static int free_for(const char *store, const char *name, const char *net,
		    const struct vsl_ip *ip, struct vsl_err *err)
{
	char buf[VSL_IP_STRLEN], lessee[256];
	cleanup_free char *key = NULL, *owner = NULL;
	int r = vsl_net_addr_holder(store, net, ip, lessee, sizeof(lessee), err);

	if (r < 0)
		return r;
	if (r == 1 && strcmp(lessee, name) != 0)
		return 0;
	key = xasprintf("addr-%s", vsl_ip_str(ip, buf));
	owner = holder(store, key);
	return !owner || strcmp(owner, name) == 0;
}

static int pick_lowest(const char *store, const char *name, const struct vsl_network *nw,
		       char **out, struct vsl_err *err)
{
	uint64_t size = UINT64_C(1) << (32 - nw->subnet.prefix);
	char buf[VSL_CIDR_STRLEN];

	for (uint64_t n = 1; n + 1 < size; n++) {
		struct vsl_cidr c = { vsl_cidr_nth(&nw->subnet, n), nw->subnet.prefix };
		int r;

		if (vsl_ip_eq(&c.ip, &nw->gateway))
			continue;
		r = free_for(store, name, nw->name, &c.ip, err);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		*out = xstrdup(vsl_cidr_str(&c, buf));
		return 0;
	}
	return vsl_refuse(err, EADDRNOTAVAIL, "network %s: no free address left in %s", nw->name,
			  vsl_cidr_str(&nw->subnet, buf));
}

int vps_pick_address(const char *store, const struct vsl_vps_def *d, char **out,
		     struct vsl_err *err)
{
	struct vsl_network nw;
	struct vsl_cidr want;
	bool automatic = !d->net.address || strcmp(d->net.address, "auto") == 0;
	int r;

	if (!automatic && (vsl_cidr_parse(d->net.address, &want) < 0 ||
			   want.ip.family != AF_INET))
		return vsl_refuse(err, EINVAL, "address %s: not an IPv4 ADDRESS/PREFIX (e.g. "
				  "10.89.0.7/16)", d->net.address);
	r = find_network(store, d->net.name, &nw, err);
	if (r == -ENOENT && strcmp(d->net.name, VSL_NET_DEFAULT_BRIDGE) == 0) {
		*out = xstrdup(automatic ? "auto" : d->net.address);
		return 0;
	}
	if (r < 0)
		return r;
	if (automatic) {
		r = pick_lowest(store, d->name, &nw, out, err);
	} else {
		struct vsl_ipam_pool pool = { nw.name, nw.subnet, nw.gateway };
		char buf[VSL_IP_STRLEN];
		cleanup_free char *key = xasprintf("addr-%s", vsl_ip_str(&want.ip, buf));
		cleanup_free char *owner = holder(store, key);
		char lessee[256];

		/* Another VPS's, running or not: say which, before netns's word on leases. */
		if (owner && strcmp(owner, d->name) != 0)
			r = vsl_refuse(err, EADDRINUSE, "network %s: address %s is already taken by "
				       "VPS %s", nw.name, buf, owner);
		else
			r = vsl_ipam_check(&pool, &want, err);
		if (r == 0)
			r = vsl_net_addr_holder(store, nw.name, &want.ip, lessee, sizeof(lessee),
						err);
		if (r == 1 && strcmp(lessee, d->name) != 0)
			r = vsl_refuse(err, EADDRINUSE, "network %s: address %s is already leased "
				       "to %s", nw.name, buf, lessee);
		else if (r == 1)
			r = 0;
		if (r == 0)
			*out = xstrdup(d->net.address);
	}
	return r;
}
