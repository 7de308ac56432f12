/* netns/ under load (root, private netns): 50 containers attached by 5 processes at once get
 * 50 distinct addresses, leases and port rules; detaching them (in parallel again) leaves no
 * veth, lease or port rule. The default network vessel0 picks a /16 that no host route uses.
 * Prints the measured setup time per container. */
#include <netinet/in.h>

#include "netns/internal.h"
#include "netns/nft.h"
#include "tests/unit/netns_test.h"

#define WORKERS 5
#define PER_WORKER 10
#define TOTAL (WORKERS * PER_WORKER)

static struct tn t;

struct result {
	char id[16];
	int pid;
	int r;
	char addr[64];
	double ms;
};

/* One worker: attach (or detach) its share, one line per container on fd. */
static void worker(int w, int fd, bool detach, const int *pids)
{
	for (int k = 0; k < PER_WORKER; k++) {
		int n = w * PER_WORKER + k;
		char id[16], ports[32], line[256];
		struct vsl_net_info info = { 0 };
		struct vsl_err err = { 0 };
		pid_t pid = detach ? pids[n] : tn_spawn(&t);
		struct vsl_net_req req;
		double t0 = tn_now_ms();
		int r;

		snprintf(id, sizeof(id), "p%d", n);
		snprintf(ports, sizeof(ports), "%d:80", 20000 + n);
		req = tn_req(&t, id, pid, t.bridge, NULL, ports);
		r = detach ? vsl_net_detach(&req, &err) : vsl_net_attach(&req, &info, &err);
		snprintf(line, sizeof(line), "%s %d %d %s %.3f %s\n", id, (int)pid, r,
			 info.addr4[0] ? info.addr4 : "-", tn_now_ms() - t0, r ? err.msg : "");
		if (write(fd, line, strlen(line)) < 0)
			_exit(1);
	}
	_exit(0);
}

/* Run WORKERS processes and collect TOTAL result lines; returns the wall time in ms. */
static double run_parallel(bool detach, struct result *res, const int *pids)
{
	int p[2], got = 0;
	double t0 = tn_now_ms();
	FILE *f;
	char line[512];

	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	for (int w = 0; w < WORKERS; w++)
		if (fork() == 0) {
			close(p[0]);
			worker(w, p[1], detach, pids);
		}
	close(p[1]);
	f = fdopen(p[0], "r");
	while (got < TOTAL && fgets(line, sizeof(line), f)) {
		struct result *x = &res[got++];
		if (sscanf(line, "%15s %d %d %63s %lf", x->id, &x->pid, &x->r, x->addr, &x->ms) != 5)
			x->r = -9999;
		if (x->r)
			printf("# %s", line);
	}
	fclose(f);
	for (int w = 0; w < WORKERS; w++)
		wait(NULL);
	while (got < TOTAL)
		res[got++].r = -9998;
	return tn_now_ms() - t0;
}

