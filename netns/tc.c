/* A container's rate limit, both ways, as tc qdiscs made over rtnetlink on the host side of
 * its veth (the container cannot change them, whatever capabilities it has inside):
 *
 *   to the container:   root qdisc tbf on the host veth (its egress is the container's
 *                       ingress)
 *   from the container: an ingress qdisc on the host veth with one u32 filter that matches
 *                       every packet and redirects it (mirred) to the container's own ifb
 *                       device ("vsr" + the veth's digits), whose root qdisc is a tbf; ifb
 *                       hands the packet back to the veth's receive path afterwards
 *
 * This is the CNI bandwidth plugin's design: tbf is the simplest shaper that holds a rate,
 * and ingress traffic can only be shaped after a redirect (this kernel has no act_police
 * either). Changing the rate replaces the two tbf qdiscs in place; 0 removes all of it. */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "netns/internal.h"
#include "netns/rtnl.h"

#define TBF_HANDLE 0x10000U		/* 1: */
#define INGRESS_HANDLE 0xffff0000U	/* ffff: */
#define U32_HANDLE 0x80000800U		/* 800::800, the first node of u32's root table */

static struct tcmsg *tc_init(struct vsl_nlreq *req, uint16_t type, uint16_t flags, int ifindex,
			     uint32_t parent, uint32_t handle)
{
	struct tcmsg *t = vsl_nlreq_init(req, type, flags, sizeof(*t));

	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_parent = parent;
	t->tcm_handle = handle;
	return t;
}

/* tbf: rate, a burst of 20 ms of it (at least 16 KiB, which several full frames need, and
 * at most 32 MiB), a queue of the burst and 50 ms more. */
static void put_tbf(struct vsl_nlreq *req, uint64_t bits)
{
	uint64_t rate = (bits + 7) / 8, burst = rate / 50, limit;
	struct tc_tbf_qopt q;
	struct nlattr *opts;

	if (burst < 16384)
		burst = 16384;
	if (burst > 32 << 20)
		burst = 32 << 20;
	limit = burst + rate / 20;
	memset(&q, 0, sizeof(q));
	q.rate.rate = rate > UINT32_MAX ? UINT32_MAX : (uint32_t)rate;
	q.rate.linklayer = TC_LINKLAYER_ETHERNET;
	q.limit = limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit;
	vsl_nlreq_put_str(req, TCA_KIND, "tbf");
	opts = vsl_nlreq_nest(req, TCA_OPTIONS);
	vsl_nlreq_put(req, TCA_TBF_PARMS, sizeof(q), &q);
	vsl_nlreq_put_u32(req, TCA_TBF_BURST, (uint32_t)burst);
	if (rate > UINT32_MAX)
		vsl_nlreq_put(req, TCA_TBF_RATE64, sizeof(rate), &rate);
	vsl_nlreq_nest_end(req, opts);
}

static int set_tbf(struct vsl_nl *nl, int ifindex, const char *dev, uint64_t bits,
		   struct vsl_err *err)
{
	struct vsl_nlreq req;
	int r;

	tc_init(&req, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ifindex, TC_H_ROOT, TBF_HANDLE);
	put_tbf(&req, bits);
	r = vsl_nl_talk(nl, &req, NULL, NULL);
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "%s: tc qdisc tbf", dev);
	return 0;
}

/* ingress qdisc (existing is fine) and the u32 match-all filter redirecting to ifb. */
static int set_redirect(struct vsl_nl *nl, int ifindex, const char *dev, int ifb,
			struct vsl_err *err)
{
	struct {
		struct tc_u32_sel sel;
		struct tc_u32_key key;
	} sel;
	struct tc_mirred m;
	struct nlattr *opts, *acts, *act, *aopts;
	struct vsl_nlreq req;
	struct tcmsg *t;
	int r;

