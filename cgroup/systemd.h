/* The systemd cgroup driver's parts, for files in cgroup/ and its tests only: where a
 * "slice:prefix:name" scope goes (systemd_unit.c, pure), which settings become unit
 * properties (systemd_props.c, pure), and the few D-Bus calls made through sd-bus
 * (systemd_bus.c, libsystemd loaded with dlopen on first use). The driver itself is
 * systemd.c, an ops table like v1.c and v2.c. */
#ifndef VSL_CGROUP_SYSTEMD_H
#define VSL_CGROUP_SYSTEMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/internal.h"

/* ---- systemd_unit.c ---- */

/* runc's ExpandSlice: "a-b.slice" -> "/a.slice/a-b.slice", "-.slice" (the root slice) -> "".
 * EINVAL for a name that is not a slice ("x", ".slice", "a--b.slice", "-a.slice", a '/'). */
int vsl_sd_expand_slice(const char *slice, char **out, struct vsl_err *err);

struct vsl_sd_unit {
	char *slice;	/* "system.slice" (an empty slice field), "machine.slice", "-.slice" */
	char *unit;	/* "prefix-name.scope" */
	char *path;	/* its cgroup: "/system.slice/prefix-name.scope" */
};

/* linux.cgroupsPath under --systemd-cgroup, parsed as runc does: "slice:prefix:name"; NULL or
 * "" is ":vessel:<id>". EINVAL, naming linux.cgroupsPath, for any other form, a name ending
 * in .slice (a container needs a scope) or characters systemd does not allow in unit names. */
int vsl_sd_parse_path(const char *id, const char *cgroups_path, struct vsl_sd_unit *out,
		      struct vsl_err *err);
void vsl_sd_unit_clear(struct vsl_sd_unit *u);

/* ---- systemd_props.c ---- */

enum vsl_sd_type {
	VSL_SD_BOOL,	/* b */
	VSL_SD_U64,	/* t */
	VSL_SD_STR,	/* s */
	VSL_SD_BYTES,	/* ay: a CPU or NUMA node bitmask */
	VSL_SD_PAIRS,	/* a(ss): DeviceAllow */
	VSL_SD_WEIGHTS,	/* a(st): IODeviceWeight, IO{Read,Write}{Bandwidth,IOPS}Max */
	VSL_SD_PIDS,	/* au, one pid */
};

struct vsl_sd_pair {
	char *key;	/* "/dev/char/1:3", "char-pts", "/dev/block/8:0" */
	char *s;	/* PAIRS: "rwm" */
	uint64_t t;	/* WEIGHTS */
};

struct vsl_sd_prop {
	const char *name;	/* static: "MemoryMax" */
	enum vsl_sd_type type;
	uint64_t u;		/* BOOL, U64, PIDS */
	char *s;		/* STR */
	uint8_t *bytes;		/* BYTES */
	size_t n_bytes;
	struct vsl_sd_pair *pairs;	/* PAIRS, WEIGHTS; none: the empty array (a reset) */
	size_t n_pairs;
};

struct vsl_sd_props {
	struct vsl_sd_prop *v;
	size_t n;
};

/* systemd's "infinity" for the t-typed limits. */
#define VSL_SD_INFINITY UINT64_MAX

void vsl_sd_props_add_bool(struct vsl_sd_props *p, const char *name, bool v);
void vsl_sd_props_add_u64(struct vsl_sd_props *p, const char *name, uint64_t v);
void vsl_sd_props_add_str(struct vsl_sd_props *p, const char *name, const char *v);
void vsl_sd_props_add_pid(struct vsl_sd_props *p, const char *name, pid_t pid);
void vsl_sd_props_clear(struct vsl_sd_props *p);

/* Move the v2 settings systemd owns into unit properties: memory.max/swap.max/low ->
 * MemoryMax/MemorySwapMax/MemoryLow, cpu.weight -> CPUWeight, cpu.max -> CPUQuotaPerSecUSec
 * and CPUQuotaPeriodUSec, pids.max -> TasksMax, cpuset.cpus/mems -> AllowedCPUs and
 * AllowedMemoryNodes, io weights -> IOWeight/IODeviceWeight, io.max ->
 * IO{Read,Write}{Bandwidth,IOPS}Max. What stays in s is written to the cgroup by vessel
 * (hugetlb, rdma, cpu.max.burst, cpu.idle, unified keys...). cpu.max stays too when
 * systemd's whole-percent quota is not the exact one asked for. EINVAL for a cpu list that
 * is not one ("0-3,7"). */
int vsl_sd_props_from_settings(struct vsl_cg_settings *s, struct vsl_sd_props *out,
			       struct vsl_err *err);

/* DevicePolicy and DeviceAllow for the rules (vsl_cg_dev_rules): what systemd can express of
 * them, which allows at least what the rules allow. vessel's own eBPF program, attached
 * beside systemd's, applies them exactly (a device must pass both). proc_devices is the text
 * of /proc/devices (major -> driver name: systemd names "char-pts", not majors); NULL or a
 * missing major widens that rule to every device of its type. */
void vsl_sd_props_devices(const struct vsl_cg_dev_rule *r, size_t n, const char *proc_devices,
			  struct vsl_sd_props *out);

/* "0-3,7" -> systemd's bitmask (bit i of byte i/8 is CPU i); EINVAL naming field. */
int vsl_sd_cpu_mask(const char *list, const char *field, uint8_t **out, size_t *n,
		    struct vsl_err *err);

/* ---- systemd_bus.c ---- */

struct vsl_sd_bus;

/* Connect to systemd over the system bus. Refused with one line, before anything is loaded,
 * when systemd is not PID 1 (no /run/systemd/system); libsystemd.so.0 is dlopen'ed here,
 * and only here, so commands that never reach this do not map it. */
int vsl_sd_bus_open(struct vsl_sd_bus **out, struct vsl_err *err);
void vsl_sd_bus_close(struct vsl_sd_bus *b);
bool vsl_sd_booted(void);
/* The one-line refusal when systemd is not PID 1; 0 when it is. */
int vsl_sd_require(struct vsl_err *err);

/* StartTransientUnit(unit, "fail", props) and wait for its job. A failed unit of that name
 * left from before is reset and the start tried again, once. */
int vsl_sd_bus_start(struct vsl_sd_bus *b, const char *unit, const struct vsl_sd_props *p,
		     struct vsl_err *err);
/* SetUnitProperties(unit, runtime, props). */
int vsl_sd_bus_set(struct vsl_sd_bus *b, const char *unit, const struct vsl_sd_props *p,
		   struct vsl_err *err);
/* StopUnit(unit, "replace"), wait for the job, then ResetFailedUnit: nothing of the unit is
 * left in systemd. A unit already gone is success. */
int vsl_sd_bus_stop(struct vsl_sd_bus *b, const char *unit, struct vsl_err *err);

#endif
