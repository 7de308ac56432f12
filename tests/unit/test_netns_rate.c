/* netns/ rate limits and counters for real (root, private netns): vessel.net.rate at attach
 * puts tbf qdiscs on the host veth and on the container's ifb; 200 kB at 1mbit takes well over
 * a second both ways while unlimited takes a fraction of one; vsl_net_set_rate changes the rate
 * live, removes it (0) and puts it back, idempotently; bad rates and unknown containers are
 * refused with one line; vsl_net_counters reads the host veth, from the container's side,
 * matching what the container's own eth0 counts; detach removes the ifb. */
#include <netinet/in.h>

#include "netns/internal.h"
#include "tests/unit/netns_test.h"

#define NS "nsenter --net=/proc/%d/ns/net "
#define BYTES 200000

static struct tn t;
static char probe[512];

/* Seconds to move BYTES to (to = 1) or from the container, or -1. */
static double transfer(pid_t pid, const char *addr, int to)
{
	const char *out;

	if (to) {
		tn_sh("(timeout 20 " NS "python3 %s sink 7100 %d > /tmp/vsltest-rate-sink.%d 2>&1 &)", pid, probe,
		      BYTES, getpid());
		for (int i = 0; i < 50 && tn_sh("grep -q ready /tmp/vsltest-rate-sink.%d", getpid());
		     i++)
			usleep(100000);
		out = tn_out("timeout 20 python3 %s source %s 7100 %d", probe, addr, BYTES);
	} else {
		tn_sh("(timeout 20 python3 %s sink 7101 %d > /tmp/vsltest-rate-sink.%d 2>&1 &)", probe, BYTES,
		      getpid());
		for (int i = 0; i < 50 && tn_sh("grep -q ready /tmp/vsltest-rate-sink.%d", getpid());
		     i++)
			usleep(100000);
		tn_sh("timeout 20 " NS "python3 %s source 10.131.0.1 7101 %d >/dev/null", pid, probe, BYTES);
		usleep(100000);
		out = tn_out("tail -1 /tmp/vsltest-rate-sink.%d", getpid());
	}
	tn_sh("rm -f /tmp/vsltest-rate-sink.%d", getpid());
	return out[0] ? atof(out) : -1;
}

static int has_qdisc(const char *dev, const char *rate)
{
	return tn_sh("tc qdisc show dev %s 2>/dev/null | grep -q 'tbf .*rate %s '", dev, rate) == 0;
}

static void test_rate(pid_t c)
{
	struct vsl_net_req req = tn_req(&t, "r1", c, t.bridge, "10.131.0.5/24", NULL);
	char veth[VSL_IFNAMSIZ], ifb[VSL_IFNAMSIZ];
	struct vsl_net_info info;
	struct vsl_err err;
	double slow, fast, back;
	int r;

	req.rate = "1mbit";
	r = vsl_net_attach(&req, &info, &err);
	ok(r == 0, "attach r1 at 1mbit %s", r ? err.msg : "");
	vsl_net_veth_name("r1", veth);
	vsl_net_ifb_name("r1", ifb);
	ok(has_qdisc(veth, "1Mbit") && has_qdisc(ifb, "1Mbit"), "tbf 1Mbit on %s and %s", veth, ifb);
	ok(tn_sh("tc filter show dev %s ingress | grep -q 'Redirect to device %s'", veth, ifb) == 0,
	   "ingress of %s redirected to %s", veth, ifb);
	slow = transfer(c, "10.131.0.5", 1);
	back = transfer(c, "10.131.0.5", 0);
	printf("# 200 kB at 1mbit: %.3f s to the container, %.3f s from it\n", slow, back);
	ok(slow > 0.8 && slow < 6, "to the container: 1mbit holds (%.3f s)", slow);
	ok(back > 0.8 && back < 6, "from the container: 1mbit holds (%.3f s)", back);

	ok(vsl_net_set_rate("r1", 0, &err) == 0, "set rate 0 (unlimited) live");
	ok(!has_qdisc(veth, "1Mbit") && !tn_link_exists(ifb), "qdisc and ifb removed");
	fast = transfer(c, "10.131.0.5", 1);
	back = transfer(c, "10.131.0.5", 0);
	printf("# 200 kB unlimited: %.3f s to the container, %.3f s from it\n", fast, back);
	ok(fast >= 0 && fast < 0.4 && back >= 0 && back < 0.4, "unlimited is far faster");
	ok(vsl_net_set_rate("r1", 0, &err) == 0, "set rate 0 again is fine");

	ok(vsl_net_set_rate("r1", 2000000, &err) == 0 && has_qdisc(veth, "2Mbit") &&
	   has_qdisc(ifb, "2Mbit"), "set rate 2mbit live %s", err.msg);
	ok(vsl_net_set_rate("r1", 2000000, &err) == 0, "the same rate again is fine");
	ok(vsl_net_set_rate("r1", 4000000, &err) == 0 && has_qdisc(veth, "4Mbit") &&
	   has_qdisc(ifb, "4Mbit"), "changed to 4mbit in place");
	ok(atoi(tn_out("tc filter show dev %s ingress | grep -c mirred", veth)) == 1,
	   "still one redirect filter");
	slow = transfer(c, "10.131.0.5", 0);
	ok(slow > 0.2 && slow < 3, "from the container at 4mbit: %.3f s", slow);

	ok(vsl_net_set_rate("r1", 100, &err) == -ERANGE && strstr(err.msg, "out of range"),
	   "rate below 8kbit refused: %s", err.msg);
	ok(vsl_net_set_rate("nosuch", 1000000, &err) == -ENODEV &&
	   strstr(err.msg, "container nosuch: no interface on a vessel network"),
	   "unknown container: %s", err.msg);
	ok(vsl_net_set_rate("a/b", 1000000, &err) == -EINVAL, "bad id refused: %s", err.msg);
}

