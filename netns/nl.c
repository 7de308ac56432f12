/* Bounded netlink requests over libmnl, with the kernel's errno and extended ack kept. */
#include <errno.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "netns/nl.h"

#define RECV_SIZE 32768

static int setup(struct vsl_nl *nl, int fd, struct vsl_err *err)
{
	int one = 1;

	/* Extended acks say which attribute the kernel disliked; capped acks keep the reply small. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->sock = mnl_socket_fdopen(fd);
	if (!nl->sock) {
		close(fd);
		return vsl_fail(err, errno ? errno : ENOMEM, "netlink: wrap socket");
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		vsl_nl_close(nl);
		return vsl_fail(err, e, "netlink: bind");
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)getpid() << 8;
	nl->ext[0] = '\0';
	return 0;
}

int vsl_nl_open(struct vsl_nl *nl, int bus, struct vsl_err *err)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, bus);

	memset(nl, 0, sizeof(*nl));
	if (fd < 0)
		return vsl_fail(err, errno, "netlink: socket");
	return setup(nl, fd, err);
}

struct ns_sock {
	int nsfd, bus, fd, err;
};

static void *ns_sock_thread(void *p)
{
	struct ns_sock *a = p;

	/* The namespace switch dies with this thread; the socket stays in the namespace. */
	if (setns(a->nsfd, CLONE_NEWNET) < 0) {
		a->err = errno;
		return NULL;
	}
	a->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, a->bus);
	if (a->fd < 0)
		a->err = errno;
	return NULL;
}

int vsl_nl_open_netns(struct vsl_nl *nl, int bus, int nsfd, struct vsl_err *err)
{
	struct ns_sock a = { .nsfd = nsfd, .bus = bus, .fd = -1 };
	pthread_t t;
	int r;

	memset(nl, 0, sizeof(*nl));
	r = pthread_create(&t, NULL, ns_sock_thread, &a);
	if (r != 0)
		return vsl_fail(err, r, "netlink: start thread to enter netns");
	pthread_join(t, NULL);
	if (a.fd < 0)
		return vsl_fail(err, a.err, "netlink: socket in container netns");
	return setup(nl, a.fd, err);
}

void vsl_nl_close(struct vsl_nl *nl)
{
	int saved = errno;

	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
	errno = saved;
}

void *vsl_nlreq_init(struct vsl_nlreq *r, uint16_t type, uint16_t flags, size_t hdrlen)
{
	memset(r->buf, 0, sizeof(struct nlmsghdr) + MNL_ALIGN(hdrlen));
	r->overflow = false;
	r->nlh = mnl_nlmsg_put_header(r->buf);
	r->nlh->nlmsg_type = type;
	r->nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return mnl_nlmsg_put_extra_header(r->nlh, hdrlen);
}

void vsl_nlreq_put(struct vsl_nlreq *r, uint16_t type, size_t len, const void *data)
{
	if (!mnl_attr_put_check(r->nlh, sizeof(r->buf), type, len, data))
		r->overflow = true;
}

void vsl_nlreq_put_str(struct vsl_nlreq *r, uint16_t type, const char *s)
{
	vsl_nlreq_put(r, type, strlen(s) + 1, s);
}

void vsl_nlreq_put_u32(struct vsl_nlreq *r, uint16_t type, uint32_t v)
{
	vsl_nlreq_put(r, type, sizeof(v), &v);
}

void *vsl_nlreq_reserve(struct vsl_nlreq *r, size_t len)
{
	void *p;

	if (r->nlh->nlmsg_len + MNL_ALIGN(len) > sizeof(r->buf)) {
		r->overflow = true;
		return NULL;
	}
	p = mnl_nlmsg_get_payload_tail(r->nlh);
	memset(p, 0, MNL_ALIGN(len));
	r->nlh->nlmsg_len += MNL_ALIGN(len);
	return p;
}

struct nlattr *vsl_nlreq_nest(struct vsl_nlreq *r, uint16_t type)
{
	struct nlattr *n = mnl_attr_nest_start_check(r->nlh, sizeof(r->buf), type);

