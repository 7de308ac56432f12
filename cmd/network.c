/* vessel network create|list|rm: the networks (bridge + subnets) containers join through
 * the vessel.net.bridge annotation. Records live under <store>/net (netns/net.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "netns/net.h"

static int net_create(struct vsl_ctx *ctx, const struct vsl_cmd *cmd, int argc, char **argv)
{
	static const struct option opts[] = { { "subnet", required_argument, NULL, 's' },
					      { "subnet6", required_argument, NULL, '6' },
					      { NULL, 0, NULL, 0 } };
	const char *subnet = NULL, *subnet6 = NULL;
	struct vsl_err err;
	int c;

	optind = 0;	/* a fresh scan: argv starts at the verb */
	while ((c = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
		if (c == 's')
			subnet = optarg;
		else if (c == '6')
			subnet6 = optarg;
		else
			return vsl_cmd_usage_error(cmd, "create: unknown option");
	}
	if (optind + 1 != argc)
		return vsl_cmd_usage_error(cmd, "create: expected one NAME");
	if (!subnet)
		return vsl_cmd_usage_error(cmd, "create: --subnet CIDR is required");
	if (vsl_net_network_create(ctx->store, argv[optind], subnet, subnet6, &err) < 0)
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
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	yajl_gen_get_buf(g, &buf, &len);
	printf("%.*s\n", (int)len, buf);
	yajl_gen_free(g);
}

static int net_list(struct vsl_ctx *ctx, const struct vsl_cmd *cmd, int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
					      { NULL, 0, NULL, 0 } };
	cleanup_free struct vsl_network *v = NULL;
	char s[VSL_CIDR_STRLEN], s6[VSL_CIDR_STRLEN];
	bool json = false;
	struct vsl_err err;
	size_t n = 0;
	int c;

	optind = 0;	/* a fresh scan: argv starts at the verb */
	while ((c = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (c == 'f' && (!strcmp(optarg, "table") || !strcmp(optarg, "json")))
			json = !strcmp(optarg, "json");
		else
			return vsl_cmd_usage_error(cmd, "list: expected --format table|json");
	}
	if (optind != argc)
		return vsl_cmd_usage_error(cmd, "list: takes no arguments");
	if (vsl_net_network_list(ctx->store, &v, &n, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	if (json) {
		print_json(v, n);
		return 0;
	}
	printf("%-16s %-20s %-24s %-10s %s\n", "NAME", "SUBNET", "SUBNET6", "CONTAINERS", "BRIDGE");
	for (size_t i = 0; i < n; i++)
		printf("%-16s %-20s %-24s %-10zu %s\n", v[i].name, vsl_cidr_str(&v[i].subnet, s),
		       v[i].has6 ? vsl_cidr_str(&v[i].subnet6, s6) : "-", v[i].leases,
		       v[i].present ? "up" : "absent");
	return 0;
}

int vsl_cmd_network(struct vsl_ctx *ctx, int argc, char **argv)
{
	const struct vsl_cmd *cmd = vsl_cmd_find("network");
	struct vsl_err err;

	if (argc < 2)
		return vsl_cmd_usage_error(cmd, "expected create, list or rm");
	/* the verb's options start after it */
	if (!strcmp(argv[1], "create"))
		return net_create(ctx, cmd, argc - 1, argv + 1);
	if (!strcmp(argv[1], "list") || !strcmp(argv[1], "ls"))
		return net_list(ctx, cmd, argc - 1, argv + 1);
	if (!strcmp(argv[1], "rm")) {
		if (argc != 3)
			return vsl_cmd_usage_error(cmd, "rm: expected one NAME");
		if (vsl_net_network_rm(ctx->store, argv[2], &err) < 0)
			return vsl_cmd_fail(ctx, &err);
		return 0;
	}
	return vsl_cmd_usage_error(cmd, "unknown verb %s (expected create, list or rm)", argv[1]);
}
