/* vessel network create|connect|disconnect|list|rm: the networks (bridge + subnets)
 * containers join through the vessel.net.bridge annotation, isolated from each other unless
 * connected. Records live under <store>/net (netns/net.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "netns/net.h"
#include "runtime/container.h"

static const struct vsl_cmd net_create_cmd, net_connect_cmd, net_disconnect_cmd, net_list_cmd,
	net_rm_cmd;

enum { OPT_SUBNET6 = 256, OPT_CONNECT };

static const struct vsl_opt create_opts[] = {
	{ "subnet", 's', "CIDR", "the IPv4 subnet (required); the bridge takes its first address" },
	{ "subnet6", OPT_SUBNET6, "CIDR", "an IPv6 subnet as well" },
	{ "connect", OPT_CONNECT, "NET", "connected to this network from the start (repeatable)" },
	VSL_OPT_END,
};

static const struct vsl_opt list_opts[] = {
	{ "format", 'f', "FMT", "table (default) or json" },
	VSL_OPT_END,
};

static int net_create(struct vsl_ctx *ctx, int argc, char **argv)
{
	const struct vsl_cmd *cmd = &net_create_cmd;
	const char *subnet = NULL, *subnet6 = NULL, *v;
	char *connect[VSL_NET_MAX_LINKS];
	struct vsl_args a;
	struct vsl_err err;
	size_t n = 0;
	int k;

	vsl_args_init(&a, cmd, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0) {
		if (k == 's')
			subnet = v;
		else if (k == OPT_SUBNET6)
			subnet6 = v;
		else if (n < VSL_NET_MAX_LINKS)
			connect[n++] = (char *)v;
		else
			return vsl_cmd_usage_error(cmd, "at most %d --connect", VSL_NET_MAX_LINKS);
	}
	if (k < 0)
		return a.exit;
	if (a.argc != 1)
		return vsl_cmd_usage_error(cmd, "expected one NAME");
	if (!subnet)
		return vsl_cmd_usage_error(cmd, "--subnet CIDR is required");
	if (vsl_net_network_create(ctx->store, a.argv[0], subnet, subnet6, connect, n, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}

static void gen_str(yajl_gen g, const char *k, const char *v)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
	yajl_gen_string(g, (const unsigned char *)v, strlen(v));
}

static void print_json(const struct vsl_network *v, size_t n)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	char s[VSL_CIDR_STRLEN];
	const unsigned char *buf;
	size_t len;

	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		gen_str(g, "name", v[i].name);
		gen_str(g, "subnet", vsl_cidr_str(&v[i].subnet, s));
		gen_str(g, "gateway", vsl_ip_str(&v[i].gateway, s));
		if (v[i].has6) {
			gen_str(g, "subnet6", vsl_cidr_str(&v[i].subnet6, s));
			gen_str(g, "gateway6", vsl_ip_str(&v[i].gateway6, s));
		}
		yajl_gen_string(g, (const unsigned char *)"containers", 10);
		yajl_gen_integer(g, (long long)v[i].leases);
		yajl_gen_string(g, (const unsigned char *)"present", 7);
		yajl_gen_bool(g, v[i].present);
		yajl_gen_string(g, (const unsigned char *)"connected", 9);
		yajl_gen_array_open(g);
		for (size_t k = 0; k < v[i].nconnected; k++)
			yajl_gen_string(g, (const unsigned char *)v[i].connected[k],
					strlen(v[i].connected[k]));
		yajl_gen_array_close(g);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	yajl_gen_get_buf(g, &buf, &len);
	printf("%.*s\n", (int)len, buf);
	yajl_gen_free(g);
}

static int net_list(struct vsl_ctx *ctx, int argc, char **argv)
{
	const struct vsl_cmd *cmd = &net_list_cmd;
	cleanup_free struct vsl_network *v = NULL;
	char s[VSL_CIDR_STRLEN], s6[VSL_CIDR_STRLEN];
	bool json = false;
	const char *f;
	struct vsl_args a;
	struct vsl_err err;
	size_t n = 0;
	int k;

	vsl_args_init(&a, cmd, argc, argv);
	while ((k = vsl_args_next(&a, &f)) > 0) {
		if (strcmp(f, "table") && strcmp(f, "json"))
			return vsl_cmd_usage_error(cmd, "--format: expected table or json, got %s", f);
		json = !strcmp(f, "json");
	}
	if (k < 0)
		return a.exit;
	if (a.argc != 0)
		return vsl_cmd_usage_error(cmd, "takes no arguments");
	if (vsl_net_network_list(ctx->store, &v, &n, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	if (json) {
		print_json(v, n);
		return 0;
	}
	printf("%-16s %-20s %-24s %-10s %-7s %s\n", "NAME", "SUBNET", "SUBNET6", "CONTAINERS",
	       "BRIDGE", "CONNECTED");
	for (size_t i = 0; i < n; i++) {
		printf("%-16s %-20s %-24s %-10zu %-7s ", v[i].name, vsl_cidr_str(&v[i].subnet, s),
		       v[i].has6 ? vsl_cidr_str(&v[i].subnet6, s6) : "-", v[i].leases,
		       v[i].present ? "up" : "absent");
		for (size_t j = 0; j < v[i].nconnected; j++)
			printf("%s%s", j ? "," : "", v[i].connected[j]);
		printf("%s\n", v[i].nconnected ? "" : "-");
	}
	return 0;
}

static int net_link(struct vsl_ctx *ctx, const struct vsl_cmd *cmd, int argc, char **argv,
		    bool on)
{
	struct vsl_args a;
	struct vsl_err err;
	int r;

	r = vsl_args_exactly(&a, cmd, argc, argv, 2, "expected two networks");
	if (r)
		return r;
	if (vsl_net_network_connect(ctx->store, a.argv[0], a.argv[1], on, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}

static int net_connect(struct vsl_ctx *ctx, int argc, char **argv)
{
	return net_link(ctx, &net_connect_cmd, argc, argv, true);
}

static int net_disconnect(struct vsl_ctx *ctx, int argc, char **argv)
{
	return net_link(ctx, &net_disconnect_cmd, argc, argv, false);
}

static int net_rm(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_args a;
	struct vsl_err err;
	int r;

	r = vsl_args_exactly(&a, &net_rm_cmd, argc, argv, 1, "expected one NAME");
	if (r)
		return r;
	if (vsl_network_remove(ctx, a.argv[0], &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}

static const struct vsl_cmd net_create_cmd = {
	.name = "create",
	.parent = "network",
	.run = net_create,
	.summary = "create a network: a bridge with its subnets, up when a container joins",
	.args = "NAME --subnet CIDR [--subnet6 CIDR] [--connect NET]...",
	.opts = create_opts,
};

static const struct vsl_cmd net_connect_cmd = {
	.name = "connect",
	.parent = "network",
	.run = net_connect,
	.summary = "let two networks' containers reach each other, both ways, until disconnected",
	.args = "NET1 NET2",
};

static const struct vsl_cmd net_disconnect_cmd = {
	.name = "disconnect",
	.parent = "network",
	.run = net_disconnect,
	.summary = "isolate two connected networks from each other again",
	.args = "NET1 NET2",
};

static const struct vsl_cmd net_list_cmd = {
	.name = "list",
	.alias = "ls",
	.parent = "network",
	.run = net_list,
	.summary = "list the networks, their subnets, containers and connections",
	.opts = list_opts,
};

static const struct vsl_cmd net_rm_cmd = {
	.name = "rm",
	.parent = "network",
	.run = net_rm,
	.summary = "remove a network no container uses, its connections and stale leases",
	.args = "NAME",
};

static const struct vsl_cmd *const verbs[] = { &net_create_cmd, &net_connect_cmd,
					       &net_disconnect_cmd, &net_list_cmd, &net_rm_cmd,
					       NULL };

static int network_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	return vsl_cmd_run_verb(ctx, &vsl_cmd_network, argc, argv);
}

const struct vsl_cmd vsl_cmd_network = {
	.name = "network",
	.run = network_run,
	.summary = "create, connect, list or remove networks (bridge + subnets)",
	.details = "Containers join a network with the vessel.net.bridge annotation. Networks "
		   "are isolated\nfrom each other unless connected (docs/network.md).",
	.verbs = verbs,
	.flags = VSL_CMD_USES_STORE,
};
