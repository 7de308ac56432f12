/* `vessel network create|connect|disconnect|list|rm`: the networks containers join through
 * the vessel.net.bridge annotation, and which of them may reach each other. Records and
 * bridges are networks.c's, the nftables side fw_net.c's. */
#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "netns/internal.h"
#include "netns/nft.h"
#include "netns/rtnl.h"

static int check_new(struct vsl_nl *nl, const char *store, struct vsl_network *nw,
		     const char *subnet, const char *subnet6, struct vsl_err *err)
{
	int r;

	if (vsl_cidr_parse(subnet, &nw->subnet) < 0)
		return vsl_fail(err, EINVAL, "subnet %s: invalid (expected ADDRESS/PREFIX, e.g. "
				"10.89.0.0/16)", subnet ? subnet : "(none)");
	r = vsl_subnet_check(&nw->subnet, AF_INET, "subnet", err);
	if (r == 0)
		r = vsl_network_check_overlap(nl, store, nw->name, &nw->subnet, err);
	if (r < 0)
		return r;
	nw->gateway = vsl_cidr_nth(&nw->subnet, 1);
	if (!subnet6)
		return 0;
	if (vsl_cidr_parse(subnet6, &nw->subnet6) < 0)
		return vsl_fail(err, EINVAL, "subnet6 %s: invalid (expected ADDRESS/PREFIX, e.g. "
				"fd89::/64)", subnet6);
	r = vsl_subnet_check(&nw->subnet6, AF_INET6, "subnet6", err);
	if (r == 0)
		r = vsl_network_check_overlap(nl, store, nw->name, &nw->subnet6, err);
	if (r < 0)
		return r;
	nw->gateway6 = vsl_cidr_nth(&nw->subnet6, 1);
	nw->has6 = true;
	return 0;
}

static bool is_connected(const struct vsl_network *nw, const char *other)
{
	for (size_t i = 0; i < nw->nconnected; i++)
		if (strcmp(nw->connected[i], other) == 0)
			return true;
	return false;
}

/* Add (on) or drop other in nw's list; false if nothing changed. */
static bool set_connected(struct vsl_network *nw, const char *other, bool on)
{
	size_t k = 0;

	if (on == is_connected(nw, other))
		return false;
	if (on) {
		snprintf(nw->connected[nw->nconnected++], VSL_IFNAMSIZ, "%s", other);
		return true;
	}
	for (size_t i = 0; i < nw->nconnected; i++)
		if (strcmp(nw->connected[i], other) != 0)
			memcpy(nw->connected[k++], nw->connected[i], VSL_IFNAMSIZ);
	nw->nconnected = k;
	return true;
}

/* Both records changed and saved, the kernel told. Lock held; rt in the host namespace. */
static int link_pair(struct vsl_nl *rt, const char *store, const char *a, const char *b,
		     bool on, struct vsl_err *err)
{
	cleanup_nl struct vsl_nl nf = { 0 };
	struct vsl_network na, nb;
	int r;

	if (strcmp(a, b) == 0)
		return vsl_fail(err, EINVAL, "network %s: cannot connect a network to itself", a);
	r = vsl_network_resolve(rt, store, a, &na, err);
	if (r == 0)
		r = vsl_network_resolve(rt, store, b, &nb, err);
	if (r < 0)
		return r;
	if (on && (na.nconnected == VSL_NET_MAX_LINKS || nb.nconnected == VSL_NET_MAX_LINKS) &&
	    !is_connected(&na, b))
		return vsl_fail(err, ENOSPC, "network %s: connected to %d networks already, the "
				"most there can be", na.nconnected == VSL_NET_MAX_LINKS ? a : b,
				VSL_NET_MAX_LINKS);
	if (set_connected(&na, b, on))
		r = vsl_network_save(store, &na, err);
	if (r == 0 && set_connected(&nb, a, on))
		r = vsl_network_save(store, &nb, err);
	if (r == 0)
		r = vsl_nft_open(&nf, err);
	if (r == 0)
		r = vsl_fw_link(&nf, a, b, on, err);
	return r;
}

int vsl_net_network_connect(const char *store, const char *a, const char *b, bool on,
			    struct vsl_err *err)
{
	cleanup_close int lock = -1;
	cleanup_nl struct vsl_nl rt = { 0 };
	int r;

	r = vsl_net_check_ifname(a, "network", err);
	if (r == 0)
		r = vsl_net_check_ifname(b, "network", err);
	if (r < 0)
		return r;
	lock = vsl_net_lock(store, err);
	if (lock < 0)
		return lock;
	r = vsl_nl_open(&rt, NETLINK_ROUTE, err);
	if (r == 0)
		r = link_pair(&rt, store, a, b, on, err);
	return r;
}