	if (!n)
		r->overflow = true;
	return n;
}

void vsl_nlreq_nest_end(struct vsl_nlreq *r, struct nlattr *nest)
{
	if (nest)
		mnl_attr_nest_end(r->nlh, nest);
}

struct talk {
	struct vsl_nl *nl;
	mnl_cb_t cb;
	void *data;
};

static int data_cb(const struct nlmsghdr *nlh, void *p)
{
	struct talk *t = p;

	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

/* NLMSG_ERROR: an ack (error 0) ends the request; otherwise keep errno and the ext text. */
static int error_cb(const struct nlmsghdr *nlh, void *p)
{
	struct talk *t = p;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += MNL_ALIGN(e->msg.nlmsg_len - sizeof(struct nlmsghdr));
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && mnl_nlmsg_get_payload_len(nlh) > off) {
		mnl_attr_for_each_payload((const struct nlattr *)((const char *)e + off),
					  mnl_nlmsg_get_payload_len(nlh) - off)
		{
			if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
			    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
				snprintf(t->nl->ext, sizeof(t->nl->ext), "%s", mnl_attr_get_str(attr));
		}
	}
	errno = -e->error;
	return MNL_CB_ERROR;
}


/* NLMSG_DONE ends a dump; it may carry the dump's error. (With a control array, libmnl
 * uses no default for the types it covers, so DONE needs its own callback.) */
static int done_cb(const struct nlmsghdr *nlh, void *p)
{
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		int e = *(const int *)mnl_nlmsg_get_payload(nlh);
		if (e < 0) {
			errno = -e;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

unsigned vsl_nl_next_seq(struct vsl_nl *nl)
{
	return ++nl->seq;
}

int vsl_nl_talk_msg(struct vsl_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct talk t = { .nl = nl, .cb = cb, .data = data };
	mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = error_cb, [NLMSG_DONE] = done_cb };
	char buf[RECV_SIZE] __attribute__((aligned(8)));
	unsigned seq = vsl_nl_next_seq(nl);
	ssize_t n;
	int r;

	nl->ext[0] = '\0';
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		r = mnl_cb_run2(buf, n, seq, nl->portid, data_cb, &t, ctl_cbs, NLMSG_MIN_TYPE);
		if (r < 0)
			return errno ? -errno : -EIO;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

int vsl_nl_talk(struct vsl_nl *nl, struct vsl_nlreq *r, mnl_cb_t cb, void *data)
{
	if (r->overflow) {
		snprintf(nl->ext, sizeof(nl->ext), "request larger than %d bytes", VSL_NLREQ_SIZE);
		return -EMSGSIZE;
	}
	return vsl_nl_talk_msg(nl, r->nlh, cb, data);
}

int vsl_nl_batch(struct vsl_nl *nl, const void *buf, size_t len)
{
	struct talk t = { .nl = nl };
	mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = error_cb, [NLMSG_DONE] = done_cb };
	char rbuf[RECV_SIZE] __attribute__((aligned(8)));
	int fd = mnl_socket_get_fd(nl->sock), first = 0;
	ssize_t n;

	nl->ext[0] = '\0';
	if (mnl_socket_sendto(nl->sock, buf, len) < 0)
		return -errno;
	/* nfnetlink runs the whole batch inside sendmsg: every reply is queued by now. */
	for (;;) {
		n = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? first : -errno;
		if (mnl_cb_run2(rbuf, n, 0, nl->portid, data_cb, &t, ctl_cbs, NLMSG_MIN_TYPE) < 0 &&
		    !first)
			first = errno ? -errno : -EIO;
	}
}

int vsl_nl_fail(const struct vsl_nl *nl, struct vsl_err *err, int r, const char *fmt, ...)
{
	char ctx[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	if (nl->ext[0])
		return vsl_fail(err, -r, "%s (kernel: %s)", ctx, nl->ext);
	return vsl_fail(err, -r, "%s", ctx);
}
