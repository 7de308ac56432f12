/* nftables sets and maps over netlink (libnftnl builds the messages): creating a set,
 * adding and deleting one element, looking one element up, listing a set, and the lookup
 * expression rules use. Per-container state lives in elements, so a create or delete changes
 * a few elements and never lists or rewrites the ruleset. */
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/set.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "netns/nft.h"

static struct nftnl_set *set_alloc(const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		abort();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, VSL_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	return s;
}

void vsl_nft_add_set(struct vsl_nft_batch *b, const struct vsl_nft_set_spec *spec,
		     uint16_t flags)
{
	struct nftnl_set *s = set_alloc(spec->name);
	struct nlmsghdr *nlh;

	nftnl_set_set_u32(s, NFTNL_SET_ID, spec->id);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, spec->key_type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, spec->key_len);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, spec->data_len ? NFT_SET_MAP : 0);
	if (spec->data_len) {
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, spec->data_type);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, spec->data_len);
	}
	nlh = vsl_nft_batch_msg(b, NFT_MSG_NEWSET, NLM_F_CREATE | flags);
	nftnl_set_nlmsg_build_payload(nlh, s);
	vsl_nft_batch_done(b, nlh);
	nftnl_set_free(s);
}

static void elem_comment(struct nftnl_set_elem *e, const char *comment)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 8);
	char c[NFTNL_UDATA_COMMENT_MAXLEN];

	if (!ud)
		abort();
	snprintf(c, sizeof(c), "%s", comment);
	nftnl_udata_put_strz(ud, NFTNL_UDATA_SET_ELEM_COMMENT, c);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(ud),
			   nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
}

static struct nftnl_set *set_with_elem(const struct vsl_nft_elem *el)
{
	struct nftnl_set *s = set_alloc(el->set);
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!e)
		abort();
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, el->key, el->klen);
	if (el->dlen)
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, el->data, el->dlen);
	if (el->comment)
		elem_comment(e, el->comment);
	nftnl_set_elem_add(s, e);
	return s;
}

void vsl_nft_elem(struct vsl_nft_batch *b, uint16_t type, uint16_t flags,
		  const struct vsl_nft_elem *el)
{
	struct nftnl_set *s = set_with_elem(el);
	struct nlmsghdr *nlh;

	nlh = vsl_nft_batch_msg(b, type, (type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0) | flags);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	vsl_nft_batch_done(b, nlh);
	nftnl_set_free(s);
}

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	char *out = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_SET_ELEM_COMMENT)
		snprintf(out, NFTNL_UDATA_COMMENT_MAXLEN, "%.*s", (int)nftnl_udata_len(attr),
			 (const char *)nftnl_udata_get(attr));
	return 0;
}

struct elems {
	char (*comments)[NFTNL_UDATA_COMMENT_MAXLEN];
	size_t n;
};

/* Every element of one NEWSETELEM message: its comment (or ""). */
static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	struct elems *d = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;

	if (!s)
		abort();
	if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0 && (it = nftnl_set_elems_iter_create(s))) {
		while ((e = nftnl_set_elems_iter_next(it))) {
			uint32_t len = 0;
			const void *ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);

			d->comments = xrealloc(d->comments, (d->n + 1) * sizeof(*d->comments));
			d->comments[d->n][0] = '\0';
			if (ud)
				nftnl_udata_parse(ud, len, comment_cb, d->comments[d->n]);
			d->n++;
		}
		nftnl_set_elems_iter_destroy(it);
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

int vsl_nft_elem_get(struct vsl_nl *nl, const char *set, const void *key, uint32_t klen,
		     char comment[NFTNL_UDATA_COMMENT_MAXLEN], struct vsl_err *err)
{
	char buf[VSL_NFT_MSG_ROOM] __attribute__((aligned(8)));
	struct vsl_nft_elem el = { .set = set, .key = key, .klen = klen };
	struct nftnl_set *s = set_with_elem(&el);
	struct elems d = { 0 };
	struct nlmsghdr *nlh;
	int r;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_ACK, 0);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	r = vsl_nl_talk_msg(nl, nlh, elems_cb, &d);
	if (r == 0 && d.n == 0)
		r = -ENOENT;
	if (r == 0 && comment)
		snprintf(comment, NFTNL_UDATA_COMMENT_MAXLEN, "%s", d.comments[0]);
	free(d.comments);
	if (r == -ENOENT)
		return r;	/* no such element, set or table */
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "nftables set %s: look up an element", set);
	return 0;
}

int vsl_nft_elem_list(struct vsl_nl *nl, const char *set,
		      char (**comments)[NFTNL_UDATA_COMMENT_MAXLEN], size_t *n, struct vsl_err *err)
{
	char buf[VSL_NFT_MSG_ROOM] __attribute__((aligned(8)));
	struct nftnl_set *s = set_alloc(set);
	struct elems d = { 0 };
	struct nlmsghdr *nlh;
	int r;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP, 0);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	r = vsl_nl_talk_msg(nl, nlh, elems_cb, &d);
	if (r == -ENOENT)
		r = 0;	/* no table or set: no element */
	if (r < 0) {
		free(d.comments);
		return vsl_nl_fail(nl, err, r, "nftables set %s: list elements", set);
	}
	if (comments)
		*comments = d.comments;
	else
		free(d.comments);
	*n = d.n;
	return 0;
}

int vsl_nft_set_exists(struct vsl_nl *nl, const char *set, struct vsl_err *err)
{
	char buf[VSL_NFT_MSG_ROOM] __attribute__((aligned(8)));
	struct nftnl_set *s = set_alloc(set);
	struct nlmsghdr *nlh;
	int r;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_INET, NLM_F_ACK, 0);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	r = vsl_nl_talk_msg(nl, nlh, NULL, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "nftables set %s: look up", set);
	return 1;
}

void vsl_nft_lookup(struct nftnl_rule *r, const char *set, uint32_t set_id, uint32_t sreg,
		    int dreg, bool invert)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	if (dreg >= 0)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, (uint32_t)dreg);
	if (invert)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	vsl_nft_expr(r, e);
}
