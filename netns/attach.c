/* vsl_net_attach / vsl_net_detach: a container onto a bridge and off it again.
 * Under the store's network lock: the network record, the lease, the bridge, the network's
 * nftables part and the container's port forwards. Outside it (so parallel creates
 * overlap): the veth pair, made with its peer directly inside the container's namespace,
 * the container side (addresses, routes, lo), configured through a netlink socket opened in
 * that namespace, and the rate limit. Nothing here reads what other containers hold. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "netns/internal.h"
#include "netns/nft.h"
#include "netns/rtnl.h"

struct attach {
	const struct vsl_net_req *req;
	const char *bridge;
	struct vsl_network nw;
	struct vsl_port *ports;
	size_t nports;
	struct vsl_cidr want;
	bool has_want;
	uint64_t rate;
	struct vsl_ip ip4, ip6;
	char veth[VSL_IFNAMSIZ], ifb[VSL_IFNAMSIZ];
	int nsfd;
	bool leased, bridge_made, veth_made;
	struct vsl_nl rt, nf;		/* host namespace: rtnetlink, nftables */
};

static const char *bridge_of(const struct vsl_net_req *req)
{
	return req->bridge && req->bridge[0] ? req->bridge : VSL_NET_DEFAULT_BRIDGE;
}

/* The id names files of the store: the characters runtime/ allows, a bounded length. */
static int check_id(const char *id, struct vsl_err *err)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0)
		return vsl_fail(err, EINVAL, "network: empty container id");
	if (n > VSL_LEASE_ID_MAX || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return vsl_fail(err, EINVAL, "network: container id \"%.*s\": at most %d characters, "
				"not . or ..", 64, id, VSL_LEASE_ID_MAX);
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+.-", *p))
			return vsl_fail(err, EINVAL, "network: container id \"%s\": use letters, "
					"digits and _+.-", id);
	return 0;
}

/* Everything that can be refused before anything is made. */
static int parse_req(struct attach *a, struct vsl_err *err)
{
	const struct vsl_net_req *req = a->req;
	int r;

	r = check_id(req->id, err);
	if (r == 0)
		r = vsl_net_check_ifname(a->bridge, "bridge", err);
	if (r == 0)
		r = vsl_ports_parse(req->ports, &a->ports, &a->nports, err);
	if (r == 0 && req->rate)
		r = vsl_net_rate_parse(req->rate, VSL_NET_ANN_RATE, &a->rate, err);
	if (r < 0)
		return r;
	if (req->address && req->address[0] && strcmp(req->address, "auto") != 0) {
		if (vsl_cidr_parse(req->address, &a->want) < 0)
			return vsl_fail(err, EINVAL, "address %s: invalid (expected auto or "
					"ADDRESS/PREFIX, e.g. 10.89.0.7/16)", req->address);
		a->has_want = true;
	}
	vsl_net_veth_name(req->id, a->veth);
	vsl_net_ifb_name(req->id, a->ifb);
	return 0;
}

/* The ports as recorded: normalised, so detach parses exactly what attach forwarded. */
static char *ports_text(const struct vsl_port *p, size_t n)
{
	char *s = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		char *t = xasprintf("%s%s%u:%u/%s", s, i ? "," : "", p[i].host, p[i].container,
				    vsl_proto_name(p[i].proto));
		free(s);
		s = t;
	}
	return s;
}

static int lease(struct attach *a, struct vsl_err *err)
{
	cleanup_free char *ports = ports_text(a->ports, a->nports);
	int r;

	if (a->has_want && a->want.ip.family == AF_INET6 && !a->nw.has6)
		return vsl_fail(err, EINVAL, "network %s: address %s is IPv6 but the network has "
				"no IPv6 subnet", a->nw.name, a->req->address);
	a->leased = true;	/* from here on the record may exist: unwind releases it */
	r = vsl_lease_acquire(a->req->store, a->req->id, &a->nw, a->has_want ? &a->want : NULL,
			      ports, &a->ip4, &a->ip6, err);
	return r;
}

/* The part under the lock: network, lease, bridge, nftables. */
static int locked_part(struct attach *a, struct vsl_err *err)
{
	cleanup_close int lock = vsl_net_lock(a->req->store, err);
	int r, index;

	if (lock < 0)
		return lock;
	r = vsl_network_resolve(&a->rt, a->req->store, a->bridge, &a->nw, err);
	if (r == 0)
		r = lease(a, err);
	if (r == 0)
		r = vsl_network_bridge_ensure(&a->rt, &a->nw, &a->bridge_made, &index, err);
	if (r == 0)
		r = vsl_fw_network_ensure(&a->nf, &a->nw, a->req->log, err);
	if (r == 0)
		r = vsl_nat_ports_add(&a->nf, a->req->id, a->ports, a->nports, &a->ip4,
				      a->nw.has6 ? &a->ip6 : NULL, err);
	return r;
}

