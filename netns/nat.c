/* nftables over netlink (libnftnl builds the messages): one table "vessel" (inet) with nat
 * chains prerouting and output (port forwards to containers) and postrouting (masquerade of
 * each network's subnet). Every rule carries a comment naming its owner,
 *   "vessel masq BRIDGE [hairpin]"  or  "vessel port BRIDGE VETH HPORT/PROTO ID",
 * so removal takes exactly the rules one network or one container added. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/rtnetlink.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "netns/internal.h"

#define TABLE "vessel"
#define MSG_ROOM 1024		/* generous bound for one table/chain/rule message */

int vsl_nat_open(struct vsl_nl *nl, struct vsl_err *err)
{
	return vsl_nl_open(nl, NETLINK_NETFILTER, err);
}

/* ---- a batch of nf_tables messages in one buffer ---- */

struct batch {
	struct vsl_nl *nl;
	char *buf;
	size_t cap, len;
	bool full;
};

static void batch_init(struct batch *b, struct vsl_nl *nl, size_t nmsg)
{
	b->nl = nl;
	b->cap = (nmsg + 2) * MSG_ROOM;
	b->buf = xzalloc(b->cap);
	b->len = 0;
	b->full = false;
	nftnl_batch_begin(b->buf, vsl_nl_next_seq(nl));
	b->len += ((struct nlmsghdr *)b->buf)->nlmsg_len;
}

static struct nlmsghdr *batch_msg(struct batch *b, uint16_t type, uint16_t flags)
{
	if (b->len + MSG_ROOM > b->cap) {
		b->full = true;
		b->len = 0;	/* overwrite: the batch fails in batch_send anyway */
	}
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, NFPROTO_INET, flags | NLM_F_ACK,
				     vsl_nl_next_seq(b->nl));
}

static void batch_done(struct batch *b, struct nlmsghdr *nlh)
{
	b->len += MNL_ALIGN(nlh->nlmsg_len);
}

static int batch_send(struct batch *b)
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

static void add_table(struct batch *b)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh = batch_msg(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, TABLE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	batch_done(b, nlh);
	nftnl_table_free(t);
}

static void add_chain(struct batch *b, const char *name, unsigned hook, int prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh = batch_msg(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE);

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	batch_done(b, nlh);
	nftnl_chain_free(c);
}

/* Table and chains (NLM_F_CREATE without EXCL: existing ones are fine). */
static void add_base(struct batch *b)
{
	add_table(b);
	add_chain(b, "prerouting", NF_INET_PRE_ROUTING, -100);
	add_chain(b, "output", NF_INET_LOCAL_OUT, -100);
	add_chain(b, "postrouting", NF_INET_POST_ROUTING, 100);
}

/* ---- expressions ---- */

static void e_add(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		abort();
	nftnl_rule_add_expr(r, e);
}

static void e_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	e_add(r, e);
}

static void e_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	e_add(r, e);
}

static void e_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	e_add(r, e);
}

static void e_mask(struct nftnl_rule *r, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");

	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	e_add(r, e);
}

static void e_imm(struct nftnl_rule *r, uint32_t reg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
	e_add(r, e);
}

/* meta nfproto == family */
static void m_family(struct nftnl_rule *r, int family)
{
	uint8_t p = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

	e_meta(r, NFT_META_NFPROTO);
	e_cmp(r, NFT_CMP_EQ, &p, 1);
}

/* ip saddr / ip daddr (or ip6) in subnet */
static void m_addr_in(struct nftnl_rule *r, const struct vsl_cidr *net, bool src)
{
	bool v4 = net->ip.family == AF_INET;
	uint32_t len = v4 ? 4 : 16, off = v4 ? (src ? 12 : 16) : (src ? 8 : 24);
	uint8_t mask[16] = { 0 };

	for (unsigned i = 0; i < net->prefix; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len);
	e_mask(r, mask, len);
	e_cmp(r, NFT_CMP_EQ, vsl_cidr_network(net).ip.a, len);
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

static struct nftnl_rule *rule_new(const char *chain, const char *comment)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		abort();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	set_comment(r, comment);
	return r;
}

static void rule_add(struct batch *b, struct nftnl_rule *r)
{
	struct nlmsghdr *nlh = batch_msg(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);

	nftnl_rule_nlmsg_build_payload(nlh, r);
	batch_done(b, nlh);
	nftnl_rule_free(r);
}

/* ---- listing: which of vessel's rules exist ---- */

struct owned_rule {
	char chain[32];
	uint64_t handle;
	char comment[NFTNL_UDATA_COMMENT_MAXLEN];
};

