/* nftables plumbing for netns/ (nft.c, nft_set.c): a batch of nf_tables messages, the table
 * and its chains, expression and match builders for rules in table "vessel" (inet), sets and
 * maps with their elements, listing vessel's rules with the owner comment each carries
 * ("vessel masq BRIDGE [hairpin|localhost]", "vessel base ...") and deleting them by owner.
 * fw.c builds the table's fixed layout from these, fw_net.c a network's part, nat.c a
 * container's port forwards. */
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
#define VSL_NFT_MSG_ROOM 1024	/* generous bound for one table/chain/rule/element message */

/* A NETLINK_NETFILTER socket in the caller's namespace. */
int vsl_nft_open(struct vsl_nl *nl, struct vsl_err *err);

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
/* Table "vessel" and a base chain of type ("nat", "filter") on hook at prio (NLM_F_CREATE
 * without EXCL: existing ones are fine). */
void vsl_nft_add_table(struct vsl_nft_batch *b);
void vsl_nft_add_chain(struct vsl_nft_batch *b, const char *name, const char *type,
		       unsigned hook, int prio);

/* Rules: a new rule in chain with its owner comment; expressions append to it; rule_add
 * puts it into the batch (appended to the chain) and frees it. Register 1 is the scratch
 * unless a _to variant names another. */
struct nftnl_rule *vsl_nft_rule_new(const char *chain, const char *comment);
void vsl_nft_rule_add(struct vsl_nft_batch *b, struct nftnl_rule *r);
void vsl_nft_expr(struct nftnl_rule *r, struct nftnl_expr *e);
void vsl_nft_meta(struct nftnl_rule *r, uint32_t key);
void vsl_nft_meta_to(struct nftnl_rule *r, uint32_t key, uint32_t reg);
void vsl_nft_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len);
void vsl_nft_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len);
void vsl_nft_payload_to(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len,
			uint32_t reg);
void vsl_nft_mask(struct nftnl_rule *r, const void *mask, uint32_t len);
void vsl_nft_imm(struct nftnl_rule *r, uint32_t reg, const void *data, uint32_t len);
void vsl_nft_verdict(struct nftnl_rule *r, int verdict);	/* NF_ACCEPT, NF_DROP */
void vsl_nft_match_family(struct nftnl_rule *r, int family);	/* meta nfproto */
/* ip saddr/daddr (or ip6) in net */
void vsl_nft_match_addr(struct nftnl_rule *r, const struct vsl_cidr *net, bool src);
void vsl_nft_match_oifname(struct nftnl_rule *r, uint32_t op, const char *ifname);
void vsl_nft_match_local_daddr(struct nftnl_rule *r);	/* fib daddr type local */
void vsl_nft_match_ct_dnat(struct nftnl_rule *r);	/* ct status dnat */

/* ---- sets and maps (nft_set.c) ---- */

/* nft's type ids (its datatype.h), so that `nft list` prints keys and values readably;
 * a concatenation is (first << 6) | second. */
#define VSL_NFT_TYPE_IPADDR 7
#define VSL_NFT_TYPE_IP6ADDR 8
#define VSL_NFT_TYPE_INET_PROTO 12
#define VSL_NFT_TYPE_INET_SERVICE 13
#define VSL_NFT_TYPE_IFNAME 41
#define VSL_NFT_CONCAT(a, b) (((a) << 6) | (b))

struct vsl_nft_set_spec {
	const char *name;
	uint32_t id;			/* lets rules in the same batch refer to it */
	uint32_t key_type, key_len;
	uint32_t data_type, data_len;	/* data_len 0: a set, else a map */
};
/* NEWSET (NLM_F_CREATE | flags: NLM_F_EXCL makes an existing one fail with EEXIST). */
void vsl_nft_add_set(struct vsl_nft_batch *b, const struct vsl_nft_set_spec *spec,
		     uint16_t flags);

struct vsl_nft_elem {
	const char *set;
	const void *key;
	uint32_t klen;
	const void *data;		/* maps only */
	uint32_t dlen;
	const char *comment;		/* NULL: none */
};
/* NFT_MSG_NEWSETELEM (flags NLM_F_EXCL: fail if the key exists) or NFT_MSG_DELSETELEM. */
void vsl_nft_elem(struct vsl_nft_batch *b, uint16_t type, uint16_t flags,
		  const struct vsl_nft_elem *el);
/* One element by key: 0 and its comment (comment may be NULL), or -ENOENT (err untouched)
 * when the element, the set or the table does not exist. */
int vsl_nft_elem_get(struct vsl_nl *nl, const char *set, const void *key, uint32_t klen,
		     char comment[NFTNL_UDATA_COMMENT_MAXLEN], struct vsl_err *err);
/* Every element of a set (none if it does not exist): *n, and their comments (malloc'd)
 * if comments is not NULL. For counts and checks outside the per-container path. */
int vsl_nft_elem_list(struct vsl_nl *nl, const char *set,
		      char (**comments)[NFTNL_UDATA_COMMENT_MAXLEN], size_t *n,
		      struct vsl_err *err);
/* 1 if the set exists, 0 if it (or the table) does not. */
int vsl_nft_set_exists(struct vsl_nl *nl, const char *set, struct vsl_err *err);
/* lookup: sreg's key in set (dreg >= 0: a map, its value into dreg); invert: not in set. */
void vsl_nft_lookup(struct nftnl_rule *r, const char *set, uint32_t set_id, uint32_t sreg,
		    int dreg, bool invert);

/* ---- vessel's rules by owner ---- */

/* Every rule of table vessel (none if there is no table); d->v is malloc'd. */
int vsl_nft_list(struct vsl_nl *nl, struct vsl_nft_rules *d, struct vsl_err *err);
/* Split a comment into at most 6 words (in place in copy). */
size_t vsl_nft_words(const char *comment, char *copy, size_t len, char *w[6]);
/* Does the rule's comment say "vessel KIND BRIDGE ..." (NULL matches anything)? */
bool vsl_nft_owned_by(const struct vsl_nft_rule *o, const char *kind, const char *bridge);
void vsl_nft_del_rule(struct vsl_nft_batch *b, const struct vsl_nft_rule *o);
int vsl_nft_delete_rules(struct vsl_nl *nl, const char *kind, const char *bridge,
			 struct vsl_err *err);

#endif
