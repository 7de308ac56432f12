/* nftables plumbing over netlink (libnftnl builds the messages): batches, table and chains,
 * rule and expression builders, listing and deleting vessel's rules by their owner comment.
 * Sets are nft_set.c's; which rules and elements exist is fw.c's, fw_net.c's and nat.c's. */
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "netns/internal.h"
#include "netns/nft.h"

int vsl_nft_open(struct vsl_nl *nl, struct vsl_err *err)
{
	return vsl_nl_open(nl, NETLINK_NETFILTER, err);
}

/* ---- a batch of nf_tables messages in one buffer ---- */

void vsl_nft_batch_init(struct vsl_nft_batch *b, struct vsl_nl *nl, size_t nmsg)
{
	b->nl = nl;
	b->cap = (nmsg + 2) * VSL_NFT_MSG_ROOM;
	b->buf = xzalloc(b->cap);
	b->len = 0;
	b->full = false;
	nftnl_batch_begin(b->buf, vsl_nl_next_seq(nl));
	b->len += ((struct nlmsghdr *)b->buf)->nlmsg_len;
}

struct nlmsghdr *vsl_nft_batch_msg(struct vsl_nft_batch *b, uint16_t type, uint16_t flags)
{
	if (b->len + VSL_NFT_MSG_ROOM > b->cap) {
		b->full = true;
		b->len = 0;	/* overwrite: the batch fails in vsl_nft_batch_send anyway */
	}
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, NFPROTO_INET, flags | NLM_F_ACK,
				     vsl_nl_next_seq(b->nl));
}

void vsl_nft_batch_done(struct vsl_nft_batch *b, struct nlmsghdr *nlh)
{
	b->len += MNL_ALIGN(nlh->nlmsg_len);
}

int vsl_nft_batch_send(struct vsl_nft_batch *b)
{
	int r;

	if (b->full) {
		free(b->buf);
		return -EMSGSIZE;
	}
	nftnl_batch_end(b->buf + b->len, vsl_nl_next_seq(b->nl));
	b->len += ((struct nlmsghdr *)(b->buf + b->len))->nlmsg_len;
	r = vsl_nl_batch(b->nl, b->buf, b->len);
	free(b->buf);
	return r;
}

static void add_table(struct vsl_nft_batch *b)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh = vsl_nft_batch_msg(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, VSL_NFT_TABLE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	vsl_nft_batch_done(b, nlh);
	nftnl_table_free(t);
}

void vsl_nft_add_chain(struct vsl_nft_batch *b, const char *name, const char *type,
		       unsigned hook, int prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh = vsl_nft_batch_msg(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE);

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, VSL_NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	vsl_nft_batch_done(b, nlh);
	nftnl_chain_free(c);
}

void vsl_nft_add_table(struct vsl_nft_batch *b)
{
	add_table(b);
}

/* ---- expressions ---- */

void vsl_nft_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		abort();
	nftnl_rule_add_expr(r, e);
}

void vsl_nft_meta_to(struct nftnl_rule *r, uint32_t key, uint32_t reg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg);
	vsl_nft_expr(r, e);
}

void vsl_nft_meta(struct nftnl_rule *r, uint32_t key)
{
	vsl_nft_meta_to(r, key, NFT_REG_1);
}

void vsl_nft_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	vsl_nft_expr(r, e);
}

void vsl_nft_payload_to(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len,
			uint32_t reg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
	vsl_nft_expr(r, e);
}

void vsl_nft_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len)
{
	vsl_nft_payload_to(r, base, off, len, NFT_REG_1);
}

void vsl_nft_mask(struct nftnl_rule *r, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");

	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	vsl_nft_expr(r, e);
}

void vsl_nft_imm(struct nftnl_rule *r, uint32_t reg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
	vsl_nft_expr(r, e);
}

void vsl_nft_verdict(struct nftnl_rule *r, int verdict)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	vsl_nft_expr(r, e);
}

/* fib daddr type local: addressed to one of this host's own addresses (127.0.0.1 too) */
void vsl_nft_match_local_daddr(struct nftnl_rule *r)
{
	struct nftnl_expr *e = nftnl_expr_alloc("fib");
	uint32_t local = RTN_LOCAL;

	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	vsl_nft_expr(r, e);
	vsl_nft_cmp(r, NFT_CMP_EQ, &local, sizeof(local));
}

/* ct status dnat: the connection was port-forwarded (a DNAT rule chose its destination) */
void vsl_nft_match_ct_dnat(struct nftnl_rule *r)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");
	uint32_t dnat = IPS_DST_NAT, zero = 0;

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATUS);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	vsl_nft_expr(r, e);
	vsl_nft_mask(r, &dnat, sizeof(dnat));
	vsl_nft_cmp(r, NFT_CMP_NEQ, &zero, sizeof(zero));
}

/* meta nfproto == family */
void vsl_nft_match_family(struct nftnl_rule *r, int family)
{
	uint8_t p = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

	vsl_nft_meta(r, NFT_META_NFPROTO);
	vsl_nft_cmp(r, NFT_CMP_EQ, &p, 1);
}

