/* A network's part of vessel's table (fw.c has the fixed part): its bridge in @nets, its
 * pairs in @links (itself, and every network it is connected to, both ways), and its
 * masquerade rules in postrouting:
 *
 *   ip saddr SUBNET oifname != @nets masquerade        "vessel masq NAME"
 *   ip saddr SUBNET oifname NAME ct status dnat masquerade   "vessel masq NAME hairpin"
 *   ip saddr 127.0.0.0/8 oifname NAME masquerade        "vessel masq NAME localhost"
 *
 * (and the first two for the IPv6 subnet). Traffic to another vessel network is not
 * masqueraded: it is either dropped (isolation) or allowed as it is (connected networks,
 * port forwards). A network is installed in one transaction at its first attach after the
 * table was made, found by one element lookup afterwards. */
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "netns/internal.h"
#include "netns/nft.h"

struct ifkey {
	char a[VSL_IFNAMSIZ], b[VSL_IFNAMSIZ];
};

static struct ifkey ifkey(const char *a, const char *b)
{
	struct ifkey k;

	memset(&k, 0, sizeof(k));
	snprintf(k.a, sizeof(k.a), "%s", a);
	if (b)
		snprintf(k.b, sizeof(k.b), "%s", b);
	return k;
}

static void add_masq(struct vsl_nft_batch *b, const char *bridge, const struct vsl_cidr *net)
{
	struct vsl_cidr lo = { { AF_INET, { 127 } }, 8 };
	char c[NFTNL_UDATA_COMMENT_MAXLEN];
	struct nftnl_rule *r;

	snprintf(c, sizeof(c), "vessel masq %s", bridge);
	r = vsl_nft_rule_new("postrouting", c);
	vsl_nft_match_family(r, net->ip.family);
	vsl_nft_match_addr(r, net, true);
	vsl_nft_meta(r, NFT_META_OIFNAME);
	vsl_nft_lookup(r, VSL_FW_NETS, VSL_FW_NETS_ID, NFT_REG_1, -1, true);
	vsl_nft_expr(r, nftnl_expr_alloc("masq"));
	vsl_nft_rule_add(b, r);

	snprintf(c, sizeof(c), "vessel masq %s hairpin", bridge);
	r = vsl_nft_rule_new("postrouting", c);
	vsl_nft_match_family(r, net->ip.family);
	vsl_nft_match_addr(r, net, true);
	vsl_nft_match_oifname(r, NFT_CMP_EQ, bridge);
	vsl_nft_match_ct_dnat(r);
	vsl_nft_expr(r, nftnl_expr_alloc("masq"));
	vsl_nft_rule_add(b, r);

	if (net->ip.family != AF_INET)
		return;
	/* a port forward reached on 127.0.0.1: the reply must come back to the bridge */
	snprintf(c, sizeof(c), "vessel masq %s localhost", bridge);
	r = vsl_nft_rule_new("postrouting", c);
	vsl_nft_match_family(r, AF_INET);
	vsl_nft_match_addr(r, &lo, true);
	vsl_nft_match_oifname(r, NFT_CMP_EQ, bridge);
	vsl_nft_expr(r, nftnl_expr_alloc("masq"));
	vsl_nft_rule_add(b, r);
}

static void put_pair(struct vsl_nft_batch *b, uint16_t type, const char *x, const char *y)
{
	struct ifkey k = ifkey(x, y);
	struct vsl_nft_elem el = { VSL_FW_LINKS, &k, sizeof(k) };

	vsl_nft_elem(b, type, 0, &el);
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

static int install(struct vsl_nl *nl, const struct vsl_network *nw, struct vsl_err *err)
{
	struct ifkey k = ifkey(nw->name, NULL);
	struct vsl_nft_elem el = { VSL_FW_NETS, k.a, sizeof(k.a) };
	struct vsl_nft_batch b;
	int r;

	r = vsl_fw_base_ensure(nl, err);
	if (r < 0)
		return r;
	vsl_nft_batch_init(&b, nl, 8 + 2 * nw->nconnected);
	vsl_nft_elem(&b, NFT_MSG_NEWSETELEM, NLM_F_EXCL, &el);
	put_pair(&b, NFT_MSG_NEWSETELEM, nw->name, nw->name);
	for (size_t i = 0; i < nw->nconnected; i++) {
		put_pair(&b, NFT_MSG_NEWSETELEM, nw->name, nw->connected[i]);
		put_pair(&b, NFT_MSG_NEWSETELEM, nw->connected[i], nw->name);
	}
	add_masq(&b, nw->name, &nw->subnet);
	if (nw->has6)
		add_masq(&b, nw->name, &nw->subnet6);
	r = vsl_nft_batch_send(&b);
	if (r == -EEXIST)
		return 0;	/* installed by another vessel meanwhile */
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "network %s: nftables rules", nw->name);
	return 0;
}