static void test_counters(pid_t c)
{
	struct vsl_net_ifstats host, *in = NULL;
	struct vsl_err err;
	char veth[VSL_IFNAMSIZ];
	size_t n = 0;
	int r;

	vsl_net_veth_name("r1", veth);
	r = vsl_net_counters("r1", &host, &err);
	ok(r == 0 && strcmp(host.name, veth) == 0, "counters of r1 from %s %s", veth,
	   r ? err.msg : "");
	ok(host.rx_bytes > 2 * BYTES && host.tx_bytes > 3 * BYTES,
	   "the transfers counted: rx %llu, tx %llu bytes", (unsigned long long)host.rx_bytes,
	   (unsigned long long)host.tx_bytes);
	r = vsl_net_stats(c, &in, &n, &err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (strcmp(in[i].name, "eth0") != 0)
			continue;
		ok(in[i].rx_bytes + 2000 >= host.rx_bytes && in[i].rx_bytes <= host.rx_bytes + 2000 &&
		   in[i].tx_bytes + 2000 >= host.tx_bytes && in[i].tx_bytes <= host.tx_bytes + 2000,
		   "the container's eth0 counts the same from inside (rx %llu, tx %llu)",
		   (unsigned long long)in[i].rx_bytes, (unsigned long long)in[i].tx_bytes);
	}
	free(in);
	ok(vsl_net_counters("nosuch", &host, &err) == -ENODEV && strstr(err.msg, "container nosuch"),
	   "counters of an unknown container: %s", err.msg);
}

static void test_refused(pid_t c)
{
	struct vsl_net_req req = tn_req(&t, "r2", c, t.bridge, NULL, NULL);
	struct vsl_net_info info;
	struct vsl_err err;
	char veth[VSL_IFNAMSIZ];

	req.rate = "10M";
	ok(vsl_net_attach(&req, &info, &err) == -EINVAL && strstr(err.msg, "vessel.net.rate") &&
	   !strchr(err.msg, '\n'), "bad rate refused: %s", err.msg);
	vsl_net_veth_name("r2", veth);
	ok(!tn_link_exists(veth) && access(tn_out("echo %s/net/ids/r2.json", t.store), F_OK) != 0,
	   "nothing made for it");
}

int main(void)
{
	struct vsl_net_req req;
	struct vsl_err err;
	char ifb[VSL_IFNAMSIZ];
	pid_t c1, c2;
	int r;

	tn_setup(&t, "rate");
	snprintf(probe, sizeof(probe), "%s/tests/helpers/netprobe.py", tn_out("pwd"));
	if (access(probe, R_OK) != 0 || tn_sh("command -v python3 tc >/dev/null") != 0) {
		printf("not ok 1 - needs %s, python3 and tc\n", probe);
		return 1;
	}
	r = vsl_net_network_create(t.store, t.bridge, "10.131.0.0/24", NULL, NULL, 0, &err);
	ok(r == 0, "network %s %s", t.bridge, r ? err.msg : "");
	c1 = tn_spawn(&t);
	c2 = tn_spawn(&t);
	test_rate(c1);
	test_counters(c1);
	test_refused(c2);
	req = tn_req(&t, "r1", c1, t.bridge, NULL, NULL);
	vsl_net_set_rate("r1", 1000000, &err);
	vsl_net_ifb_name("r1", ifb);
	ok(vsl_net_detach(&req, &err) == 0 && !tn_link_exists(ifb), "detach removes the ifb too");
	ok(vsl_net_network_rm(t.store, t.bridge, &err) == 0, "network rm %s", err.msg);
	tn_teardown(&t);
	return tap_done();
}
