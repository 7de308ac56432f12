/* Network records (<store>/net/<name>.json) and the bridge behind each: `vessel network
 * create|list|rm`, the default network vessel0 on a free private /16, adopting a bridge the
 * administrator made, and bringing a bridge up with its gateway addresses. */
#include <dirent.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "common/cleanup.h"
#include "common/json_gen.h"
#include "common/util.h"
#include "netns/internal.h"
#include "netns/rtnl.h"

static char *record_path(const char *store, const char *name)
{
	return xasprintf("%s/net/%s.json", store, name);
}

int vsl_network_save(const char *store, const struct vsl_network *nw, struct vsl_err *err)
{
	cleanup_free char *path = record_path(store, nw->name);
	cleanup_free char *text = NULL;
	char s[VSL_CIDR_STRLEN];
	yajl_gen g = vsl_jgen_new(true);

	vsl_jgen_map_open(g, NULL);
	vsl_jgen_str(g, "name", nw->name);
	vsl_jgen_str(g, "subnet", vsl_cidr_str(&nw->subnet, s));
	vsl_jgen_str(g, "gateway", vsl_ip_str(&nw->gateway, s));
	if (nw->has6) {
		vsl_jgen_str(g, "subnet6", vsl_cidr_str(&nw->subnet6, s));
		vsl_jgen_str(g, "gateway6", vsl_ip_str(&nw->gateway6, s));
	}
	vsl_jgen_int(g, "mtu", nw->mtu);
	vsl_jgen_bool(g, "managed", nw->managed);
	vsl_jgen_arr_open(g, "connected");
	for (size_t i = 0; i < nw->nconnected; i++)
		vsl_jgen_str(g, NULL, nw->connected[i]);
	vsl_jgen_arr_close(g);
	vsl_jgen_map_close(g);
	text = vsl_jgen_finish(g);
	return vsl_write_file_atomic(path, text, strlen(text), 0600, err);
}

static const char *get_str(yajl_val root, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(root, path, yajl_t_string);

	return v ? YAJL_GET_STRING(v) : NULL;
}

/* "connected": names of other networks, each a valid interface name, at most
 * VSL_NET_MAX_LINKS (a record written by hand with more or bad ones is refused). */
static int parse_connected(yajl_val root, struct vsl_network *nw)
{
	const char *path[] = { "connected", NULL };
	yajl_val a = yajl_tree_get(root, path, yajl_t_array);
	struct vsl_err tmp;

	if (!a)
		return 0;
	if (YAJL_GET_ARRAY(a)->len > VSL_NET_MAX_LINKS)
		return -EINVAL;
	for (size_t i = 0; i < YAJL_GET_ARRAY(a)->len; i++) {
		const char *n = YAJL_GET_STRING(YAJL_GET_ARRAY(a)->values[i]);

		if (!n || vsl_net_check_ifname(n, "network", &tmp) < 0)
			return -EINVAL;
		snprintf(nw->connected[nw->nconnected++], VSL_IFNAMSIZ, "%s", n);
	}
	return 0;
}

static int parse_record(yajl_val root, struct vsl_network *nw)
{
	const char *name = get_str(root, "name"), *sub = get_str(root, "subnet");
	const char *gw = get_str(root, "gateway"), *sub6 = get_str(root, "subnet6");
	const char *gw6 = get_str(root, "gateway6");
	const char *mtu_path[] = { "mtu", NULL }, *man_path[] = { "managed", NULL };
	yajl_val mtu = yajl_tree_get(root, mtu_path, yajl_t_number);
	yajl_val managed = yajl_tree_get(root, man_path, yajl_t_any);

	memset(nw, 0, sizeof(*nw));
	if (!name || strlen(name) >= sizeof(nw->name) || vsl_cidr_parse(sub, &nw->subnet) < 0 ||
	    vsl_ip_parse(gw, &nw->gateway) < 0)
		return -EINVAL;
	snprintf(nw->name, sizeof(nw->name), "%s", name);
	if (sub6) {
		if (vsl_cidr_parse(sub6, &nw->subnet6) < 0 || vsl_ip_parse(gw6, &nw->gateway6) < 0)
			return -EINVAL;
		nw->has6 = true;
	}
	nw->mtu = mtu && YAJL_IS_INTEGER(mtu) ? (unsigned)YAJL_GET_INTEGER(mtu) : 0;
	nw->managed = !managed || YAJL_IS_TRUE(managed);
	return parse_connected(root, nw);
}