struct rule_dump {
	struct owned_rule *v;
	size_t n;
};

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
	struct rule_dump *d = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct owned_rule o = { 0 };
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
static int list_rules(struct vsl_nl *nl, struct rule_dump *d, struct vsl_err *err)
{
	char buf[MSG_ROOM] __attribute__((aligned(8)));
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	int ret;

	memset(d, 0, sizeof(*d));
	if (!r)
		abort();
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP, 0);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, TABLE);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	ret = vsl_nl_talk_msg(nl, nlh, rule_cb, d);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0) {
		free(d->v);
		d->v = NULL;
		return vsl_nl_fail(nl, err, ret, "nftables table %s: list rules", TABLE);
	}
	return 0;
}

/* Split a comment into at most 6 space-separated words (in place in copy). */
static size_t words(const char *comment, char *copy, size_t len, char *w[6])
{
	size_t n = 0;
	char *save = NULL;

	snprintf(copy, len, "%s", comment);
	for (char *t = strtok_r(copy, " ", &save); t && n < 6; t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	return n;
}

/* Does the rule's comment say kind/bridge/veth (NULL matches anything)? */
static bool owned_by(const struct owned_rule *o, const char *kind, const char *bridge,
		     const char *veth)
{
	char copy[NFTNL_UDATA_COMMENT_MAXLEN], *w[6];
	size_t n = words(o->comment, copy, sizeof(copy), w);

	if (n < 3 || strcmp(w[0], "vessel") != 0)
		return false;
	if ((kind && strcmp(w[1], kind)) || (bridge && strcmp(w[2], bridge)))
		return false;
	return !veth || (n >= 4 && strcmp(w[1], "port") == 0 && strcmp(w[3], veth) == 0);
}

static void del_rule(struct batch *b, const struct owned_rule *o)
{
	struct nftnl_rule *rule = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!rule)
		abort();
	nftnl_rule_set_str(rule, NFTNL_RULE_TABLE, TABLE);
	nftnl_rule_set_str(rule, NFTNL_RULE_CHAIN, o->chain);
	nftnl_rule_set_u64(rule, NFTNL_RULE_HANDLE, o->handle);
	nlh = batch_msg(b, NFT_MSG_DELRULE, 0);
	nftnl_rule_nlmsg_build_payload(nlh, rule);
	batch_done(b, nlh);
	nftnl_rule_free(rule);
}

static int delete_rules(struct vsl_nl *nl, const char *kind, const char *bridge,
			const char *veth, struct vsl_err *err)
{
	struct rule_dump d;
	struct batch b;
	size_t k = 0;
	int r;

	r = list_rules(nl, &d, err);
	if (r < 0)
		return r;
	batch_init(&b, nl, d.n);
	for (size_t i = 0; i < d.n; i++) {
		if (!owned_by(&d.v[i], kind, bridge, veth))
			continue;
		del_rule(&b, &d.v[i]);
		k++;
	}
	free(d.v);
	if (k == 0) {
		free(b.buf);
		return 0;
	}
	r = batch_send(&b);
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "nftables: delete %s rules of %s", kind, bridge);
	return 0;
}

int vsl_nat_count(struct vsl_nl *nl, const char *bridge, const char *id, size_t *out,
		  struct vsl_err *err)
{
	char veth[VSL_IFNAMSIZ];
	struct rule_dump d;
	int r;

	if (id)
		vsl_net_veth_name(id, veth);
	r = list_rules(nl, &d, err);
	if (r < 0)
		return r;
	*out = 0;
	for (size_t i = 0; i < d.n; i++)
		*out += owned_by(&d.v[i], id ? "port" : NULL, bridge, id ? veth : NULL);
	free(d.v);
	return 0;
}

/* ---- masquerade per network ---- */

static void m_oifname(struct nftnl_rule *r, uint32_t op, const char *ifname)
{
	char name[VSL_IFNAMSIZ] = { 0 };

	snprintf(name, sizeof(name), "%s", ifname);
	e_meta(r, NFT_META_OIFNAME);
	e_cmp(r, op, name, sizeof(name));
}

/* The subnet leaving through any other interface is masqueraded; traffic port-forwarded
 * back into the same bridge (hairpin) too, so the reply returns the way it came. */
