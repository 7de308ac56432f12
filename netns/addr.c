/* Addresses and routes over rtnetlink: add an address, list addresses, add the default
 * route, list the main table (to pick a subnet that does not clash with the host's). */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/util.h"
#include "netns/rtnl.h"

static unsigned alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

int vsl_addr_add(struct vsl_nl *nl, int index, const char *ifname, const struct vsl_cidr *a,
		 struct vsl_err *err)
{
	struct vsl_nlreq req;
	struct ifaddrmsg *ifa;
	char s[VSL_CIDR_STRLEN];
	int r;

	ifa = vsl_nlreq_init(&req, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->ip.family;
	ifa->ifa_prefixlen = (uint8_t)a->prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)index;
	/* vessel hands the addresses out: duplicate detection would only delay the link. */
	if (a->ip.family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	vsl_nlreq_put(&req, IFA_LOCAL, alen(a->ip.family), a->ip.a);
	vsl_nlreq_put(&req, IFA_ADDRESS, alen(a->ip.family), a->ip.a);
	r = vsl_nl_talk(nl, &req, NULL, NULL);
	if (r < 0 && r != -EEXIST)
		return vsl_nl_fail(nl, err, r, "%s: add address %s", ifname, vsl_cidr_str(a, s));
	return 0;
}

struct addr_dump {
	int index, family;
	struct vsl_cidr *v;
	size_t n;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_dump *d = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *local = NULL, *addr = NULL;
	const struct nlattr *use;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != d->family ||
	    ifa->ifa_scope != RT_SCOPE_UNIVERSE || (d->index && (int)ifa->ifa_index != d->index))
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(a) == IFA_LOCAL)
			local = a;
		else if (mnl_attr_get_type(a) == IFA_ADDRESS)
			addr = a;
	}
	use = local ? local : addr;
	if (!use || mnl_attr_get_payload_len(use) != alen(d->family))
		return MNL_CB_OK;
	d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	memset(&d->v[d->n], 0, sizeof(d->v[d->n]));
	d->v[d->n].ip.family = d->family;
	memcpy(d->v[d->n].ip.a, mnl_attr_get_payload(use), alen(d->family));
	d->v[d->n].prefix = ifa->ifa_prefixlen;
	d->n++;
	return MNL_CB_OK;
}

int vsl_addr_list(struct vsl_nl *nl, int index, int family, struct vsl_cidr **out, size_t *n,
		  struct vsl_err *err)
{
	struct addr_dump d = { .index = index, .family = family };
	struct vsl_nlreq req;
	struct ifaddrmsg *ifa;
	int r;

	ifa = vsl_nlreq_init(&req, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	r = vsl_nl_talk(nl, &req, addr_cb, &d);
	if (r < 0) {
		free(d.v);
		return vsl_nl_fail(nl, err, r, "list addresses");
	}
	*out = d.v;
	*n = d.n;
	return 0;
}

int vsl_route_add_default(struct vsl_nl *nl, int index, const char *ifname,
			  const struct vsl_ip *gw, struct vsl_err *err)
{
	struct vsl_nlreq req;
	struct rtmsg *rtm;
	char s[VSL_IP_STRLEN];
	int r;

	rtm = vsl_nlreq_init(&req, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)gw->family;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	vsl_nlreq_put(&req, RTA_GATEWAY, alen(gw->family), gw->a);
	vsl_nlreq_put_u32(&req, RTA_OIF, (uint32_t)index);
	r = vsl_nl_talk(nl, &req, NULL, NULL);
	if (r < 0 && r != -EEXIST)
		return vsl_nl_fail(nl, err, r, "%s: add default route via %s", ifname,
				   vsl_ip_str(gw, s));
	return 0;
}

struct route_dump {
	int family;
	struct vsl_route *v;
	size_t n;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_dump *d = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	struct vsl_route rt = { .dst = { .ip = { .family = d->family } } };
	unsigned table = rtm->rtm_table;
	bool have_dst = false;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != d->family ||
	    rtm->rtm_dst_len == 0 || rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		switch (mnl_attr_get_type(a)) {
		case RTA_TABLE:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				table = mnl_attr_get_u32(a);
			break;
		case RTA_DST:
			if (mnl_attr_get_payload_len(a) == alen(d->family)) {
				memcpy(rt.dst.ip.a, mnl_attr_get_payload(a), alen(d->family));
				have_dst = true;
			}
			break;
		case RTA_OIF:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				rt.oif = (int)mnl_attr_get_u32(a);
			break;
		}
	}
	if (table != RT_TABLE_MAIN || !have_dst)
		return MNL_CB_OK;
	rt.dst.prefix = rtm->rtm_dst_len;
	d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	d->v[d->n++] = rt;
	return MNL_CB_OK;
}

int vsl_route_list(struct vsl_nl *nl, int family, struct vsl_route **out, size_t *n,
		   struct vsl_err *err)
{
	struct route_dump d = { .family = family };
	struct vsl_nlreq req;
	struct rtmsg *rtm;
	int r;

	rtm = vsl_nlreq_init(&req, RTM_GETROUTE, NLM_F_DUMP, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	r = vsl_nl_talk(nl, &req, route_cb, &d);
	if (r < 0) {
		free(d.v);
		return vsl_nl_fail(nl, err, r, "list routes");
	}
	*out = d.v;
	*n = d.n;
	return 0;
}