/* Inside the container: lo and eth0 up, eth0's addresses, default routes via the bridge. */
static int configure_container(struct attach *a, struct vsl_err *err)
{
	cleanup_nl struct vsl_nl nl = { 0 };
	struct vsl_cidr c4 = { a->ip4, a->nw.subnet.prefix };
	struct vsl_cidr c6 = { a->ip6, a->nw.subnet6.prefix };
	struct vsl_link lo, eth0;
	int r;

	r = vsl_nl_open_netns(&nl, NETLINK_ROUTE, a->nsfd, err);
	if (r == 0)
		r = vsl_link_get(&nl, "lo", "container", &lo, err);
	if (r == 0)
		r = vsl_link_set(&nl, lo.index, "lo", &(struct vsl_link_change){ .up = true }, err);
	if (r == 0)
		r = vsl_link_get(&nl, "eth0", "container", &eth0, err);
	if (r == 0)
		r = vsl_link_set(&nl, eth0.index, "eth0", &(struct vsl_link_change){ .up = true },
				 err);
	if (r == 0)
		r = vsl_addr_add(&nl, eth0.index, "eth0", &c4, err);
	if (r == 0)
		r = vsl_route_add_default(&nl, eth0.index, "eth0", &a->nw.gateway, err);
	if (r == 0 && a->nw.has6)
		r = vsl_addr_add(&nl, eth0.index, "eth0", &c6, err);
	if (r == 0 && a->nw.has6)
		r = vsl_route_add_default(&nl, eth0.index, "eth0", &a->nw.gateway6, err);
	return r;
}

static int make_veth(struct attach *a, struct vsl_err *err)
{
	struct vsl_link br;
	uint8_t mac[6];
	struct vsl_veth_spec spec = {
		.host = a->veth, .peer = "eth0", .peer_nsfd = a->nsfd,
		.mtu = a->nw.mtu, .peer_mac = mac,
	};
	struct vsl_err tmp;
	int r;

	vsl_net_mac_from_ip4(a->ip4.a, mac);
	r = vsl_link_get(&a->rt, a->bridge, "bridge", &br, err);
	if (r < 0)
		return r;
	spec.master = br.index;
	r = vsl_link_veth_add(&a->rt, &spec, err);
	if (r == -EEXIST && vsl_link_get(&a->rt, a->veth, "veth", &br, &tmp) == 0) {
		/* The name is derived from the id, and ids are unique: a crashed earlier
		 * create of this id left it behind. */
		vsl_warn(a->req->log, "container %s: removing stale veth %s", a->req->id, a->veth);
		r = vsl_link_del(&a->rt, a->veth, err);
		if (r == 0)
			r = vsl_link_veth_add(&a->rt, &spec, err);
	}
	a->veth_made = r == 0;
	return r;
}

