/* start, stop, restart: a VPS's container comes and goes, its definition stays. The status
 * is always the container's, computed by the runtime from facts (the init's pid and start
 * time); a container left behind by an init that ended, or by a reboot, is cleaned before
 * the next start. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "netns/net.h"
#include "overlay/overlay.h"
#include "runtime/container.h"
#include "runtime/helper.h"
#include "runtime/pidfd.h"
#include "runtime/signals.h"
#include "runtime/store.h"
#include "vps/internal.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void vps_run_get(const struct vsl_ctx *ctx, const char *name, struct vps_run *out)
{
	cleanup_container struct vsl_container *c = NULL;
	struct vsl_err err;
	const char *helper;
	uint64_t kstart = 0;
	int keeper = 0;

	memset(out, 0, sizeof(*out));
	out->status = VSL_STATUS_STOPPED;
	if (vsl_store_peek(ctx, name, &c, &err) < 0)
		return;
	out->exists = true;
	out->status = vsl_container_status(c);
	out->alive = out->status != VSL_STATUS_STOPPED;
	out->pid = c->state.pid;
	out->start_time = c->state.start_time;
	helper = vsl_state_get(&c->state, VSL_HELPER_STATE_KEY);
	if (helper && sscanf(helper, "%d %" SCNu64, &keeper, &kstart) == 2) {
		out->keeper = keeper;
		out->keeper_start = kstart;
	}
	for (size_t i = 0; i < c->state.n_annotations; i++)
		if (strcmp(c->state.annotations[i].key, "vessel.vps") == 0)
			out->ours = strcmp(c->state.annotations[i].value, name) == 0;
}

int vps_container_down(const struct vsl_ctx *ctx, const char *name, struct vsl_err *err)
{
	int r = vsl_container_delete(ctx, name, true, err);

	return r == -ENOENT ? 0 : r;
}

/* A container named like the VPS that the VPS did not make is not ours to take down. */
static int check_ours(const struct vps_run *run, const char *name, struct vsl_err *err)
{
	if (run->exists && !run->ours)
		return vsl_refuse(err, EEXIST, "container %s exists and is not VPS %s's (see vessel "
				  "list)", name, name);
	return 0;
}

/* What a reboot leaves of a VPS whose state directory is gone with the state root: its
 * lease and port rules, an empty cgroup, its overlay mount. */
static int clean_without_state(const struct vsl_vps_ctx *v, const struct vsl_vps_def *d,
			       struct vsl_err *err)
{
	const struct vsl_ctx *ctx = v->ctx;
	cleanup_free char *target = vps_path(ctx->store, d->name, "bundle/rootfs");
	cleanup_free char *rec = NULL;
	cleanup_cgroup struct vsl_cgroup *cg = NULL;
	struct vsl_ovl_req ovl = { .store = ctx->store, .id = d->name, .target = target,
				   .keep_layer = true, .log = &ctx->log };
	struct vsl_cg_req cgr = { .id = d->name, .log = &ctx->log };
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	int r = 0;

	if (d->net.name) {
		struct vsl_net_req net = { .store = ctx->store, .id = d->name, .bridge = d->net.name,
					   .log = &ctx->log };
		r = vsl_net_detach(&net, err);
	}
	if (r == 0 && vsl_ovl_has_layer(ctx->store, d->name))
		r = vsl_ovl_unmount(&ovl, err);
	if (r == 0)
		r = vsl_cg_plan(&cgr, &rec, err);
	if (r == 0)
		r = vsl_cg_open(rec, &ctx->log, &cg, err);
	/* Only an empty cgroup: a process in it is not a leftover. */
	if (r == 0 && vsl_cg_pids(cg, &pids, &n, err) == 0 && n == 0)
		r = vsl_cg_destroy(cg, err);
	return r < 0 ? vsl_wrap(err, "VPS %s: clean up", d->name) : 0;
}

