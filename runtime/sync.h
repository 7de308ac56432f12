/* The parent/child sync protocol over a SOCK_SEQPACKET pair: one message = a small header
 * plus an optional payload and an optional fd (SCM_RIGHTS). An error travels as
 * {VSL_SYNC_ERROR, code, message} so the child's failure reaches the one place that
 * reports it. A payload of any size up to VSL_SYNC_PAYLOAD_MAX goes through: small ones in
 * the message itself, larger ones (a state JSON with big annotations) in a sealed memfd
 * passed along with it, so no socket buffer size limits what a config may hold. */
#ifndef VSL_RUNTIME_SYNC_H
#define VSL_RUNTIME_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/util.h"

enum vsl_sync_type {
	VSL_SYNC_ERROR = 1,
	VSL_SYNC_USERNS,	/* stage 1 -> parent: unshared a userns, write my id maps */
	VSL_SYNC_GO,		/* parent -> child: carry on (payload: state JSON for hooks) */
	VSL_SYNC_PID,		/* stage 1 -> parent: the container process' pid */
	VSL_SYNC_MOUNTED,	/* container -> parent: mounts done, before pivot */
	VSL_SYNC_READY,		/* container -> parent: set up, waiting (fd: pty master) */
	VSL_SYNC_COMMIT,	/* parent -> container: state saved; wait for start (fd: the
				 * exec fifo, O_PATH) */
	VSL_SYNC_SOURCE,	/* parent -> container, before the first GO: fd of the source
				 * of bind mounts[code] (runtime/hostfds.h) */
	VSL_SYNC_DEVICE,	/* ... a detached mount of the node of linux.devices[code] */
};

/* Payloads up to this size travel inside the message. */
#define VSL_SYNC_INLINE 4096
/* The largest payload: the state of a config of VSL_READ_MAX bytes, with room to spare. */
#define VSL_SYNC_PAYLOAD_MAX (4 * VSL_READ_MAX)

struct vsl_sync_msg {
	uint32_t type;
	int32_t code;
	size_t len;		/* payload bytes in data */
	int fd;			/* received fd (close-on-exec) or -1; the caller's to close */
	char *data;		/* the payload plus a NUL ("" without one); owned by msg, valid
				 * until the next receive into msg or vsl_sync_msg_free */
};

struct vsl_sync_msg *vsl_sync_msg_new(void);
void vsl_sync_msg_free(struct vsl_sync_msg *msg);
static inline void vsl_sync_msg_freep(struct vsl_sync_msg **msg)
{
	vsl_sync_msg_free(*msg);
}
#define cleanup_sync_msg __attribute__((cleanup(vsl_sync_msg_freep)))

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
