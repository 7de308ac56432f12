/* NAT policy in table "vessel": per network, masquerade of its subnets (and hairpin);
 * per container, DNAT of host ports on the host's own addresses to the container. Rules are
 * built with nft.c and carry owner comments, so removal takes exactly what was added. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "netns/internal.h"
#include "netns/nft.h"

/* ---- masquerade per network ---- */

static void add_masq(struct vsl_nft_batch *b, const char *bridge, const struct vsl_cidr *net)
{
	char c[NFTNL_UDATA_COMMENT_MAXLEN];
	struct nftnl_rule *r;
	struct nftnl_expr *e;
	uint32_t dnat = IPS_DST_NAT, zero = 0;

	snprintf(c, sizeof(c), "vessel masq %s", bridge);
	r = vsl_nft_rule_new("postrouting", c);
	vsl_nft_match_family(r, net->ip.family);
	vsl_nft_match_addr(r, net, true);
	vsl_nft_match_oifname(r, NFT_CMP_NEQ, bridge);
	vsl_nft_expr(r, nftnl_expr_alloc("masq"));
	vsl_nft_rule_add(b, r);

	snprintf(c, sizeof(c), "vessel masq %s hairpin", bridge);
	r = vsl_nft_rule_new("postrouting", c);
	vsl_nft_match_family(r, net->ip.family);
	vsl_nft_match_addr(r, net, true);
	vsl_nft_match_oifname(r, NFT_CMP_EQ, bridge);
	e = nftnl_expr_alloc("ct");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATUS);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	vsl_nft_expr(r, e);
	vsl_nft_mask(r, &dnat, sizeof(dnat));
	vsl_nft_cmp(r, NFT_CMP_NEQ, &zero, sizeof(zero));
	vsl_nft_expr(r, nftnl_expr_alloc("masq"));
	vsl_nft_rule_add(b, r);
}

/* NAT needs IPv4 forwarding; turn it on only if it is off, and say so. IPv6 forwarding is
 * left alone: switching it on makes the host ignore router advertisements. */
static int ensure_forwarding(const char *bridge, const struct vsl_log *log, struct vsl_err *err)
{
	static const char *const path = "/proc/sys/net/ipv4/ip_forward";
	cleanup_free char *v = NULL;
	size_t len;
	int r;

	r = vsl_read_file(path, &v, &len, err);
	if (r < 0)
		return r;
	if (v[0] != '0')
		return 0;
	r = vsl_write_file(path, "1", 1, err);
	if (r < 0)
		return vsl_wrap(err, "network %s: enable IPv4 forwarding for NAT", bridge);
	if (log)
		vsl_log(log, VSL_LOG_INFO, "network %s: enabled net.ipv4.ip_forward for NAT", bridge);
	return 0;
}

int vsl_nat_masq_ensure(struct vsl_nl *nl, const struct vsl_network *nw,
			const struct vsl_log *log, struct vsl_err *err)
{
	struct vsl_nft_rules d;
	struct vsl_nft_batch b;
	bool have = false;
	int r;

	r = vsl_nft_list(nl, &d, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < d.n && !have; i++)
		have = vsl_nft_owned_by(&d.v[i], "masq", nw->name, NULL);
	free(d.v);
	if (!have) {
		vsl_nft_batch_init(&b, nl, 8);
		vsl_nft_add_base(&b);
		add_masq(&b, nw->name, &nw->subnet);
		if (nw->has6)
			add_masq(&b, nw->name, &nw->subnet6);
		r = vsl_nft_batch_send(&b);
		if (r < 0)
			return vsl_nl_fail(nl, err, r, "network %s: nftables masquerade rules",
					   nw->name);
	}
	return ensure_forwarding(nw->name, log, err);
}

int vsl_nat_masq_remove(struct vsl_nl *nl, const char *bridge, struct vsl_err *err)
{
	return vsl_nft_delete_rules(nl, "masq", bridge, NULL, err);
}

/* ---- port forwards per container ---- */

