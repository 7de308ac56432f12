/* The D-Bus calls of the systemd driver, through sd-bus (libsystemd-dev). vessel links its
 * libraries statically to start fast and Debian ships no static libsystemd, so
 * libsystemd.so.0 is loaded with dlopen here, when the systemd driver first needs D-Bus:
 * every other command (and the systemd driver's pause, ps, events, kill, stats, which work
 * on cgroupfs alone) never maps it. A job (start, stop) is done when systemd's JobRemoved
 * signal for it arrives; that wait is bounded. */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "cgroup/systemd.h"
#include "common/cleanup.h"
#include "common/util.h"

#define LIB "libsystemd.so.0"
#define DEST "org.freedesktop.systemd1"
#define OBJ "/org/freedesktop/systemd1"
#define MGR "org.freedesktop.systemd1.Manager"
#define CALL_USEC (30 * 1000000ULL)	/* a method call, and a job, take at most this */

struct fns {
	int (*open_system)(sd_bus **);
	sd_bus *(*flush_close_unref)(sd_bus *);
	int (*new_method_call)(sd_bus *, sd_bus_message **, const char *, const char *,
			       const char *, const char *);
	int (*append)(sd_bus_message *, const char *, ...);
	int (*append_array)(sd_bus_message *, char, const void *, size_t);
	int (*open_container)(sd_bus_message *, char, const char *);
	int (*close_container)(sd_bus_message *);
	sd_bus_message *(*message_unref)(sd_bus_message *);
	int (*call)(sd_bus *, sd_bus_message *, uint64_t, sd_bus_error *, sd_bus_message **);
	int (*read)(sd_bus_message *, const char *, ...);
	void (*error_free)(sd_bus_error *);
	int (*error_has_name)(const sd_bus_error *, const char *);
	int (*error_get_errno)(const sd_bus_error *);
	int (*match_signal_async)(sd_bus *, sd_bus_slot **, const char *, const char *,
				  const char *, const char *, sd_bus_message_handler_t,
				  sd_bus_message_handler_t, void *);
	int (*process)(sd_bus *, sd_bus_message **);
	int (*wait)(sd_bus *, uint64_t);
};

static const struct {
	const char *sym;
	size_t off;
} syms[] = {
#define SYM(field, name) { name, offsetof(struct fns, field) }
	SYM(open_system, "sd_bus_open_system"),
	SYM(flush_close_unref, "sd_bus_flush_close_unref"),
	SYM(new_method_call, "sd_bus_message_new_method_call"),
	SYM(append, "sd_bus_message_append"),
	SYM(append_array, "sd_bus_message_append_array"),
	SYM(open_container, "sd_bus_message_open_container"),
	SYM(close_container, "sd_bus_message_close_container"),
	SYM(message_unref, "sd_bus_message_unref"),
	SYM(call, "sd_bus_call"),
	SYM(read, "sd_bus_message_read"),
	SYM(error_free, "sd_bus_error_free"),
	SYM(error_has_name, "sd_bus_error_has_name"),
	SYM(error_get_errno, "sd_bus_error_get_errno"),
	SYM(match_signal_async, "sd_bus_match_signal_async"),
	SYM(process, "sd_bus_process"),
	SYM(wait, "sd_bus_wait"),
#undef SYM
};

struct vsl_sd_bus {
	void *lib;
	sd_bus *bus;
	struct fns f;
	char *job;		/* the job being waited for */
	char result[32];	/* its JobRemoved result once it came: "done", "failed", ... */
};

