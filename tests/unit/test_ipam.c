/* netns/ipam.c and netns/parse.c: address arithmetic, the choice of an address (next fit:
 * network, gateway and broadcast skipped, a released address reused after the rest, the
 * cursor wraps, exhausted pool named, a requested address checked), IPv6, port lists,
 * rates and derived names. Pure: no kernel. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "netns/ipam.h"
#include "netns/parse.h"
#include "tests/unit/tap.h"

static struct vsl_ip ip(const char *s)
{
	struct vsl_ip a = { 0 };

	if (vsl_ip_parse(s, &a) < 0)
		abort();
	return a;
}

static struct vsl_cidr cidr(const char *s)
{
	struct vsl_cidr c = { 0 };

	if (vsl_cidr_parse(s, &c) < 0)
		abort();
	return c;
}

#define IP(s) ((struct vsl_ip[]){ ip(s) })
#define CIDR(s) ((struct vsl_cidr[]){ cidr(s) })

/* A lease table for the next-fit tests: the addresses taken, as text. */
struct fake {
	char taken[64][VSL_IP_STRLEN];
	int n;
	int fail_at;		/* taken() fails on this call (0: never) */
	int calls;
};

static int fake_taken(void *arg, const struct vsl_ip *ip, struct vsl_err *err)
{
	struct fake *f = arg;
	char s[VSL_IP_STRLEN];

	if (++f->calls == f->fail_at)
		return vsl_fail(err, EIO, "lease store broken");
	vsl_ip_str(ip, s);
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->taken[i], s) == 0)
			return 1;
	return 0;
}

static void fake_release(struct fake *f, const char *s)
{
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->taken[i], s) == 0)
			memcpy(f->taken[i], f->taken[--f->n], VSL_IP_STRLEN);
}

/* Next fit, and on success lease the address; returns it as text ("" on failure). */
static const char *take(const struct vsl_ipam_pool *p, struct fake *f, uint64_t *next, int *r,
			struct vsl_err *err)
{
	static char buf[VSL_IP_STRLEN];
	struct vsl_ip out;

	*r = vsl_ipam_next(p, next, fake_taken, f, &out, err);
	if (*r < 0)
		return "";
	vsl_ip_str(&out, buf);
	memcpy(f->taken[f->n++], buf, VSL_IP_STRLEN);
	return buf;
}

/* is_str evaluates its arguments twice: take once, then compare. */
#define took(p, f, next, r, err, want, ...)                           \
	do {                                                          \
		const char *got_ = take(p, f, next, r, err);          \
		ok(strcmp(got_, want) == 0, __VA_ARGS__);             \
		if (strcmp(got_, want) != 0)                          \
			printf("#   got %s (%s)\n", got_, (err)->msg); \
	} while (0)

static int check(const struct vsl_ipam_pool *p, const char *want, struct vsl_err *err)
{
	return vsl_ipam_check(p, CIDR(want), err);
}

