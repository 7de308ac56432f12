/* Links over rtnetlink: look up, bridge, veth pair with its peer made directly in the
 * container's namespace, ifb, set (name, MTU, MAC, up, route_localnet), delete (ENODEV =
 * already gone). */
#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "netns/rtnl.h"

static int linkinfo_cb(const struct nlattr *a, void *data)
{
	struct vsl_link *l = data;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND && mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
		snprintf(l->kind, sizeof(l->kind), "%.*s", (int)mnl_attr_get_payload_len(a),
			 (const char *)mnl_attr_get_payload(a));
	return MNL_CB_OK;
}

/* IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF: the interface's IPv4 settings, one u32 each,
 * IPV4_DEVCONF_x at index x - 1. */
static int inet_conf_cb(const struct nlattr *a, void *data)
{
	struct vsl_link *l = data;
	const uint32_t *conf = mnl_attr_get_payload(a);

	if (mnl_attr_get_type(a) == IFLA_INET_CONF &&
	    mnl_attr_get_payload_len(a) >= IPV4_DEVCONF_ROUTE_LOCALNET * sizeof(uint32_t))
		l->route_localnet = conf[IPV4_DEVCONF_ROUTE_LOCALNET - 1] != 0;
	return MNL_CB_OK;
}

static int af_spec_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == AF_INET && mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
		mnl_attr_parse_nested(a, inet_conf_cb, data);
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct vsl_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_MASTER:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->master = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
			mnl_attr_parse_nested(a, linkinfo_cb, l);
		break;
	case IFLA_AF_SPEC:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
			mnl_attr_parse_nested(a, af_spec_cb, l);
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vsl_link *l = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	memset(l, 0, sizeof(*l));
	l->index = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, l);
	return MNL_CB_OK;
}

int vsl_link_get(struct vsl_nl *nl, const char *name, const char *what, struct vsl_link *out,
		 struct vsl_err *err)
{
	struct vsl_nlreq req;
	struct vsl_link l = { 0 };
	int r;

	vsl_nlreq_init(&req, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	vsl_nlreq_put_str(&req, IFLA_IFNAME, name);
	r = vsl_nl_talk(nl, &req, link_cb, &l);
	if (r == -ENODEV)
		return vsl_fail(err, ENODEV, "%s %s: no such interface", what, name);
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "%s %s: look up", what, name);
	*out = l;
	return 0;
}

int vsl_link_bridge_add(struct vsl_nl *nl, const char *name, const uint8_t mac[6],
			struct vsl_err *err)
{
	struct vsl_nlreq req;
	struct nlattr *info;
	int r;

	vsl_nlreq_init(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	vsl_nlreq_put_str(&req, IFLA_IFNAME, name);
	vsl_nlreq_put(&req, IFLA_ADDRESS, 6, mac);
	info = vsl_nlreq_nest(&req, IFLA_LINKINFO);
	vsl_nlreq_put_str(&req, IFLA_INFO_KIND, "bridge");
	vsl_nlreq_nest_end(&req, info);
	r = vsl_nl_talk(nl, &req, NULL, NULL);
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "bridge %s: create", name);
	return 0;
}

int vsl_link_ifb_add(struct vsl_nl *nl, const char *name, struct vsl_err *err)
{
	struct vsl_nlreq req;
	struct ifinfomsg *ifi;
	struct nlattr *info;
	int r;

	ifi = vsl_nlreq_init(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	vsl_nlreq_put_str(&req, IFLA_IFNAME, name);
	info = vsl_nlreq_nest(&req, IFLA_LINKINFO);
	vsl_nlreq_put_str(&req, IFLA_INFO_KIND, "ifb");
	vsl_nlreq_nest_end(&req, info);
	r = vsl_nl_talk(nl, &req, NULL, NULL);
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "ifb %s: create", name);
	return 0;
}

