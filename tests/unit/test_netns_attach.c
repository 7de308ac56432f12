/* netns/ for real (root): two containers on one bridge ping each other and the bridge (v4 and
 * v6), TCP echo between them, a forwarded port on the bridge address reaches a server in a
 * container, per-interface stats, bad input refused with one line and nothing left behind,
 * detach idempotent, network rm refused while in use. All inside a private netns. */
#include <netinet/in.h>

#include "netns/internal.h"
#include "netns/nft.h"
#include "netns/rtnl.h"
#include "tests/unit/netns_test.h"

#define NS "nsenter --net=/proc/%d/ns/net "

static struct tn t;

/* Addresses leased to id on the bridge (symlinks <store>/net/BRIDGE.addrs/ADDR -> id), and
 * 1 more if its record exists. */
static int lease_count(const char *bridge, const char *id)
{
	return atoi(tn_out("find %s/net/%s.addrs -maxdepth 1 -type l -lname '%s' 2>/dev/null | "
			   "wc -l", t.store, bridge, id)) +
	       (access(tn_out("echo %s/net/ids/%s.json", t.store, id), F_OK) == 0);
}

static size_t nat_rules(const char *bridge, const char *id)
{
	struct vsl_nl nl;
	struct vsl_err err;
	size_t n = 999;

	if (vsl_nft_open(&nl, &err) == 0)
		vsl_nat_count(&nl, bridge, id, &n, &err);
	vsl_nl_close(&nl);
	return n;
}

static int veth_of(const char *id, char *out)
{
	vsl_net_veth_name(id, out);
	return tn_link_exists(out);
}

/* Nothing of a refused attach is left: no veth, no lease, no port rule. */
static void assert_nothing_left(const char *bridge, const char *id, const char *what)
{
	char veth[VSL_IFNAMSIZ];

	ok(!veth_of(id, veth) && lease_count(bridge, id) == 0 && nat_rules(bridge, id) == 0,
	   "%s: nothing left behind", what);
}

static void test_two_containers(pid_t c1, pid_t c2)
{
	struct vsl_net_info i1, i2;
	struct vsl_net_req r1 = tn_req(&t, "c1", c1, t.bridge, "auto", NULL);
	struct vsl_net_req r2 = tn_req(&t, "c2", c2, t.bridge, NULL, "");
	struct vsl_err err;
	const char *got;
	double t0, t1, t2;
	int r;

	t0 = tn_now_ms();
	r = vsl_net_attach(&r1, &i1, &err);
	t1 = tn_now_ms();
	ok(r == 0, "attach c1 (first: makes the bridge) %s", r ? err.msg : "");
	r = vsl_net_attach(&r2, &i2, &err);
	t2 = tn_now_ms();
	ok(r == 0, "attach c2 %s", r ? err.msg : "");
	printf("# attach time: first (bridge + nft table) %.2f ms, next %.2f ms\n", t1 - t0,
	       t2 - t1);
	is_str(i1.addr4, "10.123.0.2/24", "c1 address %s", i1.addr4);
	is_str(i2.addr4, "10.123.0.3/24", "c2 address %s", i2.addr4);
	is_str(i1.addr6, "fd12:3::2/64", "c1 IPv6 address %s", i1.addr6);
	ok(strncmp(i1.veth, "vsl", 3) == 0 && tn_link_exists(i1.veth), "host veth %s exists",
	   i1.veth);
	ok(tn_sh("ip -o link show dev %s | grep -q 'master %s'", i1.veth, t.bridge) == 0,
	   "host veth is in the bridge");
	ok(tn_sh(NS "ip -o link show dev eth0 | grep -q 'mtu 1400.*state UP.*02:56:0a:7b:00:02'",
		 c1) == 0, "eth0 in c1 is up, MTU 1400, MAC from its address");
	ok(tn_sh(NS "ip -o link show dev lo | grep -q 'UP'", c1) == 0, "lo in c1 is up");
	ok(tn_sh(NS "ip route | grep -q 'default via 10.123.0.1 dev eth0'", c1) == 0,
	   "default route via the bridge");
	ok(tn_sh(NS "busybox ping -c 1 -W 2 10.123.0.3 >/dev/null", c1) == 0, "c1 pings c2");
	ok(tn_sh(NS "busybox ping -c 1 -W 2 10.123.0.1 >/dev/null", c2) == 0,
	   "c2 pings the bridge address");
	ok(tn_sh(NS "busybox ping -c 1 -W 2 fd12:3::2 >/dev/null", c2) == 0, "c2 pings c1 over IPv6");
	ok(tn_sh(NS "busybox ping -c 1 -W 2 fd12:3::1 >/dev/null", c1) == 0,
	   "c1 pings the bridge over IPv6");
	tn_sh("timeout 5 " NS "busybox nc -l -p 7777 -e /bin/cat >/dev/null 2>&1 &", c2);
	usleep(200000);
	/* is_str evaluates its arguments twice: one connection, then compare */
	got = tn_out("echo hello-echo | timeout 5 " NS "busybox nc -w 2 10.123.0.3 7777", c1);
	is_str(got, "hello-echo", "TCP echo from c1 to a server in c2");
	ok(lease_count(t.bridge, "c1") == 3, "c1 holds a v4 and a v6 lease and its record");
	r = vsl_net_attach(&r1, &i1, &err);
	ok(r == 0 && strcmp(i1.addr4, "10.123.0.2/24") == 0 && lease_count(t.bridge, "c1") == 3,
	   "attach of the same id again keeps its lease %s", r ? err.msg : "");
	ok(tn_sh(NS "busybox ping -c 1 -W 2 10.123.0.3 >/dev/null", c1) == 0,
	   "c1 still reaches c2 after the repeated attach");
}

