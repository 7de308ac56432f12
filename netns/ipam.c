/* IPAM: address arithmetic, the lease list and the choice of an address. Pure data in, data
 * out; the lock and the file live in lease_store.c. Offsets inside a subnet are 128-bit so
 * IPv4 and IPv6 share one code path. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "netns/ipam.h"

typedef unsigned __int128 u128;

unsigned vsl_ip_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static unsigned ip_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static u128 ip_to_u128(const struct vsl_ip *ip)
{
	u128 v = 0;

	for (unsigned i = 0; i < ip_len(ip->family); i++)
		v = (v << 8) | ip->a[i];
	return v;
}

static struct vsl_ip u128_to_ip(int family, u128 v)
{
	struct vsl_ip ip = { .family = family };

	for (unsigned i = ip_len(family); i-- > 0; v >>= 8)
		ip.a[i] = (uint8_t)v;
	return ip;
}

/* Mask of the host part for a prefix. */
static u128 host_mask(int family, unsigned prefix)
{
	unsigned host = vsl_ip_bits(family) - prefix;

	return host >= 128 ? ~(u128)0 : ((u128)1 << host) - 1;
}

int vsl_ip_parse(const char *s, struct vsl_ip *out)
{
	struct vsl_ip ip = { 0 };

	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, ip.a) == 1)
		ip.family = AF_INET;
	else if (inet_pton(AF_INET6, s, ip.a) == 1)
		ip.family = AF_INET6;
	else
		return -EINVAL;
	*out = ip;
	return 0;
}

int vsl_cidr_parse(const char *s, struct vsl_cidr *out)
{
	char buf[VSL_CIDR_STRLEN];
	const char *slash = s ? strchr(s, '/') : NULL;
	uint64_t prefix;
	struct vsl_cidr c;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (vsl_ip_parse(buf, &c.ip) < 0 || vsl_parse_u64(slash + 1, &prefix) < 0)
		return -EINVAL;
	if (prefix > vsl_ip_bits(c.ip.family) || slash[1] == '+')
		return -EINVAL;
	c.prefix = (unsigned)prefix;
	*out = c;
	return 0;
}

const char *vsl_ip_str(const struct vsl_ip *ip, char *buf)
{
	if (!inet_ntop(ip->family, ip->a, buf, VSL_IP_STRLEN))
		snprintf(buf, VSL_IP_STRLEN, "?");
	return buf;
}

const char *vsl_cidr_str(const struct vsl_cidr *c, char *buf)
{
	char ip[VSL_IP_STRLEN];

	snprintf(buf, VSL_CIDR_STRLEN, "%s/%u", vsl_ip_str(&c->ip, ip), c->prefix);
	return buf;
}

bool vsl_ip_eq(const struct vsl_ip *a, const struct vsl_ip *b)
{
	return a->family == b->family && memcmp(a->a, b->a, ip_len(a->family)) == 0;
}

struct vsl_cidr vsl_cidr_network(const struct vsl_cidr *c)
{
	struct vsl_cidr n = *c;

	n.ip = u128_to_ip(c->ip.family, ip_to_u128(&c->ip) & ~host_mask(c->ip.family, c->prefix));
	return n;
}

bool vsl_cidr_contains(const struct vsl_cidr *net, const struct vsl_ip *ip)
{
	u128 mask = ~host_mask(net->ip.family, net->prefix);

	if (net->ip.family != ip->family)
		return false;
	return (ip_to_u128(&net->ip) & mask) == (ip_to_u128(ip) & mask);
}

bool vsl_cidr_overlaps(const struct vsl_cidr *a, const struct vsl_cidr *b)
{
	const struct vsl_cidr *wide = a->prefix <= b->prefix ? a : b;
	const struct vsl_cidr *narrow = wide == a ? b : a;

	return vsl_cidr_contains(wide, &narrow->ip);
}

int vsl_subnet_check(const struct vsl_cidr *c, int family, const char *what,
		     struct vsl_err *err)
{
	char s[VSL_CIDR_STRLEN], n[VSL_CIDR_STRLEN];
	struct vsl_cidr net = vsl_cidr_network(c);
	unsigned max = family == AF_INET ? 30 : 126;

