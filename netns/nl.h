/* Small bounded netlink helpers over libmnl: a socket (in this or another network namespace),
 * a request built in a fixed buffer that remembers overflow, one call that sends it and reads
 * replies until the ack or the end of the dump, keeping the kernel's errno and its extended
 * ack text for the error message. Used by netns/ only. */
#ifndef VSL_NETNS_NL_H
#define VSL_NETNS_NL_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct vsl_nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
	char ext[256];		/* the kernel's extended ack text of the last failure, or "" */
};

/* Open and bind a NETLINK_* socket (CLOEXEC, extended acks on) in the caller's namespace. */
int vsl_nl_open(struct vsl_nl *nl, int bus, struct vsl_err *err);
/* The same, inside the network namespace nsfd refers to: a short-lived thread enters it,
 * opens the socket and exits, so the caller never changes namespace. */
int vsl_nl_open_netns(struct vsl_nl *nl, int bus, int nsfd, struct vsl_err *err);
void vsl_nl_close(struct vsl_nl *nl);
#define cleanup_nl cleanup_with(vsl_nl_close)

#define VSL_NLREQ_SIZE 2048

struct vsl_nlreq {
	union {
		char buf[VSL_NLREQ_SIZE];
		struct nlmsghdr align;
	};
	struct nlmsghdr *nlh;
	bool overflow;		/* an attribute did not fit: talk fails with EMSGSIZE */
};

/* Start a request: NLM_F_REQUEST | NLM_F_ACK | flags, and a zeroed family header of hdrlen
 * bytes, which is returned. */
void *vsl_nlreq_init(struct vsl_nlreq *r, uint16_t type, uint16_t flags, size_t hdrlen);
void vsl_nlreq_put(struct vsl_nlreq *r, uint16_t type, size_t len, const void *data);
void vsl_nlreq_put_str(struct vsl_nlreq *r, uint16_t type, const char *s);
void vsl_nlreq_put_u32(struct vsl_nlreq *r, uint16_t type, uint32_t v);
/* Room for a raw header inside a nest (VETH_INFO_PEER's ifinfomsg), zeroed; NULL on overflow. */
void *vsl_nlreq_reserve(struct vsl_nlreq *r, size_t len);
struct nlattr *vsl_nlreq_nest(struct vsl_nlreq *r, uint16_t type);
void vsl_nlreq_nest_end(struct vsl_nlreq *r, struct nlattr *nest);

/* Send and read until the ack (or NLMSG_DONE for a dump); cb (may be NULL) sees each data
 * message. 0, or the kernel's -errno with nl->ext set when the kernel said why. */
int vsl_nl_talk(struct vsl_nl *nl, struct vsl_nlreq *r, mnl_cb_t cb, void *data);
int vsl_nl_talk_msg(struct vsl_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
/* Send a prepared nfnetlink batch (already numbered) and collect every reply the kernel
 * queued while processing it. 0 or the first -errno. */
int vsl_nl_batch(struct vsl_nl *nl, const void *buf, size_t len);
unsigned vsl_nl_next_seq(struct vsl_nl *nl);

/* Fill err from a failed talk: "<formatted context>[: <kernel's text>]", code -r. */
int vsl_nl_fail(const struct vsl_nl *nl, struct vsl_err *err, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