/* Everything id may hold, found from its record: port forwards, lease, record. Lock held. */
static int release(struct vsl_nl *nf, const char *store, const char *id, struct vsl_err *err)
{
	cleanup_free struct vsl_port *ports = NULL;
	struct vsl_lease_rec rec;
	size_t n = 0;
	int r;

	r = vsl_lease_rec_load(store, id, &rec, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = vsl_ports_parse(rec.ports, &ports, &n, err);
	if (r == 0)
		r = vsl_nat_ports_remove(nf, id, ports, n, err);
	if (r == 0)
		r = vsl_lease_release(store, id, &rec, err);
	vsl_lease_rec_clear(&rec);
	return r;
}

/* A bridge this attach made goes again if nobody else joined it meanwhile. Lock held. */
static void unmake_bridge(struct attach *a)
{
	struct vsl_leases l = { 0 };
	struct vsl_err e;

	if (vsl_lease_list(a->req->store, a->bridge, &l, &e) < 0 || l.n > 0) {
		vsl_leases_clear(&l);
		return;
	}
	if (vsl_fw_network_remove(&a->nf, &a->nw, &e) < 0 || vsl_fw_drop_if_unused(&a->nf, &e) < 0 ||
	    vsl_link_del(&a->rt, a->bridge, &e) < 0)
		vsl_warn(a->req->log, "undo: %s", e.msg);
}

/* Undo a failed attach: veth, ifb, port forwards, lease; the bridge only if this call made
 * it and nobody else joined it meanwhile. Errors here are logged, not returned. */
static void unwind(struct attach *a)
{
	struct vsl_err e;
	int lock;

	if (a->veth_made && vsl_link_del(&a->rt, a->veth, &e) < 0)
		vsl_warn(a->req->log, "undo: %s", e.msg);
	if (a->rate && vsl_link_del(&a->rt, a->ifb, &e) < 0)
		vsl_warn(a->req->log, "undo: %s", e.msg);
	lock = vsl_net_lock(a->req->store, &e);
	if (lock < 0) {
		vsl_warn(a->req->log, "undo: %s", e.msg);
		return;
	}
	if (a->leased && release(&a->nf, a->req->store, a->req->id, &e) < 0)
		vsl_warn(a->req->log, "undo: %s", e.msg);
	if (a->bridge_made)
		unmake_bridge(a);
	close(lock);
}

static void fill_info(const struct attach *a, struct vsl_net_info *out)
{
	char s[VSL_CIDR_STRLEN];

	memset(out, 0, sizeof(*out));
	snprintf(out->veth, sizeof(out->veth), "%s", a->veth);
	snprintf(out->addr4, sizeof(out->addr4), "%s",
		 vsl_cidr_str(&(struct vsl_cidr){ a->ip4, a->nw.subnet.prefix }, s));
	if (a->nw.has6)
		snprintf(out->addr6, sizeof(out->addr6), "%s",
			 vsl_cidr_str(&(struct vsl_cidr){ a->ip6, a->nw.subnet6.prefix }, s));
}

static int attach(struct attach *a, struct vsl_net_info *out, struct vsl_err *err)
{
	cleanup_free char *ns = NULL;
	int r;

	r = parse_req(a, err);
	if (r < 0)
		return r;
	ns = xasprintf("/proc/%d/ns/net", (int)a->req->pid);
	a->nsfd = open(ns, O_RDONLY | O_CLOEXEC);
	if (a->nsfd < 0)
		return vsl_fail(err, errno, "container %s: open %s", a->req->id, ns);
	r = vsl_nl_open(&a->rt, NETLINK_ROUTE, err);
	if (r == 0)
		r = vsl_nft_open(&a->nf, err);
	if (r < 0)
		return r;
	r = locked_part(a, err);
	if (r == 0)
		r = make_veth(a, err);
	if (r == 0)
		r = configure_container(a, err);
	if (r == 0 && a->rate)
		r = vsl_tc_rate_set(&a->rt, a->veth, a->ifb, a->rate, err);
	if (r < 0) {
		unwind(a);
		return r;
	}
	fill_info(a, out);
	return 0;
}

int vsl_net_attach(const struct vsl_net_req *req, struct vsl_net_info *out, struct vsl_err *err)
{
	struct attach a = { .req = req, .bridge = bridge_of(req), .nsfd = -1 };
	int r;

	r = attach(&a, out, err);
	free(a.ports);
	if (a.nsfd >= 0)
		close(a.nsfd);
	vsl_nl_close(&a.rt);
	vsl_nl_close(&a.nf);
	return r;
}

int vsl_net_detach(const struct vsl_net_req *req, struct vsl_err *err)
{
	cleanup_nl struct vsl_nl rt = { 0 };
	cleanup_nl struct vsl_nl nf = { 0 };
	cleanup_close int lock = -1;
	char veth[VSL_IFNAMSIZ], ifb[VSL_IFNAMSIZ];
	int r;

	r = check_id(req->id, err);
	if (r < 0)
		return r;
	vsl_net_veth_name(req->id, veth);
	vsl_net_ifb_name(req->id, ifb);
	r = vsl_nl_open(&rt, NETLINK_ROUTE, err);
	if (r == 0)
		r = vsl_link_del(&rt, veth, err);
	if (r == 0)
		r = vsl_link_del(&rt, ifb, err);
	if (r == 0)
		r = vsl_nft_open(&nf, err);
	if (r < 0)
		return r;
	lock = vsl_net_lock(req->store, err);
	if (lock < 0)
		return lock;
	return release(&nf, req->store, req->id, err);
}

int vsl_net_set_rate(const char *id, uint64_t bits_per_sec, struct vsl_err *err)
{
	cleanup_nl struct vsl_nl rt = { 0 };
	char veth[VSL_IFNAMSIZ], ifb[VSL_IFNAMSIZ];
	struct vsl_link l;
	int r;

	r = check_id(id, err);
	if (r < 0)
		return r;
	if (bits_per_sec && (bits_per_sec < VSL_NET_RATE_MIN || bits_per_sec > VSL_NET_RATE_MAX))
		return vsl_fail(err, ERANGE, "container %s: rate out of range (8kbit to 100gbit)",
				id);
	vsl_net_veth_name(id, veth);
	vsl_net_ifb_name(id, ifb);
	r = vsl_nl_open(&rt, NETLINK_ROUTE, err);
	if (r < 0)
		return r;
	if (vsl_link_get(&rt, veth, "veth", &l, err) == -ENODEV)
		return vsl_refuse(err, ENODEV, "container %s: no interface on a vessel network "
				  "(host veth %s)", id, veth);
	return vsl_tc_rate_set(&rt, veth, ifb, bits_per_sec, err);
}