static void put_peer(struct vsl_nlreq *req, const struct vsl_veth_spec *s)
{
	struct nlattr *peer = vsl_nlreq_nest(req, VETH_INFO_PEER);
	/* The peer stays down: opening it now fails with ENOTCONN, because its other end (the
	 * host end) is registered only after it. It is brought up from inside the namespace. */
	vsl_nlreq_reserve(req, sizeof(struct ifinfomsg));
	vsl_nlreq_put_str(req, IFLA_IFNAME, s->peer);
	vsl_nlreq_put_u32(req, IFLA_NET_NS_FD, (uint32_t)s->peer_nsfd);
	if (s->mtu)
		vsl_nlreq_put_u32(req, IFLA_MTU, s->mtu);
	if (s->peer_mac)
		vsl_nlreq_put(req, IFLA_ADDRESS, 6, s->peer_mac);
	vsl_nlreq_nest_end(req, peer);
}

int vsl_link_veth_add(struct vsl_nl *nl, const struct vsl_veth_spec *s, struct vsl_err *err)
{
	struct vsl_nlreq req;
	struct ifinfomsg *ifi;
	struct nlattr *info, *data;
	int r;

	ifi = vsl_nlreq_init(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	vsl_nlreq_put_str(&req, IFLA_IFNAME, s->host);
	if (s->mtu)
		vsl_nlreq_put_u32(&req, IFLA_MTU, s->mtu);
	if (s->master)
		vsl_nlreq_put_u32(&req, IFLA_MASTER, (uint32_t)s->master);
	info = vsl_nlreq_nest(&req, IFLA_LINKINFO);
	vsl_nlreq_put_str(&req, IFLA_INFO_KIND, "veth");
	data = vsl_nlreq_nest(&req, IFLA_INFO_DATA);
	put_peer(&req, s);
	vsl_nlreq_nest_end(&req, data);
	vsl_nlreq_nest_end(&req, info);
	r = vsl_nl_talk(nl, &req, NULL, NULL);
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "veth %s: create (peer %s in container netns)",
				   s->host, s->peer);
	return 0;
}

int vsl_link_set(struct vsl_nl *nl, int index, const char *what,
		 const struct vsl_link_change *c, struct vsl_err *err)
{
	struct vsl_nlreq req;
	struct ifinfomsg *ifi;
	int r;

	ifi = vsl_nlreq_init(&req, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi->ifi_index = index;
	if (c->up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if (c->name)
		vsl_nlreq_put_str(&req, IFLA_IFNAME, c->name);
	if (c->mtu)
		vsl_nlreq_put_u32(&req, IFLA_MTU, c->mtu);
	if (c->mac)
		vsl_nlreq_put(&req, IFLA_ADDRESS, 6, c->mac);
	if (c->route_localnet) {
		struct nlattr *spec = vsl_nlreq_nest(&req, IFLA_AF_SPEC);
		struct nlattr *inet = vsl_nlreq_nest(&req, AF_INET);
		struct nlattr *conf = vsl_nlreq_nest(&req, IFLA_INET_CONF);

		vsl_nlreq_put_u32(&req, IPV4_DEVCONF_ROUTE_LOCALNET, 1);
		vsl_nlreq_nest_end(&req, conf);
		vsl_nlreq_nest_end(&req, inet);
		vsl_nlreq_nest_end(&req, spec);
	}
	r = vsl_nl_talk(nl, &req, NULL, NULL);
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "link %s: set%s%s%s%s%s", what,
				   c->name ? " name" : "", c->mtu ? " mtu" : "",
				   c->mac ? " address" : "", c->up ? " up" : "",
				   c->route_localnet ? " route_localnet" : "");
	return 0;
}

int vsl_link_del(struct vsl_nl *nl, const char *name, struct vsl_err *err)
{
	struct vsl_nlreq req;
	int r;

	vsl_nlreq_init(&req, RTM_DELLINK, 0, sizeof(struct ifinfomsg));
	vsl_nlreq_put_str(&req, IFLA_IFNAME, name);
	r = vsl_nl_talk(nl, &req, NULL, NULL);
	if (r == -ENODEV)
		return 0;	/* gone already: the netns died, or an earlier delete */
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "link %s: delete", name);
	return 0;
}
