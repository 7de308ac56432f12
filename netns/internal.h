/* Shared inside netns/ only: the store files (lock, leases, network records) and the nftables
 * rules. runtime/ and cmd/ use netns/net.h. */
#ifndef VSL_NETNS_INTERNAL_H
#define VSL_NETNS_INTERNAL_H

#include "common/log.h"
#include "netns/ipam.h"
#include "netns/net.h"
#include "netns/nl.h"
#include "netns/parse.h"

/* lease_store.c: <store>/net/lock (flock, held until the fd closes), <bridge>.leases. */
int vsl_net_lock(const char *store, struct vsl_err *err);	/* returns the fd */
int vsl_lease_load(const char *store, const char *bridge, struct vsl_leases *out,
		   struct vsl_err *err);
/* Written to a temporary file and renamed; an empty list removes the file. */
int vsl_lease_save(const char *store, const char *bridge, const struct vsl_leases *l,
		   struct vsl_err *err);
char *vsl_net_dir(const char *store);				/* malloc'd */

/* networks.c: records. Call with the lock held. */
int vsl_network_load(const char *store, const char *name, struct vsl_network *out,
		     struct vsl_err *err);			/* -ENOENT if absent */
int vsl_network_save(const char *store, const struct vsl_network *nw, struct vsl_err *err);
/* The record for name; made for the default bridge (a free private /16) or adopted from an
 * existing bridge that has an IPv4 address. nl is a route socket in the host namespace. */
int vsl_network_resolve(struct vsl_nl *nl, const char *store, const char *name,
			struct vsl_network *out, struct vsl_err *err);
/* Bridge up with its addresses; *made tells whether this call created it. */
int vsl_network_bridge_ensure(struct vsl_nl *nl, const struct vsl_network *nw, bool *made,
			      int *index, struct vsl_err *err);

/* nat.c: table "vessel" (inet): chains prerouting/output (dnat) and postrouting (srcnat).
 * Rules carry a comment naming their owner, so removal takes exactly what was added. */
int vsl_nat_open(struct vsl_nl *nl, struct vsl_err *err);
/* Masquerade the network's subnets leaving through another interface; turns IPv4
 * forwarding on if it is off (logged). Idempotent. */
int vsl_nat_masq_ensure(struct vsl_nl *nl, const struct vsl_network *nw,
			const struct vsl_log *log, struct vsl_err *err);
int vsl_nat_masq_remove(struct vsl_nl *nl, const char *bridge, struct vsl_err *err);
/* DNAT host ports (on the host's local addresses) to the container. A host port/protocol
 * forwarded to another container is refused with EADDRINUSE. addr6 may be NULL. */
int vsl_nat_ports_add(struct vsl_nl *nl, const char *bridge, const char *id,
		      const struct vsl_port *ports, size_t n, const struct vsl_ip *addr4,
		      const struct vsl_ip *addr6, struct vsl_err *err);
/* Remove id's port rules on bridge (none is fine). */
int vsl_nat_ports_remove(struct vsl_nl *nl, const char *bridge, const char *id,
			 struct vsl_err *err);
/* How many rules in vessel's table belong to bridge (NULL: any), and to container id if
 * given; 0 if the table does not exist. */
int vsl_nat_count(struct vsl_nl *nl, const char *bridge, const char *id, size_t *out,
		  struct vsl_err *err);
/* Drop the table once no rule is left in it. */
int vsl_nat_drop_if_empty(struct vsl_nl *nl, struct vsl_err *err);

#endif