int vps_clean_stale(const struct vsl_vps_ctx *v, const struct vsl_vps_def *d,
		    struct vsl_err *err)
{
	struct vps_run run;

	vps_run_get(v->ctx, d->name, &run);
	if (run.alive)
		return 0;
	if (run.exists)
		return check_ours(&run, d->name, err) < 0 ? -err->code
							  : vps_container_down(v->ctx, d->name, err);
	return clean_without_state(v, d, err);
}

/* After the first start with address auto: the address the network gave is the VPS's from
 * now on (recorded and reserved). */
static int pin_address(const struct vsl_vps_ctx *v, struct vsl_vps_def *d, struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	cleanup_close int all = -1;
	const char *addr;
	char *old;
	int r;

	if (!d->net.name || strcmp(d->net.address, "auto") != 0)
		return 0;
	r = vsl_store_peek(v->ctx, d->name, &c, err);
	if (r < 0)
		return r;
	addr = vsl_state_get(&c->state, "net.addr4");
	if (!addr)
		return 0;
	all = vps_lock_all(v->ctx->store, err);
	if (all < 0)
		return all;
	old = d->net.address;
	d->net.address = xstrdup(addr);
	r = vps_reserve(v->ctx->store, d, err);
	if (r == 0)
		r = vps_def_save(v->ctx->store, d, err);
	if (r < 0) {
		vps_release(v->ctx->store, d);
		free(d->net.address);
		d->net.address = old;
		return r;
	}
	free(old);
	return 0;
}

int vps_start_locked(const struct vsl_vps_ctx *v, struct vsl_vps_def *d, int lock,
		     struct vsl_err *err)
{
	struct vps_run run;
	struct vsl_err tmp;
	int r;

	vps_run_get(v->ctx, d->name, &run);
	if (check_ours(&run, d->name, err) < 0)
		return -err->code;
	if (run.alive)
		return vsl_refuse(err, EALREADY, "VPS %s is already running", d->name);
	r = vps_clean_stale(v, d, err);
	if (r == 0)
		r = vps_bundle_write(v, d, err);
	if (r == 0)
		r = vps_keeper_spawn(v, d, lock, err);
	if (r == 0 && pin_address(v, d, err) < 0) {
		vps_container_down(v->ctx, d->name, &tmp);
		r = -err->code;
	}
	return r < 0 && !strstr(err->msg, d->name) ? vsl_wrap(err, "start VPS %s", d->name) : r;
}

int vsl_vps_start(const struct vsl_vps_ctx *v, const char *name, struct vsl_err *err)
{
	cleanup_close int lock = vps_lock(v->ctx->store, name, true, err);
	struct vsl_vps_def d;
	int r;

	if (lock < 0)
		return lock;
	r = vps_def_load(v->ctx->store, name, &d, err);
	if (r < 0)
		return r;
	r = vps_start_locked(v, &d, lock, err);
	vsl_vps_def_clear(&d);
	return r;
}

/* ---- stop ---- */

struct halting {
	const char *name;
	int pidfd, keeper;	/* the init's and the keeper's */
	uint64_t deadline, t0;
	bool killed, done;
};

/* Send the halt signal; pidfd of the init in h. ESRCH: not running. */
static int halt_begin(const struct vsl_vps_ctx *v, const struct vsl_vps_def *d, int timeout_s,
		      struct halting *h, struct vsl_err *err)
{
	struct vps_run run;
	struct vsl_err tmp;
	int sig = vsl_signal_parse(d->halt_signal + 3);
	int r;