bool vsl_sd_booted(void)
{
	struct stat st;

	/* sd_booted(3): systemd makes this directory when it runs as the init system. */
	return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

static int load(struct vsl_sd_bus *b, struct vsl_err *err)
{
	b->lib = dlopen(LIB, RTLD_NOW | RTLD_LOCAL);
	if (!b->lib)
		return vsl_refuse(err, ENOENT, "cgroup: --systemd-cgroup: cannot load %s: %s", LIB,
				  dlerror());
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *p = dlsym(b->lib, syms[i].sym);
		if (!p)
			return vsl_refuse(err, ENOENT, "cgroup: --systemd-cgroup: %s has no %s", LIB,
					  syms[i].sym);
		memcpy((char *)&b->f + syms[i].off, &p, sizeof(p));
	}
	return 0;
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct vsl_sd_bus *b = userdata;
	const char *path, *unit, *result;
	uint32_t id;

	if (b->f.read(m, "uoss", &id, &path, &unit, &result) < 0)
		return 0;
	if (b->job && !strcmp(path, b->job))
		snprintf(b->result, sizeof(b->result), "%s", result);
	return 0;
}

void vsl_sd_bus_close(struct vsl_sd_bus *b)
{
	if (!b)
		return;
	if (b->bus)
		b->f.flush_close_unref(b->bus);
	/* The library stays loaded for the rest of this short-lived command. */
	free(b->job);
	free(b);
}

int vsl_sd_require(struct vsl_err *err)
{
	if (vsl_sd_booted())
		return 0;
	return vsl_refuse(err, EHOSTDOWN,
			  "cgroup: --systemd-cgroup: systemd is not running (no /run/systemd/system, "
			  "so no D-Bus API to ask for a scope); use the cgroupfs manager");
}

int vsl_sd_bus_open(struct vsl_sd_bus **out, struct vsl_err *err)
{
	struct vsl_sd_bus *b;
	int r;

	r = vsl_sd_require(err);
	if (r < 0)
		return r;
	b = xzalloc(sizeof(*b));
	r = load(b, err);
	if (r == 0) {
		r = b->f.open_system(&b->bus);
		if (r < 0)
			r = vsl_fail(err, -r, "cgroup: --systemd-cgroup: connect to the system bus");
	}
	/* JobRemoved tells when a start or stop is done; asked for before any job exists. */
	if (r == 0) {
		r = b->f.match_signal_async(b->bus, NULL, DEST, OBJ, MGR, "JobRemoved",
					    on_job_removed, NULL, b);
		if (r < 0)
			r = vsl_fail(err, -r, "cgroup: --systemd-cgroup: subscribe to JobRemoved");
	}
	if (r < 0) {
		vsl_sd_bus_close(b);
		return r;
	}
	*out = b;
	return 0;
}

/* ---- building the property array a(sv) ---- */

static int append_array(struct vsl_sd_bus *b, sd_bus_message *m, const struct vsl_sd_prop *p)
{
	bool weights = p->type == VSL_SD_WEIGHTS;
	int r;

	r = b->f.open_container(m, 'r', "sv");
	if (r >= 0)
		r = b->f.append(m, "s", p->name);
	if (r >= 0)
		r = b->f.open_container(m, 'v', weights ? "a(st)" : "a(ss)");
	if (r >= 0)
		r = b->f.open_container(m, 'a', weights ? "(st)" : "(ss)");
	for (size_t i = 0; r >= 0 && i < p->n_pairs; i++)
		r = weights ? b->f.append(m, "(st)", p->pairs[i].key, p->pairs[i].t)
			    : b->f.append(m, "(ss)", p->pairs[i].key, p->pairs[i].s);
	for (int k = 0; r >= 0 && k < 3; k++)
		r = b->f.close_container(m);
	return r;
}

static int append_bytes(struct vsl_sd_bus *b, sd_bus_message *m, const struct vsl_sd_prop *p)
{
	int r = b->f.open_container(m, 'r', "sv");

	if (r >= 0)
		r = b->f.append(m, "s", p->name);
	if (r >= 0)
		r = b->f.open_container(m, 'v', "ay");
	if (r >= 0)
		r = b->f.append_array(m, 'y', p->bytes, p->n_bytes);
	for (int k = 0; r >= 0 && k < 2; k++)
		r = b->f.close_container(m);
	return r;
}

