/* A container's port forwards: one element per host port and family in the maps fwd4 and
 * fwd6 of vessel's table (fw.c), key protocol . host port, value address . container port,
 * comment "VETH ID" naming the owner. Adding or removing them looks up and changes only
 * those elements, so it costs the same with 0 or 1000 other containers. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "netns/internal.h"
#include "netns/nft.h"

struct port_key {
	uint8_t proto, pad[3];
	uint16_t port, pad2;
};

struct dest4 {
	uint8_t addr[4];
	uint16_t port, pad;
};

struct dest6 {
	uint8_t addr[16];
	uint16_t port, pad;
};

static struct port_key port_key(const struct vsl_port *p)
{
	struct port_key k;

	memset(&k, 0, sizeof(k));
	k.proto = p->proto;
	k.port = htons(p->host);
	return k;
}

/* Is the element ours? 1 yes, 0 no (*other gets the owner's id), -ENOENT absent. */
static int owner(struct vsl_nl *nl, const char *set, const struct port_key *k,
		 const char *veth, char other[NFTNL_UDATA_COMMENT_MAXLEN], struct vsl_err *err)
{
	char c[NFTNL_UDATA_COMMENT_MAXLEN], *sp;
	int r = vsl_nft_elem_get(nl, set, k, sizeof(*k), c, err);

	if (r < 0)
		return r;
	sp = strchr(c, ' ');
	if (sp)
		*sp = '\0';
	snprintf(other, NFTNL_UDATA_COMMENT_MAXLEN, "%s", sp ? sp + 1 : c);
	return strcmp(c, veth) == 0;
}

/* Queue the deletion of this container's element for p in set, if it has one. */
static int del_mine(struct vsl_nl *nl, struct vsl_nft_batch *b, const char *set,
		    const struct vsl_port *p, const char *veth, size_t *k, struct vsl_err *err)
{
	char other[NFTNL_UDATA_COMMENT_MAXLEN];
	struct port_key key = port_key(p);
	struct vsl_nft_elem el = { set, &key, sizeof(key) };
	int r = owner(nl, set, &key, veth, other, err);

	if (r == -ENOENT || r == 0)
		return 0;
	if (r < 0)
		return r;
	vsl_nft_elem(b, NFT_MSG_DELSETELEM, 0, &el);
	(*k)++;
	return 0;
}

/* Refuse a host port another container has; queue the removal of our own stale ones (an
 * earlier attempt of this create). */
static int check_port(struct vsl_nl *nl, struct vsl_nft_batch *b, const struct vsl_port *p,
		      const char *veth, size_t *k, struct vsl_err *err)
{
	char other[NFTNL_UDATA_COMMENT_MAXLEN];
	struct port_key key = port_key(p);
	int r = owner(nl, VSL_FW_FWD4, &key, veth, other, err);

	if (r == 0)
		return vsl_fail(err, EADDRINUSE, "port %u/%s is already forwarded to container %s",
				p->host, vsl_proto_name(p->proto), other);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = del_mine(nl, b, VSL_FW_FWD4, p, veth, k, err);
	if (r == 0)
		r = del_mine(nl, b, VSL_FW_FWD6, p, veth, k, err);
	return r;
}

static void add_port(struct vsl_nft_batch *b, const struct vsl_port *p, const char *comment,
		     const struct vsl_ip *addr4, const struct vsl_ip *addr6)
{
	struct port_key key = port_key(p);
	struct dest4 d4 = { .port = htons(p->container) };
	struct dest6 d6 = { .port = htons(p->container) };
	struct vsl_nft_elem el = { VSL_FW_FWD4, &key, sizeof(key), &d4, sizeof(d4), comment };

	memcpy(d4.addr, addr4->a, 4);
	vsl_nft_elem(b, NFT_MSG_NEWSETELEM, NLM_F_EXCL, &el);
	if (!addr6)
		return;
	memcpy(d6.addr, addr6->a, 16);
	el = (struct vsl_nft_elem){ VSL_FW_FWD6, &key, sizeof(key), &d6, sizeof(d6), comment };
	vsl_nft_elem(b, NFT_MSG_NEWSETELEM, NLM_F_EXCL, &el);
}

int vsl_nat_ports_add(struct vsl_nl *nl, const char *id, const struct vsl_port *ports, size_t n,
		      const struct vsl_ip *addr4, const struct vsl_ip *addr6, struct vsl_err *err)
{
	char veth[VSL_IFNAMSIZ], c[NFTNL_UDATA_COMMENT_MAXLEN];
	struct vsl_nft_batch b;
	size_t k = 0;
	int r = 0;

	if (n == 0)
		return 0;
	vsl_net_veth_name(id, veth);
	snprintf(c, sizeof(c), "%s %s", veth, id);
	vsl_nft_batch_init(&b, nl, 4 * n);
	for (size_t i = 0; i < n && r == 0; i++)
		r = check_port(nl, &b, &ports[i], veth, &k, err);
	if (r < 0) {
		free(b.buf);
		return r;
	}
	for (size_t i = 0; i < n; i++)
		add_port(&b, &ports[i], c, addr4, addr6);
	r = vsl_nft_batch_send(&b);
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "container %s: nftables port forwards", id);
	return 0;
}

int vsl_nat_ports_remove(struct vsl_nl *nl, const char *id, const struct vsl_port *ports,
			 size_t n, struct vsl_err *err)
{
	char veth[VSL_IFNAMSIZ];
	struct vsl_nft_batch b;
	size_t k = 0;
	int r = 0;

	if (n == 0)
		return 0;
	vsl_net_veth_name(id, veth);
	vsl_nft_batch_init(&b, nl, 2 * n);
	for (size_t i = 0; i < n && r == 0; i++) {
		r = del_mine(nl, &b, VSL_FW_FWD4, &ports[i], veth, &k, err);
		if (r == 0)
			r = del_mine(nl, &b, VSL_FW_FWD6, &ports[i], veth, &k, err);
	}
	if (r < 0 || k == 0) {
		free(b.buf);
		return r;
	}
	r = vsl_nft_batch_send(&b);
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "container %s: remove nftables port forwards", id);
	return 0;
}

/* Owned by id: port elements whose comment names its veth. */
static int count_ports(struct vsl_nl *nl, const char *set, const char *id, size_t *out,
		       struct vsl_err *err)
{
	char (*c)[NFTNL_UDATA_COMMENT_MAXLEN] = NULL;
	char veth[VSL_IFNAMSIZ];
	size_t n = 0, len;
	int r = vsl_nft_elem_list(nl, set, &c, &n, err);

	if (r < 0)
		return r;
	if (id)
		vsl_net_veth_name(id, veth);
	len = id ? strlen(veth) : 0;
	for (size_t i = 0; i < n; i++)
		*out += !id || (strncmp(c[i], veth, len) == 0 && c[i][len] == ' ');
	free(c);
	return 0;
}

int vsl_nat_count(struct vsl_nl *nl, const char *bridge, const char *id, size_t *out,
		  struct vsl_err *err)
{
	struct vsl_nft_rules d;
	int r;

	*out = 0;
	if (id || !bridge) {
		r = count_ports(nl, VSL_FW_FWD4, id, out, err);
		if (r == 0)
			r = count_ports(nl, VSL_FW_FWD6, id, out, err);
		if (r < 0 || id)
			return r;
	}
	r = vsl_nft_list(nl, &d, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < d.n; i++)
		*out += vsl_nft_owned_by(&d.v[i], bridge ? "masq" : NULL, bridge);
	free(d.v);
	return 0;
}