	memset(h, 0, sizeof(*h));
	h->name = d->name;
	h->pidfd = h->keeper = -1;
	vps_run_get(v->ctx, d->name, &run);
	if (check_ours(&run, d->name, err) < 0)
		return -err->code;
	if (!run.alive) {
		r = run.exists ? vps_container_down(v->ctx, d->name, err) : 0;
		return r < 0 ? r : vsl_refuse(err, ESRCH, "VPS %s is not running", d->name);
	}
	if (sig < 0)
		return vsl_fail(err, EINVAL, "VPS %s: init.haltSignal %s: unknown signal", d->name,
				d->halt_signal);
	h->pidfd = vsl_pidfd_open(run.pid, run.start_time, err);
	if (h->pidfd < 0)
		return vps_container_down(v->ctx, d->name, err);	/* it just ended */
	if (run.keeper)
		h->keeper = vsl_pidfd_open(run.keeper, run.keeper_start, &tmp);
	h->t0 = now_ms();
	h->deadline = h->t0 + 1000 * (uint64_t)(timeout_s >= 0 ? (unsigned)timeout_s
							       : d->stop_timeout);
	/* A frozen init cannot act on a signal: straight to the kill then. */
	if (run.status == VSL_STATUS_PAUSED)
		h->deadline = h->t0;
	else if (vsl_pidfd_signal(h->pidfd, sig, err) < 0 && err->code != ESRCH) {
		close(h->pidfd);
		if (h->keeper >= 0)
			close(h->keeper);
		h->pidfd = h->keeper = -1;
		return vsl_wrap(err, "VPS %s", d->name);
	}
	return 0;
}

/* Wait for every halting init until its deadline; kill the late ones. */
static void halt_wait(const struct vsl_ctx *ctx, struct halting *h, size_t n)
{
	struct pollfd *p = xzalloc((n ? n : 1) * sizeof(*p));
	struct vsl_err tmp;

	for (;;) {
		uint64_t t = now_ms(), next = UINT64_MAX;
		size_t live = 0;

		for (size_t i = 0; i < n; i++) {
			p[i] = (struct pollfd){ .fd = h[i].done ? -1 : h[i].pidfd, .events = POLLIN };
			if (h[i].done)
				continue;
			if (!h[i].killed && t >= h[i].deadline) {
				h[i].killed = true;
				vsl_container_kill(ctx, h[i].name, SIGKILL, true, &tmp);
				h[i].deadline = t + 10000;
			}
			live++;
			next = h[i].deadline < next ? h[i].deadline : next;
		}
		if (!live)
			break;
		int r = poll(p, n, next > t ? (int)(next - t) : 0);
		for (size_t i = 0; r > 0 && i < n; i++)
			if (p[i].revents)
				h[i].done = true;
		for (size_t i = 0; i < n; i++)
			if (h[i].killed && !h[i].done && now_ms() >= h[i].deadline)
				h[i].done = true;	/* unkillable: teardown reports it */
	}
	free(p);
}

static int halt_end(const struct vsl_ctx *ctx, struct halting *h, struct vsl_vps_stopped *out,
		    struct vsl_err *err)
{
	int r = vps_container_down(ctx, h->name, err);
	struct vsl_err tmp;

	/* The keeper ends after the container; stop returns when it has: nothing is left. */
	if (h->keeper >= 0 && vsl_pidfd_wait(h->keeper, 5000) < 0)
		vsl_pidfd_signal(h->keeper, SIGKILL, &tmp);
	if (h->keeper >= 0)
		close(h->keeper);
	if (h->pidfd >= 0)
		close(h->pidfd);
	if (out) {
		out->was_running = true;
		out->killed = h->killed;
		out->ms = (unsigned)(now_ms() - h->t0);
	}
	return r;
}

static int stop_locked(const struct vsl_vps_ctx *v, const struct vsl_vps_def *d, int timeout_s,
		       struct vsl_vps_stopped *out, struct vsl_err *err)
{
	struct halting h;
	int r;

	if (out)
		memset(out, 0, sizeof(*out));
	r = halt_begin(v, d, timeout_s, &h, err);
	if (r < 0 || h.pidfd < 0) {
		if (h.pidfd >= 0)
			close(h.pidfd);
		if (h.keeper >= 0)
			close(h.keeper);
		return r;
	}
	halt_wait(v->ctx, &h, 1);
	return halt_end(v->ctx, &h, out, err);
}