static int append_prop(struct vsl_sd_bus *b, sd_bus_message *m, const struct vsl_sd_prop *p)
{
	switch (p->type) {
	case VSL_SD_BOOL:
		return b->f.append(m, "(sv)", p->name, "b", (int)p->u);
	case VSL_SD_U64:
		return b->f.append(m, "(sv)", p->name, "t", p->u);
	case VSL_SD_STR:
		return b->f.append(m, "(sv)", p->name, "s", p->s);
	case VSL_SD_PIDS:
		return b->f.append(m, "(sv)", p->name, "au", 1, (uint32_t)p->u);
	case VSL_SD_BYTES:
		return append_bytes(b, m, p);
	case VSL_SD_PAIRS:
	case VSL_SD_WEIGHTS:
		return append_array(b, m, p);
	}
	return -EINVAL;
}

static int append_props(struct vsl_sd_bus *b, sd_bus_message *m, const struct vsl_sd_props *p)
{
	int r = b->f.open_container(m, 'a', "(sv)");

	for (size_t i = 0; r >= 0 && i < p->n; i++)
		r = append_prop(b, m, &p->v[i]);
	return r < 0 ? r : b->f.close_container(m);
}

/* ---- calls ---- */

static void msg_unrefp(struct vsl_sd_bus *b, sd_bus_message **m)
{
	if (*m)
		b->f.message_unref(*m);
	*m = NULL;
}

/* Call m; on success the reply is in *reply (the caller unrefs it). A D-Bus error named
 * tolerate sets *tolerated and leaves err alone; any other fills err. */
static int call(struct vsl_sd_bus *b, sd_bus_message *m, const char *what, const char *unit,
		const char *tolerate, bool *tolerated, sd_bus_message **reply, struct vsl_err *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = b->f.call(b->bus, m, CALL_USEC, &e, reply);

	if (tolerated)
		*tolerated = false;
	if (r >= 0)
		return 0;
	if (tolerate && b->f.error_has_name(&e, tolerate)) {
		*tolerated = true;
		b->f.error_free(&e);
		return r;
	}
	r = b->f.error_get_errno(&e) ? -b->f.error_get_errno(&e) : r;
	vsl_refuse(err, -r, "cgroup: systemd: %s %s: %s", what, unit,
		   e.message ? e.message : e.name ? e.name : strerror(-r));
	b->f.error_free(&e);
	return r;
}