/* ip saddr / ip daddr (or ip6) in subnet */
void vsl_nft_match_addr(struct nftnl_rule *r, const struct vsl_cidr *net, bool src)
{
	bool v4 = net->ip.family == AF_INET;
	uint32_t len = v4 ? 4 : 16, off = v4 ? (src ? 12 : 16) : (src ? 8 : 24);
	uint8_t mask[16] = { 0 };

	for (unsigned i = 0; i < net->prefix; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	vsl_nft_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len);
	vsl_nft_mask(r, mask, len);
	vsl_nft_cmp(r, NFT_CMP_EQ, vsl_cidr_network(net).ip.a, len);
}

static void set_comment(struct nftnl_rule *r, const char *comment)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 8);
	char c[NFTNL_UDATA_COMMENT_MAXLEN];

	if (!ud)
		abort();
	snprintf(c, sizeof(c), "%s", comment);
	nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, c);
	nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
			    nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
}

struct nftnl_rule *vsl_nft_rule_new(const char *chain, const char *comment)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		abort();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, VSL_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	set_comment(r, comment);
	return r;
}

void vsl_nft_rule_add(struct vsl_nft_batch *b, struct nftnl_rule *r)
{
	struct nlmsghdr *nlh = vsl_nft_batch_msg(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);

	nftnl_rule_nlmsg_build_payload(nlh, r);
	vsl_nft_batch_done(b, nlh);
	nftnl_rule_free(r);
}

/* ---- listing: which of vessel's rules exist ---- */

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	char *out = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT)
		snprintf(out, NFTNL_UDATA_COMMENT_MAXLEN, "%.*s", (int)nftnl_udata_len(attr),
			 (const char *)nftnl_udata_get(attr));
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vsl_nft_rules *d = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct vsl_nft_rule o = { 0 };
	const void *ud;
	uint32_t len = 0;

	if (!r)
		abort();
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0) {
		snprintf(o.chain, sizeof(o.chain), "%s", nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
		o.handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
		ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
		if (ud)
			nftnl_udata_parse(ud, len, comment_cb, o.comment);
		d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
		d->v[d->n++] = o;
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

/* Every rule in table vessel (none if the table does not exist). */
int vsl_nft_list(struct vsl_nl *nl, struct vsl_nft_rules *d, struct vsl_err *err)
{
	char buf[VSL_NFT_MSG_ROOM] __attribute__((aligned(8)));
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	int ret;

	memset(d, 0, sizeof(*d));
	if (!r)
		abort();
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP, 0);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, VSL_NFT_TABLE);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	ret = vsl_nl_talk_msg(nl, nlh, rule_cb, d);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0) {
		free(d->v);
		d->v = NULL;
		return vsl_nl_fail(nl, err, ret, "nftables table %s: list rules", VSL_NFT_TABLE);
	}
	return 0;
}

/* Split a comment into at most 6 space-separated words (in place in copy). */
size_t vsl_nft_words(const char *comment, char *copy, size_t len, char *w[6])
{
	size_t n = 0;
	char *save = NULL;

	snprintf(copy, len, "%s", comment);
	for (char *t = strtok_r(copy, " ", &save); t && n < 6; t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	return n;
}

/* Does the rule's comment say "vessel KIND BRIDGE ..." (NULL matches anything)? */
bool vsl_nft_owned_by(const struct vsl_nft_rule *o, const char *kind, const char *bridge)
{
	char copy[NFTNL_UDATA_COMMENT_MAXLEN], *w[6];
	size_t n = vsl_nft_words(o->comment, copy, sizeof(copy), w);

	if (n < 3 || strcmp(w[0], "vessel") != 0)
		return false;
	return (!kind || strcmp(w[1], kind) == 0) && (!bridge || strcmp(w[2], bridge) == 0);
}

void vsl_nft_del_rule(struct vsl_nft_batch *b, const struct vsl_nft_rule *o)
{
	struct nftnl_rule *rule = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!rule)
		abort();
	nftnl_rule_set_str(rule, NFTNL_RULE_TABLE, VSL_NFT_TABLE);
	nftnl_rule_set_str(rule, NFTNL_RULE_CHAIN, o->chain);
	nftnl_rule_set_u64(rule, NFTNL_RULE_HANDLE, o->handle);
	nlh = vsl_nft_batch_msg(b, NFT_MSG_DELRULE, 0);
	nftnl_rule_nlmsg_build_payload(nlh, rule);
	vsl_nft_batch_done(b, nlh);
	nftnl_rule_free(rule);
}

int vsl_nft_delete_rules(struct vsl_nl *nl, const char *kind, const char *bridge,
			 struct vsl_err *err)
{
	struct vsl_nft_rules d;
	struct vsl_nft_batch b;
	size_t k = 0;
	int r;

	r = vsl_nft_list(nl, &d, err);
	if (r < 0)
		return r;
	vsl_nft_batch_init(&b, nl, d.n);
	for (size_t i = 0; i < d.n; i++) {
		if (!vsl_nft_owned_by(&d.v[i], kind, bridge))
			continue;
		vsl_nft_del_rule(&b, &d.v[i]);
		k++;
	}
	free(d.v);
	if (k == 0) {
		free(b.buf);
		return 0;
	}
	r = vsl_nft_batch_send(&b);
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "nftables: delete %s rules of %s", kind, bridge);
	return 0;
}

void vsl_nft_match_oifname(struct nftnl_rule *r, uint32_t op, const char *ifname)
{
	char name[VSL_IFNAMSIZ] = { 0 };

	snprintf(name, sizeof(name), "%s", ifname);
	vsl_nft_meta(r, NFT_META_OIFNAME);
	vsl_nft_cmp(r, op, name, sizeof(name));
}

