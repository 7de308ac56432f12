/* Shared inside netns/ only: the store files (lock, leases, network records) and the nftables
 * rules. runtime/ and cmd/ use netns/net.h. */
#ifndef VSL_NETNS_INTERNAL_H
#define VSL_NETNS_INTERNAL_H

#include "common/log.h"
#include "netns/ipam.h"
#include "netns/net.h"
#include "netns/nl.h"
#include "netns/parse.h"

/* lease_store.c: <store>/net/lock (flock, held until the fd closes), the container records
 * <store>/net/ids/<id>.json and one symlink per leased address (see the file). Call with the
 * lock held. */
#define VSL_LEASE_ID_MAX 200	/* a container id that networking can record in a file name */
int vsl_net_lock(const char *store, struct vsl_err *err);	/* returns the fd */
char *vsl_net_dir(const char *store);				/* malloc'd */

struct vsl_lease_rec {
	char network[VSL_IFNAMSIZ];
	struct vsl_ip ip4, ip6;		/* family 0: none */
	char *ports;			/* malloc'd, "HOST:CONTAINER/proto,..." or "" */
};
/* -ENOENT (err filled) if the container holds nothing. */
int vsl_lease_rec_load(const char *store, const char *id, struct vsl_lease_rec *out,
		       struct vsl_err *err);
int vsl_lease_rec_save(const char *store, const char *id, const struct vsl_lease_rec *rec,
		       struct vsl_err *err);			/* durable: fsync, rename */
int vsl_lease_rec_remove(const char *store, const char *id, struct vsl_err *err);
void vsl_lease_rec_clear(struct vsl_lease_rec *rec);
/* 1 and the holder's id in id[len] if ip is leased, 0 if it is free. */
int vsl_lease_owner(const char *store, const char *network, const struct vsl_ip *ip, char *id,
		    size_t len, struct vsl_err *err);
/* Lease ip to id (already id's: fine); EADDRINUSE naming the holder if it is another's. */
int vsl_lease_take(const char *store, const char *network, const struct vsl_ip *ip,
		   const char *id, struct vsl_err *err);
/* Release ip if id holds it (free or another's: nothing to do). */
int vsl_lease_drop(const char *store, const char *network, const struct vsl_ip *ip,
		   const char *id, struct vsl_err *err);
/* Every leased address of a network and its holder (network list and rm only). */
int vsl_lease_list(const char *store, const char *network, struct vsl_leases *out,
		   struct vsl_err *err);
int vsl_lease_dir_remove(const char *store, const char *network, struct vsl_err *err);
uint64_t vsl_lease_next_load(const char *store, const char *network, int family);
void vsl_lease_next_save(const char *store, const char *network, int family, uint64_t next);
/* Refuse a network whose leases are still in an older vessel's <network>.leases file. */
int vsl_lease_check_format(const char *store, const char *network, struct vsl_err *err);

/* lease.c: a container's addresses on a network. Lock held. want may be NULL (auto). */
int vsl_lease_acquire(const char *store, const char *id, const struct vsl_network *nw,
		      const struct vsl_cidr *want, const char *ports, struct vsl_ip *ip4,
		      struct vsl_ip *ip6, struct vsl_err *err);
/* Release what rec (id's record, loaded) holds and remove the record. */
int vsl_lease_release(const char *store, const char *id, const struct vsl_lease_rec *rec,
		      struct vsl_err *err);

/* networks.c: records. Call with the lock held. */
int vsl_network_load(const char *store, const char *name, struct vsl_network *out,
		     struct vsl_err *err);			/* -ENOENT if absent */
int vsl_network_save(const char *store, const struct vsl_network *nw, struct vsl_err *err);
/* Every record that loads; *out is malloc'd. */
int vsl_network_load_all(const char *store, struct vsl_network **out, size_t *n,
			 struct vsl_err *err);
/* Refuse (EINVAL) a subnet of network name that overlaps another network or a host route. */
int vsl_network_check_overlap(struct vsl_nl *nl, const char *store, const char *name,
			      const struct vsl_cidr *c, struct vsl_err *err);
/* The record for name; made for the default bridge (a free private /16) or adopted from an
 * existing bridge that has an IPv4 address. nl is a route socket in the host namespace. */
int vsl_network_resolve(struct vsl_nl *nl, const char *store, const char *name,
			struct vsl_network *out, struct vsl_err *err);
/* Bridge up with its addresses; *made tells whether this call created it. */
int vsl_network_bridge_ensure(struct vsl_nl *nl, const struct vsl_network *nw, bool *made,
			      int *index, struct vsl_err *err);

/* fw.c: the fixed part of table "inet vessel" (sets, maps, chains, rules), made once. */
#define VSL_FW_NETS "nets"
#define VSL_FW_LINKS "links"
#define VSL_FW_FWD4 "fwd4"
#define VSL_FW_FWD6 "fwd6"
enum { VSL_FW_NETS_ID = 1, VSL_FW_LINKS_ID, VSL_FW_FWD4_ID, VSL_FW_FWD6_ID };
int vsl_fw_base_ensure(struct vsl_nl *nl, struct vsl_err *err);
/* Drop the table once no network and no port forward is left in it. */
int vsl_fw_drop_if_unused(struct vsl_nl *nl, struct vsl_err *err);

/* fw_net.c: a network's bridge in @nets, its @links (itself and its connected networks),
 * its masquerade rules; one element lookup when already there. Turns IPv4 forwarding on
 * if it is off (logged). */
int vsl_fw_network_ensure(struct vsl_nl *nl, const struct vsl_network *nw,
			  const struct vsl_log *log, struct vsl_err *err);
int vsl_fw_network_remove(struct vsl_nl *nl, const struct vsl_network *nw,
			  struct vsl_err *err);
/* Allow (on) or stop forwarding between bridges a and b, both ways. */
int vsl_fw_link(struct vsl_nl *nl, const char *a, const char *b, bool on, struct vsl_err *err);

/* nat.c: a container's port forwards, elements of fwd4/fwd6 named by its veth. A host
 * port/protocol forwarded to another container is refused with EADDRINUSE. addr6 may be
 * NULL. */
int vsl_nat_ports_add(struct vsl_nl *nl, const char *id, const struct vsl_port *ports, size_t n,
		      const struct vsl_ip *addr4, const struct vsl_ip *addr6, struct vsl_err *err);
/* Remove those of id's forwards that are still its own (none is fine). */
int vsl_nat_ports_remove(struct vsl_nl *nl, const char *id, const struct vsl_port *ports,
			 size_t n, struct vsl_err *err);
/* tc.c: rate limit both ways on a container's host veth (bits per second, 0: none). */
int vsl_tc_rate_set(struct vsl_nl *nl, const char *veth, const char *ifb, uint64_t bits,
		    struct vsl_err *err);

/* Tests and checks: port elements of container id (bridge ignored); with id NULL, the
 * masquerade rules of bridge, or (bridge NULL too) every port element and rule of the
 * table; 0 when there is no table. */
int vsl_nat_count(struct vsl_nl *nl, const char *bridge, const char *id, size_t *out,
		  struct vsl_err *err);

#endif
