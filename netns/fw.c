/* The fixed part of vessel's nftables table "inet vessel", made in one transaction the first
 * time a network is used. Everything that changes per network or per container is an element
 * of its sets and maps (or a network's masquerade rules, fw_net.c), so that no create or
 * delete ever lists or rewrites rules. In nft's words:
 *
 *   set nets  { type ifname; }                  the bridge of every vessel network in use
 *   set links { type ifname . ifname; }         bridge pairs that may forward to each other:
 *                                               each network with itself, connected networks
 *   map fwd4  { type inet_proto . inet_service : ipv4_addr . inet_service; }   port forwards
 *   map fwd6  { type inet_proto . inet_service : ipv6_addr . inet_service; }
 *   chain prerouting { type nat hook prerouting priority dstnat;     (and chain output, -100)
 *     meta nfproto ipv4 fib daddr type local dnat ip to meta l4proto . th dport map @fwd4
 *     meta nfproto ipv6 fib daddr type local dnat ip6 to meta l4proto . th dport map @fwd6 }
 *   chain postrouting { type nat hook postrouting priority srcnat; }  (per network rules)
 *   chain forward { type filter hook forward priority filter;
 *     ct status dnat accept                      port forwards reach any network
 *     iifname . oifname @links accept            one network, or connected ones
 *     iifname @nets oifname @nets counter drop } any other pair of vessel networks
 *   chain guard { type filter hook prerouting priority -150;
 *     meta nfproto ipv4 iifname @nets ip daddr 127.0.0.0/8 counter drop
 *     meta nfproto ipv4 iifname @nets ip saddr 127.0.0.0/8 counter drop }
 *
 * guard is there because bridges carry route_localnet=1 (so that port forwards answer on the
 * host's 127.0.0.1, fw_net.c): without it a container could reach the host's loopback-only
 * services by sending to 127.0.0.1 through its bridge (CVE-2020-8558). It sits before the
 * NAT hooks, so the replies of masqueraded host connections (still addressed to the bridge
 * address there) pass. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/table.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "netns/internal.h"
#include "netns/nft.h"

static const struct vsl_nft_set_spec sets[] = {
	{ VSL_FW_NETS, VSL_FW_NETS_ID, VSL_NFT_TYPE_IFNAME, VSL_IFNAMSIZ, 0, 0 },
	{ VSL_FW_LINKS, VSL_FW_LINKS_ID,
	  VSL_NFT_CONCAT(VSL_NFT_TYPE_IFNAME, VSL_NFT_TYPE_IFNAME), 2 * VSL_IFNAMSIZ, 0, 0 },
	{ VSL_FW_FWD4, VSL_FW_FWD4_ID,
	  VSL_NFT_CONCAT(VSL_NFT_TYPE_INET_PROTO, VSL_NFT_TYPE_INET_SERVICE), 8,
	  VSL_NFT_CONCAT(VSL_NFT_TYPE_IPADDR, VSL_NFT_TYPE_INET_SERVICE), 8 },
	{ VSL_FW_FWD6, VSL_FW_FWD6_ID,
	  VSL_NFT_CONCAT(VSL_NFT_TYPE_INET_PROTO, VSL_NFT_TYPE_INET_SERVICE), 8,
	  VSL_NFT_CONCAT(VSL_NFT_TYPE_IP6ADDR, VSL_NFT_TYPE_INET_SERVICE), 20 },
};

/* DNAT through a port-forward map: the key is protocol . destination port (reg1 . reg9),
 * the value address . port lands in reg1 and the register after the address. */
static void add_dnat(struct vsl_nft_batch *b, const char *chain, int family)
{
	bool v4 = family == AF_INET;
	struct nftnl_rule *r = vsl_nft_rule_new(chain, v4 ? "vessel base dnat4" : "vessel base dnat6");
	struct nftnl_expr *e;

	vsl_nft_match_family(r, family);
	vsl_nft_match_local_daddr(r);
	vsl_nft_meta(r, NFT_META_L4PROTO);
	vsl_nft_payload_to(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_01);
	vsl_nft_lookup(r, v4 ? VSL_FW_FWD4 : VSL_FW_FWD6, v4 ? VSL_FW_FWD4_ID : VSL_FW_FWD6_ID,
		       NFT_REG_1, NFT_REG_1, false);
	e = nftnl_expr_alloc("nat");
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, v4 ? NFT_REG32_01 : NFT_REG_2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
	vsl_nft_expr(r, e);
	vsl_nft_rule_add(b, r);
}

