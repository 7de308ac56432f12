/* nftables plumbing for netns/ (nft.c): a batch of nf_tables messages, expression and match
 * builders for rules in table "vessel" (inet), listing vessel's rules with the owner comment
 * each carries ("vessel masq BRIDGE [hairpin]", "vessel port BRIDGE VETH HPORT/PROTO ID"),
 * deleting them by owner. nat.c builds the NAT rules from these. */
#ifndef VSL_NETNS_NFT_H
#define VSL_NETNS_NFT_H

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netns/ipam.h"
#include "netns/nl.h"

#define VSL_NFT_TABLE "vessel"
#define VSL_NFT_MSG_ROOM 1024	/* generous bound for one table/chain/rule message */

/* A batch in one buffer, room for nmsg messages; sending it frees it. */
struct vsl_nft_batch {
	struct vsl_nl *nl;
	char *buf;
	size_t cap, len;
	bool full;
};

struct vsl_nft_rule {
	char chain[32];
	uint64_t handle;
	char comment[NFTNL_UDATA_COMMENT_MAXLEN];
};

struct vsl_nft_rules {
	struct vsl_nft_rule *v;
	size_t n;
};

void vsl_nft_batch_init(struct vsl_nft_batch *b, struct vsl_nl *nl, size_t nmsg);
struct nlmsghdr *vsl_nft_batch_msg(struct vsl_nft_batch *b, uint16_t type, uint16_t flags);
void vsl_nft_batch_done(struct vsl_nft_batch *b, struct nlmsghdr *nlh);
int vsl_nft_batch_send(struct vsl_nft_batch *b);	/* 0 or the kernel's -errno */
/* Table and the nat chains prerouting, output, postrouting (existing ones are fine). */
void vsl_nft_add_base(struct vsl_nft_batch *b);

/* Rules: a new rule in chain with its owner comment; expressions append to it; rule_add
 * puts it into the batch (appended to the chain) and frees it. Register 1 is the scratch. */
struct nftnl_rule *vsl_nft_rule_new(const char *chain, const char *comment);
void vsl_nft_rule_add(struct vsl_nft_batch *b, struct nftnl_rule *r);
void vsl_nft_expr(struct nftnl_rule *r, struct nftnl_expr *e);
void vsl_nft_meta(struct nftnl_rule *r, uint32_t key);
void vsl_nft_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len);
void vsl_nft_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len);
void vsl_nft_mask(struct nftnl_rule *r, const void *mask, uint32_t len);
void vsl_nft_imm(struct nftnl_rule *r, uint32_t reg, const void *data, uint32_t len);
void vsl_nft_match_family(struct nftnl_rule *r, int family);	/* meta nfproto */
/* ip saddr/daddr (or ip6) in net */
void vsl_nft_match_addr(struct nftnl_rule *r, const struct vsl_cidr *net, bool src);
void vsl_nft_match_oifname(struct nftnl_rule *r, uint32_t op, const char *ifname);

/* Every rule of table vessel (none if there is no table); d->v is malloc'd. */
int vsl_nft_list(struct vsl_nl *nl, struct vsl_nft_rules *d, struct vsl_err *err);
/* Split a comment into at most 6 words (in place in copy). */
size_t vsl_nft_words(const char *comment, char *copy, size_t len, char *w[6]);
/* Does the rule's comment name this kind/bridge/veth (NULL: any)? */
bool vsl_nft_owned_by(const struct vsl_nft_rule *o, const char *kind, const char *bridge,
		      const char *veth);
void vsl_nft_del_rule(struct vsl_nft_batch *b, const struct vsl_nft_rule *o);
int vsl_nft_delete_rules(struct vsl_nl *nl, const char *kind, const char *bridge,
			 const char *veth, struct vsl_err *err);

#endif
