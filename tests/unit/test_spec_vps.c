/* spec/vps*.c: the VPS definition. A full definition round-trips field by field; every bad
 * input fails with one line naming the field; the value parsers the command line shares
 * accept exactly their forms. Documents are written with ' for " to stay readable. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "spec/vps.h"
#include "tests/unit/tap.h"

static char *dq(const char *s)
{
	char *o = xstrdup(s);

	for (char *p = o; *p; p++)
		if (*p == '\'')
			*p = '"';
	return o;
}

#define HEAD "'vpsVersion': 1, 'name': 'web1', 'created': '2026-01-01T00:00:00Z', " \
	     "'uuid': '0b5c3bd2-4c0d-4b7e-9d55-1f8f0c7a6e21'"
#define TPL "'template': {'name': 'debian12'}"
#define HOST "'hostname': 'web1'"
#define INIT "'init': {'path': '/sbin/init', 'kind': 'systemd', 'haltSignal': 'SIGRTMIN+3'}"
#define BASE HEAD ", " TPL ", " HOST ", " INIT
/* BASE without one member, for the cases that give their own */
#define NO_TPL HEAD ", " HOST ", " INIT
#define NO_HOST HEAD ", " TPL ", " INIT
#define NO_INIT HEAD ", " TPL ", " HOST

static int parse(const char *doc, struct vsl_vps_def *d, struct vsl_err *err)
{
	cleanup_free char *j = dq(doc);

	return vsl_vps_def_parse(j, strlen(j), "vps.json", d, err);
}

static void test_full_roundtrip(void)
{
	const char *doc = "{" BASE ", 'stopTimeout': 12, 'autostart': true, "
			  "'limits': {'memory': 536870912, 'swap': 268435456, 'cpus': 1.5, "
			  "'pids': 512, 'disk': 10737418240, 'ioWeight': 300, 'ioBps': 1048576, "
			  "'ioIops': 200, 'netRate': '10mbit'}, "
			  "'network': {'name': 'vessel0', 'address': '10.89.0.5/16', "
			  "'ports': ['8080:80/tcp', '5353:53/udp']}, "
			  "'idmap': {'hostUid': 100000, 'hostGid': 100000, 'size': 65536}}";
	struct vsl_vps_def d, back, copy;
	cleanup_free char *json = NULL, *json2 = NULL, *json3 = NULL;
	struct vsl_err err;
	int r = parse(doc, &d, &err);

	ok(r == 0, "a full definition parses (%s)", r ? err.msg : "ok");
	if (r)
		return;
	is_str(d.name, "web1", "name");
	is_str(d.template_name, "debian12", "template.name");
	ok(d.template_digest == NULL, "no template digest");
	is_str(d.init, "/sbin/init", "init.path");
	ok(d.init_kind == VSL_VPS_INIT_SYSTEMD, "init.kind");
	is_str(d.halt_signal, "SIGRTMIN+3", "init.haltSignal");
	ok(d.stop_timeout == 12 && d.autostart, "stopTimeout and autostart");
	ok(d.limits.memory == 512ULL << 20 && d.limits.has_swap && d.limits.swap == 256ULL << 20,
	   "memory and swap");
	ok(d.limits.cpus_milli == 1500, "cpus 1.5 = 1500 milli");
	ok(d.limits.pids == 512 && d.limits.disk == 10ULL << 30, "pids and disk");
	ok(d.limits.io_weight == 300 && d.limits.io_bps == 1 << 20 && d.limits.io_iops == 200,
	   "io limits");
	is_str(d.limits.net_rate, "10mbit", "netRate");
	is_str(d.net.name, "vessel0", "network.name");
	is_str(d.net.address, "10.89.0.5/16", "network.address");
	ok(d.net.n_ports == 2 && d.net.ports[0].host == 8080 && d.net.ports[0].container == 80 &&
	   !d.net.ports[0].udp && d.net.ports[1].udp, "two forwards, tcp and udp");
	ok(d.idmap.host_uid == 100000 && d.idmap.size == 65536, "idmap");
	json = vsl_vps_def_to_json(&d);
	r = vsl_vps_def_parse(json, strlen(json), "vps.json", &back, &err);
	ok(r == 0, "its JSON parses back (%s)", r ? err.msg : "ok");
	json2 = r == 0 ? vsl_vps_def_to_json(&back) : NULL;
	is_str(json, json2, "and gives the same JSON again");
	vsl_vps_def_copy(&copy, &d);
	vsl_vps_def_clear(&d);
	json3 = vsl_vps_def_to_json(&copy);
	is_str(json, json3, "a deep copy outlives the original");
	vsl_vps_def_clear(&copy);
	if (r == 0)
		vsl_vps_def_clear(&back);
}

