/* IPAM as plain data: addresses, subnets, and the choice of an address for a container.
 * Pure: no syscalls, no files; netns/lease_store.c keeps the leases, netns/lease.c uses both. */
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

/* A leased address and its holder (network list and rm show them). */
struct vsl_lease {
	struct vsl_ip ip;
	char *id;
};

struct vsl_leases {
	struct vsl_lease *v;
	size_t n;
};

void vsl_leases_clear(struct vsl_leases *l);
void vsl_leases_add(struct vsl_leases *l, const char *id, const struct vsl_ip *ip);
/* How many distinct holders; their ids, comma separated, into buf (truncated to len). */
size_t vsl_leases_ids(const struct vsl_leases *l, char *buf, size_t len);

struct vsl_ipam_pool {
	const char *bridge;		/* for error messages */
	struct vsl_cidr subnet;
	struct vsl_ip gateway;		/* never handed out */
};

/* Can want be a container's address in pool? Not outside the subnet, with another prefix,
 * or the network, gateway or broadcast address (EINVAL, the message says which). */
int vsl_ipam_check(const struct vsl_ipam_pool *pool, const struct vsl_cidr *want,
		   struct vsl_err *err);

/* Is ip leased? 1 yes, 0 no, or -errno with err filled. */
typedef int (*vsl_ipam_taken_fn)(void *arg, const struct vsl_ip *ip, struct vsl_err *err);

#define VSL_IPAM_MAX_PROBES (1ULL << 20)
/* Next fit, as Docker hands addresses out: the first address at or after offset *next in the
 * subnet (wrapping around once; offset 0 is the network address) that is not the network,
 * gateway or broadcast address and that taken() says is free; *next moves past it. So each
 * pick looks at one address, or a few, however many are leased, and a released address
 * comes back only after the rest of the pool. EADDRNOTAVAIL (naming bridge and subnet) when
 * every address is taken. */
int vsl_ipam_next(const struct vsl_ipam_pool *pool, uint64_t *next, vsl_ipam_taken_fn taken,
		  void *arg, struct vsl_ip *out, struct vsl_err *err);

#endif