static void test_parse(void)
{
	static const char *const bad[] = { "10.0.0.0/33", "10.0.0.0", "x/8", "10.0.0.0/-1",
					   "10.0.0.0/+8", "fd00::/129", "10.0.0.0/", "/8",
					   "10.0.0.256/24", "10.0.0.0/8x" };
	struct vsl_cidr c;
	char buf[VSL_CIDR_STRLEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(vsl_cidr_parse(bad[i], &c) == -EINVAL, "cidr \"%s\" is refused", bad[i]);
	ok(vsl_cidr_parse("fd89::/64", &c) == 0 && c.ip.family == AF_INET6 && c.prefix == 64,
	   "cidr fd89::/64");
	is_str(vsl_cidr_str(&c, buf), "fd89::/64", "cidr formats back");
	c = cidr("10.89.3.7/16");
	is_str(vsl_cidr_str(&(struct vsl_cidr){ vsl_cidr_network(&c).ip, 16 }, buf),
	       "10.89.0.0/16", "network of 10.89.3.7/16");
	ok(vsl_cidr_contains(&c, IP("10.89.255.255")), "contains last");
	ok(!vsl_cidr_contains(&c, IP("10.90.0.1")), "not contains next");
	ok(!vsl_cidr_contains(&c, IP("::1")), "other family not contained");
	ok(vsl_cidr_overlaps(CIDR("10.0.0.0/8"),
			     CIDR("10.89.0.0/16")), "10/8 overlaps 10.89/16");
	ok(!vsl_cidr_overlaps(CIDR("10.88.0.0/16"),
			      CIDR("10.89.0.0/16")), "neighbours do not");
}

static void test_subnet_check(void)
{
	struct vsl_err err;
	struct vsl_cidr c;

	c = cidr("10.89.0.0/16");
	ok(vsl_subnet_check(&c, AF_INET, "subnet", &err) == 0, "10.89.0.0/16 is a subnet");
	c = cidr("10.89.0.7/16");
	ok(vsl_subnet_check(&c, AF_INET, "subnet", &err) == -EINVAL &&
	   strstr(err.msg, "10.89.0.0/16"), "host bits set: %s", err.msg);
	c = cidr("10.0.0.0/31");
	ok(vsl_subnet_check(&c, AF_INET, "subnet", &err) == -EINVAL, "/31 too small: %s", err.msg);
	c = cidr("10.0.0.0/7");
	ok(vsl_subnet_check(&c, AF_INET, "subnet", &err) == -EINVAL, "/7 too wide");
	c = cidr("fd00::/64");
	ok(vsl_subnet_check(&c, AF_INET, "subnet", &err) == -EINVAL, "v6 as v4 subnet: %s",
	   err.msg);
	ok(vsl_subnet_check(&c, AF_INET6, "subnet6", &err) == 0, "fd00::/64 as subnet6");
}

static void test_pick_v4(void)
{
	struct vsl_ipam_pool p = { "vtest0", cidr("10.0.0.0/29"), ip("10.0.0.1") };
	static const char *const want[] = { "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5",
					    "10.0.0.6" };
	struct fake f = { 0 };
	struct vsl_err err;
	uint64_t next = 1;
	int r;

	for (int i = 0; i < 5; i++)
		took(&p, &f, &next, &r, &err, want[i], "pick %d gets %s (gateway skipped)",
		       i, want[i]);
	take(&p, &f, &next, &r, &err);
	ok(r == -EADDRNOTAVAIL && strstr(err.msg, "vtest0") && strstr(err.msg, "10.0.0.0/29"),
	   "full pool (broadcast never handed out) names bridge and subnet: %s", err.msg);
	fake_release(&f, "10.0.0.4");
	took(&p, &f, &next, &r, &err, "10.0.0.4", "released address is reused when it is "
	       "the only one left");
	fake_release(&f, "10.0.0.3");
	fake_release(&f, "10.0.0.6");
	next = 5;
	took(&p, &f, &next, &r, &err, "10.0.0.6", "next fit: the search goes on from "
	       "where the last one stopped, not from the lowest free address");
	took(&p, &f, &next, &r, &err, "10.0.0.3", "and wraps around to the start");
	ok(next == 4, "the cursor moves past the address handed out (%llu)",
	   (unsigned long long)next);
	fake_release(&f, "10.0.0.5");
	f.calls = 0;
	f.fail_at = 1;
	take(&p, &f, &next, &r, &err);
	ok(r == -EIO && strstr(err.msg, "lease store broken"), "a failing lookup is returned: %s",
	   err.msg);
	f.fail_at = 0;
	next = 0;
	took(&p, &f, &next, &r, &err, "10.0.0.5", "cursor 0 starts at the first address");

	ok(check(&p, "10.0.0.9/29", &err) == -EINVAL && strstr(err.msg, "outside subnet 10.0.0.0/29"),
	   "outside: %s", err.msg);
	ok(check(&p, "10.0.0.0/29", &err) == -EINVAL && strstr(err.msg, "network address"),
	   "network: %s", err.msg);
	ok(check(&p, "10.0.0.1/29", &err) == -EINVAL && strstr(err.msg, "gateway address"),
	   "gateway: %s", err.msg);
	ok(check(&p, "10.0.0.7/29", &err) == -EINVAL && strstr(err.msg, "broadcast address"),
	   "broadcast: %s", err.msg);
	ok(check(&p, "10.0.0.2/24", &err) == -EINVAL && strstr(err.msg, "prefix must be /29"),
	   "prefix: %s", err.msg);
	ok(check(&p, "fd00::2/29", &err) == -EINVAL && strstr(err.msg, "family"),
	   "family: %s", err.msg);
	ok(check(&p, "10.0.0.2/29", &err) == 0, "a host address of the subnet is fine");
}

static void test_pick_v6(void)
{
	struct vsl_ipam_pool p = { "vtest6", cidr("fd00::/125"), ip("fd00::1") };
	struct vsl_ipam_pool big = { "vbig", cidr("fd89:1:2:3::/64"), ip("fd89:1:2:3::1") };
	struct fake f = { 0 };
	struct vsl_err err;
	uint64_t next = 1;
	const char *got = "";
	int r = 0;

	for (int i = 0; i < 6; i++)
		got = take(&p, &f, &next, &r, &err);
	is_str(got, "fd00::7", "IPv6 hands out the last address (no broadcast)");
	take(&p, &f, &next, &r, &err);
	ok(r == -EADDRNOTAVAIL && strstr(err.msg, "fd00::/125"), "v6 pool full: %s", err.msg);
	ok(check(&p, "fd00::1/125", &err) == -EINVAL && strstr(err.msg, "gateway"),
	   "v6 gateway refused");
	ok(check(&p, "fd00::7/125", &err) == 0, "v6 last address is a host address");
	memset(&f, 0, sizeof(f));
	next = 1;
	took(&big, &f, &next, &r, &err, "fd89:1:2:3::2", "/64 first address");
	took(&big, &f, &next, &r, &err, "fd89:1:2:3::3", "/64 next address");
	next = UINT64_MAX;
	took(&big, &f, &next, &r, &err, "fd89:1:2:3::4", "a cursor past the end wraps");
}

static void test_leases_ids(void)
{
	struct vsl_leases l = { 0 };
	char buf[64];

	vsl_leases_add(&l, "web1", IP("10.89.0.2"));
	vsl_leases_add(&l, "web1", IP("fd89::2"));
	vsl_leases_add(&l, "db", IP("10.89.0.3"));
	ok(vsl_leases_ids(&l, buf, sizeof(buf)) == 2, "two holders of three leases");
	ok(strcmp(buf, "web1, db") == 0, "their ids, once each: %s", buf);
	ok(vsl_leases_ids(&l, buf, 6) == 2 && strlen(buf) < 6, "a short buffer truncates: %s", buf);
	vsl_leases_clear(&l);
	ok(l.n == 0 && !l.v, "cleared");
}

static void test_ports(void)
{
	static const char *const bad[] = { "80", "0:80", "65536:80", "80:80/sctp", "a:b",
					   "80:80,80:81", "80:", ":80", "80:80/", "-1:80" };
	cleanup_free struct vsl_port *p = NULL;
	struct vsl_err err;
	size_t n = 0;

	ok(vsl_ports_parse("8080:80, 53:5353/udp,53:53/tcp", &p, &n, &err) == 0 && n == 3,
	   "three ports");
	ok(n == 3 && p[0].host == 8080 && p[0].container == 80 && p[0].proto == IPPROTO_TCP &&
	   p[1].proto == IPPROTO_UDP && p[1].container == 5353 && p[2].proto == IPPROTO_TCP,
	   "ports parsed with protocols");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vsl_port *q = NULL;
		int r = vsl_ports_parse(bad[i], &q, &n, &err);
		ok(r == -EINVAL && strstr(err.msg, "ports"), "ports \"%s\" refused: %s", bad[i],
		   err.msg);
		free(q);
	}
	free(p);
	p = NULL;
	ok(vsl_ports_parse(NULL, &p, &n, &err) == 0 && n == 0, "no ports");
}

