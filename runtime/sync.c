/* Parent/child sync messages. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/sync.h"

enum {
	F_HAS_FD = 1 << 0,	/* the message carries the caller's fd */
	F_MEMFD = 1 << 1,	/* the payload is in a memfd, sent first */
};

struct hdr {
	uint32_t type;
	int32_t code;
	uint32_t flags;
};

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

struct vsl_sync_msg *vsl_sync_msg_new(void)
{
	struct vsl_sync_msg *msg = xzalloc(sizeof(*msg));

	msg->fd = -1;
	return msg;
}

void vsl_sync_msg_free(struct vsl_sync_msg *msg)
{
	int saved = errno;

	if (msg)
		free(msg->data);
	free(msg);
	errno = saved;
}

/* A sealed memfd holding data: the receiver reads what was written, nothing else. */
static int payload_memfd(const void *data, size_t len, struct vsl_err *err)
{
	cleanup_close int fd = memfd_create("vessel-sync", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int r;

	if (fd < 0)
		return vsl_fail(err, errno, "sync: memfd for a payload of %zu bytes", len);
	r = vsl_write_all(fd, data, len);
	if (r < 0)
		return vsl_fail(err, -r, "sync: write a payload of %zu bytes", len);
	if (fcntl(fd, F_ADD_SEALS, SEALS) < 0)
		return vsl_fail(err, errno, "sync: seal the payload");
	return vsl_steal_fd(&fd);
}

static int send_msg(int sock, const struct hdr *h, const void *data, size_t len,
		    const int *fds, size_t n_fds, struct vsl_err *err)
{
	struct iovec iov[2] = { { (void *)h, sizeof(*h) }, { (void *)data, len } };
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	ssize_t n;

	if (n_fds) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, n_fds * sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return vsl_fail(err, errno, "sync: send");
	return 0;
}

int vsl_sync_send(int sock, uint32_t type, int32_t code, const void *data, size_t len, int fd,
		  struct vsl_err *err)
{
	struct hdr h = { type, code, fd >= 0 ? F_HAS_FD : 0 };
	cleanup_close int mem = -1;
	int fds[2];
	size_t n_fds = 0;

	if (len > VSL_SYNC_PAYLOAD_MAX)
		return vsl_fail(err, EMSGSIZE, "sync: a payload of %zu bytes is over the %zu MiB "
				"limit", len, VSL_SYNC_PAYLOAD_MAX >> 20);
	if (len > VSL_SYNC_INLINE) {
		mem = payload_memfd(data, len, err);
		if (mem < 0)
			return mem;
		h.flags |= F_MEMFD;
		fds[n_fds++] = mem;
		len = 0;
	}
	if (fd >= 0)
		fds[n_fds++] = fd;
	return send_msg(sock, &h, data, len, fds, n_fds, err);
}

void vsl_sync_send_err(int sock, const struct vsl_err *err)
{
	struct vsl_err ignored;

	vsl_sync_send(sock, VSL_SYNC_ERROR, err->code ? err->code : EIO, err->msg,
		      strlen(err->msg) + 1, -1, &ignored);
}

/* The payload of a memfd message, bounded, into msg->data. */
static int read_memfd(int fd, struct vsl_sync_msg *msg, struct vsl_err *err)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return vsl_fail(err, errno, "sync: stat the payload");
	if (st.st_size < 0 || (uint64_t)st.st_size > VSL_SYNC_PAYLOAD_MAX)
		return vsl_fail(err, EMSGSIZE, "sync: a payload of %lld bytes is over the limit",
				(long long)st.st_size);
	free(msg->data);
	msg->data = xmalloc((size_t)st.st_size + 1);
	n = pread(fd, msg->data, (size_t)st.st_size, 0);
	if (n != st.st_size)
		return vsl_fail(err, n < 0 ? errno : EIO, "sync: read the payload");
	msg->len = (size_t)n;
	msg->data[msg->len] = '\0';
	return 0;
}

/* The fds that came with the message, in order; any beyond two are closed. */
static size_t take_fds(struct msghdr *mh, int *fds)
{
	size_t n = 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (n < 2)
				fds[n++] = fd;
			else
				close(fd);
		}
	}
	return n;
}

/* Header, fds and payload of one received message into msg. */
static int unpack(const struct hdr *h, struct msghdr *mh, size_t got, struct vsl_sync_msg *msg,
		  struct vsl_err *err)
{
	int fds[2] = { -1, -1 }, r = 0;
	size_t n_fds = take_fds(mh, fds), want = !!(h->flags & F_MEMFD) + !!(h->flags & F_HAS_FD);
	size_t i = 0;

	msg->type = h->type;
	msg->code = h->code;
	msg->len = got;
	msg->data[got] = '\0';
	if (n_fds != want || (mh->msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		for (i = 0; i < n_fds; i++)
			close(fds[i]);
		return vsl_fail(err, EPROTO, "sync: message %u is malformed (%zu fds, %zu bytes)",
				h->type, n_fds, got);
	}
	if (h->flags & F_MEMFD) {
		r = read_memfd(fds[i], msg, err);
		close(fds[i++]);
	}
	if (h->flags & F_HAS_FD) {
		if (r == 0)
			msg->fd = fds[i];
		else
			close(fds[i]);
	}
	return r;
}

int vsl_sync_recv(int sock, struct vsl_sync_msg *msg, struct vsl_err *err)
{
	struct hdr h;
	char *buf = xmalloc(VSL_SYNC_INLINE + 1);
	struct iovec iov[2] = { { &h, sizeof(h) }, { buf, VSL_SYNC_INLINE } };
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	ssize_t n;
	int r;

	free(msg->data);
	msg->data = buf;
	msg->len = 0;
	msg->data[0] = '\0';
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
	r = unpack(&h, &mh, (size_t)n - sizeof(h), msg, err);
	if (r < 0)
		return r;
	if (h.type == VSL_SYNC_ERROR)
		return vsl_fail(err, h.code > 0 ? h.code : EIO, "%s", msg->data);
	return 0;
}

int vsl_sync_expect(int sock, uint32_t type, struct vsl_sync_msg *msg, struct vsl_err *err)
{
	int r = vsl_sync_recv(sock, msg, err);

	if (r < 0)
		return r;
	if (msg->type != type) {
		if (msg->fd >= 0)
			close(msg->fd);
		msg->fd = -1;
		return vsl_fail(err, EPROTO, "sync: expected message %u, got %u", type, msg->type);
	}
	return 0;
}