static void test_port_forward(pid_t c3)
{
	struct vsl_net_info i3;
	struct vsl_net_req r3 = tn_req(&t, "c3", c3, t.bridge, "10.123.0.77/24",
				       "18080:8080,15353:53/udp");
	struct vsl_err err;
	const char *got;
	int r;

	r = vsl_net_attach(&r3, &i3, &err);
	ok(r == 0, "attach c3 with a static address and ports %s", r ? err.msg : "");
	is_str(i3.addr4, "10.123.0.77/24", "static address honoured");
	ok(nat_rules(t.bridge, "c3") == 4, "4 port-forward elements (2 ports x 2 families): %zu",
	   nat_rules(t.bridge, "c3"));
	tn_sh("timeout 5 " NS "busybox nc -l -p 8080 -e /bin/echo forwarded-ok >/dev/null 2>&1 &",
	      c3);
	usleep(200000);
	got = tn_out("timeout 5 busybox nc -w 2 10.123.0.1 18080 </dev/null");
	is_str(got, "forwarded-ok", "host port 18080 on the bridge address reaches c3:8080");
	{
		struct vsl_net_ifstats *st = NULL;
		size_t n = 0;
		int found = 0;

		r = vsl_net_stats(c3, &st, &n, &err);
		for (size_t i = 0; r == 0 && i < n; i++)
			if (strcmp(st[i].name, "eth0") == 0 && st[i].rx_packets > 0 &&
			    st[i].tx_bytes > 0)
				found = 1;
		ok(r == 0 && n == 2 && found, "stats: lo and eth0 with traffic counted (%zu links)",
		   n);
		free(st);
	}
}