static void timing(const char *what, const struct result *res, double wall)
{
	double sum = 0, max = 0;

	for (int i = 0; i < TOTAL; i++) {
		sum += res[i].ms;
		if (res[i].ms > max)
			max = res[i].ms;
	}
	printf("# %s: %d containers by %d processes in %.1f ms wall; per container mean %.2f ms, "
	       "max %.2f ms\n", what, TOTAL, WORKERS, wall, sum / TOTAL, max);
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

/* Every port-forward element (fwd4 and fwd6), whoever owns it. */
static size_t port_elems(void)
{
	struct vsl_nl nl;
	struct vsl_err err;
	size_t n4 = 999, n6 = 999;

	if (vsl_nft_open(&nl, &err) == 0) {
		vsl_nft_elem_list(&nl, VSL_FW_FWD4, NULL, &n4, &err);
		vsl_nft_elem_list(&nl, VSL_FW_FWD6, NULL, &n6, &err);
	}
	vsl_nl_close(&nl);
	return n4 + n6;
}

static void test_parallel(void)
{
	static struct result res[TOTAL], del[TOTAL];
	int pids[TOTAL], bad = 0, dup = 0;
	struct vsl_err err;
	double wall;

	ok(vsl_net_network_create(t.store, t.bridge, "10.127.0.0/24", NULL, NULL, 0, &err) == 0,
	   "network %s", t.bridge);
	wall = run_parallel(false, res, NULL);
	timing("parallel attach", res, wall);
	for (int i = 0; i < TOTAL; i++) {
		bad += res[i].r != 0;
		for (int j = 0; j < i; j++)
			dup += strcmp(res[i].addr, res[j].addr) == 0;
		if (t.nkids < TN_MAX_KIDS)
			t.kids[t.nkids++] = res[i].pid;
	}
	ok(bad == 0, "50 parallel attaches succeed (%d failed)", bad);
	ok(dup == 0, "50 distinct addresses (%d duplicates)", dup);
	ok(atoi(tn_out("ls %s/net/%s.addrs | grep -c '^10.127.0'", t.store, t.bridge)) == TOTAL &&
	   atoi(tn_out("ls %s/net/ids | wc -l", t.store)) == TOTAL,
	   "50 leases, 50 container records");
	ok(atoi(tn_out("ip -o link show master %s | wc -l", t.bridge)) == TOTAL,
	   "50 veths in the bridge");
	ok(nat_rules(t.bridge, NULL) == 3 && port_elems() == TOTAL,
	   "3 masquerade rules, 50 port-forward elements (%zu, %zu)", nat_rules(t.bridge, NULL),
	   port_elems());

	/* detach by other processes than attached: match pids to ids */
	for (int i = 0; i < TOTAL; i++)
		pids[atoi(res[i].id + 1)] = res[i].pid;
	wall = run_parallel(true, del, pids);
	timing("parallel detach", del, wall);
	bad = 0;
	for (int i = 0; i < TOTAL; i++)
		bad += del[i].r != 0;
	ok(bad == 0, "50 parallel detaches succeed (%d failed)", bad);
	ok(atoi(tn_out("ip -o link show master %s | wc -l", t.bridge)) == 0, "no veth left");
	ok(atoi(tn_out("ls %s/net/%s.addrs | wc -l", t.store, t.bridge)) == 0 &&
	   atoi(tn_out("ls %s/net/ids 2>/dev/null | wc -l", t.store)) == 0, "no lease, no record left");
	ok(nat_rules(t.bridge, NULL) == 3 && port_elems() == 0,
	   "no port-forward element left, masquerade stays");
	ok(vsl_net_network_rm(t.store, t.bridge, &err) == 0 && nat_rules(NULL, NULL) == 0 &&
	   !tn_link_exists(t.bridge), "network rm leaves no rule, no table, no bridge");
}

/* vessel0 on first use: a private /16 that no host route covers. */
static void test_default_network(void)
{
	struct vsl_net_info info;
	struct vsl_err err;
	pid_t c = tn_spawn(&t);
	struct vsl_net_req req = tn_req(&t, "d1", c, NULL, "auto", NULL);
	struct vsl_network *nws = NULL;
	size_t n = 0;
	int r;

	ok(tn_sh("ip link add vtnd%d type bridge && ip addr add 10.89.0.1/16 dev vtnd%d && "
		 "ip link set vtnd%d up", getpid() % 100000, getpid() % 100000,
		 getpid() % 100000) == 0, "a host route on 10.89.0.0/16 (another bridge)");
	r = vsl_net_attach(&req, &info, &err);
	ok(r == 0 && strcmp(info.addr4, "10.90.0.2/16") == 0,
	   "default network vessel0 skips the used /16: %s", r ? err.msg : info.addr4);
	ok(tn_link_exists(VSL_NET_DEFAULT_BRIDGE), "bridge vessel0 made (in the private netns)");
	r = vsl_net_network_list(t.store, &nws, &n, &err);
	ok(r == 0 && n == 1 && strcmp(nws[0].name, "vessel0") == 0 && nws[0].leases == 1 &&
	   nws[0].present, "network list shows vessel0 with one container");
	free(nws);
	ok(vsl_net_network_create(t.store, "vtnclash", "10.89.128.0/24", NULL, NULL, 0, &err) == -EINVAL &&
	   strstr(err.msg, "host route"), "a subnet on a host route is refused: %s", err.msg);
	ok(vsl_net_detach(&req, &err) == 0 && vsl_net_network_rm(t.store, "vessel0", &err) == 0,
	   "detach, network rm vessel0");
}

int main(void)
{
	tn_setup(&t, "parallel");
	test_parallel();
	test_default_network();
	tn_teardown(&t);
	return tap_done();
}