static int wait_job(struct vsl_sd_bus *b, sd_bus_message *reply, const char *what,
		    const char *unit, struct vsl_err *err)
{
	struct timespec t0, t1;
	const char *job;
	int r;

	r = b->f.read(reply, "o", &job);
	if (r < 0)
		return vsl_fail(err, -r, "cgroup: systemd: %s %s: read the job", what, unit);
	free(b->job);
	b->job = xstrdup(job);
	b->result[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!b->result[0]) {
		uint64_t spent;
		r = b->f.process(b->bus, NULL);
		if (r < 0)
			return vsl_fail(err, -r, "cgroup: systemd: %s %s: wait for the job", what,
					unit);
		if (r > 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		spent = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000ULL +
			(uint64_t)(t1.tv_nsec - t0.tv_nsec) / 1000;
		if (spent >= CALL_USEC)
			return vsl_refuse(err, ETIMEDOUT, "cgroup: systemd: %s %s: the job did not "
					  "finish in %llu s", what, unit, CALL_USEC / 1000000ULL);
		b->f.wait(b->bus, CALL_USEC - spent);
	}
	if (strcmp(b->result, "done"))
		return vsl_refuse(err, EIO, "cgroup: systemd: %s %s: the job ended \"%s\"", what,
				  unit, b->result);
	return 0;
}

static int new_call(struct vsl_sd_bus *b, const char *method, sd_bus_message **m,
		    struct vsl_err *err)
{
	int r = b->f.new_method_call(b->bus, m, DEST, OBJ, MGR, method);

	return r < 0 ? vsl_fail(err, -r, "cgroup: systemd: %s: make the message", method) : 0;
}

static int reset_failed(struct vsl_sd_bus *b, const char *unit, struct vsl_err *err)
{
	sd_bus_message *m = NULL, *reply = NULL;
	bool gone;
	int r;

	r = new_call(b, "ResetFailedUnit", &m, err);
	if (r == 0)
		r = b->f.append(m, "s", unit) < 0 ? vsl_fail(err, EINVAL, "ResetFailedUnit") : 0;
	if (r == 0) {
		r = call(b, m, "ResetFailedUnit", unit, "org.freedesktop.systemd1.NoSuchUnit", &gone,
			 &reply, err);
		if (r < 0 && gone)
			r = 0;
	}
	msg_unrefp(b, &reply);
	msg_unrefp(b, &m);
	return r;
}

static int start_once(struct vsl_sd_bus *b, const char *unit, const struct vsl_sd_props *p,
		      bool *exists, struct vsl_err *err)
{
	sd_bus_message *m = NULL, *reply = NULL;
	int r;

	r = new_call(b, "StartTransientUnit", &m, err);
	if (r == 0 && (b->f.append(m, "ss", unit, "fail") < 0 || append_props(b, m, p) < 0 ||
		       b->f.append(m, "a(sa(sv))", 0) < 0))
		r = vsl_fail(err, EINVAL, "cgroup: systemd: StartTransientUnit %s: make the message",
			     unit);
	if (r == 0)
		r = call(b, m, "StartTransientUnit", unit, "org.freedesktop.systemd1.UnitExists",
			 exists, &reply, err);
	if (r == 0)
		r = wait_job(b, reply, "start", unit, err);
	msg_unrefp(b, &reply);
	msg_unrefp(b, &m);
	return r;
}

int vsl_sd_bus_start(struct vsl_sd_bus *b, const char *unit, const struct vsl_sd_props *p,
		     struct vsl_err *err)
{
	bool exists = false;
	int r = start_once(b, unit, p, &exists, err);

	if (r < 0 && exists) {
		/* A unit of that name failed before and is kept for inspection (runc does this
		 * too): reset it so systemd forgets it, and try once more. */
		r = reset_failed(b, unit, err);
		if (r == 0)
			r = start_once(b, unit, p, &exists, err);
		if (r < 0 && exists)
			r = vsl_refuse(err, EEXIST, "cgroup: systemd: unit %s already exists (another "
				       "container with this cgroupsPath?)", unit);
	}
	return r;
}

int vsl_sd_bus_set(struct vsl_sd_bus *b, const char *unit, const struct vsl_sd_props *p,
		   struct vsl_err *err)
{
	sd_bus_message *m = NULL, *reply = NULL;
	int r;

	r = new_call(b, "SetUnitProperties", &m, err);
	if (r == 0 && (b->f.append(m, "sb", unit, 1) < 0 || append_props(b, m, p) < 0))
		r = vsl_fail(err, EINVAL, "cgroup: systemd: SetUnitProperties %s: make the message",
			     unit);
	if (r == 0)
		r = call(b, m, "SetUnitProperties", unit, NULL, NULL, &reply, err);
	msg_unrefp(b, &reply);
	msg_unrefp(b, &m);
	return r;
}

int vsl_sd_bus_stop(struct vsl_sd_bus *b, const char *unit, struct vsl_err *err)
{
	sd_bus_message *m = NULL, *reply = NULL;
	bool gone = false;
	int r;

	r = new_call(b, "StopUnit", &m, err);
	if (r == 0 && b->f.append(m, "ss", unit, "replace") < 0)
		r = vsl_fail(err, EINVAL, "cgroup: systemd: StopUnit %s: make the message", unit);
	if (r == 0)
		r = call(b, m, "StopUnit", unit, "org.freedesktop.systemd1.NoSuchUnit", &gone,
			 &reply, err);
	if (r == 0)
		r = wait_job(b, reply, "stop", unit, err);
	if (r < 0 && gone)
		r = 0;	/* an empty scope is stopped and forgotten by systemd on its own */
	msg_unrefp(b, &reply);
	msg_unrefp(b, &m);
	/* A scope whose processes were killed may be kept as failed: forget it too. */
	return r < 0 ? r : reset_failed(b, unit, err);
}
