/* IPAM as plain data: addresses, subnets, the lease list and the choice of an address for a
 * container. Pure: no syscalls, no files; netns/lease_store.c does the locking and I/O. */
#ifndef VSL_NETNS_IPAM_H
#define VSL_NETNS_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define VSL_IP_STRLEN 46	/* INET6_ADDRSTRLEN */
#define VSL_CIDR_STRLEN 50

struct vsl_ip {
	int family;		/* AF_INET (a[0..3] used) or AF_INET6 */
	uint8_t a[16];		/* network byte order */
};

struct vsl_cidr {
	struct vsl_ip ip;
	unsigned prefix;
};

/* "10.0.0.1" / "fd00::1" -> ip. 0 or -EINVAL. */
int vsl_ip_parse(const char *s, struct vsl_ip *out);
/* "ADDR/PREFIX" (the prefix is required). 0 or -EINVAL. */
int vsl_cidr_parse(const char *s, struct vsl_cidr *out);
/* Format into buf (VSL_IP_STRLEN / VSL_CIDR_STRLEN bytes); return buf. */
const char *vsl_ip_str(const struct vsl_ip *ip, char *buf);
const char *vsl_cidr_str(const struct vsl_cidr *c, char *buf);
bool vsl_ip_eq(const struct vsl_ip *a, const struct vsl_ip *b);
unsigned vsl_ip_bits(int family);	/* 32 or 128 */
/* The subnet with host bits cleared. */
struct vsl_cidr vsl_cidr_network(const struct vsl_cidr *c);
bool vsl_cidr_contains(const struct vsl_cidr *net, const struct vsl_ip *ip);
bool vsl_cidr_overlaps(const struct vsl_cidr *a, const struct vsl_cidr *b);
/* A subnet vessel can hand addresses out of: host bits clear, room for a gateway and at
 * least one container. what names it in the error ("subnet", "--subnet6"). */
int vsl_subnet_check(const struct vsl_cidr *c, int family, const char *what,
		     struct vsl_err *err);
/* The n-th address of the subnet (0 = network address). */
struct vsl_ip vsl_cidr_nth(const struct vsl_cidr *net, uint64_t n);

struct vsl_lease {
	struct vsl_ip ip;
	char *id;
};

struct vsl_leases {
	struct vsl_lease *v;
	size_t n;
};

/* The lease file: one "ADDRESS ID" per line; blank lines and '#' comments are skipped. */
int vsl_leases_parse(const char *text, struct vsl_leases *out, struct vsl_err *err);
char *vsl_leases_format(const struct vsl_leases *l);	/* malloc'd */
void vsl_leases_clear(struct vsl_leases *l);
/* id's lease of that family, or NULL. */
const struct vsl_lease *vsl_leases_find(const struct vsl_leases *l, const char *id, int family);
const struct vsl_lease *vsl_leases_find_ip(const struct vsl_leases *l, const struct vsl_ip *ip);
void vsl_leases_add(struct vsl_leases *l, const char *id, const struct vsl_ip *ip);
/* Drop id's leases (family 0: all families). Returns how many were dropped. */
size_t vsl_leases_remove(struct vsl_leases *l, const char *id, int family);

struct vsl_ipam_pool {
	const char *bridge;		/* for error messages */
	struct vsl_cidr subnet;
	struct vsl_ip gateway;		/* never handed out */
};

/* The address for id in pool: the lease id already holds in this family (if want is NULL or
 * equal to it), else want after checking it is inside the subnet with the subnet's prefix,
 * not the network, gateway or broadcast address and not leased to another id, else the
 * lowest free address. Does not change l. Errors: EINVAL (bad want), EADDRINUSE (want leased
 * by another id), EADDRNOTAVAIL (pool exhausted; the message names bridge and subnet). */
int vsl_ipam_pick(const struct vsl_ipam_pool *pool, const struct vsl_leases *l, const char *id,
		  const struct vsl_cidr *want, struct vsl_ip *out, struct vsl_err *err);

#endif