static void add_masq(struct batch *b, const char *bridge, const struct vsl_cidr *net)
{
	char c[NFTNL_UDATA_COMMENT_MAXLEN];
	struct nftnl_rule *r;
	struct nftnl_expr *e;
	uint32_t dnat = IPS_DST_NAT, zero = 0;

	snprintf(c, sizeof(c), "vessel masq %s", bridge);
	r = rule_new("postrouting", c);
	m_family(r, net->ip.family);
	m_addr_in(r, net, true);
	m_oifname(r, NFT_CMP_NEQ, bridge);
	e_add(r, nftnl_expr_alloc("masq"));
	rule_add(b, r);

	snprintf(c, sizeof(c), "vessel masq %s hairpin", bridge);
	r = rule_new("postrouting", c);
	m_family(r, net->ip.family);
	m_addr_in(r, net, true);
	m_oifname(r, NFT_CMP_EQ, bridge);
	e = nftnl_expr_alloc("ct");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATUS);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	e_add(r, e);
	e_mask(r, &dnat, sizeof(dnat));
	e_cmp(r, NFT_CMP_NEQ, &zero, sizeof(zero));
	e_add(r, nftnl_expr_alloc("masq"));
	rule_add(b, r);
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
	struct rule_dump d;
	struct batch b;
	bool have = false;
	int r;

	r = list_rules(nl, &d, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < d.n && !have; i++)
		have = owned_by(&d.v[i], "masq", nw->name, NULL);
	free(d.v);
	if (!have) {
		batch_init(&b, nl, 8);
		add_base(&b);
		add_masq(&b, nw->name, &nw->subnet);
		if (nw->has6)
			add_masq(&b, nw->name, &nw->subnet6);
		r = batch_send(&b);
		if (r < 0)
			return vsl_nl_fail(nl, err, r, "network %s: nftables masquerade rules",
					   nw->name);
	}
	return ensure_forwarding(nw->name, log, err);
}

int vsl_nat_masq_remove(struct vsl_nl *nl, const char *bridge, struct vsl_err *err)
{
	return delete_rules(nl, "masq", bridge, NULL, err);
}

/* ---- port forwards per container ---- */

static void add_dnat(struct batch *b, const char *chain, const char *comment,
		     const struct vsl_port *p, const struct vsl_ip *to)
{
	struct nftnl_rule *r = rule_new(chain, comment);
	struct nftnl_expr *e;
	uint32_t local = RTN_LOCAL;
	uint16_t hport = htons(p->host), cport = htons(p->container);

	m_family(r, to->family);
	/* only to this host's own addresses: the host's outgoing connections stay untouched */
	e = nftnl_expr_alloc("fib");
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	e_add(r, e);
	e_cmp(r, NFT_CMP_EQ, &local, sizeof(local));
	e_meta(r, NFT_META_L4PROTO);
	e_cmp(r, NFT_CMP_EQ, &p->proto, 1);
	e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	e_cmp(r, NFT_CMP_EQ, &hport, sizeof(hport));
	e_imm(r, NFT_REG_1, to->a, to->family == AF_INET ? 4 : 16);
	e_imm(r, NFT_REG_2, &cport, sizeof(cport));
	e = nftnl_expr_alloc("nat");
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY,
			   to->family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
	e_add(r, e);
	rule_add(b, r);
}

/* From one listing: refuse a host port/protocol forwarded to another container, and queue
 * the deletion of this container's own stale rules (an earlier attempt) into b. */
static int check_ports(struct batch *b, const struct rule_dump *d, const char *veth,
		       const struct vsl_port *ports, size_t n, struct vsl_err *err)
{
	char pp[32], copy[NFTNL_UDATA_COMMENT_MAXLEN], *w[6];

	for (size_t i = 0; i < d->n; i++) {
		size_t k;

		if (!owned_by(&d->v[i], "port", NULL, NULL))
			continue;
		k = words(d->v[i].comment, copy, sizeof(copy), w);
		if (k >= 4 && strcmp(w[3], veth) == 0) {
			del_rule(b, &d->v[i]);
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
	struct rule_dump d;
	struct batch b;
	int r;

	if (n == 0)
		return 0;
	vsl_net_veth_name(id, veth);
	r = list_rules(nl, &d, err);
	if (r < 0)
		return r;
	/* The chains exist: vsl_nat_masq_ensure made them. Re-sending a base chain would
	 * re-register its hook, which costs ~15 ms per transaction. */
	batch_init(&b, nl, d.n + n * 4);
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
	r = batch_send(&b);
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "container %s: nftables port rules", id);
	return 0;
}

int vsl_nat_ports_remove(struct vsl_nl *nl, const char *bridge, const char *id,
			 struct vsl_err *err)
{
	char veth[VSL_IFNAMSIZ];

	vsl_net_veth_name(id, veth);
	return delete_rules(nl, "port", bridge, veth, err);
}

int vsl_nat_drop_if_empty(struct vsl_nl *nl, struct vsl_err *err)
{
	struct nftnl_table *t;
	struct rule_dump d;
	struct batch b;
	struct nlmsghdr *nlh;
	int r;

	r = list_rules(nl, &d, err);
	if (r < 0)
		return r;
	free(d.v);
	if (d.n)
		return 0;
	batch_init(&b, nl, 1);
	t = nftnl_table_alloc();
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, TABLE);
	nlh = batch_msg(&b, NFT_MSG_DELTABLE, 0);
	nftnl_table_nlmsg_build_payload(nlh, t);
	batch_done(&b, nlh);
	nftnl_table_free(t);
	r = batch_send(&b);
	if (r < 0 && r != -ENOENT)
		return vsl_nl_fail(nl, err, r, "nftables: delete table %s", TABLE);
	return 0;
}
