/* Parent/child sync messages. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "runtime/sync.h"

struct hdr {
	uint32_t type;
	int32_t code;
};

int vsl_sync_send(int sock, uint32_t type, int32_t code, const void *data, size_t len, int fd,
		  struct vsl_err *err)
{
	struct hdr h = { type, code };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)data, len } };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	ssize_t n;

	if (len > VSL_SYNC_MAX)
		return vsl_fail(err, EMSGSIZE, "sync message too large (%zu bytes)", len);
	if (fd >= 0) {
		struct cmsghdr *cm;
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return vsl_fail(err, errno, "sync: send");
	return 0;
}

void vsl_sync_send_err(int sock, const struct vsl_err *err)
{
	struct vsl_err ignored;

	vsl_sync_send(sock, VSL_SYNC_ERROR, err->code ? err->code : EIO, err->msg,
		      strlen(err->msg) + 1, -1, &ignored);
}

int vsl_sync_recv(int sock, struct vsl_sync_msg *msg, struct vsl_err *err)
{
	struct hdr h;
	struct iovec iov[2] = { { &h, sizeof(h) }, { msg->data, sizeof(msg->data) - 1 } };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	msg->fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return vsl_fail(err, errno, "sync: receive");
	if (n == 0)
		return vsl_fail(err, EPIPE, "container process exited during setup");
	if ((size_t)n < sizeof(h))
		return vsl_fail(err, EPROTO, "sync: short message");
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&msg->fd, CMSG_DATA(cm), sizeof(int));
	msg->type = h.type;
	msg->code = h.code;
	msg->len = (size_t)n - sizeof(h);
	msg->data[msg->len] = '\0';
	if (h.type == VSL_SYNC_ERROR)
		return vsl_fail(err, h.code > 0 ? h.code : EIO, "%s", msg->data);
	return 0;
}

int vsl_sync_expect(int sock, uint32_t type, struct vsl_sync_msg *msg, struct vsl_err *err)
{
	int r = vsl_sync_recv(sock, msg, err);

	if (r < 0)
		return r;
	if (msg->type != type)
		return vsl_fail(err, EPROTO, "sync: expected message %u, got %u", type, msg->type);
	return 0;
}