static void test_refusals(void)
{
	struct vsl_net_info info;
	struct vsl_err err;
	pid_t c = tn_spawn(&t);
	struct {
		const char *id, *bridge, *address, *ports;
		int code;
		const char *msg;
	} cases[] = {
		{ "b1", "vsltest-net-toolong", NULL, NULL, EINVAL, "longer than 15" },
		{ "b2", t.bridge, "10.124.0.9/24", NULL, EINVAL, "outside subnet 10.123.0.0/24" },
		{ "b3", t.bridge, "10.123.0.2/24", NULL, EADDRINUSE, "already leased to c1" },
		{ "b4", t.bridge, "10.123.0.1/24", NULL, EINVAL, "gateway address" },
		{ "b5", t.bridge, "banana", NULL, EINVAL, "address banana: invalid" },
		{ "b6", t.bridge, NULL, "80", EINVAL, "ports: 80:" },
		{ "b7", t.bridge, NULL, "18080:80", EADDRINUSE, "already forwarded to container c3" },
		{ "b8", "vtnnosuch", NULL, NULL, ENOENT, "network vtnnosuch: not found" },
		{ "b 9", t.bridge, NULL, NULL, EINVAL, "use letters" },
		{ "b/10", t.bridge, NULL, NULL, EINVAL, "use letters" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vsl_net_req req = tn_req(&t, cases[i].id, c, cases[i].bridge,
						cases[i].address, cases[i].ports);
		int r = vsl_net_attach(&req, &info, &err);
		ok(r == -cases[i].code && strstr(err.msg, cases[i].msg) && !strchr(err.msg, '\n'),
		   "refused: %s", err.msg);
		if (strcmp(cases[i].bridge, t.bridge) == 0)
			assert_nothing_left(t.bridge, cases[i].id, cases[i].id);
	}
	ok(tn_sh(NS "ip -o link | grep -v ' lo:' | grep -q .", c) != 0,
	   "the refused container has only lo");
	ok(!tn_link_exists("vtnnosuch"), "no bridge made for an unknown network");
}

static void test_exhausted(void)
{
	char small[16];
	struct vsl_net_info info;
	struct vsl_err err;
	pid_t a = tn_spawn(&t), b = tn_spawn(&t);
	struct vsl_net_req ra, rb;
	int r;

	snprintf(small, sizeof(small), "%ss", t.bridge);
	ra = tn_req(&t, "e1", a, small, NULL, NULL);
	rb = tn_req(&t, "e2", b, small, NULL, NULL);
	r = vsl_net_network_create(t.store, small, "10.125.0.0/30", NULL, NULL, 0, &err);
	ok(r == 0, "network with room for one container %s", r ? err.msg : "");
	r = vsl_net_attach(&ra, &info, &err);
	ok(r == 0 && strcmp(info.addr4, "10.125.0.2/30") == 0 && !info.addr6[0],
	   "e1 takes the only address (v4 only network)");
	r = vsl_net_attach(&rb, &info, &err);
	ok(r == -EADDRNOTAVAIL && strstr(err.msg, small) && strstr(err.msg, "10.125.0.0/30"),
	   "pool exhausted: %s", err.msg);
	assert_nothing_left(small, "e2", "exhausted pool");
	ok(vsl_net_detach(&ra, &err) == 0, "detach e1");
	r = vsl_net_attach(&rb, &info, &err);
	ok(r == 0 && strcmp(info.addr4, "10.125.0.2/30") == 0, "e2 reuses the released address");
	ok(vsl_net_network_rm(t.store, small, &err) == -EBUSY && strstr(err.msg, "e2"),
	   "network rm refused while in use: %s", err.msg);
	ok(vsl_net_detach(&rb, &err) == 0, "detach e2");
	ok(vsl_net_network_rm(t.store, small, &err) == 0 && !tn_link_exists(small) &&
	   nat_rules(small, NULL) == 0, "network rm removes the bridge and its NAT rules");
}

/* A record edited by hand: connections must be interface names, at most 64 of them. */
static void test_bad_record(void)
{
	struct vsl_network nw;
	struct vsl_err err;

	tn_sh("echo '{\"name\": \"vtnbad\", \"subnet\": \"10.128.0.0/24\", \"gateway\": "
	      "\"10.128.0.1\", \"connected\": [\"../x\"]}' > %s/net/vtnbad.json", t.store);
	ok(vsl_network_load(t.store, "vtnbad", &nw, &err) == -EINVAL &&
	   strstr(err.msg, "missing or bad fields"), "a bad connected entry is refused: %s", err.msg);
	tn_sh("sed -i 's|\"../x\"|\"vtnother\"|' %s/net/vtnbad.json", t.store);
	ok(vsl_network_load(t.store, "vtnbad", &nw, &err) == 0 && nw.nconnected == 1 &&
	   strcmp(nw.connected[0], "vtnother") == 0, "a good one loads");
	tn_sh("rm %s/net/vtnbad.json", t.store);
}

static void test_detach(pid_t c1, pid_t c2, pid_t c3)
{
	const char *ids[] = { "c1", "c2", "c3" };
	pid_t pids[] = { c1, c2, c3 };
	struct vsl_err err;
	char veth[VSL_IFNAMSIZ];

	for (int i = 0; i < 3; i++) {
		struct vsl_net_req req = tn_req(&t, ids[i], pids[i], t.bridge, NULL, NULL);
		int r = vsl_net_detach(&req, &err);
		ok(r == 0, "detach %s %s", ids[i], r ? err.msg : "");
		ok(vsl_net_detach(&req, &err) == 0, "detach %s again is fine", ids[i]);
		assert_nothing_left(t.bridge, ids[i], ids[i]);
	}
	ok(tn_sh(NS "ip -o link | grep -q eth0", c1) != 0, "eth0 left c1 with the veth");
	kill(c2, SIGKILL);
	vsl_net_veth_name("c2", veth);
	ok(tn_link_exists(t.bridge), "bridge %s kept after detach", t.bridge);
	ok(nat_rules(t.bridge, NULL) == 5, "masquerade rules stay with the bridge (3 IPv4, 2 IPv6)");
}

int main(void)
{
	struct vsl_err err;
	pid_t c1, c2, c3;
	int r;

	tn_setup(&t, "attach");
	r = vsl_net_network_create(t.store, t.bridge, "10.123.0.0/24", "fd12:3::/64", NULL, 0, &err);
	ok(r == 0, "network create %s %s", t.bridge, r ? err.msg : "");
	tn_sh("sed -i 's/\"mtu\": 0/\"mtu\": 1400/' %s/net/%s.json", t.store, t.bridge);
	ok(vsl_net_network_create(t.store, t.bridge, "10.126.0.0/24", NULL, NULL, 0, &err) == -EEXIST,
	   "network create twice: %s", err.msg);
	ok(vsl_net_network_create(t.store, "vtnx", "10.123.0.128/25", NULL, NULL, 0, &err) == -EINVAL &&
	   strstr(err.msg, "overlaps network"), "overlapping subnet refused: %s", err.msg);
	ok(vsl_net_network_create(t.store, "vtnx", "10.1.0.0/33", NULL, NULL, 0, &err) == -EINVAL &&
	   strstr(err.msg, "invalid"), "invalid subnet refused: %s", err.msg);
	ok(vsl_net_network_create(t.store, "vsltest-net-toolong", "10.1.0.0/24", NULL, NULL, 0, &err) ==
	   -EINVAL, "long network name refused: %s", err.msg);
	c1 = tn_spawn(&t);
	c2 = tn_spawn(&t);
	c3 = tn_spawn(&t);
	test_two_containers(c1, c2);
	test_port_forward(c3);
	test_refusals();
	test_exhausted();
	test_bad_record();
	test_detach(c1, c2, c3);
	ok(vsl_net_network_rm(t.store, t.bridge, &err) == 0 && !tn_link_exists(t.bridge) &&
	   nat_rules(NULL, NULL) == 0, "network rm: bridge, rules and table gone");
	tn_teardown(&t);
	return tap_done();
}