	tc_init(&req, RTM_NEWQDISC, NLM_F_CREATE, ifindex, TC_H_INGRESS, INGRESS_HANDLE);
	vsl_nlreq_put_str(&req, TCA_KIND, "ingress");
	r = vsl_nl_talk(nl, &req, NULL, NULL);
	if (r < 0 && r != -EEXIST)
		return vsl_nl_fail(nl, err, r, "%s: tc qdisc ingress", dev);
	memset(&sel, 0, sizeof(sel));
	sel.sel.flags = TC_U32_TERMINAL;
	sel.sel.nkeys = 1;		/* mask 0, value 0: every packet */
	memset(&m, 0, sizeof(m));
	m.action = TC_ACT_STOLEN;
	m.eaction = TCA_EGRESS_REDIR;
	m.ifindex = (uint32_t)ifb;
	t = tc_init(&req, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_REPLACE, ifindex, INGRESS_HANDLE,
		    U32_HANDLE);
	t->tcm_info = TC_H_MAKE(1U << 16, htons(ETH_P_ALL));
	vsl_nlreq_put_str(&req, TCA_KIND, "u32");
	opts = vsl_nlreq_nest(&req, TCA_OPTIONS);
	vsl_nlreq_put(&req, TCA_U32_SEL, sizeof(sel), &sel);
	acts = vsl_nlreq_nest(&req, TCA_U32_ACT);
	act = vsl_nlreq_nest(&req, 1);
	vsl_nlreq_put_str(&req, TCA_ACT_KIND, "mirred");
	aopts = vsl_nlreq_nest(&req, TCA_ACT_OPTIONS);
	vsl_nlreq_put(&req, TCA_MIRRED_PARMS, sizeof(m), &m);
	vsl_nlreq_nest_end(&req, aopts);
	vsl_nlreq_nest_end(&req, act);
	vsl_nlreq_nest_end(&req, acts);
	vsl_nlreq_nest_end(&req, opts);
	r = vsl_nl_talk(nl, &req, NULL, NULL);
	if (r < 0)
		return vsl_nl_fail(nl, err, r, "%s: tc filter redirecting to its ifb", dev);
	return 0;
}

/* Delete a qdisc we made; none there is fine. */
static int del_qdisc(struct vsl_nl *nl, int ifindex, const char *dev, uint32_t parent,
		     uint32_t handle, struct vsl_err *err)
{
	struct vsl_nlreq req;
	int r;

	tc_init(&req, RTM_DELQDISC, 0, ifindex, parent, handle);
	r = vsl_nl_talk(nl, &req, NULL, NULL);
	if (r < 0 && r != -ENOENT && r != -EINVAL)
		return vsl_nl_fail(nl, err, r, "%s: remove tc qdisc", dev);
	return 0;
}

static int ensure_ifb(struct vsl_nl *nl, const char *ifb, struct vsl_link *out,
		      struct vsl_err *err)
{
	struct vsl_err tmp;
	int r = vsl_link_get(nl, ifb, "ifb", out, &tmp);

	if (r == -ENODEV) {
		r = vsl_link_ifb_add(nl, ifb, err);
		if (r == 0)
			r = vsl_link_get(nl, ifb, "ifb", out, err);
	} else if (r < 0) {
		*err = tmp;
	}
	return r;
}

int vsl_tc_rate_set(struct vsl_nl *nl, const char *veth, const char *ifb, uint64_t bits,
		    struct vsl_err *err)
{
	struct vsl_link v, i;
	int r;

	r = vsl_link_get(nl, veth, "veth", &v, err);
	if (r < 0)
		return r;
	if (bits == 0) {
		r = del_qdisc(nl, v.index, veth, TC_H_ROOT, TBF_HANDLE, err);
		if (r == 0)
			r = del_qdisc(nl, v.index, veth, TC_H_INGRESS, INGRESS_HANDLE, err);
		if (r == 0)
			r = vsl_link_del(nl, ifb, err);
		return r;
	}
	r = ensure_ifb(nl, ifb, &i, err);
	if (r == 0)
		r = set_tbf(nl, i.index, ifb, bits, err);
	if (r == 0)
		r = set_redirect(nl, v.index, veth, i.index, err);
	if (r == 0)
		r = set_tbf(nl, v.index, veth, bits, err);
	return r;
}
