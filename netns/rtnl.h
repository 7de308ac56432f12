/* rtnetlink requests for netns/: links (bridge, veth, set, delete) in link.c, addresses and
 * routes in addr.c. Each call is one request on a socket the caller opened in the namespace
 * it wants to change. Errors name the interface; the kernel's errno is kept. */
#ifndef VSL_NETNS_RTNL_H
#define VSL_NETNS_RTNL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "netns/ipam.h"
#include "netns/nl.h"
#include "netns/parse.h"

struct vsl_link {
	int index;
	unsigned flags;			/* IFF_* */
	unsigned mtu;
	int master;			/* ifindex of the bridge it is in, 0 if none */
	char name[VSL_IFNAMSIZ];
	char kind[16];			/* "bridge", "veth", ... or "" */
	bool route_localnet;		/* net.ipv4.conf.NAME.route_localnet */
};

/* Look a link up by name. 0, or -ENODEV (err filled: "<what> NAME: no such interface"). */
int vsl_link_get(struct vsl_nl *nl, const char *name, const char *what, struct vsl_link *out,
		 struct vsl_err *err);

/* A bridge with a fixed MAC (so it does not change as ports come and go), down. */
int vsl_link_bridge_add(struct vsl_nl *nl, const char *name, const uint8_t mac[6],
			struct vsl_err *err);

/* An ifb device, up (tc.c redirects a container's outgoing traffic through it). */
int vsl_link_ifb_add(struct vsl_nl *nl, const char *name, struct vsl_err *err);

struct vsl_veth_spec {
	const char *host;		/* host end, in the caller's namespace */
	const char *peer;		/* container end ("eth0") */
	int peer_nsfd;			/* created directly in this namespace */
	int master;			/* host end joins this bridge */
	unsigned mtu;			/* 0: kernel default */
	const uint8_t *peer_mac;	/* NULL: random */
};

/* One RTM_NEWLINK: the pair, the host end in the bridge and up, the peer named, addressed
 * and sized inside the container's namespace (still down). */
int vsl_link_veth_add(struct vsl_nl *nl, const struct vsl_veth_spec *spec, struct vsl_err *err);

struct vsl_link_change {
	const char *name;		/* rename to this, or NULL */
	unsigned mtu;			/* 0: unchanged */
	const uint8_t *mac;		/* NULL: unchanged */
	bool up;			/* bring up */
	bool route_localnet;		/* switch net.ipv4.conf.NAME.route_localnet on */
};
int vsl_link_set(struct vsl_nl *nl, int index, const char *what,
		 const struct vsl_link_change *c, struct vsl_err *err);

/* Delete a link by name. ENODEV counts as done: the result is 0 either way. */
int vsl_link_del(struct vsl_nl *nl, const char *name, struct vsl_err *err);

/* Add an address (IPv6 without duplicate detection: vessel owns the subnet). EEXIST is ok. */
int vsl_addr_add(struct vsl_nl *nl, int index, const char *ifname, const struct vsl_cidr *a,
		 struct vsl_err *err);
/* The addresses of one family on a link (index 0: on every link). */
int vsl_addr_list(struct vsl_nl *nl, int index, int family, struct vsl_cidr **out, size_t *n,
		  struct vsl_err *err);
/* Default route via gw out of index. EEXIST is ok. */
int vsl_route_add_default(struct vsl_nl *nl, int index, const char *ifname,
			  const struct vsl_ip *gw, struct vsl_err *err);

struct vsl_route {
	struct vsl_cidr dst;
	int oif;
};
/* The main table's routes of one family, except default routes. */
int vsl_route_list(struct vsl_nl *nl, int family, struct vsl_route **out, size_t *n,
		   struct vsl_err *err);

#endif
