/* A container's addresses on a network: keep the ones it already holds, check a requested
 * one, or pick the next free one (next fit, ipam.c); record them before taking them, so that
 * a create killed at any point leaves a record that detach undoes completely. Each step
 * touches this container's record and one or two addresses, never the whole pool. */
#include <errno.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "netns/internal.h"

struct probe {
	const char *store, *network;
};

static int taken(void *arg, const struct vsl_ip *ip, struct vsl_err *err)
{
	const struct probe *p = arg;
	char owner[VSL_LEASE_ID_MAX + 2];

	return vsl_lease_owner(p->store, p->network, ip, owner, sizeof(owner), err);
}

struct family {
	int af;
	struct vsl_ipam_pool pool;
	const struct vsl_cidr *want;	/* NULL: auto */
	const struct vsl_ip *had;	/* the address the record held, or NULL */
	bool moved;			/* next-fit was used: save the cursor */
	uint64_t next;
};

/* One family's address for id: want (checked), else the one it had, else the next free. */
static int pick(const char *store, const char *id, struct family *f, struct vsl_ip *out,
		struct vsl_err *err)
{
	struct probe p = { store, f->pool.bridge };
	char owner[VSL_LEASE_ID_MAX + 2], s[VSL_IP_STRLEN];
	int r;

	if (f->want) {
		r = vsl_ipam_check(&f->pool, f->want, err);
		if (r == 0)
			r = vsl_lease_owner(store, p.network, &f->want->ip, owner, sizeof(owner), err);
		if (r < 0)
			return r;
		if (r == 1 && strcmp(owner, id) != 0)
			return vsl_fail(err, EADDRINUSE, "network %s: address %s is already leased "
					"to %s", p.network, vsl_ip_str(&f->want->ip, s), owner);
		*out = f->want->ip;
		return 0;
	}
	if (f->had) {
		*out = *f->had;
		return 0;
	}
	f->next = vsl_lease_next_load(store, p.network, f->af);
	f->moved = true;
	return vsl_ipam_next(&f->pool, &f->next, taken, &p, out, err);
}

/* Drop what the old record holds and the new one does not (before the new record is saved:
 * nothing is ever leased without a record naming it). */
static int drop_changed(const char *store, const char *id, const struct vsl_lease_rec *old,
			const struct vsl_lease_rec *now, struct vsl_err *err)
{
	const struct vsl_ip *was[2] = { &old->ip4, &old->ip6 }, *is[2] = { &now->ip4, &now->ip6 };
	bool same_net = strcmp(old->network, now->network) == 0;
	int r;

	for (int i = 0; i < 2; i++) {
		if (!was[i]->family || (same_net && vsl_ip_eq(was[i], is[i])))
			continue;
		r = vsl_lease_drop(store, old->network, was[i], id, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int vsl_lease_acquire(const char *store, const char *id, const struct vsl_network *nw,
		      const struct vsl_cidr *want, const char *ports, struct vsl_ip *ip4,
		      struct vsl_ip *ip6, struct vsl_err *err)
{
	struct vsl_lease_rec old = { 0 }, now = { 0 };
	struct family f4 = { AF_INET, { nw->name, nw->subnet, nw->gateway } };
	struct family f6 = { AF_INET6, { nw->name, nw->subnet6, nw->gateway6 } };
	bool had = false;
	int r;

	r = vsl_lease_check_format(store, nw->name, err);
	if (r < 0)
		return r;
	r = vsl_lease_rec_load(store, id, &old, err);
	if (r < 0 && r != -ENOENT)
		return r;
	had = r == 0 && strcmp(old.network, nw->name) == 0;
	f4.want = want && want->ip.family == AF_INET ? want : NULL;
	f6.want = want && want->ip.family == AF_INET6 ? want : NULL;
	f4.had = had && old.ip4.family ? &old.ip4 : NULL;
	f6.had = had && old.ip6.family ? &old.ip6 : NULL;
	snprintf(now.network, sizeof(now.network), "%s", nw->name);
	now.ports = (char *)ports;
	r = pick(store, id, &f4, &now.ip4, err);
	if (r == 0 && nw->has6)
		r = pick(store, id, &f6, &now.ip6, err);
	if (r == 0 && old.network[0])
		r = drop_changed(store, id, &old, &now, err);
	if (r == 0)
		r = vsl_lease_rec_save(store, id, &now, err);
	if (r == 0)
		r = vsl_lease_take(store, nw->name, &now.ip4, id, err);
	if (r == 0 && nw->has6)
		r = vsl_lease_take(store, nw->name, &now.ip6, id, err);
	if (r == 0 && f4.moved)
		vsl_lease_next_save(store, nw->name, AF_INET, f4.next);
	if (r == 0 && f6.moved)
		vsl_lease_next_save(store, nw->name, AF_INET6, f6.next);
	*ip4 = now.ip4;
	*ip6 = now.ip6;
	vsl_lease_rec_clear(&old);
	return r;
}

int vsl_lease_release(const char *store, const char *id, const struct vsl_lease_rec *rec,
		      struct vsl_err *err)
{
	int r = 0;

	if (rec->ip4.family)
		r = vsl_lease_drop(store, rec->network, &rec->ip4, id, err);
	if (r == 0 && rec->ip6.family)
		r = vsl_lease_drop(store, rec->network, &rec->ip6, id, err);
	if (r == 0)
		r = vsl_lease_rec_remove(store, id, err);
	return r;
}