	vsl_cidr_str(c, s);
	if (c->ip.family != family)
		return vsl_fail(err, EINVAL, "%s %s: expected an %s subnet", what, s,
				family == AF_INET ? "IPv4" : "IPv6");
	if (c->prefix < 8 || c->prefix > max)
		return vsl_fail(err, EINVAL, "%s %s: prefix must be between /8 and /%u", what, s,
				max);
	if (!vsl_ip_eq(&net.ip, &c->ip))
		return vsl_fail(err, EINVAL, "%s %s: host bits set (the subnet is %s)", what, s,
				vsl_cidr_str(&net, n));
	return 0;
}

struct vsl_ip vsl_cidr_nth(const struct vsl_cidr *net, uint64_t n)
{
	return u128_to_ip(net->ip.family, ip_to_u128(&net->ip) + n);
}

void vsl_leases_clear(struct vsl_leases *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].id);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void vsl_leases_add(struct vsl_leases *l, const char *id, const struct vsl_ip *ip)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n].ip = *ip;
	l->v[l->n].id = xstrdup(id);
	l->n++;
}

size_t vsl_leases_ids(const struct vsl_leases *l, char *buf, size_t len)
{
	size_t k = 0, used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(l->v[j].id, l->v[i].id) == 0;
		if (seen)
			continue;
		if (used < len)
			used += snprintf(buf + used, len - used, "%s%s", k ? ", " : "", l->v[i].id);
		k++;
	}
	return k;
}

/* The highest offset a container may get: the broadcast address (IPv4) is not one. Huge
 * IPv6 subnets are walked in their first 2^63 addresses, more than will ever be leased. */
static uint64_t last_offset(const struct vsl_cidr *net)
{
	u128 mask = host_mask(net->ip.family, net->prefix);
	u128 last = net->ip.family == AF_INET ? mask - 1 : mask;

	return last > ((u128)1 << 63) ? (uint64_t)1 << 63 : (uint64_t)last;
}

static bool reserved(const struct vsl_ipam_pool *pool, uint64_t off)
{
	struct vsl_ip ip = vsl_cidr_nth(&pool->subnet, off);

	return off == 0 || off > last_offset(&pool->subnet) || vsl_ip_eq(&ip, &pool->gateway);
}

int vsl_ipam_check(const struct vsl_ipam_pool *pool, const struct vsl_cidr *want,
		   struct vsl_err *err)
{
	const struct vsl_cidr *net = &pool->subnet;
	char w[VSL_CIDR_STRLEN], s[VSL_CIDR_STRLEN];
	u128 off = ip_to_u128(&want->ip) - ip_to_u128(&net->ip);
	const char *what = NULL;

	vsl_cidr_str(want, w);
	vsl_cidr_str(net, s);
	if (want->ip.family != net->ip.family)
		return vsl_fail(err, EINVAL, "network %s: address family does not match its subnet",
				pool->bridge);
	if (!vsl_cidr_contains(net, &want->ip))
		return vsl_fail(err, EINVAL, "network %s: address %s is outside subnet %s",
				pool->bridge, w, s);
	if (want->prefix != net->prefix)
		return vsl_fail(err, EINVAL, "network %s: address %s: prefix must be /%u (subnet %s)",
				pool->bridge, w, net->prefix, s);
	if (off == 0)
		what = "network";
	else if (vsl_ip_eq(&want->ip, &pool->gateway))
		what = "gateway";
	else if (net->ip.family == AF_INET && off == host_mask(AF_INET, net->prefix))
		what = "broadcast";
	if (what)
		return vsl_fail(err, EINVAL, "network %s: address %s is the %s address of subnet %s",
				pool->bridge, w, what, s);
	return 0;
}

int vsl_ipam_next(const struct vsl_ipam_pool *pool, uint64_t *next, vsl_ipam_taken_fn taken,
		  void *arg, struct vsl_ip *out, struct vsl_err *err)
{
	uint64_t last = last_offset(&pool->subnet), off = *next;
	uint64_t tries = last < VSL_IPAM_MAX_PROBES ? last : VSL_IPAM_MAX_PROBES;
	char s[VSL_CIDR_STRLEN];

	for (uint64_t i = 0; i < tries; i++, off++) {
		struct vsl_ip ip;
		int r;

		if (off == 0 || off > last)
			off = 1;
		if (reserved(pool, off))
			continue;
		ip = vsl_cidr_nth(&pool->subnet, off);
		r = taken(arg, &ip, err);
		if (r < 0)
			return r;
		if (r == 0) {
			*out = ip;
			*next = off + 1;
			return 0;
		}
	}
	return vsl_fail(err, EADDRNOTAVAIL, "network %s: subnet %s is exhausted (every address "
			"is leased)", pool->bridge, vsl_cidr_str(&pool->subnet, s));
}
