/* vessel's networking: a container joins a bridge through a veth pair, gets an address from
 * the bridge's pool (IPv4, and IPv6 where the network has a v6 subnet), a default route,
 * outbound NAT, port forwards and optionally a rate limit. Networks are isolated from each
 * other unless connected (nftables, one table "vessel"). Networks are records under
 * <store>/net/<name>.json; what each container holds is <store>/net/ids/<id>.json and one
 * lease per address; one lock file <store>/net/lock serialises the short sections that
 * change them. runtime/ calls attach/detach; cmd/network.c calls the network_* functions;
 * the VPS layer calls vsl_net_set_rate and vsl_net_counters. */
#ifndef VSL_NETNS_NET_H
#define VSL_NETNS_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "common/log.h"
#include "netns/ipam.h"
#include "netns/parse.h"

#define VSL_NET_DEFAULT_BRIDGE "vessel0"

/* The annotations that ask for networking (documented in docs/network.md). */
#define VSL_NET_ANN_BRIDGE "vessel.net.bridge"
#define VSL_NET_ANN_ADDRESS "vessel.net.address"
#define VSL_NET_ANN_PORTS "vessel.net.ports"
#define VSL_NET_ANN_RATE "vessel.net.rate"

struct vsl_net_req {
	const char *store;	/* ctx->store: leases and networks live under <store>/net */
	const char *id;		/* container id; host veth name derived from it, fits IFNAMSIZ */
	const char *bridge;	/* annotation vessel.net.bridge */
	const char *address;	/* annotation vessel.net.address: "auto" (default) or CIDR */
	const char *ports;	/* annotation vessel.net.ports: "HOST:CONTAINER[/tcp|/udp],..." */
	const char *rate;	/* annotation vessel.net.rate: "10mbit" (NULL: unlimited) */
	pid_t pid;		/* container process: its /proc/<pid>/ns/net */
	const struct vsl_log *log;
};

struct vsl_net_info {
	char veth[16];		/* host end of the pair */
	char addr4[64];		/* "10.89.0.2/16" */
	char addr6[64];		/* "fd89::2/64" or "" */
};

/* Bridge (made if missing), veth, eth0 in the container, address, default route, lo up,
 * lease, port forwards, rate limit. On failure everything made is removed (lease released).
 * Costs the same however many containers the host has. */
int vsl_net_attach(const struct vsl_net_req *req, struct vsl_net_info *out, struct vsl_err *err);
/* Undo what attach made for req->id, found from its record in the store (req->store and
 * req->id are enough): lease, port forwards, host veth (ENODEV ok), ifb; bridge kept.
 * Idempotent. */
int vsl_net_detach(const struct vsl_net_req *req, struct vsl_err *err);

/* Change a running container's rate limit live (bits per second, both directions; 0 removes
 * it): tc qdiscs on the host end of its veth. ENODEV (one line) if the container has no
 * vessel network interface. */
int vsl_net_set_rate(const char *id, uint64_t bits_per_sec, struct vsl_err *err);

#define VSL_NET_MAX_LINKS 64	/* networks one network can be connected to */

/* A network: a bridge and its subnets. */
struct vsl_network {
	char name[VSL_IFNAMSIZ];
	struct vsl_cidr subnet;		/* IPv4, prefix of the bridge */
	struct vsl_ip gateway;		/* the bridge's address */
	bool has6;
	struct vsl_cidr subnet6;
	struct vsl_ip gateway6;
	unsigned mtu;			/* 0: kernel default */
	bool managed;			/* vessel made the bridge (false: adopted an existing one) */
	char connected[VSL_NET_MAX_LINKS][VSL_IFNAMSIZ]; /* may forward to these, both ways */
	size_t nconnected;
	size_t leases;			/* filled by network_list */
	bool present;			/* the bridge exists now; filled by network_list */
};

/* Record a network (subnet6 may be NULL), connected to the networks in connect (n of them,
 * may be 0). Refuses a bad name, a bad subnet, one that overlaps another network or a route
 * of this host, or an unknown network to connect to. The bridge is made at first attach. */
int vsl_net_network_create(const char *store, const char *name, const char *subnet,
			   const char *subnet6, char *const *connect, size_t n,
			   struct vsl_err *err);
/* Let containers of networks a and b reach each other (connect) or not any more
 * (disconnect): recorded in both networks' records and applied at once. Networks are
 * isolated from each other by default; port forwards reach every network regardless. */
int vsl_net_network_connect(const char *store, const char *a, const char *b, bool on,
			    struct vsl_err *err);
/* All recorded networks, sorted by name; *out is malloc'd. */
int vsl_net_network_list(const char *store, struct vsl_network **out, size_t *n,
			 struct vsl_err *err);
/* Remove a network: refused (EBUSY) while a container holds a lease on it; otherwise its
 * bridge (if vessel made it), nftables rules and elements, its connections (from the other
 * networks' records too) and its record go. */
int vsl_net_network_rm(const char *store, const char *name, struct vsl_err *err);

/* The distinct container ids holding a lease on network name, sorted (NULL-terminated,
 * malloc'd; empty when it has none). */
int vsl_net_lease_holders(const char *store, const char *name, char ***out, struct vsl_err *err);
/* 1 and the container id holding ip on network in id[len], 0 if the address is free
 * (a read of its lease; no lock taken). */
int vsl_net_addr_holder(const char *store, const char *network, const struct vsl_ip *ip,
			char *id, size_t len, struct vsl_err *err);

/* Counters of one interface in a container's namespace. */
struct vsl_net_ifstats {
	char name[VSL_IFNAMSIZ];
	uint64_t rx_bytes, rx_packets, rx_errors, rx_dropped;
	uint64_t tx_bytes, tx_packets, tx_errors, tx_dropped;
};

/* Every interface in the network namespace of pid (lo included), read over netlink from
 * inside it (events --stats). *out is malloc'd. */
int vsl_net_stats(pid_t pid, struct vsl_net_ifstats **out, size_t *n, struct vsl_err *err);
/* The container's traffic on its vessel network, read from the host end of its veth (which
 * the container cannot touch) and given from the container's side: rx is what it received.
 * out->name is the host veth. ENODEV (one line) if it has none. */
int vsl_net_counters(const char *id, struct vsl_net_ifstats *out, struct vsl_err *err);

#endif