static void test_rates(void)
{
	static const struct {
		const char *in;
		uint64_t bits;
		const char *out;
	} good[] = {
		{ "10mbit", 10000000, "10mbit" },   { "1gbit", 1000000000, "1gbit" },
		{ "500kbit", 500000, "500kbit" },   { "1500kbit", 1500000, "1500kbit" },
		{ "10Mbit", 10000000, "10mbit" },   { "8000bit", 8000, "8kbit" },
		{ "100gbit", 100000000000ULL, "100gbit" }, { "0", 0, "unlimited" },
		{ "0mbit", 0, "unlimited" },	    { "unlimited", 0, "unlimited" },
		{ "12345bit", 12345, "12345bit" },
	};
	static const char *const bad[] = { "", "10", "10M", "10mbps", "-1mbit", "1.5mbit",
					   " 10mbit", "10 mbit", "mbit", "10mbitx",
					   "99999999999999999999bit" };
	static const char *const range[] = { "7999bit", "101gbit", "1tbit", "7kbit" };
	char buf[VSL_NET_RATE_STRLEN];
	struct vsl_err err;
	uint64_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r = vsl_net_rate_parse(good[i].in, "vessel.net.rate", &v, &err);
		ok(r == 0 && v == good[i].bits, "rate %s is %llu bit/s", good[i].in,
		   (unsigned long long)good[i].bits);
		is_str(vsl_net_rate_format(v, buf), good[i].out, "rate %s formats as %s", good[i].in,
		       good[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(vsl_net_rate_parse(bad[i], "vessel.net.rate", &v, &err) == -EINVAL &&
		   strstr(err.msg, "vessel.net.rate") && strstr(err.msg, "10mbit"),
		   "rate \"%s\" refused: %s", bad[i], err.msg);
	for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++)
		ok(vsl_net_rate_parse(range[i], "--net-rate", &v, &err) == -ERANGE &&
		   strstr(err.msg, "--net-rate") && strstr(err.msg, "8kbit to 100gbit"),
		   "rate %s out of range: %s", range[i], err.msg);
	ok(vsl_net_rate_parse(NULL, "vessel.net.rate", &v, &err) == -EINVAL, "no rate refused");
}

static void test_names(void)
{
	char a[VSL_IFNAMSIZ], b[VSL_IFNAMSIZ];
	uint8_t mac[6];
	struct vsl_err err;

	ok(vsl_net_check_ifname("vessel0", "bridge", &err) == 0, "vessel0 is a good name");
	ok(vsl_net_check_ifname("vsltest-net-too-long", "bridge", &err) == -EINVAL &&
	   strstr(err.msg, "longer than 15"), "long name: %s", err.msg);
	ok(vsl_net_check_ifname("a/b", "bridge", &err) == -EINVAL, "slash refused");
	ok(vsl_net_check_ifname("..", "bridge", &err) == -EINVAL, "dot-dot refused");
	ok(vsl_net_check_ifname("", "bridge", &err) == -EINVAL, "empty refused");
	vsl_net_veth_name("a-very-long-container-id-that-goes-on-and-on", a);
	vsl_net_veth_name("a-very-long-container-id-that-goes-on-and-oN", b);
	ok(strlen(a) == 15 && strncmp(a, "vsl", 3) == 0, "veth name %s fits IFNAMSIZ", a);
	ok(strcmp(a, b) != 0, "different ids, different veth names");
	vsl_net_veth_name("a-very-long-container-id-that-goes-on-and-on", b);
	ok(strcmp(a, b) == 0, "veth name is stable");
	vsl_net_ifb_name("a-very-long-container-id-that-goes-on-and-on", b);
	ok(strlen(b) == 15 && strncmp(b, "vsr", 3) == 0 && strcmp(a + 3, b + 3) == 0,
	   "ifb name %s: vsr and the veth's digits", b);
	vsl_net_mac("bridge:", "vessel0", mac);
	ok(mac[0] == 0x02, "bridge MAC is locally administered unicast");
	vsl_net_mac_from_ip4((const uint8_t[]){ 10, 89, 0, 7 }, mac);
	ok(memcmp(mac, (const uint8_t[]){ 0x02, 0x56, 10, 89, 0, 7 }, 6) == 0,
	   "container MAC follows its IPv4 address");
}

int main(void)
{
	test_parse();
	test_subnet_check();
	test_pick_v4();
	test_pick_v6();
	test_leases_ids();
	test_ports();
	test_rates();
	test_names();
	return tap_done();
}
