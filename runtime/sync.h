/* The parent/child sync protocol over a SOCK_SEQPACKET pair: one message = a small header
 * plus an optional payload and an optional fd (SCM_RIGHTS). An error travels as
 * {VSL_SYNC_ERROR, code, message} so the child's failure reaches the one place that
 * reports it. */
#ifndef VSL_RUNTIME_SYNC_H
#define VSL_RUNTIME_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

enum vsl_sync_type {
	VSL_SYNC_ERROR = 1,
	VSL_SYNC_USERNS,	/* stage 1 -> parent: unshared a userns, write my id maps */
	VSL_SYNC_GO,		/* parent -> child: carry on (payload: state JSON for hooks) */
	VSL_SYNC_PID,		/* stage 1 -> parent: the container process' pid */
	VSL_SYNC_MOUNTED,	/* container -> parent: mounts done, before pivot */
	VSL_SYNC_READY,		/* container -> parent: set up, waiting (fd: pty master) */
	VSL_SYNC_COMMIT,	/* parent -> container: state saved; wait for start */
};

#define VSL_SYNC_MAX 65536

struct vsl_sync_msg {
	uint32_t type;
	int32_t code;
	size_t len;		/* payload bytes in data */
	int fd;			/* received fd or -1 */
	char data[VSL_SYNC_MAX];
};

int vsl_sync_send(int sock, uint32_t type, int32_t code, const void *data, size_t len, int fd,
		  struct vsl_err *err);
/* Send err as an error message (best effort, for a child about to _exit). */
void vsl_sync_send_err(int sock, const struct vsl_err *err);
/* Receive one message. EOF -> -EPIPE "peer exited". An ERROR message is returned as a
 * failure with the peer's code and message. */
int vsl_sync_recv(int sock, struct vsl_sync_msg *msg, struct vsl_err *err);
/* Receive and check the type: anything else is a protocol error. */
int vsl_sync_expect(int sock, uint32_t type, struct vsl_sync_msg *msg, struct vsl_err *err);

#endif