int vsl_network_load(const char *store, const char *name, struct vsl_network *out,
		     struct vsl_err *err)
{
	cleanup_free char *path = record_path(store, name);
	cleanup_free char *text = NULL;
	char ebuf[256];
	yajl_val root;
	size_t len;
	int r;

	r = vsl_read_file(path, &text, &len, err);
	if (r == -ENOENT)
		return vsl_fail(err, ENOENT, "network %s: not found (create it with `vessel network "
				"create %s --subnet CIDR`)", name, name);
	if (r < 0)
		return r;
	root = yajl_tree_parse(text, ebuf, sizeof(ebuf));
	if (!root)
		return vsl_fail(err, EINVAL, "network record %s: invalid JSON", path);
	r = parse_record(root, out);
	yajl_tree_free(root);
	if (r < 0 || strcmp(out->name, name) != 0)
		return vsl_fail(err, EINVAL, "network record %s: missing or bad fields", path);
	return 0;
}

/* Every recorded network (for overlap checks and `network list`). */
int vsl_network_load_all(const char *store, struct vsl_network **out, size_t *n, struct vsl_err *err)
{
	cleanup_free char *dir = vsl_net_dir(store);
	cleanup_dir DIR *d = opendir(dir);
	struct vsl_network *v = NULL;
	struct dirent *e;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : vsl_fail(err, errno, "networks %s: open", dir);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char name[VSL_IFNAMSIZ];
		struct vsl_err tmp;

		if (len <= 5 || len - 5 >= sizeof(name) || strcmp(e->d_name + len - 5, ".json"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5), e->d_name);
		v = xrealloc(v, (k + 1) * sizeof(*v));
		if (vsl_network_load(store, name, &v[k], &tmp) == 0)
			k++;
	}
	*out = v;
	*n = k;
	return 0;
}

/* Refuse a subnet that overlaps another network or a host route (not on the bridge itself). */
int vsl_network_check_overlap(struct vsl_nl *nl, const char *store, const char *name,
			 const struct vsl_cidr *c, struct vsl_err *err)
{
	cleanup_free struct vsl_network *nws = NULL;
	cleanup_free struct vsl_route *rt = NULL;
	char a[VSL_CIDR_STRLEN], b[VSL_CIDR_STRLEN];
	size_t n = 0, nrt = 0;
	struct vsl_link br = { 0 };
	struct vsl_err tmp;
	int r;

	r = vsl_network_load_all(store, &nws, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const struct vsl_cidr *o = c->ip.family == AF_INET ? &nws[i].subnet : &nws[i].subnet6;
		if (strcmp(nws[i].name, name) == 0 || (c->ip.family == AF_INET6 && !nws[i].has6))
			continue;
		if (vsl_cidr_overlaps(c, o))
			return vsl_fail(err, EINVAL, "subnet %s overlaps network %s (%s)",
					vsl_cidr_str(c, a), nws[i].name, vsl_cidr_str(o, b));
	}
	r = vsl_route_list(nl, c->ip.family, &rt, &nrt, err);
	if (r < 0)
		return r;
	vsl_link_get(nl, name, "bridge", &br, &tmp);
	for (size_t i = 0; i < nrt; i++)
		if (rt[i].oif != br.index && vsl_cidr_overlaps(c, &rt[i].dst))
			return vsl_fail(err, EINVAL, "subnet %s overlaps host route %s",
					vsl_cidr_str(c, a), vsl_cidr_str(&rt[i].dst, b));
	return 0;
}

/* vessel0's subnet: the first private /16 no network or host route uses. */
static int default_network(struct vsl_nl *nl, const char *store, struct vsl_network *nw,
			   struct vsl_err *err)
{
	static const char *const candidates[] = {
		"10.89.0.0/16",  "10.90.0.0/16",  "10.91.0.0/16",  "10.92.0.0/16",
		"10.93.0.0/16",  "10.94.0.0/16",  "10.95.0.0/16",  "10.96.0.0/16",
		"10.97.0.0/16",  "10.98.0.0/16",  "172.29.0.0/16", "172.30.0.0/16",
	};
	struct vsl_err tmp;

	memset(nw, 0, sizeof(*nw));
	snprintf(nw->name, sizeof(nw->name), "%s", VSL_NET_DEFAULT_BRIDGE);
	nw->managed = true;
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		vsl_cidr_parse(candidates[i], &nw->subnet);
		int r = vsl_network_check_overlap(nl, store, nw->name, &nw->subnet, &tmp);
		if (r == -EINVAL)
			continue;
		if (r < 0) {
			*err = tmp;
			return r;
		}
		nw->gateway = vsl_cidr_nth(&nw->subnet, 1);
		return vsl_network_save(store, nw, err);
	}
	return vsl_fail(err, EADDRNOTAVAIL, "network %s: every default subnet overlaps a host "
			"route; create it with `vessel network create %s --subnet CIDR`",
			nw->name, nw->name);
}

