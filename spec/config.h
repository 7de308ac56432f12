/* struct vsl_config: an OCI runtime-spec 1.2 config.json, every Linux field, parsed and
 * validated by spec/config.c. Types only plus load/free; spec/ never touches the kernel.
 * Strings and arrays are owned by the config; "n_x" counts array "x". Optional scalars
 * carry a "has_" flag where 0 is a meaningful value. */
#ifndef VSL_SPEC_CONFIG_H
#define VSL_SPEC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* gcc predefines "linux" as 1 in gnu modes; the field below is named after the JSON key. */
#undef linux

/* Every uid and gid vessel takes is in 0..VSL_ID_MAX, as runc requires: (uid_t)-1 means "no
 * change" to setresuid and chown, so 4294967295 would leave a process root. */
#define VSL_ID_MAX 2147483647u

struct vsl_kv {
	char *key;
	char *value;
};

/* process.* */
struct vsl_rlimit {
	char *type;		/* "RLIMIT_NOFILE" */
	int resource;		/* RLIMIT_* value, resolved at parse time */
	uint64_t soft, hard;
};

struct vsl_caps {
	char **bounding, **effective, **inheritable, **permitted, **ambient; /* NULL-terminated */
	bool has_bounding, has_effective, has_inheritable, has_permitted, has_ambient;
};

struct vsl_user {
	uint32_t uid, gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username;		/* Windows only; kept for round-trip */
};

struct vsl_scheduler {
	char *policy;		/* SCHED_OTHER, SCHED_FIFO, ... (required when present) */
	int policy_id;		/* resolved */
	int32_t nice, priority;
	char **flags;		/* SCHED_FLAG_* names */
	uint64_t runtime, deadline, period;
};

struct vsl_io_priority {
	char *class;		/* IOPRIO_CLASS_RT | _BE | _IDLE */
	int class_id;		/* resolved: 1, 2, 3 */
	int32_t priority;
};

struct vsl_process {
	bool terminal;
	bool has_console_size;
	uint32_t console_height, console_width;
	struct vsl_user user;
	char **args;		/* NULL-terminated; required for start */
	char *command_line;	/* Windows only */
	char **env;
	char *cwd;
	bool has_capabilities;
	struct vsl_caps capabilities;
	struct vsl_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	bool has_oom_score_adj;
	int32_t oom_score_adj;
	char *selinux_label;
	bool has_io_priority;
	struct vsl_io_priority io_priority;
	bool has_scheduler;
	struct vsl_scheduler scheduler;
	char *exec_cpu_affinity_initial, *exec_cpu_affinity_final;
};

/* mounts[] */
struct vsl_id_mapping {
	uint32_t container_id, host_id, size;
};

struct vsl_mount {
	char *destination;	/* required, absolute on Linux */
	char *source;
	char *type;
	char **options;		/* NULL-terminated */
	struct vsl_id_mapping *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
};

/* hooks */
struct vsl_hook {
	char *path;		/* required, absolute */
	char **args, **env;
	bool has_timeout;
	int32_t timeout;	/* seconds, > 0 */
};

enum vsl_hook_kind {
	VSL_HOOK_PRESTART,
	VSL_HOOK_CREATE_RUNTIME,
	VSL_HOOK_CREATE_CONTAINER,
	VSL_HOOK_START_CONTAINER,
	VSL_HOOK_POSTSTART,
	VSL_HOOK_POSTSTOP,
	VSL_HOOK_KINDS
};

struct vsl_hook_list {
	struct vsl_hook *hooks;
	size_t n;
};

/* linux.namespaces */
enum vsl_ns_type {
	VSL_NS_PID,
	VSL_NS_NET,
	VSL_NS_MNT,
	VSL_NS_IPC,
	VSL_NS_UTS,
	VSL_NS_USER,
	VSL_NS_CGROUP,
	VSL_NS_TIME,
	VSL_NS_TYPES
};

struct vsl_namespace {
	bool present;		/* listed in config.json */
	char *path;		/* join this one instead of creating (NULL: new) */
};

struct vsl_device {
	char *type;		/* "c", "b", "u", "p" */
	char *path;
	int64_t major, minor;
	bool has_file_mode, has_uid, has_gid;
	uint32_t file_mode, uid, gid;
};

/* linux.resources */
struct vsl_device_rule {
	bool allow;
	char *type;		/* "a", "c", "b"; NULL means all */
	bool has_major, has_minor;
	int64_t major, minor;
	char *access;		/* "rwm" subset; NULL means all */
};

struct vsl_memory {
	bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness;
	int64_t limit, reservation, swap, kernel, kernel_tcp;
	uint64_t swappiness;
	bool has_disable_oom_killer, has_use_hierarchy, has_check_before_update;
	bool disable_oom_killer, use_hierarchy, check_before_update;
};

struct vsl_cpu {
	bool has_shares, has_quota, has_burst, has_period, has_rt_runtime, has_rt_period;
	bool has_idle;
	uint64_t shares, burst, period, rt_period;
	int64_t quota, rt_runtime, idle;
	char *cpus, *mems;
};

struct vsl_weight_device {
	int64_t major, minor;
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
};

struct vsl_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

struct vsl_block_io {
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
	struct vsl_weight_device *weight_device;
	size_t n_weight_device;
	struct vsl_throttle_device *throttle_read_bps, *throttle_write_bps;
	struct vsl_throttle_device *throttle_read_iops, *throttle_write_iops;
	size_t n_throttle_read_bps, n_throttle_write_bps;
	size_t n_throttle_read_iops, n_throttle_write_iops;
};

struct vsl_hugepage_limit {
	char *page_size;	/* "2MB" */
	uint64_t limit;
};