int vsl_fw_network_ensure(struct vsl_nl *nl, const struct vsl_network *nw,
			  const struct vsl_log *log, struct vsl_err *err)
{
	struct ifkey k = ifkey(nw->name, NULL);
	int r = vsl_nft_elem_get(nl, VSL_FW_NETS, k.a, sizeof(k.a), NULL, err);

	if (r == -ENOENT)
		r = install(nl, nw, err);
	if (r < 0)
		return r;
	return ensure_forwarding(nw->name, log, err);
}

/* Queue the deletion of an element if it exists (deleting a missing one fails the batch). */
static int del_if_present(struct vsl_nl *nl, struct vsl_nft_batch *b, const char *set,
			  const void *key, uint32_t klen, size_t *k, struct vsl_err *err)
{
	struct vsl_nft_elem el = { set, key, klen };
	int r = vsl_nft_elem_get(nl, set, key, klen, NULL, err);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	vsl_nft_elem(b, NFT_MSG_DELSETELEM, 0, &el);
	(*k)++;
	return 0;
}

static int del_pairs(struct vsl_nl *nl, struct vsl_nft_batch *b, const char *x, const char *y,
		     size_t *k, struct vsl_err *err)
{
	struct ifkey xy = ifkey(x, y), yx = ifkey(y, x);
	int r = del_if_present(nl, b, VSL_FW_LINKS, &xy, sizeof(xy), k, err);

	if (r == 0 && strcmp(x, y) != 0)
		r = del_if_present(nl, b, VSL_FW_LINKS, &yx, sizeof(yx), k, err);
	return r;
}

static int send_if_any(struct vsl_nl *nl, struct vsl_nft_batch *b, size_t k, const char *what,
		       const char *name, struct vsl_err *err)
{
	int r;

	if (k == 0) {
		free(b->buf);
		return 0;
	}
	r = vsl_nft_batch_send(b);
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "network %s: nftables: %s", name, what);
	return 0;
}

int vsl_fw_network_remove(struct vsl_nl *nl, const struct vsl_network *nw,
			  struct vsl_err *err)
{
	struct ifkey key = ifkey(nw->name, NULL);
	struct vsl_nft_batch b;
	size_t k = 0;
	int r;

	r = vsl_nft_delete_rules(nl, "masq", nw->name, err);
	if (r < 0)
		return r;
	vsl_nft_batch_init(&b, nl, 4 + 2 * nw->nconnected);
	r = del_if_present(nl, &b, VSL_FW_NETS, key.a, sizeof(key.a), &k, err);
	if (r == 0)
		r = del_pairs(nl, &b, nw->name, nw->name, &k, err);
	for (size_t i = 0; r == 0 && i < nw->nconnected; i++)
		r = del_pairs(nl, &b, nw->name, nw->connected[i], &k, err);
	if (r < 0) {
		free(b.buf);
		return r;
	}
	return send_if_any(nl, &b, k, "remove its elements", nw->name, err);
}

int vsl_fw_link(struct vsl_nl *nl, const char *a, const char *b, bool on, struct vsl_err *err)
{
	struct vsl_nft_batch batch;
	size_t k = 0;
	int r;

	r = vsl_nft_set_exists(nl, VSL_FW_LINKS, err);
	if (r <= 0)
		return r;	/* no table yet: the first attach installs the links */
	vsl_nft_batch_init(&batch, nl, 2);
	if (on) {
		put_pair(&batch, NFT_MSG_NEWSETELEM, a, b);
		put_pair(&batch, NFT_MSG_NEWSETELEM, b, a);
		k = 2;
	} else if ((r = del_pairs(nl, &batch, a, b, &k, err)) < 0) {
		free(batch.buf);
		return r;
	}
	return send_if_any(nl, &batch, k, on ? "connect" : "disconnect", a, err);
}