static void test_defaults(void)
{
	struct vsl_vps_def d;
	struct vsl_err err;
	int r = parse("{" BASE "}", &d, &err);

	ok(r == 0, "the smallest definition parses (%s)", r ? err.msg : "ok");
	if (r)
		return;
	ok(d.stop_timeout == VSL_VPS_STOP_TIMEOUT && !d.autostart, "default timeout, no autostart");
	ok(!d.limits.memory && !d.limits.has_swap && !d.limits.cpus_milli && !d.net.name &&
	   !d.idmap.size, "no limits, no network, no idmap");
	vsl_vps_def_clear(&d);
}

static const struct {
	const char *doc, *want;
} bad[] = {
	{ "[]", "vps.json: expected object, got array" },
	{ "{" BASE ", 'color': 'red'}", "vps.json: color: unknown field" },
	{ "{" BASE ", 'hostname': 'b'}", "vps.json: hostname: duplicate field" },
	{ "{'name': 'x'}", "vps.json: vpsVersion: required" },
	{ "{'vpsVersion': 2, 'name': 'x'}", "vps.json: vpsVersion: version 2 is not 1" },
	{ "{'vpsVersion': 1, 'name': '../x'}", "vps.json: name: \"../x\" must start with a letter" },
	{ "{'vpsVersion': 1, 'name': 'a/b'}", "vps.json: name: \"a/b\": use letters, digits and ._-" },
	{ "{'vpsVersion': 1, 'name': 'x', 'created': 1}", "vps.json: created: expected string, got number" },
	{ "{'vpsVersion': 1, 'name': 'x', 'created': 'c', 'uuid': 'u'}", "vps.json: template: required" },
	{ "{" NO_TPL ", 'template': {'name': 'd', 'digest': 'md5:x'}}",
	  "vps.json: template.digest: \"md5:x\" is not sha256:<hex>" },
	{ "{" NO_TPL ", 'template': {'name': 'd', 'size': 1}}", "vps.json: template.size: unknown field" },
	{ "{" NO_HOST ", 'hostname': '-web'}", "vps.json: hostname: \"-web\": a label must not start" },
	{ "{" NO_HOST ", 'hostname': 'a..b'}", "vps.json: hostname: \"a..b\" is not a valid host name" },
	{ "{" NO_HOST ", 'hostname': 'we b'}", "vps.json: hostname: \"we b\" is not a valid host name" },
	{ "{" NO_INIT ", 'init': {'path': 'sbin/init', 'kind': 'systemd', 'haltSignal': 'SIGTERM'}}",
	  "vps.json: init.path: \"sbin/init\" is not an absolute path" },
	{ "{" NO_INIT ", 'init': {'path': '/sbin/init', 'kind': 'upstart', 'haltSignal': 'SIGTERM'}}",
	  "vps.json: init.kind: unknown init kind \"upstart\"" },
	{ "{" NO_INIT ", 'init': {'path': '/sbin/init', 'kind': 'other', 'haltSignal': 'TERM'}}",
	  "vps.json: init.haltSignal: \"TERM\" is not a signal name" },
	{ "{" NO_INIT ", 'init': {'path': '/sbin/init', 'kind': 'other'}}",
	  "vps.json: init.haltSignal: required" },
	{ "{" BASE ", 'stopTimeout': 0}", "vps.json: stopTimeout: 0 is out of range (1..3600)" },
	{ "{" BASE ", 'stopTimeout': 3601}", "vps.json: stopTimeout: 3601 is out of range (0..3600)" },
	{ "{" BASE ", 'autostart': 'yes'}", "vps.json: autostart: expected boolean, got string" },
	{ "{" BASE ", 'limits': {'memory': '1G'}}", "vps.json: limits.memory: expected integer, got string" },
	{ "{" BASE ", 'limits': {'memory': -1}}", "vps.json: limits.memory: -1 is out of range" },
	{ "{" BASE ", 'limits': {'swap': 1}}", "vps.json: limits.swap: needs a memory limit" },
	{ "{" BASE ", 'limits': {'cpus': 0}}", "vps.json: limits.cpus: 0 is out of range" },
	{ "{" BASE ", 'limits': {'cpus': 0.0001}}", "vps.json: limits.cpus: \"0.0001\" is not a CPU count" },
	{ "{" BASE ", 'limits': {'cpus': '2'}}", "vps.json: limits.cpus: expected number, got string" },
	{ "{" BASE ", 'limits': {'ioWeight': 5}}", "vps.json: limits.ioWeight: 5 is out of range (10..1000)" },
	{ "{" BASE ", 'limits': {'ioWeight': 70000}}", "vps.json: limits.ioWeight: 70000 is out of range" },
	{ "{" BASE ", 'limits': {'netRate': '10mbps'}}", "vps.json: limits.netRate: \"10mbps\" is not a rate" },
	{ "{" BASE ", 'limits': {'memroy': 1}}", "vps.json: limits.memroy: unknown field" },
	{ "{" BASE ", 'network': {'address': 'auto'}}", "vps.json: network.name: required" },
	{ "{" BASE ", 'network': {'name': 'vessel0'}}", "vps.json: network.address: required" },
	{ "{" BASE ", 'network': {'name': 'a/b', 'address': 'auto'}}",
	  "vps.json: network.name: \"a/b\" is not a network name" },
	{ "{" BASE ", 'network': {'name': 'n', 'address': '10.0.0.5'}}",
	  "vps.json: network.address: \"10.0.0.5\" is not auto or ADDRESS/PREFIX" },
	{ "{" BASE ", 'network': {'name': 'n', 'address': 'auto', 'ports': ['80']}}",
	  "vps.json: network.ports[0]: \"80\" is not HOST:CONTAINER" },
	{ "{" BASE ", 'network': {'name': 'n', 'address': 'auto', 'ports': ['8080:80', 1]}}",
	  "vps.json: network.ports[1]: expected string, got number" },
	{ "{" BASE ", 'network': {'name': 'n', 'address': 'auto', 'ports': ['80:80', '80:81/tcp']}}",
	  "vps.json: network.ports[1]: host port 80/tcp is forwarded twice" },
	{ "{" BASE ", 'idmap': {'hostUid': 1, 'hostGid': 1}}", "vps.json: idmap.size: required" },
	{ "{" BASE ", 'idmap': {'hostUid': 4294967295, 'hostGid': 1, 'size': 65536}}",
	  "vps.json: idmap: range 4294967295+65536 passes the last id" },
};

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vsl_vps_def d;
		struct vsl_err err = { 0 };
		int r = parse(bad[i].doc, &d, &err);

		ok(r == -EINVAL && strstr(err.msg, bad[i].want) && !strchr(err.msg, '\n'),
		   "refused: %s", bad[i].want);
		if (r != -EINVAL || !strstr(err.msg, bad[i].want))
			printf("#   got %d: %s\n", r, err.msg);
		if (r == 0)
			vsl_vps_def_clear(&d);
	}
}