static void add_forward(struct vsl_nft_batch *b)
{
	struct nftnl_rule *r;

	r = vsl_nft_rule_new("forward", "vessel base forwarded-port");
	vsl_nft_match_ct_dnat(r);
	vsl_nft_verdict(r, NF_ACCEPT);
	vsl_nft_rule_add(b, r);

	r = vsl_nft_rule_new("forward", "vessel base linked");
	vsl_nft_meta_to(r, NFT_META_IIFNAME, NFT_REG_1);
	vsl_nft_meta_to(r, NFT_META_OIFNAME, NFT_REG_2);
	vsl_nft_lookup(r, VSL_FW_LINKS, VSL_FW_LINKS_ID, NFT_REG_1, -1, false);
	vsl_nft_verdict(r, NF_ACCEPT);
	vsl_nft_rule_add(b, r);

	r = vsl_nft_rule_new("forward", "vessel base isolated");
	vsl_nft_meta(r, NFT_META_IIFNAME);
	vsl_nft_lookup(r, VSL_FW_NETS, VSL_FW_NETS_ID, NFT_REG_1, -1, false);
	vsl_nft_meta(r, NFT_META_OIFNAME);
	vsl_nft_lookup(r, VSL_FW_NETS, VSL_FW_NETS_ID, NFT_REG_1, -1, false);
	vsl_nft_expr(r, nftnl_expr_alloc("counter"));
	vsl_nft_verdict(r, NF_DROP);
	vsl_nft_rule_add(b, r);
}

static void add_guard(struct vsl_nft_batch *b, bool src)
{
	struct vsl_cidr lo = { { AF_INET, { 127 } }, 8 };
	struct nftnl_rule *r = vsl_nft_rule_new("guard", src ? "vessel base guard-saddr"
							     : "vessel base guard-daddr");

	vsl_nft_match_family(r, AF_INET);
	vsl_nft_meta(r, NFT_META_IIFNAME);
	vsl_nft_lookup(r, VSL_FW_NETS, VSL_FW_NETS_ID, NFT_REG_1, -1, false);
	vsl_nft_match_addr(r, &lo, src);
	vsl_nft_expr(r, nftnl_expr_alloc("counter"));
	vsl_nft_verdict(r, NF_DROP);
	vsl_nft_rule_add(b, r);
}

/* The whole fixed layout in one transaction. The nets set goes with NLM_F_EXCL: if another
 * vessel made the layout meanwhile, this one fails with EEXIST and changes nothing. */
static int make_base(struct vsl_nl *nl, struct vsl_err *err)
{
	struct vsl_nft_batch b;
	int r;

	vsl_nft_batch_init(&b, nl, 24);
	vsl_nft_add_table(&b);
	vsl_nft_add_chain(&b, "prerouting", "nat", NF_INET_PRE_ROUTING, -100);
	vsl_nft_add_chain(&b, "output", "nat", NF_INET_LOCAL_OUT, -100);
	vsl_nft_add_chain(&b, "postrouting", "nat", NF_INET_POST_ROUTING, 100);
	vsl_nft_add_chain(&b, "forward", "filter", NF_INET_FORWARD, 0);
	vsl_nft_add_chain(&b, "guard", "filter", NF_INET_PRE_ROUTING, -150);
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		vsl_nft_add_set(&b, &sets[i], i == 0 ? NLM_F_EXCL : 0);
	add_dnat(&b, "prerouting", AF_INET);
	add_dnat(&b, "prerouting", AF_INET6);
	add_dnat(&b, "output", AF_INET);
	add_dnat(&b, "output", AF_INET6);
	add_forward(&b);
	add_guard(&b, false);
	add_guard(&b, true);
	r = vsl_nft_batch_send(&b);
	if (r == -EEXIST)
		return 0;
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "nftables table %s: create", VSL_NFT_TABLE);
	return 0;
}

int vsl_fw_base_ensure(struct vsl_nl *nl, struct vsl_err *err)
{
	int r = vsl_nft_set_exists(nl, VSL_FW_NETS, err);

	if (r < 0)
		return r;
	return r == 1 ? 0 : make_base(nl, err);
}

int vsl_fw_drop_if_unused(struct vsl_nl *nl, struct vsl_err *err)
{
	struct vsl_nft_batch b;
	struct nftnl_table *t;
	struct nlmsghdr *nlh;
	size_t nets = 0, fwd = 0;
	int r;

	r = vsl_nft_elem_list(nl, VSL_FW_NETS, NULL, &nets, err);
	if (r == 0 && nets == 0)
		r = vsl_nft_elem_list(nl, VSL_FW_FWD4, NULL, &fwd, err);
	if (r < 0 || nets || fwd)
		return r;
	vsl_nft_batch_init(&b, nl, 1);
	t = nftnl_table_alloc();
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, VSL_NFT_TABLE);
	nlh = vsl_nft_batch_msg(&b, NFT_MSG_DELTABLE, 0);
	nftnl_table_nlmsg_build_payload(nlh, t);
	vsl_nft_batch_done(&b, nlh);
	nftnl_table_free(t);
	r = vsl_nft_batch_send(&b);
	if (r < 0 && r != -ENOENT)
		return vsl_nl_fail(nl, err, r, "nftables: delete table %s", VSL_NFT_TABLE);
	return 0;
}
