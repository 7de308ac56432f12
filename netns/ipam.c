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

size_t vsl_leases_remove(struct vsl_leases *l, const char *id, int family)
{
	size_t kept = 0, n = l->n;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(l->v[i].id, id) == 0 && (!family || l->v[i].ip.family == family)) {
			free(l->v[i].id);
			continue;
		}
		l->v[kept++] = l->v[i];
	}
	l->n = kept;
	return n - kept;
}

const struct vsl_lease *vsl_leases_find(const struct vsl_leases *l, const char *id, int family)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].ip.family == family && strcmp(l->v[i].id, id) == 0)
			return &l->v[i];
	return NULL;
}

const struct vsl_lease *vsl_leases_find_ip(const struct vsl_leases *l, const struct vsl_ip *ip)
{
	for (size_t i = 0; i < l->n; i++)
		if (vsl_ip_eq(&l->v[i].ip, ip))
			return &l->v[i];
	return NULL;
}

int vsl_leases_parse(const char *text, struct vsl_leases *out, struct vsl_err *err)
{
	struct vsl_leases l = { 0 };
	const char *p = text;
	unsigned line = 0;

	while (p && *p) {
		const char *end = strchrnul(p, '\n');
		char addr[VSL_IP_STRLEN + 1], id[256], junk[2];
		cleanup_free char *s = strndup(p, end - p);
		struct vsl_ip ip;
		int k;

		line++;
		p = *end ? end + 1 : end;
		if (!s)
			abort();
		k = sscanf(s, "%46s %255s %1s", addr, id, junk);
		if (k <= 0 || addr[0] == '#')
			continue;
		if (k != 2 || vsl_ip_parse(addr, &ip) < 0) {
			vsl_leases_clear(&l);
			return vsl_fail(err, EINVAL, "line %u: expected \"ADDRESS ID\"", line);
		}
		vsl_leases_add(&l, id, &ip);
	}
	*out = l;
	return 0;
}

char *vsl_leases_format(const struct vsl_leases *l)
{
	size_t cap = 64 + l->n * (VSL_IP_STRLEN + 2), len = 0;
	char *s, ip[VSL_IP_STRLEN];

	for (size_t i = 0; i < l->n; i++)
		cap += strlen(l->v[i].id);
	s = xmalloc(cap);
	len += snprintf(s, cap, "# vessel leases: ADDRESS CONTAINER-ID\n");
	for (size_t i = 0; i < l->n; i++)
		len += snprintf(s + len, cap - len, "%s %s\n", vsl_ip_str(&l->v[i].ip, ip),
				l->v[i].id);
	return s;
}

static int cmp_u128(const void *a, const void *b)
{
	u128 x = *(const u128 *)a, y = *(const u128 *)b;

	return x < y ? -1 : x > y;
}

/* Why want cannot be handed out, or NULL if it can. */
static int check_want(const struct vsl_ipam_pool *pool, const struct vsl_leases *l,
		      const char *id, const struct vsl_cidr *want, struct vsl_err *err)
{
	const struct vsl_cidr *net = &pool->subnet;
	char w[VSL_CIDR_STRLEN], s[VSL_CIDR_STRLEN], other[VSL_IP_STRLEN];
	u128 off = ip_to_u128(&want->ip) - ip_to_u128(&net->ip);
	const char *what = NULL;
	const struct vsl_lease *taken;

	vsl_cidr_str(want, w);
	vsl_cidr_str(net, s);
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
	taken = vsl_leases_find_ip(l, &want->ip);
	if (taken && strcmp(taken->id, id) != 0)
		return vsl_fail(err, EADDRINUSE, "network %s: address %s is already leased to %s",
				pool->bridge, vsl_ip_str(&want->ip, other), taken->id);
	return 0;
}

/* Lowest offset in [1, last] that is neither leased nor the gateway. */
static int lowest_free(const struct vsl_ipam_pool *pool, const struct vsl_leases *l,
		       struct vsl_ip *out, struct vsl_err *err)
{
	const struct vsl_cidr *net = &pool->subnet;
	int fam = net->ip.family;
	u128 base = ip_to_u128(&net->ip), mask = host_mask(fam, net->prefix);
	u128 last = fam == AF_INET ? mask - 1 : mask, cand = 1;
	cleanup_free u128 *used = xmalloc((l->n + 1) * sizeof(*used));
	size_t n = 0, leased = 0;
	char s[VSL_CIDR_STRLEN];

	for (size_t i = 0; i < l->n; i++) {
		if (!vsl_cidr_contains(net, &l->v[i].ip))
			continue;
		used[n++] = ip_to_u128(&l->v[i].ip) - base;
		leased++;
	}
	if (vsl_cidr_contains(net, &pool->gateway))
		used[n++] = ip_to_u128(&pool->gateway) - base;
	qsort(used, n, sizeof(*used), cmp_u128);
	for (size_t i = 0; i < n && used[i] <= cand; i++)
		if (used[i] == cand)
			cand++;
	if (cand > last)
		return vsl_fail(err, EADDRNOTAVAIL,
				"network %s: subnet %s is exhausted (%zu leased)",
				pool->bridge, vsl_cidr_str(net, s), leased);
	*out = u128_to_ip(fam, base + cand);
	return 0;
}

int vsl_ipam_pick(const struct vsl_ipam_pool *pool, const struct vsl_leases *l, const char *id,
		  const struct vsl_cidr *want, struct vsl_ip *out, struct vsl_err *err)
{
	const struct vsl_lease *mine = vsl_leases_find(l, id, pool->subnet.ip.family);
	int r;

	if (want && want->ip.family != pool->subnet.ip.family)
		return vsl_fail(err, EINVAL, "network %s: address family does not match its subnet",
				pool->bridge);
	if (mine && (!want || vsl_ip_eq(&mine->ip, &want->ip))) {
		*out = mine->ip;
		return 0;
	}
	if (want) {
		r = check_want(pool, l, id, want, err);
		if (r < 0)
			return r;
		*out = want->ip;
		return 0;
	}
	return lowest_free(pool, l, out, err);
}