int vsl_vps_stop(const struct vsl_vps_ctx *v, const char *name, int timeout_s,
		 struct vsl_vps_stopped *out, struct vsl_err *err)
{
	cleanup_close int lock = vps_lock(v->ctx->store, name, true, err);
	struct vsl_vps_def d;
	int r;

	if (lock < 0)
		return lock;
	r = vps_def_load(v->ctx->store, name, &d, err);
	if (r == 0)
		r = stop_locked(v, &d, timeout_s, out, err);
	vsl_vps_def_clear(&d);
	return r;
}

int vsl_vps_restart(const struct vsl_vps_ctx *v, const char *name, int timeout_s,
		    struct vsl_err *err)
{
	cleanup_close int lock = vps_lock(v->ctx->store, name, true, err);
	struct vsl_vps_def d;
	int r;

	if (lock < 0)
		return lock;
	r = vps_def_load(v->ctx->store, name, &d, err);
	if (r < 0)
		return r;
	r = stop_locked(v, &d, timeout_s, NULL, err);
	if (r == -ESRCH)
		r = 0;	/* restart of a stopped VPS starts it */
	if (r == 0)
		r = vps_start_locked(v, &d, lock, err);
	vsl_vps_def_clear(&d);
	return r;
}

/* ---- stop --all ---- */

struct one {
	char *name;
	int lock;
	struct vsl_vps_def def;
	struct halting h;
	bool halting;
};

int vsl_vps_stop_all(const struct vsl_vps_ctx *v, int timeout_s, vsl_vps_report_fn fn,
		     void *arg, struct vsl_err *err)
{
	cleanup_strv char **names = NULL;
	struct halting *hs;
	struct one *all;
	size_t n, k = 0;
	int failed = 0, r;

	r = vps_names(v->ctx->store, &names, err);
	if (r < 0)
		return r;
	n = vsl_strv_len(names);
	all = xzalloc((n + 1) * sizeof(*all));
	hs = xzalloc((n + 1) * sizeof(*hs));
	/* Every halt signal first, then one wait: a host shutdown takes the longest stop,
	 * not the sum of them. */
	for (size_t i = 0; i < n; i++) {
		struct vsl_err e;
		all[i].name = names[i];
		all[i].lock = vps_lock(v->ctx->store, names[i], true, &e);
		if (all[i].lock < 0 || vps_def_load(v->ctx->store, names[i], &all[i].def, &e) < 0) {
			fn(arg, names[i], NULL, &e);
			failed++;
			continue;
		}
		r = halt_begin(v, &all[i].def, timeout_s, &all[i].h, &e);
		if (r == 0 && all[i].h.pidfd >= 0) {
			all[i].halting = true;
			hs[k++] = all[i].h;
		} else if (r < 0 && r != -ESRCH) {
			fn(arg, names[i], NULL, &e);
			failed++;
		}
	}
	halt_wait(v->ctx, hs, k);
	k = 0;
	for (size_t i = 0; i < n; i++) {
		struct vsl_err e;
		struct vsl_vps_stopped st;
		char what[64];
		if (all[i].halting) {
			if (halt_end(v->ctx, &hs[k++], &st, &e) < 0) {
				fn(arg, all[i].name, NULL, &e);
				failed++;
			} else {
				snprintf(what, sizeof(what), "%s in %u.%01u s",
					 st.killed ? "killed" : "halted", st.ms / 1000,
					 st.ms % 1000 / 100);
				fn(arg, all[i].name, what, NULL);
			}
		}
		vsl_vps_def_clear(&all[i].def);
		if (all[i].lock >= 0)
			close(all[i].lock);
	}
	free(all);
	free(hs);
	return failed ? vsl_refuse(err, EIO, "%d VPS(es) could not be stopped", failed) : 0;
}