int vsl_net_network_create(const char *store, const char *name, const char *subnet,
			   const char *subnet6, char *const *connect, size_t n,
			   struct vsl_err *err)
{
	cleanup_close int lock = -1;
	cleanup_nl struct vsl_nl nl = { 0 };
	struct vsl_network nw = { .managed = true }, peer;
	struct vsl_err tmp;
	int r;

	r = vsl_net_check_ifname(name, "network", err);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = vsl_net_check_ifname(connect[i], "--connect", err);
	if (r < 0)
		return r;
	snprintf(nw.name, sizeof(nw.name), "%s", name);
	lock = vsl_net_lock(store, err);
	if (lock < 0)
		return lock;
	if (vsl_network_load(store, name, &peer, &tmp) == 0)
		return vsl_fail(err, EEXIST, "network %s: already exists", name);
	r = vsl_nl_open(&nl, NETLINK_ROUTE, err);
	if (r == 0)
		r = check_new(&nl, store, &nw, subnet, subnet6, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (strcmp(connect[i], name) == 0)
			r = vsl_fail(err, EINVAL, "network %s: cannot connect a network to itself",
				     name);
		else
			r = vsl_network_resolve(&nl, store, connect[i], &peer, err);
	if (r == 0)
		r = vsl_network_save(store, &nw, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = link_pair(&nl, store, name, connect[i], true, err);
	return r;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct vsl_network *)a)->name, ((const struct vsl_network *)b)->name);
}

int vsl_net_network_list(const char *store, struct vsl_network **out, size_t *n,
			 struct vsl_err *err)
{
	cleanup_nl struct vsl_nl nl = { 0 };
	cleanup_free struct vsl_network *v = NULL;
	size_t k = 0;
	int r;

	r = vsl_network_load_all(store, &v, &k, err);
	if (r == 0)
		r = vsl_nl_open(&nl, NETLINK_ROUTE, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < k; i++) {
		struct vsl_leases l = { 0 };
		struct vsl_link link;
		struct vsl_err tmp;

		if (vsl_lease_list(store, v[i].name, &l, &tmp) == 0)
			v[i].leases = vsl_leases_ids(&l, NULL, 0);
		vsl_leases_clear(&l);
		v[i].present = vsl_link_get(&nl, v[i].name, "bridge", &link, &tmp) == 0;
	}
	qsort(v, k, sizeof(*v), cmp_name);
	*out = vsl_steal_ptr(&v);
	*n = k;
	return 0;
}

static int check_unused(const char *store, const char *name, struct vsl_err *err)
{
	struct vsl_leases l = { 0 };
	char ids[256];
	size_t k;
	int r;

	r = vsl_lease_check_format(store, name, err);
	if (r == 0)
		r = vsl_lease_list(store, name, &l, err);
	if (r < 0)
		return r;
	k = vsl_leases_ids(&l, ids, sizeof(ids));
	vsl_leases_clear(&l);
	if (k)
		return vsl_fail(err, EBUSY, "network %s: in use by %zu container%s (%s)", name, k,
				k == 1 ? "" : "s", ids);
	return 0;
}

/* The other side of each of nw's connections (their records; the kernel's pairs go with
 * nw's own elements). */
static int unlink_peers(const char *store, const struct vsl_network *nw, struct vsl_err *err)
{
	for (size_t i = 0; i < nw->nconnected; i++) {
		struct vsl_network peer;
		struct vsl_err tmp;
		int r;

		if (vsl_network_load(store, nw->connected[i], &peer, &tmp) < 0)
			continue;	/* gone already */
		if (set_connected(&peer, nw->name, false)) {
			r = vsl_network_save(store, &peer, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int vsl_net_network_rm(const char *store, const char *name, struct vsl_err *err)
{
	cleanup_close int lock = -1;
	cleanup_nl struct vsl_nl rt = { 0 };
	cleanup_nl struct vsl_nl nf = { 0 };
	cleanup_free char *path = xasprintf("%s/net/%s.json", store, name);
	struct vsl_network nw;
	int r;

	r = vsl_net_check_ifname(name, "network", err);
	if (r < 0)
		return r;
	lock = vsl_net_lock(store, err);
	if (lock < 0)
		return lock;
	r = vsl_network_load(store, name, &nw, err);
	if (r == 0)
		r = check_unused(store, name, err);
	if (r == 0)
		r = vsl_nl_open(&rt, NETLINK_ROUTE, err);
	if (r == 0 && nw.managed)
		r = vsl_link_del(&rt, name, err);
	if (r == 0)
		r = vsl_nft_open(&nf, err);
	if (r == 0)
		r = vsl_fw_network_remove(&nf, &nw, err);
	if (r == 0)
		r = vsl_fw_drop_if_unused(&nf, err);
	if (r == 0)
		r = unlink_peers(store, &nw, err);
	if (r == 0)
		r = vsl_lease_dir_remove(store, name, err);
	if (r == 0 && unlink(path) < 0 && errno != ENOENT)
		r = vsl_fail(err, errno, "network %s: remove %s", name, path);
	return r;
}
