/* runtime/sync.c: messages of every payload size arrive whole, with their fd, over the
 * SOCK_SEQPACKET pair create and exec use. A payload is no longer limited by the socket's
 * buffer (a 1 MB annotation in the state JSON failed "sync message too large"): big ones
 * travel in a sealed memfd. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/sync.h"
#include "tests/unit/tap.h"

static int open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static void roundtrip(int sv[2], size_t len, bool with_fd)
{
	cleanup_sync_msg struct vsl_sync_msg *msg = vsl_sync_msg_new();
	cleanup_free char *data = xmalloc(len + 1);
	struct vsl_err err;
	struct stat a, b;
	int fd = with_fd ? open("/dev/null", O_RDONLY | O_CLOEXEC) : -1;
	int before = open_fds(), r;

	for (size_t i = 0; i < len; i++)
		data[i] = (char)('a' + i % 26);
	r = vsl_sync_send(sv[0], VSL_SYNC_GO, 7, data, len, fd, &err);
	if (r == 0)
		r = vsl_sync_expect(sv[1], VSL_SYNC_GO, msg, &err);
	ok(r == 0 && msg->code == 7 && msg->len == len && memcmp(msg->data, data, len) == 0 &&
		   msg->data[len] == '\0',
	   "%zu bytes%s arrive whole (%s)", len, with_fd ? " with an fd" : "",
	   r ? err.msg : "ok");
	if (with_fd) {
		ok(msg->fd >= 0 && fstat(msg->fd, &a) == 0 && fstat(fd, &b) == 0 &&
			   a.st_rdev == b.st_rdev && (fcntl(msg->fd, F_GETFD) & FD_CLOEXEC),
		   "%zu bytes: the fd arrives, close-on-exec", len);
		close(msg->fd);
		close(fd);
	} else {
		ok(msg->fd == -1, "%zu bytes: no fd", len);
	}
	ok(open_fds() == before - with_fd, "%zu bytes: no fd left open (a payload memfd is closed)",
	   len);
}

int main(void)
{
	static const size_t sizes[] = { 0, 1, VSL_SYNC_INLINE, VSL_SYNC_INLINE + 1, 1 << 20,
					20 << 20 };
	cleanup_sync_msg struct vsl_sync_msg *msg = vsl_sync_msg_new();
	struct vsl_err err;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return 1;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		roundtrip(sv, sizes[i], false);
		roundtrip(sv, sizes[i], true);
	}
	ok(vsl_sync_send(sv[0], VSL_SYNC_GO, 0, "", VSL_SYNC_PAYLOAD_MAX + 1, -1, &err) ==
			   -EMSGSIZE &&
		   strstr(err.msg, "over the 64 MiB limit"),
	   "a payload past the limit is refused before anything is sent: %s", err.msg);
	{
		struct vsl_err child = { 0 };

		vsl_fail(&child, ENOENT, "mounts[2] (/data): source /x");
		vsl_sync_send_err(sv[1], &child);
		ok(vsl_sync_expect(sv[0], VSL_SYNC_READY, msg, &err) == -ENOENT &&
			   strcmp(err.msg, "mounts[2] (/data): source /x") == 0,
		   "an error message comes back as the peer's error: %s", err.msg);
	}
	close(sv[1]);
	ok(vsl_sync_recv(sv[0], msg, &err) == -EPIPE, "end of file: the peer exited");
	close(sv[0]);
	return tap_done();
}
