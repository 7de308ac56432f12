/* Per-interface counters (IFLA_STATS64) through one parser: every interface of a container,
 * with one RTM_GETLINK dump over a netlink socket opened inside its network namespace
 * (events --stats), or its vessel interface, with one RTM_GETLINK of the host end of its
 * veth (vps stats: what the container cannot touch). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "netns/net.h"
#include "netns/nl.h"
#include "netns/parse.h"

struct stats_dump {
	struct vsl_net_ifstats *v;
	size_t n;
};

static void fill(struct vsl_net_ifstats *s, const struct rtnl_link_stats64 *k)
{
	s->rx_bytes = k->rx_bytes;
	s->rx_packets = k->rx_packets;
	s->rx_errors = k->rx_errors;
	s->rx_dropped = k->rx_dropped;
	s->tx_bytes = k->tx_bytes;
	s->tx_packets = k->tx_packets;
	s->tx_errors = k->tx_errors;
	s->tx_dropped = k->tx_dropped;
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stats_dump *d = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct vsl_net_ifstats s = { 0 };
	const struct nlattr *a;
	struct rtnl_link_stats64 k;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				snprintf(s.name, sizeof(s.name), "%s", mnl_attr_get_str(a));
			break;
		case IFLA_STATS64:
			if (mnl_attr_get_payload_len(a) >= sizeof(k)) {
				memcpy(&k, mnl_attr_get_payload(a), sizeof(k));
				fill(&s, &k);
			}
			break;
		}
	}
	d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	d->v[d->n++] = s;
	return MNL_CB_OK;
}

int vsl_net_counters(const char *id, struct vsl_net_ifstats *out, struct vsl_err *err)
{
	cleanup_nl struct vsl_nl nl = { 0 };
	struct stats_dump d = { 0 };
	struct vsl_nlreq req;
	char veth[VSL_IFNAMSIZ];
	struct vsl_net_ifstats host;
	int r;

	vsl_net_veth_name(id, veth);
	r = vsl_nl_open(&nl, NETLINK_ROUTE, err);
	if (r < 0)
		return r;
	vsl_nlreq_init(&req, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	vsl_nlreq_put_str(&req, IFLA_IFNAME, veth);
	r = vsl_nl_talk(&nl, &req, stats_cb, &d);
	if (r == 0 && d.n != 1)
		r = -EIO;
	if (r < 0) {
		free(d.v);
		if (r == -ENODEV)
			return vsl_refuse(err, ENODEV, "container %s: no interface on a vessel network "
					  "(host veth %s)", id, veth);
		return vsl_nl_fail(&nl, err, r, "network counters of container %s", id);
	}
	host = d.v[0];
	free(d.v);
	/* the veth's two ends see each packet from opposite sides */
	*out = host;
	out->rx_bytes = host.tx_bytes;
	out->rx_packets = host.tx_packets;
	out->rx_errors = host.tx_errors;
	out->rx_dropped = host.tx_dropped;
	out->tx_bytes = host.rx_bytes;
	out->tx_packets = host.rx_packets;
	out->tx_errors = host.rx_errors;
	out->tx_dropped = host.rx_dropped;
	return 0;
}

int vsl_net_stats(pid_t pid, struct vsl_net_ifstats **out, size_t *n, struct vsl_err *err)
{
	cleanup_free char *ns = xasprintf("/proc/%d/ns/net", (int)pid);
	cleanup_close int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
	cleanup_nl struct vsl_nl nl = { 0 };
	struct stats_dump d = { 0 };
	struct vsl_nlreq req;
	int r;

	if (nsfd < 0)
		return vsl_fail(err, errno, "network stats: open %s", ns);
	r = vsl_nl_open_netns(&nl, NETLINK_ROUTE, nsfd, err);
	if (r < 0)
		return r;
	vsl_nlreq_init(&req, RTM_GETLINK, NLM_F_DUMP, sizeof(struct ifinfomsg));
	r = vsl_nl_talk(&nl, &req, stats_cb, &d);
	if (r < 0) {
		free(d.v);
		return vsl_nl_fail(&nl, err, r, "network stats of pid %d: list links", (int)pid);
	}
	*out = d.v;
	*n = d.n;
	return 0;
}