struct vsl_net_priority {
	char *name;
	uint32_t priority;
};

struct vsl_rdma_limit {
	char *device;
	bool has_hca_handles, has_hca_objects;
	uint32_t hca_handles, hca_objects;
};

struct vsl_resources {
	struct vsl_device_rule *devices;
	size_t n_devices;
	bool has_memory, has_cpu, has_block_io, has_pids, has_network;
	struct vsl_memory memory;
	struct vsl_cpu cpu;
	struct vsl_block_io block_io;
	struct vsl_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;
	bool has_class_id;
	uint32_t class_id;
	struct vsl_net_priority *net_priorities;
	size_t n_net_priorities;
	int64_t pids_limit;
	struct vsl_rdma_limit *rdma;
	size_t n_rdma;
	struct vsl_kv *unified;
	size_t n_unified;
};

/* linux.seccomp */
struct vsl_seccomp_arg {
	uint32_t index;
	uint64_t value, value_two;
	char *op;		/* SCMP_CMP_* */
};

struct vsl_seccomp_rule {
	char **names;
	char *action;		/* SCMP_ACT_* */
	bool has_errno_ret;
	uint32_t errno_ret;
	struct vsl_seccomp_arg *args;
	size_t n_args;
};

struct vsl_seccomp {
	char *default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	char **architectures;
	char **flags;
	char *listener_path;
	char *listener_metadata;
	struct vsl_seccomp_rule *syscalls;
	size_t n_syscalls;
};

struct vsl_time_offset {
	bool set;
	int64_t secs;
	uint32_t nanosecs;
};

struct vsl_intel_rdt {
	char *clos_id, *l3_cache_schema, *mem_bw_schema;
	bool enable_cmt, enable_mbm;
};

struct vsl_linux {
	struct vsl_namespace namespaces[VSL_NS_TYPES];
	struct vsl_id_mapping *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct vsl_time_offset time_monotonic, time_boottime;
	struct vsl_device *devices;
	size_t n_devices;
	char *cgroups_path;
	bool has_resources;
	struct vsl_resources resources;
	struct vsl_kv *sysctl;
	size_t n_sysctl;
	bool has_seccomp;
	struct vsl_seccomp seccomp;
	char *rootfs_propagation;
	char **masked_paths, **readonly_paths;
	char *mount_label;
	bool has_personality;
	char *personality_domain;	/* LINUX | LINUX32 */
	char **personality_flags;
	bool has_intel_rdt;
	struct vsl_intel_rdt intel_rdt;
	struct vsl_kv *net_devices;	/* host name -> name in container ("" = same) */
	size_t n_net_devices;
};

struct vsl_config {
	char *oci_version;
	bool has_process;
	struct vsl_process process;
	char *root_path;	/* as written in config.json */
	bool root_readonly;
	char *hostname, *domainname;
	struct vsl_mount *mounts;
	size_t n_mounts;
	struct vsl_hook_list hooks[VSL_HOOK_KINDS];
	struct vsl_kv *annotations;
	size_t n_annotations;
	bool has_linux;
	struct vsl_linux linux;
};

/* Parse a config.json held in memory. name is used as the prefix of error messages
 * ("config.json: process.args: ..."). Returns NULL and fills err (EINVAL) on failure. */
struct vsl_config *vsl_config_parse(const char *json, size_t len, const char *name,
				    struct vsl_err *err);
/* Read and parse a file; error messages start with the file's base name. */
struct vsl_config *vsl_config_load(const char *path, struct vsl_err *err);
/* Parse a process object (exec --process process.json) into *out. */
int vsl_process_parse(const char *json, size_t len, const char *name, struct vsl_process *out,
		      struct vsl_err *err);
void vsl_process_clear(struct vsl_process *p);
/* Serialize back to JSON (round-trip; malloc'd). */
char *vsl_config_to_json(const struct vsl_config *cfg, bool pretty);
/* {"linux": {"resources": ...}} with the fields res sets: what `update` lays over the
 * container's stored config.json (vsl_json_merge). */
char *vsl_resources_patch_json(const struct vsl_resources *res);
void vsl_config_free(struct vsl_config *cfg);
static inline void vsl_config_freep(struct vsl_config **c)
{
	vsl_config_free(*c);
}
#define cleanup_config __attribute__((cleanup(vsl_config_freep)))

/* The default config.json of `vessel spec` (runc spec's, with busybox-friendly args). */
char *vsl_config_default_json(bool rootless);
/* The rootless default with these uid and gid mappings (the caller's own id at 0, its
 * subordinate ids above: runtime/rootless.h). */
struct vsl_spec_ids {
	const struct vsl_id_mapping *uid, *gid;
	size_t n_uid, n_gid;
};
char *vsl_config_rootless_json(const struct vsl_spec_ids *ids);

/* Annotation lookup; NULL if absent. */
const char *vsl_config_annotation(const struct vsl_config *cfg, const char *key);

/* Namespace names of config-linux.md <-> enum. */
const char *vsl_ns_name(enum vsl_ns_type t);
int vsl_ns_from_name(const char *name);	/* -1 if unknown */
/* Hook names of config.md ("prestart", "createRuntime", ...); NULL if out of range. */
const char *vsl_hook_name(enum vsl_hook_kind k);

/* The names linux.seccomp of config.json accepts (`vessel features` lists them). */
enum vsl_seccomp_names { VSL_SECCOMP_ACTIONS, VSL_SECCOMP_OPS, VSL_SECCOMP_ARCHES,
			 VSL_SECCOMP_FLAGS };
const char *const *vsl_seccomp_names(enum vsl_seccomp_names which, size_t *n);

#endif