static void add_dnat(struct vsl_nft_batch *b, const char *chain, const char *comment,
		     const struct vsl_port *p, const struct vsl_ip *to)
{
	struct nftnl_rule *r = vsl_nft_rule_new(chain, comment);
	struct nftnl_expr *e;
	uint32_t local = RTN_LOCAL;
	uint16_t hport = htons(p->host), cport = htons(p->container);

	vsl_nft_match_family(r, to->family);
	/* only to this host's own addresses: the host's outgoing connections stay untouched */
	e = nftnl_expr_alloc("fib");
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	vsl_nft_expr(r, e);
	vsl_nft_cmp(r, NFT_CMP_EQ, &local, sizeof(local));
	vsl_nft_meta(r, NFT_META_L4PROTO);
	vsl_nft_cmp(r, NFT_CMP_EQ, &p->proto, 1);
	vsl_nft_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	vsl_nft_cmp(r, NFT_CMP_EQ, &hport, sizeof(hport));
	vsl_nft_imm(r, NFT_REG_1, to->a, to->family == AF_INET ? 4 : 16);
	vsl_nft_imm(r, NFT_REG_2, &cport, sizeof(cport));
	e = nftnl_expr_alloc("nat");
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY,
			   to->family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
	vsl_nft_expr(r, e);
	vsl_nft_rule_add(b, r);
}

/* From one listing: refuse a host port/protocol forwarded to another container, and queue
 * the deletion of this container's own stale rules (an earlier attempt) into b. */
static int check_ports(struct vsl_nft_batch *b, const struct vsl_nft_rules *d, const char *veth,
		       const struct vsl_port *ports, size_t n, struct vsl_err *err)
{
	char pp[32], copy[NFTNL_UDATA_COMMENT_MAXLEN], *w[6];

	for (size_t i = 0; i < d->n; i++) {
		size_t k;

		if (!vsl_nft_owned_by(&d->v[i], "port", NULL, NULL))
			continue;
		k = vsl_nft_words(d->v[i].comment, copy, sizeof(copy), w);
		if (k >= 4 && strcmp(w[3], veth) == 0) {
			vsl_nft_del_rule(b, &d->v[i]);
			continue;
		}
		for (size_t j = 0; j < n && k >= 5; j++) {
			snprintf(pp, sizeof(pp), "%u/%s", ports[j].host,
				 vsl_proto_name(ports[j].proto));
			if (strcmp(w[4], pp) == 0)
				return vsl_fail(err, EADDRINUSE, "port %s is already forwarded to "
						"container %s", pp, k >= 6 ? w[5] : w[3]);
		}
	}
	return 0;
}

int vsl_nat_ports_add(struct vsl_nl *nl, const char *bridge, const char *id,
		      const struct vsl_port *ports, size_t n, const struct vsl_ip *addr4,
		      const struct vsl_ip *addr6, struct vsl_err *err)
{
	static const char *const chains[] = { "prerouting", "output" };
	char veth[VSL_IFNAMSIZ], c[NFTNL_UDATA_COMMENT_MAXLEN];
	const struct vsl_ip *to[2] = { addr4, addr6 };
	struct vsl_nft_rules d;
	struct vsl_nft_batch b;
	int r;

	if (n == 0)
		return 0;
	vsl_net_veth_name(id, veth);
	r = vsl_nft_list(nl, &d, err);
	if (r < 0)
		return r;
	/* The chains exist: vsl_nat_masq_ensure made them. Re-sending a base chain would
	 * re-register its hook, which costs ~15 ms per transaction. */
	vsl_nft_batch_init(&b, nl, d.n + n * 4);
	r = check_ports(&b, &d, veth, ports, n, err);
	free(d.v);
	if (r < 0) {
		free(b.buf);
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(c, sizeof(c), "vessel port %s %s %u/%s %s", bridge, veth, ports[i].host,
			 vsl_proto_name(ports[i].proto), id);
		for (size_t f = 0; f < 2; f++)
			for (size_t k = 0; k < 2 && to[f]; k++)
				add_dnat(&b, chains[k], c, &ports[i], to[f]);
	}
	r = vsl_nft_batch_send(&b);
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "container %s: nftables port rules", id);
	return 0;
}

int vsl_nat_ports_remove(struct vsl_nl *nl, const char *bridge, const char *id,
			 struct vsl_err *err)
{
	char veth[VSL_IFNAMSIZ];

	vsl_net_veth_name(id, veth);
	return vsl_nft_delete_rules(nl, "port", bridge, veth, err);
}
