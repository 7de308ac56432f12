/* struct vsl_vps_def: a VPS definition, <store>/vps/<name>/vps.json (issue 12): what should
 * exist (template, limits, network, init, autostart), never what runs now (that is the
 * container's state under the state root). Pure: JSON in and out, the checks of every
 * field, and the parsers of the values the command line shares with the file (cpus,
 * ports, hostnames, rates). Errors name the field: "vps.json: limits.memory: expected
 * integer, got string". Later work adds fields here (snapshots, id ranges, checkpoints): an
 * unknown field is refused, so an older vessel never silently drops one. */
#ifndef VSL_SPEC_VPS_H
#define VSL_SPEC_VPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define VSL_VPS_VERSION 1
#define VSL_VPS_NAME_MAX 64
#define VSL_VPS_HOSTNAME_MAX 64		/* HOST_NAME_MAX */
#define VSL_VPS_MAX_PORTS 64
#define VSL_VPS_STOP_TIMEOUT 30		/* seconds, when not given */
#define VSL_VPS_STOP_TIMEOUT_MAX 3600

/* Which init the template boots: decides the halt signal stop sends. */
enum vsl_vps_init_kind {
	VSL_VPS_INIT_SYSTEMD,
	VSL_VPS_INIT_SYSVINIT,
	VSL_VPS_INIT_BUSYBOX,
	VSL_VPS_INIT_OTHER,
};

struct vsl_vps_port {
	uint16_t host, container;
	bool udp;
};

/* 0 means "no limit" for every size and count. */
struct vsl_vps_limits {
	uint64_t memory;	/* bytes */
	bool has_swap;
	uint64_t swap;		/* bytes of swap on top of memory (needs memory) */
	uint32_t cpus_milli;	/* 1500 = 1.5 CPUs */
	uint64_t pids;
	uint64_t disk;		/* bytes: the private layer's limit (vessel.disk.limit) */
	uint16_t io_weight;	/* 10..1000 */
	uint64_t io_bps;	/* bytes/s, reads and writes each, on the device doing the I/O */
	uint64_t io_iops;	/* operations/s, likewise */
	char *net_rate;		/* "10mbit": both directions (vessel.net.rate); NULL = none */
};

struct vsl_vps_net {
	char *name;		/* network (bridge) name; NULL = no network, only lo */
	char *address;		/* "10.89.0.5/16", or "auto" until the first start picks one */
	struct vsl_vps_port *ports;
	size_t n_ports;
};

/* The host id range the VPS's user namespace maps to (issue 14); size 0 = none. */
struct vsl_vps_idmap {
	uint32_t host_uid, host_gid, size;
};

struct vsl_vps_def {
	char *name;		/* also the container id and the private layer's id */
	char *created;		/* RFC 3339 UTC */
	char *uuid;		/* container_uuid handed to the init (systemd's machine id) */
	char *template_name;
	char *template_digest;	/* "sha256:<hex>" when known; NULL otherwise */
	char *hostname;
	char *init;		/* absolute path inside the VPS */
	enum vsl_vps_init_kind init_kind;
	char *halt_signal;	/* "SIGRTMIN+3", "SIGUSR1", "SIGPWR", ... */
	uint32_t stop_timeout;	/* seconds stop waits for the init before SIGKILL */
	bool autostart;
	struct vsl_vps_limits limits;
	struct vsl_vps_net net;
	struct vsl_vps_idmap idmap;
};

/* Parse a vps.json held in memory; name prefixes the errors ("vps.json"). 0 or -EINVAL. */
int vsl_vps_def_parse(const char *json, size_t len, const char *name, struct vsl_vps_def *out,
		      struct vsl_err *err);
/* Pretty JSON (malloc'd); parse(to_json(d)) gives d back. */
char *vsl_vps_def_to_json(const struct vsl_vps_def *d);
/* Check every field of a definition built in code (what parse checks); what names the
 * document in the message. */
int vsl_vps_def_check(const struct vsl_vps_def *d, const char *what, struct vsl_err *err);
void vsl_vps_def_clear(struct vsl_vps_def *d);
/* A deep copy. */
void vsl_vps_def_copy(struct vsl_vps_def *dst, const struct vsl_vps_def *src);

const char *vsl_vps_init_kind_name(enum vsl_vps_init_kind k);
int vsl_vps_init_kind_parse(const char *s);	/* -1 if unknown */

/* The value checks and parsers, each 0 or -EINVAL with err naming what (e.g. "--cpus"). */
/* [A-Za-z0-9][A-Za-z0-9._-]*, at most VSL_VPS_NAME_MAX bytes. */
int vsl_vps_check_name(const char *name, const char *what, struct vsl_err *err);
/* RFC 1123: dot-separated labels of letters, digits and '-', not starting or ending with
 * '-', at most 63 bytes a label and VSL_VPS_HOSTNAME_MAX in all. */
int vsl_vps_check_hostname(const char *h, const char *what, struct vsl_err *err);
/* "2", "1.5", "0.25": at most three decimals, more than 0, at most 4096 CPUs. */
int vsl_vps_parse_cpus(const char *s, const char *what, uint32_t *out, struct vsl_err *err);
/* "1.5" for 1500 into buf (at least 16 bytes). */
const char *vsl_vps_cpus_str(uint32_t milli, char *buf, size_t len);
/* "HOST:CONTAINER[/tcp|/udp]", ports 1-65535. */
int vsl_vps_parse_port(const char *s, const char *what, struct vsl_vps_port *out,
		       struct vsl_err *err);
/* "8080:80/tcp" into buf (at least 24 bytes). */
const char *vsl_vps_port_str(const struct vsl_vps_port *p, char *buf, size_t len);
/* A tc rate: digits and a unit bit, kbit, mbit, gbit or tbit ("10mbit"); *out is the
 * lower-case form (malloc'd). */
int vsl_vps_parse_rate(const char *s, const char *what, char **out, struct vsl_err *err);
/* A signal name as kill(1) spells it with the SIG prefix: SIGTERM, SIGRTMIN+3, ... (the
 * form only; the runtime maps it to a number). */
int vsl_vps_check_signal(const char *s, const char *what, struct vsl_err *err);

#endif