static void test_values(void)
{
	struct vsl_vps_port p;
	struct vsl_err err;
	char buf[32];
	char *rate = NULL;
	uint32_t m = 0;

	ok(vsl_vps_parse_cpus("2", "--cpus", &m, &err) == 0 && m == 2000, "cpus 2");
	ok(vsl_vps_parse_cpus("0.25", "--cpus", &m, &err) == 0 && m == 250, "cpus 0.25");
	ok(vsl_vps_parse_cpus(".5", "--cpus", &m, &err) == 0 && m == 500, "cpus .5");
	ok(vsl_vps_parse_cpus("0.001", "--cpus", &m, &err) == 0 && m == 1, "cpus 0.001");
	ok(vsl_vps_parse_cpus("1.2345", "--cpus", &m, &err) < 0, "four decimals refused");
	ok(vsl_vps_parse_cpus("1e3", "--cpus", &m, &err) < 0 && strstr(err.msg, "--cpus: \"1e3\""),
	   "1e3 refused naming --cpus");
	ok(vsl_vps_parse_cpus("", "--cpus", &m, &err) < 0, "empty refused");
	ok(vsl_vps_parse_cpus("5000", "--cpus", &m, &err) < 0, "5000 CPUs refused");
	is_str(vsl_vps_cpus_str(1500, buf, sizeof(buf)), "1.5", "1500 prints 1.5");
	is_str(vsl_vps_cpus_str(2000, buf, sizeof(buf)), "2", "2000 prints 2");
	is_str(vsl_vps_cpus_str(1, buf, sizeof(buf)), "0.001", "1 prints 0.001");
	ok(vsl_vps_parse_port("8080:80", "--port", &p, &err) == 0 && p.host == 8080 &&
	   p.container == 80 && !p.udp, "8080:80 is tcp");
	is_str(vsl_vps_port_str(&p, buf, sizeof(buf)), "8080:80/tcp", "and prints with /tcp");
	ok(vsl_vps_parse_port("53:53/udp", "--port", &p, &err) == 0 && p.udp, "53:53/udp");
	ok(vsl_vps_parse_port("0:80", "--port", &p, &err) < 0, "port 0 refused");
	ok(vsl_vps_parse_port("65536:80", "--port", &p, &err) < 0, "port 65536 refused");
	ok(vsl_vps_parse_port("080:80", "--port", &p, &err) < 0, "leading zero refused");
	ok(vsl_vps_parse_port("80:80/sctp", "--port", &p, &err) < 0 && strstr(err.msg, "tcp or udp"),
	   "sctp refused");
	ok(vsl_vps_parse_port("80/tcp:80", "--port", &p, &err) < 0, "protocol in the wrong place");
	ok(vsl_vps_parse_rate("10MBit", "--net-rate", &rate, &err) == 0 && strcmp(rate, "10mbit") == 0,
	   "10MBit is 10mbit");
	free(rate);
	ok(vsl_vps_parse_rate("mbit", "--net-rate", &rate, &err) < 0, "no digits refused");
	ok(vsl_vps_parse_rate("10", "--net-rate", &rate, &err) < 0, "no unit refused");
	ok(vsl_vps_parse_rate("010mbit", "--net-rate", &rate, &err) < 0, "leading zero refused");
	ok(vsl_vps_check_hostname("web-1.example.com", "--hostname", &err) == 0, "an FQDN");
	ok(vsl_vps_check_hostname("web-", "--hostname", &err) < 0, "trailing dash refused");
	ok(vsl_vps_check_hostname("a.", "--hostname", &err) < 0, "empty last label refused");
	ok(vsl_vps_check_hostname("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
				  "--hostname", &err) < 0, "65 bytes refused");
	ok(vsl_vps_check_name("web1.example_a-b", "name", &err) == 0, "a name with ._-");
	ok(vsl_vps_check_name(".hidden", "name", &err) < 0, "a leading dot refused");
	ok(vsl_vps_check_signal("SIGRTMIN+3", "s", &err) == 0 && vsl_vps_check_signal("SIGPWR", "s",
	   &err) == 0, "signal names");
	ok(vsl_vps_check_signal("sigterm", "s", &err) < 0, "lower case refused");
	ok(vsl_vps_init_kind_parse("busybox") == VSL_VPS_INIT_BUSYBOX &&
	   vsl_vps_init_kind_parse("x") < 0, "init kinds");
}

int main(void)
{
	test_full_roundtrip();
	test_defaults();
	test_bad();
	test_values();
	return tap_done();
}