/* A bridge someone else made: its first IPv4 (and IPv6) address is the gateway. */
static int adopt_bridge(struct vsl_nl *nl, const char *store, const struct vsl_link *l,
			struct vsl_network *nw, struct vsl_err *err)
{
	cleanup_free struct vsl_cidr *a4 = NULL, *a6 = NULL;
	size_t n4 = 0, n6 = 0;
	int r;

	r = vsl_addr_list(nl, l->index, AF_INET, &a4, &n4, err);
	if (r == 0)
		r = vsl_addr_list(nl, l->index, AF_INET6, &a6, &n6, err);
	if (r < 0)
		return r;
	memset(nw, 0, sizeof(*nw));
	if (n4)
		nw->subnet = vsl_cidr_network(&a4[0]);
	if (n4 == 0 || vsl_subnet_check(&nw->subnet, AF_INET, "subnet", err) < 0)
		return vsl_fail(err, ENOENT, "network %s: not found, and bridge %s has no usable "
				"IPv4 address to adopt", l->name, l->name);
	snprintf(nw->name, sizeof(nw->name), "%s", l->name);
	nw->gateway = a4[0].ip;
	if (n6 && a6[0].prefix >= 8 && a6[0].prefix <= 126) {
		nw->has6 = true;
		nw->subnet6 = vsl_cidr_network(&a6[0]);
		nw->gateway6 = a6[0].ip;
	}
	nw->mtu = l->mtu;
	return vsl_network_save(store, nw, err);
}

int vsl_network_resolve(struct vsl_nl *nl, const char *store, const char *name,
			struct vsl_network *out, struct vsl_err *err)
{
	struct vsl_link l;
	struct vsl_err tmp;
	int r;

	r = vsl_network_load(store, name, out, err);
	if (r != -ENOENT)
		return r;
	if (strcmp(name, VSL_NET_DEFAULT_BRIDGE) == 0)
		return default_network(nl, store, out, err);
	if (vsl_link_get(nl, name, "bridge", &l, &tmp) < 0 || strcmp(l.kind, "bridge") != 0)
		return r;	/* "not found (create it with ...)" */
	return adopt_bridge(nl, store, &l, out, err);
}

int vsl_network_bridge_ensure(struct vsl_nl *nl, const struct vsl_network *nw, bool *made,
			      int *index, struct vsl_err *err)
{
	struct vsl_cidr gw = { nw->gateway, nw->subnet.prefix };
	struct vsl_cidr gw6 = { nw->gateway6, nw->subnet6.prefix };
	struct vsl_link l;
	struct vsl_err tmp;
	uint8_t mac[6];
	int r;

	*made = false;
	r = vsl_link_get(nl, nw->name, "bridge", &l, &tmp);
	if (r == -ENODEV) {
		vsl_net_mac("bridge:", nw->name, mac);
		r = vsl_link_bridge_add(nl, nw->name, mac, err);
		if (r < 0)
			return r;
		*made = true;
		r = vsl_link_get(nl, nw->name, "bridge", &l, err);
	} else if (r < 0) {
		*err = tmp;
	}
	if (r == 0 && strcmp(l.kind, "bridge") != 0)
		r = vsl_fail(err, EINVAL, "bridge %s: exists but is a %s interface, not a bridge",
			     nw->name, l.kind[0] ? l.kind : "plain");
	if (r == 0)
		r = vsl_addr_add(nl, l.index, nw->name, &gw, err);
	if (r == 0 && nw->has6)
		r = vsl_addr_add(nl, l.index, nw->name, &gw6, err);
	/* route_localnet: a port forward reached on 127.0.0.1 leaves through the bridge with
	 * that source until it is masqueraded (fw.c's guard keeps 127/8 from coming in) */
	if (r == 0 && (nw->mtu || !(l.flags & IFF_UP) || !l.route_localnet))
		r = vsl_link_set(nl, l.index, nw->name,
				 &(struct vsl_link_change){ .mtu = nw->mtu, .up = true,
							    .route_localnet = !l.route_localnet },
				 err);
	if (r < 0) {
		if (*made)
			vsl_link_del(nl, nw->name, &tmp);
		*made = false;
		return r;
	}
	*index = l.index;
	return 0;
}

